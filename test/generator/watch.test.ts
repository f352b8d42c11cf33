import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/generatedServer.js';

let dir: string;
let watcher: ResultPromise | undefined;
let output = '';

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'codegen-watch-'));
  await cp(
    path.join(REPO_ROOT, 'fixtures', 'shop', 'schema.graphql'),
    path.join(dir, 'schema.graphql'),
  );
});
afterEach(async () => {
  if (watcher && watcher.exitCode === null) {
    watcher.kill('SIGTERM');
    await watcher;
  }
  await rm(dir, { recursive: true, force: true });
});

/** Resolves once `predicate` holds, polling; fails with the watcher's output after `ms`. */
async function until(predicate: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out; watcher printed:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('codegen --watch', () => {
  it('regenerates on change, reports schema errors, and keeps running through them', async () => {
    watcher = execa(
      'node',
      [path.join(REPO_ROOT, 'bin', 'codegen.js'), 'schema.graphql', '-o', 'out', '--watch'],
      {
        cwd: dir,
        all: true,
        buffer: false,
        reject: false,
      },
    );
    watcher.all!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const product = path.join(dir, 'out', 'src', 'tables', 'Product.ts');
    await until(() => output.includes('watching') && existsSync(product));

    const schema = await readFile(path.join(dir, 'schema.graphql'), 'utf8');
    await writeFile(
      path.join(dir, 'schema.graphql'),
      schema.replace('  imageUrl: String\n', '  imageUrl: String\n  weight: Float\n'),
    );
    await until(async () => (await readFile(product, 'utf8')).includes('weight?: number | null;'));

    await writeFile(
      path.join(dir, 'schema.graphql'),
      schema.replace('price: Float', 'price: Money'),
    );
    await until(() => /schema\.graphql:\d+:\d+ error .*Money/.test(output));
    expect(watcher.exitCode).toBeNull();
    expect(await readFile(product, 'utf8')).toContain('weight?: number | null;');

    await writeFile(path.join(dir, 'schema.graphql'), schema);
    await until(async () => !(await readFile(product, 'utf8')).includes('weight'));
  });
});
