/**
 * The server's `/auth/` endpoints (contract section 12):
 *
 * - `POST /auth/login` `{username, password}` → `{accessToken, refreshToken, tokenType, expiresIn}`;
 * - `POST /auth/refresh` `{refreshToken}` → new tokens, while the user's password and role are
 *   what they were when the refresh token was issued;
 * - `GET /auth/me` → the request's user and role;
 * - for the super user only: `GET /auth/users`, `POST /auth/users` `{username, password, role}`,
 *   `GET`/`PATCH`/`DELETE /auth/users/<name>` (`PATCH` takes `password` and/or `role`).
 *
 * No answer ever holds a password or its hash.
 */
import { decodeBody, readBody } from '../http/body.js';
import { clientError } from '../http/errors.js';
import type { Exchange } from '../http/exchange.js';
import { isPlainObject } from '../validate.js';
import type { Auth } from './index.js';
import { MAX_PASSWORD_BYTES } from './passwords.js';
import type { Access } from './policy.js';
import { NoSuchUserError, usernameProblem, UserExistsError, type StoredUser } from './users.js';

const LOGIN_METHODS = 'POST, OPTIONS';
const ME_METHODS = 'GET, HEAD, OPTIONS';
const USERS_METHODS = 'GET, HEAD, POST, OPTIONS';
const USER_METHODS = 'GET, HEAD, PATCH, DELETE, OPTIONS';

/** What the server does for these endpoints besides them (answers OPTIONS and 405 its own way). */
export interface AuthEndpointHost {
  options(exchange: Exchange, allow: string): void;
  methodNotAllowed(exchange: Exchange, allow: string): void;
  /** The request's access, authenticated as every other request's. */
  authenticate(exchange: Exchange): Promise<Access>;
}

/** Answers a request of `/auth/<rest>`. */
export async function answerAuth(
  auth: Auth,
  host: AuthEndpointHost,
  exchange: Exchange,
  rest: string,
  maxBodyBytes: number,
): Promise<void> {
  const method = exchange.request.method ?? 'GET';
  const body = async (): Promise<Record<string, unknown>> => {
    const value = decodeBody(
      await readBody(exchange.request, maxBodyBytes),
      exchange.request.headers['content-type'],
    );
    if (!isPlainObject(value)) {
      throw clientError('BODY_NOT_RECORD', 'The body must be an object');
    }
    return value;
  };
  if (rest === 'login' || rest === 'refresh') {
    if (method === 'OPTIONS') return host.options(exchange, LOGIN_METHODS);
    if (method !== 'POST') return host.methodNotAllowed(exchange, LOGIN_METHODS);
    const given = await body();
    const tokens =
      rest === 'login'
        ? await auth.login(
            exchange.request,
            stringMember(given, 'username'),
            stringMember(given, 'password'),
          )
        : await auth.refresh(stringMember(given, 'refreshToken'));
    // Tokens are credentials: no cache keeps them.
    exchange.sendValue(200, 'json', tokens, ['Cache-Control', 'no-store']);
    return;
  }
  if (rest === 'me') {
    if (method === 'OPTIONS') return host.options(exchange, ME_METHODS);
    if (method !== 'GET' && method !== 'HEAD') return host.methodNotAllowed(exchange, ME_METHODS);
    const access = await host.authenticate(exchange);
    exchange.sendValue(200, 'json', {
      username: access.user?.username ?? null,
      role: access.role.name,
      superUser: access.superUser,
    });
    return;
  }
  if (rest === 'users' || rest.startsWith('users/')) {
    const name = rest === 'users' ? null : decodeName(rest.slice('users/'.length));
    const allow = name === null ? USERS_METHODS : USER_METHODS;
    if (method === 'OPTIONS') return host.options(exchange, allow);
    const access = await host.authenticate(exchange);
    if (!access.superUser) throw access.forbidden('manage users');
    if (name === null) return answerUsers(auth, host, exchange, method, body);
    return answerUser(auth, host, exchange, method, name, body);
  }
  throw clientError('NOT_FOUND', `Nothing is served at /auth/${rest.slice(0, 200)}`);
}

async function answerUsers(
  auth: Auth,
  host: AuthEndpointHost,
  exchange: Exchange,
  method: string,
  body: () => Promise<Record<string, unknown>>,
): Promise<void> {
  if (method === 'GET' || method === 'HEAD') {
    exchange.sendValue(200, 'json', auth.users.list().map(shown));
    return;
  }
  if (method !== 'POST') return host.methodNotAllowed(exchange, USERS_METHODS);
  const given = await body();
  const username = stringMember(given, 'username');
  const problem = usernameProblem(username);
  if (problem !== undefined) throw clientError('VALIDATION_FAILED', problem);
  const role = checkedRole(auth, stringMember(given, 'role'));
  const password = checkedPassword(stringMember(given, 'password'));
  try {
    const user = await auth.users.add(username, password, role);
    exchange.sendValue(201, 'json', shown(user), [
      'Location',
      `users/${encodeURIComponent(username)}`,
    ]);
  } catch (error) {
    if (error instanceof UserExistsError) {
      throw clientError('USER_EXISTS', error.message, { username });
    }
    throw error;
  }
}

async function answerUser(
  auth: Auth,
  host: AuthEndpointHost,
  exchange: Exchange,
  method: string,
  username: string,
  body: () => Promise<Record<string, unknown>>,
): Promise<void> {
  switch (method) {
    case 'GET':
    case 'HEAD': {
      const user = auth.users.get(username);
      if (user === undefined) throw noSuchUser(username);
      exchange.sendValue(200, 'json', shown(user));
      return;
    }
    case 'PATCH': {
      const given = await body();
      const changes: { password?: string; role?: string } = {};
      if (given.role !== undefined) changes.role = checkedRole(auth, stringMember(given, 'role'));
      if (given.password !== undefined)
        changes.password = checkedPassword(stringMember(given, 'password'));
      if (changes.role === undefined && changes.password === undefined) {
        throw clientError('VALIDATION_FAILED', 'PATCH of a user takes "password" and/or "role"');
      }
      try {
        exchange.sendValue(200, 'json', shown(await auth.users.update(username, changes)));
      } catch (error) {
        if (error instanceof NoSuchUserError) throw noSuchUser(username);
        throw error;
      }
      return;
    }
    case 'DELETE':
      if (!(await auth.users.remove(username))) throw noSuchUser(username);
      exchange.sendValue(200, 'json', true);
      return;
    default:
      return host.methodNotAllowed(exchange, USER_METHODS);
  }
}

/** A user as answers show them: never the password's hash. */
function shown(user: StoredUser): { username: string; role: string } {
  return { username: user.username, role: user.role };
}

function stringMember(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string') {
    throw clientError('VALIDATION_FAILED', `The body must hold "${name}" as a string`, {
      problems: [{ path: name, message: 'must be a string' }],
    });
  }
  return value;
}

function checkedRole(auth: Auth, role: string): string {
  if (auth.policy.role(role) === undefined) {
    throw clientError(
      'VALIDATION_FAILED',
      `"${role.slice(0, 64)}" is not a role of src/roles.ts; the roles are ${auth.policy.roleNames().join(', ')}`,
      { roles: auth.policy.roleNames() },
    );
  }
  return role;
}

function checkedPassword(password: string): string {
  if (password === '' || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw clientError(
      'VALIDATION_FAILED',
      `A password must be 1 to ${MAX_PASSWORD_BYTES} bytes long`,
    );
  }
  return password;
}

function decodeName(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw clientError('BAD_URL', 'The URL holds malformed percent-encoding');
  }
}

function noSuchUser(username: string) {
  return clientError('NOT_FOUND', `There is no user "${username.slice(0, 64)}"`);
}
