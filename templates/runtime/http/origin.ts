/**
 * Who may talk to the server from a browser (contract section 9):
 *
 * - `Host`: a request naming a host the server does not answer for is refused (421), so that a
 *   web page whose DNS name is rebound to 127.0.0.1 cannot read a loopback server. By default a
 *   server bound to a loopback address answers only `localhost`, `127.0.0.1` and `[::1]` (any
 *   port); `ALLOWED_HOSTS` names others, or `*` for every host.
 * - `Origin`: a WebSocket upgrade and a write (POST, PUT, PATCH, DELETE) sent by a page of another
 *   origin are refused (403) unless CORS allows that origin; so is a cross-origin write without a
 *   `Content-Type` (415), which no browser would send for JSON after a preflight. Requests without
 *   `Origin` (curl, servers) are not browsers' and are not checked.
 */
import type { IncomingMessage } from 'node:http';
import type { ClientError } from '../errors.js';
import type { CorsPolicy } from './cors.js';
import { clientError } from './errors.js';

const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];
const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/** Whether the listening address is loopback only. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  return (
    name === 'localhost' || name === '::1' || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name)
  );
}

export class OriginGuard {
  /** Host names answered (lowercase, no port); null: every host. */
  private readonly hosts: ReadonlySet<string> | null;

  /**
   * `allowedHosts`: `ALLOWED_HOSTS` as configured (null when unset); `bindHost`: `HOST`;
   * `cors`: the CORS policy, whose origins may also write and open WebSockets.
   */
  constructor(
    allowedHosts: readonly string[] | null,
    bindHost: string,
    private readonly cors: CorsPolicy | null,
  ) {
    if (allowedHosts === null) this.hosts = isLoopback(bindHost) ? new Set(LOOPBACK_NAMES) : null;
    else if (allowedHosts.includes('*')) this.hosts = null;
    else this.hosts = new Set(allowedHosts.map((name) => normalisedHost(name)));
  }

  /** The refusal of a request that must not be served, or undefined when it may be. */
  refusal(request: IncomingMessage, upgrade: boolean): ClientError | undefined {
    const host = request.headers.host;
    // HTTP/1.0 clients may send no Host; browsers always send one.
    if (this.hosts !== null && host !== undefined && !this.hosts.has(normalisedHost(host))) {
      return clientError(
        'HOST_NOT_ALLOWED',
        `This server does not answer for the host ${JSON.stringify(host.slice(0, 100))}; allowed: ${[...this.hosts].join(', ')} (ALLOWED_HOSTS)`,
      );
    }
    const origin = request.headers.origin;
    if (origin === undefined) return undefined;
    const method = request.method ?? 'GET';
    if (!upgrade && !WRITE_METHODS.has(method)) return undefined;
    const crossOrigin = !sameOrigin(origin, host);
    if (crossOrigin && this.cors?.allows(origin) !== true) {
      return clientError(
        'ORIGIN_NOT_ALLOWED',
        `${upgrade ? 'WebSocket connections' : 'Writes'} from the origin ${JSON.stringify(origin.slice(0, 100))} are not allowed; allow it with CORS_ORIGINS`,
      );
    }
    const contentType = request.headers['content-type'];
    if (crossOrigin && BODY_METHODS.has(method) && (contentType ?? '').trim() === '') {
      return clientError(
        'UNSUPPORTED_MEDIA_TYPE',
        'A write from another origin must name its Content-Type (application/json, application/cbor or application/x-msgpack)',
      );
    }
    return undefined;
  }
}

/** Whether `origin` (scheme://host[:port]) names the host the request was sent to. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` and other opaque origins are never the server's own
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
  return `${url.hostname}:${port}` === hostWithPort(host);
}

/** A `Host` header as `name:port` (port 80 when none is given), lowercase. */
function hostWithPort(host: string): string {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host.trim().toLowerCase());
  if (match === null) return host;
  return `${normalisedHost(match[1] ?? '')}:${match[2] || '80'}`;
}

/** The name of a `Host` header or `ALLOWED_HOSTS` entry: lowercase, without port or final dot. */
function normalisedHost(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    return close < 0 ? value : value.slice(0, close + 1);
  }
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
