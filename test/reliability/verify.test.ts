/**
 * The store verification (templates/runtime/verify.ts): consistent stores pass with a stable
 * digest, and every kind of damage written straight through lmdb (behind the store's back) is found.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getLastVersion, open } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SchemaMeta, TableMeta } from '../../templates/runtime/meta.js';
import { openLmdbStore } from '../../templates/runtime/store/lmdb.js';
import type { Store, StoredValue } from '../../templates/runtime/store/types.js';
import { Table } from '../../templates/runtime/table.js';
import {
  formatVerifyReport,
  runVerify,
  verifyStore,
  type VerifyReport,
} from '../../templates/runtime/verify.js';
import { kitchenSinkSchema } from '../runtime/fixtures/schemas.js';

const schema: SchemaMeta = kitchenSinkSchema;
const tableMeta = (name: string): TableMeta => {
  const meta = schema.tables.find((table) => table.name === name);
  if (meta === undefined) throw new Error(`no table ${name}`);
  return meta;
};
const tableOf = (store: Store, name: string) =>
  new Table<StoredValue, StoredValue, StoredValue>(schema, tableMeta(name), store);

/** Writes a small data set through the store, the way the server does. */
async function populate(store: Store): Promise<void> {
  const authors = tableOf(store, 'Author');
  const posts = tableOf(store, 'Post');
  const tags = tableOf(store, 'Tag');
  await authors.create({
    name: 'Ada',
    email: 'ada@example.com',
    tags: ['math', 'engines'],
    joined: '1843-07-01T00:00:00Z',
  });
  await authors.create({
    name: 'Grace',
    tags: ['cobol', 'math', 'math'],
    followers: '123456789012345678901234567890',
  });
  await authors.put(100, { name: 'Chosen', avatar: 'AAEC' });
  await tags.put('t1', { label: 'math' });
  await tags.put('t2', { label: 'history' });
  await posts.put('p1', {
    title: 'Notes',
    authorId: 1,
    tagIds: ['t1', 't2'],
    published: true,
    views: 3,
  });
  await posts.put('p2', { title: 'Draft', tagIds: [] });
  await posts.create({ title: 'Untagged', views: null });
  await tableOf(store, 'Counter').put(7, { value: 1 });
}

/** Opens the environment behind the store's back, as a bug or a crash might have left it. */
async function tamper(
  dataDir: string,
  damage: (env: ReturnType<typeof open>) => void,
): Promise<void> {
  const env = open({ path: dataDir, maxDbs: 64 });
  damage(env);
  await env.close();
}

const indexDb = (env: ReturnType<typeof open>, name: string) =>
  env.openDB(`index:${name}`, { dupSort: true, encoding: 'ordered-binary' });
const recordDb = (env: ReturnType<typeof open>, name: string) =>
  env.openDB(`table:${name}`, {
    useVersions: true,
    encoder: { useBigIntExtension: true },
  } as Parameters<ReturnType<typeof open>['openDB']>[1]);

const kinds = (report: VerifyReport) =>
  report.problems.map((problem) => `${problem.kind} ${problem.table}.${problem.attribute ?? ''}`);

describe('verifyStore', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'codegen-verify-'));
    const store = openLmdbStore(schema, { path: dataDir });
    await populate(store);
    await store.close();
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('finds a store written through the store consistent, and counts what it compared', async () => {
    const report = await verifyStore(schema, dataDir);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const author = report.tables.find((table) => table.table === 'Author');
    // name ×3, email ×3 (two absent → null), tags: 2 + 2 (deduplicated) + 1 (absent → null), joined ×3.
    expect(author).toMatchObject({ records: 3, indexes: 4, indexEntries: 3 + 3 + 5 + 3 });
    // Post: title, authorId, tagIds, published, views over 3 records; p2's empty tagIds has no entry.
    expect(report.tables.find((table) => table.table === 'Post')).toMatchObject({
      records: 3,
      indexEntries: 3 + 3 + 3 + 3 + 3,
    });
    // Two generated keys (1, 2), then 100 chosen by the client above the counter.
    expect(author?.keyCounter).toEqual({ next: 3, maxKey: 100 });
    expect(report.notes.join('\n')).toMatch(/keys up to 100 were chosen by clients/);
    expect(formatVerifyReport(report)).toMatch(
      /^.*: consistent \(5 tables, 9 records, 11 indexes with 31 entries; digest [0-9a-f]{16}\)/,
    );
  });

  it('gives the same digest for an unchanged store and another after any write', async () => {
    const first = await verifyStore(schema, dataDir);
    expect((await verifyStore(schema, dataDir)).digest).toBe(first.digest);
    const store = openLmdbStore(schema, { path: dataDir });
    // Rewriting the same value still makes a new version: the digest sees it.
    await tableOf(store, 'Tag').put('t1', { label: 'math' });
    await store.close();
    expect((await verifyStore(schema, dataDir)).digest).not.toBe(first.digest);
  });

  it('finds an index entry that points at no record', async () => {
    await tamper(dataDir, (env) => indexDb(env, 'library.authors.tags').putSync('ghost', 999));
    const report = await verifyStore(schema, dataDir);
    expect(report.ok).toBe(false);
    expect(kinds(report)).toEqual(['dangling-index-entry Author.tags']);
    expect(report.problems[0]?.message).toBe('index entry "ghost" → key 999 points at no record');
    expect(formatVerifyReport(report)).toMatch(
      /1 problem .*\n {2}Author\.tags: index entry "ghost" → key 999 points at no record \[dangling-index-entry\]/,
    );
  });

  it('finds an index entry whose record does not hold that value', async () => {
    await tamper(dataDir, (env) => indexDb(env, 'data.Post.views').putSync(42, 'p1'));
    const report = await verifyStore(schema, dataDir);
    expect(kinds(report)).toEqual(['extra-index-entry Post.views']);
    expect(report.problems[0]?.message).toContain('42 → key "p1"');
  });

  it('finds a value the index does not list (an entry removed, a record written without its index)', async () => {
    await tamper(dataDir, (env) => {
      indexDb(env, 'data.Tag.label').removeSync('history', 't2');
      recordDb(env, 'data.Post').putSync('p9', { id: 'p9', title: 'Orphan' }, 1);
    });
    const report = await verifyStore(schema, dataDir);
    // p9 holds a title, and null (absent) for each of its four other indexed attributes.
    expect(report.problems.map((problem) => problem.message).sort()).toEqual([
      'record "p9" holds "Orphan", which the index does not list',
      ...Array.from({ length: 4 }, () => 'record "p9" holds null, which the index does not list'),
      'record "t2" holds "history", which the index does not list',
    ]);
    expect(new Set(report.problems.map((problem) => problem.kind))).toEqual(
      new Set(['missing-index-entry']),
    );
  });

  it('finds records whose key does not fit the table', async () => {
    await tamper(dataDir, (env) => {
      const authors = recordDb(env, 'library.authors');
      authors.putSync('seven', { id: 'seven', name: 'x' }, 1);
      authors.putSync(8, { id: 9, name: 'y' }, 1);
    });
    const report = await verifyStore(schema, dataDir);
    const invalid = report.problems
      .filter((problem) => problem.kind === 'invalid-key')
      .map((problem) => problem.message);
    expect(invalid).toEqual(['record 8 has id 9', 'key "seven" is not a Long']);
  });

  it('finds a version at or above the persisted floor, and a counter that is not an integer', async () => {
    await tamper(dataDir, (env) => {
      recordDb(env, 'data.Counter').putSync(8, { id: 8, value: 2 }, Number.MAX_SAFE_INTEGER);
      env.openDB('meta', {}).putSync(['nextKey', 'Author'], 'three');
    });
    const report = await verifyStore(schema, dataDir);
    expect(report.problems.map((problem) => problem.kind).sort()).toEqual([
      'key-counter',
      'version-floor',
    ]);
  });

  it('finds records that are not what the commit log says the last commit left', async () => {
    await tamper(dataDir, (env) => {
      const posts = recordDb(env, 'data.Post');
      const p1 = posts.get('p1') as Record<string, unknown>;
      // Same version, another value: a write that reached the table but not the log.
      posts.putSync('p1', { ...p1, title: 'Changed behind the log' }, getLastVersion());
      posts.removeSync('p2');
    });
    const report = await verifyStore(schema, dataDir);
    expect(report.problems.filter((problem) => problem.kind === 'commit-log')).toEqual([
      {
        kind: 'commit-log',
        table: 'Post',
        message: expect.stringMatching(/^record "p1" is not what the last commit the log holds/),
      },
      {
        kind: 'commit-log',
        table: 'Post',
        message: 'record "p2" is missing, but the last commit the log holds for it wrote it',
      },
    ]);
  });

  it('reports an index the store has not built yet instead of comparing it', async () => {
    await tamper(dataDir, (env) => {
      const meta = env.openDB('meta', {});
      const built = meta.get('builtIndexes') as string[];
      meta.putSync(
        'builtIndexes',
        built.filter((name) => name !== 'index:data.Tag.label'),
      );
      indexDb(env, 'data.Tag.label').clearSync();
    });
    const report = await verifyStore(schema, dataDir);
    expect(report.ok).toBe(true);
    expect(report.notes).toContain(
      'Tag.label is not built yet: the server builds it from the records when it starts',
    );
  });

  it('reads the data directory of a store that is open and writing', async () => {
    const store = openLmdbStore(schema, { path: dataDir });
    try {
      await tableOf(store, 'Tag').put('t3', { label: 'live' });
      const report = await verifyStore(schema, dataDir);
      expect(report.ok).toBe(true);
      expect(report.tables.find((table) => table.table === 'Tag')?.records).toBe(3);
      await tableOf(store, 'Tag').put('t4', { label: 'after' });
    } finally {
      await store.close();
    }
    expect((await verifyStore(schema, dataDir)).ok).toBe(true);
  });

  it('refuses a directory that holds no store rather than calling it consistent', async () => {
    await expect(verifyStore(schema, path.join(dataDir, 'nothing-here'))).rejects.toThrow(
      /holds no store/,
    );
  });
});

describe('runVerify (npm run verify)', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'codegen-verify-'));
    const store = openLmdbStore(schema, { path: dataDir });
    await populate(store);
    await store.close();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('exits 0 with one summary line (and notes) for a consistent store named by DATA_DIR', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await runVerify(schema, [], { DATA_DIR: dataDir })).toBe(0);
    expect(log.mock.calls[0]?.[0]).toMatch(new RegExp(`^${dataDir}: consistent `));
  });

  it('exits 1 with the list of problems for a damaged store named as an argument', async () => {
    await tamper(dataDir, (env) => indexDb(env, 'data.Post.title').putSync('Ghost', 'p404'));
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await runVerify(schema, [dataDir], {})).toBe(1);
    expect(error.mock.calls[0]?.[0]).toContain(
      'Post.title: index entry "Ghost" → key "p404" points at no record',
    );
  });

  it('exits 1 when there is no store to verify', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await runVerify(schema, [], { DATA_DIR: path.join(dataDir, 'missing') })).toBe(1);
    expect(error.mock.calls[0]?.[0]).toMatch(/^cannot verify .*missing: .*holds no store/);
  });
});
