import type { ScalarName } from '../meta.js';
import type { IndexValue } from './types.js';

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
