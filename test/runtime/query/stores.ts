/**
 * The stores the query tests run against: the in-memory test store and the LMDB store, loaded
 * with the same records, so that every answer is checked on both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SchemaMeta, TableMeta } from '../../../templates/runtime/meta.js';
import { countMatches, executeQuery, parseQuery } from '../../../templates/runtime/query/index.js';
import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import type { Key, ReadTxn, Store, StoredValue } from '../../../templates/runtime/store/types.js';
import { openMemoryStore } from '../../helpers/memoryStore.js';

export interface OpenedStore {
  readonly store: Store;
  dispose(): Promise<void>;
}

export interface StoreKind {
  readonly name: string;
  open(schema: SchemaMeta): OpenedStore;
}

export const STORE_KINDS: readonly StoreKind[] = [
  {
    name: 'memory',
    open: (schema) => {
      const store = openMemoryStore(schema);
      return { store, dispose: () => store.close() };
    },
  },
  {
    name: 'lmdb',
    open: (schema) => {
      const directory = mkdtempSync(path.join(tmpdir(), 'query-lmdb-'));
      const store = openLmdbStore(schema, { path: directory });
      return {
        store,
        dispose: async () => {
          await store.close();
          rmSync(directory, { recursive: true, force: true });
        },
      };
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
  const opened = kind.open(schema);
  await opened.store.write((txn) => {
    for (const [name, values] of Object.entries(records)) {
      const table = tableOf(schema, name);
      for (const value of values) txn.put(name, value[table.primaryKey] as Key, value);
    }
  });
  return opened;
}

/** Runs a raw query string against a table and returns every answer. */
export function run(txn: ReadTxn, schema: SchemaMeta, tableName: string, raw: string): unknown[] {
  const ctx = { schema, table: tableOf(schema, tableName) };
  return [...executeQuery(txn, ctx, parseQuery(raw, ctx))];
}

export function count(txn: ReadTxn, schema: SchemaMeta, tableName: string, raw: string): number {
  const ctx = { schema, table: tableOf(schema, tableName) };
  return countMatches(txn, ctx, parseQuery(raw, ctx));
}

/** The `id` of each answer. */
export function ids(answers: readonly unknown[]): unknown[] {
  return answers.map((answer) => (answer as { id?: unknown }).id);
}
