/**
 * The data studio (contract section 13) driven in headless Chromium against the generated shop
 * server, run as a user runs it: pick a table and read its schema, run a query and see its rows
 * (and a query the server refuses, with its message), open a record, save a change and see it
 * stored (and a change the server refuses), follow a query live while another client writes;
 * with `AUTHORIZE_LOCAL=false`, sign in when the server asks and work after it. Throughout, no
 * Content-Security-Policy violation, page error or console error may happen besides the failed
 * requests the steps make on purpose. A screenshot of each step is kept in
 * `test-artifacts/studio/`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  startGeneratedServer,
  type GeneratedServer,
} from '../helpers/generatedServer.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'studio');
/** The longest any one step may take before the test fails saying what it waited for. */
const STEP_MS = 15_000;
/** The longest a whole browser test may take (its steps take a few seconds together). */
const TEST_MS = 120_000;
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const ADMIN = { username: 'admin', password: 'studio-e2e-password' };
const BASIC = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;

let browser: Browser | undefined;
const servers: GeneratedServer[] = [];
const screenshots: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox'],
    timeout: 60_000,
  });
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers.splice(0)) await server.dispose();
  if (screenshots.length > 0) console.log(`studio screenshots:\n  ${screenshots.join('\n  ')}`);
});

async function start(env: Record<string, string> = {}): Promise<GeneratedServer> {
  const server = await startGeneratedServer('shop', { env });
  servers.push(server);
  return server;
}

/** What went wrong in a page: CSP violations, uncaught errors, console errors. */
interface Watched {
  readonly page: Page;
  readonly violations: string[];
  readonly pageErrors: string[];
  readonly consoleErrors: string[];
}

async function openPage(init?: { sessionStorage?: Record<string, string> }): Promise<Watched> {
  if (browser === undefined) throw new Error(`Chromium (${CHROMIUM}) did not start`);
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const watched: Watched = { page, violations: [], pageErrors: [], consoleErrors: [] };
  await page.exposeFunction('reportViolation', (text: string) => watched.violations.push(text));
  // Runs before the page's own script (and, as the browser's own, is not subject to the policy).
  await page.addInitScript(
    ({ storage }) => {
      const global = globalThis as unknown as {
        document: { addEventListener(type: string, listener: (event: never) => void): void };
        sessionStorage: { setItem(key: string, value: string): void };
        reportViolation(text: string): void;
      };
      global.document.addEventListener(
        'securitypolicyviolation',
        (event: { violatedDirective: string; blockedURI: string }) =>
          global.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI}`),
      );
      for (const [key, value] of Object.entries(storage)) global.sessionStorage.setItem(key, value);
    },
    { storage: init?.sessionStorage ?? {} },
  );
  page.on('pageerror', (error) => watched.pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') watched.consoleErrors.push(message.text());
  });
  return watched;
}

/**
 * Nothing went wrong: no violation, no page error, and no console error but the browser's own
 * line for each failed request a step made on purpose (`statuses`).
 */
function expectClean(watched: Watched, statuses: number[] = []): void {
  expect(watched.violations, 'Content-Security-Policy violations').toEqual([]);
  expect(watched.pageErrors, 'errors thrown in the page').toEqual([]);
  const unexpected = watched.consoleErrors.filter((text) => {
    const failed = /^Failed to load resource: the server responded with a status of (\d+)/.exec(
      text,
    );
    return failed === null || !statuses.includes(Number(failed[1]));
  });
  expect(unexpected, 'console errors').toEqual([]);
}

/** Waits (at most STEP_MS) until `condition` holds; fails saying what was awaited and what the page shows. */
async function until(page: Page, what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) {
      const shown = await page
        .locator('main')
        .innerText({ timeout: 1000 })
        .catch(() => '(the page cannot be read)');
      const file = await screenshot(page, `timeout-${what.replace(/\W+/g, '-').slice(0, 60)}`);
      throw new Error(
        `timed out after ${STEP_MS} ms waiting for ${what}; screenshot ${file}; the page shows:\n${shown}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).textContent({ timeout: 1000 })) ?? '';
}

async function visible(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).isVisible();
}

async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  screenshots.push(file);
  console.log(`screenshot: ${file}`);
  return file;
}

/** The shown records as objects: each row's cells under the header's names. */
async function shownRows(page: Page): Promise<Record<string, string>[]> {
  const names = await page.locator('#results thead th').allTextContents();
  const rows = page.locator('#results tbody tr[data-key]');
  const shown: Record<string, string>[] = [];
  for (let index = 0; index < (await rows.count()); index++) {
    const cells = await rows.nth(index).locator('td').allTextContents();
    shown.push(Object.fromEntries(names.map((name, column) => [name, cells[column] ?? ''])));
  }
  return shown;
}

async function json(
  server: GeneratedServer,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}${url}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function runQuery(page: Page, query: string): Promise<void> {
  await page.locator('#query').fill(query);
  await page.locator('#run').click();
}

describe('the studio, on a server this machine may use (AUTHORIZE_LOCAL)', () => {
  let server: GeneratedServer;
  beforeAll(async () => {
    server = await start();
    for (const category of [
      { id: 'tools', name: 'Tools' },
      { id: 'toys', name: 'Toys' },
    ]) {
      expect((await json(server, 'POST', '/Category/', category)).status).toBe(201);
    }
    for (const product of [
      { id: 'p1', name: 'Pliers', price: 20, categoryId: 'tools', inStock: true },
      { id: 'p2', name: 'Hammer', price: 45.5, categoryId: 'tools', inStock: true },
      { id: 'p3', name: 'Crate', price: 80, categoryId: 'toys', inStock: false },
      { id: 'p4', name: 'Workbench', price: 150, categoryId: 'tools', inStock: true },
    ]) {
      expect((await json(server, 'POST', '/Product/', product)).status).toBe(201);
    }
  });

  it('serves the page and its assets with the security headers, revalidated by ETag', async () => {
    for (const [url, type] of [
      ['/studio', 'text/html; charset=utf-8'],
      ['/studio/studio.js', 'text/javascript; charset=utf-8'],
      ['/studio/studio.css', 'text/css; charset=utf-8'],
      ['/studio/tables.json', 'application/json'],
    ] as const) {
      const response = await fetch(`${server.url}${url}`);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toBe(type);
      expect(response.headers.get('content-security-policy'), url).toBe(CSP);
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), url).toBe('no-referrer');
      const etag = response.headers.get('etag')!;
      const again = await fetch(`${server.url}${url}`, { headers: { 'If-None-Match': etag } });
      expect(again.status, url).toBe(304);
    }
    const script = await (await fetch(`${server.url}/studio/studio.js`)).text();
    expect(script).not.toContain('sourceMappingURL');
    expect((await fetch(`${server.url}/studio`, { method: 'POST' })).status).toBe(405);
  });

  it(
    'shows tables and schemas, runs queries, edits records and follows a query live',
    async () => {
      const watched = await openPage();
      const { page } = watched;
      try {
        await page.goto(`${server.url}/studio`);
        await until(
          page,
          'the list of tables',
          async () =>
            (await page.locator('#tables button').allTextContents()).join() ===
            'CartItem,Category,Product',
        );
        await until(page, 'the page to say it acts as the super user', async () =>
          (await text(page, '#who')).includes('super user'),
        );
        await screenshot(page, '01-tables');

        // A table: its schema, and its first records.
        await page.getByRole('button', { name: 'Product', exact: true }).click();
        await until(
          page,
          'the schema of Product',
          async () => (await page.locator('#schema-rows tr').count()) === 10,
        );
        await page.locator('#schema summary').click();
        const schema = await page.locator('#schema-rows tr').allInnerTexts();
        expect(schema.find((row) => row.startsWith('price'))).toMatch(/^price\s+Float\s+indexed$/);
        expect(schema.find((row) => row.startsWith('category\t'))).toContain(
          'relationship (many-to-one) to Category',
        );
        await until(
          page,
          'every product listed',
          async () => (await text(page, '#result-info')) === '4 records',
        );
        await screenshot(page, '02-schema');

        // A query: the rows the server answers, in its order.
        const query = 'price=lt=100&sort(-price)';
        await runQuery(page, query);
        await until(
          page,
          'the answer of the query',
          async () => (await text(page, '#result-info')) === '3 records',
        );
        const expected = (await json(server, 'GET', `/Product/?${query}`)).body as {
          id: string;
          name: string;
          price: number;
        }[];
        expect(expected.map((product) => product.id)).toEqual(['p3', 'p2', 'p1']);
        const rows = await shownRows(page);
        expect(rows.map((row) => [row.id, row.name, row.price])).toEqual(
          expected.map((product) => [product.id, product.name, String(product.price)]),
        );
        await screenshot(page, '03-query');

        // A query the server refuses: its message.
        await runQuery(page, 'colour=red');
        const refusal = (await json(server, 'GET', '/Product/?colour=red')).body as {
          error: string;
          code: string;
        };
        expect(refusal.code).toBe('QUERY_UNKNOWN_ATTRIBUTE');
        await until(
          page,
          "the server's message for an unknown attribute",
          async () => (await text(page, '#query-error')) === `${refusal.error} (${refusal.code})`,
        );
        await screenshot(page, '04-query-refused');

        // A record: opened, changed, saved, and stored.
        await runQuery(page, query);
        await until(page, 'the rows again', async () => (await shownRows(page)).length === 3);
        await page.locator('#results tr[data-key=\'"p2"\']').click();
        await until(page, 'the record in the editor', async () =>
          (await page.locator('#record').inputValue()).includes('"Hammer"'),
        );
        const record = JSON.parse(await page.locator('#record').inputValue()) as Record<
          string,
          unknown
        >;
        expect(record).toMatchObject({ id: 'p2', name: 'Hammer', price: 45.5 });
        await page
          .locator('#record')
          .fill(JSON.stringify({ ...record, name: 'Hammer (sale)', price: 39.99 }, null, 2));
        await page.getByRole('button', { name: 'Save' }).click();
        await until(page, 'the save to be confirmed', async () =>
          (await text(page, '#editor-status')).startsWith('Saved'),
        );
        expect((await json(server, 'GET', '/Product/p2')).body).toMatchObject({
          name: 'Hammer (sale)',
          price: 39.99,
        });
        await until(page, 'the saved record in the rows', async () =>
          (await shownRows(page)).some((row) => row.name === 'Hammer (sale)'),
        );
        await screenshot(page, '05-saved');

        // A change the server refuses: its message, and nothing stored.
        const current = JSON.parse(await page.locator('#record').inputValue()) as Record<
          string,
          unknown
        >;
        await page.locator('#record').fill(JSON.stringify({ ...current, price: 'cheap' }));
        await page.getByRole('button', { name: 'Save' }).click();
        const invalid = (await json(server, 'PATCH', '/Product/p2', { price: 'cheap' })).body as {
          error: string;
          code: string;
        };
        expect(invalid.code).toBe('VALIDATION_FAILED');
        await until(
          page,
          "the server's refusal of the change",
          async () => (await text(page, '#editor-error')) === `${invalid.error} (${invalid.code})`,
        );
        expect((await json(server, 'GET', '/Product/p2')).body).toMatchObject({ price: 39.99 });
        await screenshot(page, '06-save-refused');
        await page.getByRole('button', { name: 'Close' }).click();

        // Live: the same query followed as other clients write.
        await page.locator('#query').fill('price=lt=100');
        await page.getByLabel('Live: follow changes').check();
        await until(page, 'the live view to hold the current matches', async () =>
          (await text(page, '#result-info')).startsWith('Live: 3 records; changes appear'),
        );
        await screenshot(page, '07-live');
        expect(
          (await json(server, 'POST', '/Product/', { id: 'p5', name: 'Sticker', price: 2.5 }))
            .status,
        ).toBe(201);
        await until(page, 'the new product in the live view', async () =>
          (await shownRows(page)).some((row) => row.id === 'p5' && row.name === 'Sticker'),
        );
        expect((await json(server, 'PATCH', '/Product/p3', { name: 'Crate XL' })).status).toBe(204);
        await until(page, 'the renamed product in the live view', async () =>
          (await shownRows(page)).some((row) => row.id === 'p3' && row.name === 'Crate XL'),
        );
        expect((await json(server, 'PATCH', '/Product/p1', { price: 300 })).status).toBe(204);
        await until(page, 'the product that no longer matches to leave the live view', async () => {
          const ids = (await shownRows(page)).map((row) => row.id);
          return !ids.includes('p1') && ids.length === 3;
        });
        expect(await text(page, '#result-info')).toBe(
          'Live: 3 records; changes appear as they are committed',
        );
        await screenshot(page, '08-live-updated');

        // A subscription the server refuses (limit() on a live view): its message.
        await runQuery(page, 'price=lt=100&limit(2)');
        await until(page, "the server's refusal of the live query", async () =>
          (await text(page, '#query-error')).includes('QUERY_UNSUPPORTED'),
        );
        expect(await page.getByLabel('Live: follow changes').isChecked()).toBe(false);
        await screenshot(page, '09-live-refused');

        expectClean(watched, [400]);
      } finally {
        await page.context().close();
      }
    },
    TEST_MS,
  );
});

describe('the studio with STUDIO=off', () => {
  it('answers 404 NOT_FOUND, like an unknown path', async () => {
    const server = await start({ STUDIO: 'off' });
    for (const url of ['/studio', '/studio/studio.js']) {
      const response = await fetch(`${server.url}${url}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({
        code: 'NOT_FOUND',
        error: `Nothing is served at ${url}`,
      });
    }
  });
});

describe('the studio on a server that needs credentials (AUTHORIZE_LOCAL=false)', () => {
  let server: GeneratedServer;
  beforeAll(async () => {
    server = await start({
      AUTHORIZE_LOCAL: 'false',
      SUPER_USER: ADMIN.username,
      SUPER_USER_PASSWORD: ADMIN.password,
    });
    const item = { id: 'c1', productId: 'p1', sessionId: 'alice', quantity: 2 };
    expect((await json(server, 'POST', '/CartItem/', item, { Authorization: BASIC })).status).toBe(
      201,
    );
    // Without credentials the shop's anonymous role (visitor) may not read carts.
    expect((await json(server, 'GET', '/CartItem/')).status).toBe(403);
  });

  it(
    'asks for a login when the role of requests without credentials may not, and works after it',
    async () => {
      const watched = await openPage();
      const { page } = watched;
      try {
        await page.goto(`${server.url}/studio`);
        await until(
          page,
          'the page to say no one is signed in',
          async () => (await text(page, '#who')) === 'Not signed in (role visitor)',
        );
        await page.getByRole('button', { name: 'CartItem', exact: true }).click();
        await until(page, 'the sign-in form', () => visible(page, '#login'));
        expect(await text(page, '#query-error')).toContain('FORBIDDEN');
        await screenshot(page, '10-sign-in-asked');

        await page.getByLabel('Username').fill(ADMIN.username);
        await page.getByLabel('Password').fill('not the password');
        await page.locator('#login-submit').click();
        await until(
          page,
          'the refusal of a wrong password',
          async () =>
            (await text(page, '#login-error')) ===
            'The username or password is wrong (UNAUTHENTICATED)',
        );
        await page.getByLabel('Password').fill(ADMIN.password);
        await page.locator('#login-submit').click();
        await until(page, 'the cart items, once signed in', async () =>
          (await shownRows(page)).some((row) => row.id === 'c1' && row.quantity === '2'),
        );
        expect(await visible(page, '#login')).toBe(false);
        expect(await text(page, '#who')).toBe('Signed in as admin (super user)');
        expect(await page.evaluate('sessionStorage.getItem("codegen-studio.accessToken")')).toMatch(
          /^ey/,
        );
        await screenshot(page, '11-signed-in');

        // Live with the token as the URL's access_token (an EventSource sends no header).
        await page.getByLabel('Live: follow changes').check();
        await until(page, 'the live view of the carts', async () =>
          (await text(page, '#result-info')).startsWith('Live: 1 record; changes appear'),
        );
        const patched = await json(
          server,
          'PATCH',
          '/CartItem/c1',
          { quantity: 7 },
          {
            Authorization: BASIC,
          },
        );
        expect(patched.status).toBe(204);
        await until(page, 'the changed quantity in the live view', async () =>
          (await shownRows(page)).some((row) => row.id === 'c1' && row.quantity === '7'),
        );
        await screenshot(page, '12-signed-in-live');

        expectClean(watched, [401, 403]);
      } finally {
        await page.context().close();
      }
    },
    TEST_MS,
  );

  it(
    'asks for a login when a data request answers 401 (a token the server refuses)',
    async () => {
      const watched = await openPage({
        sessionStorage: { 'codegen-studio.accessToken': 'not-a-token' },
      });
      const { page } = watched;
      try {
        await page.goto(`${server.url}/studio`);
        await until(page, 'the sign-in form', () => visible(page, '#login'));
        expect(await text(page, '#login-reason')).toBe('This server needs you to sign in.');
        expect(await page.evaluate('sessionStorage.getItem("codegen-studio.accessToken")')).toBe(
          null,
        );
        await screenshot(page, '13-token-refused');
        await page.getByLabel('Username').fill(ADMIN.username);
        await page.getByLabel('Password').fill(ADMIN.password);
        await page.getByLabel('Password').press('Enter');
        await until(
          page,
          'the page to say who is signed in',
          async () => (await text(page, '#who')) === 'Signed in as admin (super user)',
        );
        await page.getByRole('button', { name: 'CartItem', exact: true }).click();
        await until(page, 'the cart items', async () =>
          (await shownRows(page)).some((row) => row.id === 'c1'),
        );
        expectClean(watched, [401]);
      } finally {
        await page.context().close();
      }
    },
    TEST_MS,
  );
});
