/**
 * A read-only view of an LMDB data directory as `lmdb.ts` lays it out, for the store verification
 * (`verify.ts`): raw records, raw index entries and the meta values, with nothing decoded into the
 * store's own types, so that whatever a crash or a bug left behind is seen as it is. It never
 * writes, so it can look at the data directory of a running server. lmdb-js serves every read of
 * one event-loop turn from one read transaction: a caller that reads everything synchronously sees
 * one committed state.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { open } from 'lmdb';
import type { TableMeta } from '../meta.js';
import { BUILT_INDEXES, INDEX_DB_OPTIONS } from './lmdbIndexBuilds.js';

// The rest of the layout written by `lmdb.ts`, which keeps it private. The verification's tests
// open data directories written by the store itself, so a name that drifts from it shows up there
// as records or indexes not found.
const META_DB = 'meta';
const RECORD_DB_OPTIONS = { useVersions: true, encoder: { useBigIntExtension: true } };
const VERSION_FLOOR = 'versionFloor';
const LOG_DB = 'log';
const LOG_DB_OPTIONS = { keyEncoding: 'uint32', encoder: { useBigIntExtension: true } } as const;

type Environment = ReturnType<typeof open>;
type LmdbDatabase = ReturnType<Environment['openDB']>;

export interface RawRecord {
  readonly key: unknown;
  readonly value: unknown;
  readonly version: number | undefined;
}

export interface RawIndexEntry {
  /** The indexed value (the index database's key). */
  readonly value: unknown;
  /** The record key it points at (the index database's value). */
  readonly key: unknown;
}

/** One entry of the commit log, as stored: its place in the log and what it holds. */
export interface RawCommit {
  readonly position: unknown;
  readonly value: unknown;
}

export interface LmdbSnapshot {
  /** The commit log's entries in log order (nothing when the log does not exist). */
  commits(): Iterable<RawCommit>;
  /** Whether the environment holds this table's records database. */
  hasTable(table: TableMeta): boolean;
  /**
   * `missing`: the environment has no database for this index; `unbuilt`: it has one, but the store
   * has not built it from the records yet (an attribute newly `@indexed`; built when the server starts).
   */
  indexState(table: TableMeta, attribute: string): 'missing' | 'unbuilt' | 'built';
  /** The table's records in key order (nothing when its database does not exist). */
  records(table: TableMeta): Iterable<RawRecord>;
  /** The entries of an index in (value, key) order (nothing when its database does not exist). */
  indexEntries(table: TableMeta, attribute: string): Iterable<RawIndexEntry>;
  /** The stored next key of a numeric-key table, as stored (undefined when none was generated yet). */
  keyCounter(table: TableMeta): unknown;
  /** The persisted version floor: every version committed so far is below it. */
  versionFloor(): unknown;
  /** Closes the environment. */
  close(): Promise<void>;
}

/** Whether `dataDir` holds an LMDB environment. */
export function hasLmdbStore(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'data.mdb'));
}

/**
 * Opens the environment in `dataDir` read-only. Throws when there is none: a verification must not
 * create an empty store and call it consistent.
 */
export function openLmdbSnapshot(dataDir: string): LmdbSnapshot {
  if (!hasLmdbStore(dataDir)) throw new Error(`${dataDir} holds no store (no data.mdb)`);
  // noSubdir: false, or lmdb-js would take a directory name with a dot for a file name.
  const env = open({ path: dataDir, readOnly: true, noSubdir: false, maxDbs: 10_000 });
  return new Snapshot(env);
}

class Snapshot implements LmdbSnapshot {
  private readonly databases: ReadonlySet<string>;
  private readonly meta: LmdbDatabase | undefined;
  private readonly opened = new Map<string, LmdbDatabase>();

  constructor(private readonly env: Environment) {
    // The unnamed root database lists the named ones.
    this.databases = new Set([...env.getKeys()].filter((name) => typeof name === 'string'));
    this.meta = this.databases.has(META_DB) ? env.openDB(META_DB, {}) : undefined;
  }

  hasTable(table: TableMeta): boolean {
    return this.databases.has(tableDbName(table));
  }

  indexState(table: TableMeta, attribute: string): 'missing' | 'unbuilt' | 'built' {
    const name = indexDbName(table, attribute);
    if (!this.databases.has(name)) return 'missing';
    const built: unknown = this.meta?.get(BUILT_INDEXES);
    return Array.isArray(built) && built.includes(name) ? 'built' : 'unbuilt';
  }

  *records(table: TableMeta): Iterable<RawRecord> {
    const db = this.database(tableDbName(table), RECORD_DB_OPTIONS);
    if (db === undefined) return;
    for (const { key, value, version } of db.getRange({ versions: true })) {
      yield { key, value, version };
    }
  }

  *indexEntries(table: TableMeta, attribute: string): Iterable<RawIndexEntry> {
    const db = this.database(indexDbName(table, attribute), INDEX_DB_OPTIONS);
    if (db === undefined) return;
    // lmdb-js starts a range after `null` unless told to start at it; null is the lowest index value.
    const start = null as unknown as string;
    for (const { key, value } of db.getRange({ start })) {
      yield { value: key, key: value };
    }
  }

  *commits(): Iterable<RawCommit> {
    const db = this.database(LOG_DB, LOG_DB_OPTIONS);
    if (db === undefined) return;
    for (const { key, value } of db.getRange({})) yield { position: key, value };
  }

  keyCounter(table: TableMeta): unknown {
    return this.meta?.get(['nextKey', table.name]);
  }

  versionFloor(): unknown {
    return this.meta?.get(VERSION_FLOOR);
  }

  async close(): Promise<void> {
    await this.env.close();
  }

  private database(name: string, options: object): LmdbDatabase | undefined {
    if (!this.databases.has(name)) return undefined;
    let db = this.opened.get(name);
    if (db === undefined) {
      db = this.env.openDB(name, options);
      this.opened.set(name, db);
    }
    return db;
  }
}

function tableDbName(table: TableMeta): string {
  return `table:${table.database}.${table.tableName}`;
}

function indexDbName(table: TableMeta, attribute: string): string {
  return `index:${table.database}.${table.tableName}.${attribute}`;
}
