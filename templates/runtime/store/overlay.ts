/**
 * A write transaction's buffered writes laid over what its reads of the committed state return,
 * the same for every engine: a scan or an index walk sees the transaction's own records in order
 * among the committed ones, its deletes gone, and its rewritten records only as rewritten.
 */
import { compareIndexValues, indexValuesOf, inIndexRange } from './indexValues.js';
import type {
  Batches,
  IndexEntry,
  IndexRange,
  Key,
  KeyRange,
  RecordEntry,
  StoredValue,
} from './types.js';

/** A transaction's buffered writes of one table: the record to put, or null to delete. */
export type BufferedWrites = ReadonlyMap<Key, StoredValue | null>;

/** The committed records of a key range with the transaction's own writes merged in. */
export async function* overlayRecords(
  buffered: BufferedWrites,
  range: KeyRange | undefined,
  /** The version the transaction's own records show (its provisional one). */
  version: number,
  committed: Batches<RecordEntry>,
): Batches<RecordEntry> {
  const direction = range?.reverse === true ? -1 : 1;
  const own = [...buffered]
    .filter(([key]) => inIndexRange(key, range))
    .sort(([x], [y]) => direction * compareIndexValues(x, y));
  const entry = (key: Key, value: StoredValue): RecordEntry => ({ key, value, version });
  let next = 0;
  for await (const batch of committed) {
    const merged: RecordEntry[] = [];
    for (const record of batch) {
      for (; next < own.length; next++) {
        const [key, value] = own[next]!;
        const order = direction * compareIndexValues(key, record.key);
        if (order > 0) break;
        if (value !== null) merged.push(entry(key, value));
        if (order === 0) break;
      }
      if (next < own.length && own[next]![0] === record.key) {
        next++;
        continue;
      }
      merged.push(record);
    }
    if (merged.length > 0) yield merged;
  }
  const rest: RecordEntry[] = [];
  for (; next < own.length; next++) {
    const [key, value] = own[next]!;
    if (value !== null) rest.push(entry(key, value));
  }
  if (rest.length > 0) yield rest;
}

/** The committed entries of an index range with the transaction's own records' entries merged in. */
export async function* overlayIndex(
  buffered: BufferedWrites,
  attribute: string,
  range: IndexRange | undefined,
  committed: Batches<IndexEntry>,
): Batches<IndexEntry> {
  const direction = range?.reverse === true ? -1 : 1;
  const own = ownIndexEntries(buffered, attribute, range).sort(
    (x, y) => direction * compareIndexEntries(x, y),
  );
  let next = 0;
  for await (const batch of committed) {
    const merged: IndexEntry[] = [];
    for (const entry of batch) {
      // The committed entries of a record the transaction rewrote are stale.
      if (buffered.has(entry.key)) continue;
      while (next < own.length && direction * compareIndexEntries(own[next]!, entry) < 0)
        merged.push(own[next++]!);
      merged.push(entry);
    }
    if (merged.length > 0) yield merged;
  }
  if (next < own.length) yield own.slice(next);
}

/** The index entries of the records a transaction buffered, within `range` (unsorted). */
export function ownIndexEntries(
  buffered: BufferedWrites,
  attribute: string,
  range: IndexRange | undefined,
): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const [key, record] of buffered) {
    if (record === null) continue;
    for (const value of indexValuesOf(record[attribute]))
      if (inIndexRange(value, range)) entries.push({ value, key });
  }
  return entries;
}

function compareIndexEntries(x: IndexEntry, y: IndexEntry): number {
  return compareIndexValues(x.value, y.value) || compareIndexValues(x.key, y.key);
}
