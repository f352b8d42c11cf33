import type { ScalarName } from '../meta.js';
import type { IndexValue, Range } from './types.js';

/**
 * Scalars whose values reduce exactly to their index values, in the same order as the values
 * compare: an index on them answers equality and ranges, and walks them in sorted order. (BigInts
 * are indexed as rounded numbers; Any and Bytes have no such order.)
 */
export const EXACTLY_INDEXED_SCALARS: ReadonlySet<ScalarName> = new Set([
  'ID',
  'String',
  'Int',
  'Long',
  'Float',
  'Boolean',
  'Date',
]);

/**
 * The entries a stored attribute value contributes to its index: arrays element by element
 * (each distinct element once), null and absent values as `null`, dates as epoch milliseconds.
 * Values that have no place in an index order (nested objects, bytes) contribute nothing.
 */
export function indexValuesOf(value: unknown): readonly IndexValue[] {
  if (Array.isArray(value)) {
    const distinct = new Set<IndexValue>();
    for (const element of value) {
      const indexed = indexValueOf(element);
      if (indexed !== undefined) distinct.add(indexed);
    }
    return [...distinct];
  }
  const indexed = indexValueOf(value);
  return indexed === undefined ? [] : [indexed];
}

/** One scalar's index value, or undefined when it cannot be ordered in an index. */
export function indexValueOf(value: unknown): IndexValue | undefined {
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // -0 and 0 are one value to a query; NaN never reaches the store (validation refuses it).
      return value === 0 ? 0 : value;
    case 'bigint':
      return Number(value);
    case 'object':
      if (value === null) return null;
      if (value instanceof Date) return value.getTime();
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Index order (`types.ts`, `IndexValue`): null, false, true, numbers, then strings by their UTF-8
 * bytes. Primary keys order the same way. The LMDB store orders its own keys natively; this is
 * for entries it holds in memory (a write transaction's buffered records) and merges with them.
 */
export function compareIndexValues(a: IndexValue, b: IndexValue): number {
  const difference = rank(a) - rank(b);
  if (difference !== 0) return difference;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number') return a === b ? 0 : a < (b as number) ? -1 : 1;
  if (typeof a === 'string') {
    const other = b as string;
    if (a === other) return 0;
    // UTF-16 code unit order differs from UTF-8 byte order only beyond the basic plane's surrogates.
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(other, 'utf8'));
  }
  return 0;
}

function rank(value: IndexValue): number {
  return value === null ? 0 : typeof value === 'boolean' ? 1 : typeof value === 'number' ? 2 : 3;
}

/** Whether `value` lies within `range` (a missing bound is open) in index order. */
export function inIndexRange(value: IndexValue, range: Range<IndexValue> | undefined): boolean {
  const { start, end } = range ?? {};
  if (start !== undefined) {
    const order = compareIndexValues(value, start.value);
    if (order < 0 || (order === 0 && !start.inclusive)) return false;
  }
  if (end !== undefined) {
    const order = compareIndexValues(value, end.value);
    if (order > 0 || (order === 0 && !end.inclusive)) return false;
  }
  return true;
}
