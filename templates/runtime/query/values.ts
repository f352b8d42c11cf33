/**
 * How stored values compare. One order serves filters, in-memory sorting and index ranges, and it
 * is the store's index order: null < false < true < numbers < strings, strings by code point (the
 * order of their UTF-8 bytes), dates as epoch milliseconds. Using the index order everywhere is
 * what makes an index-driven answer and a filtered scan give the same records in the same order.
 */
import type { ConditionValue } from './types.js';

/** A value reduced to something comparable: dates become epoch ms, absent becomes null. */
export type Comparable = ConditionValue;

/**
 * The comparable form of a stored scalar, or undefined for values that have no place in the
 * order (objects, bytes, invalid dates).
 */
export function comparable(value: unknown): Comparable | undefined {
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      return Number.isNaN(value) ? undefined : value === 0 ? 0 : value;
    case 'object':
      if (value === null) return null;
      if (value instanceof Date) {
        const time = value.getTime();
        return Number.isNaN(time) ? undefined : time;
      }
      return undefined;
    default:
      return undefined;
  }
}

function rank(value: Comparable): number {
  switch (typeof value) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
    default:
      return 0;
  }
}

/** Orders strings by code point, as their UTF-8 bytes order, rather than by UTF-16 code unit. */
export function compareStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Surrogates (code points above U+FFFF) sort after U+E000–U+FFFF in code point order. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Total order over comparables: negative, zero or positive. */
export function compareValues(a: Comparable, b: Comparable): number {
  const rankA = rank(a);
  const rankB = rank(b);
  if (rankA !== rankB) return rankA - rankB;
  switch (rankA) {
    case 1:
      return (a === true ? 1 : 0) - (b === true ? 1 : 0);
    case 2:
      return (a as number | bigint) < (b as number | bigint)
        ? -1
        : (a as number | bigint) > (b as number | bigint)
          ? 1
          : 0;
    case 3:
      return compareStrings(a as string, b as string);
    default:
      return 0;
  }
}

/** Whether two comparables have the same type family, so that a range comparison applies. */
export function sameFamily(a: Comparable, b: Comparable): boolean {
  return rank(a) === rank(b);
}

/** The smallest string greater than every string that starts with `prefix`, or null if none. */
export function prefixSuccessor(prefix: string): string | null {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      // Skip the surrogate block: those are not code points of their own.
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return codePoints.join('') + String.fromCodePoint(next);
    }
  }
  return null;
}
