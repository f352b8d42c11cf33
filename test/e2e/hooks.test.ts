/**
 * The seed's promise made true by the user's own code (contract section 10), against the committed
 * shop server started as a process: `src/hooks/CartItem.ts` refuses a cart item asking for more
 * than the product's stock, `src/hooks/Product.ts` keeps `inStock` in step with `stockQuantity`.
 * Then the user's workflow: an unrelated schema change, regenerated into (a copy of) the committed
 * server — the hooks files survive byte for byte, the server compiles and the hooks still run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  startGeneratedServer,
  type GeneratedServer,
} from '../helpers/generatedServer.js';
import {
  build,
  copyExample,
  regenerate,
  sendJson,
  startServer,
  workDirectory,
  type ServerProcess,
} from './regeneratedServer.js';

const HOOK_FILES = ['src/hooks/CartItem.ts', 'src/hooks/Category.ts', 'src/hooks/Product.ts'];

/** The stock rules, checked against a server at `url`. */
async function expectStockRules(url: string, productId: string): Promise<void> {
  expect(
    (
      await sendJson(`${url}/Product/${productId}`, 'PUT', {
        name: 'Lamp',
        stockQuantity: 3,
        inStock: false,
      })
    ).status,
  ).toBe(204);
  expect(await (await fetch(`${url}/Product/${productId}`)).json()).toMatchObject({
    stockQuantity: 3,
    inStock: true,
  });

  const refused = await sendJson(`${url}/CartItem/`, 'POST', {
    productId,
    sessionId: 's1',
    quantity: 4,
  });
  expect(refused.status).toBe(409);
  expect(await refused.json()).toEqual({
    error: 'Only 3 of Lamp in stock; the cart asks for 4',
    code: 'INSUFFICIENT_STOCK',
  });
  // A product id that cannot be a key: the hook's read is a 400, not a store failure (issue 20).
  const badKey = await sendJson(`${url}/CartItem/`, 'POST', {
    productId: [],
    sessionId: 's1',
    quantity: 1,
  });
  expect(badKey.status).toBe(400);
  expect(((await badKey.json()) as { code: string }).code).toBe('INVALID_KEY');
  expect(await (await fetch(`${url}/CartItem/?productId=${productId}`)).json()).toEqual([]);

  const created = await sendJson(`${url}/CartItem/`, 'POST', {
    productId,
    sessionId: 's1',
    quantity: 3,
  });
  expect(created.status).toBe(201);
  const itemId = (await created.json()) as string;
  // A PATCH past the stock is refused as well, and leaves the item as it was.
  expect((await sendJson(`${url}/CartItem/${itemId}`, 'PATCH', { quantity: 5 })).status).toBe(409);
  expect(await (await fetch(`${url}/CartItem/${itemId}`)).json()).toMatchObject({ quantity: 3 });

  // Selling out turns inStock off, whatever the write says; restocking turns it on again.
  expect(
    (await sendJson(`${url}/Product/${productId}`, 'PATCH', { stockQuantity: 0, inStock: true }))
      .status,
  ).toBe(204);
  expect(await (await fetch(`${url}/Product/${productId}`)).json()).toMatchObject({
    stockQuantity: 0,
    inStock: false,
  });
  expect(
    (await sendJson(`${url}/Product/${productId}`, 'PATCH', { stockQuantity: 8 })).status,
  ).toBe(204);
  expect(await (await fetch(`${url}/Product/${productId}`)).json()).toMatchObject({
    inStock: true,
  });
}

describe('the committed shop server runs its hooks', () => {
  let server: GeneratedServer;
  beforeAll(async () => {
    server = await startGeneratedServer('shop');
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('refuses a cart item beyond the stock with 409 and keeps inStock in step with stockQuantity', async () => {
    await expectStockRules(server.url, 'lamp-1');
  });

  it('lists products in stock by the inStock index the hook maintains', async () => {
    await sendJson(`${server.url}/Product/sold-out`, 'PUT', {
      name: 'Vase',
      stockQuantity: 0,
      inStock: true,
    });
    await sendJson(`${server.url}/Product/plenty`, 'PUT', { name: 'Mug', stockQuantity: 40 });
    const inStock = (await (await fetch(`${server.url}/Product/?inStock=true`)).json()) as {
      id: string;
    }[];
    expect(inStock.map((product) => product.id)).toContain('plenty');
    expect(inStock.map((product) => product.id)).not.toContain('sold-out');
  });
});

describe('after an unrelated schema change, regenerated', () => {
  let work: string;
  let dataDir: string;
  let server: ServerProcess;
  const out = (): string => path.join(work, 'server');

  beforeAll(async () => {
    work = await workDirectory('e2e-hooks');
    dataDir = await mkdtemp(path.join(tmpdir(), 'e2e-hooks-'));
    await copyExample('shop', out());
    const schema = await readFile(
      path.join(REPO_ROOT, 'fixtures', 'shop', 'schema.graphql'),
      'utf8',
    );
    await regenerate(
      out(),
      schema.replace('  imageUrl: String\n', '  imageUrl: String\n  sku: String @indexed\n'),
      'shop',
    );
    await build(out());
    server = await startServer(out(), dataDir);
  });
  afterAll(async () => {
    // Unset when beforeAll failed early, whatever the declaration says.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    await server?.stop();
    await rm(work, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('leaves every hooks file byte-identical, while the generated files follow the schema', async () => {
    for (const file of HOOK_FILES) {
      const committed = await readFile(
        path.join(REPO_ROOT, 'generated-examples', 'shop', file),
        'utf8',
      );
      expect(await readFile(path.join(out(), file), 'utf8')).toBe(committed);
    }
    expect(await readFile(path.join(out(), 'src', 'tables', 'Product.ts'), 'utf8')).toContain(
      'sku?: string | null;',
    );
  });

  it('still runs the hooks, next to the new attribute', async () => {
    await expectStockRules(server.url, 'lamp-2');
    expect((await sendJson(`${server.url}/Product/lamp-2`, 'PATCH', { sku: 'L-2' })).status).toBe(
      204,
    );
    expect(await (await fetch(`${server.url}/Product/?sku=L-2`)).json()).toEqual([
      expect.objectContaining({ id: 'lamp-2', sku: 'L-2', inStock: true }),
    ]);
  });
});
