/**
 * Drivers: the ways a query reads candidate records from the store. Each yields every record it
 * covers exactly once, lazily and in batches (a batch of index entries is one `getMany` of their
 * records), and can tell whether it covers a given record (which is how a
 * union of drivers avoids yielding a record twice without remembering what it has yielded).
 */
import type {
  Batches,
  IndexEntry,
  IndexRange,
  IndexValue,
  Key,
  KeyRange,
  ReadTxn,
  RecordEntry,
  ScanOptions,
} from '../store/types.js';
import { indexValuesOf } from '../store/indexValues.js';
import { rangeContains, rangesContain } from './ranges.js';
import { compareValues } from './values.js';

export type Driver =
  /** Every record, in key order. */
  | { readonly kind: 'scan'; readonly reverse: boolean }
  /** These keys (sorted ascending, distinct). */
  | { readonly kind: 'keys'; readonly keys: readonly Key[]; readonly reverse: boolean }
  /** One range of keys. */
  | { readonly kind: 'keyRange'; readonly range: KeyRange; readonly reverse: boolean }
  /**
   * Ranges (sorted, disjoint) of the index on `attribute`. `multi`: a record may have several
   * entries (a list, or an `Any` attribute holding an array).
   */
  | {
      readonly kind: 'index';
      readonly attribute: string;
      readonly multi: boolean;
      readonly ranges: readonly IndexRange[];
      readonly reverse: boolean;
    }
  /** Each branch in turn, skipping records an earlier branch covers. */
  | { readonly kind: 'union'; readonly branches: readonly Driver[] };

/** Keys looked up with one `getMany` at a time by a `keys` driver. */
const KEYS_PER_READ = 256;

/** The fewest records an index driver reads at once while its caller still wants some. */
const MIN_RECORDS_PER_READ = 8;

/**
 * How many more records the caller still wants, asked before each read (a limit on an in-order
 * driver: the limit less what it has kept so far). A hint: reading stops only when the caller
 * stops asking for batches.
 */
export type Demand = () => number;

/**
 * The records the driver covers, in batches (every batch non-empty). With a `demand`, the first
 * batch is sized by it and an index driver reads records only about as far as it goes, so a
 * limit over a partly matching index reads little more than it keeps.
 */
export async function* driverBatches(
  txn: ReadTxn,
  table: string,
  driver: Driver,
  demand?: Demand,
): Batches<RecordEntry> {
  const options: ScanOptions | undefined =
    demand === undefined ? undefined : { expected: demand() };
  switch (driver.kind) {
    case 'scan':
      yield* txn.scan(table, driver.reverse ? { reverse: true } : undefined, options);
      return;
    case 'keyRange':
      yield* txn.scan(
        table,
        driver.reverse ? { ...driver.range, reverse: true } : driver.range,
        options,
      );
      return;
    case 'keys': {
      const keys = driver.reverse ? [...driver.keys].reverse() : driver.keys;
      for (let start = 0; start < keys.length; start += KEYS_PER_READ) {
        const found = present(await txn.getMany(table, keys.slice(start, start + KEYS_PER_READ)));
        if (found.length > 0) yield found;
      }
      return;
    }
    case 'index':
      yield* indexBatches(txn, table, driver, options, demand);
      return;
    case 'union':
      for (let index = 0; index < driver.branches.length; index += 1) {
        const earlier = driver.branches.slice(0, index);
        for await (const batch of driverBatches(txn, table, driver.branches[index]!)) {
          const fresh =
            earlier.length === 0
              ? batch
              : batch.filter((entry) => !earlier.some((branch) => driverCovers(branch, entry)));
          if (fresh.length > 0) yield fresh;
        }
      }
  }
}

/**
 * Each batch of index entries becomes `getMany`s of the records they point at: one for the whole
 * batch, or, with a demand, slices of about what the caller still wants.
 */
async function* indexBatches(
  txn: ReadTxn,
  table: string,
  driver: Driver & { kind: 'index' },
  options: ScanOptions | undefined,
  demand: Demand | undefined,
): Batches<RecordEntry> {
  const { attribute, ranges, reverse, multi } = driver;
  for (let index = 0; index < ranges.length; index += 1) {
    const range = ranges[reverse ? ranges.length - 1 - index : index]!;
    // Kept across batches: a record's entries in one range may straddle two of them.
    let previous: Key | undefined;
    for await (const batch of txn.scanIndex(
      table,
      attribute,
      reverse ? { ...range, reverse: true } : range,
      // The hint is for the first range: the later ones are read only once it fell short.
      index === 0 ? options : undefined,
    )) {
      const walked: IndexEntry[] = [];
      for (const entry of batch) {
        if (multi) {
          // A record with several entries in the ranges is yielded at the first one walked.
          if (previous !== undefined && compareValues(previous, entry.key) === 0) continue;
          previous = entry.key;
        }
        walked.push(entry);
      }
      for (let from = 0; from < walked.length;) {
        const size =
          demand === undefined ? walked.length : Math.max(MIN_RECORDS_PER_READ, demand());
        const part = walked.slice(from, from + size);
        from += part.length;
        const records = await txn.getMany(
          table,
          part.map((entry) => entry.key),
        );
        const found: RecordEntry[] = [];
        for (let position = 0; position < records.length; position += 1) {
          const record = records[position];
          if (record === undefined) continue;
          if (
            multi &&
            walkedEarlier(record.value[attribute], part[position]!.value, ranges, reverse)
          )
            continue;
          found.push(record);
        }
        if (found.length > 0) yield found;
      }
    }
  }
}

function present(entries: readonly (RecordEntry | undefined)[]): RecordEntry[] {
  return entries.filter((entry): entry is RecordEntry => entry !== undefined);
}

/** Whether the record has another index entry in the ranges that a walk meets before `value`. */
function walkedEarlier(
  stored: unknown,
  value: IndexValue,
  ranges: readonly IndexRange[],
  reverse: boolean,
): boolean {
  for (const element of indexValuesOf(stored)) {
    const order = compareValues(element, value);
    if ((reverse ? order > 0 : order < 0) && rangesContain(ranges, element)) return true;
  }
  return false;
}

/** Whether `driver` yields `entry`. */
export function driverCovers(driver: Driver, entry: RecordEntry): boolean {
  switch (driver.kind) {
    case 'scan':
      return true;
    case 'keyRange':
      return rangeContains(driver.range, entry.key);
    case 'keys':
      return sortedIncludes(driver.keys, entry.key);
    case 'index':
      return indexValuesOf(entry.value[driver.attribute]).some((element) =>
        rangesContain(driver.ranges, element),
      );
    case 'union':
      return driver.branches.some((branch) => driverCovers(branch, entry));
  }
}

function sortedIncludes(keys: readonly Key[], key: Key): boolean {
  let low = 0;
  let high = keys.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const order = compareValues(keys[middle]!, key);
    if (order === 0) return true;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** Sorted, distinct keys. */
export function sortedKeys(keys: Iterable<Key>): Key[] {
  const sorted = [...keys].sort(compareValues);
  return sorted.filter((key, index) => index === 0 || compareValues(sorted[index - 1]!, key) !== 0);
}
