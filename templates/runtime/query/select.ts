/**
 * Shaping answers (contract 5.2, 5.5): `select()` projections, relationships resolved into related
 * records at any depth, and date-times rewritten in the query's time zone.
 *
 * - `select(a)` yields bare values, `select([a,b])` arrays, `select(a,b)`/`select(a,)` objects;
 *   an attribute the record lacks is left out of objects and is null in values and arrays.
 * - A many-to-one relationship with no related record is left out; to-many ones are lists.
 * - When the query filters through a to-many relationship at its top level
 *   (`attendees.name=Alice&select(attendees{name})`), that relationship lists only the related
 *   records that match.
 * - Every related record read costs the answer's budget (`budget.ts`): a relationship cycle is paid
 *   for at every level, and an answer over the budget is refused with 400 `ANSWER_TOO_LARGE`.
 */
import type { AttributeMeta, ObjectTypeMeta, SchemaMeta, TableMeta } from '../meta.js';
import { attributeOf, ownValue } from '../meta.js';
import type { Key, ReadTxn, StoredValue } from '../store/types.js';
import { AnswerBudget, type AnswerLimits } from './budget.js';
import { isIsoDateTimeWithZone } from './dates.js';
import { comparisonMatches, instantOf, localMatches } from './match.js';
import { isSingle, relatedEntries, targetTable } from './relationships.js';
import { formatInZone } from './timezone.js';
import type {
  Comparison,
  Condition,
  ObjectSelection,
  Query,
  SelectItem,
  Selection,
} from './types.js';

/** The record being shaped, with what `$id` and `$updatedtime` read. */
export interface ShapedRecord {
  readonly key: Key;
  readonly value: StoredValue;
  /** null when unknown (a record given without its version). */
  readonly version: number | null;
}

/** Conditions on related records, by the name of the relationship they go through. */
type RelatedFilters = ReadonlyMap<string, readonly Comparison[]>;

/** The values of the relationship items of one selection, read before shaping it. */
type Resolved = ReadonlyMap<SelectItem, unknown>;

const NO_FILTERS: RelatedFilters = new Map();
const NOTHING_RESOLVED: Resolved = new Map();
const NO_CONDITIONS: readonly Comparison[] = [];

export class Shaper {
  private readonly filters: RelatedFilters;
  /** The filters one level down, by the conditions they come from: computed once per query. */
  private readonly innerFilters = new Map<readonly Comparison[], RelatedFilters>();
  private readonly budget: AnswerBudget;

  constructor(
    private readonly txn: ReadTxn,
    private readonly schema: SchemaMeta,
    private readonly table: TableMeta,
    private readonly query: Query,
    limits?: AnswerLimits,
  ) {
    this.filters = relatedFilters(topLevelConjuncts(query.conditions));
    this.budget = new AnswerBudget(limits);
    this.reads = query.select !== null && selectsRelationship(selectionItems(query.select));
  }

  /**
   * Whether shaping reads the store: `select()` resolves a relationship somewhere. Decided once
   * per query; without it `shape` answers at once, with it only `shapeAsync` can.
   */
  readonly reads: boolean;

  /** Shapes one record that `select()` resolves no relationship of (see `reads`). */
  shape(record: ShapedRecord): unknown {
    this.budget.reset();
    return this.shapeWith(record, NOTHING_RESOLVED);
  }

  /** Shapes one record: one answer, or one element of a streamed list, with a budget of its own. */
  async shapeAsync(record: ShapedRecord): Promise<unknown> {
    this.budget.reset();
    const { select } = this.query;
    if (select === null) return this.shapeWith(record, NOTHING_RESOLVED);
    const resolved = await this.resolve(selectionItems(select), record, this.filters);
    return this.shapeWith(record, resolved);
  }

  private shapeWith(record: ShapedRecord, resolved: Resolved): unknown {
    const { select, timezone } = this.query;
    if (select === null)
      return timezone === null ? record.value : this.convertRecord(this.table, record.value);
    switch (select.kind) {
      case 'value':
        return this.itemValue(this.table, select.item, record, this.filters, resolved) ?? null;
      case 'array':
        return select.items.map(
          (item) => this.itemValue(this.table, item, record, this.filters, resolved) ?? null,
        );
      case 'object':
        return this.object(this.table, select, record, this.filters, resolved);
    }
  }

  /**
   * The values of the relationships among `items`, read before the record is shaped (which then
   * needs no reads), in the order of the items, so the budget is paid in the order of the answer.
   */
  private async resolve(
    items: readonly SelectItem[],
    record: ShapedRecord,
    filters: RelatedFilters,
  ): Promise<Resolved> {
    let resolved: Map<SelectItem, unknown> | undefined;
    for (const item of items) {
      if (!isRelationshipItem(item)) continue;
      resolved ??= new Map();
      resolved.set(item, await this.related(item.attribute, item.nested, record, filters));
    }
    return resolved ?? NOTHING_RESOLVED;
  }

  private object(
    holder: TableMeta | ObjectTypeMeta | null,
    selection: ObjectSelection,
    record: ShapedRecord,
    filters: RelatedFilters,
    resolved: Resolved,
  ): Record<string, unknown> {
    const shaped: Record<string, unknown> = {};
    for (const item of selection.items) {
      switch (item.kind) {
        case 'all':
          Object.assign(
            shaped,
            holder === null || this.query.timezone === null
              ? record.value
              : this.convertRecord(holder, record.value),
          );
          break;
        case 'id':
          shaped.$id = record.key;
          break;
        case 'updatedTime':
          shaped.$updatedtime = record.version;
          break;
        case 'attribute': {
          const value = this.itemValue(holder, item, record, filters, resolved);
          if (value !== undefined) shaped[item.name] = value;
        }
      }
    }
    return shaped;
  }

  /** One selected item's value, or undefined when the record has none. */
  private itemValue(
    holder: TableMeta | ObjectTypeMeta | null,
    item: SelectItem,
    record: ShapedRecord,
    filters: RelatedFilters,
    resolved: Resolved,
  ): unknown {
    switch (item.kind) {
      case 'all':
        return this.object(holder, { kind: 'object', items: [item] }, record, filters, resolved);
      case 'id':
        return record.key;
      case 'updatedTime':
        return record.version;
      case 'attribute':
        break;
    }
    const { attribute, nested } = item;
    if (attribute !== null && attribute.relationship !== null) {
      if (!resolved.has(item))
        throw new Error(`'${item.name}' is a relationship: it is resolved before shaping`);
      return resolved.get(item);
    }
    const value = ownValue(record.value, item.name);
    if (value === undefined) return undefined;
    const inner = attribute?.type.kind === 'object' ? this.objectType(attribute.type.name) : null;
    if (nested !== null) return this.project(inner, nested, value);
    return this.convert(attribute, value);
  }

  private async related(
    attribute: AttributeMeta,
    nested: ObjectSelection | null,
    record: ShapedRecord,
    filters: RelatedFilters,
  ): Promise<unknown> {
    const single = isSingle(attribute);
    const target = targetTable(this.schema, attribute);
    const conditions = filters.get(attribute.name) ?? NO_CONDITIONS;
    let innerFilters = this.innerFilters.get(conditions);
    if (innerFilters === undefined) {
      innerFilters = relatedFilters(conditions);
      this.innerFilters.set(conditions, innerFilters);
    }
    const shaped: unknown[] = [];
    for await (const batch of relatedEntries(
      this.txn,
      target,
      attribute,
      record.key,
      record.value,
    )) {
      for (const entry of batch) {
        const kept = single || (await this.holdAll(conditions, entry.key, entry.value));
        this.budget.resolved(entry.value, kept);
        if (!kept) continue;
        const relatedRecord = { key: entry.key, value: entry.value, version: entry.version };
        let value: unknown;
        if (nested === null) value = this.wholeRecord(target, entry.value);
        else {
          const inner = await this.resolve(nested.items, relatedRecord, innerFilters);
          value = this.object(target, nested, relatedRecord, innerFilters, inner);
        }
        if (single) return value;
        shaped.push(value);
      }
    }
    return single ? undefined : shaped;
  }

  /** Whether a related record satisfies every condition on its relationship, in order. */
  private async holdAll(
    conditions: readonly Comparison[],
    key: Key,
    value: StoredValue,
  ): Promise<boolean> {
    for (const condition of conditions) {
      const holds =
        condition.hops.length === 0
          ? localMatches(condition, key, value)
          : await comparisonMatches(this.txn, condition, key, value, 0);
      if (!holds) return false;
    }
    return true;
  }

  /** `attr{a,b}` on a nested object value (or a list of them). */
  private project(
    objectType: ObjectTypeMeta | null,
    selection: ObjectSelection,
    value: unknown,
  ): unknown {
    if (Array.isArray(value))
      return value.map((element) => this.project(objectType, selection, element));
    if (typeof value !== 'object' || value === null || value instanceof Date) return value;
    // A nested object has no key or version of its own; select() refuses $id/$updatedtime inside one.
    return this.object(
      objectType,
      selection,
      { key: '', value: value as StoredValue, version: null },
      NO_FILTERS,
      NOTHING_RESOLVED,
    );
  }

  private wholeRecord(table: TableMeta, value: StoredValue): StoredValue {
    return this.query.timezone === null ? value : this.convertRecord(table, value);
  }

  // ---- time zone -------------------------------------------------------------------------------

  private convertRecord(holder: TableMeta | ObjectTypeMeta, value: StoredValue): StoredValue {
    const converted: StoredValue = {};
    for (const [name, attributeValue] of Object.entries(value)) {
      converted[name] = this.convert(attributeOf(holder, name) ?? null, attributeValue);
    }
    return converted;
  }

  /** A value of `attribute` (null: undeclared) with its date-times written in the query's zone. */
  private convert(attribute: AttributeMeta | null, value: unknown): unknown {
    const zone = this.query.timezone;
    if (zone === null || value === null || value === undefined) return value;
    if (Array.isArray(value)) return value.map((element) => this.convert(attribute, element));
    if (value instanceof Date)
      return Number.isNaN(value.getTime()) ? value : formatInZone(value.getTime(), zone);
    if (attribute === null) return value;
    const { type } = attribute;
    if (type.kind === 'object') {
      if (typeof value !== 'object') return value;
      return this.convertRecord(this.objectType(type.name), value as StoredValue);
    }
    if (type.kind !== 'scalar') return value;
    if (typeof value === 'number' && attribute.timestamp !== null) return formatInZone(value, zone);
    if (typeof value === 'string' && type.name === 'String' && isIsoDateTimeWithZone(value)) {
      const instant = instantOf(value);
      return typeof instant === 'number' ? formatInZone(instant, zone) : value;
    }
    return value;
  }

  private objectType(name: string): ObjectTypeMeta {
    const objectType = this.schema.objectTypes.find((candidate) => candidate.name === name);
    if (objectType === undefined)
      throw new Error(`Schema metadata names an unknown object type '${name}'`);
    return objectType;
  }
}

function selectionItems(selection: Selection): readonly SelectItem[] {
  return selection.kind === 'value' ? [selection.item] : selection.items;
}

/** Whether any of the items, at any depth, is a relationship. */
function selectsRelationship(items: readonly SelectItem[]): boolean {
  return items.some(
    (item) =>
      isRelationshipItem(item) ||
      (item.kind === 'attribute' && item.nested !== null && selectsRelationship(item.nested.items)),
  );
}

function isRelationshipItem(
  item: SelectItem,
): item is SelectItem & { kind: 'attribute'; attribute: AttributeMeta } {
  return (
    item.kind === 'attribute' && item.attribute !== null && item.attribute.relationship !== null
  );
}

function topLevelConjuncts(condition: Condition | null): readonly Condition[] {
  if (condition === null) return [];
  return condition.kind === 'and' ? condition.children : [condition];
}

/** The conditions that go through a relationship, by relationship, with that hop taken. */
function relatedFilters(conditions: readonly Condition[]): RelatedFilters {
  const filters = new Map<string, Comparison[]>();
  for (const condition of conditions) {
    if (condition.kind !== 'comparison' || condition.hops.length === 0) continue;
    const name = condition.hops[0]!.attribute.name;
    filters.set(name, [
      ...(filters.get(name) ?? []),
      { ...condition, hops: condition.hops.slice(1) },
    ]);
  }
  return filters;
}
