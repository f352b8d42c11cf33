/**
 * The typed query builder (contract section 14): builds a query of the REST query language
 * (section 5) from calls the compiler checks against a table's descriptor, and compiles it to the
 * query string the server's parser reads (`parse.ts`). One source for both sides: codegen copies
 * this file into the generated server (hooks' and routes' `tables.<T>.search(…)`) and into the
 * generated client (`client/src/builder.ts`). It uses nothing but the language, so it runs in
 * browsers and in Node.
 *
 * A descriptor is a plain type, generated per table: which attributes can be compared and how
 * (`fields`), the relationships a path may follow (`relationships`), and the record type answers
 * have (`record`). Builders are immutable: every call returns a new one.
 */

/** A number attribute (`Int`, `Long`, `Float`): equality, order, lists and ranges. */
export interface NumberField {
  readonly kind: 'number';
}
/** A text attribute (`ID`, `String`, an enum's `V`): also starts-with, ends-with, contains. */
export interface StringField<V extends string = string> {
  readonly kind: 'string';
  readonly value: V;
}
/** A `Boolean` attribute: equality and lists. */
export interface BooleanField {
  readonly kind: 'boolean';
}
/** A `Date` attribute: order and ranges; values are `Date`s, ISO strings or epoch milliseconds. */
export interface DateField {
  readonly kind: 'date';
}
/** A `BigInt` attribute: like numbers, with `bigint` values too. */
export interface BigIntField {
  readonly kind: 'bigint';
}
/** An `Any` attribute: every operator, with text, number or boolean values. */
export interface AnyField {
  readonly kind: 'any';
}
/** A value that can only be compared with null (`Bytes`). */
export interface OpaqueField {
  readonly kind: 'opaque';
}
/** A nested object: compared with null, or through its own attributes (`address.city`). */
export interface ObjectField<F> {
  readonly kind: 'object';
  readonly fields: F;
}

export type Field =
  | NumberField
  | StringField
  | BooleanField
  | DateField
  | BigIntField
  | AnyField
  | OpaqueField
  | ObjectField<unknown>;

/** A many-to-one relationship to the table `T` describes. */
export interface One<T> {
  readonly many: false;
  readonly table: T;
}
/** A one-to-many or many-to-many relationship to the table `T` describes. */
export interface Many<T> {
  readonly many: true;
  readonly table: T;
}

/** What the builder knows of a table (generated per table). */
export interface TableDescriptor {
  /** Attribute → its `…Field` (lists take their elements' conditions). */
  readonly fields: object;
  /** Relationship attribute → `One<…>` or `Many<…>`. */
  readonly relationships: object;
  /** A record as answers carry it. */
  readonly record: object;
}

// ---- types: paths, operators, values ------------------------------------------------------------

/** Relationship hops a path may take (deeper paths are valid queries, just not typed here). */
type Hops = [never, 0, 1, 2, 3];

type FieldPaths<F, Prefix extends string, Depth extends number> = [Depth] extends [never]
  ? never
  : {
      [K in keyof F & string]: F[K] extends ObjectField<infer G>
        ? `${Prefix}${K}` | FieldPaths<G, `${Prefix}${K}.`, Hops[Depth]>
        : `${Prefix}${K}`;
    }[keyof F & string];

type TargetOf<R> = R extends One<infer T> | Many<infer T> ? T : never;

/** Every path a condition or `sort` can name: attributes, nested attributes, relationship paths. */
export type PathOf<T extends TableDescriptor, Depth extends number = 3> = [Depth] extends [never]
  ? never
  : | FieldPaths<T['fields'], '', 3>
    | {
        [R in keyof T['relationships'] & string]: TargetOf<
          T['relationships'][R]
        > extends infer Target extends TableDescriptor
          ? `${R}.${PathOf<Target, Hops[Depth]>}`
          : never;
      }[keyof T['relationships'] & string];

type FieldIn<F, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? Head extends keyof F
    ? F[Head] extends ObjectField<infer G>
      ? FieldIn<G, Rest>
      : never
    : never
  : P extends keyof F
    ? F[P]
    : never;

/** The field a path ends at. */
export type FieldAt<T extends TableDescriptor, P extends string> = P extends keyof T['fields']
  ? T['fields'][P]
  : P extends `${infer Head}.${infer Rest}`
    ? Head extends keyof T['relationships']
      ? TargetOf<T['relationships'][Head]> extends infer Target extends TableDescriptor
        ? FieldAt<Target, Rest>
        : never
      : FieldIn<T['fields'], P>
    : never;

/** The values a field compares with (besides null). */
export type ValueOf<F> = F extends NumberField
  ? number
  : F extends StringField<infer V>
    ? V
    : F extends BooleanField
      ? boolean
      : F extends DateField
        ? Date | string | number
        : F extends BigIntField
          ? bigint | number
          : F extends AnyField
            ? string | number | boolean
            : never;

/** Lower and upper bound of a range: exactly one of `gt`/`ge` and one of `lt`/`le`. */
export type Range<V> = (
  { readonly gt: V; readonly ge?: never } | { readonly ge: V; readonly gt?: never }
) &
  ({ readonly lt: V; readonly le?: never } | { readonly le: V; readonly lt?: never });

type EqualityOperator = 'eq' | 'ne';
type OrderOperator = 'lt' | 'le' | 'gt' | 'ge';
type ListOperator = 'in' | 'out';
type TextOperator = 'sw' | 'ew' | 'ct';
export type Operator = EqualityOperator | OrderOperator | ListOperator | TextOperator | 'between';

/** The operators a field takes. */
export type OperatorOf<F> = F extends OpaqueField | ObjectField<unknown>
  ? EqualityOperator
  : F extends BooleanField
    ? EqualityOperator | ListOperator
    : F extends StringField | AnyField
      ? Operator
      : F extends NumberField | DateField | BigIntField
        ? Exclude<Operator, TextOperator>
        : never;

/** What an operator of a field takes: a value (or null), a list of values, or a range. */
export type OperandOf<F, O> = O extends EqualityOperator
  ? ValueOf<F> | null
  : O extends ListOperator
    ? readonly (ValueOf<F> | null)[]
    : O extends 'between'
      ? Range<ValueOf<F>>
      : ValueOf<F>;

// ---- types: select ------------------------------------------------------------------------------

/** `T` without its index signature (open tables' records have one). */
type Declared<T> = {
  [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K];
};

type AttributeName<T extends TableDescriptor> = keyof Declared<T['record']> & string;
type RelationshipName<T extends TableDescriptor> = keyof T['relationships'] & string;

/** One item of `select(…)`: an attribute, a relationship (its whole records), or `{ rel: [items] }`. */
export type SelectItem<T extends TableDescriptor> =
  | AttributeName<T>
  | RelationshipName<T>
  | {
      readonly [R in RelationshipName<T>]?: TargetOf<
        T['relationships'][R]
      > extends infer Target extends TableDescriptor
        ? readonly SelectItem<Target>[]
        : never;
    };

type RecordOf<T> = T extends TableDescriptor ? T['record'] : never;

type Related<R, Shape> = R extends Many<unknown> ? Shape[] : Shape;

type ItemShape<T extends TableDescriptor, I> =
  I extends AttributeName<T>
    ? Pick<Declared<T['record']>, I>
    : I extends RelationshipName<T>
      ? { [K in I]?: Related<T['relationships'][K], RecordOf<TargetOf<T['relationships'][K]>>> }
      : I extends object
        ? {
            [K in keyof I & RelationshipName<T>]?: I[K] extends readonly unknown[]
              ? TargetOf<T['relationships'][K]> extends infer Target extends TableDescriptor
                ? Related<T['relationships'][K], Selected<Target, I[K]>>
                : never
              : never;
          }
        : never;

type Intersection<U> = (U extends unknown ? (union: U) => void : never) extends (
  intersection: infer I,
) => void
  ? I
  : never;

/** Flattens an intersection into one object type, for readable hovers and messages. */
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** The shape of each answer of `select(...items)`. */
export type Selected<T extends TableDescriptor, Items extends readonly unknown[]> = Flat<
  Intersection<ItemShape<T, Items[number]>>
>;

// ---- the builder --------------------------------------------------------------------------------

type Node =
  | {
      readonly kind: 'comparison';
      readonly path: string;
      readonly operator: Operator;
      readonly operand: unknown;
    }
  | { readonly kind: 'and' | 'or'; readonly children: readonly Node[] };

/** A condition on the table `T` describes, made by a `Conditions` function. */
export interface Condition<T extends TableDescriptor> {
  /** @internal The condition's tree. */
  readonly node: Node;
  /** Ties the condition to its table (never set). */
  readonly table?: T;
}

/**
 * Makes conditions: `c('price', 'lt', 10)`, and groups them: `c.or(c(…), c.and(c(…), c(…)))`.
 */
export interface Conditions<T extends TableDescriptor> {
  <P extends PathOf<T>, O extends OperatorOf<FieldAt<T, P>>>(
    path: P,
    operator: O,
    operand: OperandOf<FieldAt<T, P>, O>,
  ): Condition<T>;
  and(...conditions: readonly Condition<T>[]): Condition<T>;
  or(...conditions: readonly Condition<T>[]): Condition<T>;
}

function comparison(path: string, operator: Operator, operand: unknown): Node {
  if (
    typeof path !== 'string' ||
    !/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path)
  )
    throw new TypeError(
      `A condition names an attribute path such as price or category.name, not ${String(path)}`,
    );
  if (!OPERATORS.has(operator))
    throw new TypeError(`'${String(operator)}' is not an operator of the query builder`);
  return { kind: 'comparison', path, operator, operand };
}

function conditions<T extends TableDescriptor>(): Conditions<T> {
  const make = (path: string, operator: Operator, operand: unknown): Condition<T> => ({
    node: comparison(path, operator, operand),
  });
  const group =
    (kind: 'and' | 'or') =>
    (...children: readonly Condition<T>[]): Condition<T> => ({
      node: { kind, children: children.map((child) => child.node) },
    });
  return Object.assign(make, { and: group('and'), or: group('or') });
}

interface Parts {
  readonly conditions: readonly Node[];
  readonly sort: readonly string[];
  readonly select: readonly unknown[] | null;
  readonly limit: number | null;
  readonly offset: number | null;
  readonly timezone: string | null;
}

const EMPTY: Parts = {
  conditions: [],
  sort: [],
  select: null,
  limit: null,
  offset: null,
  timezone: null,
};

/** A sort key: a path, ascending, or with `-` descending (`+` is ascending too). */
export type SortKey<T extends TableDescriptor> = PathOf<T> | `-${PathOf<T>}` | `+${PathOf<T>}`;

/**
 * A query of the table `T` describes, whose answers have the type `R` (the record, or what
 * `select` makes of it). `String(query)` and `toString()` give the query string.
 */
export class Query<T extends TableDescriptor, R = T['record']> {
  /** Ties the builder to its answers' type (never set). */
  declare readonly answer?: R;

  private constructor(private readonly parts: Parts) {}

  /** A query with no condition: every record. */
  static create<T extends TableDescriptor>(): Query<T> {
    return new Query<T>(EMPTY);
  }

  /** Adds a condition (conditions given one after another must all hold). */
  where<P extends PathOf<T>, O extends OperatorOf<FieldAt<T, P>>>(
    path: P,
    operator: O,
    operand: OperandOf<FieldAt<T, P>, O>,
  ): Query<T, R>;
  /** Adds a condition built from `c`: `q.where((c) => c.or(c('a', 'eq', 1), c('b', 'eq', 2)))`. */
  where(build: (c: Conditions<T>) => Condition<T>): Query<T, R>;
  where(
    first: string | ((c: Conditions<T>) => Condition<T>),
    operator?: Operator,
    operand?: unknown,
  ): Query<T, R> {
    const node =
      typeof first === 'function'
        ? first(conditions<T>()).node
        : comparison(first, operator!, operand);
    return this.with({ conditions: [...this.parts.conditions, node] });
  }

  /** Orders the answers by these keys, the first deciding first (`'-price'` is descending). */
  sort(...keys: readonly SortKey<T>[]): Query<T, R> {
    for (const key of keys) comparison(key.replace(/^[+-]/, ''), 'eq', null);
    return this.with({ sort: [...this.parts.sort, ...keys] });
  }

  /**
   * Answers only these attributes and relationships (`'name'`, `'category'`, `{ category:
   * ['name'] }`); the answers' type follows. Given again, it replaces the earlier selection.
   */
  select<const Items extends readonly [SelectItem<T>, ...SelectItem<T>[]]>(
    ...items: Items
  ): Query<T, Selected<T, Items>> {
    if (items.length === 0) throw new TypeError('select() needs at least one attribute');
    return this.with({ select: items }) as unknown as Query<T, Selected<T, Items>>;
  }

  /** At most `count` answers. */
  limit(count: number): Query<T, R> {
    return this.with({ limit: count_(count, 'limit') });
  }

  /** Skips the first `count` answers. */
  offset(count: number): Query<T, R> {
    return this.with({ offset: count_(count, 'offset') });
  }

  /** Reads and writes date-times in this IANA zone (`'America/New_York'`, contract 5.5). */
  timezone(zone: string): Query<T, R> {
    if (typeof zone !== 'string' || zone === '')
      throw new TypeError('timezone() takes an IANA zone name');
    return this.with({ timezone: zone });
  }

  /** Whether the query selects (its answers are not whole records). */
  get selects(): boolean {
    return this.parts.select !== null;
  }

  /** Whether the query has a limit or an offset (subscriptions refuse both). */
  get pages(): boolean {
    return this.parts.limit !== null || this.parts.offset !== null;
  }

  /** The query string, as after `?` in `GET /T/?…`. */
  toString(): string {
    return compile(this.parts);
  }

  private with(change: Partial<Parts>): Query<T, R> {
    return new Query<T, R>({ ...this.parts, ...change });
  }
}

/** A query as its users may give it: a builder, a function that builds one, or a query string. */
export type QueryInput<T extends TableDescriptor, R = unknown> =
  Query<T, R> | ((query: Query<T>) => Query<T, R>) | string;

/** Anything that compiles to a query string: a builder (of any table), or a string. */
export interface Compiled {
  toString(): string;
}

/**
 * A query of any table, as code that is not typed by a table passes it on: a builder, a
 * function that builds one from a new builder, or a query string.
 */
export type AnyQueryInput = string | Compiled | ((query: never) => Compiled);

/** The query string of `input` (a builder, a function of a new builder, or a string as it is). */
export function queryString(input: AnyQueryInput | undefined): string {
  if (input === undefined) return '';
  if (typeof input === 'string') return input;
  const query: unknown =
    typeof input === 'function'
      ? (input as (query: Query<TableDescriptor>) => unknown)(Query.create())
      : input;
  if (!(query instanceof Query)) throw new TypeError('expected a query builder or a query string');
  return query.toString();
}

/** The builder of `input`, or null for a query string. */
export function queryOf<T extends TableDescriptor, R>(input: QueryInput<T, R>): Query<T, R> | null {
  if (typeof input === 'string') return null;
  return typeof input === 'function' ? input(Query.create<T>()) : input;
}

function count_(count: number, call: string): number {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new TypeError(`${call}() takes a non-negative integer, not ${String(count)}`);
  return count;
}

// ---- compiling ----------------------------------------------------------------------------------

const OPERATORS: ReadonlySet<string> = new Set([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'sw',
  'ew',
  'ct',
  'in',
  'out',
  'between',
]);

/** Text the server's typed decoding would read as something else (contract 5.3). */
const NUMBER_LITERAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TYPE_PREFIX = /^(?:number|boolean|date|string):/;

/**
 * Percent-encodes text for a value: everything but letters, digits, `-._~` and `:` (kept for
 * readable times; a `+` of an offset becomes `%2B`, so it survives as a `+`).
 */
export function encodeText(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%3A/g, ':');
}

/**
 * A value as typed decoding reads it back: text that would read as null, a number, a boolean or a
 * type prefix is written `string:…`, which the server takes as text.
 */
function encodeValue(value: unknown, path: string): string {
  switch (typeof value) {
    case 'string':
      return value === 'null' ||
        value === 'true' ||
        value === 'false' ||
        NUMBER_LITERAL.test(value) ||
        TYPE_PREFIX.test(value)
        ? `string:${encodeText(value)}`
        : encodeText(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`${path} cannot be compared with ${String(value)}`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return String(value);
    case 'object':
      if (value === null) return 'null';
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime()))
          throw new TypeError(`${path} cannot be compared with an invalid Date`);
        return encodeText(value.toISOString());
      }
      break;
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`${path} cannot be compared with ${describe(value)}`);
}

function describe(value: unknown): string {
  return value === undefined
    ? 'undefined'
    : Array.isArray(value)
      ? 'a list'
      : `a value of type ${typeof value}`;
}

const SYMBOLS: Readonly<Record<string, string>> = { eq: '==', ne: '!=' };

function compileComparison(node: Node & { kind: 'comparison' }, parent: 'and' | 'or'): string {
  const { path, operator, operand } = node;
  switch (operator) {
    case 'eq':
    case 'ne':
      // Text is compared strictly (`a=v`, `a!==v`): taken as written, whatever it looks like.
      if (typeof operand === 'string')
        return `${path}${operator === 'eq' ? '=' : '!=='}${encodeText(operand)}`;
      return `${path}${SYMBOLS[operator]!}${encodeValue(operand, path)}`;
    case 'in':
    case 'out':
      if (!Array.isArray(operand))
        throw new TypeError(`${path}=${operator}= takes a list of values`);
      return `${path}=${operator}=(${operand.map((value: unknown) => encodeValue(value, path)).join(',')})`;
    case 'between': {
      const range = (operand ?? {}) as Record<string, unknown>;
      const lower = 'gt' in range ? 'gt' : 'ge' in range ? 'ge' : null;
      const upper = 'lt' in range ? 'lt' : 'le' in range ? 'le' : null;
      if (lower === null || upper === null || Object.keys(range).length !== 2)
        throw new TypeError(
          `${path} between takes one lower bound (gt or ge) and one upper bound (lt or le)`,
        );
      const text = `${path}=${lower}=${encodeValue(range[lower], path)}&=${upper}=${encodeValue(range[upper], path)}`;
      // A range is written with `&`: inside an OR it needs a group of its own.
      return parent === 'or' ? `(${text})` : text;
    }
    default:
      if (operand === null) throw new TypeError(`${path}=${operator}= cannot compare with null`);
      return `${path}=${operator}=${encodeValue(operand, path)}`;
  }
}

function compileNode(node: Node, parent: 'and' | 'or'): string {
  if (node.kind === 'comparison') return compileComparison(node, parent);
  if (node.children.length === 0)
    throw new TypeError(`${node.kind}() needs at least one condition`);
  if (node.children.length === 1) return compileNode(node.children[0]!, parent);
  const text = node.children
    .map((child) => compileNode(child, node.kind))
    .join(node.kind === 'and' ? '&' : '|');
  // `&` and `|` never share a group: a group of the other kind gets parentheses.
  return node.kind === parent ? text : `(${text})`;
}

function compileSelectItems(items: readonly unknown[]): string[] {
  return items.flatMap((item) => {
    if (typeof item === 'string') return [item];
    if (typeof item === 'object' && item !== null)
      return Object.entries(item).map(([name, nested]) => {
        if (!Array.isArray(nested) || nested.length === 0)
          throw new TypeError(`select({ ${name}: [...] }) takes a non-empty list`);
        return `${name}{${compileSelectItems(nested).join(',')}}`;
      });
    throw new TypeError(
      `select() takes attribute names and { relationship: [...] }, not ${describe(item)}`,
    );
  });
}

function compile(parts: Parts): string {
  const pieces = parts.conditions.map((node) => compileNode(node, 'and'));
  if (parts.select !== null) {
    const items = compileSelectItems(parts.select);
    // `select(a)` would answer bare values: a trailing comma keeps one item an object.
    pieces.push(`select(${items.join(',')}${items.length === 1 ? ',' : ''})`);
  }
  if (parts.sort.length > 0) pieces.push(`sort(${parts.sort.join(',')})`);
  if (parts.offset !== null && parts.limit !== null)
    pieces.push(`limit(${parts.offset},${parts.offset + parts.limit})`);
  else if (parts.limit !== null) pieces.push(`limit(${parts.limit})`);
  else if (parts.offset !== null) pieces.push(`offset=${parts.offset}`);
  if (parts.timezone !== null) pieces.push(`timezone=${encodeText(parts.timezone)}`);
  return pieces.join('&');
}
