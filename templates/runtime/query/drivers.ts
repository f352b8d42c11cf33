/**
 * Drivers: the ways a query reads candidate records from the store. Each yields every record it
 * covers exactly once, lazily, and can tell whether it covers a given record (which is how a
 * union of drivers avoids yielding a record twice without remembering what it has yielded).
 */
import type {
  IndexRange,
  IndexValue,
  Key,
  KeyRange,
  ReadTxn,
  RecordEntry,
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

export function* driverEntries(
  txn: ReadTxn,
  table: string,
  driver: Driver,
): Generator<RecordEntry> {
  switch (driver.kind) {
    case 'scan':
      yield* txn.scan(table, driver.reverse ? { reverse: true } : undefined);
      return;
    case 'keyRange':
      yield* txn.scan(table, driver.reverse ? { ...driver.range, reverse: true } : driver.range);
      return;
    case 'keys': {
      const { keys } = driver;
      for (let index = 0; index < keys.length; index += 1) {
        const entry = txn.get(table, keys[driver.reverse ? keys.length - 1 - index : index]!);
        if (entry !== undefined) yield entry;
      }
      return;
    }
    case 'index':
      yield* indexEntries(txn, table, driver);
      return;
    case 'union':
      for (let index = 0; index < driver.branches.length; index += 1) {
        const earlier = driver.branches.slice(0, index);
        for (const entry of driverEntries(txn, table, driver.branches[index]!)) {
          if (!earlier.some((branch) => driverCovers(branch, entry))) yield entry;
        }
      }
  }
}

function* indexEntries(
  txn: ReadTxn,
  table: string,
  driver: Driver & { kind: 'index' },
): Generator<RecordEntry> {
  const { attribute, ranges, reverse, multi } = driver;
  for (let index = 0; index < ranges.length; index += 1) {
    const range = ranges[reverse ? ranges.length - 1 - index : index]!;
    let previous: Key | undefined;
    for (const { value, key } of txn.scanIndex(
      table,
      attribute,
      reverse ? { ...range, reverse: true } : range,
    )) {
      if (multi) {
        // A record with several entries in the ranges is yielded at the first one walked.
        if (previous !== undefined && compareValues(previous, key) === 0) continue;
        previous = key;
      }
      const entry = txn.get(table, key);
      if (entry === undefined) continue;
      if (multi && walkedEarlier(entry.value[attribute], value, ranges, reverse)) continue;
      yield entry;
    }
  }
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
