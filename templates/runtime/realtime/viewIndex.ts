/**
 * Finding the filtered views a write can affect without testing every view. A view whose query
 * requires (at its top level) an attribute to equal one of a few values is filed under those
 * values; a written record then meets only the views filed under its own values of the indexed
 * attributes, plus the views that have no such equality. The index only narrows the candidates:
 * every candidate is still tested with the query engine, so it may over-approximate, never miss.
 */
import type { Comparison, Condition, Query } from '../query/types.js';
import { EXACTLY_INDEXED_SCALARS, indexValueOf, indexValuesOf } from '../store/indexValues.js';
import type { IndexValue, Key, StoredValue } from '../store/types.js';

/** The equality a view is filed under: `attribute` (the key when null) equals one of `values`. */
export interface ViewEquality {
  readonly attribute: string | null;
  readonly values: readonly IndexValue[];
}

/** The first usable equality among the query's top-level AND conditions, or null. */
export function equalityOf(query: Query): ViewEquality | null {
  return query.conditions === null ? null : equalityIn(query.conditions);
}

function equalityIn(condition: Condition): ViewEquality | null {
  if (condition.kind === 'comparison') return comparisonEquality(condition);
  if (condition.kind === 'or') return null;
  for (const child of condition.children) {
    const equality = equalityIn(child);
    if (equality !== null) return equality;
  }
  return null;
}

function comparisonEquality(comparison: Comparison): ViewEquality | null {
  if (comparison.operator !== 'eq' && comparison.operator !== 'in') return null;
  // Conditions through relationships or inside nested objects do not read the record's own attribute.
  if (comparison.hops.length > 0 || comparison.target.nested.length > 0) return null;
  // Instants are compared with date-time strings, whose index values are the strings themselves.
  if (comparison.instant || comparison.values.length === 0) return null;
  const { attribute, isKey } = comparison.target;
  if (
    !isKey &&
    (attribute.type.kind !== 'scalar' || !EXACTLY_INDEXED_SCALARS.has(attribute.type.name))
  )
    return null;
  const values: IndexValue[] = [];
  for (const value of comparison.values) {
    // `a==null` also matches an absent attribute, and an empty list has no index value at all.
    if (value === null) return null;
    const indexed = indexValueOf(value);
    if (indexed === undefined || indexed === null) return null;
    values.push(indexed);
  }
  return { attribute: isKey ? null : attribute.name, values };
}

/** Views of one table, filed by their equality. */
export class ViewIndex<View> {
  private readonly byAttribute = new Map<string, Map<IndexValue, Set<View>>>();
  private readonly byKey = new Map<IndexValue, Set<View>>();
  private readonly unindexed = new Set<View>();

  get size(): number {
    let size = this.unindexed.size;
    for (const views of this.byKey.values()) size += views.size;
    for (const values of this.byAttribute.values())
      for (const views of values.values()) size += views.size;
    return size;
  }

  add(view: View, equality: ViewEquality | null): void {
    if (equality === null) {
      this.unindexed.add(view);
      return;
    }
    const values = this.valuesOf(equality.attribute, true);
    for (const value of equality.values) {
      let views = values.get(value);
      if (views === undefined) values.set(value, (views = new Set()));
      views.add(view);
    }
  }

  remove(view: View, equality: ViewEquality | null): void {
    if (equality === null) {
      this.unindexed.delete(view);
      return;
    }
    const values = this.valuesOf(equality.attribute, false);
    if (values === undefined) return;
    for (const value of equality.values) {
      const views = values.get(value);
      if (views === undefined) continue;
      views.delete(view);
      if (views.size === 0) values.delete(value);
    }
    if (values.size === 0 && equality.attribute !== null)
      this.byAttribute.delete(equality.attribute);
  }

  /**
   * Calls `visit` for every view the record `key` with `value` may match. A view whose equality
   * lists several values the record holds is visited once for each: callers de-duplicate.
   */
  forCandidates(key: Key, value: StoredValue, visit: (view: View) => void): void {
    for (const view of this.unindexed) visit(view);
    this.byKey.get(key)?.forEach(visit);
    for (const [attribute, values] of this.byAttribute) {
      for (const indexed of indexValuesOf(value[attribute])) values.get(indexed)?.forEach(visit);
    }
  }

  private valuesOf(attribute: string | null, create: true): Map<IndexValue, Set<View>>;
  private valuesOf(attribute: string | null, create: false): Map<IndexValue, Set<View>> | undefined;
  private valuesOf(
    attribute: string | null,
    create: boolean,
  ): Map<IndexValue, Set<View>> | undefined {
    if (attribute === null) return this.byKey;
    let values = this.byAttribute.get(attribute);
    if (values === undefined && create)
      this.byAttribute.set(attribute, (values = new Map<IndexValue, Set<View>>()));
    return values;
  }
}

/** Which views currently hold a record: a record that leaves a view must reach it, whatever its new value. */
export class ViewMembership<View> {
  private readonly byKey = new Map<Key, Set<View>>();

  get size(): number {
    return this.byKey.size;
  }

  add(key: Key, view: View): void {
    let views = this.byKey.get(key);
    if (views === undefined) this.byKey.set(key, (views = new Set()));
    views.add(view);
  }

  remove(key: Key, view: View): void {
    const views = this.byKey.get(key);
    if (views === undefined) return;
    views.delete(view);
    if (views.size === 0) this.byKey.delete(key);
  }

  forMembers(key: Key, visit: (view: View) => void): void {
    this.byKey.get(key)?.forEach(visit);
  }
}
