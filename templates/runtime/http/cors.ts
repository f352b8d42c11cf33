/**
 * CORS (contract section 4, OPTIONS row): off unless `CORS_ORIGINS` is set. When on, answers to
 * allowed origins carry `Access-Control-Allow-Origin` (once) and every answer `Vary: Origin`;
 * preflight requests are answered with a fixed list of request headers, never an echo of the
 * requested ones.
 */
import type { IncomingMessage } from 'node:http';

/** The answer headers a page may read: every one the contract gives meaning to. */
const EXPOSED_HEADERS =
  'ETag, Location, Server-Timing, Content-Range, Preference-Applied, Retry-After, WWW-Authenticate';
const PREFLIGHT_MAX_AGE = '600';
/** The request headers a page may send: what the REST interface reads, credentials included. */
export const ALLOWED_REQUEST_HEADERS =
  'Content-Type, Accept, Authorization, If-Match, If-None-Match, Prefer';

export class CorsPolicy {
  private readonly anyOrigin: boolean;
  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.anyOrigin = origins.includes('*');
    this.origins = new Set(origins);
  }

  /** Whether pages of `origin` may use the server (`*` allows every origin). */
  allows(origin: string): boolean {
    return this.anyOrigin || this.origins.has(origin);
  }

  /**
   * Headers (name, value, …) every answer to this request carries: `Vary: Origin` (what the
   * answer says depends on it), and for an allowed origin `Access-Control-Allow-Origin`.
   */
  headers(request: IncomingMessage): string[] {
    const origin = request.headers.origin;
    if (origin === undefined || !this.allows(origin)) return ['Vary', 'Origin'];
    return [
      'Access-Control-Allow-Origin',
      this.anyOrigin ? '*' : origin,
      'Vary',
      'Origin',
      'Access-Control-Expose-Headers',
      EXPOSED_HEADERS,
    ];
  }

  /**
   * The headers a preflight request (`OPTIONS` with `Access-Control-Request-Method`) adds to
   * `headers`: empty when the origin is not allowed or the request is no preflight.
   */
  preflightHeaders(request: IncomingMessage, allow: string): string[] {
    const origin = request.headers.origin;
    if (
      origin === undefined ||
      !this.allows(origin) ||
      request.headers['access-control-request-method'] === undefined
    )
      return [];
    return [
      'Access-Control-Allow-Methods',
      allow,
      'Access-Control-Allow-Headers',
      ALLOWED_REQUEST_HEADERS,
      'Access-Control-Max-Age',
      PREFLIGHT_MAX_AGE,
    ];
  }
}
