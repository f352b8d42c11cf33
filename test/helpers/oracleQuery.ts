/**
 * The oracle's own reader of raw query strings, written apart from `templates/runtime/query/parse.ts`
 * so that a bug in the engine's parser shows as a disagreement with the oracle. It reads the part of
 * the grammar (contract section 5) that the property tests write: conditions with every operator
 * form (`=`, `==`, `!=`, `===`, `!==`, `<`, `<=`, `>`, `>=`, `=op=`, `==abc*`, `=in=(…)`,
 * `=out=(…)`), chained ranges, `&`/`|` and groups, paths through relationships, `sort(…)`/`sort=`,
 * `limit(n)`, `limit(start,end)`, `limit=`/`offset=`, `select(…)` and `timezone=`. Anything else
 * (type prefixes other than `string:`, conditions on `Any` attributes, zone-less dates under
 * `timezone=`) throws `OracleUnsupported`, and the caller falls back or generates no such query. It yields the oracle's input, a `Query` (the runtime's types
 * are only the shape of the data; no runtime code runs here).
 */
import type { AttributeMeta, SchemaMeta, TableMeta } from '../../templates/runtime/meta.js';
import type {
  Comparison,
  Condition,
  ConditionValue,
  Hop,
  ObjectSelection,
  Operator,
  Query,
  SelectItem,
  Selection,
  SortKey,
  Target,
} from '../../templates/runtime/query/types.js';

/** A form this reader does not handle (not a statement about the query's validity). */
export class OracleUnsupported extends Error {}

const FIQL: Readonly<Record<string, Operator>> = {
  eq: 'eq',
  ne: 'ne',
  lt: 'lt',
  le: 'le',
  lte: 'le',
  gt: 'gt',
  ge: 'ge',
  gte: 'ge',
  sw: 'sw',
  ew: 'ew',
  ct: 'ct',
  in: 'in',
  out: 'out',
};

function tableNamed(schema: SchemaMeta, name: string): TableMeta {
  const table = schema.tables.find((candidate) => candidate.name === name);
  if (table === undefined) throw new Error(`oracle: no table ${name}`);
  return table;
}

/** Splits `text` at top-level `&` and `|`, keeping each separator with the part after it. */
function splitTopLevel(text: string): { part: string; separator: '&' | '|' | null }[] {
  const parts: { part: string; separator: '&' | '|' | null }[] = [];
  let depth = 0;
  let start = 0;
  let separator: '&' | '|' | null = null;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (char === '(' || char === '[') depth += 1;
    else if (char === ')' || char === ']') depth -= 1;
    else if (depth === 0 && (char === '&' || char === '|')) {
      parts.push({ part: text.slice(start, index), separator });
      separator = char;
      start = index + 1;
    }
  }
  parts.push({ part: text.slice(start), separator });
  return parts.filter(({ part }) => part !== '');
}

function resolvePath(
  schema: SchemaMeta,
  table: TableMeta,
  path: string,
): { hops: Hop[]; target: Target } {
  const names = path.split('.');
  const hops: Hop[] = [];
  let current = table;
  for (const [index, name] of names.entries()) {
    const attribute = current.attributes.find((candidate) => candidate.name === name);
    if (attribute === undefined) throw new OracleUnsupported(`unknown attribute ${path}`);
    if (attribute.relationship !== null) {
      if (index === names.length - 1)
        throw new OracleUnsupported(`path ends at a relationship: ${path}`);
      const to = tableNamed(schema, attribute.relationship.target);
      hops.push({ attribute, from: current, to });
      current = to;
      continue;
    }
    if (index !== names.length - 1) throw new OracleUnsupported(`nested objects: ${path}`);
    return { hops, target: { attribute, nested: [], isKey: attribute.primaryKey } };
  }
  throw new OracleUnsupported(`path ends at a relationship: ${path}`);
}

/** Epoch ms of an ISO date or date-time (zone-less means UTC) or of an epoch number. */
function dateValue(text: string): number {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(text)) {
    throw new OracleUnsupported(`not a date: ${text}`);
  }
  const zoned = text.length > 10 && !/(Z|[+-]\d{2}:\d{2})$/.test(text) ? `${text}Z` : text;
  return Date.parse(zoned);
}

/**
 * A value converted to `attribute`'s declared type; `typed` applies typed decoding first. Under
 * `timezone=` (`zoned`), a zone-less date is local time (and on a String attribute an instant):
 * outside this reader.
 */
function convert(
  attribute: AttributeMeta,
  raw: string,
  typed: boolean,
  zoned: boolean,
): ConditionValue {
  let text = decodeURIComponent(raw);
  if (zoned && (ZONE_LESS.test(text) || raw.startsWith('date:')))
    throw new OracleUnsupported(`zone-less date ${text} with timezone=`);
  if (typed) {
    if (raw === 'null') return null;
    if (raw.startsWith('string:')) text = decodeURIComponent(raw.slice('string:'.length));
    else if (/^(number|boolean|date):/.test(raw))
      throw new OracleUnsupported(`type prefix in ${raw}`);
  }
  if (attribute.type.kind !== 'scalar')
    throw new OracleUnsupported(`condition on ${attribute.name}`);
  switch (attribute.type.name) {
    case 'ID':
    case 'String':
      return text;
    case 'Int':
    case 'Long':
      if (!/^-?\d+$/.test(text)) throw new OracleUnsupported(`not an integer: ${text}`);
      return Number(text);
    case 'Float':
      if (text.trim() === '' || Number.isNaN(Number(text)))
        throw new OracleUnsupported(`not a number: ${text}`);
      return Number(text);
    case 'Boolean':
      if (!/^(true|false)$/i.test(text)) throw new OracleUnsupported(`not a boolean: ${text}`);
      return text.toLowerCase() === 'true';
    case 'Date':
      return dateValue(text);
    default:
      throw new OracleUnsupported(`type ${attribute.type.name}`);
  }
}

interface Written {
  readonly path: string;
  readonly operator: Operator;
  readonly typed: boolean;
  readonly value: string;
}

/** `path`, the operator as written, and the raw value of one comparison. */
function readComparison(text: string): Written {
  const match = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(.*)$/s.exec(text);
  if (match === null) throw new OracleUnsupported(`comparison ${text}`);
  const [, path, rest] = match as unknown as [string, string, string];
  const forms: [RegExp, Operator, boolean][] = [
    [/^===(.*)$/s, 'eq', false],
    [/^!==(.*)$/s, 'ne', false],
    [/^==(.*)$/s, 'eq', true],
    [/^!=(.*)$/s, 'ne', true],
    [/^<=(.*)$/s, 'le', true],
    [/^>=(.*)$/s, 'ge', true],
    [/^<(.*)$/s, 'lt', true],
    [/^>(.*)$/s, 'gt', true],
  ];
  for (const [form, operator, typed] of forms) {
    const found = form.exec(rest);
    if (found) {
      const value = found[1]!;
      // `a==abc*`: starts with.
      if (operator === 'eq' && typed && value.endsWith('*'))
        return { path, operator: 'sw', typed: false, value: value.slice(0, -1) };
      return { path, operator, typed, value };
    }
  }
  const fiql = /^=([a-z]+)=(.*)$/s.exec(rest);
  if (fiql) {
    const operator = FIQL[fiql[1]!];
    if (operator === undefined) throw new OracleUnsupported(`operator ${fiql[1]!}`);
    return { path, operator, typed: true, value: fiql[2]! };
  }
  if (rest.startsWith('=')) return { path, operator: 'eq', typed: false, value: rest.slice(1) };
  throw new OracleUnsupported(`comparison ${text}`);
}

function comparison(reading: Reading, text: string): Comparison {
  const written = readComparison(text);
  const { hops, target } = resolvePath(reading.schema, reading.table, written.path);
  const { operator } = written;
  let values: ConditionValue[];
  if (operator === 'in' || operator === 'out') {
    const list = /^\((.*)\)$/s.exec(written.value);
    if (list === null) throw new OracleUnsupported(`list ${written.value}`);
    values =
      list[1] === ''
        ? []
        : list[1]!.split(',').map((item) => convert(target.attribute, item, true, reading.zoned));
  } else if (operator === 'sw' || operator === 'ew' || operator === 'ct') {
    values = [decodeURIComponent(written.value)];
  } else {
    values = [convert(target.attribute, written.value, written.typed, reading.zoned)];
  }
  return {
    kind: 'comparison',
    path: written.path,
    hops,
    target,
    operator,
    values,
    bounds: null,
    instant: false,
    position: 0,
  };
}

/** The upper bound that chains onto a range: `=lt=y`, `=le=y`, or `lt=y`/`le=y` when not an attribute. */
function upperBound(table: TableMeta, text: string): { inclusive: boolean; value: string } | null {
  const match = /^(?:=(lt|le|lte)=|(lt|le)=)(.*)$/s.exec(text);
  if (match === null) return null;
  if (match[2] !== undefined && table.attributes.some((attribute) => attribute.name === match[2]))
    return null;
  return { inclusive: (match[1] ?? match[2]) !== 'lt', value: match[3]! };
}

/** What reading conditions needs: the schema, the queried table, and whether `timezone=` is given. */
interface Reading {
  readonly schema: SchemaMeta;
  readonly table: TableMeta;
  readonly zoned: boolean;
}

function conditionList(
  reading: Reading,
  parts: { part: string; separator: '&' | '|' | null }[],
): Condition | null {
  const { table } = reading;
  const children: Condition[] = [];
  let kind: 'and' | 'or' | null = null;
  for (const { part, separator } of parts) {
    const previous = children.at(-1);
    const upper = separator === '&' ? upperBound(table, part) : null;
    if (
      upper !== null &&
      previous?.kind === 'comparison' &&
      (previous.operator === 'gt' || previous.operator === 'ge') &&
      previous.bounds === null
    ) {
      const high = convert(previous.target.attribute, upper.value, true, reading.zoned);
      children[children.length - 1] = {
        ...previous,
        operator: 'between',
        values: [previous.values[0]!, high],
        bounds: { lowerInclusive: previous.operator === 'ge', upperInclusive: upper.inclusive },
      };
      continue;
    }
    if (separator !== null && children.length > 0) {
      const joined = separator === '&' ? 'and' : 'or';
      if (kind !== null && kind !== joined)
        throw new OracleUnsupported('& and | mixed in one group');
      kind = joined;
    }
    const grouped = /^[([](.*)[)\]]$/s.exec(part);
    if (grouped) {
      const inner = conditionList(reading, splitTopLevel(grouped[1]!));
      if (inner !== null) children.push(inner);
    } else {
      children.push(comparison(reading, part));
    }
  }
  if (children.length === 0) return null;
  if (children.length === 1) return children[0]!;
  return { kind: kind ?? 'and', children };
}

function sortKeys(schema: SchemaMeta, table: TableMeta, list: string): SortKey[] {
  return list.split(',').map((item) => {
    const decoded = decodeURIComponent(item);
    const descending = decoded.startsWith('-');
    const path = decoded.replace(/^[+-]/, '');
    return { path, ...resolvePath(schema, table, path), descending };
  });
}

/** Splits a select list at top-level commas (not inside `{…}` or `[…]`). */
function splitItems(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') depth -= 1;
    else if (char === ',' && depth === 0) {
      items.push(text.slice(start, index));
      start = index + 1;
    }
  }
  items.push(text.slice(start));
  return items;
}

function selectItem(schema: SchemaMeta, table: TableMeta, text: string): SelectItem {
  if (text === '*') return { kind: 'all' };
  if (text === '$id') return { kind: 'id' };
  if (text === '$updatedtime') return { kind: 'updatedTime' };
  const match = /^([A-Za-z_][\w]*)(?:\{(.*)\})?$/s.exec(text);
  if (match === null) throw new OracleUnsupported(`select item ${text}`);
  const name = match[1]!;
  const attribute = table.attributes.find((candidate) => candidate.name === name) ?? null;
  if (attribute === null) throw new OracleUnsupported(`undeclared ${name}`);
  let nested: ObjectSelection | null = null;
  if (match[2] !== undefined) {
    if (attribute.relationship === null) throw new OracleUnsupported(`nested object ${name}`);
    const target = tableNamed(schema, attribute.relationship.target);
    nested = {
      kind: 'object',
      items: splitItems(match[2]).map((item) => selectItem(schema, target, item)),
    };
  }
  return { kind: 'attribute', name, attribute, nested };
}

/** `select(a)` a bare value, `select(a,…)` an object (also `select(a,)`), `select([a,b])` an array. */
function selection(schema: SchemaMeta, table: TableMeta, text: string): Selection {
  const array = /^\[(.*)\]$/s.exec(text);
  if (array)
    return {
      kind: 'array',
      items: splitItems(array[1]!).map((item) => selectItem(schema, table, item)),
    };
  const items = splitItems(text);
  if (items.length === 1) return { kind: 'value', item: selectItem(schema, table, items[0]!) };
  return {
    kind: 'object',
    items: items.filter((item) => item !== '').map((item) => selectItem(schema, table, item)),
  };
}

/** A zone-less date or date-time: with `timezone=` it is local time, which this reader does not model. */
const ZONE_LESS = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;

/** Reads `raw` (a query string without `?`) against `tableName` of `schema`. */
export function oracleQuery(schema: SchemaMeta, tableName: string, raw: string): Query {
  const table = tableNamed(schema, tableName);
  let sort: SortKey[] = [];
  let offset = 0;
  let limit: number | null = null;
  let limitCount: number | null = null;
  let select: Selection | null = null;
  let timezone: string | null = null;
  const conditionParts: { part: string; separator: '&' | '|' | null }[] = [];
  for (const entry of splitTopLevel(raw)) {
    const { part } = entry;
    const call = /^(sort|limit|select)\((.*)\)$/s.exec(part);
    const parameter = /^(sort|limit|offset|select|timezone)=(.*)$/s.exec(part);
    if (call?.[1] === 'sort' || parameter?.[1] === 'sort')
      sort = sortKeys(schema, table, (call ?? parameter)![2]!);
    else if (call?.[1] === 'limit') {
      const bounds = call[2]!.split(',').map(Number);
      if (bounds.length === 1) limit = bounds[0]!;
      else {
        offset = bounds[0]!;
        limit = Math.max(0, bounds[1]! - bounds[0]!);
      }
    } else if (parameter?.[1] === 'limit') limitCount = Number(parameter[2]);
    else if (parameter?.[1] === 'offset') offset = Number(parameter[2]);
    else if (call?.[1] === 'select') select = selection(schema, table, call[2]!);
    else if (parameter?.[1] === 'timezone') timezone = decodeURIComponent(parameter[2]!);
    else if (parameter !== null) throw new OracleUnsupported(part);
    else
      conditionParts.push(
        entry.separator === null && conditionParts.length > 0 ? { part, separator: '&' } : entry,
      );
  }
  if (limitCount !== null) limit = limitCount;
  // The separator before the first condition joined it to a call, not to another condition.
  if (conditionParts[0] !== undefined)
    conditionParts[0] = { ...conditionParts[0], separator: null };
  const conditions = conditionList({ schema, table, zoned: timezone !== null }, conditionParts);
  return { conditions, select, sort, offset, limit, timezone };
}
