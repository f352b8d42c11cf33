/**
 * Whether a record satisfies a condition tree (contract 5.1). Filters, the real-time hub and the
 * planner's residual checks all use this one definition:
 *
 * - a condition on a list (or on attributes inside lists of objects) holds when any element does;
 * - `ne` and `out` are exactly the negations of `eq` and `in` ("no element equals");
 * - `==null` holds for null and absent values; ranges never hold for null;
 * - ranges compare values of one type family (numbers with numbers, strings with strings);
 * - a condition through a relationship holds when at least one related record satisfies it.
 */
import { ownValue } from '../meta.js';
import type { Key, ReadTxn, StoredValue } from '../store/types.js';
import { parseIsoDate, wallTimeToUtc } from './dates.js';
import { relatedEntries } from './relationships.js';
import type { Comparison, Condition, ConditionValue, Operator } from './types.js';
import { comparable, compareValues, sameFamily, type Comparable } from './values.js';

export function conditionMatches(
  txn: ReadTxn,
  condition: Condition,
  key: Key,
  record: StoredValue,
): boolean {
  switch (condition.kind) {
    case 'comparison':
      return comparisonMatches(txn, condition, key, record, 0);
    case 'and':
      return condition.children.every((child) => conditionMatches(txn, child, key, record));
    case 'or':
      return condition.children.some((child) => conditionMatches(txn, child, key, record));
  }
}

/** Evaluates `comparison` from its `depth`-th hop on: `record` is a record of that hop's table. */
export function comparisonMatches(
  txn: ReadTxn,
  comparison: Comparison,
  key: Key,
  record: StoredValue,
  depth: number,
): boolean {
  const hop = comparison.hops[depth];
  if (hop === undefined) return localMatches(comparison, key, record);
  for (const related of relatedEntries(txn, hop.to, hop.attribute, key, record)) {
    if (comparisonMatches(txn, comparison, related.key, related.value, depth + 1)) return true;
  }
  return false;
}

/** A comparison on the record's own attributes (its hops already followed). */
export function localMatches(comparison: Comparison, key: Key, record: StoredValue): boolean {
  const negated = comparison.operator === 'ne' || comparison.operator === 'out';
  const test = testerFor(comparison);
  const found = comparison.target.isKey ? test(key) : anyCandidate(comparison, record, test);
  return negated ? !found : found;
}

/** The values a comparison sees in a record: list elements, and values inside nested objects. */
function anyCandidate(
  comparison: Comparison,
  record: StoredValue,
  test: (value: unknown) => boolean,
): boolean {
  return anyValueAt(
    ownValue(record, comparison.target.attribute.name),
    comparison.target.nested,
    0,
    test,
  );
}

function anyValueAt(
  value: unknown,
  nested: Comparison['target']['nested'],
  depth: number,
  test: (value: unknown) => boolean,
): boolean {
  if (depth === nested.length) {
    if (!Array.isArray(value)) return test(value);
    for (const element of value) if (test(element)) return true;
    return false;
  }
  if (Array.isArray(value)) {
    for (const element of value) if (anyValueAt(element, nested, depth, test)) return true;
    return false;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return anyValueAt(ownValue(value, nested[depth]!.name), nested, depth + 1, test);
  }
  // A missing object on the way means the nested attribute is absent.
  return test(null);
}

const testers = new WeakMap<Comparison, (value: unknown) => boolean>();

/** The test of one candidate value against the comparison's positive form (eq for ne, in for out). */
function testerFor(comparison: Comparison): (value: unknown) => boolean {
  let tester = testers.get(comparison);
  if (tester === undefined) {
    tester = buildTester(comparison);
    testers.set(comparison, tester);
  }
  return tester;
}

function buildTester(comparison: Comparison): (value: unknown) => boolean {
  const read = comparison.instant ? instantOf : comparable;
  const operator = positiveOperator(comparison.operator);
  const { values } = comparison;
  const first = values[0] ?? null;
  switch (operator) {
    case 'eq':
      return (value) => valueEquals(read(value), first);
    case 'in': {
      // A set answers long lists quickly; bigints equal numbers in the index order, which a set would miss.
      const wanted =
        values.length > 8 && !values.some((value) => typeof value === 'bigint')
          ? new Set<ConditionValue>(values)
          : null;
      return (value) => {
        const candidate = read(value);
        if (candidate === undefined) return false;
        if (wanted !== null && typeof candidate !== 'bigint') return wanted.has(candidate);
        return values.some((expected) => valueEquals(candidate, expected));
      };
    }
    case 'sw':
    case 'ew':
    case 'ct': {
      const text = typeof first === 'string' ? first : String(first);
      return (value) => {
        if (typeof value !== 'string') return false;
        if (operator === 'sw') return value.startsWith(text);
        if (operator === 'ew') return value.endsWith(text);
        return value.includes(text);
      };
    }
    case 'between': {
      const upper = values[1] ?? null;
      const bounds = comparison.bounds ?? { lowerInclusive: false, upperInclusive: false };
      return (value) => {
        const candidate = read(value);
        if (
          candidate === undefined ||
          candidate === null ||
          !sameFamily(candidate, first) ||
          !sameFamily(candidate, upper)
        )
          return false;
        return (
          rangeHolds(bounds.lowerInclusive ? 'ge' : 'gt', compareValues(candidate, first)) &&
          rangeHolds(bounds.upperInclusive ? 'le' : 'lt', compareValues(candidate, upper))
        );
      };
    }
    default:
      return (value) => {
        const candidate = read(value);
        if (candidate === undefined || candidate === null || !sameFamily(candidate, first))
          return false;
        return rangeHolds(operator, compareValues(candidate, first));
      };
  }
}

export function positiveOperator(operator: Operator): Operator {
  if (operator === 'ne') return 'eq';
  if (operator === 'out') return 'in';
  return operator;
}

export function rangeHolds(operator: Operator, order: number): boolean {
  switch (operator) {
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
    case 'gt':
      return order > 0;
    default:
      return order >= 0;
  }
}

export function valueEquals(candidate: Comparable | undefined, expected: ConditionValue): boolean {
  if (candidate === undefined) return false;
  if (expected === null || candidate === null) return candidate === expected;
  return sameFamily(candidate, expected) && compareValues(candidate, expected) === 0;
}

/**
 * A stored date-time string (or date) as epoch ms, for comparisons with instants; a zone-less
 * stored string is UTC, as the seed stores everything in UTC.
 */
export function instantOf(value: unknown): Comparable | undefined {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return comparable(value);
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const date = parseIsoDate(value);
  if (date === null) return undefined;
  return wallTimeToUtc(date.wall) - (date.offsetMinutes ?? 0) * 60_000;
}
