/**
 * Who may do what (contract section 12), against the committed shop and calendar servers started
 * as processes with their example roles files (`src/roles.ts`): a permission matrix of roles ×
 * kinds of request, allowed and refused, the paths that leak when one of them forgets the rules
 * (a join condition, a nested select, a count header, a subscription, DELETE by query), and the
 * credentials themselves (Basic, tokens of POST /auth/login, refresh, the users command), which
 * never come back in an answer or a log line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, stopEngines } from '../helpers/engines.js';
import {
  REPO_ROOT,
  startGeneratedServer,
  type GeneratedServer,
} from '../helpers/generatedServer.js';
import { EventClient, EventStreamReader, type EventMessage } from '../helpers/realtimeClient.js';

const ADMIN_PASSWORD = 'admin-Secret-41';
const PASSWORDS: Readonly<Record<string, string>> = {
  alice: 'alice-Pass-1',
  bob: 'bob-Pass-2',
  sam: 'sam-Staff-3',
};

function basic(username: string, password = PASSWORDS[username]!): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

const ADMIN = basic('admin', ADMIN_PASSWORD);

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

async function request(
  url: string,
  options: {
    method?: string;
    auth?: string;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth !== undefined) headers.Authorization = options.auth;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (an empty answer)
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** The shop's committed OpenAPI document, against which answers are checked. */
const OPENAPI = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'generated-examples', 'shop', 'openapi.json'), 'utf8'),
) as {
  paths: Record<string, Record<string, { responses: Record<string, Record<string, unknown>> }>>;
  components: { responses: Record<string, Record<string, unknown>> };
};
const ajv = new Ajv2020({ strict: false });
addFormats.default(ajv);

/** Checks an answer against the response schema the document gives for it. */
function conforms(template: string, method: string, answer: Answer): void {
  const responses = OPENAPI.paths[template]?.[method]?.responses;
  let response = responses?.[String(answer.status)] ?? responses?.default;
  expect(response, `${method} ${template} ${answer.status} is documented`).toBeDefined();
  const reference = response!.$ref;
  if (typeof reference === 'string') {
    response = OPENAPI.components.responses[reference.split('/').pop()!];
  }
  const content = response!.content as
    Record<string, { schema: Record<string, unknown> }> | undefined;
  if (content === undefined) return;
  const validate = ajv.compile({
    ...content['application/json']!.schema,
    components: OPENAPI.components,
  });
  expect(validate(answer.body), JSON.stringify(validate.errors)).toBe(true);
}

const SERVER_ENV = {
  AUTHORIZE_LOCAL: 'false',
  SUPER_USER: 'admin',
  SUPER_USER_PASSWORD: ADMIN_PASSWORD,
  LOGIN_MAX_FAILURES: '3',
};

afterAll(stopEngines);

describe.each(ENGINES)('the shop with its roles on $name: visitors, customers, staff', (engine) => {
  let server: GeneratedServer;
  let url: string;
  let engineEnv: Record<string, string>;
  const tokens: string[] = [];

  beforeAll(async () => {
    engineEnv = await engine.env();
    server = await startGeneratedServer('shop', { env: { ...SERVER_ENV, ...engineEnv } });
    url = server.url;
    for (const [username, role] of [
      ['alice', 'customer'],
      ['bob', 'customer'],
    ] as const) {
      const created = await request(`${url}/auth/users`, {
        method: 'POST',
        auth: ADMIN,
        body: { username, password: PASSWORDS[username], role },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ username, role });
    }
    // The users command, on the store of the running server, which hears of it at once.
    const added = await execa('node', ['dist/users.js', 'add', 'sam', '--role', 'staff'], {
      cwd: path.join(REPO_ROOT, 'generated-examples', 'shop'),
      env: { DATA_DIR: server.dataDir, ...engineEnv },
      input: `${PASSWORDS.sam}\n`,
      reject: false,
    });
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain('added sam (role staff)');
    // Seed the catalogue and two carts as staff and as the customers themselves.
    const category = await request(`${url}/Category/`, {
      method: 'POST',
      auth: basic('sam'),
      body: { id: 'lamps', name: 'Lamps' },
    });
    expect(category.status).toBe(201);
    for (const [id, name, stockQuantity] of [
      ['p1', 'Desk lamp', 7],
      ['p2', 'Floor lamp', 0],
    ] as const) {
      const created = await request(`${url}/Product/`, {
        method: 'POST',
        auth: basic('sam'),
        body: {
          id,
          name,
          price: 20,
          categoryId: 'lamps',
          stockQuantity,
          inStock: stockQuantity > 0,
        },
      });
      expect(created.status).toBe(201);
    }
    for (const [id, sessionId] of [
      ['a1', 'alice'],
      ['a2', 'alice'],
      ['b1', 'bob'],
    ] as const) {
      const created = await request(`${url}/CartItem/`, {
        method: 'POST',
        auth: basic(sessionId),
        body: { id, productId: 'p1', sessionId, quantity: 1 },
      });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    const output = server.output();
    await server.dispose();
    // Passwords, their hashes and tokens never reach a log line.
    for (const secret of [ADMIN_PASSWORD, ...Object.values(PASSWORDS), ...tokens]) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toContain('$scrypt$');
  });

  it('lets visitors browse the catalogue without the stock count, and nothing else', async () => {
    const list = await request(`${url}/Product/`);
    expect(list.status).toBe(200);
    expect((list.body as object[]).map((product) => Object.keys(product).sort())).toEqual([
      ['categoryId', 'id', 'inStock', 'name', 'price'],
      ['categoryId', 'id', 'inStock', 'name', 'price'],
    ]);
    const one = await request(`${url}/Product/p1`);
    expect(one.body).toEqual({
      id: 'p1',
      name: 'Desk lamp',
      price: 20,
      categoryId: 'lamps',
      inStock: true,
    });
    const csv = await request(`${url}/Product/p1.csv`);
    expect(csv.text).not.toContain('stockQuantity');
    expect(csv.text).not.toContain('7');
    const described = await request(`${url}/Product`);
    expect(
      (described.body as { attributes: { name: string }[] }).attributes.map((a) => a.name),
    ).not.toContain('stockQuantity');

    for (const [method, path, body] of [
      ['POST', '/Product/', { name: 'x' }],
      ['PUT', '/Product/p1', { name: 'x' }],
      ['PATCH', '/Product/p1', { price: 1 }],
      ['DELETE', '/Product/p1', undefined],
      ['DELETE', '/Product/?price=20', undefined],
      ['GET', '/CartItem/', undefined],
      ['GET', '/CartItem/a1', undefined],
      ['GET', '/CartItem', undefined],
    ] as const) {
      const refused = await request(`${url}${path}`, { method, body });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect((refused.body as { code: string }).code).toBe('FORBIDDEN');
    }
    expect((await request(`${url}/Product/p1`, { auth: ADMIN })).body).toMatchObject({
      stockQuantity: 7,
      price: 20,
    });
  });

  it('refuses every way of reading an attribute the role may not read', async () => {
    for (const path of [
      '/Product/?stockQuantity=gt=0',
      '/Product/?sort(stockQuantity)',
      '/Product/?select(name,stockQuantity)',
      '/Product/p1?select(stockQuantity)',
      '/Product/p1.stockQuantity',
      '/Category/?select(name,products{name,stockQuantity})',
      '/Category/?products.stockQuantity=7',
    ]) {
      const refused = await request(`${url}${path}`, { auth: basic('alice') });
      expect(refused.status, path).toBe(403);
      expect(refused.text).not.toContain('"stockQuantity":');
    }
    // Whole related records are sent without it.
    const nested = await request(`${url}/Category/lamps?select(name,products{*})`, {
      auth: basic('alice'),
    });
    expect(nested.status).toBe(200);
    expect(nested.text).not.toContain('stockQuantity');
    expect((nested.body as { products: unknown[] }).products).toHaveLength(2);
    // Staff see it.
    const staff = await request(`${url}/Product/?stockQuantity=gt=0&select(id)`, {
      auth: basic('sam'),
    });
    expect(staff.body).toEqual(['p1']);
  });

  it("keeps each customer's cart their own, on every read path", async () => {
    const alice = basic('alice');
    const list = await request(`${url}/CartItem/`, {
      auth: alice,
      headers: { Prefer: 'count=exact' },
    });
    expect((list.body as { id: string }[]).map((item) => item.id).sort()).toEqual(['a1', 'a2']);
    // The count counts what the role sees.
    expect(list.headers.get('content-range')).toBe('items 0-1/2');
    const limited = await request(`${url}/CartItem/?limit(1)`, {
      auth: alice,
      headers: { Prefer: 'count=exact' },
    });
    expect(limited.headers.get('content-range')).toBe('items 0-0/2');
    // Counted through an index too: Bob's item for the same product is not counted.
    const indexed = await request(`${url}/CartItem/?productId=p1&limit(1)`, {
      auth: alice,
      headers: { Prefer: 'count=exact' },
    });
    expect(indexed.headers.get('content-range')).toBe('items 0-0/2');

    // Another customer's item does not exist for her, whatever the path.
    expect((await request(`${url}/CartItem/b1`, { auth: alice })).status).toBe(404);
    expect((await request(`${url}/CartItem/b1.quantity`, { auth: alice })).status).toBe(404);
    expect((await request(`${url}/CartItem/b1?select(id)`, { auth: alice })).status).toBe(404);
    for (const path of [
      '/CartItem/?sessionId=bob',
      '/CartItem/?id=b1',
      '/CartItem/?product.name=Desk%20lamp&sessionId=bob',
    ]) {
      expect((await request(`${url}${path}`, { auth: alice })).body, path).toEqual([]);
    }
    const joined = await request(`${url}/CartItem/?product.name=Desk%20lamp&select(id)`, {
      auth: alice,
    });
    expect((joined.body as string[]).sort()).toEqual(['a1', 'a2']);
    const described = await request(`${url}/CartItem`, { auth: alice });
    expect((described.body as { recordCount: number }).recordCount).toBe(2);
    // Staff see every cart.
    const all = await request(`${url}/CartItem/?select(id)`, { auth: basic('sam') });
    expect((all.body as string[]).sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it("refuses writes to another customer's items, and writes that would give one away", async () => {
    const alice = basic('alice');
    const patched = await request(`${url}/CartItem/b1`, {
      method: 'PATCH',
      auth: alice,
      body: { quantity: 9 },
    });
    expect(patched.status).toBe(403);
    expect((await request(`${url}/CartItem/b1`, { method: 'DELETE', auth: alice })).status).toBe(
      403,
    );
    // Taking an item over, or giving her own away, is refused: the rule holds for the new record.
    const takeOver = await request(`${url}/CartItem/b1`, {
      method: 'PUT',
      auth: alice,
      body: { productId: 'p1', sessionId: 'alice', quantity: 1 },
    });
    expect(takeOver.status).toBe(403);
    const giveAway = await request(`${url}/CartItem/a2`, {
      method: 'PATCH',
      auth: alice,
      body: { sessionId: 'bob' },
    });
    expect(giveAway.status).toBe(403);
    const forBob = await request(`${url}/CartItem/`, {
      method: 'POST',
      auth: alice,
      body: { productId: 'p1', sessionId: 'bob', quantity: 1 },
    });
    expect(forBob.status).toBe(403);
    // A batch with one forbidden record writes none.
    const batch = await request(`${url}/CartItem/`, {
      method: 'POST',
      auth: alice,
      body: [
        { id: 'a9', productId: 'p1', sessionId: 'alice', quantity: 1 },
        { id: 'b9', productId: 'p1', sessionId: 'bob', quantity: 1 },
      ],
    });
    expect(batch.status).toBe(403);
    expect((await request(`${url}/CartItem/a9`, { auth: ADMIN })).status).toBe(404);
    const item = await request(`${url}/CartItem/b1`, { auth: ADMIN });
    expect(item.body).toMatchObject({ sessionId: 'bob', quantity: 1 });
    // Writing an attribute the role may not write is refused; a PUT keeps its stored value.
    const stock = await request(`${url}/Product/p1`, {
      method: 'PATCH',
      auth: basic('sam'),
      body: { price: 25 },
    });
    expect(stock.status).toBe(204);
    // Staff may change the catalogue but not carts.
    expect(
      (
        await request(`${url}/CartItem/a1`, {
          method: 'PATCH',
          auth: basic('sam'),
          body: { quantity: 2 },
        })
      ).status,
    ).toBe(403);
  });

  it('deletes by query only what the customer may delete', async () => {
    for (const [id, sessionId] of [
      ['a5', 'alice'],
      ['b5', 'bob'],
    ] as const) {
      await request(`${url}/CartItem/`, {
        method: 'POST',
        auth: basic(sessionId),
        body: { id, productId: 'p1', sessionId, quantity: 2 },
      });
    }
    const deleted = await request(`${url}/CartItem/?quantity=2`, {
      method: 'DELETE',
      auth: basic('alice'),
    });
    expect(deleted.status).toBe(200);
    expect((await request(`${url}/CartItem/a5`, { auth: ADMIN })).status).toBe(404);
    expect((await request(`${url}/CartItem/b5`, { auth: ADMIN })).status).toBe(200);
  });

  it('answers 401 with a challenge for wrong credentials, and 429 after too many', async () => {
    const wrong = await request(`${url}/Product/`, { auth: basic('alice', 'not-her-password') });
    expect(wrong.status).toBe(401);
    conforms('/Product/', 'get', wrong);
    expect(wrong.headers.get('www-authenticate')).toContain('Basic');
    expect((wrong.body as { code: string }).code).toBe('UNAUTHENTICATED');
    expect((await request(`${url}/Product/`, { auth: 'Bearer not-a-token' })).status).toBe(401);
    expect((await request(`${url}/Product/`, { auth: 'Digest x' })).status).toBe(401);
    // The unknown user fails as slowly as a wrong password, and counts too.
    for (let i = 0; i < 3; i++) {
      expect((await request(`${url}/Product/`, { auth: basic('mallory', 'guess') })).status).toBe(
        401,
      );
    }
    const limited = await request(`${url}/auth/login`, {
      method: 'POST',
      body: { username: 'mallory', password: 'guess' },
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('logs in, answers with tokens that work as Bearer, refreshes them, and ends them with the user', async () => {
    const login = await request(`${url}/auth/login`, {
      method: 'POST',
      body: { username: 'bob', password: PASSWORDS.bob },
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    conforms('/auth/login', 'post', login);
    const issued = login.body as { accessToken: string; refreshToken: string; tokenType: string };
    tokens.push(issued.accessToken, issued.refreshToken);
    expect(issued.tokenType).toBe('Bearer');
    const bearer = `Bearer ${issued.accessToken}`;
    const cart = await request(`${url}/CartItem/?select(id)`, { auth: bearer });
    expect((cart.body as string[]).sort()).toEqual(['b1', 'b5']);
    const me = await request(`${url}/auth/me`, { auth: bearer });
    conforms('/auth/me', 'get', me);
    expect(me.body).toEqual({ username: 'bob', role: 'customer', superUser: false });
    conforms('/CartItem/', 'get', await request(`${url}/CartItem/`, { auth: bearer }));
    // A refresh token is not an access token.
    expect(
      (await request(`${url}/CartItem/`, { auth: `Bearer ${issued.refreshToken}` })).status,
    ).toBe(401);
    const refreshed = await request(`${url}/auth/refresh`, {
      method: 'POST',
      body: { refreshToken: issued.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    tokens.push((refreshed.body as { accessToken: string }).accessToken);
    // A new password ends the refresh tokens; removing the user ends the access tokens.
    const changed = await request(`${url}/auth/users/bob`, {
      method: 'PATCH',
      auth: ADMIN,
      body: { password: 'bob-New-Pass-9' },
    });
    expect(changed.status).toBe(200);
    expect(
      (
        await request(`${url}/auth/refresh`, {
          method: 'POST',
          body: { refreshToken: issued.refreshToken },
        })
      ).status,
    ).toBe(401);
    expect((await request(`${url}/auth/users/bob`, { method: 'DELETE', auth: ADMIN })).status).toBe(
      200,
    );
    expect((await request(`${url}/CartItem/`, { auth: bearer })).status).toBe(401);
    const listed = await request(`${url}/auth/users`, { auth: ADMIN });
    conforms('/auth/users', 'get', listed);
    expect(listed.text).not.toContain('scrypt');
    expect((listed.body as { username: string }[]).map((user) => user.username)).toEqual([
      'admin',
      'alice',
      'sam',
    ]);
    // Managing users is the super user's alone.
    const forbidden = await request(`${url}/auth/users`, { auth: basic('sam') });
    expect(forbidden.status).toBe(403);
    conforms('/auth/users', 'get', forbidden);
    expect((await request(`${url}/auth/users`)).status).toBe(403);
  });

  it('sends a subscriber only what it may see, and a delete when a record stops being visible', async () => {
    const login = await request(`${url}/auth/login`, {
      method: 'POST',
      body: { username: 'alice', password: PASSWORDS.alice },
    });
    const token = (login.body as { accessToken: string }).accessToken;
    tokens.push(token);
    const wsUrl = url.replace('http', 'ws');
    const socket = new EventClient(`${wsUrl}/CartItem/`, 'json', {
      headers: { Authorization: basic('alice') },
    });
    await socket.opened;
    // An EventSource cannot set headers: the token rides in the URL.
    const stream = new EventStreamReader(
      `${url}/CartItem/?access_token=${encodeURIComponent(token)}`,
    );
    const response = await stream.ready;
    expect(response.statusCode).toBe(200);
    const initial = await socket.next(2);
    expect(initial.map((event) => event.id).sort()).toEqual(['a1', 'a2']);
    expect((await stream.next(2)).map((event) => event.id).sort()).toEqual(['a1', 'a2']);

    // Another customer's write is not sent; her own is.
    await request(`${url}/CartItem/`, {
      method: 'POST',
      auth: ADMIN,
      body: { id: 'x1', productId: 'p1', sessionId: 'carol', quantity: 1 },
    });
    await request(`${url}/CartItem/a1`, {
      method: 'PATCH',
      auth: basic('alice'),
      body: { quantity: 3 },
    });
    const [own] = await socket.next(1);
    expect(own).toMatchObject({ id: 'a1', type: 'put', value: { quantity: 3 } });
    expect((await stream.next(1))[0]).toMatchObject({ id: 'a1', type: 'put' });
    // Moved to another cart (by the super user): it leaves her view as a delete.
    await request(`${url}/CartItem/a2`, {
      method: 'PATCH',
      auth: ADMIN,
      body: { sessionId: 'carol' },
    });
    const [gone] = await socket.next(1);
    expect(gone).toMatchObject({ id: 'a2', type: 'delete' });
    expect((await stream.next(1))[0]).toMatchObject({ id: 'a2', type: 'delete' });
    const everything: EventMessage[] = [...socket.messages, ...stream.events];
    expect(JSON.stringify(everything)).not.toContain('carol');
    socket.close();
    stream.close();

    // A subscription the role may not make is refused before it opens.
    const refused = await fetch(`${url}/CartItem/`, { headers: { Accept: 'text/event-stream' } });
    expect(refused.status).toBe(403);
    const unauthenticated = new EventClient(`${wsUrl}/CartItem/`, 'json', {
      headers: { Authorization: basic('alice', 'wrong') },
    });
    await expect(unauthenticated.opened).rejects.toThrow(/401/);

    // A visitor's product events carry no stock count.
    const products = new EventClient(`${wsUrl}/Product/p1`);
    await products.opened;
    expect((await products.next(1))[0]!.value).not.toHaveProperty('stockQuantity');
    await request(`${url}/Product/p1`, {
      method: 'PATCH',
      auth: basic('sam'),
      body: { stockQuantity: 5 },
    });
    const [changed] = await products.next(1);
    expect(changed).toMatchObject({ id: 'p1', type: 'put' });
    expect(changed!.value).not.toHaveProperty('stockQuantity');
    products.close();
  });
});

describe.each(ENGINES)('the calendar on $name: a user reads their own calendar', (engine) => {
  let server: GeneratedServer;
  let url: string;
  const alice = basic('alice');

  beforeAll(async () => {
    server = await startGeneratedServer('calendar', {
      env: { ...SERVER_ENV, ...(await engine.env()) },
    });
    url = server.url;
    for (const username of ['alice', 'bob']) {
      const created = await request(`${url}/auth/users`, {
        method: 'POST',
        auth: ADMIN,
        body: { username, password: PASSWORDS[username], role: 'member' },
      });
      expect(created.status).toBe(201);
    }
    const seed = [
      ['User', { id: 'alice', name: 'Alice', email: 'a@example.com' }],
      ['User', { id: 'bob', name: 'Bob', email: 'b@example.com' }],
      ['Event', { id: 'e1', title: 'Alice plans', organizerId: 'alice', attendeeIds: ['bob'] }],
      ['Event', { id: 'e2', title: 'Bob alone', organizerId: 'bob', attendeeIds: [] }],
      ['Event', { id: 'e3', title: 'Bob invites', organizerId: 'bob', attendeeIds: ['alice'] }],
    ] as const;
    for (const [table, record] of seed) {
      expect(
        (await request(`${url}/${table}/`, { method: 'POST', auth: ADMIN, body: record })).status,
      ).toBe(201);
    }
  });

  afterAll(async () => {
    await server.dispose();
  });

  it('answers 401 to a request without credentials: the calendar has no anonymous role', async () => {
    const answer = await request(`${url}/Event/`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe(
      'Basic realm="codegen", Bearer realm="codegen"',
    );
  });

  it('shows the events she organizes or attends, and no one else', async () => {
    const events = await request(`${url}/Event/?select(id)`, { auth: alice });
    expect((events.body as string[]).sort()).toEqual(['e1', 'e3']);
    expect((await request(`${url}/Event/e2`, { auth: alice })).status).toBe(404);
    // Relationships resolve only to records she may see: Bob is not one of them.
    const organizers = await request(`${url}/Event/?select(id,organizer{name})`, { auth: alice });
    expect(organizers.body).toEqual(
      expect.arrayContaining([
        { id: 'e1', organizer: { name: 'Alice' } },
        // Bob's record does not exist for her: answered as a reference to no record is.
        { id: 'e3' },
      ]),
    );
    expect(organizers.text).not.toContain('Bob');
    // A condition through a row she may not see matches nothing.
    expect((await request(`${url}/Event/?organizer.name=Bob`, { auth: alice })).body).toEqual([]);
    // Through an index of the other table too (User.email is @indexed).
    expect(
      (await request(`${url}/Event/?organizer.email=b@example.com`, { auth: alice })).body,
    ).toEqual([]);
    expect(
      (await request(`${url}/Event/?organizer.email=a@example.com&select(id)`, { auth: alice }))
        .body,
    ).toEqual(['e1']);
    expect((await request(`${url}/Event/e3.organizer`, { auth: alice })).body).toBeNull();
    const users = await request(`${url}/User/?select(id)`, { auth: alice });
    expect(users.body).toEqual(['alice']);
    // Her own record she may change; Bob's she may not, nor may she organize for him.
    expect(
      (
        await request(`${url}/User/alice`, {
          method: 'PATCH',
          auth: alice,
          body: { timezone: 'UTC' },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await request(`${url}/User/bob`, {
          method: 'PATCH',
          auth: alice,
          body: { timezone: 'UTC' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await request(`${url}/Event/`, {
          method: 'POST',
          auth: alice,
          body: { title: 'for Bob', organizerId: 'bob' },
        })
      ).status,
    ).toBe(403);
    // Attending is not organizing: she may not change Bob's event.
    expect(
      (await request(`${url}/Event/e3`, { method: 'PATCH', auth: alice, body: { title: 'mine' } }))
        .status,
    ).toBe(403);
  });
});

describe('a server that would admit nobody', () => {
  it('refuses to start, and says how to let someone in', async () => {
    const attempt = startGeneratedServer('calendar', { env: { AUTHORIZE_LOCAL: 'false' } });
    await expect(attempt).rejects.toThrow(
      /no request could be let in: .*add a user \(npm run users -- add <name> --role admin\)/,
    );
  });
});
