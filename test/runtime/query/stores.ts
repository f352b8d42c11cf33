/**
 * The stores the query tests run against: the in-memory test store and the LMDB store, loaded
 * with the same records, so that every answer is checked on both. Query tests read through
 * `OpenedStore.read()` (the asynchronous `ReadTxn`) and write through `OpenedStore.write`.
 *
 * Until the engines implement the asynchronous interface they are wrapped here, and only here,
 * by `asyncStoreAdapter.ts` (temporary).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SchemaMeta, TableMeta } from '../../../templates/runtime/meta.js';
import { countMatches, executeQuery, parseQuery } from '../../../templates/runtime/query/index.js';
import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import type {
  Batches,
  Key,
  ReadTxn,
  Store,
  StoredValue,
} from '../../../templates/runtime/store/types.js';
import {
  ADAPTER_BATCH_SIZE,
  asyncReadTxn,
  syncStore,
  type SyncWriteTxn,
} from '../../helpers/asyncStoreAdapter.js';
import type { OracleData } from '../../helpers/oracle.js';
import { openMemoryStore } from '../../helpers/memoryStore.js';

export interface OpenedStore {
  /** Reads the latest committed state. */
  read(): ReadTxn;
  /** Runs `work` in one write transaction; resolves with what it returned, once committed. */
  write<T>(work: (txn: SyncWriteTxn) => T): Promise<T>;
  dispose(): Promise<void>;
}

function opened(store: Store, batchSize: number, dispose: () => Promise<void>): OpenedStore {
  const engine = syncStore(store);
  return {
    read: () => asyncReadTxn(engine.read(), batchSize),
    write: (work) => engine.write(work),
    dispose,
  };
}

export interface StoreKind {
  readonly name: string;
  /**
   * The most entries the store hands out in one batch after the first (whose size is the
   * caller's `expected`): a query that needs more than its first batch may read this many more.
   */
  readonly batchSize: number;
  open(schema: SchemaMeta): OpenedStore;
}

/**
 * The memory store's batches: so small that every query crosses batch boundaries, where a record's
 * index entries may straddle two batches.
 */
const TINY_BATCH = 3;

export const STORE_KINDS: readonly StoreKind[] = [
  {
    name: 'memory',
    batchSize: TINY_BATCH,
    open: (schema) => {
      const store = openMemoryStore(schema);
      return opened(store, TINY_BATCH, () => store.close());
    },
  },
  {
    name: 'lmdb',
    batchSize: ADAPTER_BATCH_SIZE,
    open: (schema) => {
      const directory = mkdtempSync(path.join(tmpdir(), 'query-lmdb-'));
      const store = openLmdbStore(schema, { path: directory });
      return opened(store, ADAPTER_BATCH_SIZE, async () => {
        await store.close();
        rmSync(directory, { recursive: true, force: true });
      });
    },
  },
];

export function tableOf(schema: SchemaMeta, name: string): TableMeta {
  const table = schema.tables.find((candidate) => candidate.name === name);
  if (table === undefined) throw new Error(`No table ${name}`);
  return table;
}

/** Opens a store of `kind` holding `records` (by table name). */
export async function loadedStore(
  kind: StoreKind,
  schema: SchemaMeta,
  records: Readonly<Record<string, readonly StoredValue[]>>,
): Promise<OpenedStore> {
  const store = kind.open(schema);
  await store.write((txn) => {
    for (const [name, values] of Object.entries(records)) {
      const table = tableOf(schema, name);
      for (const value of values) txn.put(name, value[table.primaryKey] as Key, value);
    }
  });
  return store;
}

/** Every element of every batch, in order. */
export async function collect<T>(batches: Batches<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of batches) {
    // A store or the query layer handing out an empty batch breaks the `Batches` contract.
    if (batch.length === 0) throw new Error('An empty batch');
    all.push(...batch);
  }
  return all;
}

/** Every record of every table, as the oracle reads them. */
export async function snapshotOf(txn: ReadTxn, schema: SchemaMeta): Promise<OracleData> {
  const tables = await Promise.all(
    schema.tables.map(async (table) => {
      const records = await collect(txn.scan(table.name));
      return [
        table.name,
        records.map(({ key, value, version }) => ({ key, value, version })),
      ] as const;
    }),
  );
  return new Map(tables);
}

/** Runs a raw query string against a table and returns every answer. */
export function run(
  txn: ReadTxn,
  schema: SchemaMeta,
  tableName: string,
  raw: string,
): Promise<unknown[]> {
  const ctx = { schema, table: tableOf(schema, tableName) };
  return collect(executeQuery(txn, ctx, parseQuery(raw, ctx)));
}

export function count(
  txn: ReadTxn,
  schema: SchemaMeta,
  tableName: string,
  raw: string,
): Promise<number> {
  const ctx = { schema, table: tableOf(schema, tableName) };
  return countMatches(txn, ctx, parseQuery(raw, ctx));
}

/** The `id` of each answer. */
export function ids(answers: readonly unknown[]): unknown[] {
  return answers.map((answer) => (answer as { id?: unknown }).id);
}
