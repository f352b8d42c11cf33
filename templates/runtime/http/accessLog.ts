/**
 * The access log (contract section 13): one `info` line per answered request and per WebSocket
 * upgrade, once its connection closes.
 */
import type { IncomingMessage } from 'node:http';
import { log } from '../log.js';
import { redactedUrl } from './exchange.js';

/** Longest URL a line shows; a longer one is cut (a 414's URL may be megabytes). */
const MAX_LOGGED_URL = 2048;

export interface AccessEntry {
  readonly request: IncomingMessage;
  readonly status: number;
  /** Bytes sent on the connection for this answer, headers included (compressed when it was). */
  readonly bytes: number;
  /** From the request's arrival to the end of its answer (for a WebSocket: of its connection). */
  readonly ms: number;
  /** The authenticated user's name; null for a request without credentials. */
  readonly user: string | null;
  /** The client's address, as the request arrived (a closed socket no longer tells it). */
  readonly address: string | undefined;
}

export function logAccess(entry: AccessEntry): void {
  const { request, status } = entry;
  const method = request.method ?? 'GET';
  const url = redactedUrl(request.url).slice(0, MAX_LOGGED_URL);
  log.info(`${method} ${url} ${status}`, {
    method,
    url,
    status,
    bytes: entry.bytes,
    ms: Math.round(entry.ms * 100) / 100,
    user: entry.user,
    address: entry.address ?? null,
  });
}
