/**
 * The generated README's client example (section "The typed client") is real code: for each
 * committed example it type-checks under `strict` against that example's generated client, the
 * package name replaced by the client's own source.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLES = path.join(ROOT, 'generated-examples');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** Inside the repository, so that `ws` and its types resolve as they do for a user. */
const WORK = path.join(ROOT, 'test', '.tmp', 'client-readme');

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe.each(readdirSync(EXAMPLES))('the client example in the README of %s', (example) => {
  it('compiles against the generated client', async () => {
    const readme = readFileSync(path.join(EXAMPLES, example, 'README.md'), 'utf8');
    const packageName = (
      JSON.parse(readFileSync(path.join(EXAMPLES, example, 'package.json'), 'utf8')) as {
        name: string;
      }
    ).name;
    const code = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
      .map((block) => block[1] ?? '')
      .find((block) => block.includes('createClient'));
    expect(code).toBeDefined();
    const client = path.join(EXAMPLES, example, 'client', 'src', 'index.js');
    const source = code!.replace(`'${packageName}-client'`, JSON.stringify(client));
    expect(source).not.toBe(code);
    const directory = path.join(WORK, example);
    mkdirSync(directory, { recursive: true });
    writeFileSync(path.join(directory, 'example.ts'), source);
    const result = await execa(
      'node',
      [
        TSC,
        '--noEmit',
        '--strict',
        '--target',
        'ES2022',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--lib',
        'ES2022,DOM',
        '--types',
        'node',
        '--skipLibCheck',
        path.join(directory, 'example.ts'),
      ],
      { cwd: ROOT, reject: false, all: true },
    );
    expect(result.all).toBe('');
    expect(result.exitCode).toBe(0);
  }, 60_000);
});
