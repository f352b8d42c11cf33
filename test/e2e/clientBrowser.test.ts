/**
 * The generated client in a browser (contract section 14): headless Chromium loads a small page,
 * served by this test from another origin, that imports the shop example's compiled client
 * (`client/dist/`, as native ES modules), runs a query with `select`, and subscribes with the
 * browser's own WebSocket; a write made meanwhile (through the client, from Node) arrives live.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Shop from '../../generated-examples/shop/client/src/index.js';
import {
  REPO_ROOT,
  startGeneratedServer,
  type GeneratedServer,
} from '../helpers/generatedServer.js';
import { freePort } from '../helpers/ports.js';

const CHROMIUM = '/usr/bin/chromium';
const DIST = path.join(REPO_ROOT, 'generated-examples', 'shop', 'client', 'dist');
const { createClient } = (await import(path.join(DIST, 'index.js'))) as typeof Shop;

/** The page's script: its results are kept in `globalThis.results` for the test to read. */
function appScript(serverUrl: string): string {
  return `import { createClient } from '/client/index.js';
const results = (globalThis.results = { query: null, events: [], errors: [] });
const shop = createClient({ url: ${JSON.stringify(serverUrl)} });
const { Product } = shop.tables;
try {
  results.query = await Product.query((q) => q.where('price', 'lt', 100).sort('name').select('name', 'price'));
} catch (error) {
  results.errors.push(String(error));
}
Product.subscribe((q) => q.where('price', 'lt', 100).select('id', 'price'), (event) => results.events.push(event), {
  onError: (error) => results.errors.push(String(error)),
});
`;
}

let browser: Browser | undefined;
let page: Server | undefined;
let server: GeneratedServer | undefined;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox'],
    timeout: 60_000,
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (page === undefined ? resolve(undefined) : page.close(resolve)));
  await server?.dispose();
});

describe('the generated client in headless Chromium', () => {
  it('queries, subscribes and sees a live update caused by a write', async () => {
    const pagePort = await freePort();
    const origin = `http://127.0.0.1:${pagePort}`;
    server = await startGeneratedServer('shop', { env: { CORS_ORIGINS: origin } });
    const serverUrl = server.url;
    page = createServer((request, response) => {
      void (async () => {
        const url = request.url ?? '/';
        if (url === '/') {
          response.writeHead(200, { 'Content-Type': 'text/html' });
          response.end(
            '<!doctype html><title>client</title><script type="module" src="/app.js"></script>',
          );
        } else if (url === '/app.js') {
          response.writeHead(200, { 'Content-Type': 'text/javascript' });
          response.end(appScript(serverUrl));
        } else if (/^\/client\/[A-Za-z]+\.js$/.test(url)) {
          const text = await readFile(path.join(DIST, url.slice('/client/'.length)), 'utf8');
          response.writeHead(200, { 'Content-Type': 'text/javascript' });
          response.end(text);
        } else {
          response.writeHead(404).end();
        }
      })();
    });
    await new Promise<void>((resolve) => page!.listen(pagePort, '127.0.0.1', resolve));

    const node = createClient({ url: serverUrl });
    await node.tables.Product.put('lamp', { name: 'Lamp', price: 10 });
    await node.tables.Product.put('desk', { name: 'Desk', price: 250 });

    if (browser === undefined) throw new Error(`Chromium (${CHROMIUM}) did not start`);
    const tab = await (await browser.newContext()).newPage();
    const pageErrors: string[] = [];
    tab.on('pageerror', (error) => pageErrors.push(error.message));
    await tab.goto(origin);
    type Results = {
      query: unknown;
      events: { type: string; value?: unknown }[];
      errors: string[];
    };
    const read = (): Promise<Results> =>
      tab.evaluate(() => (globalThis as unknown as { results: Results }).results);
    await tab.waitForFunction(() =>
      (globalThis as unknown as { results?: Results }).results?.events.some(
        (event) => event.type === 'ready',
      ),
    );
    const before = await read();
    expect(before.query).toEqual([{ name: 'Lamp', price: 10 }]);
    expect(before.events).toEqual([
      expect.objectContaining({ type: 'put', value: { id: 'lamp', price: 10 }, initial: true }),
      expect.objectContaining({ type: 'ready', resumed: false }),
    ]);

    await node.tables.Product.patch('lamp', { price: 12 });
    await tab.waitForFunction(
      () => (globalThis as unknown as { results: Results }).results.events.length >= 3,
    );
    const after = await read();
    expect(after.events[2]).toMatchObject({
      type: 'put',
      value: { id: 'lamp', price: 12 },
      initial: false,
    });
    expect(after.errors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
