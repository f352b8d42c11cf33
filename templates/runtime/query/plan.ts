/**
 * The planner: chooses the driver that reads the fewest records for a query. Every condition that
 * an index (or the primary key) can answer is a candidate, its size measured with `countIndex`
 * (capped, so planning stays cheap); conditions on one attribute are intersected into one range;
 * an OR is a union of its branches' best drivers; a relationship condition is a candidate when
 * its related side is the more selective one. Whatever drives, the whole condition tree is then
 * checked on each candidate record, so a driver only has to cover every match.
 *
 * With a sort and a limit, a driver that already yields the sort order stops early, so the cost
 * of a candidate is the part of it that is read before `limit` matches are found.
 *
 * An index still being built from existing records (contract section 11) is never read; a query
 * that only such an index could narrow down is refused with 503 until it is built.
 */
import type { AttributeMeta, TableMeta } from '../meta.js';
import { attributeOf } from '../meta.js';
import { indexValuesOf } from '../store/indexValues.js';
import { isPoint, type IndexRange, type Key, type KeyRange, type ReadTxn } from '../store/types.js';
import { driverBatches, sortedKeys, type Driver } from './drivers.js';
import { clientError } from '../http/errors.js';
import { comparisonMatches, localMatches } from './match.js';
import { EXACTLY_INDEXED_SCALARS } from '../store/indexValues.js';
import { comparisonRanges, indexValue, intersectRanges } from './ranges.js';
import { isKey } from './relationships.js';
import type { Comparison, Condition, Query, SortKey } from './types.js';

/** Most index entries counted for one candidate while planning. */
const PLAN_COUNT_CAP = 10_000;

export interface Plan {
  readonly driver: Driver;
  /** Records come in the order of the first sort key (trivially true without a sort). */
  readonly ordered: boolean;
  /** Records the driver is expected to read. */
  readonly estimate: number;
}

interface Candidate {
  readonly driver: Driver;
  readonly estimate: number;
  /** Yields records in the order of the first sort key (always true without a sort). */
  readonly ordered: boolean;
  /** Preference among equal costs: lower wins. */
  readonly rank: number;
  /** Measures a condition (not a full scan or walk), so it bounds the number of matches. */
  readonly selective: boolean;
}

export function planQuery(txn: ReadTxn, table: TableMeta, query: Query): Promise<Plan> {
  return new Planner(txn).plan(table, query);
}

/** Seconds a client is asked to wait (`Retry-After`) for an index being built. */
const INDEX_BUILDING_RETRY_SECONDS = 1;

class Planner {
  /** An index that would have been a candidate but is still being built (`Table.attribute`). */
  private building: string | null = null;

  constructor(private readonly txn: ReadTxn) {}

  /** About how many records a table holds: a hint, which a write transaction does not check. */
  private tableSize(table: string): Promise<number> {
    return this.txn.estimateCount?.(table) ?? this.txn.count(table);
  }

  async plan(table: TableMeta, query: Query): Promise<Plan> {
    const total = await this.tableSize(table.name);
    const sortFirst = query.sort[0] ?? null;
    const candidates = await this.candidates(
      table,
      conjunctsOf(query.conditions),
      sortFirst,
      total,
    );
    const keySorted = sortFirst !== null && isLocal(sortFirst) && sortFirst.target.isKey;
    candidates.push({
      driver: { kind: 'scan', reverse: keySorted && sortFirst.descending },
      estimate: total,
      ordered: sortFirst === null || keySorted,
      rank: 6,
      selective: false,
    });
    const walk = sortWalk(sortFirst, total);
    // Sorting never needs an index (it can sort in memory), so a walk only waits for none.
    if (
      walk !== null &&
      walk.driver.kind === 'index' &&
      indexReady(this.txn, table.name, walk.driver.attribute)
    ) {
      candidates.push(walk);
    }

    const estimates = candidates
      .filter((candidate) => candidate.selective)
      .map((candidate) => candidate.estimate);
    const matches = Math.max(1, Math.min(total, ...estimates));
    const end = query.limit === null ? null : query.offset + query.limit;
    const cost = (candidate: Candidate): number => {
      if (end === null || !candidate.ordered) return candidate.estimate;
      // Matches spread evenly over the candidate's records: `end` of them are found after
      // reading end/matches of its records.
      return Math.min(candidate.estimate, (end * candidate.estimate) / matches);
    };
    let best = candidates[0]!;
    let bestCost = cost(best);
    for (const candidate of candidates.slice(1)) {
      const candidateCost = cost(candidate);
      const better =
        candidateCost < bestCost ||
        (candidateCost === bestCost && (candidate.ordered ? 1 : 0) - (best.ordered ? 1 : 0) > 0) ||
        (candidateCost === bestCost &&
          candidate.ordered === best.ordered &&
          candidate.rank < best.rank);
      if (better) {
        best = candidate;
        bestCost = candidateCost;
      }
    }
    if (!best.selective && this.building !== null) {
      throw clientError(
        'INDEX_BUILDING',
        `The index of ${this.building} is still being built from the existing records; retry shortly`,
        { index: this.building, retryAfter: INDEX_BUILDING_RETRY_SECONDS },
      );
    }
    return { driver: best.driver, ordered: best.ordered, estimate: best.estimate };
  }

  /** Whether the attribute's index may be read; noted when it would be, but is still being built. */
  private ready(table: TableMeta, attribute: AttributeMeta): boolean {
    if (indexReady(this.txn, table.name, attribute.name)) return true;
    this.building = `${table.name}.${attribute.name}`;
    return false;
  }

  /** Candidates for a conjunction of conditions on `table`. */
  private async candidates(
    table: TableMeta,
    conjuncts: readonly Condition[],
    sortFirst: SortKey | null,
    total: number,
  ): Promise<Candidate[]> {
    const groups = new Map<string, Comparison[]>();
    const unions: Condition[] = [];
    const joins: Comparison[] = [];
    for (const condition of conjuncts) {
      if (condition.kind !== 'comparison') unions.push(condition);
      else if (condition.hops.length > 0) joins.push(condition);
      else if (
        isIndexable(condition) &&
        (condition.target.isKey || this.ready(table, condition.target.attribute))
      ) {
        // Conditions on a single-valued attribute hold for the same value, so their ranges
        // intersect; on a list each may hold for another element, so each is its own candidate.
        const { attribute, isKey } = condition.target;
        const name =
          isKey || !isMulti(attribute) ? attribute.name : `${attribute.name}#${groups.size}`;
        groups.set(name, [...(groups.get(name) ?? []), condition]);
      }
    }

    const candidates: Candidate[] = [];
    let best = total;
    const add = (candidate: Candidate | null): void => {
      if (candidate === null) return;
      candidates.push(candidate);
      best = Math.min(best, candidate.estimate);
    };
    // Keys first (they cost nothing to measure), then point conditions, then ranges: the
    // smaller the best estimate so far, the less counting the later candidates need (which is
    // why they are measured one after the other, not in parallel).
    const ordered = [...groups.values()].sort((a, b) => groupRank(a) - groupRank(b));
    for (const group of ordered) {
      const ranges = group
        .map((comparison) => comparisonRanges(comparison, comparison.target.isKey))
        .filter((list): list is IndexRange[] => list !== null)
        .reduce((all, list) => intersectRanges(all, list));
      const target = group[0]!.target;
      add(
        target.isKey
          ? keyCandidate(ranges, sortFirst, total)
          : await this.indexCandidate(table, target.attribute, ranges, sortFirst, best),
      );
    }
    for (const union of unions) add(await this.unionCandidate(table, union, sortFirst, total));
    for (const join of joins) add(await this.joinCandidate(table, join, sortFirst, best, total));
    return candidates;
  }

  private async indexCandidate(
    table: TableMeta,
    attribute: AttributeMeta,
    ranges: readonly IndexRange[],
    sortFirst: SortKey | null,
    best: number,
  ): Promise<Candidate> {
    const multi = isMulti(attribute);
    const inOrder =
      sortFirst === null ||
      (isWalkable(attribute) &&
        isLocal(sortFirst) &&
        !sortFirst.target.isKey &&
        sortFirst.target.attribute.name === attribute.name);
    const reverse = sortFirst !== null && inOrder && sortFirst.descending;
    return {
      driver: { kind: 'index', attribute: attribute.name, multi, ranges, reverse },
      estimate: await this.countRanges(table, attribute.name, ranges, best),
      ordered: inOrder,
      rank: ranges.every(isPoint) ? 1 : 2,
      selective: true,
    };
  }

  /**
   * Index entries in the ranges: the store's cheap estimate where it has one, else a count that
   * goes no further than needed to compare with `best`.
   */
  private async countRanges(
    table: TableMeta,
    attribute: string,
    ranges: readonly IndexRange[],
    best: number,
  ): Promise<number> {
    const { txn } = this;
    if (txn.estimateIndex) {
      const estimates = await Promise.all(
        ranges.map((range) => txn.estimateIndex!(table.name, attribute, range)),
      );
      return estimates.reduce((sum, estimate) => sum + estimate, 0);
    }
    // One range after the other: each counts only up to what the earlier ones left of the cap.
    const cap = Math.min(PLAN_COUNT_CAP, best * 16 + 16);
    let count = 0;
    for (const range of ranges) {
      count += await txn.countIndex(table.name, attribute, range, cap - count);
      if (count >= cap) break;
    }
    return count;
  }

  private async unionCandidate(
    table: TableMeta,
    union: Condition,
    sortFirst: SortKey | null,
    total: number,
  ): Promise<Candidate | null> {
    // Conjunctions are flattened when the query is built, so a junction here is an OR.
    if (union.kind !== 'or') return null;
    const branches: Driver[] = [];
    let estimate = 0;
    for (const branch of union.children) {
      const candidates = await this.candidates(table, conjunctsOf(branch), null, total);
      if (candidates.length === 0) return null;
      const best = candidates.reduce((a, b) => (b.estimate < a.estimate ? b : a));
      branches.push(best.driver);
      estimate += best.estimate;
    }
    return {
      driver: { kind: 'union', branches },
      estimate,
      ordered: sortFirst === null,
      rank: 4,
      selective: true,
    };
  }

  /**
   * A condition through a relationship, driven from the related side: find the related records
   * that match, then the records of this table that point at them (or that they point at).
   * Only worth it, and only tried, when the related side is more selective than `best`.
   */
  private async joinCandidate(
    table: TableMeta,
    comparison: Comparison,
    sortFirst: SortKey | null,
    best: number,
    total: number,
  ): Promise<Candidate | null> {
    const hop = comparison.hops[0]!;
    const relationship = hop.attribute.relationship;
    // A join between two non-key attributes is followed record by record, not driven from its side.
    if (relationship === null || relationship.kind === 'join') return null;
    let foreignKey: AttributeMeta | undefined;
    if (relationship.kind !== 'one-to-many') {
      foreignKey = attributeOf(table, relationship.from);
      if (foreignKey === undefined || !foreignKey.indexed || !this.ready(table, foreignKey))
        return null;
    }
    const inner: Comparison = { ...comparison, hops: comparison.hops.slice(1) };
    const innerTotal = await this.tableSize(hop.to.name);
    const innerCandidates = await this.candidates(hop.to, [inner], null, innerTotal);
    const innerBest = innerCandidates.reduce<{ driver: Driver; estimate: number }>(
      (a, b) => (b.estimate < a.estimate ? b : a),
      { driver: { kind: 'scan', reverse: false }, estimate: innerTotal },
    );
    const bound = Math.min(best, total);
    if (innerBest.estimate >= bound) return null;

    const found: Key[] = [];
    const local = inner.hops.length === 0;
    for await (const batch of driverBatches(this.txn, hop.to.name, innerBest.driver)) {
      for (const entry of batch) {
        const holds = local
          ? localMatches(inner, entry.key, entry.value)
          : await comparisonMatches(this.txn, inner, entry.key, entry.value, 0);
        if (!holds) continue;
        if (relationship.kind === 'one-to-many') {
          for (const value of indexValuesOf(entry.value[relationship.to]))
            if (isKey(value)) found.push(value);
        } else found.push(entry.key);
        // More related keys than the best candidate's records: not the more selective side.
        if (found.length > bound) return null;
      }
    }
    const keys = sortedKeys(found);
    if (foreignKey === undefined) {
      const inOrder = sortFirst === null || (isLocal(sortFirst) && sortFirst.target.isKey);
      return {
        driver: {
          kind: 'keys',
          keys,
          reverse: inOrder && sortFirst !== null && sortFirst.descending,
        },
        estimate: keys.length,
        ordered: inOrder,
        rank: 3,
        selective: true,
      };
    }
    const points = keys.map((key): IndexRange => ({
      start: { value: indexValue(key), inclusive: true },
      end: { value: indexValue(key), inclusive: true },
    }));
    return { ...(await this.indexCandidate(table, foreignKey, points, sortFirst, best)), rank: 3 };
  }
}

function conjunctsOf(condition: Condition | null): readonly Condition[] {
  if (condition === null) return [];
  return condition.kind === 'and' ? condition.children : [condition];
}

function isLocal(key: SortKey): boolean {
  return key.hops.length === 0 && key.target.nested.length === 0;
}

/** Whether an index (or the key) can answer this comparison. */
function isIndexable(comparison: Comparison): boolean {
  const { target } = comparison;
  if (target.nested.length > 0) return false;
  if (!target.isKey) {
    const { attribute } = target;
    if (!attribute.indexed || attribute.type.kind !== 'scalar') return false;
    if (attribute.type.name === 'Bytes') return false;
  }
  return comparisonRanges(comparison, target.isKey) !== null;
}

/** A record may have several entries in this attribute's index. */
function isMulti(attribute: AttributeMeta): boolean {
  return attribute.list || attribute.type.kind !== 'scalar' || attribute.type.name === 'Any';
}

function groupRank(group: readonly Comparison[]): number {
  const first = group[0]!;
  if (first.target.isKey) return 0;
  return group.some((comparison) => comparison.operator === 'eq' || comparison.operator === 'in')
    ? 1
    : 2;
}

function keyCandidate(
  ranges: readonly IndexRange[],
  sortFirst: SortKey | null,
  total: number,
): Candidate {
  const inOrder = sortFirst === null || (isLocal(sortFirst) && sortFirst.target.isKey);
  const reverse = inOrder && sortFirst !== null && sortFirst.descending;
  const base = { ordered: inOrder, rank: 0, selective: true };
  if (ranges.every(isPoint)) {
    const keys = sortedKeys(ranges.map((range) => range.start.value).filter(isKey));
    return { ...base, driver: { kind: 'keys', keys, reverse }, estimate: keys.length };
  }
  const keyRanges = ranges.map(toKeyRange);
  // Without a count of keys in a range, estimate a share of the table: a quarter for a one-sided
  // range, a sixteenth for a bounded one.
  const estimate = keyRanges.reduce(
    (sum, range) => sum + Math.ceil(total / (range.start && range.end ? 16 : 4)),
    0,
  );
  const drivers: Driver[] = keyRanges.map((range) => ({ kind: 'keyRange', range, reverse }));
  const driver: Driver =
    drivers.length === 1
      ? drivers[0]!
      : { kind: 'union', branches: reverse ? drivers.reverse() : drivers };
  return { ...base, driver, estimate };
}

function toKeyRange(range: IndexRange): KeyRange {
  const start =
    range.start !== undefined && isKey(range.start.value)
      ? { value: range.start.value, inclusive: range.start.inclusive }
      : undefined;
  const end =
    range.end !== undefined && isKey(range.end.value)
      ? { value: range.end.value, inclusive: range.end.inclusive }
      : undefined;
  if (start === undefined) return end === undefined ? {} : { end };
  return end === undefined ? { start } : { start, end };
}

/** Whether the store's index on the attribute holds every record (it is not being built). */
export function indexReady(txn: ReadTxn, table: string, attribute: string): boolean {
  return txn.indexReady?.(table, attribute) ?? true;
}

/** Whether walking this attribute's index yields each record once, in sort order. */
export function isWalkable(attribute: AttributeMeta): boolean {
  return (
    attribute.indexed &&
    !attribute.list &&
    attribute.type.kind === 'scalar' &&
    EXACTLY_INDEXED_SCALARS.has(attribute.type.name)
  );
}

/** Walking the first sort key's index in order, filtering as it goes. */
function sortWalk(sortFirst: SortKey | null, total: number): Candidate | null {
  if (sortFirst === null || !isLocal(sortFirst) || sortFirst.target.isKey) return null;
  const { attribute } = sortFirst.target;
  if (!isWalkable(attribute)) return null;
  return {
    driver: {
      kind: 'index',
      attribute: attribute.name,
      multi: false,
      ranges: [{}],
      reverse: sortFirst.descending,
    },
    estimate: total,
    ordered: true,
    rank: 5,
    selective: false,
  };
}
