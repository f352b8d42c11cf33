/**
 * The real entry point, `node bin/codegen.js …`, run as a child process the way a user or a CI job
 * runs it: the exit codes of the contract's section 1 (0 done, 1 `--check` found differences,
 * 2 schema or usage error) must reach the shell. Uses the compiled generator (`npm run build`).
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/generatedServer.js';

const BIN = path.join(REPO_ROOT, 'bin', 'codegen.js');

let dir: string;

beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'src', 'cli.js'))) {
    throw new Error('bin/codegen.js runs the compiled generator: run `npm run build` first');
  }
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'codegen-bin-'));
  await cp(
    path.join(REPO_ROOT, 'fixtures', 'shop', 'schema.graphql'),
    path.join(dir, 'schema.graphql'),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function codegen(
  ...args: string[]
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const result = await execa('node', [BIN, ...args], { cwd: dir, reject: false });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** Replaces the first letter a-y after `from` in the file with the next letter: same length, other bytes. */
async function flipOneCharacter(file: string, after: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const start = text.indexOf(after);
  expect(start).toBeGreaterThanOrEqual(0);
  const at = text.slice(start).search(/[a-y]/) + start;
  const flipped =
    text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) + 1) + text.slice(at + 1);
  expect(flipped.length).toBe(text.length);
  expect(Buffer.byteLength(flipped)).toBe(Buffer.byteLength(text));
  await writeFile(file, flipped);
}

describe('node bin/codegen.js', () => {
  it('exits 0 after generating, and 0 on --check of the directory it generated', async () => {
    const generated = await codegen('schema.graphql', '-o', 'out');
    expect(generated.exitCode).toBe(0);
    expect(generated.stdout).toMatch(/3 tables → out: \d+ written/);
    expect(existsSync(path.join(dir, 'out', 'src', 'main.ts'))).toBe(true);

    const checked = await codegen('schema.graphql', '-o', 'out', '--check');
    expect(checked.exitCode).toBe(0);
    expect(checked.stdout).toContain('out is up to date');
  });

  it('exits 1 on --check when one generated file differs by one character of the same length', async () => {
    expect((await codegen('schema.graphql', '-o', 'out')).exitCode).toBe(0);
    const product = path.join(dir, 'out', 'src', 'tables', 'Product.ts');
    await flipOneCharacter(product, 'export');
    const edited = await readFile(product, 'utf8');

    const checked = await codegen('schema.graphql', '-o', 'out', '--check');
    expect(checked.exitCode).toBe(1);
    expect(checked.stdout).toContain('stale    src/tables/Product.ts');
    expect(checked.stdout).not.toContain('src/tables/Category.ts');
    // --check writes nothing.
    expect(await readFile(product, 'utf8')).toBe(edited);
  });

  it('exits 2 on a schema error and writes nothing', async () => {
    await writeFile(
      path.join(dir, 'bad.graphql'),
      'type Product @table {\n  id: ID @primaryKey\n  price: Money\n}\n',
    );
    const result = await codegen('bad.graphql', '-o', 'out');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^bad\.graphql:3:10 error .*Money/m);
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it.each([
    [['schema.graphql', '--bogus'], "unknown option '--bogus'"],
    [['missing.graphql'], 'schema file not found: missing.graphql'],
  ])('exits 2 on bad usage: codegen %j', async (args, message) => {
    const result = await codegen(...args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
