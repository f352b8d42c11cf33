/** Which driver the planner picks: the most selective index range, joins from the selective side. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery } from '../../../templates/runtime/query/index.js';
import type { Driver } from '../../../templates/runtime/query/drivers.js';
import { planQuery } from '../../../templates/runtime/query/plan.js';
import type { IndexRange, StoredValue } from '../../../templates/runtime/store/types.js';
import { shopSchema } from '../fixtures/schemas.js';
import { ids, loadedStore, run, STORE_KINDS, tableOf, type OpenedStore } from './stores.js';

/** 1,000 products: half electronics, 40% books, 10% garden; prices 0..999. */
const products: StoredValue[] = Array.from({ length: 1000 }, (_, index) => ({
  id: `p${String(index).padStart(4, '0')}`,
  name: `Product ${index}`,
  price: (index * 37) % 1000,
  categoryId: index % 10 < 5 ? 'electronics' : index % 10 < 9 ? 'books' : 'garden',
  inStock: index % 2 === 0,
  description: index === 7 ? 'special' : 'plain',
}));

/** The three categories of the products, and 200 empty ones. */
const categories: StoredValue[] = [
  { id: 'electronics', name: 'Electronics' },
  { id: 'books', name: 'Books' },
  { id: 'garden', name: 'Garden' },
  ...Array.from({ length: 200 }, (_, index) => ({ id: `c${index}`, name: `Empty ${index}` })),
];

function describeRange(range: IndexRange): string {
  const start =
    range.start === undefined
      ? '('
      : `${range.start.inclusive ? '[' : '('}${JSON.stringify(range.start.value)}`;
  const end =
    range.end === undefined
      ? ')'
      : `${JSON.stringify(range.end.value)}${range.end.inclusive ? ']' : ')'}`;
  return `${start},${end}`;
}

function describeDriver(driver: Driver): string {
  switch (driver.kind) {
    case 'scan':
      return driver.reverse ? 'scan desc' : 'scan';
    case 'keys':
      return `keys ${driver.keys.join(',')}`;
    case 'keyRange':
      return `keys ${describeRange(driver.range)}`;
    case 'index':
      return `${driver.attribute} ${driver.ranges.map(describeRange).join(' ')}${driver.reverse ? ' desc' : ''}`;
    case 'union':
      return `union(${driver.branches.map(describeDriver).join(' | ')})`;
  }
}

const kind = STORE_KINDS[0]!;

describe('the planner', () => {
  let opened: OpenedStore;

  beforeAll(async () => {
    opened = await loadedStore(kind, shopSchema, { Product: products, Category: categories });
  });

  afterAll(async () => {
    await opened.dispose();
  });

  const plan = async (raw: string, tableName = 'Product') => {
    const ctx = { schema: shopSchema, table: tableOf(shopSchema, tableName) };
    const result = await planQuery(opened.read(), ctx.table, parseQuery(raw, ctx));
    return { driver: describeDriver(result.driver), ordered: result.ordered };
  };

  it.each([
    ['categoryId=garden&price=lt=900', 'categoryId ["garden","garden"]'],
    ['categoryId=electronics&price=lt=10', 'price (true,10)'],
    ['price=gt=5&price=lt=10', 'price (5,10)'],
    ['price=gt=5&lt=10&categoryId=books', 'price (5,10)'],
    ['price=gt=10&price=lt=5', 'price '],
    ['name=sw=Product 99', 'name ["Product 99","Product 9:")'],
    ['description=special', 'scan'],
    ['id=p0001', 'keys p0001'],
    ['id=in=(p0002,p0001)&categoryId=books', 'keys p0001,p0002'],
    ['id=gt=p0990', 'keys ("p0990",)'],
    ['id=p0001|id=p0002', 'union(keys p0001 | keys p0002)'],
    ['price=lt=10|name=x', 'union(price (true,10) | name ["x","x"])'],
    ['price=lt=10|description=x', 'scan'],
    ['category.name=Garden&price=lt=900', 'categoryId ["garden","garden"]'],
    ['category.name=Electronics&price=lt=10', 'price (true,10)'],
  ])('%s → %s', async (raw, expected) => {
    expect((await plan(raw)).driver).toBe(expected);
  });

  it('drives a one-to-many condition from the related records', async () => {
    expect((await plan('products.price=lt=3', 'Category')).driver).toMatch(/^keys /);
    expect(
      ids(await run(opened.read(), shopSchema, 'Category', 'products.price=lt=3')).sort(),
    ).toEqual(
      [
        ...new Set(
          products
            .filter((product) => (product.price as number) < 3)
            .map((product) => product.categoryId),
        ),
      ].sort(),
    );
  });

  it('walks an index in the sort order, forwards or backwards', async () => {
    expect(await plan('price=lt=10&sort=price')).toEqual({
      driver: 'price (true,10)',
      ordered: true,
    });
    expect(await plan('price=lt=10&sort=-price')).toEqual({
      driver: 'price (true,10) desc',
      ordered: true,
    });
    expect(await plan('inStock=true&sort=name&limit=5')).toEqual({
      driver: 'name (,)',
      ordered: true,
    });
    expect(await plan('sort(-id)&limit(3)')).toEqual({ driver: 'scan desc', ordered: true });
    // A selective condition beats walking the whole index; its matches are sorted in memory.
    expect(await plan('categoryId=garden&sort=name&limit=50')).toEqual({
      driver: 'categoryId ["garden","garden"]',
      ordered: false,
    });
    // With a small limit, walking the sort index finds enough matches sooner.
    expect(await plan('categoryId=garden&sort=name&limit=5')).toEqual({
      driver: 'name (,)',
      ordered: true,
    });
  });

  it('reads nothing for an empty range', async () => {
    expect(await run(opened.read(), shopSchema, 'Product', 'price=gt=10&price=lt=5')).toEqual([]);
  });
});
