import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeJwt,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeSecret,
  ExternalIssuer,
  KeySetUnavailableError,
  TokenError,
  TokenIssuer,
  VerifiedTokenCache,
  type TokenIssuerOptions,
} from '../../../templates/runtime/auth/tokens.js';

const START = Date.UTC(2030, 0, 1);
const SECRET = new Uint8Array(randomBytes(32));
const ALICE = { username: 'alice', role: 'editor', generation: 3 };
const INVALID_ACCESS = 'The token is not a valid access token of this server';
const INVALID_REFRESH = 'The token is not a valid refresh token of this server';

/** A clock the test moves by hand. */
function clock(start = START): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

function issuer(options: Partial<TokenIssuerOptions> = {}): TokenIssuer {
  return new TokenIssuer({
    secret: SECRET,
    issuer: 'https://api.example',
    accessTtlSeconds: 60,
    refreshTtlSeconds: 3600,
    ...options,
  });
}

/** The rejection of `promise`, which must be a `TokenError`. */
async function tokenError(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

/** `token` with its payload replaced (the signature kept). */
function withPayload(token: string, change: (payload: JWTPayload) => JWTPayload): string {
  const [header, , signature] = token.split('.');
  const payload = change(decodeJwt(token));
  return [header, Buffer.from(JSON.stringify(payload)).toString('base64url'), signature].join('.');
}

describe('the server tokens', () => {
  it('issues an access token and a refresh token that verify', async () => {
    const time = clock();
    const tokens = issuer({ now: time.now });
    const issued = await tokens.issue(ALICE);
    expect(issued.tokenType).toBe('Bearer');
    expect(issued.expiresIn).toBe(60);
    await expect(tokens.verifyAccess(issued.accessToken)).resolves.toEqual({
      username: 'alice',
      role: 'editor',
    });
    await expect(tokens.verifyRefresh(issued.refreshToken)).resolves.toEqual({
      username: 'alice',
      generation: 3,
    });
    const iat = START / 1000;
    expect(decodeJwt(issued.accessToken)).toEqual({
      sub: 'alice',
      role: 'editor',
      typ: 'access',
      iss: 'https://api.example',
      iat,
      exp: iat + 60,
    });
    expect(decodeJwt(issued.refreshToken)).toEqual({
      sub: 'alice',
      gen: 3,
      typ: 'refresh',
      jti: expect.stringMatching(/^[\w-]{22}$/),
      iss: 'https://api.example',
      iat,
      exp: iat + 3600,
    });
    const again = await tokens.issue(ALICE);
    expect(decodeJwt(again.refreshToken).jti).not.toBe(decodeJwt(issued.refreshToken).jti);
  });

  it('refuses an expired access token, also once it has been verified', async () => {
    const time = clock();
    const tokens = issuer({ now: time.now });
    const { accessToken } = await tokens.issue(ALICE);
    await expect(tokens.verifyAccess(accessToken)).resolves.toMatchObject({ username: 'alice' });
    time.advance(59_999);
    await expect(tokens.verifyAccess(accessToken)).resolves.toMatchObject({ username: 'alice' });
    time.advance(1);
    const error = await tokenError(tokens.verifyAccess(accessToken));
    expect(error.message).toBe('The access token has expired');
    // Dropped from the cache: jose refuses it too.
    expect((await tokenError(tokens.verifyAccess(accessToken))).message).toBe(
      'The access token has expired',
    );
    // A fresh issuer (empty cache) agrees.
    const fresh = issuer({ now: time.now });
    expect((await tokenError(fresh.verifyAccess(accessToken))).message).toBe(
      'The access token has expired',
    );
  });

  it('refuses an expired refresh token', async () => {
    const time = clock();
    const tokens = issuer({ now: time.now });
    const { refreshToken } = await tokens.issue(ALICE);
    time.advance(3_600_000);
    expect((await tokenError(tokens.verifyRefresh(refreshToken))).message).toBe(
      'The refresh token has expired',
    );
  });

  it('refuses tokens signed with another secret', async () => {
    const other = issuer({ secret: new Uint8Array(randomBytes(32)) });
    const { accessToken, refreshToken } = await other.issue(ALICE);
    const tokens = issuer();
    expect((await tokenError(tokens.verifyAccess(accessToken))).message).toBe(INVALID_ACCESS);
    expect((await tokenError(tokens.verifyRefresh(refreshToken))).message).toBe(INVALID_REFRESH);
  });

  it('refuses tokens of another issuer signed with the same secret', async () => {
    const other = issuer({ issuer: 'https://other.example' });
    const { accessToken, refreshToken } = await other.issue(ALICE);
    const tokens = issuer();
    expect((await tokenError(tokens.verifyAccess(accessToken))).message).toBe(INVALID_ACCESS);
    expect((await tokenError(tokens.verifyRefresh(refreshToken))).message).toBe(INVALID_REFRESH);
  });

  it('does not take a refresh token for an access token, or the reverse', async () => {
    const tokens = issuer();
    const { accessToken, refreshToken } = await tokens.issue(ALICE);
    expect((await tokenError(tokens.verifyAccess(refreshToken))).message).toBe(INVALID_ACCESS);
    expect((await tokenError(tokens.verifyRefresh(accessToken))).message).toBe(INVALID_REFRESH);
  });

  it('refuses a token of this server of another type, even with every claim of an access token', async () => {
    const now = Math.floor(START / 1000);
    const tokens = issuer({ now: () => START });
    for (const typ of ['refresh', 'id', undefined]) {
      const token = await new SignJWT({ role: 'admin', ...(typ === undefined ? {} : { typ }) })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setIssuer('https://api.example')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(SECRET);
      expect((await tokenError(tokens.verifyAccess(token))).message).toBe(INVALID_ACCESS);
    }
  });

  it('refuses a tampered payload, also after the original was verified', async () => {
    const tokens = issuer();
    const { accessToken, refreshToken } = await tokens.issue(ALICE);
    await tokens.verifyAccess(accessToken);
    const promoted = withPayload(accessToken, (payload) => ({ ...payload, role: 'admin' }));
    const renamed = withPayload(accessToken, (payload) => ({ ...payload, sub: 'mallory' }));
    const older = withPayload(refreshToken, (payload) => ({ ...payload, gen: 4 }));
    expect((await tokenError(tokens.verifyAccess(promoted))).message).toBe(INVALID_ACCESS);
    expect((await tokenError(tokens.verifyAccess(renamed))).message).toBe(INVALID_ACCESS);
    expect((await tokenError(tokens.verifyRefresh(older))).message).toBe(INVALID_REFRESH);
    const error = await tokenError(tokens.verifyAccess(promoted));
    expect(error.message).not.toContain(promoted);
  });

  it('refuses other algorithms and unsigned tokens', async () => {
    const tokens = issuer();
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'alice', role: 'admin', typ: 'access', iss: 'https://api.example' };
    const hs512 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS512' })
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(SECRET);
    const unsigned = [
      Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url'),
      Buffer.from(JSON.stringify({ ...claims, iat: now, exp: now + 60 })).toString('base64url'),
      '',
    ].join('.');
    for (const token of [hs512, unsigned, '', 'not a token', 'a.b.c']) {
      expect((await tokenError(tokens.verifyAccess(token))).message).toBe(INVALID_ACCESS);
    }
  });

  it('refuses secrets that are too short and nonsensical lifetimes', () => {
    expect(() => issuer({ secret: new Uint8Array(31) })).toThrow(RangeError);
    expect(() => issuer({ secret: new Uint8Array(31) })).toThrow(/at least 32 bytes/);
    expect(() => issuer({ accessTtlSeconds: 0 })).toThrow(RangeError);
    expect(() => issuer({ refreshTtlSeconds: 1.5 })).toThrow(RangeError);
    expect(() => issuer({ issuer: '' })).toThrow(RangeError);
  });
});

describe('the cache of verified tokens', () => {
  const claims = { username: 'alice', role: 'editor' };

  it('drops the least recently used token when full', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('a', claims, START + 1000);
    cache.set('b', claims, START + 1000);
    expect(cache.get('a', START)).toEqual(claims);
    cache.set('c', claims, START + 1000);
    expect(cache.size).toBe(2);
    expect(cache.get('b', START)).toBeUndefined();
    expect(cache.get('a', START)).toEqual(claims);
    expect(cache.get('c', START)).toEqual(claims);
  });

  it('answers expired for a token past its expiry, and forgets it', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('a', claims, START + 1000);
    expect(cache.get('a', START + 999)).toEqual(claims);
    expect(cache.get('a', START + 1000)).toBe('expired');
    expect(cache.get('a', START)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most its limit', () => {
    const cache = new VerifiedTokenCache();
    for (let index = 0; index < 10_050; index++) cache.set(`t${index}`, claims, START + 1000);
    expect(cache.size).toBe(10_000);
    expect(cache.get('t49', START)).toBeUndefined();
    expect(cache.get('t50', START)).toEqual(claims);
  });
});

describe('secrets from the environment', () => {
  const bytes = randomBytes(32);

  it('decodes base64 and base64url, padded or not', () => {
    const padded = bytes.toString('base64');
    expect(padded.endsWith('=')).toBe(true);
    for (const text of [
      padded,
      padded.replace(/=+$/, ''),
      bytes.toString('base64url'),
      `${padded}\n`,
    ]) {
      expect(Buffer.from(decodeSecret(text)).equals(bytes)).toBe(true);
    }
  });

  it('takes other text as its UTF-8 bytes', () => {
    const text = 'this is a long passphrase, not base64!';
    expect(Buffer.from(decodeSecret(text)).toString('utf8')).toBe(text);
  });

  it('refuses fewer than 32 bytes', () => {
    expect(() => decodeSecret('short')).toThrow(RangeError);
    expect(() => decodeSecret('short')).toThrow(/at least 32 bytes/);
    // 40 base64 characters are 30 bytes, however many characters the text has.
    expect(() => decodeSecret(randomBytes(30).toString('base64'))).toThrow(/not 30/);
    expect(() => decodeSecret('')).toThrow(RangeError);
  });
});

describe('the tokens of another identity provider', () => {
  const ISSUER = 'https://id.example';
  const AUDIENCE = 'https://api.example';
  let server: Server;
  let base = '';
  let publishedKey: CryptoKey;
  let unpublishedKey: CryptoKey;
  let keySetFetches = 0;

  beforeAll(async () => {
    const published = await generateKeyPair('ES256');
    const unpublished = await generateKeyPair('ES256');
    publishedKey = published.privateKey;
    unpublishedKey = unpublished.privateKey;
    const jwk: JWK = { ...(await exportJWK(published.publicKey)), kid: 'k1', alg: 'ES256' };
    server = createServer((request, response) => {
      if (request.url === '/jwks') {
        keySetFetches++;
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ keys: [jwk] }));
      } else {
        response.writeHead(500);
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error === undefined ? resolve() : reject(error))),
    );
  });

  function external(
    options: Partial<ConstructorParameters<typeof ExternalIssuer>[0]> = {},
  ): ExternalIssuer {
    return new ExternalIssuer({
      jwksUrl: new URL('/jwks', base),
      issuer: ISSUER,
      audience: AUDIENCE,
      roleClaim: 'role',
      now: () => START,
      ...options,
    });
  }

  interface SignOptions {
    readonly claims?: JWTPayload;
    readonly issuer?: string;
    readonly audience?: string;
    readonly kid?: string;
    readonly key?: CryptoKey;
    readonly lifetime?: number | null;
  }

  function sign(options: SignOptions = {}): Promise<string> {
    const iat = START / 1000;
    const jwt = new SignJWT(options.claims ?? { role: 'editor' })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1' })
      .setSubject('alice')
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt(iat);
    if (options.lifetime !== null) jwt.setExpirationTime(iat + (options.lifetime ?? 300));
    return jwt.sign(options.key ?? publishedKey);
  }

  it('accepts a valid token and reads the user and role', async () => {
    await expect(external().verify(await sign())).resolves.toEqual({
      username: 'alice',
      role: 'editor',
    });
    await expect(
      external({ issuer: undefined, audience: undefined }).verify(await sign()),
    ).resolves.toEqual({ username: 'alice', role: 'editor' });
  });

  it('reads the claims it is told to', async () => {
    const token = await sign({
      claims: { preferred_username: 'Alice', 'https://api.example/role': 'admin' },
    });
    const provider = external({
      usernameClaim: 'preferred_username',
      roleClaim: 'https://api.example/role',
    });
    await expect(provider.verify(token)).resolves.toEqual({ username: 'Alice', role: 'admin' });
  });

  it('fetches the key set once for many tokens', async () => {
    const before = keySetFetches;
    const provider = external();
    for (let index = 0; index < 3; index++) await provider.verify(await sign());
    expect(keySetFetches - before).toBe(1);
  });

  it('refuses a token of another issuer or for another audience', async () => {
    const provider = external();
    expect(
      (await tokenError(provider.verify(await sign({ issuer: 'https://evil.example' })))).message,
    ).toBe('The token was issued by another identity provider');
    expect(
      (await tokenError(provider.verify(await sign({ audience: 'https://other.example' }))))
        .message,
    ).toBe('The token was issued for another audience');
  });

  it('refuses a token without a role or user name', async () => {
    const provider = external();
    expect((await tokenError(provider.verify(await sign({ claims: {} })))).message).toBe(
      'The token has no role: its claim "role" is missing or not a string',
    );
    expect(
      (await tokenError(provider.verify(await sign({ claims: { role: ['editor'] } })))).message,
    ).toBe('The token has no role: its claim "role" is missing or not a string');
    expect(
      (await tokenError(external({ usernameClaim: 'email' }).verify(await sign()))).message,
    ).toBe('The token has no user name: its claim "email" is missing or not a string');
  });

  it('refuses a token signed with a key the provider does not publish', async () => {
    const provider = external();
    const unknownKid = await sign({ kid: 'k2', key: unpublishedKey });
    expect((await tokenError(provider.verify(unknownKid))).message).toBe(
      'The token is signed with a key the identity provider does not publish',
    );
    // The published key's id, another key's signature.
    const forged = await sign({ key: unpublishedKey });
    const error = await tokenError(provider.verify(forged));
    expect(error.message).toBe('The token is not a valid token of the identity provider');
    expect(error.message).not.toContain(forged);
  });

  it('refuses a token signed with a shared secret', async () => {
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('alice')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(START / 1000 + 300)
      .sign(SECRET);
    expect((await tokenError(external().verify(token))).message).toBe(
      'The token is not a valid token of the identity provider',
    );
  });

  it('refuses an expired token, also once it has been verified', async () => {
    const time = clock();
    const provider = external({ now: time.now });
    const token = await sign({ lifetime: 60 });
    await expect(provider.verify(token)).resolves.toMatchObject({ role: 'editor' });
    time.advance(60_000);
    expect((await tokenError(provider.verify(token))).message).toBe('The access token has expired');
    expect((await tokenError(provider.verify(token))).message).toBe('The access token has expired');
  });

  it('refuses a token that never expires', async () => {
    expect((await tokenError(external().verify(await sign({ lifetime: null })))).message).toBe(
      'The token lacks the claim "exp"',
    );
  });

  it('reports a key set that cannot be fetched as unavailable', async () => {
    const provider = external({ jwksUrl: new URL('/broken', base) });
    const error = await tokenError(provider.verify(await sign()));
    expect(error).toBeInstanceOf(KeySetUnavailableError);
    expect(error.message).toBe(
      "The identity provider's signing keys could not be fetched; try again later",
    );
  });
});
