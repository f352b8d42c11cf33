/**
 * The stores the query tests run against: the in-memory test store, the LMDB store and the
 * PostgreSQL store, loaded with the same records, so that every answer is checked on each. Query
 * tests read through `OpenedStore.read()` (the asynchronous `ReadTxn`) and write through
 * `OpenedStore.write`.
 *
 * The PostgreSQL stores of one test file share one throwaway cluster and one database, started
 * when the first is opened and stopped after the file; each store gets schemas of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { SchemaMeta, TableMeta } from '../../../templates/runtime/meta.js';
import { countMatches, executeQuery, parseQuery } from '../../../templates/runtime/query/index.js';
import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import {
  openPostgresStore,
  POSTGRES_SCAN_BATCH,
} from '../../../templates/runtime/store/postgres.js';
import type {
  Batches,
  Key,
  ReadTxn,
  Store,
  StoredValue,
  WriteTxn,
} from '../../../templates/runtime/store/types.js';
import type { OracleData } from '../../helpers/oracle.js';
import { openMemoryStore } from '../../helpers/memoryStore.js';
import { startPostgresCluster, type PostgresCluster } from '../../helpers/postgresCluster.js';
import pg from 'pg';

export interface OpenedStore {
  /** Reads the latest committed state. */
  read(): ReadTxn;
  /** Runs `work` in one write transaction; resolves with what it returned, once committed. */
  write<T>(work: (txn: WriteTxn) => T | Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

function opened(store: Store, dispose: () => Promise<void>): OpenedStore {
  return {
    read: () => store.read(),
    write: async (work) => (await store.write(work)).value,
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
  open(schema: SchemaMeta): OpenedStore | Promise<OpenedStore>;
}

/** The batch sizes of the engines after a scan's first batch (`memoryStore.ts`, `lmdb.ts`). */
const MEMORY_BATCH = 64;
const LMDB_SCAN_BATCH = 256;

/** The test file's PostgreSQL cluster and database, started by the first PostgreSQL store. */
let postgres: Promise<{ cluster: PostgresCluster; url: string }> | undefined;
let postgresSchemas = 0;

function postgresDatabase(): Promise<{ cluster: PostgresCluster; url: string }> {
  postgres ??= (async () => {
    const cluster = await startPostgresCluster();
    return { cluster, url: cluster.url(await cluster.createDatabase()) };
  })();
  return postgres;
}

afterAll(async () => {
  if (postgres === undefined) return;
  const started = postgres;
  postgres = undefined;
  await (await started).cluster.stop();
});

export const STORE_KINDS: readonly StoreKind[] = [
  {
    name: 'memory',
    batchSize: MEMORY_BATCH,
    open: (schema) => {
      const store = openMemoryStore(schema);
      return opened(store, () => store.close());
    },
  },
  {
    name: 'lmdb',
    batchSize: LMDB_SCAN_BATCH,
    open: (schema) => {
      const directory = mkdtempSync(path.join(tmpdir(), 'query-lmdb-'));
      const store = openLmdbStore(schema, { path: directory });
      return opened(store, async () => {
        await store.close();
        rmSync(directory, { recursive: true, force: true });
      });
    },
  },
  {
    name: 'postgres',
    batchSize: POSTGRES_SCAN_BATCH,
    open: async (schema) => {
      const { url } = await postgresDatabase();
      const n = ++postgresSchemas;
      const names = { schema: `tables_${n}`, bookkeepingSchema: `codegen_${n}` };
      const store = await openPostgresStore(schema, { url, ...names, log: () => undefined });
      return opened(store, async () => {
        await store.close();
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(
            `DROP SCHEMA ${names.schema} CASCADE; DROP SCHEMA ${names.bookkeepingSchema} CASCADE`,
          );
        } finally {
          await client.end();
        }
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
  const store = await kind.open(schema);
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
