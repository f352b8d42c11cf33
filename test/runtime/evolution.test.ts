/**
 * Schema evolution (contract section 11) in the LMDB store: an attribute newly `@indexed` gets its
 * index built from the existing records (in the background for large tables, resumed after a
 * stop), queries that need it are refused with 503 until then and use it afterwards, indexes no
 * longer declared are dropped, and the other changes are reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientError } from '../../templates/runtime/errors.js';
import type { SchemaMeta, TableMeta } from '../../templates/runtime/meta.js';
import { matchingEntries, parseQuery } from '../../templates/runtime/query/index.js';
import { planQuery } from '../../templates/runtime/query/plan.js';
import { describeSchemaChanges } from '../../templates/runtime/store/evolution.js';
import { indexValuesOf } from '../../templates/runtime/store/indexValues.js';
import { openLmdbStore } from '../../templates/runtime/store/lmdb.js';
import type { Store } from '../../templates/runtime/store/types.js';
import { attribute as a, table } from './fixtures/meta.js';
import { collect } from '../helpers/batches.js';

function productSchema(
  options: { indexedStock?: boolean; indexedName?: boolean } = {},
): SchemaMeta {
  return {
    tables: [
      table('Product', [
        a('id', 'ID', { primaryKey: true }),
        a('name', 'String', { indexed: options.indexedName ?? true }),
        a('stockQuantity', 'Int', { indexed: options.indexedStock ?? false }),
        a('tags', 'String', { list: true }),
      ]),
    ],
    objectTypes: [],
  };
}

const RECORDS = 3000;
const BATCH = 250;

const directories: string[] = [];
const stores: Store[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

function open(schema: SchemaMeta, directory: string, log: string[] = [], batch = BATCH): Store {
  const store = openLmdbStore(schema, {
    path: directory,
    log: (line) => log.push(line),
    indexBuildBatch: batch,
  });
  stores.push(store);
  return store;
}

async function close(store: Store): Promise<void> {
  stores.splice(stores.indexOf(store), 1);
  await store.close();
}

/** A data directory holding RECORDS products written under a schema without the stock index. */
async function populated(): Promise<string> {
  const directory = mkdtempSync(path.join(tmpdir(), 'evolution-'));
  directories.push(directory);
  const store = open(productSchema(), directory);
  await store.write((txn) => {
    for (let i = 0; i < RECORDS; i += 1) {
      const id = `p${String(i).padStart(5, '0')}`;
      txn.put('Product', id, { id, name: `n${i % 7}`, stockQuantity: i % 100 });
    }
  });
  await close(store);
  return directory;
}

function product(schema: SchemaMeta): TableMeta {
  return schema.tables[0]!;
}

/** The index entries the records call for, as `value key` lines, sorted as the index is. */
async function expectedEntries(store: Store, attribute: string): Promise<string[]> {
  const entries: string[] = [];
  for (const { key, value } of await collect(store.read().scan('Product'))) {
    for (const indexed of indexValuesOf(value[attribute]))
      entries.push(`${JSON.stringify(indexed)} ${String(key)}`);
  }
  return entries.sort();
}

async function storedEntries(store: Store, attribute: string): Promise<string[]> {
  return (await collect(store.read().scanIndex('Product', attribute)))
    .map(({ value, key }) => `${JSON.stringify(value)} ${String(key)}`)
    .sort();
}

async function query(store: Store, schema: SchemaMeta, text: string): Promise<string[]> {
  const context = { schema, table: product(schema) };
  return (await collect(matchingEntries(store.read(), context, parseQuery(text, context)))).map(
    (entry) => String(entry.key),
  );
}

async function expectIndexBuilding(run: () => unknown): Promise<void> {
  let thrown: unknown;
  try {
    await run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ClientError);
  expect(thrown).toMatchObject({
    status: 503,
    code: 'INDEX_BUILDING',
    details: { index: 'Product.stockQuantity', retryAfter: 1 },
  });
}

describe('an attribute newly @indexed', () => {
  it('is indexed in the background; queries that need it get 503 until it is built, then use it', async () => {
    const directory = await populated();
    const schema = productSchema({ indexedStock: true });
    const log: string[] = [];
    const store = open(schema, directory, log);
    expect(store.read().indexReady?.('Product', 'stockQuantity')).toBe(false);
    expect(log).toEqual([
      `schema: Product.stockQuantity is now indexed; building its index from ${RECORDS} records in the background (queries that need it answer 503 until it is built)`,
    ]);

    const context = { schema, table: product(schema) };
    await expectIndexBuilding(() =>
      planQuery(store.read(), context.table, parseQuery('stockQuantity=lt=3', context)),
    );
    // Another index can narrow the query down: it is answered, filtering on the stock.
    const narrowed = await query(store, schema, 'name=n1&stockQuantity=lt=3');
    expect(narrowed.length).toBeGreaterThan(0);
    // Sorting never needs the index.
    expect(await query(store, schema, 'sort(-stockQuantity)&limit(1)')).toHaveLength(1);

    await store.indexesBuilt!();
    expect(store.read().indexReady?.('Product', 'stockQuantity')).toBe(true);
    expect(log.at(-1)).toMatch(
      new RegExp(`^schema: the index of Product.stockQuantity is built \\(${RECORDS} records`),
    );
    const plan = await planQuery(
      store.read(),
      context.table,
      parseQuery('stockQuantity=lt=3', context),
    );
    expect(plan.driver).toMatchObject({ kind: 'index', attribute: 'stockQuantity' });
    expect(await query(store, schema, 'stockQuantity=lt=3')).toHaveLength((RECORDS / 100) * 3);
    // The same records; their order is that of whichever index drives the query.
    expect((await query(store, schema, 'name=n1&stockQuantity=lt=3')).sort()).toEqual(
      narrowed.sort(),
    );
    expect(await storedEntries(store, 'stockQuantity')).toEqual(
      await expectedEntries(store, 'stockQuantity'),
    );
  });

  it('stays consistent with writes made while it is being built', async () => {
    const directory = await populated();
    const schema = productSchema({ indexedStock: true });
    const store = open(schema, directory);
    // Writes queue behind the build's batches: some land in the part already built, some after it.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < RECORDS; i += 97) {
      const id = `p${String(i).padStart(5, '0')}`;
      writes.push(
        store.write(async (txn) => {
          if (i % 3 === 0) await txn.delete('Product', id);
          else txn.put('Product', id, { id, name: 'changed', stockQuantity: 1000 + i });
        }),
      );
      writes.push(
        store.write((txn) => txn.put('Product', `q${i}`, { id: `q${i}`, stockQuantity: i })),
      );
    }
    await Promise.all(writes);
    await store.indexesBuilt!();
    expect(await storedEntries(store, 'stockQuantity')).toEqual(
      await expectedEntries(store, 'stockQuantity'),
    );
  });

  it('resumes a build the store stopped in the middle of, on the next open', async () => {
    const directory = await populated();
    const schema = productSchema({ indexedStock: true });
    const first = open(schema, directory, [], 100);
    // Writes commit in order: once this one has committed, so has the build's first batch (a
    // write that changes nothing commits nothing, so this one writes a record).
    await first.write((txn) => txn.put('Product', 'zz-marker', { id: 'zz-marker', name: 'm' }));
    expect(first.read().indexReady?.('Product', 'stockQuantity')).toBe(false);
    expect((await storedEntries(first, 'stockQuantity')).length).toBeGreaterThanOrEqual(100);
    await close(first);

    const log: string[] = [];
    const second = open(schema, directory, log, 100);
    expect(log[0]).toMatch(
      /^schema: Product.stockQuantity is now indexed; resuming the build of its index/,
    );
    expect(second.read().indexReady?.('Product', 'stockQuantity')).toBe(false);
    await second.indexesBuilt!();
    expect(await storedEntries(second, 'stockQuantity')).toEqual(
      await expectedEntries(second, 'stockQuantity'),
    );
  });

  it('is built while the store opens when the table is small', async () => {
    const directory = await populated();
    const log: string[] = [];
    const store = open(productSchema({ indexedStock: true }), directory, log, RECORDS);
    expect(store.read().indexReady?.('Product', 'stockQuantity')).toBe(true);
    expect(log).toEqual([
      `schema: Product.stockQuantity is now indexed; built its index from ${RECORDS} records`,
    ]);
    expect(await storedEntries(store, 'stockQuantity')).toEqual(
      await expectedEntries(store, 'stockQuantity'),
    );
    await expect(store.indexesBuilt!()).resolves.toBeUndefined();
  });

  it('is built quietly, and ready at once, in a new data directory', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'evolution-'));
    directories.push(directory);
    const log: string[] = [];
    const store = open(productSchema({ indexedStock: true }), directory, log);
    expect(store.read().indexReady?.('Product', 'stockQuantity')).toBe(true);
    expect(log).toEqual([]);
  });
});

describe('an index no longer declared', () => {
  it('is dropped, and built afresh from the records if it is declared again later', async () => {
    const directory = await populated();
    const indexed = productSchema({ indexedStock: true });
    let store = open(indexed, directory, [], RECORDS);
    await close(store);

    const log: string[] = [];
    store = open(productSchema(), directory, log);
    expect(log).toContain(
      'schema: the index data.Product.stockQuantity is no longer declared; dropped',
    );
    // Records change while nothing indexes the stock: an index kept from before would be stale.
    await store.write((txn) => {
      for (let i = 0; i < RECORDS; i += 2) {
        const id = `p${String(i).padStart(5, '0')}`;
        txn.put('Product', id, { id, stockQuantity: -i });
      }
    });
    await close(store);

    store = open(indexed, directory);
    await store.indexesBuilt!();
    expect(await storedEntries(store, 'stockQuantity')).toEqual(
      await expectedEntries(store, 'stockQuantity'),
    );
  });
});

describe('schema changes', () => {
  it('are reported when the store opens a data directory served with another schema', async () => {
    const directory = await populated();
    const log: string[] = [];
    const changed: SchemaMeta = {
      tables: [
        table('Product', [
          a('id', 'ID', { primaryKey: true }),
          a('name', 'String', { indexed: true, nonNull: true }),
          a('stockQuantity', 'Float'),
          a('sku', 'String'),
        ]),
      ],
      objectTypes: [],
    };
    const store = open(changed, directory, log);
    expect(log).toEqual([
      'schema: Product.name is now required: existing records without it keep lacking it until they are written again',
      'schema: Product.stockQuantity is now Float instead of Int: stored values are not converted; the server checks them once it listens and logs the records whose values do not fit',
      'schema: Product.sku is new: existing records do not have it',
      'schema: Product.tags was removed: existing records keep their values, now undeclared attributes',
    ]);
    // The records themselves are untouched.
    expect((await store.read().get('Product', 'p00001'))?.value).toEqual({
      id: 'p00001',
      name: 'n1',
      stockQuantity: 1,
    });
    await close(store);
    const again: string[] = [];
    open(changed, directory, again);
    expect(again).toEqual([]);
  });
});

describe('describeSchemaChanges', () => {
  const base = productSchema();
  const cases: [string, SchemaMeta, string[]][] = [
    ['nothing', base, []],
    [
      'a new table',
      { ...base, tables: [...base.tables, table('Tag', [a('id', 'ID', { primaryKey: true })])] },
      ['table Tag is new'],
    ],
    [
      'a removed table',
      { ...base, tables: [] },
      [
        'table Product was removed; its records stay in the data directory (storage data.Product) but are no longer served',
      ],
    ],
    [
      'a renamed type that keeps its storage',
      { ...base, tables: [{ ...product(base), name: 'Item' }] },
      ['table Product is now the type Item; its records are kept (same storage data.Product)'],
    ],
    [
      'another storage name',
      { ...base, tables: [{ ...product(base), tableName: 'Products' }] },
      [
        'table Product is now stored as data.Products instead of data.Product: it starts empty, and the records stored as data.Product are not moved',
      ],
    ],
    [
      'another key type',
      {
        ...base,
        tables: [
          {
            ...product(base),
            keyType: 'Int',
            attributes: [
              a('id', 'Int', { primaryKey: true }),
              ...product(base).attributes.slice(1),
            ],
          },
        ],
      },
      [
        'the key of Product is now id (Int) instead of id (ID): existing records keep the keys they were stored under',
      ],
    ],
    [
      'sealed, and exported under another name',
      { ...base, tables: [{ ...product(base), sealed: true, exportName: 'products' }] },
      [
        'Product is now @sealed: undeclared attributes already stored stay in their records',
        'Product is now served at /products/ instead of /Product/',
      ],
    ],
    ['only an index', productSchema({ indexedStock: true, indexedName: false }), []],
  ];

  it.each(cases)('%s', (_name, current, messages) => {
    expect(describeSchemaChanges(base, current)).toEqual(messages);
  });
});
