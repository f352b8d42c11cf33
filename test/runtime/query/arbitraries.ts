/**
 * Random data and random queries for the property tests: a small schema with indexed and
 * unindexed attributes of every kind, a list, dates, an `Any`, and relationships of all three
 * kinds; records with nulls, absent attributes, unicode, repeated values; queries over the whole
 * grammar written as raw query strings.
 */
import fc from 'fast-check';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';
import type { StoredValue } from '../../../templates/runtime/store/types.js';
import { attribute as a, table } from '../fixtures/meta.js';

/** The property schema; `indexed: false` drops every secondary index (same answers, other plans). */
export function propertySchema(indexed: boolean): SchemaMeta {
  const index = { indexed };
  return {
    tables: [
      table('Item', [
        a('id', 'ID', { primaryKey: true }),
        a('name', 'String', index),
        a('note', 'String'),
        a('price', 'Float', index),
        a('qty', 'Int'),
        a('tags', 'String', { list: true, ...index }),
        a('when', 'Date', index),
        a('flag', 'Boolean', index),
        a('stamp', 'String', index),
        a('extra', 'Any', index),
        a('ownerId', 'ID', index),
        a('owner', null, {
          relationship: { kind: 'many-to-one', target: 'Owner', from: 'ownerId', targetKey: 'id' },
        }),
        a('friendIds', 'ID', { list: true, ...index }),
        a('friends', null, {
          list: true,
          relationship: {
            kind: 'many-to-many',
            target: 'Owner',
            from: 'friendIds',
            targetKey: 'id',
          },
        }),
      ]),
      table('Owner', [
        a('id', 'ID', { primaryKey: true }),
        a('name', 'String', index),
        a('level', 'Int'),
        a('items', null, {
          list: true,
          relationship: { kind: 'one-to-many', target: 'Item', to: 'ownerId', localKey: 'id' },
        }),
        a('fans', null, {
          list: true,
          relationship: { kind: 'one-to-many', target: 'Item', to: 'friendIds', localKey: 'id' },
        }),
      ]),
    ],
    objectTypes: [],
  };
}

const STRINGS = [
  '',
  'a',
  'A',
  'ab',
  'abc',
  'b',
  'ba',
  'é',
  'e\u0301',
  '😀',
  'a😀',
  '\uE000',
  '\uFFFF',
  'z',
  'null',
  'Zed',
  '10',
  '9',
  'a b',
  'x&y',
];
const NUMBERS = [-1.5, -1, 0, 0.5, 1, 2, 3, 10, 100, 1e6];
const INTS = [-2, 0, 1, 2, 3, 7];
const DATES = [
  Date.UTC(2024, 0, 1),
  Date.UTC(2024, 7, 15, 4),
  Date.UTC(2024, 7, 15, 14),
  Date.UTC(1999, 11, 31, 23, 59, 59),
  0,
];
const STAMPS = [
  '2024-08-15T14:00:00Z',
  '2024-08-15T10:00:00-04:00',
  '2024-08-15T04:00:00.000Z',
  '2024-08-14T23:00:00+02:00',
  '2024-08-15',
  '2024-08-15T09:30',
  'not a date',
  '2024-08-16T01:00:00+09:00',
];
const EXTRAS: unknown[] = [1, 2, 'a', 'b', true, false, [1, 'a'], { x: 1 }];
const OWNER_IDS = ['o1', 'o2', 'o3', 'o9'];
const KEY_STEMS = ['a', 'B', 'é', '😀', 'z', ''];

/** Absent (undefined), null, or a value. */
function maybe<T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> {
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: value, weight: 4 },
  );
}

function withoutAbsent(record: Record<string, unknown>): StoredValue {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

export type PropertyData = Readonly<Record<'Item' | 'Owner', StoredValue[]>>;

/** The attributes of one Item (without its key); absent attributes are `undefined`. */
export const itemFieldsArbitrary = fc.record({
  name: maybe(fc.constantFrom(...STRINGS)),
  note: maybe(fc.constantFrom(...STRINGS)),
  price: maybe(fc.constantFrom(...NUMBERS)),
  qty: maybe(fc.constantFrom(...INTS)),
  tags: maybe(fc.array(fc.constantFrom(...STRINGS.slice(0, 8)), { maxLength: 3 })),
  when: maybe(fc.constantFrom(...DATES).map((time) => new Date(time))),
  flag: maybe(fc.boolean()),
  stamp: maybe(fc.constantFrom(...STAMPS)),
  extra: maybe(fc.constantFrom(...EXTRAS)),
  ownerId: maybe(fc.constantFrom(...OWNER_IDS)),
  friendIds: maybe(fc.array(fc.constantFrom(...OWNER_IDS), { maxLength: 3 })),
});

export function withoutAbsentAttributes(record: Record<string, unknown>): StoredValue {
  return withoutAbsent(record);
}

export const dataArbitrary: fc.Arbitrary<PropertyData> = fc
  .record({
    items: fc.array(itemFieldsArbitrary, { minLength: 3, maxLength: 30 }),
    owners: fc.subarray(['o1', 'o2', 'o3']).chain((ids) =>
      fc.tuple(
        ...ids.map((id) =>
          fc.record({
            id: fc.constant(id),
            name: maybe(fc.constantFrom(...STRINGS.slice(0, 6))),
            level: maybe(fc.constantFrom(...INTS)),
          }),
        ),
      ),
    ),
  })
  .map(({ items, owners }) => ({
    Item: items.map((item, index) =>
      withoutAbsent({ id: `${KEY_STEMS[index % KEY_STEMS.length]}${index}`, ...item }),
    ),
    Owner: owners.map((owner) => withoutAbsent(owner)),
  }));

/** Percent-encodes everything but unreserved characters, so a value is always literal. */
export function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*~]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

type Kind = 'string' | 'number' | 'int' | 'date' | 'bool' | 'stamp' | 'any' | 'key';

interface Field {
  readonly path: string;
  readonly kind: Kind;
}

const ITEM_FIELDS: readonly Field[] = [
  { path: 'id', kind: 'key' },
  { path: 'name', kind: 'string' },
  { path: 'note', kind: 'string' },
  { path: 'price', kind: 'number' },
  { path: 'qty', kind: 'int' },
  { path: 'tags', kind: 'string' },
  // Lists twice as often: their any-element rules are where engines go wrong.
  { path: 'tags', kind: 'string' },
  { path: 'when', kind: 'date' },
  { path: 'flag', kind: 'bool' },
  { path: 'stamp', kind: 'stamp' },
  { path: 'extra', kind: 'any' },
  { path: 'ownerId', kind: 'key' },
  { path: 'friendIds', kind: 'key' },
  { path: 'owner.name', kind: 'string' },
  { path: 'owner.level', kind: 'int' },
  { path: 'owner.id', kind: 'key' },
  { path: 'friends.name', kind: 'string' },
  { path: 'owner.items.price', kind: 'number' },
];

const OWNER_FIELDS: readonly Field[] = [
  { path: 'id', kind: 'key' },
  { path: 'name', kind: 'string' },
  { path: 'level', kind: 'int' },
  { path: 'items.name', kind: 'string' },
  { path: 'items.price', kind: 'number' },
  { path: 'fans.tags', kind: 'string' },
  { path: 'items.owner.level', kind: 'int' },
];

/** Raw query-string values for a kind (already encoded); `typed` values may use prefixes and null. */
function valuesFor(kind: Kind, typed: boolean): fc.Arbitrary<string> {
  const nullable = (values: fc.Arbitrary<string>): fc.Arbitrary<string> =>
    typed
      ? fc.oneof({ arbitrary: values, weight: 6 }, { arbitrary: fc.constant('null'), weight: 1 })
      : values;
  switch (kind) {
    case 'string':
      return nullable(
        fc
          .constantFrom(...STRINGS)
          .map((text) => (typed && text === 'null' ? 'string:null' : encode(text))),
      );
    case 'number':
      return nullable(fc.constantFrom(...NUMBERS, 4.5, -100).map(String));
    case 'int':
      return nullable(fc.constantFrom(...INTS, 5, -10).map(String));
    case 'date':
      return nullable(
        fc
          .oneof(
            fc.constantFrom(...DATES).map((time) => new Date(time).toISOString()),
            fc.constantFrom(...DATES).map(String),
            fc.constantFrom('2024-08-15', '2024-08-15T04:00', '1999-12-31T23:59:59-01:00'),
          )
          .map(encode),
      );
    case 'bool':
      return nullable(fc.constantFrom('true', 'false', 'TRUE'));
    case 'stamp':
      return nullable(
        fc.constantFrom(...STAMPS, '2024-08-15T00:00', '2024-08-15T10:00:00Z').map(encode),
      );
    case 'any':
      return typed
        ? nullable(fc.constantFrom('1', '2', 'a', 'true', 'number:2', 'string:1', 'b'))
        : fc.constantFrom('1', 'a', 'b', 'true');
    case 'key':
      return nullable(
        fc.constantFrom('a0', 'B1', 'é2', '😀3', 'z4', '5', 'o1', 'o2', 'o9', 'a').map(encode),
      );
  }
}

const TYPED_OPERATORS = [
  '==',
  '!=',
  '=lt=',
  '=le=',
  '=gt=',
  '=ge=',
  '=lte=',
  '=gte=',
  '<',
  '<=',
  '>',
  '>=',
  '=ne=',
  '=eq=',
];
const STRING_OPERATORS = ['=sw=', '=ew=', '=ct=', '==*'];

function comparison(fields: readonly Field[]): fc.Arbitrary<string> {
  return fc.constantFrom(...fields).chain((field) => {
    const stringLike = field.kind === 'string' || field.kind === 'stamp' || field.kind === 'key';
    const forms: fc.Arbitrary<string>[] = [
      valuesFor(field.kind, false).map((value) => `${field.path}=${value}`),
      fc
        .tuple(fc.constantFrom(...TYPED_OPERATORS), valuesFor(field.kind, true))
        .map(([operator, value]) =>
          // Ranges take no null.
          value === 'null' && !['==', '!=', '=ne=', '=eq='].includes(operator)
            ? `${field.path}==null`
            : `${field.path}${operator}${value}`,
        ),
      fc
        .tuple(
          fc.constantFrom('=in=', '=out='),
          fc.array(valuesFor(field.kind, true), { maxLength: 4 }),
        )
        .map(([operator, values]) => `${field.path}${operator}(${values.join(',')})`),
      fc
        .tuple(
          fc.constantFrom('=gt=', '=ge='),
          valuesFor(field.kind, true),
          fc.constantFrom('&=lt=', '&=le=', '&lt=', '&le='),
          valuesFor(field.kind, true),
        )
        .filter(([, low, , high]) => low !== 'null' && high !== 'null')
        .map(([from, low, to, high]) => `${field.path}${from}${low}${to}${high}`),
    ];
    // Two conditions on one attribute: on a list each may hold for a different element.
    forms.push(
      fc
        .tuple(
          fc.constantFrom('=gt=', '=ge=', '=lt=', '=le=', '==', '!='),
          valuesFor(field.kind, true),
          fc.constantFrom('=gt=', '=lt=', '=ne=', '=le='),
          valuesFor(field.kind, true),
        )
        .filter(
          ([first, low, , high]) =>
            high !== 'null' && (low !== 'null' || first === '==' || first === '!='),
        )
        .map(
          ([first, low, second, high]) =>
            `(${field.path}${first}${low}&${field.path}${second}${high})`,
        ),
    );
    if (stringLike) {
      forms.push(
        fc
          .tuple(
            fc.constantFrom(...STRING_OPERATORS),
            fc.constantFrom(...STRINGS.slice(0, 10), '2024-08-1', '2024'),
          )
          .map(([operator, text]) =>
            operator === '==*'
              ? `${field.path}==${encode(text)}*`
              : `${field.path}${operator}${encode(text)}`,
          ),
      );
    }
    return fc.oneof(...forms);
  });
}

/** A condition tree written with `&`, `|` and groups (parentheses or brackets). */
function conditions(fields: readonly Field[]): fc.Arbitrary<string> {
  const { tree } = fc.letrec<{ tree: string; group: string }>((tie) => ({
    tree: fc.oneof(
      { maxDepth: 2, depthIdentifier: 'tree' },
      { arbitrary: comparison(fields), weight: 3 },
      { arbitrary: tie('group'), weight: 1 },
    ),
    group: fc
      .tuple(
        fc.constantFrom('&', '|'),
        fc.array(tie('tree'), { minLength: 2, maxLength: 3 }),
        fc.boolean(),
      )
      .map(([separator, children, brackets]) => {
        const [open, close] = brackets ? ['[', ']'] : ['(', ')'];
        return `${open}${children.join(separator)}${close}`;
      }),
  }));
  return fc
    .array(tree, { maxLength: 2 })
    .chain((children) =>
      fc
        .constantFrom('&', '|')
        .map((separator) => children.join(children.length > 1 && separator === '|' ? '|' : '&')),
    );
}

const ITEM_SORTABLE = [
  'id',
  'name',
  'price',
  'qty',
  'tags',
  'when',
  'flag',
  'stamp',
  'extra',
  'owner.name',
  'owner.level',
  'friends.name',
];
const OWNER_SORTABLE = ['id', 'name', 'level', 'items.price'];

const ITEM_SELECTS = [
  '',
  'select(id,name)',
  'select(name)',
  'select(name,)',
  'select([id,price])',
  'select(id,owner{name,level})',
  'select(id,friends{name},owner)',
  'select(*)',
  'select($id,when,stamp)',
  'select(id,tags,extra,$updatedtime)',
];
const OWNER_SELECTS = [
  '',
  'select(id,items{id,name})',
  'select(id,fans{id})',
  'select(items)',
  'select(*,items{price})',
];

export interface PropertyQuery {
  readonly table: 'Item' | 'Owner';
  readonly raw: string;
}

export const queryArbitrary: fc.Arbitrary<PropertyQuery> = fc
  .constantFrom<'Item' | 'Owner'>('Item', 'Item', 'Owner')
  .chain((tableName) => {
    const item = tableName === 'Item';
    return fc
      .record({
        conditions: conditions(item ? ITEM_FIELDS : OWNER_FIELDS),
        sort: fc.oneof(
          fc.constant(''),
          fc
            .array(
              fc.tuple(
                fc.constantFrom('', '+', '-'),
                fc.constantFrom(...(item ? ITEM_SORTABLE : OWNER_SORTABLE)),
              ),
              { minLength: 1, maxLength: 2 },
            )
            .chain((keys) =>
              fc.boolean().map((call) => {
                const list = keys
                  .map(([sign, path]) => `${call ? encode(sign) : sign === '+' ? '' : sign}${path}`)
                  .join(',');
                return call ? `sort(${list})` : `sort=${list}`;
              }),
            ),
        ),
        page: fc.oneof(
          { arbitrary: fc.constant(''), weight: 4 },
          {
            arbitrary: fc.integer({ min: 0, max: 12 }).map((count) => `limit(${count})`),
            weight: 1,
          },
          fc
            .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 10 }))
            .map(([start, length]) => `limit(${start},${start + length})`),
          fc.integer({ min: 0, max: 12 }).map((count) => `limit=${count}`),
          fc
            .tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 5 }))
            .map(([count, offset]) => `limit=${count}&offset=${offset}`),
        ),
        select: fc.constantFrom(...(item ? ITEM_SELECTS : OWNER_SELECTS)),
        timezone: fc.constantFrom('', '', 'timezone=America/New_York', 'timezone=Asia/Kolkata'),
      })
      .chain((parts) =>
        // Calls and parameters may stand anywhere; conditions that are an OR keep theirs together.
        fc.boolean().map((callsFirst) => {
          const extras = [parts.sort, parts.page, parts.select, parts.timezone].filter(
            (part) => part !== '',
          );
          const conditionPart = parts.conditions === '' ? [] : [parts.conditions];
          const all = callsFirst ? [...extras, ...conditionPart] : [...conditionPart, ...extras];
          return { table: tableName, raw: all.join('&') };
        }),
      );
  });
