/**
 * The budget of one answer (issue 20, contract section 9): a `select()` through a relationship
 * cycle, a large relationship attribute, or related records too big to hold, are refused with 400
 * `ANSWER_TOO_LARGE` naming the limit, never a 5xx or a body cut short that looks complete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopSchema } from '../fixtures/schemas.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { rawExchange } from '../../reliability/rawHttp.js';

const PRODUCTS = 20;

/** `select(id,products{id,category{id,products{…}}})` with `levels` relationship hops. */
function cycle(levels: number): string {
  let inner = 'id';
  for (let level = levels; level > 0; level--) {
    inner = `id,${level % 2 === 1 ? 'products' : 'category'}{${inner}}`;
  }
  return `select(${inner})`;
}

async function seed(server: TestServer, categories: number, description = ''): Promise<void> {
  for (let c = 0; c < categories; c++) {
    expect(
      (await server.send('PUT', `/Category/c${c}`, { id: `c${c}`, name: `C${c}` })).status,
    ).toBe(204);
    const products = Array.from({ length: PRODUCTS }, (_, p) => ({
      id: `c${c}p${p}`,
      name: `P${p}`,
      categoryId: `c${c}`,
      description,
    }));
    expect((await server.send('POST', '/Product/', products)).status).toBe(201);
  }
}

describe('answer budget with the default limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(shopSchema);
    await seed(server, 1);
  });
  afterAll(() => server.dispose());

  it('answers a shallow cycle in full', async () => {
    // products (20) → category (20) → products (400): 440 related records, within the budget.
    const response = await server.fetch(`/Category/c0?${cycle(3)}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { products: { category: { products: unknown[] } }[] };
    expect(body.products).toHaveLength(PRODUCTS);
    expect(body.products[0]!.category.products).toHaveLength(PRODUCTS);
  });

  it('refuses the depth-12 cycle that used to run out of heap, and stays healthy', async () => {
    const response = await server.fetch(`/Category/c0?${cycle(12)}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'ANSWER_TOO_LARGE',
      limit: 'MAX_RESOLVED_RECORDS',
      max: 10000,
    });
    expect((await server.fetch('/health')).status).toBe(200);
  });
});

describe('answer budget with small limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(shopSchema, { MAX_RESOLVED_RECORDS: '100' });
    await seed(server, 3);
  });
  afterAll(() => server.dispose());

  it('counts every related record, a cycle paid at each level', async () => {
    // 20 products + 20 categories = 40 records: within 100.
    expect((await server.fetch(`/Category/c0?${cycle(2)}`)).status).toBe(200);
    // 20 + 20 + 400: beyond 100.
    const response = await server.fetch(`/Category/c0?${cycle(3)}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'ANSWER_TOO_LARGE',
      limit: 'MAX_RESOLVED_RECORDS',
      max: 100,
    });
  });

  it('applies to a relationship read on its own (GET /T/<id>.<relationship>)', async () => {
    const small = await startServer(shopSchema, { MAX_RESOLVED_RECORDS: '10' });
    try {
      await seed(small, 1);
      const response = await small.fetch('/Category/c0.products');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        code: 'ANSWER_TOO_LARGE',
        limit: 'MAX_RESOLVED_RECORDS',
      });
      expect((await small.fetch('/Product/c0p0.category')).status).toBe(200);
    } finally {
      await small.dispose();
    }
  });

  it('gives a list each element its own budget; the first over it is a clean 400', async () => {
    const within = await server.fetch(`/Category/?${cycle(2)}`);
    expect(within.status).toBe(200);
    expect(await within.json()).toHaveLength(3);
    const response = await server.fetch(`/Category/?${cycle(3)}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'ANSWER_TOO_LARGE' });
  });

  it('refuses a list whose later element is over the budget: 400 before anything was sent, else cut', async () => {
    // c0 and c1 keep 4 products (4 + 4 + 16 = 24 records each, within 100); c2 keeps its 20.
    for (let p = 4; p < PRODUCTS; p++) {
      expect((await server.send('DELETE', `/Product/c0p${p}`)).status).toBe(200);
      expect((await server.send('DELETE', `/Product/c1p${p}`)).status).toBe(200);
    }
    // c2 is in the first batch read: nothing was sent, the answer is a clean 400.
    const early = await server.fetch(`/Category/?${cycle(3)}`);
    expect(early.status).toBe(400);
    expect(await early.json()).toMatchObject({ code: 'ANSWER_TOO_LARGE' });

    // Records are read and shaped a batch at a time: categories that sort before c2 and fill
    // more than one batch and one chunk are sent before the batch holding c2 is shaped.
    for (let i = 0; i < 300; i++) {
      const id = `b${String(i).padStart(3, '0')}`;
      const put = await server.send('PUT', `/Category/${id}`, {
        id,
        name: id,
        description: 'x'.repeat(100),
      });
      expect(put.status).toBe(204);
    }
    const port = Number(new URL(server.url).port);
    const answer = await rawExchange(
      port,
      Buffer.from(
        `GET /Category/?${cycle(3).replace('select(id,', 'select(id,description,')} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      ),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.toString('latin1')).toContain('"b001"');
    // The connection closed before the zero-length chunk that ends a complete chunked body, and
    // what arrived is not a whole JSON array.
    expect(answer.closed).toBe(true);
    expect(() => JSON.parse(answer.body.toString('utf8'))).toThrow();
    expect((await server.fetch('/health')).status).toBe(200);
  });
});

describe('answer budget in bytes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(shopSchema, { MAX_ANSWER_BYTES: '5000' });
    await seed(server, 1, 'x'.repeat(500));
  });
  afterAll(() => server.dispose());

  it('refuses related records too large to hold together', async () => {
    // One related category is small; 20 products of about 600 bytes each are not.
    expect((await server.fetch('/Product/c0p0?select(id,category)')).status).toBe(200);
    expect((await server.fetch('/Category/c0?select(id,name)')).status).toBe(200);
    const response = await server.fetch('/Category/c0?select(id,products)');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'ANSWER_TOO_LARGE',
      limit: 'MAX_ANSWER_BYTES',
      max: 5000,
    });
  });
});
