/**
 * CORS (contract section 4, OPTIONS row): off unless `CORS_ORIGINS` is set. When on, answers to
 * allowed origins carry `Access-Control-Allow-Origin`, and preflight requests are answered.
 */
import type { IncomingMessage } from 'node:http';

const EXPOSED_HEADERS = 'ETag, Location, Server-Timing, Content-Range';
const PREFLIGHT_MAX_AGE = '600';

export class CorsPolicy {
  private readonly anyOrigin: boolean;
  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.anyOrigin = origins.includes('*');
    this.origins = new Set(origins);
  }

  /** Headers (name, value, …) to add to an answer for this request; empty when none apply. */
  headers(request: IncomingMessage): string[] {
    const origin = request.headers.origin;
    if (origin === undefined) return [];
    if (this.anyOrigin)
      return ['Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSED_HEADERS];
    if (!this.origins.has(origin)) return [];
    return [
      'Access-Control-Allow-Origin',
      origin,
      'Vary',
      'Origin',
      'Access-Control-Expose-Headers',
      EXPOSED_HEADERS,
    ];
  }

  /** Extra headers answering a preflight request (`OPTIONS` with `Access-Control-Request-Method`). */
  preflightHeaders(request: IncomingMessage, allow: string): string[] {
    const base = this.headers(request);
    if (base.length === 0 || request.headers['access-control-request-method'] === undefined)
      return base;
    const requested = request.headers['access-control-request-headers'];
    return [
      ...base,
      'Access-Control-Allow-Methods',
      allow,
      'Access-Control-Allow-Headers',
      requested ?? 'Content-Type, Accept, If-Match, If-None-Match, Prefer',
      'Access-Control-Max-Age',
      PREFLIGHT_MAX_AGE,
    ];
  }
}
