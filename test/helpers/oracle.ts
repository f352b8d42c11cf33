/**
 * A naive evaluator of parsed queries, written apart from the query engine: it holds every record
 * in memory, filters them all, sorts, slices and projects. Property tests require the engine's
 * answers to equal its answers. It shares only the parsed `Query` (the parser is tested on its own)
 * and encodes the contract's rules directly:
 *
 * - values order null < false < true < numbers < strings (UTF-8 bytes); dates as epoch ms;
 * - a list (or a to-many relationship) matches when any element does; `ne`/`out` negate `eq`/`in`;
 * - `==null` matches null and absent; ranges hold only within one type family;
 * - sort keys with several values sort by their smallest (ascending) or largest (descending),
 *   ties by primary key in the direction of the first sort key;
 * - select() shapes, relationships resolve, and a time zone rewrites date-times with its offset.
 */
import type {
  AttributeMeta,
  ObjectTypeMeta,
  SchemaMeta,
  TableMeta,
} from '../../templates/runtime/meta.js';
import type {
  Comparison,
  Condition,
  ConditionValue,
  ObjectSelection,
  Query,
  SelectItem,
  SortKey,
} from '../../templates/runtime/query/types.js';
import type { Key, StoredValue } from '../../templates/runtime/store/types.js';

export interface OracleRecord {
  readonly key: Key;
  readonly value: StoredValue;
  readonly version: number;
}

/** Every record of every table. */
export type OracleData = ReadonlyMap<string, readonly OracleRecord[]>;

const INCOMPARABLE = Symbol('incomparable');
type Canon = null | boolean | number | bigint | string | typeof INCOMPARABLE;

function canon(value: unknown): Canon {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? INCOMPARABLE : value.getTime();
  if (typeof value === 'number') return Number.isNaN(value) ? INCOMPARABLE : value;
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint')
    return value;
  return INCOMPARABLE;
}

function family(value: Exclude<Canon, typeof INCOMPARABLE>): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'string') return 3;
  return 2;
}

function order(
  a: Exclude<Canon, typeof INCOMPARABLE>,
  b: Exclude<Canon, typeof INCOMPARABLE>,
): number {
  const difference = family(a) - family(b);
  if (difference !== 0) return difference;
  if (typeof a === 'string')
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b as string, 'utf8'));
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (a === null) return 0;
  return a < (b as number | bigint) ? -1 : a > (b as number | bigint) ? 1 : 0;
}

/** Epoch ms of a stored date-time string (zone-less means UTC), or incomparable. */
function instant(value: unknown): Canon {
  if (value === undefined || value === null) return null;
  if (value instanceof Date || typeof value === 'number') return canon(value);
  if (typeof value !== 'string') return INCOMPARABLE;
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value))
    return INCOMPARABLE;
  const zoned = value.length > 10 && !/(Z|[+-]\d{2}:\d{2})$/.test(value) ? `${value}Z` : value;
  const time = Date.parse(zoned);
  return Number.isNaN(time) ? INCOMPARABLE : time;
}

export class Oracle {
  constructor(
    private readonly schema: SchemaMeta,
    private readonly data: OracleData,
  ) {}

  /** Every matching record, unsorted and unsliced. */
  matches(tableName: string, query: Query): OracleRecord[] {
    return this.records(tableName).filter(
      (record) => query.conditions === null || this.holds(query.conditions, record),
    );
  }

  /** The answers, in order when the query sorts; offset and limit applied. */
  answers(tableName: string, query: Query): unknown[] {
    let records = this.matches(tableName, query);
    if (query.sort.length > 0) records = this.sorted(records, query.sort);
    const end = query.limit === null ? undefined : query.offset + query.limit;
    return records
      .slice(query.offset, end)
      .map((record) => this.shape(this.table(tableName), record, query));
  }

  holds(condition: Condition, record: OracleRecord): boolean {
    if (condition.kind === 'comparison') return this.compares(condition, 0, record);
    if (condition.kind === 'and')
      return condition.children.every((child) => this.holds(child, record));
    return condition.children.some((child) => this.holds(child, record));
  }

  private compares(comparison: Comparison, hop: number, record: OracleRecord): boolean {
    if (hop < comparison.hops.length) {
      const step = comparison.hops[hop]!;
      return this.related(step.attribute, record).some((related) =>
        this.compares(comparison, hop + 1, related),
      );
    }
    const { target, operator } = comparison;
    let candidates: unknown[];
    if (target.isKey) candidates = [record.key];
    else {
      candidates = [record.value[target.attribute.name]];
      for (const nested of target.nested) {
        candidates = candidates.flatMap((value) => (Array.isArray(value) ? value : [value]));
        candidates = candidates.map((value) =>
          typeof value === 'object' && value !== null && !(value instanceof Date)
            ? (value as StoredValue)[nested.name]
            : undefined,
        );
      }
      candidates = candidates.flatMap((value) => (Array.isArray(value) ? value : [value]));
    }
    const read = comparison.instant ? instant : canon;
    const positive = operator === 'ne' ? 'eq' : operator === 'out' ? 'in' : operator;
    const found = candidates.some((raw) => {
      if (comparison.bounds === null) return this.test(positive, comparison.values, raw, read(raw));
      // A chained range: both bounds hold for the same value.
      const { lowerInclusive, upperInclusive } = comparison.bounds;
      return (
        this.test(lowerInclusive ? 'ge' : 'gt', comparison.values.slice(0, 1), raw, read(raw)) &&
        this.test(upperInclusive ? 'le' : 'lt', comparison.values.slice(1), raw, read(raw))
      );
    });
    return operator === 'ne' || operator === 'out' ? !found : found;
  }

  private test(
    operator: string,
    values: readonly ConditionValue[],
    raw: unknown,
    value: Canon,
  ): boolean {
    const equals = (expected: ConditionValue): boolean => {
      if (value === INCOMPARABLE) return false;
      if (expected === null || value === null) return value === expected;
      return family(value) === family(expected) && order(value, expected) === 0;
    };
    const expected = values[0] ?? null;
    switch (operator) {
      case 'eq':
        return equals(expected);
      case 'in':
        return values.some(equals);
      case 'sw':
        return typeof raw === 'string' && raw.startsWith(String(expected));
      case 'ew':
        return typeof raw === 'string' && raw.endsWith(String(expected));
      case 'ct':
        return typeof raw === 'string' && raw.includes(String(expected));
      default: {
        if (
          value === INCOMPARABLE ||
          value === null ||
          expected === null ||
          family(value) !== family(expected)
        )
          return false;
        const result = order(value, expected);
        return operator === 'lt'
          ? result < 0
          : operator === 'le'
            ? result <= 0
            : operator === 'gt'
              ? result > 0
              : result >= 0;
      }
    }
  }

  private related(attribute: AttributeMeta, record: OracleRecord): OracleRecord[] {
    const relationship = attribute.relationship!;
    const targets = this.records(relationship.target);
    switch (relationship.kind) {
      case 'many-to-one': {
        const key = record.value[relationship.from];
        return targets.filter((target) => target.key === key).slice(0, 1);
      }
      case 'many-to-many': {
        const keys = record.value[relationship.from];
        if (!Array.isArray(keys)) return [];
        return keys.flatMap((key) => targets.filter((target) => target.key === key));
      }
      case 'one-to-many':
        return targets.filter((target) => {
          const held = target.value[relationship.to];
          return Array.isArray(held) ? held.includes(record.key) : held === record.key;
        });
      case 'join': {
        const own = record.value[relationship.from];
        const wanted = (Array.isArray(own) ? own : [own]).filter(
          (value) => value !== null && value !== undefined,
        );
        const joined = targets.filter((target) => {
          const held = target.value[relationship.to];
          return (Array.isArray(held) ? held : [held]).some((value) => wanted.includes(value));
        });
        return attribute.list ? joined : joined.slice(0, 1);
      }
    }
  }

  private sorted(records: OracleRecord[], keys: readonly SortKey[]): OracleRecord[] {
    const valued = records.map((record) => ({
      record,
      values: keys.map((key) => this.sortValue(key, record)),
    }));
    const keyDirection = keys[0]!.descending ? -1 : 1;
    valued.sort((a, b) => {
      for (let index = 0; index < keys.length; index += 1) {
        const result = order(a.values[index]!, b.values[index]!);
        if (result !== 0) return keys[index]!.descending ? -result : result;
      }
      return keyDirection * order(a.record.key, b.record.key);
    });
    return valued.map((item) => item.record);
  }

  private sortValue(key: SortKey, record: OracleRecord): Exclude<Canon, typeof INCOMPARABLE> {
    let records = [record];
    for (const hop of key.hops)
      records = records.flatMap((current) => this.related(hop.attribute, current));
    const values: Exclude<Canon, typeof INCOMPARABLE>[] = [];
    for (const current of records) {
      if (key.target.isKey) {
        values.push(current.key);
        continue;
      }
      const raw = current.value[key.target.attribute.name];
      for (const element of Array.isArray(raw) ? raw : [raw]) {
        const value = canon(element);
        if (value !== INCOMPARABLE) values.push(value);
      }
    }
    if (values.length === 0) return null;
    return values.reduce((best, value) => {
      const result = order(value, best);
      return (key.descending ? result > 0 : result < 0) ? value : best;
    });
  }

  // ---- shaping ---------------------------------------------------------------------------------

  private shape(table: TableMeta, record: OracleRecord, query: Query): unknown {
    const { select } = query;
    const filters = topLevelFilters(query.conditions);
    if (select === null) return this.zoned(table, record.value, query.timezone);
    if (select.kind === 'value')
      return this.item(table, select.item, record, query, filters) ?? null;
    if (select.kind === 'array')
      return select.items.map((item) => this.item(table, item, record, query, filters) ?? null);
    return this.object(table, select, record, query, filters);
  }

  private object(
    holder: TableMeta | ObjectTypeMeta | null,
    selection: ObjectSelection,
    record: OracleRecord,
    query: Query,
    filters: Comparison[],
  ): StoredValue {
    const result: StoredValue = {};
    for (const item of selection.items) {
      if (item.kind === 'all')
        Object.assign(
          result,
          holder === null ? record.value : this.zoned(holder, record.value, query.timezone),
        );
      else if (item.kind === 'id') result.$id = record.key;
      else if (item.kind === 'updatedTime') result.$updatedtime = record.version;
      else {
        const value = this.item(holder, item, record, query, filters);
        if (value !== undefined) result[item.name] = value;
      }
    }
    return result;
  }

  private item(
    holder: TableMeta | ObjectTypeMeta | null,
    item: SelectItem,
    record: OracleRecord,
    query: Query,
    filters: Comparison[],
  ): unknown {
    if (item.kind === 'all')
      return this.object(holder, { kind: 'object', items: [item] }, record, query, filters);
    if (item.kind === 'id') return record.key;
    if (item.kind === 'updatedTime') return record.version;
    const { attribute } = item;
    if (
      attribute !== null &&
      attribute.relationship !== null &&
      holder !== null &&
      'primaryKey' in holder
    ) {
      const target = this.table(attribute.relationship.target);
      const through = filters
        .filter((filter) => filter.hops[0]?.attribute === attribute)
        .map((filter) => ({ ...filter, hops: filter.hops.slice(1) }));
      let related = this.related(attribute, record);
      if (attribute.relationship.kind !== 'many-to-one')
        related = related.filter((candidate) =>
          through.every((filter) => this.compares(filter, 0, candidate)),
        );
      const shaped = related.map((candidate) =>
        item.nested === null
          ? this.zoned(target, candidate.value, query.timezone)
          : this.object(target, item.nested, candidate, query, through),
      );
      return attribute.relationship.kind === 'many-to-one' ? shaped[0] : shaped;
    }
    const value = record.value[item.name];
    if (value === undefined) return undefined;
    if (item.nested !== null) {
      const objectType =
        attribute?.type.kind === 'object'
          ? (this.schema.objectTypes.find((type) => type.name === attribute.type.name) ?? null)
          : null;
      const project = (element: unknown): unknown =>
        typeof element === 'object' && element !== null && !(element instanceof Date)
          ? this.object(
              objectType,
              item.nested!,
              { key: '', value: element as StoredValue, version: 0 },
              query,
              [],
            )
          : element;
      return Array.isArray(value) ? value.map(project) : project(value);
    }
    return this.zonedValue(attribute, value, query.timezone);
  }

  private zoned(
    holder: TableMeta | ObjectTypeMeta,
    value: StoredValue,
    zone: string | null,
  ): StoredValue {
    if (zone === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([name, attributeValue]) => [
        name,
        this.zonedValue(
          holder.attributes.find((attribute) => attribute.name === name) ?? null,
          attributeValue,
          zone,
        ),
      ]),
    );
  }

  private zonedValue(
    attribute: AttributeMeta | null,
    value: unknown,
    zone: string | null,
  ): unknown {
    if (zone === null || value === null || value === undefined) return value;
    if (Array.isArray(value))
      return value.map((element) => this.zonedValue(attribute, element, zone));
    if (value instanceof Date) return inZone(value.getTime(), zone);
    if (attribute === null || attribute.type.kind !== 'scalar') return value;
    if (typeof value === 'number' && attribute.timestamp !== null) return inZone(value, zone);
    if (
      typeof value === 'string' &&
      attribute.type.name === 'String' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
    ) {
      const time = instant(value);
      return typeof time === 'number' ? inZone(time, zone) : value;
    }
    return value;
  }

  private records(tableName: string): readonly OracleRecord[] {
    return this.data.get(tableName) ?? [];
  }

  private table(name: string): TableMeta {
    return this.schema.tables.find((table) => table.name === name)!;
  }
}

/**
 * The comparisons through a relationship that every match satisfies: the conjuncts of the top level,
 * groups of conjunctions included (`[a&b]&c` is `a&b&c`), which filter that relationship's `select`.
 */
function topLevelFilters(condition: Condition | null): Comparison[] {
  return (condition === null ? [] : conjunctsOf(condition)).filter(
    (conjunct): conjunct is Comparison =>
      conjunct.kind === 'comparison' && conjunct.hops.length > 0,
  );
}

function conjunctsOf(condition: Condition): Condition[] {
  return condition.kind === 'and' ? condition.children.flatMap(conjunctsOf) : [condition];
}

/** ISO-8601 with the zone's offset, from Intl's long offset name (`GMT-04:00`). */
export function inZone(epochMs: number, zone: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(epochMs))
    .find((part) => part.type === 'timeZoneName')!.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  const offsetMinutes =
    match === null ? 0 : (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  const local = new Date(epochMs + offsetMinutes * 60_000).toISOString();
  const wall = local.endsWith('.000Z') ? local.slice(0, 19) : local.slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  return `${wall}${sign}${String(Math.floor(absolute / 60)).padStart(2, '0')}:${String(absolute % 60).padStart(2, '0')}`;
}
