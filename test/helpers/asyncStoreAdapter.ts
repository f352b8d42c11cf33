/**
 * TEMPORARY: removed when the engines implement the async interface.
 *
 * The query layer reads through the new asynchronous `ReadTxn` (`store/types.ts`), while the
 * engines (`store/lmdb.ts`, `memoryStore.ts`) still implement the previous synchronous one at
 * run time (their types already name the new interface, which they do not meet yet). This wraps
 * such a synchronous store so that the query tests can run before the engines are rewritten:
 * reads become settled promises and scans batches. Writes stay synchronous, as they were.
 *
 * Only `test/runtime/query/stores.ts` uses this file; pointing it at the real engines is the
 * whole of removing it.
 */
import type {
  Batches,
  IndexEntry,
  IndexRange,
  Key,
  KeyRange,
  ReadTxn,
  RecordEntry,
  ScanOptions,
  Store,
  StoredValue,
} from '../../templates/runtime/store/types.js';

/** The previous, synchronous read interface, which the engines still implement. */
export interface SyncReadTxn {
  get(table: string, key: Key): RecordEntry | undefined;
  scan(table: string, range?: KeyRange): Iterable<RecordEntry>;
  scanIndex(table: string, attribute: string, range?: IndexRange): Iterable<IndexEntry>;
  countIndex(table: string, attribute: string, range?: IndexRange, limit?: number): number;
  estimateIndex?(table: string, attribute: string, range?: IndexRange): number;
  count(table: string): number;
  indexReady?(table: string, attribute: string): boolean;
}

/** The previous, synchronous write transaction. */
export interface SyncWriteTxn extends SyncReadTxn {
  readonly version: number;
  put(table: string, key: Key, value: StoredValue): void;
  delete(table: string, key: Key): boolean;
  nextKey(table: string): number;
}

/** The previous store: `write` resolves with what the (synchronous) work returned. */
export interface SyncStore {
  read(): SyncReadTxn;
  write<T>(work: (txn: SyncWriteTxn) => T): Promise<T>;
  close(): Promise<void>;
}

/**
 * The engine as it behaves today. Its declared type is already the new `Store`, so the cast
 * states what it really is until it is rewritten.
 */
export function syncStore(store: Store): SyncStore {
  return store as unknown as SyncStore;
}

/** Entries per batch after the first (whose size is the caller's `expected`, when given). */
export const ADAPTER_BATCH_SIZE = 64;

/** The synchronous transaction seen through the asynchronous interface. */
export function asyncReadTxn(txn: SyncReadTxn, batchSize = ADAPTER_BATCH_SIZE): ReadTxn {
  const adapted: ReadTxn = {
    get: (table, key) => Promise.resolve(txn.get(table, key)),
    getMany: (table, keys) => Promise.resolve(keys.map((key) => txn.get(table, key))),
    scan: (table, range, options) => inBatches(txn.scan(table, range), batchSize, options),
    scanIndex: (table, attribute, range, options) =>
      inBatches(txn.scanIndex(table, attribute, range), batchSize, options),
    countIndex: (table, attribute, range, limit) =>
      Promise.resolve(txn.countIndex(table, attribute, range, limit)),
    count: (table) => Promise.resolve(txn.count(table)),
  };
  if (txn.estimateIndex !== undefined) {
    const estimate = txn.estimateIndex.bind(txn);
    adapted.estimateIndex = (table, attribute, range) =>
      Promise.resolve(estimate(table, attribute, range));
  }
  if (txn.indexReady !== undefined) adapted.indexReady = txn.indexReady.bind(txn);
  return adapted;
}

/** A lazy iterable cut into non-empty batches; breaking out of the batches stops the iteration. */
// The engine answers synchronously: being an async generator is what makes its batches async.
// eslint-disable-next-line @typescript-eslint/require-await
async function* inBatches<T>(
  entries: Iterable<T>,
  batchSize: number,
  options: ScanOptions | undefined,
): Batches<T> {
  let size = Math.max(1, options?.expected ?? batchSize);
  let batch: T[] = [];
  for (const entry of entries) {
    batch.push(entry);
    if (batch.length >= size) {
      yield batch;
      batch = [];
      size = batchSize;
    }
  }
  if (batch.length > 0) yield batch;
}
