/**
 * Authentication (contract section 12): who a request is made by, from its credentials, and the
 * `Access` it acts with. One `Auth` serves the whole process: every HTTP request, WebSocket
 * upgrade and event stream is authenticated here, before it is routed.
 *
 * - `Authorization: Basic …`: a user of the store and their password (scrypt, verified once and
 *   then remembered for a few minutes by a digest of the header).
 * - `Authorization: Bearer …`: an access token of `POST /auth/login`, or of the external identity
 *   provider of `JWT_JWKS_URL`. An event stream or WebSocket may name it as `access_token=` in
 *   its URL instead (browsers' `EventSource` and `WebSocket` cannot set headers).
 * - no credentials: the super user when the request comes from this machine and
 *   `AUTHORIZE_LOCAL` is on; else the roles file's `anonymous` role; else 401.
 *
 * A server's own token is checked against the user as it is now: a user removed is refused at
 * once, and a user's role is the role they have now, whatever the token was issued with.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ServerConfig } from '../config.js';
import { ClientError } from '../errors.js';
import { clientError } from '../http/errors.js';
import { isLoopback } from '../http/origin.js';
import type { SchemaMeta } from '../meta.js';
import type { Store } from '../store/types.js';
import type { RuntimeHooks } from '../tableSet.js';
import { PasswordCheckBusyError, verifyPassword, verifyUnknown } from './passwords.js';
import { Access, Policy, type RolePolicy } from './policy.js';
import { FailureLimiter } from './rateLimit.js';
import type { RuntimeRoles } from './roles.js';
import {
  decodeSecret,
  ExternalIssuer,
  KeySetUnavailableError,
  TokenError,
  TokenIssuer,
  type IssuedTokens,
} from './tokens.js';
import {
  storedSecret,
  usernameProblem,
  UserDirectory,
  UserExistsError,
  type StoredUser,
} from './users.js';

export { Access } from './policy.js';

/** The realm of `WWW-Authenticate`. */
const REALM = 'codegen';
const CHALLENGE = `Basic realm="${REALM}", Bearer realm="${REALM}"`;
/** How long a verified Basic header is remembered (a changed password ends it at once). */
const BASIC_CACHE_MS = 5 * 60_000;
const BASIC_CACHE_SIZE = 10_000;
/** Distinct usernames and addresses whose failed logins are counted at once. */
const LIMITER_ENTRIES = 100_000;
/** The query parameter that carries a token for event streams and WebSockets. */
export const TOKEN_PARAMETER = 'access_token';

/** Everything authentication needs, once per process. */
export class Auth {
  private readonly basicCache = new Map<string, { generation: number; expires: number }>();
  private readonly userFailures: FailureLimiter;
  private readonly addressFailures: FailureLimiter;
  private readonly authorizeLocal: boolean;
  readonly local: Access;

  private constructor(
    private readonly schema: SchemaMeta,
    readonly policy: Policy,
    readonly users: UserDirectory,
    private readonly issuer: TokenIssuer,
    private readonly external: ExternalIssuer | null,
    config: ServerConfig,
  ) {
    this.authorizeLocal = config.authorizeLocal ?? isLoopback(config.host);
    const limiter = (maxFailures: number): FailureLimiter =>
      new FailureLimiter({
        maxFailures,
        windowMs: config.loginFailureWindowMs,
        maxEntries: LIMITER_ENTRIES,
      });
    this.userFailures = limiter(config.loginMaxFailures);
    this.addressFailures = limiter(config.loginMaxFailuresPerAddress);
    this.local = new Access(schema, null, policy.superUser);
  }

  /**
   * Authentication for a server: its users loaded, its signing secret read (or made), the first
   * super user created from `SUPER_USER`. Throws (a one-line Error) when the roles file does not
   * fit the schema, or when a server any client can reach would admit nobody (no user, no
   * anonymous role, no `AUTHORIZE_LOCAL`).
   */
  static async open(
    schema: SchemaMeta,
    store: Store,
    config: ServerConfig,
    roles: RuntimeRoles,
    log: (line: string) => void,
  ): Promise<Auth> {
    const policy = new Policy(schema, roles);
    const users = await UserDirectory.open(store);
    try {
      if (config.superUser !== null && users.get(config.superUser) === undefined) {
        const problem = usernameProblem(config.superUser);
        if (problem !== undefined) throw new Error(`SUPER_USER: ${problem}`);
        try {
          await users.add(config.superUser, config.superUserPassword ?? '', policy.superUser.name);
          log(`auth: created the super user "${config.superUser}" (SUPER_USER)`);
        } catch (error) {
          // Another worker, or another server of the database, created it first.
          if (!(error instanceof UserExistsError)) throw error;
        }
      }
      const secret =
        config.jwtSecret === null
          ? await storedSecret(store, 'jwt')
          : decodeJwtSecret(config.jwtSecret);
      const issuer = new TokenIssuer({
        secret,
        issuer: REALM,
        accessTtlSeconds: config.accessTokenTtlSeconds,
        refreshTtlSeconds: config.refreshTokenTtlSeconds,
      });
      const external =
        config.jwtJwksUrl === null
          ? null
          : new ExternalIssuer({
              jwksUrl: config.jwtJwksUrl,
              ...(config.jwtIssuer === null ? {} : { issuer: config.jwtIssuer }),
              ...(config.jwtAudience === null ? {} : { audience: config.jwtAudience }),
              roleClaim: config.jwtRoleClaim,
              usernameClaim: config.jwtUsernameClaim,
            });
      const auth = new Auth(schema, policy, users, issuer, external, config);
      auth.checkReachable(config);
      return auth;
    } catch (error) {
      users.close();
      throw error;
    }
  }

  close(): void {
    this.users.close();
  }

  /** Throws (one line) for a custom route whose `roles` name a role the roles file does not define. */
  checkRoutes(hooks: RuntimeHooks): void {
    for (const [table, tableHooks] of Object.entries(hooks)) {
      for (const route of tableHooks?.routes ?? []) {
        if (route.roles === undefined || route.roles === '*') continue;
        const unknown = route.roles.find((role) => this.policy.role(role) === undefined);
        if (unknown !== undefined) {
          throw new Error(
            `the route ${route.method} ${JSON.stringify(route.path)} of ${table} names the role "${unknown}", which src/roles.ts does not define`,
          );
        }
      }
    }
  }

  /**
   * The access of a request, from its `Authorization` header (or, for event streams and
   * WebSockets, `token`: the URL's `access_token`). 401 (`UNAUTHENTICATED`) for missing or wrong
   * credentials, 429 after too many failed ones.
   */
  authenticate(request: IncomingMessage, token?: string): Access | Promise<Access> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const space = header.indexOf(' ');
      const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
      const credentials = space < 0 ? '' : header.slice(space + 1).trim();
      if (scheme === 'bearer') return this.bearer(credentials);
      if (scheme === 'basic') return this.basic(request, header, credentials);
      throw unauthenticated(`The Authorization scheme must be Basic or Bearer`);
    }
    if (token !== undefined) return this.bearer(token);
    if (this.authorizeLocal && fromThisMachine(request)) return this.local;
    const anonymous = this.policy.anonymous;
    if (anonymous !== null) return new Access(this.schema, null, anonymous);
    throw unauthenticated(
      'This request needs credentials: Basic, or a Bearer token of POST /auth/login',
    );
  }

  /** `POST /auth/login`: tokens for a username and password. */
  async login(request: IncomingMessage, username: string, password: string): Promise<IssuedTokens> {
    const user = await this.checkPassword(request, username, password);
    return this.issuer.issue(user);
  }

  /** `POST /auth/refresh`: new tokens for a refresh token whose user has not changed since. */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    let claims;
    try {
      claims = await this.issuer.verifyRefresh(refreshToken);
    } catch (error) {
      throw tokenRefused(error);
    }
    const user = this.users.get(claims.username);
    if (user === undefined || user.generation !== claims.generation) {
      throw unauthenticated(
        'The refresh token is no longer valid: its user was removed or their password or role changed; log in again',
      );
    }
    return this.issuer.issue(user);
  }

  /** The role of a user of the store, or a 403 when the roles file no longer defines it. */
  private roleOf(user: { readonly username: string; readonly role: string }): RolePolicy {
    const role = this.policy.role(user.role);
    if (role === undefined) {
      throw new ClientError(
        403,
        'FORBIDDEN',
        `User "${user.username}" has the role "${user.role}", which src/roles.ts does not define`,
        { role: user.role },
      );
    }
    return role;
  }

  /** A token verified before is answered at once; another one once it has been verified. */
  private bearer(token: string): Access | Promise<Access> {
    if (token === '') throw unauthenticated('The Bearer token is empty');
    const known = this.issuer.verifiedAccess(token);
    if (known === 'expired') throw unauthenticated('The access token has expired');
    return known === undefined ? this.verifyBearer(token) : this.userAccess(known.username);
  }

  private async verifyBearer(token: string): Promise<Access> {
    let claims;
    try {
      claims = await this.issuer.verifyAccess(token);
    } catch (error) {
      if (this.external === null || !(error instanceof TokenError)) throw tokenRefused(error);
      try {
        const external = await this.external.verify(token);
        return new Access(this.schema, external, this.roleOf(external));
      } catch (externalError) {
        throw tokenRefused(externalError);
      }
    }
    return this.userAccess(claims.username);
  }

  /** The access of a user of the store named by a token, as the user is now. */
  private userAccess(username: string): Access {
    const user = this.users.get(username);
    if (user === undefined) {
      throw unauthenticated(`The token's user "${username}" no longer exists`);
    }
    return new Access(this.schema, { username: user.username, role: user.role }, this.roleOf(user));
  }

  private async basic(
    request: IncomingMessage,
    header: string,
    credentials: string,
  ): Promise<Access> {
    const digest = createHash('sha256').update(header).digest('base64');
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw unauthenticated('Basic credentials must be base64 of "username:password"');
    const username = decoded.slice(0, colon);
    const cached = this.basicCache.get(digest);
    if (cached !== undefined) {
      const user = this.users.get(username);
      if (
        user !== undefined &&
        user.generation === cached.generation &&
        cached.expires > Date.now()
      ) {
        return new Access(this.schema, { username, role: user.role }, this.roleOf(user));
      }
      this.basicCache.delete(digest);
    }
    const user = await this.checkPassword(request, username, decoded.slice(colon + 1));
    if (this.basicCache.size >= BASIC_CACHE_SIZE) {
      // The oldest entry goes (a Map iterates in insertion order).
      for (const key of this.basicCache.keys()) {
        this.basicCache.delete(key);
        break;
      }
    }
    this.basicCache.set(digest, {
      generation: user.generation,
      expires: Date.now() + BASIC_CACHE_MS,
    });
    return new Access(this.schema, { username, role: user.role }, this.roleOf(user));
  }

  /** The user whose password this is; 401 otherwise, 429 after too many failures. */
  private async checkPassword(
    request: IncomingMessage,
    username: string,
    password: string,
  ): Promise<StoredUser> {
    const address = request.socket.remoteAddress ?? '';
    const wait = Math.max(
      this.userFailures.retryAfterMs(username),
      this.addressFailures.retryAfterMs(address),
    );
    if (wait > 0) {
      const retryAfter = Math.ceil(wait / 1000);
      throw clientError(
        'TOO_MANY_ATTEMPTS',
        `Too many failed logins for this user or from this address; try again in ${retryAfter} s`,
        { retryAfter },
      );
    }
    const user = this.users.get(username);
    let valid: boolean;
    try {
      valid =
        user === undefined
          ? await verifyUnknown(password)
          : await verifyPassword(password, user.passwordHash);
    } catch (error) {
      if (error instanceof PasswordCheckBusyError) {
        throw clientError(
          'UNAVAILABLE',
          'Too many logins are being checked at once; try again shortly',
          {
            retryAfter: 1,
          },
        );
      }
      throw error;
    }
    if (!valid || user === undefined) {
      this.userFailures.fail(username);
      this.addressFailures.fail(address);
      throw unauthenticated('The username or password is wrong');
    }
    this.userFailures.succeed(username);
    return user;
  }

  /**
   * A server with no user to log in as, no role for requests without credentials and no
   * `AUTHORIZE_LOCAL` would admit nobody: a mistake of its setup, said at start. (With
   * `AUTHORIZE_LOCAL` set explicitly, the operator chose to let in this machine alone.)
   */
  private checkReachable(config: ServerConfig): void {
    if (this.authorizeLocal && isLoopback(config.host)) return;
    if (this.users.size > 0 || this.policy.anonymous !== null || this.external !== null) return;
    if (config.authorizeLocal === true) return;
    throw new Error(
      'no request could be let in: the server has no users, requests without credentials have no ' +
        `role, and AUTHORIZE_LOCAL is off; add a user (npm run users -- add <name> --role ${this.policy.superUser.name}), ` +
        'set SUPER_USER and SUPER_USER_PASSWORD, or give requests without credentials a role (anonymous in src/roles.ts)',
    );
  }
}

function decodeJwtSecret(text: string): Uint8Array {
  try {
    return decodeSecret(text);
  } catch (error) {
    throw new Error(`JWT_SECRET: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/** A request from this machine, not forwarded by a proxy (whose clients may be anywhere). */
function fromThisMachine(request: IncomingMessage): boolean {
  const address = request.socket.remoteAddress;
  if (address === undefined) return false;
  if (request.headers.forwarded !== undefined || request.headers['x-forwarded-for'] !== undefined) {
    return false;
  }
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** The 401 for missing or wrong credentials, with the schemes the server takes. */
export function unauthenticated(message: string): ClientError {
  return new ClientError(401, 'UNAUTHENTICATED', message, {}, ['WWW-Authenticate', CHALLENGE]);
}

function tokenRefused(error: unknown): ClientError {
  if (error instanceof ClientError) return error;
  if (error instanceof KeySetUnavailableError) {
    return clientError('UNAVAILABLE', error.message, { retryAfter: 5 });
  }
  if (error instanceof TokenError) return unauthenticated(error.message);
  throw error;
}
