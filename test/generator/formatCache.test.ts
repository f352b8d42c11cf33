/**
 * The format cache (src/output/formatCache.ts) may only ever save time: a generation that takes files
 * from it produces exactly the bytes of a full run, and a file that is not what the cache recorded is
 * formatted again, never trusted.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticSchema } from '../../bench/syntheticSchema.js';
import { EXAMPLES } from '../../scripts/exampleList.js';
import { main } from '../../src/cli.js';
import type { FileMap } from '../../src/emit/fileMap.js';
import type { FormatCache } from '../../src/format/format.js';
import { generate } from '../../src/generate.js';
import type { SchemaSource } from '../../src/frontend/index.js';
import { openFormatCache } from '../../src/output/formatCache.js';
import { MANIFEST_NAME, parseManifest } from '../../src/output/manifest.js';
import { writeOutput } from '../../src/output/sync.js';
import { GENERATOR_VERSION } from '../../src/packageRoot.js';
import { readSchemaSources, resolveSchemaPaths } from '../../src/sources.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'codegen-format-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A cache that counts the files it answered for. */
function counting(cache: FormatCache | undefined): { cache: FormatCache; hits: () => number } {
  let hits = 0;
  return {
    cache: {
      formatted(file, unformattedHash) {
        const result = cache?.formatted(file, unformattedHash);
        if (result !== undefined) hits += 1;
        return result;
      },
    },
    hits: () => hits,
  };
}

/** Generates into memory, as the CLI does for a directory named `out` (the default package name is the directory's). */
async function files(
  sources: readonly SchemaSource[],
  formatCache?: FormatCache,
): Promise<FileMap> {
  const result = await generate(sources, {
    packageName: 'out',
    ...(formatCache === undefined ? {} : { formatCache }),
  });
  if (!result.ok)
    throw new Error(result.diagnostics.map((diagnostic) => diagnostic.message).join('\n'));
  return result.files;
}

/** path → contents, sorted by path: two of these are equal exactly when the bytes are. */
function bytes(map: FileMap): [string, string][] {
  return [...map]
    .map(([file, output]): [string, string] => [file, output.contents])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

function formattedCount(map: FileMap): number {
  return [...map.values()].filter((file) => file.unformattedHash !== undefined).length;
}

/** Every file under `root`, path → contents. */
async function tree(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const result: Record<string, string> = {};
  for (const entry of entries.filter((candidate) => candidate.isFile())) {
    const full = path.join(entry.parentPath, entry.name);
    result[path.relative(root, full).split(path.sep).join('/')] = await readFile(full, 'utf8');
  }
  return result;
}

async function write(out: string, map: FileMap): Promise<void> {
  await writeOutput(out, map, GENERATOR_VERSION, { force: false });
}

async function fixtureSources(fixture: string): Promise<SchemaSource[]> {
  return readSchemaSources(await resolveSchemaPaths([fixture]));
}

/** The same schema with one more attribute on its first table: some files change, most do not. */
function changed(sources: readonly SchemaSource[]): SchemaSource[] {
  const [first, ...rest] = sources;
  const text = first!.text.replace(/(@table[^{]*\{\n)/, '$1  addedByTheTest: String @indexed\n');
  expect(text).not.toBe(first!.text);
  return [{ ...first!, text }, ...rest];
}

const SCHEMAS: readonly { name: string; sources: () => Promise<SchemaSource[]> }[] = [
  ...EXAMPLES.map((example) => ({
    name: `fixture ${example.name}`,
    sources: () => fixtureSources(example.fixture),
  })),
  {
    name: 'a synthetic 40-table schema',
    sources: () => Promise.resolve([{ path: 'synthetic.graphql', text: syntheticSchema(40) }]),
  },
];

describe.each(SCHEMAS)('with a warm cache, $name', ({ sources: load }) => {
  it('gives exactly the bytes of a full run, taking every formatted file from the cache', async () => {
    const sources = await load();
    const cold = await files(sources);
    const out = path.join(dir, 'out');
    await write(out, cold);

    const warm = counting(openFormatCache(out, GENERATOR_VERSION));
    const again = await files(sources, warm.cache);
    expect(bytes(again)).toEqual(bytes(cold));
    expect(warm.hits()).toBe(formattedCount(cold));
    expect(warm.hits()).toBeGreaterThan(0);
  });

  it('gives exactly the bytes of a full run after a schema change, formatting only what changed', async () => {
    const sources = await load();
    const out = path.join(dir, 'out');
    await write(out, await files(sources));

    const next = changed(sources);
    const cold = await files(next);
    const warm = counting(openFormatCache(out, GENERATOR_VERSION));
    const again = await files(next, warm.cache);
    expect(bytes(again)).toEqual(bytes(cold));
    expect(warm.hits()).toBeGreaterThan(0);
    expect(warm.hits()).toBeLessThan(formattedCount(cold));

    // On disk too: the directory brought up to date with the cache is the one a fresh run writes.
    await write(out, again);
    const fresh = path.join(dir, 'fresh');
    await write(fresh, cold);
    expect(await tree(out)).toEqual(await tree(fresh));
  });
});

describe('the cache never hides a file that is not what it recorded', () => {
  let stdout: string;
  async function codegen(...args: string[]): Promise<number> {
    stdout = '';
    return main(args, { cwd: dir, stdout: (text) => (stdout += text), stderr: () => {} });
  }

  beforeEach(async () => {
    await writeFile(path.join(dir, 'schema.graphql'), syntheticSchema(6));
    expect(await codegen('schema.graphql', '-o', 'out')).toBe(0);
  });

  it('a generated file edited on disk (same unformatted text, other contents) is stale for --check and rewritten by generation', async () => {
    const table = path.join(dir, 'out', 'src', 'tables', 'Entity3.ts');
    const generated = await readFile(table, 'utf8');
    await writeFile(table, `${generated}// edited\n`);

    expect(await codegen('schema.graphql', '-o', 'out', '--check')).toBe(1);
    expect(stdout).toContain('stale    src/tables/Entity3.ts');
    expect(stdout.match(/stale /g)).toHaveLength(1);

    expect(await codegen('schema.graphql', '-o', 'out')).toBe(0);
    expect(stdout).toContain('1 written');
    expect(await readFile(table, 'utf8')).toBe(generated);
    expect(await codegen('schema.graphql', '-o', 'out', '--check')).toBe(0);
  });

  it('a deleted file is missing for --check and written again', async () => {
    const readme = path.join(dir, 'out', 'README.md');
    const generated = await readFile(readme, 'utf8');
    await rm(readme);
    expect(await codegen('schema.graphql', '-o', 'out', '--check')).toBe(1);
    expect(stdout).toContain('missing  README.md');
    expect(await codegen('schema.graphql', '-o', 'out')).toBe(0);
    expect(await readFile(readme, 'utf8')).toBe(generated);
  });

  it("an edited hook file is kept as the user wrote it, and generation still gives the full run's bytes", async () => {
    const hook = path.join(dir, 'out', 'src', 'hooks', 'Entity2.ts');
    const edited = `${await readFile(hook, 'utf8')}// mine\n`;
    await writeFile(hook, edited);
    const sources: SchemaSource[] = [{ path: 'schema.graphql', text: syntheticSchema(6) }];
    const warm = counting(openFormatCache(path.join(dir, 'out'), GENERATOR_VERSION));
    const cold = await files(sources);
    expect(bytes(await files(sources, warm.cache))).toEqual(bytes(cold));
    expect(warm.hits()).toBe(formattedCount(cold) - 1);
    expect(await codegen('schema.graphql', '-o', 'out')).toBe(0);
    expect(await readFile(hook, 'utf8')).toBe(edited);
  });

  it('entries made under another key (another prettier, options or generator version) are not used', async () => {
    expect(openFormatCache(path.join(dir, 'out'), `${GENERATOR_VERSION}-other`)).toBeUndefined();
    // A manifest whose key was changed (as by another prettier version) is no cache either.
    const manifestPath = path.join(dir, 'out', MANIFEST_NAME);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      formatCache: { key: string };
    };
    manifest.formatCache.key = '0'.repeat(64);
    await writeFile(manifestPath, JSON.stringify(manifest));
    expect(openFormatCache(path.join(dir, 'out'), GENERATOR_VERSION)).toBeUndefined();
  });
});

describe('manifests without a cache', () => {
  let stdout: string;
  async function codegen(...args: string[]): Promise<number> {
    stdout = '';
    return main(args, { cwd: dir, stdout: (text) => (stdout += text), stderr: () => {} });
  }

  it('an old manifest (before the cache) means no cache: generation gives the same files and records the cache', async () => {
    await writeFile(path.join(dir, 'schema.graphql'), syntheticSchema(4));
    expect(await codegen('schema.graphql', '-o', 'out')).toBe(0);
    const before = await tree(path.join(dir, 'out'));
    const manifestPath = path.join(dir, 'out', MANIFEST_NAME);
    const { formatCache, ...old } = JSON.parse(before[MANIFEST_NAME]!) as Record<string, unknown>;
    expect(formatCache).toBeTypeOf('object');
    await writeFile(manifestPath, `${JSON.stringify(old, null, 2)}\n`);
    expect(parseManifest(await readFile(manifestPath, 'utf8'))).toMatchObject({
      files: old.files,
      scaffold: old.scaffold,
    });
    expect(openFormatCache(path.join(dir, 'out'), GENERATOR_VERSION)).toBeUndefined();

    // --check says only that the manifest would be rewritten; generation rewrites only the manifest.
    expect(await codegen('schema.graphql', '-o', 'out', '--check')).toBe(1);
    expect(stdout).toContain(`stale    ${MANIFEST_NAME}`);
    expect(stdout.match(/^ {2}\w+ /gm)).toHaveLength(1);
    expect(await codegen('schema.graphql', '-o', 'out')).toBe(0);
    expect(stdout).toContain('1 written');
    expect(await tree(path.join(dir, 'out'))).toEqual(before);
  });

  it('a cache of the wrong shape is ignored, not an error, and the manifest still says what is owned', async () => {
    await writeFile(path.join(dir, 'schema.graphql'), syntheticSchema(3));
    expect(await codegen('schema.graphql', '-o', 'out')).toBe(0);
    const manifestPath = path.join(dir, 'out', MANIFEST_NAME);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
    for (const broken of [
      'nonsense',
      { key: 1, files: [] },
      { key: 'x', files: { 'README.md': 'not an entry' } },
    ]) {
      await writeFile(manifestPath, JSON.stringify({ ...manifest, formatCache: broken }));
      const parsed = parseManifest(await readFile(manifestPath, 'utf8'));
      expect(parsed?.files).toEqual(manifest.files);
      expect(await codegen('schema.graphql', '-o', 'out')).toBe(0);
      expect(stdout).toContain('1 written');
    }
  });
});
