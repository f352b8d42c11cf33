/**
 * JSON Web Tokens (with `jose`): the server's own access and refresh tokens (`TokenIssuer`, HS256
 * with a shared secret) and the access tokens of another identity provider (`ExternalIssuer`,
 * checked against the provider's published keys).
 *
 * - An access token is short-lived and names the user and the role: `sub`, `role`, `typ: 'access'`.
 * - A refresh token names the user and the user's generation (`gen`), a number that changes when the
 *   password or the role changes or the user is removed and added again: a refresh token of an
 *   older generation no longer yields access tokens. `typ: 'refresh'` keeps either kind of token
 *   from being taken for the other.
 *
 * Access tokens are checked on every request, so a verified token is remembered (bounded, least
 * recently used first out) with its claims until it expires. Only tokens that passed the full check
 * are remembered: the cache can spare work, never let a token through.
 *
 * Every refusal is a `TokenError`, whose message the server sends with its 401. Messages never
 * contain the token.
 */
import { randomBytes } from 'node:crypto';
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';

/** Who a verified access token speaks for. */
export interface TokenClaims {
  readonly username: string;
  readonly role: string;
}

/** A token that is refused (401); the message says why, in a sentence fit for the client. */
export class TokenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TokenError';
  }
}

/**
 * A token of another identity provider that cannot be checked because the provider's keys could
 * not be fetched: a `TokenError` still, but not the client's fault, so a server may answer 503.
 */
export class KeySetUnavailableError extends TokenError {
  constructor(options?: ErrorOptions) {
    super("The identity provider's signing keys could not be fetched; try again later", options);
    this.name = 'KeySetUnavailableError';
  }
}

/** Shortest accepted HS256 secret, in bytes (RFC 7518 section 3.2: at least the hash's size). */
export const MIN_SECRET_BYTES = 32;
/** Verified tokens remembered by each issuer. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

export interface TokenIssuerOptions {
  /** The HS256 key, at least `MIN_SECRET_BYTES` long (see `decodeSecret`). */
  readonly secret: Uint8Array;
  /** The `iss` of every token issued, and the only one accepted. */
  readonly issuer: string;
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
  /** The clock, in milliseconds since the epoch (`Date.now` unless a test sets it). */
  readonly now?: () => number;
}

/** The user a pair of tokens is issued to. */
export interface TokenSubject {
  readonly username: string;
  readonly role: string;
  /** The user's generation (see the module's comment); refresh tokens carry it. */
  readonly generation: number;
}

/** The answer of a login or a refresh (OAuth 2.0 token response, RFC 6749 section 5.1). */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds the access token is valid for. */
  readonly expiresIn: number;
}

/** What a verified refresh token says. */
export interface RefreshClaims {
  readonly username: string;
  readonly generation: number;
}

const ALGORITHM = 'HS256';

/** Issues and checks the server's own tokens. */
export class TokenIssuer {
  readonly #secret: Uint8Array;
  readonly #issuer: string;
  readonly #accessTtlSeconds: number;
  readonly #refreshTtlSeconds: number;
  readonly #now: () => number;
  readonly #verified = new VerifiedTokenCache();

  constructor(options: TokenIssuerOptions) {
    if (options.secret.length < MIN_SECRET_BYTES) {
      throw new RangeError(
        `The token secret must be at least ${MIN_SECRET_BYTES} bytes long, not ${options.secret.length}.`,
      );
    }
    if (options.issuer.length === 0) throw new RangeError('The token issuer must not be empty.');
    positiveSeconds('access token lifetime', options.accessTtlSeconds);
    positiveSeconds('refresh token lifetime', options.refreshTtlSeconds);
    // A copy: the caller changing its array later must not change the key.
    this.#secret = Uint8Array.from(options.secret);
    this.#issuer = options.issuer;
    this.#accessTtlSeconds = options.accessTtlSeconds;
    this.#refreshTtlSeconds = options.refreshTtlSeconds;
    this.#now = options.now ?? Date.now;
  }

  /** A new access token and refresh token for `user`. */
  async issue(user: TokenSubject): Promise<IssuedTokens> {
    const issuedAt = Math.floor(this.#now() / 1000);
    const accessToken = await new SignJWT({ role: user.role, typ: 'access' })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(user.username)
      .setIssuer(this.#issuer)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.#accessTtlSeconds)
      .sign(this.#secret);
    const refreshToken = await new SignJWT({ gen: user.generation, typ: 'refresh' })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(user.username)
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuer(this.#issuer)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.#refreshTtlSeconds)
      .sign(this.#secret);
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: this.#accessTtlSeconds };
  }

  /**
   * The claims of an access token verified before and not expired since, or `'expired'`, or
   * undefined when it has not been verified (yet): the caller then calls `verifyAccess`. Lets the
   * server authenticate the requests of a token it knows without waiting for a promise.
   */
  verifiedAccess(token: string): TokenClaims | 'expired' | undefined {
    return this.#verified.get(token, this.#now());
  }

  /** The claims of a valid access token of this server; throws `TokenError` for any other token. */
  async verifyAccess(token: string): Promise<TokenClaims> {
    const nowMs = this.#now();
    const cached = this.#verified.get(token, nowMs);
    if (cached === 'expired') throw new TokenError('The access token has expired');
    if (cached !== undefined) return cached;
    const invalid = 'The token is not a valid access token of this server';
    const payload = await this.#verify(token, nowMs, 'The access token has expired', invalid);
    const { sub, role, typ, exp } = payload;
    if (
      typ !== 'access' ||
      typeof role !== 'string' ||
      typeof sub !== 'string' ||
      exp === undefined
    ) {
      throw new TokenError(invalid);
    }
    const claims: TokenClaims = { username: sub, role };
    this.#verified.set(token, claims, exp * 1000);
    return claims;
  }

  /**
   * The user and generation of a valid refresh token of this server; throws `TokenError` for any
   * other token. The caller compares the generation with the user's current one.
   */
  async verifyRefresh(token: string): Promise<RefreshClaims> {
    const invalid = 'The token is not a valid refresh token of this server';
    const payload = await this.#verify(
      token,
      this.#now(),
      'The refresh token has expired',
      invalid,
    );
    const { sub, gen, typ } = payload;
    if (typ !== 'refresh' || typeof sub !== 'string' || typeof gen !== 'number') {
      throw new TokenError(invalid);
    }
    return { username: sub, generation: gen };
  }

  /** The payload of a token signed with the secret by this issuer and not expired. */
  async #verify(
    token: string,
    nowMs: number,
    expired: string,
    invalid: string,
  ): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.#secret, {
        algorithms: [ALGORITHM],
        issuer: this.#issuer,
        currentDate: new Date(nowMs),
        requiredClaims: ['sub', 'iat', 'exp'],
      });
      return payload;
    } catch (error) {
      // jose checks the signature before the claims: only an authentic token is called expired.
      if (error instanceof errors.JWTExpired) throw new TokenError(expired, { cause: error });
      throw new TokenError(invalid, { cause: error });
    }
  }
}

export interface ExternalIssuerOptions {
  /** Where the identity provider publishes its public keys (JSON Web Key Set). */
  readonly jwksUrl: URL;
  /** The `iss` required of tokens; unset: any. */
  readonly issuer?: string;
  /** The `aud` required of tokens (one of them, when it is a list); unset: any. */
  readonly audience?: string;
  /** The claim that holds the user's role (a string). */
  readonly roleClaim: string;
  /** The claim that holds the user's name (a string); default `sub`. */
  readonly usernameClaim?: string;
  /** The clock, in milliseconds since the epoch (`Date.now` unless a test sets it). */
  readonly now?: () => number;
}

/**
 * Signature algorithms accepted from an identity provider: the asymmetric ones only, whose keys
 * can be published.
 */
const EXTERNAL_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** Checks the access tokens of another identity provider (OpenID Connect, OAuth 2.0). */
export class ExternalIssuer {
  readonly #keys: ReturnType<typeof createRemoteJWKSet>;
  readonly #options: JWTVerifyOptions;
  readonly #roleClaim: string;
  readonly #usernameClaim: string;
  readonly #now: (() => number) | undefined;
  readonly #verified = new VerifiedTokenCache();

  constructor(options: ExternalIssuerOptions) {
    if (options.roleClaim.length === 0) throw new RangeError('The role claim must not be empty.');
    if (options.usernameClaim?.length === 0) {
      throw new RangeError('The user name claim must not be empty.');
    }
    // jose fetches the key set when first needed, keeps it for a while and fetches it again when a
    // token names a key it does not know (at most every 30 seconds).
    this.#keys = createRemoteJWKSet(options.jwksUrl);
    this.#options = {
      algorithms: [...EXTERNAL_ALGORITHMS],
      requiredClaims: ['exp'],
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
    };
    this.#roleClaim = options.roleClaim;
    this.#usernameClaim = options.usernameClaim ?? 'sub';
    this.#now = options.now;
  }

  /** The user and role of a valid token of the identity provider; throws `TokenError` otherwise. */
  async verify(token: string): Promise<TokenClaims> {
    const nowMs = this.#now === undefined ? Date.now() : this.#now();
    const cached = this.#verified.get(token, nowMs);
    if (cached === 'expired') throw new TokenError('The access token has expired');
    if (cached !== undefined) return cached;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        ...this.#options,
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      throw externalError(error);
    }
    const username = payload[this.#usernameClaim];
    const role = payload[this.#roleClaim];
    if (typeof username !== 'string' || username.length === 0) {
      throw new TokenError(
        `The token has no user name: its claim ${JSON.stringify(this.#usernameClaim)} is missing or not a string`,
      );
    }
    if (typeof role !== 'string' || role.length === 0) {
      throw new TokenError(
        `The token has no role: its claim ${JSON.stringify(this.#roleClaim)} is missing or not a string`,
      );
    }
    const claims: TokenClaims = { username, role };
    // `exp` is required (`requiredClaims`), so every cached token expires.
    if (payload.exp !== undefined) this.#verified.set(token, claims, payload.exp * 1000);
    return claims;
  }
}

/** The `TokenError` that explains why jose refused a token of an identity provider. */
function externalError(error: unknown): TokenError {
  const options = { cause: error };
  if (error instanceof errors.JWTExpired) {
    return new TokenError('The access token has expired', options);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') {
      return new TokenError('The token was issued by another identity provider', options);
    }
    if (error.claim === 'aud') {
      return new TokenError('The token was issued for another audience', options);
    }
    if (error.claim === 'nbf') return new TokenError('The token is not valid yet', options);
    if (error.reason === 'missing') {
      return new TokenError(`The token lacks the claim ${JSON.stringify(error.claim)}`, options);
    }
    return new TokenError(`The token's claim ${JSON.stringify(error.claim)} is not valid`, options);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new TokenError(
      'The token is signed with a key the identity provider does not publish',
      options,
    );
  }
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    // A failed fetch: jose's generic error (not 200, not JSON) or fetch's own (no connection).
    (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC') ||
    !(error instanceof errors.JOSEError)
  ) {
    return new KeySetUnavailableError(options);
  }
  return new TokenError('The token is not a valid token of the identity provider', options);
}

/**
 * A secret from the environment: base64 (standard or URL-safe, padding optional) when the text is
 * the canonical base64 form of some bytes, else the UTF-8 bytes of the text. Surrounding white space
 * is dropped (a trailing newline of a secret file). Refuses (RangeError) fewer than
 * `MIN_SECRET_BYTES` bytes: text that reads as base64 counts as what it decodes to.
 */
export function decodeSecret(text: string): Uint8Array {
  const trimmed = text.trim();
  const bytes = base64Bytes(trimmed) ?? Buffer.from(trimmed, 'utf8');
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new RangeError(
      `The token secret must be at least ${MIN_SECRET_BYTES} bytes long, not ${bytes.length}; generate one with \`openssl rand -base64 32\`.`,
    );
  }
  return new Uint8Array(bytes);
}

/** The bytes `text` is the canonical base64 (or base64url) form of, or undefined. */
function base64Bytes(text: string): Buffer | undefined {
  let encoding: 'base64' | 'base64url';
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text)) encoding = 'base64';
  else if (/^[A-Za-z0-9_-]+={0,2}$/.test(text)) encoding = 'base64url';
  else return undefined;
  const unpadded = text.replace(/=+$/, '');
  // Padding, when present, must be complete.
  if (unpadded.length !== text.length && text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(unpadded, encoding);
  return bytes.toString(encoding).replace(/=+$/, '') === unpadded ? bytes : undefined;
}

function positiveSeconds(what: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`The ${what} must be a positive whole number of seconds, not ${value}.`);
  }
}

/**
 * Tokens that passed verification, with their claims and expiry; at most `limit`, the least
 * recently used dropped first (a Map keeps insertion order: a hit is moved to the end).
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<
    string,
    { readonly claims: TokenClaims; readonly expiresAtMs: number }
  >();

  constructor(readonly limit: number = VERIFIED_TOKEN_CACHE_SIZE) {}

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The claims of a remembered token; 'expired' (and forgotten) when it has expired since; undefined
   * when it is not remembered.
   */
  get(token: string, nowMs: number): TokenClaims | 'expired' | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    this.#entries.delete(token);
    // The same instant jose calls expired: `exp` at or before the current whole second.
    if (nowMs >= entry.expiresAtMs) return 'expired';
    this.#entries.set(token, entry);
    return entry.claims;
  }

  /** Remembers a token that has just passed verification. */
  set(token: string, claims: TokenClaims, expiresAtMs: number): void {
    if (this.limit <= 0) return;
    this.#entries.delete(token);
    while (this.#entries.size >= this.limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, { claims, expiresAtMs });
  }
}
