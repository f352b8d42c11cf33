/**
 * The query language at its boundaries, end to end against the committed shop server running as a
 * process: every comparison operator at, just below and just above its bound, on an indexed
 * attribute (`price: Float @indexed`, `name: String @indexed`) and on one without an index
 * (`stockQuantity: Int`, `description: String`); chained ranges; `sort` with ties, nulls and
 * several keys; `limit`/`offset` in both forms, up to and past the end. The expected answers are
 * computed here, by plain filtering and sorting of the records this test loaded (contract section
 * 5), never with the runtime's code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeneratedServer, type GeneratedServer } from '../helpers/generatedServer.js';

interface Product {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly price?: number | null;
  readonly stockQuantity?: number | null;
}

/** Ties at the bounds (three prices of 5, four quantities of 5), nulls, absent values, negatives. */
const PRODUCTS: readonly Product[] = [
  { id: 'p01', name: 'Apple', description: 'red fruit', price: 1, stockQuantity: 0 },
  { id: 'p02', name: 'Banana', description: 'yellow', price: 2, stockQuantity: 5 },
  { id: 'p03', name: 'Cherry', description: 'red', price: 2, stockQuantity: 3 },
  { id: 'p04', name: 'Lamp', description: 'desk lamp', price: 4.5, stockQuantity: 5 },
  { id: 'p05', name: 'Lamp shade', description: 'for a lamp', price: 5, stockQuantity: 5 },
  { id: 'p06', name: 'Lamps', description: 'two lamps', price: 5, stockQuantity: 7 },
  { id: 'p07', name: 'Lan', description: 'network', price: 5, stockQuantity: null },
  { id: 'p08', name: 'Mango', description: 'yellow fruit', price: 5.5 },
  { id: 'p09', name: 'Pear', description: 'green fruit', price: null, stockQuantity: 4 },
  { id: 'p10', name: 'Zucchini', description: 'green', stockQuantity: 6 },
  { id: 'p11', name: 'apple', description: 'lowercase', price: 10, stockQuantity: 5 },
  { id: 'p12', name: 'Ab', description: 'Ab', price: -1, stockQuantity: -2 },
];

type Attribute = 'price' | 'stockQuantity' | 'name' | 'description';
type Operator = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'sw' | 'ew' | 'ct';
type Value = number | string;

/** The contract's meaning of one comparison on one record (absent and null never compare). */
function holds(product: Product, attribute: Attribute, operator: Operator, bound: Value): boolean {
  const value = product[attribute];
  if (operator === 'ne') return !holds(product, attribute, 'eq', bound);
  if (value === undefined || value === null || typeof value !== typeof bound) return false;
  switch (operator) {
    case 'eq':
      return value === bound;
    case 'lt':
      return value < bound;
    case 'le':
      return value <= bound;
    case 'gt':
      return value > bound;
    case 'ge':
      return value >= bound;
    case 'sw':
      return String(value).startsWith(String(bound));
    case 'ew':
      return String(value).endsWith(String(bound));
    case 'ct':
      return String(value).includes(String(bound));
  }
}

const idsWhere = (test: (product: Product) => boolean): string[] =>
  PRODUCTS.filter(test)
    .map((product) => product.id)
    .sort();

/** Ascending order of the contract: nulls and absent values first, numbers and strings by value. */
function compareValues(a: Value | null | undefined, b: Value | null | undefined): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface SortKey {
  readonly attribute: Attribute;
  readonly descending: boolean;
}

/** Sorted by the keys, ties by primary key in the direction of the first key. */
function sortedIds(products: readonly Product[], keys: readonly SortKey[]): string[] {
  return [...products]
    .sort((a, b) => {
      for (const { attribute, descending } of keys) {
        const result = compareValues(a[attribute], b[attribute]);
        if (result !== 0) return descending ? -result : result;
      }
      const byKey = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      return keys[0]!.descending ? -byKey : byKey;
    })
    .map((product) => product.id);
}

let server: GeneratedServer;

async function query(raw: string): Promise<Product[]> {
  const response = await fetch(`${server.url}/Product/?${raw}`);
  const body = await response.text();
  expect(response.status, `GET /Product/?${raw}: ${body}`).toBe(200);
  return JSON.parse(body) as Product[];
}

async function queryIds(raw: string): Promise<string[]> {
  return (await query(raw)).map((product) => product.id).sort();
}

beforeAll(async () => {
  server = await startGeneratedServer('shop');
  for (const { id, ...product } of PRODUCTS) {
    const response = await fetch(`${server.url}/Product/${id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(product),
    });
    expect(response.status, `PUT ${id}: ${await response.text()}`).toBe(204);
  }
});
afterAll(async () => {
  await server.dispose();
});

/** Each form of an operator (symbols, FIQL words, the seed's `lte`/`gte`, the strict `=`). */
const FORMS: Readonly<Record<'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', readonly string[]>> = {
  eq: ['=', '==', '=eq=', '==='],
  ne: ['!=', '=ne=', '!=='],
  lt: ['<', '=lt='],
  le: ['<=', '=le=', '=lte='],
  gt: ['>', '=gt='],
  ge: ['>=', '=ge=', '=gte='],
};

/** The bound of each attribute, and values just below and just above it. */
const NUMERIC: readonly { attribute: Attribute; indexed: boolean; values: readonly number[] }[] = [
  { attribute: 'price', indexed: true, values: [4.99, 5, 5.01] },
  { attribute: 'stockQuantity', indexed: false, values: [4, 5, 6] },
];
const TEXT: readonly { attribute: Attribute; indexed: boolean; values: readonly string[] }[] = [
  { attribute: 'name', indexed: true, values: ['Lamo', 'Lamp', 'Lamp '] },
  { attribute: 'description', indexed: false, values: ['red', 'red fruit', 'red fruit!'] },
];

describe('comparisons at, just below and just above their bound', () => {
  const numericCases = NUMERIC.flatMap(({ attribute, indexed, values }) =>
    Object.entries(FORMS).flatMap(([operator, forms]) =>
      forms.flatMap((form) =>
        values.map((value) => ({
          attribute,
          indexed,
          operator: operator as Operator,
          form,
          value,
        })),
      ),
    ),
  );
  it.each(numericCases)(
    '$attribute (indexed: $indexed) $form $value',
    async ({ attribute, operator, form, value }) => {
      expect(await queryIds(`${attribute}${form}${value}`)).toEqual(
        idsWhere((product) => holds(product, attribute, operator, value)),
      );
    },
  );

  const textCases = TEXT.flatMap(({ attribute, indexed, values }) =>
    (['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).flatMap((operator) =>
      values.map((value) => ({ attribute, indexed, operator, form: FORMS[operator][1]!, value })),
    ),
  );
  it.each(textCases)(
    '$attribute (indexed: $indexed) $form $value',
    async ({ attribute, operator, form, value }) => {
      expect(await queryIds(`${attribute}${form}${encodeURIComponent(value)}`)).toEqual(
        idsWhere((product) => holds(product, attribute, operator, value)),
      );
    },
  );

  const stringCases = (['name', 'description'] as const).flatMap((attribute) =>
    (
      [
        ['sw', 'Lamp'],
        ['sw', 'Lam'],
        ['sw', 'lamp'],
        ['ew', 'p'],
        ['ew', 'fruit'],
        ['ct', 'amp'],
        ['ct', 'pple'],
        ['ct', 'zz'],
      ] as const
    ).map(([operator, value]) => ({ attribute, operator, value })),
  );
  it.each(stringCases)(
    '$attribute=$operator=$value (case-sensitive)',
    async ({ attribute, operator, value }) => {
      expect(await queryIds(`${attribute}=${operator}=${encodeURIComponent(value)}`)).toEqual(
        idsWhere((product) => holds(product, attribute, operator, value)),
      );
    },
  );

  it.each(NUMERIC)(
    '$attribute=in=(…) and =out=(…) around the bound',
    async ({ attribute, values }) => {
      const [below, at, above] = values as [number, number, number];
      expect(await queryIds(`${attribute}=in=(${below},${at},${above})`)).toEqual(
        idsWhere((product) =>
          [below, at, above].some((value) => holds(product, attribute, 'eq', value)),
        ),
      );
      expect(await queryIds(`${attribute}=out=(${at},${above})`)).toEqual(
        idsWhere((product) => ![at, above].some((value) => holds(product, attribute, 'eq', value))),
      );
      expect(await queryIds(`${attribute}=in=()`)).toEqual([]);
    },
  );
});

describe('chained ranges: both bounds, inclusive or not', () => {
  const cases = NUMERIC.flatMap(({ attribute, indexed, values }) => {
    const [, at] = values as [number, number, number];
    const low = attribute === 'price' ? 2 : 3;
    return (['gt', 'ge'] as const).flatMap((lower) =>
      (['lt', 'le'] as const).flatMap((upper) =>
        [`=${upper}=`, `${upper}=`].map((join) => ({
          attribute,
          indexed,
          lower,
          upper,
          join,
          low,
          high: at,
        })),
      ),
    );
  });
  it.each(cases)(
    '$attribute (indexed: $indexed) =$lower=$low&$join$high',
    async ({ attribute, lower, upper, join, low, high }) => {
      expect(await queryIds(`${attribute}=${lower}=${low}&${join}${high}`)).toEqual(
        idsWhere(
          (product) =>
            holds(product, attribute, lower, low) && holds(product, attribute, upper, high),
        ),
      );
    },
  );
});

describe('sort, limit and offset', () => {
  const SORTS: readonly { raw: string; keys: readonly SortKey[] }[] = [
    { raw: 'sort(price)', keys: [{ attribute: 'price', descending: false }] },
    { raw: 'sort(-price)', keys: [{ attribute: 'price', descending: true }] },
    { raw: 'sort(stockQuantity)', keys: [{ attribute: 'stockQuantity', descending: false }] },
    { raw: 'sort=-stockQuantity', keys: [{ attribute: 'stockQuantity', descending: true }] },
    {
      raw: 'sort(price,-stockQuantity)',
      keys: [
        { attribute: 'price', descending: false },
        { attribute: 'stockQuantity', descending: true },
      ],
    },
    {
      raw: 'sort(-stockQuantity,name)',
      keys: [
        { attribute: 'stockQuantity', descending: true },
        { attribute: 'name', descending: false },
      ],
    },
    { raw: 'sort(name)', keys: [{ attribute: 'name', descending: false }] },
  ];

  it.each(SORTS)(
    '$raw orders every record, ties by key in the direction of the first key',
    async ({ raw, keys }) => {
      expect((await query(raw)).map((product) => product.id)).toEqual(sortedIds(PRODUCTS, keys));
    },
  );

  it('has ties and nulls to order (the data is fit for the sort tests)', () => {
    expect(PRODUCTS.filter((product) => product.price === 5)).toHaveLength(3);
    expect(PRODUCTS.filter((product) => product.stockQuantity === 5)).toHaveLength(4);
    expect(
      PRODUCTS.filter((product) => product.price === null || product.price === undefined),
    ).toHaveLength(2);
  });

  // (offset, count): from the start, across the ties, to the exact end, past the end, and empty pages.
  const PAGES: readonly [number, number][] = [
    [0, 1],
    [0, 3],
    [1, 3],
    [4, 3],
    [5, 2],
    [9, 3],
    [11, 1],
    [11, 5],
    [12, 1],
    [20, 3],
    [3, 0],
  ];
  const pageCases = SORTS.slice(0, 4).flatMap(({ raw, keys }) =>
    PAGES.flatMap(([offset, count]) => [
      { sort: raw, keys, offset, count, page: `limit(${offset},${offset + count})` },
      { sort: raw, keys, offset, count, page: `limit=${count}&offset=${offset}` },
    ]),
  );
  it.each(pageCases)('$sort&$page', async ({ sort, keys, offset, count, page }) => {
    expect((await query(`${sort}&${page}`)).map((product) => product.id)).toEqual(
      sortedIds(PRODUCTS, keys).slice(offset, offset + count),
    );
  });

  it.each([0, 1, 5, 12, 13])(
    'limit(%i) and limit=%i take that many from the start',
    async (count) => {
      const keys: SortKey[] = [{ attribute: 'price', descending: true }];
      const expected = sortedIds(PRODUCTS, keys).slice(0, count);
      expect((await query(`sort(-price)&limit(${count})`)).map((product) => product.id)).toEqual(
        expected,
      );
      expect((await query(`limit=${count}&sort(-price)`)).map((product) => product.id)).toEqual(
        expected,
      );
    },
  );

  it.each([
    [
      'price=ge=2',
      'sort(-price)&limit(1,4)',
      (product: Product) => holds(product, 'price', 'ge', 2),
      1,
      4,
    ],
    [
      'stockQuantity=le=5',
      'sort(stockQuantity)&limit=3&offset=2',
      (product: Product) => holds(product, 'stockQuantity', 'le', 5),
      2,
      5,
    ],
    [
      'price=gt=1&=le=5',
      'sort(-stockQuantity,name)&limit(0,10)',
      (product: Product) => holds(product, 'price', 'gt', 1) && holds(product, 'price', 'le', 5),
      0,
      10,
    ],
  ] as const)('%s&%s pages the matches only', async (condition, rest, test, start, end) => {
    const sortRaw = rest.split('&')[0]!;
    const keys = SORTS.find((sort) => sort.raw === sortRaw)!.keys;
    expect((await query(`${condition}&${rest}`)).map((product) => product.id)).toEqual(
      sortedIds(PRODUCTS.filter(test), keys).slice(start, end),
    );
  });

  it('counts all matches with Prefer: count=exact, and an empty page past the end', async () => {
    const total = idsWhere((product) => holds(product, 'price', 'ge', 5)).length;
    const page = await fetch(`${server.url}/Product/?price=ge=5&sort(price)&limit(1,3)`, {
      headers: { Prefer: 'count=exact' },
    });
    expect(page.headers.get('content-range')).toBe(`items 1-2/${total}`);
    const past = await fetch(`${server.url}/Product/?price=ge=5&sort(price)&limit(40,45)`, {
      headers: { Prefer: 'count=exact' },
    });
    expect(await past.json()).toEqual([]);
    expect(past.headers.get('content-range')).toBe(`items */${total}`);
  });
});
