import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';
import { compareIndexValues } from '../../../templates/runtime/store/indexValues.js';
import { openPostgresStore } from '../../../templates/runtime/store/postgres.js';
import { fromJson, toJson } from '../../../templates/runtime/store/postgresValues.js';
import type {
  Commit,
  IndexRange,
  IndexValue,
  KeyRange,
  Store,
} from '../../../templates/runtime/store/types.js';
import { loadFixtureSchema } from '../../helpers/fixtureSchema.js';
import {
  postgresBinaries,
  startPostgresCluster,
  type PostgresCluster,
} from '../../helpers/postgresCluster.js';
import { assertProperty, assertSyncProperty } from '../../helpers/seed.js';
import { collect, describeStoreConformance, storeSchema } from './storeConformance.js';

let cluster: PostgresCluster;
/** The database of each directory the suite names: a reopen finds the same data. */
const databases = new Map<string, string>();

beforeAll(async () => {
  cluster = await startPostgresCluster();
});

afterAll(async () => {
  await cluster.stop();
});

describeStoreConformance('PostgreSQL', async (schema, directory) => {
  let database = databases.get(directory);
  if (database === undefined) {
    database = await cluster.createDatabase();
    databases.set(directory, database);
  }
  return openPostgresStore(schema, { url: cluster.url(database), log: () => undefined });
});

/** Runs `sql` on `database` as the superuser. */
async function sql(database: string, text: string, params: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: cluster.url(database) });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as unknown[];
  } finally {
    await client.end();
  }
}

/** Resolves once `listener` has heard `count` commits (no timer: a missing commit times the test out). */
function hearing(store: Store, count: number): { commits: Commit[]; heard: Promise<void> } {
  const commits: Commit[] = [];
  let done!: () => void;
  const heard = new Promise<void>((resolve) => (done = resolve));
  store.onCommit((commit) => {
    commits.push(commit);
    if (commits.length >= count) done();
  });
  return { commits, heard };
}

/** Polling is off: other processes' commits then arrive by NOTIFY (or a reconnect's catch-up) only. */
const NO_POLL = { pollIntervalMs: 2 ** 30, log: () => undefined };

describe('PostgreSQL store: several stores on one database', () => {
  it('delivers every commit of both stores to each, exactly once, in version order, by NOTIFY', async () => {
    const database = await cluster.createDatabase();
    const url = cluster.url(database);
    const first = await openPostgresStore(storeSchema, { url, ...NO_POLL });
    const second = await openPostgresStore(storeSchema, { url, ...NO_POLL });
    try {
      const perStore = 40;
      const atFirst = hearing(first, 2 * perStore);
      const atSecond = hearing(second, 2 * perStore);
      await Promise.all(
        Array.from({ length: perStore }, (_, i) => [
          first.write((txn) => txn.put('Item', `a${i % 5}`, { id: `a${i % 5}`, n: i })),
          second.write((txn) => txn.put('Item', `a${i % 5}`, { id: `a${i % 5}`, m: i })),
        ]).flat(),
      );
      await Promise.all([atFirst.heard, atSecond.heard]);
      const log = await first.changesSince(0, 1000);
      expect(log).toHaveLength(2 * perStore);
      const versions = log!.map((commit) => commit.version);
      expect([...versions].sort((x, y) => x - y)).toEqual(versions);
      expect(new Set(versions).size).toBe(versions.length);
      expect(atFirst.commits).toEqual(log);
      expect(atSecond.commits).toEqual(log);
      // Nothing more arrives on a refresh: each commit was heard once.
      await first.refresh();
      await second.refresh();
      expect(atFirst.commits).toHaveLength(2 * perStore);
      expect(atSecond.commits).toHaveLength(2 * perStore);
      // Every record holds the version of the last commit that wrote it.
      for (const entry of await collect(second.read().scan('Item'))) {
        const last = log!.findLast((commit) => commit.changes.some((c) => c.key === entry.key));
        expect(entry.version).toBe(last?.version);
      }
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('catches up after its listener connection was dropped', async () => {
    const database = await cluster.createDatabase();
    const url = cluster.url(database);
    const listening = await openPostgresStore(storeSchema, { url, ...NO_POLL });
    const writing = await openPostgresStore(storeSchema, { url, ...NO_POLL });
    try {
      const { commits, heard } = hearing(listening, 2);
      await writing.write((txn) => txn.put('Item', 'before', { id: 'before' }));
      // Every LISTEN connection of the database is ended by the server.
      const ended = await sql(
        database,
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = $1 AND query LIKE 'LISTEN%'`,
        [database],
      );
      expect(ended.length).toBeGreaterThanOrEqual(2);
      await writing.write((txn) => txn.put('Item', 'after', { id: 'after' }));
      await heard;
      expect(commits.map((commit) => commit.changes[0]?.key)).toEqual(['before', 'after']);
    } finally {
      await listening.close();
      await writing.close();
    }
  });

  it('hears of other commits by polling when no notification comes', async () => {
    const database = await cluster.createDatabase();
    const url = cluster.url(database);
    const polling = await openPostgresStore(storeSchema, {
      url,
      pollIntervalMs: 5,
      log: () => undefined,
    });
    const writing = await openPostgresStore(storeSchema, { url, ...NO_POLL });
    try {
      // The notifications still arrive on the listener's connection, but nobody hears them.
      const listener = (
        polling as Store & { listenerConnection(): pg.Client | undefined }
      ).listenerConnection();
      expect(listener).toBeDefined();
      listener!.removeAllListeners('notification');
      const { commits, heard } = hearing(polling, 3);
      for (let i = 0; i < 3; i++)
        await writing.write((txn) => txn.put('Item', `p${i}`, { id: `p${i}` }));
      await heard;
      expect(commits.map((commit) => commit.changes[0]?.key)).toEqual(['p0', 'p1', 'p2']);
    } finally {
      await polling.close();
      await writing.close();
    }
  });

  it('serializes read-modify-write transactions of two stores, and reruns blind writes the other store overtook', async () => {
    const database = await cluster.createDatabase();
    const url = cluster.url(database);
    const stores = [
      await openPostgresStore(storeSchema, { url, log: () => undefined }),
      await openPostgresStore(storeSchema, { url, log: () => undefined }),
    ];
    try {
      const [first, second] = stores as [Store, Store];
      await first.write((txn) => txn.put('Counter', 1, { id: 1, value: 0 }));
      const increments = 30;
      await Promise.all(
        Array.from({ length: increments }, (_, i) =>
          stores[i % 2]!.write(
            async (txn) => {
              const counter = await txn.get('Counter', 1);
              await new Promise((resolve) => setTimeout(resolve, 1));
              txn.put('Counter', 1, { id: 1, value: Number(counter?.value.value) + 1 });
            },
            { retries: 1000 },
          ),
        ),
      );
      expect((await second.read().get('Counter', 1))?.value).toEqual({ id: 1, value: increments });

      let runs = 0;
      const done = await first.write(async (txn) => {
        runs++;
        txn.put('Item', 'x', { id: 'x', by: 'first', run: runs });
        if (runs === 1)
          await second.write((other) => other.put('Item', 'x', { id: 'x', by: 'second' }));
      });
      expect(runs).toBe(2);
      const stored = await second.read().get('Item', 'x');
      expect(stored?.value).toEqual({ id: 'x', by: 'first', run: 2 });
      expect(stored?.version).toBe(done.version);
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('hands out numeric keys from both stores without a duplicate', async () => {
    const database = await cluster.createDatabase();
    const url = cluster.url(database);
    const first = await openPostgresStore(storeSchema, { url, log: () => undefined });
    const second = await openPostgresStore(storeSchema, { url, log: () => undefined });
    try {
      const keys = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? first : second).write(async (txn) => {
            const key = await txn.nextKey('Counter');
            txn.put('Counter', key, { id: key });
            return key;
          }),
        ),
      );
      const handedOut = keys.map((committed) => committed.value);
      expect(new Set(handedOut).size).toBe(40);
      expect(await first.read().count('Counter')).toBe(40);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('PostgreSQL store: values and index order', () => {
  let database: string;
  let store: Store;

  beforeAll(async () => {
    database = await cluster.createDatabase();
    store = await openPostgresStore(storeSchema, {
      url: cluster.url(database),
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await store.close();
  });

  it('refuses (400, nothing written) a record whose key and indexed string exceed an index entry, and keeps one that fits', async () => {
    // Random text does not compress: PostgreSQL would fail such a btree row (a 500 for the client).
    const text = (bytes: number, seed: number): string => {
      let state = seed;
      let result = '';
      for (let i = 0; i < bytes; i++) {
        // xorshift32: letters without the repeats that PostgreSQL's compression would find.
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        result += String.fromCharCode(97 + ((state >>> 0) % 26));
      }
      return result;
    };
    const key = text(1900, 1);
    const refused = store.write((txn) => txn.put('Item', key, { id: key, name: text(1900, 2) }));
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await store.read().get('Item', key)).toBeUndefined();
    // Just inside the limit, it is written and found through the index.
    const name = text(2600 - 1900, 3);
    await store.write((txn) => txn.put('Item', key, { id: key, name }));
    const found = await collect(
      store.read().scanIndex('Item', 'name', {
        start: { value: name, inclusive: true },
        end: { value: name, inclusive: true },
      }),
    );
    expect(found).toEqual([{ value: name, key }]);
  });

  it('keeps what JSON cannot hold: NUL and lone surrogates, -0, infinities, undefined, a $t key', async () => {
    const value = {
      id: 'odd',
      note: 'a\u0000b',
      lone: ['\uD800', 'x\uDC00y', '𝄞'],
      numbers: [-0, Infinity, -Infinity, 1e308, 5e-324, 0.1],
      holes: [1, undefined, 3],
      anything: { $t: 'date', v: 1, 'key\u0000': true, nested: { $t: 'bigint' } },
      when: new Date(NaN),
    };
    await store.write((txn) => txn.put('Item', 'odd', value));
    const stored = (await store.read().get('Item', 'odd'))?.value;
    expect(stored).toEqual(value);
    expect(Object.is((stored?.numbers as number[])[0], -0)).toBe(true);
    const [record] = (await sql(
      database,
      `SELECT record->>'note' AS note FROM public."Item" WHERE key = 'odd'`,
    )) as {
      note: string;
    }[];
    // Plain values stay plain JSON for SQL; only what JSON cannot hold is tagged.
    expect(record?.note).toContain('"$t": "string"');
    await store.write((txn) => txn.put('Item', 'plain', { id: 'plain', note: 'readable' }));
    expect(
      await sql(database, `SELECT record->>'note' AS note FROM public."Item" WHERE key = 'plain'`),
    ).toEqual([{ note: 'readable' }]);
  });

  it('keeps text keys with U+0000 and U+0001, in UTF-8 byte order, in records, indexes and the log', async () => {
    const keys = [
      'k',
      'k\u0000',
      'k\u0000\u0000',
      'k\u0001',
      'k\u0001\u0002',
      'k\u0002',
      'k\u0000z',
    ];
    const before = await store.lastVersion();
    await store.write((txn) => {
      for (const key of keys) txn.put('Item', key, { id: key, tags: [key] });
    });
    const expected = [...keys].sort(compareIndexValues);
    const range = {
      start: { value: 'k', inclusive: true },
      end: { value: 'k\u0003', inclusive: false },
    };
    expect((await collect(store.read().scan('Item', range))).map((e) => e.key)).toEqual(expected);
    expect(
      (await collect(store.read().scan('Item', { ...range, reverse: true }, { expected: 2 }))).map(
        (e) => e.key,
      ),
    ).toEqual([...expected].reverse());
    const tagged = await collect(store.read().scanIndex('Item', 'tags', range));
    expect(tagged).toEqual(expected.map((key) => ({ value: key, key })));
    for (const key of keys)
      expect((await store.read().get('Item', key))?.value).toEqual({ id: key, tags: [key] });
    const logged = await store.changesSince(before, 1);
    expect(logged?.[0]?.changes.map((change) => change.key)).toEqual(keys);
    await store.write(async (txn) => {
      for (const key of keys) expect(await txn.delete('Item', key)).toBe(true);
    });
    expect(await collect(store.read().scan('Item', range))).toEqual([]);
  });

  it('finds nothing under a key its column cannot hold, and orders other kinds of bounds around the keys', async () => {
    await store.write((txn) => {
      txn.put('Counter', 2, { id: 2 });
      txn.put('Counter', -7, { id: -7 });
    });
    expect(await store.read().get('Item', 5)).toBeUndefined();
    expect(await store.read().get('Counter', 2.5)).toBeUndefined();
    expect(await store.read().get('Counter', '2')).toBeUndefined();
    expect((await store.read().getMany('Counter', [2, 2.5, '2', 2])).map((e) => e?.key)).toEqual([
      2,
      undefined,
      undefined,
      2,
    ]);
    // Reading, counting and deleting such keys in a write transaction commits like any other work.
    const odd = await store.write(async (txn) => {
      const read = [await txn.get('Counter', 2.5), await txn.get('Item', 5)];
      const deleted = await txn.delete('Counter', 1.5);
      txn.put('Counter', 3, { id: 3 });
      return { read, deleted, count: await txn.count('Counter') };
    });
    expect(odd.value).toEqual({ read: [undefined, undefined], deleted: false, count: 3 });
    await store.write((txn) => txn.delete('Counter', 3));
    const counters = async (range: KeyRange) =>
      (await collect(store.read().scan('Counter', range))).map((e) => e.key);
    // Numbers sort before strings.
    expect(await counters({ start: { value: 'a', inclusive: true } })).toEqual([]);
    expect(await counters({ end: { value: 'a', inclusive: true } })).toEqual([-7, 2]);
    expect(await counters({ start: { value: 0, inclusive: true }, reverse: true })).toEqual([2]);
    const items = (
      await collect(store.read().scan('Item', { start: { value: 5, inclusive: true } }))
    ).length;
    expect(items).toBe(await store.read().count('Item'));
    expect(
      await collect(store.read().scan('Item', { end: { value: 5, inclusive: true } })),
    ).toEqual([]);
  });

  it('round-trips any value through its JSON form', () => {
    assertSyncProperty(
      'postgres value round trip',
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withTypedArray: false,
          withNullPrototype: false,
          withBoxedValues: false,
          withMap: false,
          withSet: false,
          withSparseArray: true,
          withObjectString: true,
          key: fc.oneof(
            fc.string({ unit: 'binary' }),
            fc.constantFrom('$t', 'v', '\uD800', 'a\u0000'),
          ),
          values: [
            fc.string({ unit: 'binary' }),
            fc.string({
              unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
            }),
            fc.double(),
            fc.uint8Array().map((b) => Buffer.from(b)),
          ],
        }),
        (value) => {
          const back = fromJson(JSON.parse(JSON.stringify(toJson(value))) as unknown);
          expect(back).toEqual(value);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('orders any index values as the interface does, forwards and backwards, across batches', async () => {
    const indexValue: fc.Arbitrary<IndexValue> = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true }).map((n) => (n === 0 ? 0 : n)),
      fc.integer({ min: -3, max: 3 }),
      // Lone surrogates have no UTF-8 form: an index orders (and returns) them as U+FFFD.
      fc
        .string({ unit: 'binary', maxLength: 6 })
        .map((s) =>
          s.replace(
            /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
            '\uFFFD',
          ),
        ),
      fc.constantFrom('a', 'a\u0000', 'a\u0000b', 'ab', '\uE000', '𝄞', 'é', 'Z', ''),
    );
    let round = 0;
    await assertProperty(
      'postgres index order',
      fc.asyncProperty(fc.array(indexValue, { minLength: 1, maxLength: 40 }), async (values) => {
        const prefix = `r${round++}-`;
        await store.write((txn) => {
          values.forEach((anything, i) => {
            const id = `${prefix}${String(i).padStart(2, '0')}`;
            txn.put('Item', id, { id, anything });
          });
        });
        const expected = values
          .map((value, i) => ({ value, key: `${prefix}${String(i).padStart(2, '0')}` }))
          .sort((x, y) => compareIndexValues(x.value, y.value) || compareIndexValues(x.key, y.key));
        const mine = (entry: { key: unknown }): boolean => String(entry.key).startsWith(prefix);
        const forward = await collect(
          store.read().scanIndex('Item', 'anything', undefined, { expected: 3 }),
        );
        expect(forward.filter(mine)).toEqual(expected);
        const backward = await collect(
          store.read().scanIndex('Item', 'anything', { reverse: true }, { expected: 2 }),
        );
        expect(backward.filter(mine)).toEqual([...expected].reverse());
        // Bounds at a drawn value: the same entries the order puts there.
        const pivot = values[0]!;
        const above = await collect(
          store.read().scanIndex('Item', 'anything', { start: { value: pivot, inclusive: false } }),
        );
        expect(above.filter(mine)).toEqual(
          expected.filter((entry) => compareIndexValues(entry.value, pivot) > 0),
        );
        await store.write(async (txn) => {
          for (const entry of expected) await txn.delete('Item', entry.key);
        });
      }),
      { numRuns: 40 },
    );
  });
});

describe('PostgreSQL store: configuration and schema changes', () => {
  const quiet = { log: () => undefined };

  it('fails, saying what to install, where no PostgreSQL binaries are', () => {
    expect(() => postgresBinaries('/nonexistent/postgresql', 'no-such-pg_config')).toThrow(
      /PostgreSQL server binaries not found .*apt-get install -y postgresql/,
    );
  });

  it('says in one line that the server cannot be reached', async () => {
    const error: unknown = await openPostgresStore(storeSchema, {
      url: `postgres://postgres:x@127.0.0.1:1/none`,
      ...quiet,
    }).catch((caught: unknown) => caught);
    expect(String((error as Error).message)).toMatch(
      /^PostgreSQL store: cannot reach the PostgreSQL server at 127\.0\.0\.1:1 \(ECONNREFUSED\)/,
    );
    expect((error as Error).message).not.toContain('\n');
  });

  it('says so when the credentials are wrong, or the database is missing', async () => {
    const database = await cluster.createDatabase();
    const wrong = cluster.url(database).replace(cluster.password, 'wrong');
    await expect(openPostgresStore(storeSchema, { url: wrong, ...quiet })).rejects.toThrow(
      /^PostgreSQL store: the PostgreSQL server at 127\.0\.0\.1:\d+ refused the credentials of user "postgres"/,
    );
    await expect(
      openPostgresStore(storeSchema, { url: cluster.url('no_such_database'), ...quiet }),
    ).rejects.toThrow(/has no database "no_such_database"/);
  });

  it('refuses a database whose tables it did not create, or whose keys changed type', async () => {
    const foreign = await cluster.createDatabase();
    await sql(foreign, `CREATE TABLE public."Item" (id serial PRIMARY KEY, name text)`);
    await expect(
      openPostgresStore(storeSchema, { url: cluster.url(foreign), ...quiet }),
    ).rejects.toThrow(/already has a table "public"\."Item" that this store did not create/);

    const database = await cluster.createDatabase();
    const store = await openPostgresStore(storeSchema, { url: cluster.url(database), ...quiet });
    await store.close();
    const [item, counter] = storeSchema.tables;
    const numericItems: SchemaMeta = {
      ...storeSchema,
      tables: [{ ...item!, keyType: 'Int' }, counter!],
    };
    await expect(
      openPostgresStore(numericItems, { url: cluster.url(database), ...quiet }),
    ).rejects.toThrow(/the table Item is stored with text keys, but its key id is now Int/);
  });

  it('drops the side table of an index the schema no longer declares, and says so', async () => {
    const database = await cluster.createDatabase();
    const url = cluster.url(database);
    const store = await openPostgresStore(storeSchema, { url, ...quiet });
    await store.write((txn) => txn.put('Item', 'a', { id: 'a', name: 'x', tags: ['t'] }));
    await store.close();
    const [item, counter] = storeSchema.tables;
    const fewer: SchemaMeta = {
      ...storeSchema,
      tables: [
        {
          ...item!,
          attributes: item!.attributes.map((a) =>
            a.name === 'tags' ? { ...a, indexed: false } : a,
          ),
        },
        counter!,
      ],
    };
    const lines: string[] = [];
    const reopened = await openPostgresStore(fewer, { url, log: (line) => lines.push(line) });
    try {
      expect(lines).toContain('schema: the index data.Item.tags is no longer declared; dropped');
      expect(await sql(database, `SELECT to_regclass('public."Item__tags"') AS gone`)).toEqual([
        { gone: null },
      ]);
      expect((await collect(reopened.read().scanIndex('Item', 'name'))).map((e) => e.key)).toEqual([
        'a',
      ]);
    } finally {
      await reopened.close();
    }
  });

  it('builds a new index of a larger table in the background, resuming after a restart, kept up to date by writes meanwhile', async () => {
    const database = await cluster.createDatabase();
    const url = cluster.url(database);
    // 400 records, 10 per build batch: 40 batches, so the writes below land in the middle of the build.
    const small = { url, indexBuildBatch: 10 };
    const key = (i: number): string => `i${String(i).padStart(3, '0')}`;
    const store = await openPostgresStore(storeSchema, { ...small, ...quiet });
    await store.write((txn) => {
      for (let i = 0; i < 400; i++) txn.put('Item', key(i), { id: key(i), note: `n${i % 4}` });
    });
    await store.close();
    const [item, counter] = storeSchema.tables;
    const noteIndexed: SchemaMeta = {
      ...storeSchema,
      tables: [
        {
          ...item!,
          attributes: item!.attributes.map((a) =>
            a.name === 'note' ? { ...a, indexed: true } : a,
          ),
        },
        counter!,
      ],
    };
    const lines: string[] = [];
    const log = (line: string): number => lines.push(line);
    /** Rewrites records at both ends of the key range (built already, and not yet) and beyond it. */
    const writeMeanwhile = (target: Store, round: number): Promise<unknown> =>
      Promise.all([
        target.write((txn) =>
          txn.put('Item', key(round), { id: key(round), note: `changed${round}` }),
        ),
        target.write((txn) => txn.put('Item', key(399 - round), { id: key(399 - round) })),
        target.write((txn) => txn.delete('Item', key(398 - round))),
        target.write((txn) => txn.put('Item', `new${round}`, { id: `new${round}`, note: 'n1' })),
      ]);
    const interrupted = await openPostgresStore(noteIndexed, { ...small, log });
    expect(interrupted.read().indexReady?.('Item', 'note')).toBe(false);
    expect(interrupted.read().indexReady?.('Item', 'name')).toBe(true);
    await writeMeanwhile(interrupted, 0);
    // Closed in the middle of the build: it stops after its batch.
    await interrupted.close();
    await expect(interrupted.indexesBuilt!()).rejects.toThrow(
      'closed before its indexes were built',
    );
    const reopened = await openPostgresStore(noteIndexed, { ...small, log });
    try {
      expect(reopened.read().indexReady?.('Item', 'note')).toBe(false);
      await writeMeanwhile(reopened, 1);
      await reopened.indexesBuilt!();
      expect(reopened.read().indexReady?.('Item', 'note')).toBe(true);
      const records = await collect(reopened.read().scan('Item'));
      const expected = records
        .map((record) => ({
          value: (record.value.note as string | undefined) ?? null,
          key: record.key,
        }))
        .sort((x, y) => compareIndexValues(x.value, y.value) || compareIndexValues(x.key, y.key));
      expect(await collect(reopened.read().scanIndex('Item', 'note'))).toEqual(expected);
      expect(lines).toContain(
        'schema: Item.note is now indexed; building its index from 400 records in the background (queries that need it answer 503 until it is built)',
      );
      expect(
        lines.some((line) =>
          line.startsWith('schema: Item.note is now indexed; resuming the build of its index from'),
        ),
      ).toBe(true);
      expect(
        lines.some((line) => line.startsWith('schema: the index of Item.note is built (')),
      ).toBe(true);
    } finally {
      await reopened.close();
    }
  });

  it('prunes the log to its retention: resuming from before the pruned commits is refused', async () => {
    const database = await cluster.createDatabase();
    const store = await openPostgresStore(storeSchema, {
      url: cluster.url(database),
      logRetention: { maxAgeMs: 24 * 60 * 60 * 1000, maxCommits: 3 },
      ...quiet,
    });
    try {
      const versions: number[] = [];
      for (let i = 0; i < 6; i++)
        versions.push(
          (await store.write((txn) => txn.put('Item', `k${i}`, { id: `k${i}` }))).version!,
        );
      await (store as Store & { pruneLog(): Promise<void> }).pruneLog();
      expect(await store.changesSince(0, 10)).toBeUndefined();
      expect(await store.changesSince(versions[1]!, 10)).toBeUndefined();
      expect((await store.changesSince(versions[2]!, 10))?.map((c) => c.version)).toEqual(
        versions.slice(3),
      );
      expect(await store.lastVersion()).toBe(versions[5]);
    } finally {
      await store.close();
    }
  });
});

describe('PostgreSQL store: estimateIndex', () => {
  let database: string;
  let store: Store;

  beforeAll(async () => {
    database = await cluster.createDatabase();
    store = await openPostgresStore(await loadFixtureSchema('shop'), {
      url: cluster.url(database),
      log: () => undefined,
    });
    await store.write((txn) => {
      for (let i = 0; i < 2000; i++) {
        // Prices spread evenly over [0, 1000); names sort like their numbers.
        txn.put('Product', `p${i}`, {
          id: `p${i}`,
          price: i / 2,
          name: `n${String(i).padStart(4, '0')}`,
          inStock: i % 3 === 0,
        });
      }
      txn.put('Product', 'no-price', { id: 'no-price' });
    });
    // What autovacuum does in the background after such a load.
    await sql(database, 'ANALYZE');
  });

  afterAll(async () => {
    await store.close();
  });

  const estimate = (attribute: string, range: IndexRange): Promise<number> =>
    store.read().estimateIndex!('Product', attribute, range);

  it('is exact up to a thousand entries', async () => {
    expect(
      await estimate('inStock', {
        start: { value: true, inclusive: true },
        end: { value: true, inclusive: true },
      }),
    ).toBe(667);
    expect(
      await estimate('price', {
        start: { value: 10, inclusive: true },
        end: { value: 12, inclusive: true },
      }),
    ).toBe(5);
    expect(await estimate('price', { start: { value: 5000, inclusive: true } })).toBe(0);
  });

  it("estimates a wide range from PostgreSQL's statistics, within its kind of value", async () => {
    // "price < 1000" as the query planner asks for it: above every null and boolean entry.
    const below = await estimate('price', {
      start: { value: true, inclusive: false },
      end: { value: 1000, inclusive: false },
    });
    expect(below).toBeGreaterThan(1500);
    expect(below).toBeLessThan(2500);
    const names = await estimate('name', { start: { value: 'n0500', inclusive: true } });
    expect(names).toBeGreaterThan(1200);
    expect(names).toBeLessThan(1800);
    // Null and the strings lie outside a numeric range: not counted in.
    const all = await estimate('price', {});
    expect(all).toBeGreaterThan(1500);
    expect(all).toBeLessThan(2500);
  });
});
