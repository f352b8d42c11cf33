/**
 * The user's hooks (contract section 10), run by an in-process server over the shop schema:
 * beforeWrite / beforeDelete inside the write's transaction, afterCommit after it, and the guards
 * that keep a hook from corrupting a record or recursing forever.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineHooks, refuse, type Hooks } from '../../templates/runtime/hooks.js';
import { runServer, type RunningServer } from '../../templates/runtime/main.js';
import { openLmdbStore } from '../../templates/runtime/store/lmdb.js';
import { DEFAULT_WRITE_RETRIES, type Store } from '../../templates/runtime/store/types.js';
import type { Table } from '../../templates/runtime/table.js';
import { shopSchema } from './fixtures/schemas.js';

interface Product {
  id: string;
  name?: string | null;
  price?: number | null;
  inStock?: boolean | null;
  stockQuantity?: number | null;
  category?: Category;
  [attribute: string]: unknown;
}
interface NewProduct {
  id?: string;
  name?: string | null;
  price?: number | null;
  inStock?: boolean | null;
  stockQuantity?: number | null;
  [attribute: string]: unknown;
}
type ProductPatch = Omit<NewProduct, 'id'>;
interface CartItem {
  id: string;
  productId?: string | null;
  sessionId?: string | null;
  quantity?: number | null;
  product?: Product;
  [attribute: string]: unknown;
}
interface NewCartItem {
  id?: string;
  productId?: string | null;
  sessionId?: string | null;
  quantity?: number | null;
  [attribute: string]: unknown;
}
type CartItemPatch = Omit<NewCartItem, 'id'>;
interface Category {
  id: string;
  name?: string | null;
  products?: Product[];
  [attribute: string]: unknown;
}
interface NewCategory {
  id?: string;
  name?: string | null;
  [attribute: string]: unknown;
}

interface Shop {
  readonly CartItem: Table<CartItem, NewCartItem, CartItemPatch>;
  readonly Category: Table<Category, NewCategory, Omit<NewCategory, 'id'>>;
  readonly Product: Table<Product, NewProduct, ProductPatch>;
}

interface Server {
  readonly running: RunningServer;
  send(method: string, url: string, body?: unknown): Promise<Response>;
  json(url: string): Promise<unknown>;
}

const servers: { running: RunningServer; dataDir: string }[] = [];
/** The text of the log lines the servers wrote. */
let logged: string[] = [];

async function start(hooks: Hooks<Shop>): Promise<Server> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hooks-'));
  const running = await runServer(shopSchema, {
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
    handleSignals: false,
    log: (line) => logged.push(line),
    hooks,
  });
  servers.push({ running, dataDir });
  const send = (method: string, url: string, body?: unknown): Promise<Response> =>
    fetch(`${running.url}${url}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    running,
    send,
    json: async (url) => {
      const response = await send('GET', url);
      return response.status === 200 ? response.json() : response.status;
    },
  };
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const { running, dataDir } of servers.splice(0)) {
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  logged = [];
});

/** Product hooks that keep `inStock` in step with `stockQuantity`, as the shop example does. */
const productStock = defineHooks<Shop, 'Product'>({
  beforeWrite(product) {
    return { ...product, inStock: (product.stockQuantity ?? 0) > 0 };
  },
});

/** CartItem hooks that refuse more than the product's stock, reading Product in the same transaction. */
const cartStock = defineHooks<Shop, 'CartItem'>({
  async beforeWrite(item, { tables }) {
    const product = item.productId == null ? undefined : await tables.Product.get(item.productId);
    if (product === undefined)
      refuse(409, `No product ${String(item.productId)}`, 'UNKNOWN_PRODUCT');
    const stock = product.stockQuantity ?? 0;
    if ((item.quantity ?? 0) > stock) {
      refuse(409, `Only ${stock} of ${product.id} in stock`, 'INSUFFICIENT_STOCK');
    }
  },
});

describe('beforeWrite', () => {
  it('stores the record it returns, on POST, PUT and PATCH (PATCH sees the merged record)', async () => {
    const shop = await start({ Product: productStock });
    const created = await shop.send('POST', '/Product/', { name: 'Lamp', stockQuantity: 3 });
    expect(created.status).toBe(201);
    const id = (await created.json()) as string;
    expect(await shop.json(`/Product/${id}`)).toMatchObject({
      name: 'Lamp',
      stockQuantity: 3,
      inStock: true,
    });

    expect(
      (await shop.send('PUT', '/Product/p1', { name: 'Desk', stockQuantity: 0, inStock: true }))
        .status,
    ).toBe(204);
    expect(await shop.json('/Product/p1')).toMatchObject({ name: 'Desk', inStock: false });

    // The body holds only the quantity: the hook sees the name from the stored record too.
    expect((await shop.send('PATCH', '/Product/p1', { stockQuantity: 5 })).status).toBe(204);
    expect(await shop.json('/Product/p1')).toEqual({
      id: 'p1',
      name: 'Desk',
      stockQuantity: 5,
      inStock: true,
    });
  });

  it('tells the hook the method and the previous record', async () => {
    const seen: unknown[] = [];
    const shop = await start({
      Product: {
        beforeWrite(product, { method, previous }) {
          seen.push({ method, previous: previous?.name ?? null, name: product.name });
        },
      },
    });
    await shop.send('PUT', '/Product/p1', { name: 'A' });
    await shop.send('PATCH', '/Product/p1', { name: 'B' });
    await shop.send('POST', '/Product/', { id: 'p2', name: 'C' });
    expect(seen).toEqual([
      { method: 'PUT', previous: null, name: 'A' },
      { method: 'PATCH', previous: 'A', name: 'B' },
      { method: 'POST', previous: null, name: 'C' },
    ]);
  });

  it('refuses with the status, message and code given to refuse(), and nothing is written', async () => {
    const shop = await start({ Product: productStock, CartItem: cartStock });
    await shop.send('PUT', '/Product/p1', { name: 'Lamp', stockQuantity: 2 });

    const refused = await shop.send('POST', '/CartItem/', {
      id: 'c1',
      productId: 'p1',
      quantity: 3,
    });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      error: 'Only 2 of p1 in stock',
      code: 'INSUFFICIENT_STOCK',
    });
    expect(await shop.json('/CartItem/c1')).toBe(404);

    expect(
      (await shop.send('POST', '/CartItem/', { id: 'c1', productId: 'p1', quantity: 2 })).status,
    ).toBe(201);
    // A PATCH over the stock is refused too, and leaves the stored item as it was.
    expect((await shop.send('PATCH', '/CartItem/c1', { quantity: 9 })).status).toBe(409);
    expect(await shop.json('/CartItem/c1')).toMatchObject({ quantity: 2 });
  });

  it('writes made through context.tables commit with the write, and roll back with it', async () => {
    const shop = await start({
      Product: productStock,
      CartItem: defineHooks<Shop, 'CartItem'>({
        async beforeWrite(item, { tables, previous }) {
          if (item.productId == null) return;
          const product = await tables.Product.get(item.productId);
          const wanted = (item.quantity ?? 0) - (previous?.quantity ?? 0);
          const stock = product?.stockQuantity ?? 0;
          if (wanted > stock) refuse(409, 'Not enough stock', 'INSUFFICIENT_STOCK');
          // Reserves the stock: Product's own hook runs on this write too.
          await tables.Product.patch(item.productId, { stockQuantity: stock - wanted });
        },
      }),
    });
    await shop.send('PUT', '/Product/p1', { name: 'Lamp', stockQuantity: 3 });

    // Both items are created in one transaction: the second sees the stock the first reserved.
    const both = await shop.send('POST', '/CartItem/', [
      { id: 'c1', productId: 'p1', quantity: 2 },
      { id: 'c2', productId: 'p1', quantity: 1 },
    ]);
    expect(both.status).toBe(201);
    expect(await shop.json('/Product/p1')).toMatchObject({ stockQuantity: 0, inStock: false });

    await shop.send('PUT', '/Product/p2', { name: 'Desk', stockQuantity: 3 });
    // The second item is refused, so the first item's reservation is rolled back with it.
    const refused = await shop.send('POST', '/CartItem/', [
      { id: 'c3', productId: 'p2', quantity: 2 },
      { id: 'c4', productId: 'p2', quantity: 2 },
    ]);
    expect(refused.status).toBe(409);
    expect(await shop.json('/Product/p2')).toMatchObject({ stockQuantity: 3, inStock: true });
    expect(await shop.json('/CartItem/c3')).toBe(404);
  });

  it('searches other tables with the query language inside the transaction', async () => {
    const shop = await start({
      Category: {
        async beforeDelete(category, { tables }) {
          const products = await tables.Product.search(
            `categoryId=${encodeURIComponent(category.id)}&limit(1)`,
          );
          if (products.length > 0)
            refuse(409, `${category.id} still has products`, 'CATEGORY_IN_USE');
        },
      },
    });
    await shop.send('PUT', '/Category/lamps', { name: 'Lamps' });
    await shop.send('PUT', '/Category/desks', { name: 'Desks' });
    await shop.send('PUT', '/Product/p1', { name: 'Lamp', categoryId: 'lamps' });
    const refused = await shop.send('DELETE', '/Category/lamps');
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'CATEGORY_IN_USE' });
    expect(await shop.json('/Category/lamps')).toMatchObject({ name: 'Lamps' });
    expect((await shop.send('DELETE', '/Category/desks')).status).toBe(200);
    expect(await shop.json('/Category/desks')).toBe(404);
  });

  it('answers 400 for a returned record the schema refuses, naming the hook, and writes nothing', async () => {
    const shop = await start({
      Product: {
        beforeWrite(product) {
          // A price computed from a missing value: NaN is not a Float.
          return { ...product, price: Number(product.name) };
        },
      },
    });
    const response = await shop.send('PUT', '/Product/p1', { name: 'Lamp' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      code: string;
      error: string;
      problems: { path: string }[];
    };
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.error).toMatch(/^beforeWrite of Product returned an invalid record/);
    expect(body.problems).toEqual([expect.objectContaining({ path: 'price' })]);
    expect(await shop.json('/Product/p1')).toBe(404);
  });

  it('reads an attribute a returned record sets to undefined as absent (contract section 10)', async () => {
    const shop = await start({
      Product: {
        beforeWrite(product) {
          return { ...product, price: undefined, name: product.name?.toUpperCase() };
        },
      },
    });
    const response = await shop.send('PUT', '/Product/p1', {
      name: 'Lamp',
      price: 5,
      inStock: true,
    });
    expect(response.status).toBe(204);
    const stored = (await shop.json('/Product/p1')) as Record<string, unknown>;
    expect(stored).toEqual({ id: 'p1', name: 'LAMP', inStock: true });
    expect('price' in stored).toBe(false);
  });

  it('keeps the key and the server-set timestamps whatever the hook returns', async () => {
    const shop = await start({
      Product: {
        beforeWrite(product) {
          return { ...product, id: product.id, name: `${product.name ?? ''}!` };
        },
      },
      CartItem: {
        beforeWrite(item) {
          return { ...item, id: 'another' };
        },
      },
    });
    expect((await shop.send('PUT', '/Product/p1', { name: 'Lamp' })).status).toBe(204);
    expect(await shop.json('/Product/p1')).toEqual({ id: 'p1', name: 'Lamp!' });
    expect((await shop.send('PUT', '/CartItem/c1', { quantity: 1 })).status).toBe(500);
    expect(await shop.json('/CartItem/c1')).toBe(404);
    expect(await shop.json('/CartItem/another')).toBe(404);
  });

  it('fails the write (500, logged) when a hook changes the record in place instead of returning it', async () => {
    const shop = await start({
      Product: {
        beforeWrite(product) {
          (product as { name?: string | null }).name = 'changed';
        },
      },
    });
    const response = await shop.send('PUT', '/Product/p1', { name: 'Lamp' });
    expect(response.status).toBe(500);
    expect(await shop.json('/Product/p1')).toBe(404);
    expect(logged.join('\n')).toMatch(/PUT \/Product\/p1 failed: .*(read only|read-only)/);
  });

  it('fails the write when a hook writes the record it runs for, instead of recursing forever', async () => {
    let calls = 0;
    const shop = await start({
      Product: {
        async beforeWrite(product, { tables }) {
          calls += 1;
          await tables.Product.patch(product.id, { name: 'again' });
        },
      },
    });
    const response = await shop.send('PUT', '/Product/p1', { name: 'Lamp' });
    expect(response.status).toBe(500);
    expect(calls).toBe(1);
    expect(await shop.json('/Product/p1')).toBe(404);
    expect(logged.join('\n')).toMatch(/PUT \/Product\/p1 failed: .*written again by a hook/);
  });

  it('fails the write when hooks keep writing new records through each other', async () => {
    let calls = 0;
    const shop = await start({
      Product: {
        async beforeWrite(product, { tables }) {
          calls += 1;
          await tables.Product.put(`${product.id}+`, { name: 'next' });
        },
      },
    });
    expect((await shop.send('PUT', '/Product/p', { name: 'Lamp' })).status).toBe(500);
    expect(calls).toBe(16);
    expect(await shop.json('/Product/')).toEqual([]);
  });

  it('awaits an async beforeWrite: what it resolves with is stored, what it rejects with refuses', async () => {
    const shop = await start({
      Product: {
        async beforeWrite(product) {
          // Something slow outside the store (a price service, say).
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (product.name === 'forbidden') refuse(409, 'Not this one', 'FORBIDDEN_NAME');
          return { ...product, inStock: true };
        },
      },
    });
    expect((await shop.send('PUT', '/Product/p1', { name: 'Lamp' })).status).toBe(204);
    expect(await shop.json('/Product/p1')).toMatchObject({ name: 'Lamp', inStock: true });
    const refused = await shop.send('PUT', '/Product/p2', { name: 'forbidden' });
    expect(refused.status).toBe(409);
    expect(await shop.json('/Product/p2')).toBe(404);
  });

  it('fails a write made after its transaction ended (a write the hook did not await)', async () => {
    let late: Promise<unknown> | undefined;
    const shop = await start({
      Product: {
        beforeWrite(product, { tables }) {
          if (product.id !== 'p1') return;
          // Not awaited: it runs on after the hook returned, when the transaction may be over.
          late = (async () => {
            await new Promise((resolve) => setTimeout(resolve, 20));
            await tables.Product.put('late', { name: 'late' });
          })().catch((error: unknown) => error);
        },
      },
    });
    expect((await shop.send('PUT', '/Product/p1', { name: 'Lamp' })).status).toBe(204);
    expect(String(await late)).toMatch(/after its transaction had ended/);
    expect(await shop.json('/Product/late')).toBe(404);
  });
});

describe('transactions of async hooks', () => {
  /** CartItem hooks that reserve stock, awaiting something slow between the read and the write. */
  const reserving = (delayMs: number) =>
    defineHooks<Shop, 'CartItem'>({
      async beforeWrite(item, { tables, previous }) {
        if (item.productId == null) return;
        const product = await tables.Product.get(item.productId);
        // A slow check elsewhere (a payment, a price service) while the stock read is in hand.
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        const wanted = (item.quantity ?? 0) - (previous?.quantity ?? 0);
        const stock = product?.stockQuantity ?? 0;
        if (wanted > stock) refuse(409, 'Not enough stock', 'INSUFFICIENT_STOCK');
        await tables.Product.patch(item.productId, { stockQuantity: stock - wanted });
      },
    });

  it.each([0, 5])(
    'never oversells under 50 concurrent orders whose hook awaits %i ms between read and write',
    async (delayMs) => {
      const shop = await start({ Product: productStock, CartItem: reserving(delayMs) });
      await shop.send('PUT', '/Product/p1', { name: 'Lamp', stockQuantity: 20 });
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          shop.send('POST', '/CartItem/', { id: `c${i}`, productId: 'p1', quantity: 1 }),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 201)).toHaveLength(20);
      expect(statuses.filter((status) => status === 409)).toHaveLength(30);
      for (const answer of answers.filter((candidate) => candidate.status === 409)) {
        expect(await answer.json()).toMatchObject({ code: 'INSUFFICIENT_STOCK' });
      }
      expect(await shop.json('/Product/p1')).toMatchObject({ stockQuantity: 0, inStock: false });
      const items = (await shop.json('/CartItem/')) as unknown[];
      expect(items).toHaveLength(20);
    },
  );

  it('keeps every attribute of 50 concurrent PATCHes of one record whose hook awaits', async () => {
    const shop = await start({
      Product: {
        async beforeWrite(product) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          return product;
        },
      },
    });
    await shop.send('PUT', '/Product/p1', { name: 'Lamp' });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => shop.send('PATCH', '/Product/p1', { [`a${i}`]: i })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 204));
    const stored = (await shop.json('/Product/p1')) as Record<string, unknown>;
    for (let i = 0; i < 50; i++) expect(stored[`a${i}`], `a${i}`).toBe(i);
  });

  it('answers 409 WRITE_CONFLICT, writing nothing, when every run is overtaken by another write', async () => {
    // Another process on the same data (a second worker) writes the record during every run.
    const another: { store?: Store } = {};
    let runs = 0;
    const shop = await start({
      Product: {
        async beforeWrite(product) {
          runs += 1;
          await another.store?.write((txn) =>
            txn.put('Product', 'p1', { id: 'p1', name: `other ${runs}` }),
          );
          return product;
        },
      },
    });
    await shop.send('PUT', '/Product/p1', { name: 'Lamp' });
    const other = openLmdbStore(shopSchema, { path: shop.running.config.dataDir, log: () => {} });
    another.store = other;
    try {
      runs = 0;
      const answer = await shop.send('PATCH', '/Product/p1', { price: 10 });
      expect(answer.status).toBe(409);
      expect(await answer.json()).toMatchObject({
        code: 'WRITE_CONFLICT',
        runs: DEFAULT_WRITE_RETRIES + 1,
      });
      expect(runs).toBe(DEFAULT_WRITE_RETRIES + 1);
      // The last write standing is the other process's; the PATCH left nothing behind. (A single
      // server hears of another process's commits within milliseconds: hear of them now.)
      await shop.running.app.store.refresh();
      expect(await shop.json('/Product/p1')).toEqual({ id: 'p1', name: `other ${runs}` });
    } finally {
      await other.close();
    }
  });
});

describe('beforeDelete', () => {
  it('runs for DELETE by id and by query; a refusal keeps every record of the request', async () => {
    const deleted: string[] = [];
    const shop = await start({
      Product: {
        beforeDelete(product) {
          if ((product.stockQuantity ?? 0) > 0)
            refuse(409, `${product.id} is still in stock`, 'IN_STOCK');
          deleted.push(product.id);
        },
      },
    });
    await shop.send('POST', '/Product/', [
      { id: 'a', name: 'x', stockQuantity: 0 },
      { id: 'b', name: 'x', stockQuantity: 0 },
      { id: 'c', name: 'x', stockQuantity: 4 },
    ]);
    expect((await shop.send('DELETE', '/Product/c')).status).toBe(409);
    expect((await shop.send('DELETE', '/Product/?name=x')).status).toBe(409);
    expect(await shop.json('/Product/a')).toMatchObject({ id: 'a' });
    expect((await shop.send('DELETE', '/Product/a')).status).toBe(200);
    expect(deleted).toContain('a');
    // Deleting what does not exist runs no hook.
    deleted.length = 0;
    expect((await shop.send('DELETE', '/Product/nothing')).status).toBe(200);
    expect(deleted).toEqual([]);
  });
});

describe('afterCommit', () => {
  it('hears every committed change with the previous record, and never a refused write', async () => {
    const changes: unknown[] = [];
    let heard: () => void = () => {};
    const shop = await start({
      Product: {
        beforeWrite(product) {
          if (product.name === 'refused') refuse(422, 'no');
        },
        afterCommit(change) {
          changes.push(
            change.type === 'put'
              ? {
                  type: 'put',
                  key: change.key,
                  name: change.record.name,
                  previous: change.previous?.name ?? null,
                }
              : { type: 'delete', key: change.key, previous: change.previous.name },
          );
          heard();
        },
      },
    });
    const heardAll = (count: number) =>
      new Promise<void>((resolve) => {
        heard = () => changes.length >= count && resolve();
      });
    const three = heardAll(3);
    await shop.send('PUT', '/Product/p1', { name: 'A' });
    expect((await shop.send('PUT', '/Product/p2', { name: 'refused' })).status).toBe(422);
    await shop.send('PATCH', '/Product/p1', { name: 'B' });
    await shop.send('DELETE', '/Product/p1');
    await three;
    expect(changes).toEqual([
      { type: 'put', key: 'p1', name: 'A', previous: null },
      { type: 'put', key: 'p1', name: 'B', previous: 'A' },
      { type: 'delete', key: 'p1', previous: 'B' },
    ]);
  });

  it('cannot change the answer: what it throws is logged', async () => {
    const shop = await start({
      Product: {
        afterCommit() {
          throw new Error('mail server down');
        },
      },
    });
    expect((await shop.send('PUT', '/Product/p1', { name: 'A' })).status).toBe(204);
    expect(await shop.json('/Product/p1')).toMatchObject({ name: 'A' });
    expect(logged).toContain('afterCommit of Product failed: mail server down');
  });

  it('writes through context.write (hooks run), and stops hooks that keep setting each other off', async () => {
    let rounds = 0;
    const shop = await start({
      Product: productStock,
      Category: {
        // Every commit of a category writes it again: an endless chain, cut after 8 rounds.
        async afterCommit(change, { write }) {
          rounds += 1;
          if (change.type !== 'put') return;
          await write(async (tables) => {
            await tables.Category.patch(change.key, { name: `${change.record.name ?? ''}.` });
            await tables.Product.put(`of-${String(change.key)}`, { name: 'x', stockQuantity: 1 });
          });
        },
      },
    });
    await shop.send('PUT', '/Category/c1', { name: 'c' });
    await vi.waitFor(() => expect(logged.join('\n')).toMatch(/afterCommit of Category not run/));
    expect(rounds).toBe(8);
    expect(await shop.json('/Category/c1')).toMatchObject({ name: 'c........' });
    expect(await shop.json('/Product/of-c1')).toMatchObject({ inStock: true });
  });
});
