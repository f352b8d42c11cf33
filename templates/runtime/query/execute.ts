/**
 * Running a planned query: stream candidates from the driver, keep those that match the whole
 * condition tree, order them (already in order, sorted per group of equal first keys, bounded
 * top-k, or fully in memory), then skip the offset and stop at the limit. Everything is lazy, so
 * a query with a limit reads roughly what it returns when its driver is in order.
 *
 * Records flow in the store's batches, and every step works a batch at a time: the residual
 * filter and the sort values are computed synchronously over a batch unless they follow a
 * relationship (decided once per query), so a query pays one await per batch, not per record.
 */
import type { Batches, ReadTxn, RecordEntry } from '../store/types.js';
import { driverBatches, type Demand } from './drivers.js';
import { conditionMatches, followsRelationships, localConditionMatches } from './match.js';
import { indexReady, isWalkable, planQuery, type Plan } from './plan.js';
import { comparisonRanges } from './ranges.js';
import {
  localSortValues,
  sortComparator,
  sortFollowsRelationships,
  sortValues,
  TopK,
  type SortedEntry,
} from './sort.js';
import type { Condition, Query, QueryContext } from './types.js';
import { compareValues } from './values.js';

/** Entries per batch when handing out records sorted in memory. */
const SORTED_BATCH = 256;

/** Matching records in answer order, offset and limit applied, in batches. */
export async function* matchingEntries(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
): Batches<RecordEntry> {
  if (query.limit === 0) return;
  const plan = await planQuery(txn, ctx.table, query);
  const end = query.limit === null ? Infinity : query.offset + query.limit;
  let index = 0;
  // An in-order driver is read about as far as the answer goes; any other is read to its end.
  const demand: Demand | undefined =
    query.limit !== null && plan.ordered ? () => end - index : undefined;
  const ordered = inOrder(txn, query, plan, matches(txn, ctx, query, plan, demand));
  for await (const batch of ordered) {
    const start = Math.max(0, query.offset - index);
    const stop = Math.min(batch.length, end - index);
    index += batch.length;
    if (start < stop) yield start === 0 && stop === batch.length ? batch : batch.slice(start, stop);
    if (index >= end) return;
  }
}

/** The driver's records that match the whole condition tree. */
function matches(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
  plan: Plan,
  demand?: Demand,
): Batches<RecordEntry> {
  const candidates = driverBatches(txn, ctx.table.name, plan.driver, demand);
  const { conditions } = query;
  if (conditions === null) return candidates;
  return followsRelationships(conditions)
    ? relatedFiltered(txn, conditions, candidates)
    : locallyFiltered(conditions, candidates);
}

async function* locallyFiltered(
  conditions: Condition,
  candidates: Batches<RecordEntry>,
): Batches<RecordEntry> {
  for await (const batch of candidates) {
    const kept = batch.filter((entry) => localConditionMatches(conditions, entry.key, entry.value));
    if (kept.length > 0) yield kept;
  }
}

/** A condition tree that reads related records: a batch's records are checked concurrently. */
async function* relatedFiltered(
  txn: ReadTxn,
  conditions: Condition,
  candidates: Batches<RecordEntry>,
): Batches<RecordEntry> {
  for await (const batch of candidates) {
    const holds = await Promise.all(
      batch.map((entry) => conditionMatches(txn, conditions, entry.key, entry.value)),
    );
    const kept = batch.filter((_entry, index) => holds[index]);
    if (kept.length > 0) yield kept;
  }
}

function inOrder(
  txn: ReadTxn,
  query: Query,
  plan: Plan,
  entries: Batches<RecordEntry>,
): Batches<RecordEntry> {
  const keys = query.sort;
  if (keys.length === 0 || (plan.ordered && keys.length === 1)) return entries;
  const compare = sortComparator(keys);
  const withValues: (batch: readonly RecordEntry[]) => Promise<SortedEntry[]> | SortedEntry[] =
    sortFollowsRelationships(keys)
      ? (batch) =>
          Promise.all(
            batch.map(async (entry) => ({ entry, values: await sortValues(txn, keys, entry) })),
          )
      : (batch) => batch.map((entry) => ({ entry, values: localSortValues(keys, entry) }));
  if (plan.ordered) return sortedGroups(entries, withValues, compare);
  return sortedInMemory(
    entries,
    withValues,
    compare,
    query.limit === null ? null : query.offset + query.limit,
  );
}

/** In order of the first key already: only runs of equal first keys need sorting. */
async function* sortedGroups(
  entries: Batches<RecordEntry>,
  withValues: (batch: readonly RecordEntry[]) => Promise<SortedEntry[]> | SortedEntry[],
  compare: (a: SortedEntry, b: SortedEntry) => number,
): Batches<RecordEntry> {
  let group: SortedEntry[] = [];
  for await (const batch of entries) {
    const done: RecordEntry[] = [];
    for (const sorted of await withValues(batch)) {
      if (group.length > 0 && compareValues(group[0]!.values[0]!, sorted.values[0]!) !== 0) {
        for (const item of group.sort(compare)) done.push(item.entry);
        group = [];
      }
      group.push(sorted);
    }
    if (done.length > 0) yield done;
  }
  if (group.length > 0) yield group.sort(compare).map((item) => item.entry);
}

/** Every match sorted in memory: only the first `size` of them kept when there is a limit. */
async function* sortedInMemory(
  entries: Batches<RecordEntry>,
  withValues: (batch: readonly RecordEntry[]) => Promise<SortedEntry[]> | SortedEntry[],
  compare: (a: SortedEntry, b: SortedEntry) => number,
  size: number | null,
): Batches<RecordEntry> {
  let sorted: SortedEntry[];
  if (size !== null) {
    const top = new TopK(size, compare);
    for await (const batch of entries) for (const item of await withValues(batch)) top.add(item);
    sorted = top.sorted();
  } else {
    const all: SortedEntry[] = [];
    for await (const batch of entries) for (const item of await withValues(batch)) all.push(item);
    sorted = all.sort(compare);
  }
  for (let start = 0; start < sorted.length; start += SORTED_BATCH) {
    yield sorted.slice(start, start + SORTED_BATCH).map((item) => item.entry);
  }
}

/** Number of matches ignoring offset and limit; from index counts alone when they are exact. */
export async function countMatches(txn: ReadTxn, ctx: QueryContext, query: Query): Promise<number> {
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
      const counts = await Promise.all(
        ranges.map((range) => txn.countIndex(ctx.table.name, attribute.name, range)),
      );
      return counts.reduce((sum, count) => sum + count, 0);
    }
  }
  // Every match is read, so the order and the limit must not sway the choice of driver.
  const unordered: Query = { ...query, sort: [], offset: 0, limit: null };
  const plan = await planQuery(txn, ctx.table, unordered);
  let count = 0;
  for await (const batch of matches(txn, ctx, unordered, plan)) count += batch.length;
  return count;
}
