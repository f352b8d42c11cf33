/**
 * The seed articles' queries, exactly as written, on the seed schemas, in both their seed form
 * and their Harper form, against both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredValue } from '../../../templates/runtime/store/types.js';
import { calendarSchema, shopSchema } from '../fixtures/schemas.js';
import { count, ids, loadedStore, run, STORE_KINDS, type OpenedStore } from './stores.js';

const users: StoredValue[] = [
  {
    id: 'user123',
    email: 'alice@example.com',
    name: 'Alice',
    timezone: 'America/New_York',
    createdAt: '2024-07-01T12:00:00.000Z',
  },
  {
    id: 'user456',
    email: 'bob@example.com',
    name: 'Bob',
    timezone: 'Europe/Paris',
    createdAt: '2024-07-02T12:00:00.000Z',
  },
  {
    id: 'user789',
    email: 'carol@example.com',
    name: 'Carol',
    timezone: 'Asia/Tokyo',
    createdAt: '2024-07-03T12:00:00.000Z',
  },
];

function event(
  id: string,
  organizerId: string,
  startTime: string,
  endTime: string,
  attendeeIds: string[],
): StoredValue {
  return {
    id,
    title: `Event ${id}`,
    startTime,
    endTime,
    organizerId,
    attendeeIds,
    status: 'confirmed',
    createdAt: '2024-07-10T08:00:00.000Z',
  };
}

const events: StoredValue[] = [
  event('e1', 'user123', '2024-08-15T14:00:00Z', '2024-08-15T15:00:00Z', ['user456', 'user789']),
  event('e2', 'user123', '2024-08-15T13:00:00Z', '2024-08-15T13:30:00Z', ['user123', 'user456']),
  event('e3', 'user456', '2024-08-15T14:30:00Z', '2024-08-15T15:30:00Z', ['user123']),
  event('e4', 'user123', '2024-07-30T10:00:00Z', '2024-07-30T11:00:00Z', ['user456']),
  event('e5', 'user123', '2024-08-20T09:00:00Z', '2024-08-20T10:00:00Z', ['user123']),
  // 22:00 on the 14th in New York.
  event('e6', 'user123', '2024-08-15T02:00:00Z', '2024-08-15T03:00:00Z', []),
  // Exactly midnight of the 15th in New York, and one second before it.
  event('e7', 'user123', '2024-08-15T04:00:00Z', '2024-08-15T05:00:00Z', ['user789']),
  event('e8', 'user123', '2024-08-15T03:59:59Z', '2024-08-15T04:30:00Z', ['user789']),
  event('e9', 'user123', '2024-08-15T14:59:00Z', '2024-08-15T16:00:00Z', ['user123', 'user456']),
  event('e10', 'user789', '2024-08-15T15:00:00Z', '2024-08-15T16:00:00Z', ['user123']),
];

const categories: StoredValue[] = [
  { id: 'electronics', name: 'Electronics' },
  { id: 'books', name: 'Books' },
];

/** 60 products: prices 5..595, every third out of stock, alternating categories. */
const products: StoredValue[] = Array.from({ length: 60 }, (_, index) => ({
  id: `p${String(index).padStart(2, '0')}`,
  name: `Product ${String.fromCharCode(90 - (index % 26))}${index}`,
  price: 5 + index * 10,
  categoryId: index % 2 === 0 ? 'electronics' : 'books',
  inStock: index % 3 !== 0,
  stockQuantity: index,
}));

describe.each(STORE_KINDS)('seed queries on the $name store', (kind) => {
  let calendar: OpenedStore;
  let shop: OpenedStore;

  beforeAll(async () => {
    calendar = await loadedStore(kind, calendarSchema, { User: users, Event: events });
    shop = await loadedStore(kind, shopSchema, { Category: categories, Product: products });
  });

  afterAll(async () => {
    await calendar.dispose();
    await shop.dispose();
  });

  const calendarQuery = (raw: string) => run(calendar.read(), calendarSchema, 'Event', raw);
  const shopQuery = (raw: string) => run(shop.read(), shopSchema, 'Product', raw);

  describe("someone's calendar", () => {
    const expected = ['e6', 'e8', 'e7', 'e2', 'e1', 'e9', 'e5'];

    it.each([
      'organizerId=user123&startTime=gte=2024-08-01&sort=startTime',
      'organizerId=user123&startTime=ge=2024-08-01&sort(+startTime)',
      'sort(startTime)&organizerId==user123&startTime>=2024-08-01',
    ])('%s', async (raw) => {
      expect(ids(await calendarQuery(raw))).toEqual(expected);
    });

    it('descending', async () => {
      expect(
        ids(await calendarQuery('organizerId=user123&startTime=gte=2024-08-01&sort=-startTime')),
      ).toEqual([...expected].reverse());
    });
  });

  describe('conflicts', () => {
    it.each([
      'attendeeIds=user123&startTime=lt=2024-08-15T15:00:00Z&endTime=gt=2024-08-15T14:00:00Z',
      'attendeeIds==user123&startTime<2024-08-15T15:00:00Z&endTime>2024-08-15T14:00:00Z',
      'attendeeIds=user123&startTime=lt=2024-08-15T15%3A00%3A00Z&endTime=gt=2024-08-15T14%3A00%3A00Z',
    ])('%s', async (raw) => {
      expect(ids(await calendarQuery(raw)).sort()).toEqual(['e3', 'e9']);
    });
  });

  describe('time zones', () => {
    it('reads a zone-less date as local midnight and answers with the offset', async () => {
      const answers = (await calendarQuery(
        'organizerId=user123&timezone=America/New_York&startTime=gte=2024-08-15',
      )) as StoredValue[];
      expect(ids(answers).sort()).toEqual(['e1', 'e2', 'e5', 'e7', 'e9']);
      const e1 = answers.find((answer) => answer.id === 'e1');
      expect(e1).toMatchObject({
        startTime: '2024-08-15T10:00:00-04:00',
        endTime: '2024-08-15T11:00:00-04:00',
        createdAt: '2024-07-10T04:00:00-04:00',
        organizerId: 'user123',
      });
    });

    it('without a time zone compares the strings as written', async () => {
      expect(
        ids(await calendarQuery('organizerId=user123&startTime=gte=2024-08-15')).sort(),
      ).toEqual(['e1', 'e2', 'e5', 'e6', 'e7', 'e8', 'e9']);
    });

    it('in the Harper form, with a sort', async () => {
      const answers = await calendarQuery(
        'organizerId=user123&timezone=America/New_York&startTime=ge=2024-08-15&sort(+startTime)&select(id,startTime)',
      );
      expect(answers).toEqual([
        { id: 'e7', startTime: '2024-08-15T00:00:00-04:00' },
        { id: 'e2', startTime: '2024-08-15T09:00:00-04:00' },
        { id: 'e1', startTime: '2024-08-15T10:00:00-04:00' },
        { id: 'e9', startTime: '2024-08-15T10:59:00-04:00' },
        { id: 'e5', startTime: '2024-08-20T05:00:00-04:00' },
      ]);
    });
  });

  describe('product browsing', () => {
    const inStockElectronics = products.filter(
      (product) => product.categoryId === 'electronics' && product.inStock === true,
    );

    it.each([
      'categoryId=electronics&inStock=true&limit=20',
      'categoryId=electronics&inStock=true&limit(20)',
    ])('%s', async (raw) => {
      const answers = (await shopQuery(raw)) as StoredValue[];
      expect(answers).toHaveLength(20);
      for (const answer of answers)
        expect(answer).toMatchObject({ categoryId: 'electronics', inStock: true });
      expect(new Set(ids(answers)).size).toBe(20);
      expect(await count(shop.read(), shopSchema, 'Product', raw)).toBe(inStockElectronics.length);
    });

    const cheap = products
      .filter((product) => (product.price as number) < 100 && product.inStock === true)
      .map((product) => product.name as string)
      .sort();

    it.each([
      'price=lt=100&inStock=true&sort=name',
      'price<100&inStock=true&sort(+name)',
      'price=lt=100&inStock==true&sort(name)',
    ])('%s', async (raw) => {
      expect((await shopQuery(raw)).map((answer) => (answer as StoredValue).name)).toEqual(cheap);
    });

    it('pages with limit and offset', async () => {
      const page = async (raw: string) =>
        (await shopQuery(raw)).map((answer) => (answer as StoredValue).name);
      expect(await page('price=lt=100&inStock=true&sort=name&limit=2&offset=1')).toEqual(
        cheap.slice(1, 3),
      );
      expect(await page('price=lt=100&inStock=true&sort(name)&limit(1,3)')).toEqual(
        cheap.slice(1, 3),
      );
    });

    it('finds the cart of a session', async () => {
      const opened = await loadedStore(kind, shopSchema, {
        CartItem: [
          {
            id: 'c1',
            productId: 'p01',
            sessionId: 'session456',
            quantity: 2,
            addedAt: '2024-08-05T10:30:00Z',
          },
          { id: 'c2', productId: 'p02', sessionId: 'other', quantity: 1 },
        ],
      });
      try {
        expect(
          ids(await run(opened.read(), shopSchema, 'CartItem', 'sessionId=session456')),
        ).toEqual(['c1']);
      } finally {
        await opened.dispose();
      }
    });
  });
});
