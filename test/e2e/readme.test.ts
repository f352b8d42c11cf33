/**
 * Every `curl` example of a committed generated README runs, in order, against its generated server
 * started as a process on a fresh data directory: none may fail or answer 4xx/5xx. An event-stream
 * example passes once its first event has arrived.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  startGeneratedServer,
  type ExampleName,
  type GeneratedServer,
} from '../helpers/generatedServer.js';

const README_BASE = 'http://127.0.0.1:9926';

/** The lines of the README's fenced `sh` blocks that are `curl` commands, in order. */
export function curlExamples(readme: string): string[] {
  const examples: string[] = [];
  for (const block of readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    for (const line of block[1]!.split('\n')) if (line.startsWith('curl ')) examples.push(line);
  }
  return examples;
}

/**
 * Runs one example through the shell, exactly as written but aimed at `url`: curl fails (exit 22)
 * on a 4xx/5xx answer. A streaming example is ended once its first event has arrived.
 */
async function run(example: string, url: string): Promise<{ ok: boolean; output: string }> {
  const command = `exec curl -sS --fail-with-body --max-time 20 ${example.slice('curl '.length).replaceAll(README_BASE, url)}`;
  if (!example.includes('text/event-stream')) {
    const result = await execa('sh', ['-c', command], { reject: false, all: true });
    return { ok: result.exitCode === 0, output: String(result.all) };
  }
  const child = execa('sh', ['-c', command], { reject: false, all: true, buffer: false });
  let output = '';
  const ok = await new Promise<boolean>((resolve) => {
    child.all.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/^data: /m.test(output)) resolve(true);
    });
    void child.then(() => resolve(false));
  });
  if (child.exitCode === null) child.kill('SIGTERM');
  await child;
  return { ok, output };
}

const NAMES: readonly ExampleName[] = ['calendar', 'kitchen-sink', 'shop'];

describe.each(NAMES)('the README of generated-examples/%s', (name) => {
  let server: GeneratedServer;
  let examples: string[];

  beforeAll(async () => {
    examples = curlExamples(
      await readFile(path.join(REPO_ROOT, 'generated-examples', name, 'README.md'), 'utf8'),
    );
    server = await startGeneratedServer(name);
  });

  afterAll(async () => {
    await server.dispose();
  });

  it('has examples for every exported table: create, read, change, query, watch, delete', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    expect(examples[0]).toMatch(/^curl -i -X POST .* -d '\{.+\}'/);
    expect(examples.some((example) => example.includes('text/event-stream'))).toBe(true);
    expect(examples.some((example) => example.includes('-X DELETE'))).toBe(true);
  });

  it('runs every example, in order, without an error', async () => {
    const failures: string[] = [];
    for (const example of examples) {
      // curl reads `{a,b}` and `[1-3]` in a URL as a pattern of several URLs unless globbing is off.
      if (
        /'[^']*[{[][^']*'/.test(example.replace(/ -d '[^']*'/, '')) &&
        !/ (-g|--globoff) /.test(example)
      ) {
        failures.push(
          `${example}\n  → the URL has { or [ but the line has no -g, so curl would send other requests`,
        );
        continue;
      }
      const { ok, output } = await run(example, server.url);
      if (!ok) failures.push(`${example}\n  → ${output.trim().split('\n').join('\n    ')}`);
    }
    expect(failures).toEqual([]);
  });
});
