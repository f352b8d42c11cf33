/**
 * Running a planned query: stream candidates from the driver, keep those that match the whole
 * condition tree, order them (already in order, sorted per group of equal first keys, bounded
 * top-k, or fully in memory), then skip the offset and stop at the limit. Everything is lazy, so
 * a query with a limit reads roughly what it returns when its driver is in order.
 */
import type { ReadTxn, RecordEntry } from '../store/types.js';
import { driverEntries } from './drivers.js';
import { conditionMatches } from './match.js';
import { indexReady, isWalkable, planQuery, type Plan } from './plan.js';
import { comparisonRanges } from './ranges.js';
import { sortComparator, sortValues, TopK, type SortedEntry } from './sort.js';
import type { Query, QueryContext } from './types.js';
import { compareValues } from './values.js';

/** Matching records in answer order, offset and limit applied. */
export function* matchingEntries(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
): Generator<RecordEntry> {
  if (query.limit === 0) return;
  const plan = planQuery(txn, ctx.table, query);
  const ordered = inOrder(txn, query, plan, matches(txn, ctx, query, plan));
  const end = query.limit === null ? Infinity : query.offset + query.limit;
  let index = 0;
  for (const entry of ordered) {
    index += 1;
    if (index <= query.offset) continue;
    yield entry;
    if (index >= end) return;
  }
}

function* matches(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
  plan: Plan,
): Generator<RecordEntry> {
  const { conditions } = query;
  for (const entry of driverEntries(txn, ctx.table.name, plan.driver)) {
    if (conditions === null || conditionMatches(txn, conditions, entry.key, entry.value))
      yield entry;
  }
}

function* inOrder(
  txn: ReadTxn,
  query: Query,
  plan: Plan,
  entries: Iterable<RecordEntry>,
): Generator<RecordEntry> {
  const keys = query.sort;
  if (keys.length === 0 || (plan.ordered && keys.length === 1)) {
    yield* entries;
    return;
  }
  const compare = sortComparator(keys);
  const withValues = (entry: RecordEntry): SortedEntry => ({
    entry,
    values: sortValues(txn, keys, entry),
  });
  if (plan.ordered) {
    // In order of the first key already: only runs of equal first keys need sorting.
    let group: SortedEntry[] = [];
    for (const entry of entries) {
      const sorted = withValues(entry);
      if (group.length > 0 && compareValues(group[0]!.values[0]!, sorted.values[0]!) !== 0) {
        yield* group.sort(compare).map((item) => item.entry);
        group = [];
      }
      group.push(sorted);
    }
    yield* group.sort(compare).map((item) => item.entry);
    return;
  }
  if (query.limit !== null) {
    const top = new TopK(query.offset + query.limit, compare);
    for (const entry of entries) top.add(withValues(entry));
    yield* top.sorted().map((item) => item.entry);
    return;
  }
  const all: SortedEntry[] = [];
  for (const entry of entries) all.push(withValues(entry));
  yield* all.sort(compare).map((item) => item.entry);
}

/** Number of matches ignoring offset and limit; from index counts alone when they are exact. */
export function countMatches(txn: ReadTxn, ctx: QueryContext, query: Query): number {
  const { conditions } = query;
  if (conditions === null) return txn.count(ctx.table.name);
  if (
    conditions.kind === 'comparison' &&
    conditions.hops.length === 0 &&
    conditions.target.nested.length === 0 &&
    !conditions.instant
  ) {
    const { attribute, isKey } = conditions.target;
    const ranges = comparisonRanges(conditions, isKey);
    // On a single-valued, strictly typed index every entry in these ranges is a match.
    if (
      !isKey &&
      ranges !== null &&
      isWalkable(attribute) &&
      indexReady(txn, ctx.table.name, attribute.name)
    ) {
      return ranges.reduce(
        (sum, range) => sum + txn.countIndex(ctx.table.name, attribute.name, range),
        0,
      );
    }
  }
  // Every match is read, so the order and the limit must not sway the choice of driver.
  const unordered: Query = { ...query, sort: [], offset: 0, limit: null };
  const plan = planQuery(txn, ctx.table, unordered);
  let count = 0;
  for (const _match of matches(txn, ctx, unordered, plan)) count += 1;
  return count;
}
