/**
 * The generated server's package.json, tsconfig.json and .gitignore are the user's: codegen keeps
 * what the user adds through regeneration and `--check` (contract section 1), and manages only its
 * own part of them.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { GITIGNORE_BEGIN, GITIGNORE_END, mergeProjectFile } from '../../src/output/projectFiles.js';
import { REPO_ROOT } from '../helpers/generatedServer.js';

const SCHEMA = path.join(REPO_ROOT, 'fixtures', 'shop', 'schema.graphql');

let dir: string;
let out: string;

async function codegen(...extra: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await main([SCHEMA, '-o', out, ...extra], {
    cwd: dir,
    stdout: (text) => (output += text),
    stderr: (text) => (output += text),
  });
  return { code, output };
}

async function read(file: string): Promise<string> {
  return readFile(path.join(out, file), 'utf8');
}

async function readJson(file: string): Promise<Record<string, Record<string, unknown>>> {
  return JSON.parse(await read(file)) as Record<string, Record<string, unknown>>;
}

async function edit(
  file: string,
  change: (value: Record<string, Record<string, unknown>>) => void,
): Promise<void> {
  const value = await readJson(file);
  change(value);
  // Four-space indentation: the user's own style, which codegen must not touch while its part is intact.
  await writeFile(path.join(out, file), `${JSON.stringify(value, null, 4)}\n`);
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'codegen-project-files-'));
  out = path.join(dir, 'server');
  expect((await codegen()).code).toBe(0);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('what the user adds to the project files', () => {
  it('survives regeneration byte for byte, and --check does not report it', async () => {
    await edit('package.json', (pkg) => {
      pkg.dependencies!.slugify = '1.6.6';
      pkg.scripts!.lint = 'eslint src';
      pkg.author = { name: 'A User' };
    });
    await edit('tsconfig.json', (tsconfig) => {
      tsconfig.compilerOptions!.resolveJsonModule = true;
      tsconfig.exclude = ['src/**/*.test.ts'] as unknown as Record<string, unknown>;
    });
    await writeFile(path.join(out, '.gitignore'), `.env\n${await read('.gitignore')}coverage/\n`);
    const before = {
      pkg: await read('package.json'),
      tsconfig: await read('tsconfig.json'),
      ignore: await read('.gitignore'),
    };

    expect(await codegen('--check')).toMatchObject({ code: 0 });
    expect(await codegen()).toMatchObject({
      code: 0,
      output: expect.stringContaining('nothing changed'),
    });
    expect({
      pkg: await read('package.json'),
      tsconfig: await read('tsconfig.json'),
      ignore: await read('.gitignore'),
    }).toEqual(before);
  });

  it('is kept when codegen restores its own part, and --check reports only that part', async () => {
    await edit('package.json', (pkg) => {
      pkg.dependencies!.slugify = '1.6.6';
      pkg.dependencies!.lmdb = '0.0.1';
      pkg.scripts!.lint = 'eslint src';
      delete pkg.scripts!.serve;
    });
    await edit('tsconfig.json', (tsconfig) => {
      tsconfig.compilerOptions!.resolveJsonModule = true;
      tsconfig.compilerOptions!.noEmitOnError = false;
    });
    const ignore = await read('.gitignore');
    await writeFile(
      path.join(out, '.gitignore'),
      `.env\n${ignore.replace('dist/\n', '')}coverage/\n`,
    );

    const check = await codegen('--check');
    expect(check.code).toBe(1);
    expect(check.output).toMatch(/stale\s+\.gitignore/);
    expect(check.output).toMatch(/stale\s+package\.json/);
    expect(check.output).toMatch(/stale\s+tsconfig\.json/);

    expect((await codegen()).code).toBe(0);
    const pkg = await readJson('package.json');
    expect(pkg.dependencies).toMatchObject({ slugify: '1.6.6', lmdb: '3.5.6' });
    expect(Object.keys(pkg.dependencies!)).toEqual([...Object.keys(pkg.dependencies!)].sort());
    expect(pkg.scripts).toMatchObject({
      lint: 'eslint src',
      serve: 'node --enable-source-maps dist/main.js',
    });
    const tsconfig = await readJson('tsconfig.json');
    expect(tsconfig.compilerOptions).toMatchObject({
      resolveJsonModule: true,
      noEmitOnError: true,
    });
    expect(await read('.gitignore')).toBe(`.env\n${ignore}coverage/\n`);
    expect((await codegen('--check')).code).toBe(0);

    // Deterministic: regenerating again changes nothing.
    const merged = await read('package.json');
    expect((await codegen()).output).toContain('nothing changed');
    expect(await read('package.json')).toBe(merged);
  });

  it('refuses a package.json that is not JSON, with a clear message, and writes nothing', async () => {
    await writeFile(path.join(out, 'package.json'), '{ "name": "server", }');
    await rm(path.join(out, 'src', 'schema.ts'));
    const result = await codegen();
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/package\.json is not valid JSON .*fix the file .* or delete it/);
    await expect(stat(path.join(out, 'src', 'schema.ts'))).rejects.toThrow();
    expect(await read('package.json')).toBe('{ "name": "server", }');
    expect((await codegen('--check')).code).toBe(2);
  });
});

describe('mergeProjectFile', () => {
  const owned = `${GITIGNORE_BEGIN}\nnode_modules/\ndist/\n${GITIGNORE_END}\n`;

  it('takes a .gitignore without the block: the block first, the user lines after, duplicates absorbed', () => {
    expect(mergeProjectFile('.gitignore', owned, 'dist/\n.env\n').contents).toBe(`${owned}.env\n`);
  });

  it('appends a new owned key where the user file lacks it, keeping the user key order', () => {
    const merged = mergeProjectFile(
      'tsconfig.json',
      '{"compilerOptions":{"strict":true},"include":["src"]}',
      '{"extends":"./base.json","compilerOptions":{"paths":{}}}',
    );
    expect(merged.upToDate).toBe(false);
    expect(Object.keys(JSON.parse(merged.contents) as object)).toEqual([
      'extends',
      'compilerOptions',
      'include',
    ]);
    expect((JSON.parse(merged.contents) as { compilerOptions: object }).compilerOptions).toEqual({
      paths: {},
      strict: true,
    });
  });
});
