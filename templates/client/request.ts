/**
 * How the client talks HTTP: the platform's `fetch`, JSON bodies, and credentials (contract
 * section 12): Basic, or Bearer tokens of `POST /auth/login` renewed through `POST
 * /auth/refresh` when the server answers 401.
 */
import { errorOf } from './errors.js';

/** The tokens of `POST /auth/login` and `POST /auth/refresh`. */
export interface Tokens {
  readonly accessToken: string;
  /** Absent: the access token is not renewed when it expires. */
  readonly refreshToken?: string;
}

/** What the client uses of a WebSocket (the browser's and `ws`'s have it). */
export interface WebSocketLike {
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

/**
 * A WebSocket constructor: the platform's, or `WebSocket` of the `ws` package (whose third
 * argument, its options, carries Basic credentials as a header in Node; browsers' ignore it).
 * Its instances are used as `WebSocketLike`s.
 */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { readonly headers?: Readonly<Record<string, string>> },
) => object;

export interface ClientOptions {
  /** The server's URL (`http://127.0.0.1:9926`). */
  readonly url: string;
  /** Basic credentials, sent with every request. */
  readonly basic?: { readonly username: string; readonly password: string };
  /** Bearer tokens (from an earlier `login`), renewed with the refresh token on a 401. */
  readonly tokens?: Tokens;
  /** Called with new tokens after `login` and after every renewal (to keep them). */
  readonly onTokens?: (tokens: Tokens | null) => void;
  /** `fetch` to use; the platform's by default. */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * The WebSocket constructor for subscriptions over WebSocket; the platform's by default. Node 20
   * has none: pass `WebSocket` of the `ws` package, or subscribe over SSE.
   */
  readonly WebSocket?: WebSocketConstructor;
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** An answer: its status, headers and decoded body (JSON, else text, else undefined). */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Statuses answered without an error (besides 2xx). */
  readonly accept?: readonly number[];
}

/** JSON for the server: big integers as digit strings (JSON has no bigint; the server takes both). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? item.toString() : item,
  );
}

function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The connection to one server: its URL, credentials and `fetch`. */
export class Transport {
  readonly base: string;
  private tokens: Tokens | null;
  private refreshing: Promise<boolean> | null = null;

  constructor(readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.tokens = options.tokens ?? null;
  }

  /** The current access token, or null. */
  get accessToken(): string | null {
    return this.tokens?.accessToken ?? null;
  }

  /** Uses these tokens from now on (null: none). */
  setTokens(tokens: Tokens | null): void {
    this.tokens = tokens;
    this.options.onTokens?.(tokens);
  }

  /** The Authorization header of the current credentials, or null. */
  authorization(): string | null {
    if (this.tokens !== null) return `Bearer ${this.tokens.accessToken}`;
    const basic = this.options.basic;
    if (basic !== undefined) return `Basic ${base64(`${basic.username}:${basic.password}`)}`;
    return null;
  }

  /** Headers of every request: the client's own, then the credentials. */
  headers(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.headers, ...extra };
    const authorization = this.authorization();
    if (authorization !== null) headers['Authorization'] = authorization;
    return headers;
  }

  /** `fetch` of a path of the server, renewing the access token once on a 401. */
  async fetch(
    path: string,
    init: RequestInit & { headers?: Record<string, string> },
  ): Promise<Response> {
    const send = (): Promise<Response> =>
      (this.options.fetch ?? globalThis.fetch)(`${this.base}${path}`, {
        ...init,
        headers: this.headers(init.headers),
      });
    const response = await send();
    if (response.status !== 401 || this.tokens?.refreshToken === undefined) return response;
    if (!(await this.refresh())) return response;
    await response.body?.cancel();
    return send();
  }

  /** Renews the tokens through `POST /auth/refresh`; false when the server refuses. */
  refresh(): Promise<boolean> {
    // One renewal at a time: requests that failed together wait for the same one.
    this.refreshing ??= (async () => {
      const refreshToken = this.tokens?.refreshToken;
      if (refreshToken === undefined) return false;
      const response = await (this.options.fetch ?? globalThis.fetch)(`${this.base}/auth/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
      if (!response.ok) {
        await response.body?.cancel();
        return false;
      }
      const tokens = (await response.json()) as Tokens;
      this.setTokens({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
      return true;
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** A JSON request; rejects with a ClientError for an error status not in `accept`. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this.fetch(path, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: toJson(options.body) }),
    });
    const text = await response.text();
    let body: unknown = undefined;
    if (text !== '') {
      const type = response.headers.get('Content-Type') ?? '';
      body = type.includes('json') ? JSON.parse(text) : text;
    }
    if (!response.ok && !(options.accept ?? []).includes(response.status))
      throw errorOf(response.status, body);
    return { status: response.status, headers: response.headers, body };
  }
}
