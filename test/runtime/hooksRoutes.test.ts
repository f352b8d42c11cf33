/**
 * Custom endpoints declared in hooks (contract section 10): where they are served, what their
 * handlers get and how their results are answered, and the routes refused before the server starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decode } from 'cbor-x';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineHooks, refuse, reply, type Hooks } from '../../templates/runtime/hooks.js';
import { runServer, type RunningServer } from '../../templates/runtime/main.js';
import type { Table } from '../../templates/runtime/table.js';
import { shopSchema } from './fixtures/schemas.js';

interface Product {
  id: string;
  name?: string | null;
  categoryId?: string | null;
  inStock?: boolean | null;
  stockQuantity?: number | null;
  [attribute: string]: unknown;
}
// Written out: Omit over a type with an index signature would drop the declared attributes.
interface NewProduct {
  id?: string;
  name?: string | null;
  categoryId?: string | null;
  inStock?: boolean | null;
  stockQuantity?: number | null;
  [attribute: string]: unknown;
}
interface Category {
  id: string;
  name?: string | null;
  [attribute: string]: unknown;
}
interface NewCategory {
  id?: string;
  name?: string | null;
  [attribute: string]: unknown;
}

interface Shop {
  readonly CartItem: Table<{ id: string }, { id?: string }, object>;
  readonly Category: Table<Category, NewCategory, Omit<NewCategory, 'id'>>;
  readonly Product: Table<Product, NewProduct, Omit<NewProduct, 'id'>>;
}

async function start(hooks: Hooks<Shop>, dataDir: string): Promise<RunningServer> {
  return runServer(shopSchema, {
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
    handleSignals: false,
    log: () => {},
    hooks,
  });
}

const productHooks = defineHooks<Shop, 'Product'>({
  beforeWrite(product) {
    return { ...product, inStock: (product.stockQuantity ?? 0) > 0 };
  },
  routes: [
    {
      method: 'GET',
      path: 'low-stock',
      handler: async (request, { tables }) => {
        const below = Number(request.query.get('below') ?? '10');
        const products = await tables.Product.search(`stockQuantity=lt=${below}&sort(name)`);
        return products.map((product) => product.name);
      },
    },
    {
      method: 'POST',
      path: ':id/restock',
      handler: async (request, { write }) => {
        const body = (await request.body()) as { add?: unknown };
        if (typeof body.add !== 'number') refuse(400, 'add must be a number', 'BAD_RESTOCK');
        const add = body.add;
        const id = request.params.id!;
        const stock = await write(async (tables) => {
          const product = await tables.Product.get(id);
          if (product === undefined) refuse(404, `No product ${id}`, 'UNKNOWN_PRODUCT');
          const next = (product.stockQuantity ?? 0) + add;
          await tables.Product.patch(id, { stockQuantity: next });
          return next;
        });
        return reply(200, { id, stockQuantity: stock }, { 'X-Restocked': id });
      },
    },
    { method: 'DELETE', path: '/reports/cache', handler: () => undefined },
  ],
});

const categoryHooks = defineHooks<Shop, 'Category'>({
  routes: [
    {
      method: 'GET',
      path: '/reports/categories/:category/count',
      handler: async (request, { tables }) =>
        (await tables.Product.search(`categoryId=${encodeURIComponent(request.params.category!)}`))
          .length,
    },
    {
      method: 'POST',
      path: 'import',
      handler: async (request, { write }) => {
        const names = (await request.body()) as string[];
        const keys = await write(async (tables) => {
          const created = [];
          for (const name of names) created.push(await tables.Category.create({ name }));
          return created;
        });
        return reply(201, keys, { Location: '/Category/' });
      },
    },
  ],
});

describe('custom endpoints', () => {
  let server: RunningServer;
  let dataDir: string;
  const call = (
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${server.url}${url}`, {
      method,
      headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'routes-'));
    server = await start({ Product: productHooks, Category: categoryHooks }, dataDir);
    await call('POST', '/Product/', [
      { id: 'p1', name: 'Lamp', categoryId: 'home', stockQuantity: 2 },
      { id: 'p2', name: 'Desk', categoryId: 'home', stockQuantity: 30 },
      { id: 'p3', name: 'Chair', categoryId: 'office', stockQuantity: 0 },
    ]);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves a relative path under the table, with the query string, as JSON by default', async () => {
    const response = await call('GET', '/Product/low-stock');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(['Chair', 'Lamp']);
    expect(await (await call('GET', '/Product/low-stock?below=100')).json()).toEqual([
      'Chair',
      'Desk',
      'Lamp',
    ]);
  });

  it('answers in the format the client accepts', async () => {
    const response = await call('GET', '/Product/low-stock', undefined, {
      Accept: 'application/cbor',
    });
    expect(response.headers.get('content-type')).toBe('application/cbor');
    expect(decode(Buffer.from(await response.arrayBuffer()))).toEqual(['Chair', 'Lamp']);
  });

  it('serves an absolute path with :name parameters, percent-decoded', async () => {
    expect(await (await call('GET', '/reports/categories/home/count')).json()).toBe(2);
    expect(await (await call('GET', '/reports/categories/off%69ce/count')).json()).toBe(1);
  });

  it('runs writes in one transaction with the hooks, and answers with reply()', async () => {
    const response = await call('POST', '/Product/p3/restock', { add: 5 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-restocked')).toBe('p3');
    expect(await response.json()).toEqual({ id: 'p3', stockQuantity: 5 });
    expect(await (await call('GET', '/Product/p3')).json()).toMatchObject({
      stockQuantity: 5,
      inStock: true,
    });

    const created = await call('POST', '/Category/import', ['Garden', 'Kitchen']);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/Category/');
    const keys = (await created.json()) as string[];
    expect(await (await call('GET', `/Category/${keys[1]}`)).json()).toMatchObject({
      name: 'Kitchen',
    });
  });

  it('answers what a handler refuses with its status, and a missing body with 400', async () => {
    const refused = await call('POST', '/Product/nothing/restock', { add: 1 });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toEqual({ error: 'No product nothing', code: 'UNKNOWN_PRODUCT' });
    const bad = await call('POST', '/Product/p1/restock', { add: 'many' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'BAD_RESTOCK' });
    const empty = await call('POST', '/Product/p1/restock');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ code: 'BODY_REQUIRED' });
  });

  it('answers 204 for a handler that returns nothing', async () => {
    const response = await call('DELETE', '/reports/cache');
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('owns every method of the paths it claims: 405 with Allow, OPTIONS, and HEAD for GET', async () => {
    const put = await call('PUT', '/Product/low-stock', { name: 'x' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(await put.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    const options = await call('OPTIONS', '/Product/p1/restock');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('POST, OPTIONS');
    const head = await call('HEAD', '/Product/low-stock');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    // The record named low-stock was not written, and other records are served as before.
    expect((await call('GET', '/Product/?name=x')).status).toBe(200);
    expect(await (await call('GET', '/Product/?name=x')).json()).toEqual([]);
    expect(await (await call('GET', '/Product/p1')).json()).toMatchObject({ name: 'Lamp' });
    expect((await call('GET', '/Product/p1/other')).status).toBe(404);
  });
});

describe('routes the server refuses to start with', () => {
  const cases: [string, Hooks<Shop>, RegExp][] = [
    [
      'a path the table itself serves',
      { Product: { routes: [{ method: 'GET', path: '/Product/', handler: () => 1 }] } },
      /already served by the server itself/,
    ],
    [
      'the OpenAPI document',
      { Product: { routes: [{ method: 'GET', path: '/openapi', handler: () => 1 }] } },
      /\/openapi is already served by the server itself/,
    ],
    [
      'a parameter that would take every record URL',
      { Product: { routes: [{ method: 'GET', path: ':id', handler: () => 1 }] } },
      /every record URL of \/Product\//,
    ],
    [
      'the same method and path twice',
      {
        Product: { routes: [{ method: 'GET', path: '/r', handler: () => 1 }] },
        Category: { routes: [{ method: 'GET', path: '/r', handler: () => 2 }] },
      },
      /declared twice/,
    ],
    [
      'an unknown method',
      { Product: { routes: [{ method: 'TRACE' as 'GET', path: 'x', handler: () => 1 }] } },
      /the method must be one of/,
    ],
    [
      'a segment that is not a path segment',
      { Product: { routes: [{ method: 'GET', path: '/a b', handler: () => 1 }] } },
      /is not a path segment/,
    ],
  ];

  it.each(cases)('%s', async (_name, hooks, message) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'routes-'));
    try {
      await expect(start(hooks, dataDir)).rejects.toThrow(message);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
