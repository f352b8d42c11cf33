/**
 * Authentication and roles in a running server (contract section 12), in-process: who hooks and
 * custom routes are told is calling, who may call a custom route, tokens of an external identity
 * provider verified through its JWKS, and the roles files and settings a server refuses to start
 * with (one line each).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthUser, RolesConfig } from '../../../templates/runtime/auth/roles.js';
import { defineHooks, type Hooks } from '../../../templates/runtime/hooks.js';
import {
  runServer,
  type RunningServer,
  type ServerOptions,
} from '../../../templates/runtime/main.js';
import { Auth } from '../../../templates/runtime/auth/index.js';
import { withSystemTables } from '../../../templates/runtime/auth/users.js';
import { loadConfig } from '../../../templates/runtime/config.js';
import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import { shopSchema } from '../fixtures/schemas.js';

type Shop = Record<'CartItem' | 'Category' | 'Product', never>;

const ADMIN = `Basic ${Buffer.from('admin:admin-Pass-1').toString('base64')}`;
const CLERK = `Basic ${Buffer.from('clerk:clerk-Pass-1').toString('base64')}`;

const ROLES = {
  superUser: 'admin',
  roles: {
    clerk: { tables: { Product: { read: true, create: true, update: true } } },
    guest: { tables: { Product: { read: true } } },
  },
  anonymous: 'guest',
} as const;

const dirs: string[] = [];
const servers: RunningServer[] = [];

async function start(
  options: Partial<ServerOptions<Shop>> & { env?: Record<string, string> } = {},
): Promise<RunningServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'auth-server-'));
  dirs.push(dataDir);
  const server = await runServer(shopSchema, {
    handleSignals: false,
    log: () => {},
    roles: ROLES as unknown as RolesConfig<Shop>,
    ...options,
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      AUTHORIZE_LOCAL: 'false',
      SUPER_USER: 'admin',
      SUPER_USER_PASSWORD: 'admin-Pass-1',
      ...options.env,
    },
  });
  servers.push(server);
  await fetch(`${server.url}/auth/users`, {
    method: 'POST',
    headers: { Authorization: ADMIN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'clerk', password: 'clerk-Pass-1', role: 'clerk' }),
  });
  return server;
}

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('hooks and custom routes see who calls', () => {
  it('tells beforeWrite, afterCommit and a route the user, and routes take only their roles', async () => {
    const seen: (AuthUser | null)[] = [];
    const committed: (AuthUser | null)[] = [];
    const hooks: Hooks<Shop> = {
      Product: defineHooks<Shop, 'Product'>({
        beforeWrite(_record, { user }) {
          seen.push(user);
        },
        afterCommit(_change, { user }) {
          committed.push(user);
        },
        routes: [
          {
            method: 'GET',
            path: 'whoami',
            roles: ['clerk'],
            handler: (request) => ({ user: request.user, role: request.role }),
          },
          { method: 'GET', path: 'open', roles: '*', handler: (request) => request.role },
          { method: 'GET', path: 'admin-only', handler: () => 'ok' },
        ],
      }),
    };
    const server = await start({ hooks });
    const write = await fetch(`${server.url}/Product/p1`, {
      method: 'PUT',
      headers: { Authorization: CLERK, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Lamp' }),
    });
    expect(write.status).toBe(204);
    expect(seen).toEqual([{ username: 'clerk', role: 'clerk' }]);
    await expect.poll(() => committed).toEqual([{ username: 'clerk', role: 'clerk' }]);

    const whoami = await fetch(`${server.url}/Product/whoami`, {
      headers: { Authorization: CLERK },
    });
    expect(await whoami.json()).toEqual({
      user: { username: 'clerk', role: 'clerk' },
      role: 'clerk',
    });
    // The anonymous role may call the open route, not the clerk's nor the super user's.
    expect(await (await fetch(`${server.url}/Product/open`)).json()).toBe('guest');
    expect((await fetch(`${server.url}/Product/whoami`)).status).toBe(403);
    expect(
      (await fetch(`${server.url}/Product/admin-only`, { headers: { Authorization: CLERK } }))
        .status,
    ).toBe(403);
    expect(
      (await fetch(`${server.url}/Product/admin-only`, { headers: { Authorization: ADMIN } }))
        .status,
    ).toBe(200);
  });
});

describe('tokens of an external identity provider', () => {
  let jwks: Server;
  let jwksUrl: string;
  let sign: (claims: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const address = jwks.address() as { port: number };
    jwksUrl = `http://127.0.0.1:${address.port}/jwks.json`;
    sign = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('https://id.example')
        .setAudience('shop')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
  });

  afterAll(async () => {
    await new Promise((resolve) => jwks.close(resolve));
  });

  it('admits their users in the role their claim names, and refuses other tokens', async () => {
    const server = await start({
      env: {
        JWT_JWKS_URL: jwksUrl,
        JWT_ISSUER: 'https://id.example',
        JWT_AUDIENCE: 'shop',
        JWT_ROLE_CLAIM: 'shop_role',
      },
    });
    const clerkToken = await sign({ sub: 'carol@id.example', shop_role: 'clerk' });
    const created = await fetch(`${server.url}/Product/p9`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${clerkToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Shade' }),
    });
    expect(created.status).toBe(204);
    const noRole = await sign({ sub: 'dave@id.example' });
    const refused = await fetch(`${server.url}/Product/`, {
      headers: { Authorization: `Bearer ${noRole}` },
    });
    expect(refused.status).toBe(401);
    const unknownRole = await sign({ sub: 'erin@id.example', shop_role: 'owner' });
    const forbidden = await fetch(`${server.url}/Product/`, {
      headers: { Authorization: `Bearer ${unknownRole}` },
    });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: string }).error).toContain('"owner"');
  });
});

describe('what a server refuses to start with', () => {
  const refusal = async (options: Parameters<typeof start>[0]): Promise<string> => {
    try {
      await start(options);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the server started');
  };

  it('refuses a roles file that does not fit the schema, naming every mistake', async () => {
    const message = await refusal({
      roles: {
        superUser: 'admin',
        anonymous: 'nobody',
        roles: {
          clerk: {
            tables: { Order: { read: true }, Product: { attributes: { colour: { read: false } } } },
          },
        },
      } as unknown as RolesConfig<Shop>,
    });
    expect(message).toContain('role "clerk" names the table Order, which the schema does not have');
    expect(message).toContain('the attribute Product.colour, which the schema does not declare');
    expect(message).toContain('anonymous names the role "nobody", which roles does not define');
    expect(message).not.toContain('\n');
  });

  it('refuses a custom route for a role that does not exist', async () => {
    const hooks: Hooks<Shop> = {
      Product: defineHooks<Shop, 'Product'>({
        routes: [{ method: 'GET', path: 'x', roles: ['clark'], handler: () => 1 }],
      }),
    };
    expect(await refusal({ hooks })).toBe(
      'the route GET "x" of Product names the role "clark", which src/roles.ts does not define; fix it in the table\'s file under src/hooks/',
    );
  });

  it('refuses, by default, to serve every address with no one to let in', async () => {
    // Opened as the server opens it, without listening: nothing binds beyond 127.0.0.1 here.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'auth-open-'));
    dirs.push(dataDir);
    const store = openLmdbStore(withSystemTables(shopSchema), { path: dataDir, log: () => {} });
    try {
      const open = (env: Record<string, string>) =>
        Auth.open(
          shopSchema,
          store,
          loadConfig({ HOST: '0.0.0.0', ...env }),
          { superUser: 'admin', roles: {} },
          () => {},
        );
      await expect(open({})).rejects.toThrow(/^no request could be let in/);
      // An explicit AUTHORIZE_LOCAL is the operator's choice of a server for this machine alone.
      (await open({ AUTHORIZE_LOCAL: 'true' })).close();
      // A user to log in as is enough.
      (await open({ SUPER_USER: 'root', SUPER_USER_PASSWORD: 'root-Pass-1' })).close();
      (await open({})).close();
    } finally {
      await store.close();
    }
  });

  it('refuses a short JWT_SECRET and a lone SUPER_USER', async () => {
    expect(await refusal({ env: { JWT_SECRET: 'short' } })).toMatch(/JWT_SECRET: .*32 bytes/);
    expect(await refusal({ env: { SUPER_USER_PASSWORD: '', SUPER_USER: 'root' } })).toContain(
      'SUPER_USER and SUPER_USER_PASSWORD must be set together',
    );
  });
});
