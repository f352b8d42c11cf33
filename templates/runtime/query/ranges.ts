/**
 * Index ranges for comparisons: the part of an index (or of the primary keys) that holds every
 * record a comparison can match. A range list is sorted and disjoint, so walking it in order
 * walks the index in order. Ranges may be wider than the comparison (the filter decides), never
 * narrower.
 */
import { STORE_LIMITS } from '../store/limits.js';
import type { Bound, IndexRange, IndexValue } from '../store/types.js';
import { utcWallTime } from './dates.js';
import type { Comparison, ConditionValue } from './types.js';
import { compareValues, prefixSuccessor } from './values.js';

const DAY_MS = 86_400_000;
const MAX_EPOCH_MS = 8.64e15;

/** Where each type family begins and ends in index order (null < booleans < numbers < strings). */
const FAMILY_BOUNDS = {
  boolean: { start: { value: false, inclusive: true }, end: { value: true, inclusive: true } },
  number: { start: { value: true, inclusive: false }, end: { value: '', inclusive: false } },
  string: { start: { value: '', inclusive: true }, end: undefined },
} as const satisfies Record<
  string,
  { start: Bound<IndexValue>; end: Bound<IndexValue> | undefined }
>;

/**
 * The ranges holding every match of `comparison`, or null when no range can (ne, out, ew, ct).
 * `keys`: ranges over primary keys, which all share one type, so no family bounds are needed.
 */
export function comparisonRanges(comparison: Comparison, keys: boolean): IndexRange[] | null {
  const ranges = unclampedRanges(comparison, keys);
  return ranges === null ? null : ranges.flatMap(storableRange);
}

function unclampedRanges(comparison: Comparison, keys: boolean): IndexRange[] | null {
  const { operator, values, instant } = comparison;
  const first = values[0] ?? null;
  const second = values[1] ?? null;
  if (instant) {
    if (typeof first !== 'number') return null;
    if (operator !== 'between') return instantRanges(operator, first);
    const [from] = instantRanges('ge', first) ?? [];
    const [to] = typeof second === 'number' ? (instantRanges('le', second) ?? []) : [];
    return from === undefined || to === undefined ? null : intersectRanges([from], [to]);
  }
  switch (operator) {
    case 'between': {
      const lower = indexValue(first);
      const upper = indexValue(second);
      const bounds = comparison.bounds;
      // A value within both bounds shares the family of each, so bounds of two families hold nothing.
      if (familyOf(lower) !== familyOf(upper) || bounds === null) return [];
      return intersectRanges(
        [withBounds({ value: lower, inclusive: bounds.lowerInclusive }, undefined)],
        [withBounds(undefined, { value: upper, inclusive: bounds.upperInclusive })],
      );
    }
    case 'eq':
      return normalize([point(first)]);
    case 'in':
      return normalize(values.map(point));
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const value = indexValue(first);
      const family = keys ? null : familyOf(value);
      const bound = { value, inclusive: operator === 'le' || operator === 'ge' };
      if (operator === 'lt' || operator === 'le') return [withBounds(family?.start, bound)];
      return [withBounds(bound, family?.end)];
    }
    case 'sw': {
      const prefix = String(first);
      const successor = prefixSuccessor(prefix);
      return [
        withBounds(
          { value: prefix, inclusive: true },
          successor === null ? undefined : { value: successor, inclusive: false },
        ),
      ];
    }
    default:
      return null;
  }
}

/**
 * Strings that may hold a date-time equal to, before or after an instant, whatever offset they
 * are written with (offsets stay within a day): the dates a day either side, as string bounds.
 */
function instantRanges(operator: string, instant: number): IndexRange[] | null {
  // Near the ends of the date range there is no day either side to name. (Strings written with
  // six-digit years sort apart from four-digit ones and are beyond these bounds too.)
  if (Math.abs(instant) > MAX_EPOCH_MS - 3 * DAY_MS) return null;
  const from = { value: dayString(instant - DAY_MS), inclusive: true };
  const to = { value: dayString(instant + 2 * DAY_MS), inclusive: false };
  switch (operator) {
    case 'eq':
      return [withBounds(from, to)];
    case 'lt':
    case 'le':
      return [withBounds(FAMILY_BOUNDS.string.start, to)];
    case 'gt':
    case 'ge':
      return [withBounds(from, undefined)];
    default:
      return null;
  }
}

/**
 * The range the store can be asked for. No stored key or indexed string is longer than the
 * store's key limit, and the store refuses longer bounds: a longer point holds nothing, and a
 * longer bound is cut to its first bytes and included, which keeps every storable value it held.
 */
function storableRange(range: IndexRange): IndexRange[] {
  const { start, end } = range;
  const long = (bound: Bound<IndexValue> | undefined): boolean =>
    typeof bound?.value === 'string' &&
    Buffer.byteLength(bound.value, 'utf8') > STORE_LIMITS.maxKeyBytes;
  if (!long(start) && !long(end)) return [range];
  if (start !== undefined && end !== undefined && start.value === end.value) return [];
  const cut = (bound: Bound<IndexValue> | undefined): Bound<IndexValue> | undefined =>
    bound === undefined || !long(bound)
      ? bound
      : { value: truncateUtf8(bound.value as string, STORE_LIMITS.maxKeyBytes), inclusive: true };
  const clamped = withBounds(cut(start), cut(end));
  return isEmpty(clamped) ? [] : [clamped];
}

/** The longest prefix of `text` (whole code points) within `bytes` UTF-8 bytes. */
function truncateUtf8(text: string, bytes: number): string {
  let length = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (length + size > bytes) break;
    length += size;
    end += char.length;
  }
  return text.slice(0, end);
}

function dayString(epochMs: number): string {
  const { year, month, day } = utcWallTime(epochMs);
  const yearText =
    year >= 0 && year <= 9999
      ? String(year).padStart(4, '0')
      : `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
  return `${yearText}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function familyOf(value: IndexValue): (typeof FAMILY_BOUNDS)[keyof typeof FAMILY_BOUNDS] | null {
  switch (typeof value) {
    case 'boolean':
      return FAMILY_BOUNDS.boolean;
    case 'number':
      return FAMILY_BOUNDS.number;
    case 'string':
      return FAMILY_BOUNDS.string;
    default:
      return null;
  }
}

/** A condition value as the index holds it (bigints are indexed as numbers). */
export function indexValue(value: ConditionValue): IndexValue {
  if (typeof value === 'bigint') return Number(value);
  return value;
}

function point(value: ConditionValue): IndexRange {
  const bound = { value: indexValue(value), inclusive: true };
  return { start: bound, end: bound };
}

function withBounds(
  start: Bound<IndexValue> | undefined,
  end: Bound<IndexValue> | undefined,
): IndexRange {
  if (start === undefined) return end === undefined ? {} : { end };
  return end === undefined ? { start } : { start, end };
}

/** Sorts point ranges and removes repeated points. */
function normalize(ranges: IndexRange[]): IndexRange[] {
  ranges.sort((a, b) => compareStarts(a.start, b.start));
  return ranges.filter(
    (range, index) => index === 0 || compareStarts(ranges[index - 1]!.start, range.start) !== 0,
  );
}

/** Orders start bounds: a missing start first; at one value an inclusive start comes first. */
function compareStarts(a: Bound<IndexValue> | undefined, b: Bound<IndexValue> | undefined): number {
  if (a === undefined || b === undefined)
    return (a === undefined ? 0 : 1) - (b === undefined ? 0 : 1);
  return compareValues(a.value, b.value) || (a.inclusive ? 0 : 1) - (b.inclusive ? 0 : 1);
}

/** Orders end bounds: a missing end last; at one value an exclusive end comes first. */
function compareEnds(a: Bound<IndexValue> | undefined, b: Bound<IndexValue> | undefined): number {
  if (a === undefined || b === undefined)
    return (a === undefined ? 1 : 0) - (b === undefined ? 1 : 0);
  return compareValues(a.value, b.value) || (a.inclusive ? 1 : 0) - (b.inclusive ? 1 : 0);
}

function isEmpty(range: IndexRange): boolean {
  const { start, end } = range;
  if (start === undefined || end === undefined) return false;
  const order = compareValues(start.value, end.value);
  return order > 0 || (order === 0 && !(start.inclusive && end.inclusive));
}

/** The ranges in both lists (each sorted and disjoint); the result is sorted and disjoint. */
export function intersectRanges(a: readonly IndexRange[], b: readonly IndexRange[]): IndexRange[] {
  const result: IndexRange[] = [];
  for (const left of a) {
    for (const right of b) {
      const start = compareStarts(left.start, right.start) >= 0 ? left.start : right.start;
      const end = compareEnds(left.end, right.end) <= 0 ? left.end : right.end;
      const range = withBounds(start, end);
      if (!isEmpty(range)) result.push(range);
    }
  }
  return result.sort((x, y) => compareStarts(x.start, y.start));
}

/** Whether `value` lies in `range`. */
export function rangeContains(range: IndexRange, value: IndexValue): boolean {
  const { start, end } = range;
  if (start !== undefined) {
    const order = compareValues(value, start.value);
    if (order < 0 || (order === 0 && !start.inclusive)) return false;
  }
  if (end !== undefined) {
    const order = compareValues(value, end.value);
    if (order > 0 || (order === 0 && !end.inclusive)) return false;
  }
  return true;
}

/** Whether `value` lies in any range of a sorted, disjoint list (binary search). */
export function rangesContain(ranges: readonly IndexRange[], value: IndexValue): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const range = ranges[middle]!;
    const { start } = range;
    if (start !== undefined) {
      const order = compareValues(value, start.value);
      if (order < 0 || (order === 0 && !start.inclusive)) {
        high = middle - 1;
        continue;
      }
    }
    if (rangeContains(range, value)) return true;
    low = middle + 1;
  }
  return false;
}
