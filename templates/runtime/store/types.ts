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

/** Reads; inside a write transaction they see that transaction's own writes. */
export interface ReadTxn {
  /** The record with this key, or undefined. */
  get(table: string, key: Key): RecordEntry | undefined;
  /** Records in key order within `range`. Lazy: stops reading when the caller stops iterating. */
  scan(table: string, range?: KeyRange): Iterable<RecordEntry>;
  /** Entries of the index on `attribute` in (value, key) order within `range`. Lazy. */
  scanIndex(table: string, attribute: string, range?: IndexRange): Iterable<IndexEntry>;
  /**
   * Number of index entries within `range`, counting at most `limit` (an estimate is not allowed:
   * callers that only need to compare selectivities pass a limit to bound the work).
   */
  countIndex(table: string, attribute: string, range?: IndexRange, limit?: number): number;
  /**
   * About how many index entries lie within `range`, at a cost that does not grow with the range:
   * exact for a narrow range, interpolated or otherwise estimated for a wide one. The planner uses
   * it to compare selectivities. Stores without a cheap estimate omit it (the planner then counts).
   */
  estimateIndex?(table: string, attribute: string, range?: IndexRange): number;
  /** Number of records in the table. */
  count(table: string): number;
  /**
   * Whether the index on `attribute` holds every record. False while it is being built from the
   * existing records (an attribute newly `@indexed`, contract section 11): a query must then not
   * read it. Omitted by stores whose indexes are always complete.
   */
  indexReady?(table: string, attribute: string): boolean;
}

/** A write transaction. Every change (record and all its index entries) commits together. */
export interface WriteTxn extends ReadTxn {
  /** The version every record this transaction writes gets (its commit's version). */
  readonly version: number;
  /** Creates or replaces the record; index entries are updated to match the new value. */
  put(table: string, key: Key, value: StoredValue): void;
  /** Removes the record and its index entries; returns whether it existed. */
  delete(table: string, key: Key): boolean;
  /** The next key of a table with a numeric key: increasing, persisted, never reused. */
  nextKey(table: string): number;
}

/** One change in a committed transaction, as the real-time hub and user hooks see it. */
export interface Change {
  readonly table: string;
  readonly key: Key;
  readonly type: 'put' | 'delete';
  /** The full record after the write; absent for a delete. */
  readonly value?: StoredValue;
  /** The commit's version (epoch milliseconds). */
  readonly version: number;
}

export interface Commit {
  readonly version: number;
  readonly changes: readonly Change[];
}

export interface Store {
  /** Reads the latest committed state. */
  read(): ReadTxn;
  /**
   * Runs `work` in one write transaction. The promise resolves with `work`'s result only once the
   * transaction has committed durably; if `work` throws, nothing is written and the promise
   * rejects with that error. Commit listeners are called after the commit, in commit order.
   */
  write<T>(work: (txn: WriteTxn) => T): Promise<T>;
  /** Registers a listener for every commit that changed something; returns an unsubscribe function. */
  onCommit(listener: (commit: Commit) => void): () => void;
  /** Flushes and closes the store. */
  close(): Promise<void>;
  /**
   * Resolves once every index being built from existing records is complete (at once when none
   * is); rejects if the store closes first. Omitted by stores whose indexes are always complete.
   */
  indexesBuilt?(): Promise<void>;
}
