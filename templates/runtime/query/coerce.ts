/**
 * Syntax tree → typed query: resolves every name against the schema (declared attributes only,
 * case-sensitive), follows relationship paths, checks that each operator applies to its
 * attribute's type, and converts each value to that type (contract 5.3), reading zone-less dates
 * in the query's time zone (5.5). Every failure is a 400 naming the attribute, the value and the
 * expected type.
 */
import type { AttributeMeta, ObjectTypeMeta, ScalarName, SchemaMeta, TableMeta } from '../meta.js';
import { attributeOf } from '../meta.js';
import { parseIsoDate, wallTimeToUtc } from './dates.js';
import { QUERY_LIMITS, queryError, syntaxError } from './errors.js';
import type {
  RawValue,
  SyntaxComparison,
  SyntaxCondition,
  SyntaxQuery,
  SyntaxSelectItem,
  SyntaxSelection,
} from './parse.js';
import { decodePercent } from './percent.js';
import { resolveTimeZone, wallTimeInZone } from './timezone.js';
import type {
  Comparison,
  Condition,
  ConditionValue,
  Hop,
  ObjectSelection,
  Operator,
  Query,
  QueryContext,
  SelectItem,
  Selection,
  SortKey,
  Target,
} from './types.js';

const NUMBER_LITERAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER_LITERAL = /^[+-]?\d+$/;
const TYPE_PREFIX = /^(number|boolean|date|string):/;
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;
const LONG_MAX = 2 ** 53;
/** The range of a JavaScript Date. */
const MAX_EPOCH_MS = 8.64e15;

/** Operators whose values may be instants compared with date-time strings. */
const INSTANT_OPERATORS: ReadonlySet<Operator> = new Set([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'between',
]);
const RANGE_OPERATORS: ReadonlySet<Operator> = new Set(['lt', 'le', 'gt', 'ge', 'between']);
const STRING_OPERATORS: ReadonlySet<Operator> = new Set(['sw', 'ew', 'ct']);

/** A value after typed decoding, before conversion to the attribute's type. */
type Decoded =
  /** `typed`: written after a typed operator without a prefix; `forced`: written as `string:…`. */
  | {
      readonly kind: 'text';
      readonly text: string;
      readonly typed: boolean;
      readonly forced: boolean;
    }
  | { readonly kind: 'null' }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'date'; readonly text: string };

/** The type a comparison's values convert to: a scalar, or a nested object type (null checks only). */
type ElementType = ScalarName | 'object';

export function coerceQuery(syntax: SyntaxQuery, ctx: QueryContext): Query {
  let timezone: string | null = null;
  if (syntax.timezone !== null) {
    timezone = resolveTimeZone(syntax.timezone.name);
    if (timezone === null) {
      throw queryError(
        'QUERY_INVALID_VALUE',
        `There is no time zone '${syntax.timezone.name}'; use an IANA zone name such as America/New_York`,
        { position: syntax.timezone.position, timezone: syntax.timezone.name },
      );
    }
  }
  const coercer = new Coercer(ctx.schema, timezone, ctx.internal === true);
  return deepFreeze({
    conditions: syntax.conditions === null ? null : coercer.condition(ctx.table, syntax.conditions),
    select: syntax.select === null ? null : coercer.selection(ctx.table, syntax.select),
    sort: syntax.sort.map((key) =>
      coercer.sortKey(ctx.table, key.name, key.descending, key.position),
    ),
    offset: syntax.offset,
    limit: syntax.limit,
    timezone,
  });
}

interface ResolvedPath {
  readonly hops: readonly Hop[];
  readonly target: Target;
}

class Coercer {
  constructor(
    private readonly schema: SchemaMeta,
    private readonly timezone: string | null,
    /** The server's own code: it may follow relationships into tables without `@export`. */
    private readonly internal: boolean,
  ) {}

  /**
   * Whether `attribute` is a relationship into a table without `@export`: for clients it does not
   * exist (contract section 4), so nothing of that table can be selected, filtered or sorted on.
   */
  private hidden(attribute: AttributeMeta): boolean {
    return (
      !this.internal &&
      attribute.relationship !== null &&
      this.table(attribute.relationship.target).exportName === null
    );
  }

  // ---- conditions ------------------------------------------------------------------------------

  condition(table: TableMeta, node: SyntaxCondition): Condition {
    if (node.kind === 'comparison') return this.comparison(table, node);
    const children: Condition[] = [];
    for (const child of node.children) {
      const converted = this.condition(table, child);
      // (a&b)&c is a&b&c: flattening lets the planner see every conjunct at once.
      if (converted.kind === node.kind) children.push(...converted.children);
      else children.push(converted);
    }
    return { kind: node.kind, children };
  }

  private comparison(table: TableMeta, node: SyntaxComparison): Comparison {
    const { hops, target } = this.resolvePath(table, node.name, node.position, 'condition');
    const element = elementTypeOf(target);
    const { operator } = node;
    checkOperator(node, element);
    const converted = node.values.map((raw) => this.convert(raw, node, target, element));
    let values = converted.map((item) => item.value);
    let instant = converted.some((item) => item.instant);
    if (instant && !converted.every((item) => item.instant)) {
      // A range with one zone-less date bound and one written with its zone (or as plain text):
      // compare instants when the other bound is a date-time too, else compare strings, the
      // instant written in UTC.
      const instants = values.map((value, index) =>
        converted[index]!.instant ? value : typeof value === 'string' ? isoInstant(value) : null,
      );
      if (instants.every((value) => value !== null)) values = instants;
      else {
        instant = false;
        values = values.map((value, index) =>
          converted[index]!.instant ? new Date(value as number).toISOString() : value,
        );
      }
    }
    const nullAt = values.findIndex((value) => value === null);
    if (RANGE_OPERATORS.has(operator) && nullAt >= 0) {
      throw queryError(
        'QUERY_INVALID_VALUE',
        `null cannot be compared with '${operator}' on '${node.name}'; use ==null or !=null`,
        {
          position: node.values[nullAt]!.position,
          attribute: node.name,
          value: 'null',
          expected: 'a value that is not null',
        },
      );
    }
    return {
      kind: 'comparison',
      path: node.name,
      hops,
      target,
      operator,
      values,
      bounds: node.bounds,
      instant,
      position: node.position,
    };
  }

  /** Follows `a.b.c` through relationships and nested object types. */
  private resolvePath(
    table: TableMeta,
    path: string,
    position: number,
    use: 'condition' | 'sort',
  ): ResolvedPath {
    const segments = path.split('.');
    if (segments.length > QUERY_LIMITS.maxDepth) {
      throw queryError(
        'QUERY_TOO_COMPLEX',
        `The path '${path}' is deeper than ${QUERY_LIMITS.maxDepth} levels`,
        {
          position,
          limit: 'maxDepth',
        },
      );
    }
    if (segments.some((segment) => segment === ''))
      throw syntaxError(
        `The attribute path '${path}' is malformed: it has an empty segment`,
        position,
      );
    const hops: Hop[] = [];
    let current = table;
    for (let index = 0; index < segments.length; index += 1) {
      const segment = segments[index]!;
      const attribute = this.declared(current, segment, path, position);
      const last = index === segments.length - 1;
      const relationship = attribute.relationship;
      if (relationship !== null) {
        const target = this.table(relationship.target);
        if (last) {
          throw queryError(
            'QUERY_UNSUPPORTED',
            `'${path}' is a relationship to ${target.name}; a ${use} must name one of its attributes, such as '${path}.${target.primaryKey}'`,
            { position, attribute: path, operator: use },
          );
        }
        hops.push({ attribute, from: current, to: target });
        current = target;
        continue;
      }
      const nested = this.nestedPath(attribute, segments.slice(index + 1), path, position);
      return {
        hops,
        target: { attribute, nested, isKey: attribute.primaryKey && nested.length === 0 },
      };
    }
    /* c8 ignore next: the loop returns at the last segment, which is never a relationship. */
    throw syntaxError(`The attribute path '${path}' is malformed`, position);
  }

  private nestedPath(
    attribute: AttributeMeta,
    rest: readonly string[],
    path: string,
    position: number,
  ): AttributeMeta[] {
    const nested: AttributeMeta[] = [];
    let holder = attribute;
    for (const segment of rest) {
      if (holder.type.kind !== 'object') {
        throw queryError(
          'QUERY_UNKNOWN_ATTRIBUTE',
          `'${holder.name}' in '${path}' holds no attributes, so it has no '${segment}'`,
          {
            position,
            attribute: path,
            attributes: [],
          },
        );
      }
      const objectType = this.objectType(holder.type.name);
      const next = this.declared(objectType, segment, path, position);
      nested.push(next);
      holder = next;
    }
    return nested;
  }

  private declared(
    holder: TableMeta | ObjectTypeMeta,
    name: string,
    path: string,
    position: number,
  ): AttributeMeta {
    const attribute = attributeOf(holder, name);
    if (attribute !== undefined && !this.hidden(attribute)) return attribute;
    const declared = holder.attributes
      .filter((candidate) => !this.hidden(candidate))
      .map((candidate) => candidate.name);
    throw queryError(
      'QUERY_UNKNOWN_ATTRIBUTE',
      `${holder.name} has no attribute '${name}'${path === name ? '' : ` (in '${path}')`}; its attributes are: ${declared.join(', ')}`,
      { position, attribute: path, table: holder.name, attributes: declared },
    );
  }

  private table(name: string): TableMeta {
    const table = this.schema.tables.find((candidate) => candidate.name === name);
    if (table === undefined) throw new Error(`Schema metadata names an unknown table '${name}'`);
    return table;
  }

  private objectType(name: string): ObjectTypeMeta {
    const objectType = this.schema.objectTypes.find((candidate) => candidate.name === name);
    if (objectType === undefined)
      throw new Error(`Schema metadata names an unknown object type '${name}'`);
    return objectType;
  }

  // ---- values ----------------------------------------------------------------------------------

  private convert(
    raw: RawValue,
    node: SyntaxComparison,
    target: Target,
    element: ElementType,
  ): { value: ConditionValue; instant: boolean } {
    const decoded = decode(raw, node.typed);
    const fail = (expected: string, shown?: string): never => {
      const value = shown ?? describeDecoded(decoded, raw);
      throw queryError(
        'QUERY_INVALID_VALUE',
        `${value === '' ? 'An empty value' : `The value '${value}'`} does not fit '${node.name}', which expects ${expected}`,
        {
          position: raw.position,
          attribute: node.name,
          value,
          expected,
        },
      );
    };
    if (decoded.kind === 'null') return { value: null, instant: false };
    const attribute = target.nested.at(-1) ?? target.attribute;
    const { operator } = node;
    const stringOperator = STRING_OPERATORS.has(operator);
    const mayBeInstant = INSTANT_OPERATORS.has(operator) && !target.isKey;

    switch (element) {
      case 'ID':
      case 'String':
        switch (decoded.kind) {
          case 'text':
            if (mayBeInstant && this.timezone !== null && !decoded.forced) {
              const date = parseIsoDate(decoded.text);
              if (date !== null && date.offsetMinutes === null) {
                return { value: this.instantOf(decoded.text, fail), instant: true };
              }
            }
            return { value: decoded.text, instant: false };
          case 'number':
          case 'boolean':
            return { value: String(decoded.value), instant: false };
          case 'date': {
            const instant = this.instantOf(decoded.text, fail);
            if (mayBeInstant) return { value: instant, instant: true };
            return { value: new Date(instant).toISOString(), instant: false };
          }
        }
        break;
      case 'Any':
        switch (decoded.kind) {
          case 'text': {
            if (stringOperator || !decoded.typed) {
              if (attribute.timestamp !== null && !stringOperator)
                return this.timestampText(decoded.text, fail);
              return { value: decoded.text, instant: false };
            }
            if (NUMBER_LITERAL.test(decoded.text))
              return { value: Number(decoded.text), instant: false };
            if (decoded.text === 'true' || decoded.text === 'false')
              return { value: decoded.text === 'true', instant: false };
            if (attribute.timestamp !== null) return this.timestampText(decoded.text, fail);
            return { value: decoded.text, instant: false };
          }
          case 'number':
          case 'boolean':
            if (stringOperator) return { value: String(decoded.value), instant: false };
            return { value: decoded.value, instant: false };
          case 'date':
            return { value: this.instantOf(decoded.text, fail), instant: false };
        }
        break;
      case 'Int':
      case 'Long':
      case 'Float': {
        const expected = element === 'Float' ? 'Float (a number)' : `${element} (an integer)`;
        let number: number;
        switch (decoded.kind) {
          case 'text':
            if (NUMBER_LITERAL.test(decoded.text)) number = Number(decoded.text);
            else if (attribute.timestamp !== null && parseIsoDate(decoded.text) !== null)
              number = this.instantOf(decoded.text, fail);
            else return fail(expected);
            break;
          case 'number':
            number = decoded.value;
            break;
          case 'date':
            number = this.instantOf(decoded.text, fail);
            break;
          default:
            return fail(expected);
        }
        if (!Number.isFinite(number)) return fail(expected);
        if (
          element === 'Int' &&
          (!Number.isInteger(number) || number < INT_MIN || number > INT_MAX)
        )
          return fail('Int (a 32-bit integer)');
        if (element === 'Long' && (!Number.isInteger(number) || Math.abs(number) > LONG_MAX))
          return fail('Long (an integer within ±2^53)');
        return { value: number === 0 ? 0 : number, instant: false };
      }
      case 'Boolean':
        if (decoded.kind === 'boolean') return { value: decoded.value, instant: false };
        if (decoded.kind === 'text') {
          const lower = decoded.text.toLowerCase();
          if (lower === 'true' || lower === 'false')
            return { value: lower === 'true', instant: false };
        }
        return fail('Boolean (true or false)');
      case 'Date':
        switch (decoded.kind) {
          case 'text':
            if (NUMBER_LITERAL.test(decoded.text))
              return { value: epochOrFail(Number(decoded.text), fail), instant: false };
            return { value: this.instantOf(decoded.text, fail), instant: false };
          case 'number':
            return { value: epochOrFail(decoded.value, fail), instant: false };
          case 'date':
            return { value: this.instantOf(decoded.text, fail), instant: false };
          default:
            return fail('Date (an ISO-8601 date or epoch milliseconds)');
        }
      case 'BigInt':
        if (decoded.kind === 'text' && INTEGER_LITERAL.test(decoded.text))
          return { value: BigInt(decoded.text), instant: false };
        if (decoded.kind === 'number' && Number.isInteger(decoded.value))
          return { value: BigInt(decoded.value), instant: false };
        return fail('BigInt (an integer)');
      case 'Bytes':
        return fail('null (Bytes attributes can only be compared with null)');
      case 'object':
        return fail(`null (${attribute.name} holds objects, which can only be compared with null)`);
    }
    /* c8 ignore next: every case above returns. */
    return fail('a value');
  }

  /** An ISO date (zone-less: in the query's time zone, else UTC) or fails. */
  private instantOf(text: string, fail: (expected: string) => never): number {
    const date = parseIsoDate(text);
    if (date === null) return fail('an ISO-8601 date such as 2024-08-15 or 2024-08-15T14:00:00Z');
    let epoch: number;
    if (date.offsetMinutes !== null) epoch = wallTimeToUtc(date.wall) - date.offsetMinutes * 60_000;
    else if (this.timezone !== null) epoch = wallTimeInZone(date.wall, this.timezone);
    else epoch = wallTimeToUtc(date.wall);
    return epochOrFail(epoch, fail);
  }

  /** A timestamp attribute stored as epoch ms also accepts ISO dates. */
  private timestampText(
    text: string,
    fail: (expected: string) => never,
  ): { value: ConditionValue; instant: false } {
    if (NUMBER_LITERAL.test(text)) return { value: Number(text), instant: false };
    if (parseIsoDate(text) !== null) return { value: this.instantOf(text, fail), instant: false };
    return { value: text, instant: false };
  }

  // ---- select() --------------------------------------------------------------------------------

  selection(table: TableMeta, syntax: SyntaxSelection): Selection {
    switch (syntax.kind) {
      case 'value':
        return { kind: 'value', item: this.selectItem(table, syntax.item) };
      case 'array':
        return { kind: 'array', items: syntax.items.map((item) => this.selectItem(table, item)) };
      case 'object':
        return this.objectSelection(table, syntax.items);
    }
  }

  private objectSelection(
    holder: TableMeta | ObjectTypeMeta,
    items: readonly SyntaxSelectItem[],
  ): ObjectSelection {
    return { kind: 'object', items: items.map((item) => this.selectItem(holder, item)) };
  }

  private selectItem(
    holder: TableMeta | ObjectTypeMeta | null,
    item: SyntaxSelectItem,
  ): SelectItem {
    const isTable = holder !== null && isTableMeta(holder);
    switch (item.kind) {
      case 'all':
        return { kind: 'all' };
      case 'id':
      case 'updatedTime':
        if (!isTable)
          throw syntaxError(
            `${item.kind === 'id' ? '$id' : '$updatedtime'} can only be selected from a record`,
            item.position,
          );
        return { kind: item.kind };
      case 'name':
        break;
    }
    if (item.name.includes('.')) {
      throw syntaxError(
        `select() takes attribute names; select attributes of a related record with ${item.name.split('.')[0]}{${item.name.split('.').slice(1).join('.')}}`,
        item.position,
      );
    }
    const attribute = holder === null ? undefined : attributeOf(holder, item.name);
    if (attribute !== undefined && this.hidden(attribute))
      this.declared(holder!, item.name, item.name, item.position);
    if (attribute === undefined) {
      // Open tables keep undeclared attributes as-is, and a select may ask for them; sealed tables
      // and object types cannot hold them.
      if (holder !== null && (!isTableMeta(holder) || holder.sealed))
        this.declared(holder, item.name, item.name, item.position);
      const nested =
        item.nested === null
          ? null
          : {
              kind: 'object' as const,
              items: item.nested.map((child) => this.selectItem(null, child)),
            };
      return { kind: 'attribute', name: item.name, attribute: null, nested };
    }
    if (item.nested === null)
      return { kind: 'attribute', name: item.name, attribute, nested: null };
    let inner: TableMeta | ObjectTypeMeta;
    if (attribute.relationship !== null) inner = this.table(attribute.relationship.target);
    else if (attribute.type.kind === 'object') inner = this.objectType(attribute.type.name);
    else
      throw syntaxError(
        `'${item.name}' holds ${attribute.type.name} values, which have no attributes to select`,
        item.position,
      );
    return {
      kind: 'attribute',
      name: item.name,
      attribute,
      nested: this.objectSelection(inner, item.nested),
    };
  }

  // ---- sort() ----------------------------------------------------------------------------------

  sortKey(table: TableMeta, path: string, descending: boolean, position: number): SortKey {
    const { hops, target } = this.resolvePath(table, path, position, 'sort');
    const element = elementTypeOf(target);
    if (element === 'object' || element === 'Bytes') {
      throw queryError(
        'QUERY_UNSUPPORTED',
        `A query cannot sort by '${path}' because ${element === 'object' ? 'it holds objects' : 'it holds bytes'}`,
        {
          position,
          attribute: path,
          operator: 'sort',
        },
      );
    }
    return { path, hops, target, descending };
  }
}

function decode(raw: RawValue, typed: boolean): Decoded {
  if (!typed)
    return {
      kind: 'text',
      text: decodePercent(raw.raw, raw.position),
      typed: false,
      forced: false,
    };
  if (raw.raw === 'null') return { kind: 'null' };
  const prefix = TYPE_PREFIX.exec(raw.raw);
  if (prefix === null)
    return { kind: 'text', text: decodePercent(raw.raw, raw.position), typed: true, forced: false };
  const rest = decodePercent(raw.raw.slice(prefix[0].length), raw.position + prefix[0].length);
  const fail = (expected: string): never => {
    throw queryError(
      'QUERY_INVALID_VALUE',
      `The value '${raw.raw}' is invalid: '${prefix[1]}:' needs ${expected}`,
      {
        position: raw.position,
        value: raw.raw,
        expected,
      },
    );
  };
  switch (prefix[1]) {
    case 'number':
      if (!NUMBER_LITERAL.test(rest)) return fail('a number');
      return { kind: 'number', value: Number(rest) };
    case 'boolean': {
      const lower = rest.toLowerCase();
      if (lower !== 'true' && lower !== 'false') return fail('true or false');
      return { kind: 'boolean', value: lower === 'true' };
    }
    case 'date':
      return { kind: 'date', text: rest };
    default:
      return { kind: 'text', text: rest, typed: false, forced: true };
  }
}

function describeDecoded(decoded: Decoded, raw: RawValue): string {
  switch (decoded.kind) {
    case 'text':
    case 'date':
      return decoded.text;
    case 'number':
    case 'boolean':
      return String(decoded.value);
    default:
      return raw.raw;
  }
}

/** Epoch ms of an ISO date-time that names its zone (or a UTC date), else null. */
function isoInstant(text: string): number | null {
  const date = parseIsoDate(text);
  if (date === null) return null;
  return wallTimeToUtc(date.wall) - (date.offsetMinutes ?? 0) * 60_000;
}

function epochOrFail(epoch: number, fail: (expected: string) => never): number {
  if (!Number.isFinite(epoch) || Math.abs(epoch) > MAX_EPOCH_MS)
    return fail('a date within the range of dates');
  return epoch === 0 ? 0 : epoch;
}

function elementTypeOf(target: Target): ElementType {
  const attribute = target.nested.at(-1) ?? target.attribute;
  return attribute.type.kind === 'scalar' ? attribute.type.name : 'object';
}

function checkOperator(node: SyntaxComparison, element: ElementType): void {
  const { operator } = node;
  const nullOnly = element === 'object' || element === 'Bytes';
  const allowed = nullOnly
    ? operator === 'eq' || operator === 'ne' || operator === 'in' || operator === 'out'
    : !STRING_OPERATORS.has(operator) ||
      element === 'ID' ||
      element === 'String' ||
      element === 'Any';
  if (allowed) return;
  throw queryError(
    'QUERY_UNSUPPORTED',
    `'${operator}' does not apply to '${node.name}' (${element === 'object' ? 'an object' : element})${
      STRING_OPERATORS.has(operator)
        ? '; starts-with, ends-with and contains compare strings'
        : '; it can only be compared with null'
    }`,
    { position: node.position, attribute: node.name, operator },
  );
}

function isTableMeta(holder: TableMeta | ObjectTypeMeta): holder is TableMeta {
  return 'primaryKey' in holder;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
