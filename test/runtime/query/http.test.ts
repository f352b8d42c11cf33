/**
 * The query language over HTTP, on the in-process server: the seed articles' queries exactly as
 * written, their Harper forms, `Prefer: count=exact`, DELETE by query, CSV projections, and the
 * 400 answers of malformed queries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarSchema, shopSchema } from '../fixtures/schemas.js';
import { startServer, type TestServer } from '../helpers/server.js';

type Json = Record<string, unknown>;

async function json(
  server: TestServer,
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await server.fetch(path, init);
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : JSON.parse(text),
    headers: response.headers,
  };
}

const idsOf = (body: unknown): unknown[] => (body as Json[]).map((record) => record.id);

describe('the calendar over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer(calendarSchema);
    const users = [
      { id: 'user123', email: 'alice@example.com', name: 'Alice', timezone: 'America/New_York' },
      { id: 'user456', email: 'bob@example.com', name: 'Bob', timezone: 'Europe/Paris' },
      { id: 'user789', email: 'carol@example.com', name: 'Carol', timezone: 'Asia/Tokyo' },
    ];
    const event = (
      id: string,
      organizerId: string,
      startTime: string,
      endTime: string,
      attendeeIds: string[],
    ) => ({
      id,
      title: `Event ${id}`,
      startTime,
      endTime,
      organizerId,
      attendeeIds,
      status: 'confirmed',
    });
    const events = [
      event('e1', 'user123', '2024-08-15T14:00:00Z', '2024-08-15T15:00:00Z', [
        'user456',
        'user789',
      ]),
      event('e2', 'user123', '2024-08-15T13:00:00Z', '2024-08-15T13:30:00Z', [
        'user123',
        'user456',
      ]),
      event('e3', 'user456', '2024-08-15T14:30:00Z', '2024-08-15T15:30:00Z', ['user123']),
      event('e4', 'user123', '2024-07-30T10:00:00Z', '2024-07-30T11:00:00Z', ['user456']),
      event('e5', 'user123', '2024-08-20T09:00:00Z', '2024-08-20T10:00:00Z', ['user123']),
      event('e6', 'user123', '2024-08-15T02:00:00Z', '2024-08-15T03:00:00Z', []),
      event('e9', 'user123', '2024-08-15T14:59:00Z', '2024-08-15T16:00:00Z', [
        'user123',
        'user456',
      ]),
    ];
    expect((await server.send('POST', '/User/', users)).status).toBe(201);
    expect((await server.send('POST', '/Event/', events)).status).toBe(201);
  });

  afterAll(async () => {
    await server.dispose();
  });

  it("gets someone's calendar: /Event/?organizerId=user123&startTime=gte=2024-08-01&sort=startTime", async () => {
    for (const path of [
      '/Event/?organizerId=user123&startTime=gte=2024-08-01&sort=startTime',
      '/Event/?organizerId=user123&startTime=ge=2024-08-01&sort(+startTime)',
    ]) {
      const { status, body } = await json(server, path);
      expect(status).toBe(200);
      expect(idsOf(body)).toEqual(['e6', 'e2', 'e1', 'e9', 'e5']);
    }
  });

  it('checks for conflicts: /Event/?attendeeIds=user123&startTime=lt=2024-08-15T15:00:00Z&endTime=gt=2024-08-15T14:00:00Z', async () => {
    const { status, body } = await json(
      server,
      '/Event/?attendeeIds=user123&startTime=lt=2024-08-15T15:00:00Z&endTime=gt=2024-08-15T14:00:00Z',
    );
    expect(status).toBe(200);
    expect(idsOf(body).sort()).toEqual(['e3', 'e9']);
  });

  it('handles time zones: /Event/?organizerId=user123&timezone=America/New_York&startTime=gte=2024-08-15', async () => {
    const { status, body } = await json(
      server,
      '/Event/?organizerId=user123&timezone=America/New_York&startTime=gte=2024-08-15',
    );
    expect(status).toBe(200);
    const events = body as Json[];
    expect(idsOf(events).sort()).toEqual(['e1', 'e2', 'e5', 'e9']);
    const e1 = events.find((event) => event.id === 'e1')!;
    expect(e1.startTime).toBe('2024-08-15T10:00:00-04:00');
    // The server stamped createdAt in UTC; the answer shows it in New York time.
    expect(e1.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?-0[45]:00$/);
  });

  it('joins through relationships and selects related records', async () => {
    const { body } = await json(
      server,
      '/Event/?attendees.name=Alice&select(id,attendees{name})&sort(id)',
    );
    expect(body).toEqual([
      { id: 'e2', attendees: [{ name: 'Alice' }] },
      { id: 'e3', attendees: [{ name: 'Alice' }] },
      { id: 'e5', attendees: [{ name: 'Alice' }] },
      { id: 'e9', attendees: [{ name: 'Alice' }] },
    ]);
    const organizer = await json(server, '/Event/?id=e3&select(organizer{name,timezone})');
    expect(organizer.body).toEqual([{ name: 'Bob', timezone: 'Europe/Paris' }]);
  });

  it('lets a declared attribute named timezone be a condition', async () => {
    const { body } = await json(server, '/User/?timezone=Asia/Tokyo');
    expect(idsOf(body)).toEqual(['user789']);
  });
});

describe('the shop over HTTP', () => {
  let server: TestServer;
  const products = Array.from({ length: 40 }, (_, index) => ({
    id: `p${String(index).padStart(2, '0')}`,
    name: `Product ${String.fromCharCode(65 + ((index * 7) % 26))}${index}`,
    price: 10 + index * 5,
    categoryId: index % 2 === 0 ? 'electronics' : 'books',
    inStock: index % 4 !== 3,
  }));

  beforeAll(async () => {
    server = await startServer(shopSchema);
    expect((await server.send('POST', '/Product/', products)).status).toBe(201);
    expect(
      (
        await server.send('POST', '/Category/', [
          { id: 'electronics', name: 'Electronics' },
          { id: 'books', name: 'Books' },
        ])
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await server.dispose();
  });

  const inStockElectronics = products.filter(
    (product) => product.categoryId === 'electronics' && product.inStock,
  );
  const cheapInStock = products
    .filter((product) => product.price < 100 && product.inStock)
    .map((product) => product.name)
    .sort();

  it('shapes one record with select(): /Category/books?select(name,products{name,price})', async () => {
    const { status, body } = await json(
      server,
      '/Category/books?select(name,products{name,price})',
    );
    expect(status).toBe(200);
    const books = products.filter((product) => product.categoryId === 'books');
    expect(body).toEqual({
      name: 'Books',
      products: books.map(({ name, price }) => ({ name, price })),
    });
    expect((await json(server, '/Category/nope?select(name)')).status).toBe(404);
  });

  it('refuses conditions, sorting and limits on a record URL instead of ignoring them', async () => {
    for (const path of [
      '/Category/books?name=Books',
      '/Category/books?sort(name)',
      '/Category/books?limit(1)',
    ]) {
      const { status, body } = await json(server, path);
      expect(status, path).toBe(400);
      expect((body as Json).code, path).toBe('QUERY_UNSUPPORTED');
    }
  });

  it('browses: /Product/?categoryId=electronics&inStock=true&limit=20', async () => {
    for (const path of [
      '/Product/?categoryId=electronics&inStock=true&limit=20',
      '/Product/?categoryId=electronics&inStock=true&limit(20)',
    ]) {
      const { status, body } = await json(server, path);
      expect(status).toBe(200);
      const found = body as Json[];
      expect(found.length).toBe(Math.min(20, inStockElectronics.length));
      for (const product of found)
        expect(product).toMatchObject({ categoryId: 'electronics', inStock: true });
    }
  });

  it('sorts: /Product/?price=lt=100&inStock=true&sort=name', async () => {
    for (const path of [
      '/Product/?price=lt=100&inStock=true&sort=name',
      '/Product/?price=lt=100&inStock=true&sort(+name)',
    ]) {
      const { body } = await json(server, path);
      expect((body as Json[]).map((product) => product.name)).toEqual(cheapInStock);
    }
  });

  it('counts every match for Prefer: count=exact', async () => {
    const { headers, body } = await json(
      server,
      '/Product/?categoryId=electronics&inStock=true&limit=5&offset=3',
      { headers: { Prefer: 'count=exact' } },
    );
    expect((body as Json[]).length).toBe(5);
    expect(headers.get('content-range')).toBe(`items 3-7/${inStockElectronics.length}`);
    const head = await server.fetch('/Product/?price=lt=100', {
      method: 'HEAD',
      headers: { Prefer: 'return=minimal, count=exact' },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-range')).toBe(
      `items 0-${products.filter((product) => product.price < 100).length - 1}/${products.filter((product) => product.price < 100).length}`,
    );
    const none = await json(server, '/Product/?price=gt=100000', {
      headers: { Prefer: 'count=exact' },
    });
    expect(none.headers.get('content-range')).toBe('items */0');
    expect((await json(server, '/Product/?price=lt=100')).headers.get('content-range')).toBeNull();
  });

  it('writes CSV columns from the projection', async () => {
    const response = await server.fetch('/Product/?price=lt=20&select(id,name,category{name})', {
      headers: { Accept: 'text/csv' },
    });
    expect(response.status).toBe(200);
    const [header, first] = (await response.text()).trim().split(/\r?\n/);
    expect(header).toBe('"id","name","category"');
    expect(first).toContain('p00');
  });

  it('deletes by query in one transaction', async () => {
    await server.send('POST', '/CartItem/', [
      { id: 'c1', productId: 'p01', sessionId: 'session456', quantity: 2 },
      { id: 'c2', productId: 'p02', sessionId: 'session456', quantity: 1 },
      { id: 'c3', productId: 'p03', sessionId: 'other', quantity: 1 },
    ]);
    const deleted = await json(server, '/CartItem/?sessionId=session456', { method: 'DELETE' });
    expect(deleted).toMatchObject({ status: 200, body: true });
    expect(idsOf((await json(server, '/CartItem/')).body)).toEqual(['c3']);
  });

  it.each([
    ['/Product/?price=lt=100&(inStock=true', 'QUERY_SYNTAX', 13],
    ['/Product/?name=a&price=1|inStock=true', 'QUERY_SYNTAX', 14],
    ['/Product/?colour=red', 'QUERY_UNKNOWN_ATTRIBUTE', 0],
    ['/Product/?price=cheap', 'QUERY_INVALID_VALUE', 6],
    ['/Product/?inStock=yes', 'QUERY_INVALID_VALUE', 8],
    ['/Product/?price=sw=1', 'QUERY_UNSUPPORTED', 0],
    ['/Product/?timezone=Mars/Olympus', 'QUERY_INVALID_VALUE', 9],
    ['/Product/?sort(colour)', 'QUERY_UNKNOWN_ATTRIBUTE', 5],
  ])('answers %s with a 400 %s at character %i', async (path, code, position) => {
    const { status, body, headers } = await json(server, path);
    expect(status).toBe(400);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toMatchObject({ code, position });
    expect(typeof (body as Json).error).toBe('string');
  });
});
