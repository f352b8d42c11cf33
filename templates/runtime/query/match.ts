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

/**
 * Whether the condition tree follows a relationship anywhere: only then does checking a record
 * read the store (`conditionMatches`); otherwise `localConditionMatches` checks it at once.
 */
export function followsRelationships(condition: Condition): boolean {
  if (condition.kind === 'comparison') return condition.hops.length > 0;
  return condition.children.some(followsRelationships);
}

/** A condition tree without relationship hops, checked without reading the store. */
export function localConditionMatches(
  condition: Condition,
  key: Key,
  record: StoredValue,
): boolean {
  switch (condition.kind) {
    case 'comparison':
      if (condition.hops.length > 0)
        throw new Error(`'${condition.path}' follows a relationship: it needs the store`);
      return localMatches(condition, key, record);
    case 'and':
      return condition.children.every((child) => localConditionMatches(child, key, record));
    case 'or':
      return condition.children.some((child) => localConditionMatches(child, key, record));
  }
}

/** Any condition tree; children are checked in order and stop at the first that decides. */
export async function conditionMatches(
  txn: ReadTxn,
  condition: Condition,
  key: Key,
  record: StoredValue,
): Promise<boolean> {
  switch (condition.kind) {
    case 'comparison':
      return comparisonMatches(txn, condition, key, record, 0);
    case 'and':
      for (const child of condition.children)
        if (!(await conditionMatches(txn, child, key, record))) return false;
      return true;
    case 'or':
      for (const child of condition.children)
        if (await conditionMatches(txn, child, key, record)) return true;
      return false;
  }
}

/** Evaluates `comparison` from its `depth`-th hop on: `record` is a record of that hop's table. */
export async function comparisonMatches(
  txn: ReadTxn,
  comparison: Comparison,
  key: Key,
  record: StoredValue,
  depth: number,
): Promise<boolean> {
  const hop = comparison.hops[depth];
  if (hop === undefined) return localMatches(comparison, key, record);
  const last = depth + 1 === comparison.hops.length;
  for await (const batch of relatedEntries(txn, hop.to, hop.attribute, key, record)) {
    for (const related of batch) {
      const holds = last
        ? localMatches(comparison, related.key, related.value)
        : await comparisonMatches(txn, comparison, related.key, related.value, depth + 1);
      if (holds) return true;
    }
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
