/**
 * The store: the one narrow interface between the server and its storage engine. The HTTP layer,
 * the query planner and the real-time hub speak only this interface, never `lmdb` directly, so that
 * another engine (PostgreSQL, later) is a new implementation of this file, not a rewrite.
 *
 * Tables and indexes are named by the table's type name (`TableMeta.name`) and attribute name.
 */

/** A primary key: strings for `ID`/`String` keys, numbers for numeric keys. */
export type Key = string | number;

/**
 * A value as it is ordered in a secondary index. Index order is: null, then booleans (false < true),
 * then numbers, then strings (by UTF-8 bytes); dates are indexed as epoch milliseconds.
 */
export type IndexValue = null | boolean | number | string;

/** A stored record: top-level attribute names to values. */
export type StoredValue = Record<string, unknown>;

export interface RecordEntry {
  readonly key: Key;
  readonly value: StoredValue;
  /** Version of the record: the commit time in epoch milliseconds, strictly increasing per store. */
  readonly version: number;
}

/** One bound of a range; `inclusive: false` excludes the bound itself. */
export interface Bound<T> {
  readonly value: T;
  readonly inclusive: boolean;
}

/** A range of an index (or of the primary keys). A missing bound is open. */
export interface Range<T> {
  readonly start?: Bound<T>;
  readonly end?: Bound<T>;
  /** Walk from the end of the range towards its start. */
  readonly reverse?: boolean;
}

/** Whether the range holds exactly one value (both bounds inclusive and equal): an equality. */
export function isPoint<T>(
  range: Range<T> | undefined,
): range is Range<T> & { readonly start: Bound<T>; readonly end: Bound<T> } {
  return (
    range?.start !== undefined &&
    range.end !== undefined &&
    range.start.inclusive &&
    range.end.inclusive &&
    range.start.value === range.end.value
  );
}

export type IndexRange = Range<IndexValue>;
export type KeyRange = Range<Key>;

export interface IndexEntry {
  readonly value: IndexValue;
  readonly key: Key;
}

/**
 * Record reads come in batches: every batch is a non-empty array, and between two batches the
 * store holds nothing open (no LMDB reader slot, no database cursor), so a consumer that is slow
 * to ask for the next batch (a streamed answer to a client that does not read) costs nothing.
 * Breaking out of the iteration stops the reading.
 */
export type Batches<T> = AsyncIterable<readonly T[]>;

export interface ScanOptions {
  /**
   * About how many entries the caller will consume (a query's offset + limit, say); the store may
   * size its first batch by it. A hint only: iteration goes on past it if the caller asks.
   */
  readonly expected?: number;
}

/**
 * Reads of the latest committed state; inside a write transaction they see that transaction's
 * own writes. Every read may complete asynchronously (a network engine answers later); an
 * embedded engine answers with promises that are already settled.
 */
export interface ReadTxn {
  /** The record with this key, or undefined. */
  get(table: string, key: Key): Promise<RecordEntry | undefined>;
  /** The records with these keys, in the same order (undefined where there is none). */
  getMany(table: string, keys: readonly Key[]): Promise<(RecordEntry | undefined)[]>;
  /** Records in key order within `range`, in batches. */
  scan(table: string, range?: KeyRange, options?: ScanOptions): Batches<RecordEntry>;
  /** Entries of the index on `attribute` in (value, key) order within `range`, in batches. */
  scanIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    options?: ScanOptions,
  ): Batches<IndexEntry>;
  /**
   * Number of index entries within `range`, counting at most `limit` (an estimate is not allowed:
   * callers that only need to compare selectivities pass a limit to bound the work).
   */
  countIndex(table: string, attribute: string, range?: IndexRange, limit?: number): Promise<number>;
  /**
   * About how many index entries lie within `range`, at a cost that does not grow with the range:
   * exact for a narrow range, interpolated or otherwise estimated for a wide one. The planner uses
   * it to compare selectivities. Stores without a cheap estimate omit it (the planner then counts).
   */
  estimateIndex?(table: string, attribute: string, range?: IndexRange): Promise<number>;
  /** Number of records in the table. */
  count(table: string): Promise<number>;
  /**
   * About how many records the table holds, for the planner's comparisons; unlike `count`, not
   * a read that a write transaction checks at commit. Stores without a cheap estimate omit it
   * (the planner then counts).
   */
  estimateCount?(table: string): Promise<number>;
  /**
   * Whether the index on `attribute` holds every record. False while it is being built from the
   * existing records (an attribute newly `@indexed`, contract section 11): a query must then not
   * read it. Answered from what the store already knows (no read). Omitted by stores whose
   * indexes are always complete.
   */
  indexReady?(table: string, attribute: string): boolean;
}

/**
 * A write transaction, optimistic: its work runs outside any database lock and may await
 * anything. Reads see the latest committed state with the transaction's own writes laid over it;
 * writes are buffered. At commit the store checks that nothing the transaction read, wrote,
 * scanned or counted has changed since: a record read (as absent too); a scanned range of keys
 * or of an index, which a commit changed if it wrote a record the scan handed out or a record
 * into the range (a store may check a whole table instead, which is stricter); a count, which
 * covers its whole table. A count with a `limit` only compares selectivities and is not checked.
 * If something has changed, the whole work runs again on fresh state, a bounded number of times.
 * Every change (records and all their index entries) then commits together, durably, with one
 * entry in the commit log.
 */
export interface WriteTxn extends ReadTxn {
  /** Creates or replaces the record; index entries are updated to match the new value. */
  put(table: string, key: Key, value: StoredValue): void;
  /** Removes the record and its index entries; resolves with whether it existed. */
  delete(table: string, key: Key): Promise<boolean>;
  /** The next key of a table with a numeric key: increasing, persisted, never reused. */
  nextKey(table: string): Promise<number>;
}

/** One change in a committed transaction, as the real-time hub and user hooks see it. */
export interface Change {
  readonly table: string;
  readonly key: Key;
  readonly type: 'put' | 'delete';
  /** The full record after the write; absent for a delete. */
  readonly value?: StoredValue;
  /** The version of the record written: its commit's version. */
  readonly version: number;
}

/** One committed transaction that changed something, as the commit log holds it. */
export interface Commit {
  /**
   * The commit's version, given at commit: the commit time in epoch milliseconds (a fraction
   * separates commits within one millisecond), strictly increasing in commit order across every
   * process serving the same data, so it is also the commit's place in the log. Every record the
   * commit wrote has this version. Resuming a subscription names a version.
   */
  readonly version: number;
  readonly changes: readonly Change[];
}

/** What `Store.write` resolves with once the transaction is durable. */
export interface Committed<T> {
  /** What the work returned. */
  readonly value: T;
  /** The commit's version; undefined when the transaction changed nothing. */
  readonly version: number | undefined;
  readonly changes: readonly Change[];
}

export interface StoreWriteOptions {
  /** How many times a work that met a conflict runs again before `WriteConflictError`. */
  readonly retries?: number;
}

/** Times `Store.write` runs a work again after a conflict, unless told otherwise. */
export const DEFAULT_WRITE_RETRIES = 10;

/** A transaction met a conflict on every run it was allowed (answered 409 `WRITE_CONFLICT`). */
export class WriteConflictError extends Error {
  readonly code = 'WRITE_CONFLICT';
  constructor(readonly runs: number) {
    super(
      `The write conflicted with other writes to the same records ${runs} times in a row; try it again`,
    );
    this.name = 'WriteConflictError';
  }
}

/** How long and how much of the commit log a store keeps (the oldest commits are pruned first). */
export interface LogRetention {
  /** Commits older than this many milliseconds are pruned. */
  readonly maxAgeMs: number;
  /** At most this many commits are kept. */
  readonly maxCommits: number;
}

export interface Store {
  /** Reads the latest committed state. */
  read(): ReadTxn;
  /**
   * Runs `work` as one optimistic write transaction (see `WriteTxn`) and resolves once it has
   * committed durably. `work` may run more than once (after a conflict), so it must not have
   * effects outside the transaction that cannot be repeated. If `work` throws, nothing is written
   * and the promise rejects with that error (unless the transaction's reads were already stale,
   * in which case it is run again: the error may be an effect of the conflict). After the
   * allowed retries it rejects with `WriteConflictError`. `Store.write` may not be called from
   * inside a work.
   */
  write<T>(
    work: (txn: WriteTxn) => T | Promise<T>,
    options?: StoreWriteOptions,
  ): Promise<Committed<T>>;
  /**
   * Registers a listener for every commit that changed something, by any process serving the
   * same data: each commit exactly once, in log (version) order. A process's own commits reach the
   * listener before the `write` that made them resolves. Returns an unsubscribe function.
   */
  onCommit(listener: (commit: Commit) => void): () => void;
  /**
   * Reads commits that other processes appended to the log and hands them to the listeners now
   * (a store also does this by itself, in the background, within a few milliseconds).
   */
  refresh(): Promise<void>;
  /** The version of the last commit in the log (0 when none ever was). */
  lastVersion(): Promise<number>;
  /**
   * The commits with a version after `version`, in log order, at most `limit` of them; undefined
   * when some commit after `version` may have been pruned already, or `version` is later than the
   * last commit (it is not a version of this data): the caller must start again from the current
   * state.
   */
  changesSince(version: number, limit: number): Promise<Commit[] | undefined>;
  /** Flushes and closes the store. */
  close(): Promise<void>;
  /**
   * Writes a consistent, compacted copy of the whole store (every table, index and the commit log,
   * as of one moment) to the empty directory `directory`, while the store goes on serving. Omitted
   * by stores that are backed up by their own tools (PostgreSQL: `pg_dump`).
   */
  backup?(directory: string): Promise<void>;
  /**
   * Sends a short text to every other process serving the same data, storing nothing (a message
   * to subscribers, contract 8.5); rejects when it is too long for the engine (PostgreSQL:
   * `NOTIFY`, 7,900 bytes). Omitted by engines that cannot reach other processes themselves
   * (LMDB: a server's workers relay through their primary).
   */
  broadcast?(payload: string): Promise<void>;
  /** Hears the other processes' `broadcast`s; returns the function that stops it. */
  onBroadcast?(listener: (payload: string) => void): () => void;
  /**
   * Resolves once every index being built from existing records is complete (at once when none
   * is); rejects if the store closes first. Omitted by stores whose indexes are always complete.
   */
  indexesBuilt?(): Promise<void>;
  /**
   * The attributes (`Table.attribute`) whose declared type changed while records were stored, and
   * that no check has found clean since (contract section 11); kept in the data directory, so that
   * a start after the change hears of them whichever process opened the store first. Omitted by
   * stores that keep no schema (test doubles).
   */
  retypedAttributes?(): readonly string[];
  /** Forgets these retyped attributes: a check found that every stored value fits its type. */
  settleRetyped?(names: readonly string[]): Promise<void>;
}
