import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileMap, OutputFile } from '../../src/emit/fileMap.js';
import { MANIFEST_NAME } from '../../src/output/manifest.js';
import { checkOutput, deletedScaffolds, OutputError, writeOutput } from '../../src/output/sync.js';

function files(entries: Record<string, string | OutputFile>): FileMap {
  return new Map(
    Object.entries(entries).map(([file, value]) => [
      file,
      typeof value === 'string' ? { contents: value, kind: 'generated' } : value,
    ]),
  );
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'codegen-sync-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = (file: string): Promise<string> => readFile(path.join(dir, file), 'utf8');

describe('writeOutput', () => {
  it('writes every file and a manifest into an empty directory', async () => {
    const report = await writeOutput(dir, files({ 'a.ts': 'A', 'src/b.ts': 'B' }), '1.0.0', {
      force: false,
    });
    expect(report.written).toEqual(['a.ts', 'src/b.ts', MANIFEST_NAME]);
    expect(await read('src/b.ts')).toBe('B');
    const manifest = JSON.parse(await read(MANIFEST_NAME));
    expect(Object.keys(manifest.files)).toEqual(['a.ts', 'src/b.ts']);
    expect(manifest.version).toBe('1.0.0');
  });

  it('changes nothing on disk when run again with the same files', async () => {
    await writeOutput(dir, files({ 'a.ts': 'A' }), '1.0.0', { force: false });
    const report = await writeOutput(dir, files({ 'a.ts': 'A' }), '1.0.0', { force: false });
    expect(report).toEqual({ written: [], unchanged: ['a.ts'], removed: [], keptEdited: [] });
  });

  it('refuses a non-empty directory it did not generate, and writes nothing', async () => {
    await writeFile(path.join(dir, 'mine.txt'), 'user file');
    await expect(
      writeOutput(dir, files({ 'a.ts': 'A' }), '1.0.0', { force: false }),
    ).rejects.toThrow(OutputError);
    expect(existsSync(path.join(dir, 'a.ts'))).toBe(false);
    expect(existsSync(path.join(dir, MANIFEST_NAME))).toBe(false);
  });

  it('writes into such a directory with force, leaving unrelated files alone', async () => {
    await writeFile(path.join(dir, 'mine.txt'), 'user file');
    await writeOutput(dir, files({ 'a.ts': 'A' }), '1.0.0', { force: true });
    expect(await read('a.ts')).toBe('A');
    expect(await read('mine.txt')).toBe('user file');
  });

  it('removes files an earlier generation made and this one does not, and their empty directories', async () => {
    await writeOutput(dir, files({ 'a.ts': 'A', 'src/tables/Old.ts': 'old' }), '1.0.0', {
      force: false,
    });
    const report = await writeOutput(dir, files({ 'a.ts': 'A' }), '1.0.0', { force: false });
    expect(report.removed).toEqual(['src/tables/Old.ts']);
    expect(existsSync(path.join(dir, 'src'))).toBe(false);
  });

  it('never deletes files it did not generate', async () => {
    await writeOutput(dir, files({ 'src/a.ts': 'A', 'src/b.ts': 'B' }), '1.0.0', { force: false });
    await writeFile(path.join(dir, 'src', 'user.ts'), 'user');
    await writeOutput(dir, files({ 'src/a.ts': 'A' }), '1.0.0', { force: false });
    expect(await read('src/user.ts')).toBe('user');
    expect(existsSync(path.join(dir, 'src', 'b.ts'))).toBe(false);
  });

  it('keeps a no-longer-generated file that was edited by hand, and says so', async () => {
    await writeOutput(dir, files({ 'a.ts': 'A', 'b.ts': 'B' }), '1.0.0', { force: false });
    await writeFile(path.join(dir, 'b.ts'), 'B, edited');
    const report = await writeOutput(dir, files({ 'a.ts': 'A' }), '1.0.0', { force: false });
    expect(report.keptEdited).toEqual(['b.ts']);
    expect(await read('b.ts')).toBe('B, edited');
  });

  it('ignores manifest entries that point outside the directory', async () => {
    const outside = path.join(dir, 'outside.txt');
    await writeFile(outside, 'keep me');
    const inner = path.join(dir, 'out');
    await mkdir(inner);
    await writeFile(
      path.join(inner, MANIFEST_NAME),
      JSON.stringify({
        generator: 'codegen',
        version: '1',
        files: { '../outside.txt': 'x' },
        scaffold: [],
      }),
    );
    await writeOutput(inner, files({ 'a.ts': 'A' }), '1.0.0', { force: false });
    expect(await readFile(outside, 'utf8')).toBe('keep me');
  });

  it('creates scaffold files once and never overwrites them', async () => {
    const scaffold = (contents: string): FileMap =>
      files({ 'src/hooks.ts': { contents, kind: 'scaffold' } });
    await writeOutput(dir, scaffold('v1'), '1.0.0', { force: false });
    await writeFile(path.join(dir, 'src', 'hooks.ts'), 'user code');
    const report = await writeOutput(dir, scaffold('v2'), '1.0.0', { force: false });
    expect(report.written).toEqual([]);
    expect(await read('src/hooks.ts')).toBe('user code');
  });

  it('does not create again a scaffold file that the user deleted, and --check does not miss it', async () => {
    const map = files({
      'a.ts': 'A',
      'src/hooks/T.ts': { contents: 'template', kind: 'scaffold' },
    });
    await writeOutput(dir, map, '1.0.0', { force: false });
    expect(deletedScaffolds(dir)).toEqual(new Set());
    await rm(path.join(dir, 'src', 'hooks', 'T.ts'));
    expect(deletedScaffolds(dir)).toEqual(new Set(['src/hooks/T.ts']));
    expect(checkOutput(dir, map, '1.0.0')).toEqual({ stale: [], missing: [], extra: [] });
    expect((await writeOutput(dir, map, '1.0.0', { force: false })).written).toEqual([]);
    expect(existsSync(path.join(dir, 'src', 'hooks', 'T.ts'))).toBe(false);
    // A scaffold that no earlier generation made (a new table's) is missing until written.
    const added = files({
      'a.ts': 'A',
      'src/hooks/T.ts': { contents: 'template', kind: 'scaffold' },
      'src/hooks/U.ts': { contents: 'u', kind: 'scaffold' },
    });
    expect(checkOutput(dir, added, '1.0.0').missing).toEqual(['src/hooks/U.ts']);
    expect((await writeOutput(dir, added, '1.0.0', { force: false })).written).toEqual([
      'src/hooks/U.ts',
      MANIFEST_NAME,
    ]);
  });
});

describe('checkOutput', () => {
  it('reports nothing for a directory that matches', async () => {
    await writeOutput(dir, files({ 'a.ts': 'A' }), '1.0.0', { force: false });
    expect(checkOutput(dir, files({ 'a.ts': 'A' }), '1.0.0')).toEqual({
      stale: [],
      missing: [],
      extra: [],
    });
  });

  it('lists stale, missing and extra files, and writes nothing', async () => {
    await writeOutput(dir, files({ 'a.ts': 'A', 'b.ts': 'B', 'old.ts': 'O' }), '1.0.0', {
      force: false,
    });
    const report = checkOutput(dir, files({ 'a.ts': 'A2', 'b.ts': 'B', 'c.ts': 'C' }), '1.0.0');
    expect(report).toEqual({
      stale: ['a.ts', MANIFEST_NAME],
      missing: ['c.ts'],
      extra: ['old.ts'],
    });
    expect(await read('a.ts')).toBe('A');
    expect(existsSync(path.join(dir, 'c.ts'))).toBe(false);
  });

  it('compares contents, not sizes: a file edited to another text of the same length is stale', async () => {
    await writeOutput(dir, files({ 'a.ts': 'export const a = 1;\n' }), '1.0.0', { force: false });
    await writeFile(path.join(dir, 'a.ts'), 'export const a = 2;\n');
    expect(checkOutput(dir, files({ 'a.ts': 'export const a = 1;\n' }), '1.0.0')).toEqual({
      stale: ['a.ts'],
      missing: [],
      extra: [],
    });
  });

  it('does not report an edited scaffold file as stale', async () => {
    const map = files({ 'hooks.ts': { contents: 'template', kind: 'scaffold' } });
    await writeOutput(dir, map, '1.0.0', { force: false });
    await writeFile(path.join(dir, 'hooks.ts'), 'user code');
    expect(checkOutput(dir, map, '1.0.0')).toEqual({ stale: [], missing: [], extra: [] });
  });

  it('reports everything missing for a directory that does not exist', () => {
    const report = checkOutput(path.join(dir, 'nope'), files({ 'a.ts': 'A' }), '1.0.0');
    expect(report.missing).toEqual(['a.ts', MANIFEST_NAME]);
  });
});
