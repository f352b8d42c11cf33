/**
 * One request and its answer. Every answer goes out through `send`, which adds the headers every
 * answer carries: `Server-Timing` (time spent in the store, contract section 6), CORS when enabled,
 * and `Connection: close` while the server shuts down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientError } from '../errors.js';
import { afterBodyDiscarded } from './body.js';
import { codedEtag, compress, negotiateCoding, type Coding } from './compress.js';
import type { CorsPolicy } from './cors.js';
import { log } from '../log.js';
import { encodeValue } from './encode.js';
import { clientError, errorBody, storeExhausted, writeConflict } from './errors.js';
import { noneMatchHits } from './etag.js';
import { CONTENT_TYPES, type Format } from './negotiate.js';

const JSON_TYPE = CONTENT_TYPES.json;

/** What an exchange needs to know of its server. */
export interface ServerState {
  readonly cors: CorsPolicy | null;
  /** The server is shutting down: connections close after their current answer. */
  readonly closing: boolean;
  /** How long an answer may wait for the client to read before its connection is cut. */
  readonly answerWriteTimeoutMs: number;
  /** Answers at least this long are compressed when the client asks; null: never. */
  readonly compressionMinBytes: number | null;
  /** Takes one of the streamed answers' slots; false when every slot is taken. */
  openStream(): boolean;
  /** Gives back the slot `openStream` took. */
  closeStream(): void;
}

/** Seconds a client is asked to wait when every streamed answer's slot is taken. */
const STREAMS_RETRY_AFTER_SECONDS = 1;

export class Exchange {
  /** Milliseconds spent in the store for this request, reported in `Server-Timing`. */
  dbMs = 0;
  /** The connection closes after this answer (413: the rest of the body is thrown away unread). */
  closeConnection = false;
  /** What the request is counted under in the metrics: its table, or the server's path. */
  metricsTable = '(none)';
  /** The authenticated user's name, for the access log; null without credentials. */
  user: string | null = null;
  /** Request headers the answer depends on, sent as one `Vary` header (contract section 6). */
  private readonly varies: string[] = [];

  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    private readonly server: ServerState,
  ) {}

  /**
   * Runs a store read or write, adding its duration (a write's durable commit included) to
   * `dbMs`.
   */
  async timed<T>(work: () => T | Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.dbMs += performance.now() - start;
    }
  }

  /** How long an answer may wait for the client to read before its connection is cut. */
  get writeTimeoutMs(): number {
    return this.server.answerWriteTimeoutMs;
  }

  /**
   * Takes a slot of the streamed answers (`MAX_STREAMED_ANSWERS`) and returns the function that
   * gives it back; 503 with `Retry-After` when they are all taken.
   */
  beginStream(): () => void {
    if (!this.server.openStream()) {
      throw clientError(
        'UNAVAILABLE',
        'Too many list answers are being streamed at once (MAX_STREAMED_ANSWERS); try again shortly',
        { limit: 'MAX_STREAMED_ANSWERS', retryAfter: STREAMS_RETRY_AFTER_SECONDS },
      );
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.server.closeStream();
    };
  }

  /** Records that the answer depends on this request header (`Accept` when it was negotiated). */
  vary(name: string): void {
    if (!this.varies.includes(name)) this.varies.push(name);
  }

  /**
   * The headers every answer carries, after `headers`. Every `Vary` value (ours, CORS's) is
   * combined into one `Vary` header, so that a cache sees them all.
   */
  headers(headers: string[]): string[] {
    headers.push('Server-Timing', `db;dur=${this.dbMs.toFixed(3)}`);
    if (this.server.cors !== null) headers.push(...this.server.cors.headers(this.request));
    if (this.closeConnection || this.server.closing) headers.push('Connection', 'close');
    const varies = [...this.varies];
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i]?.toLowerCase() !== 'vary') continue;
      for (const name of (headers[i + 1] ?? '').split(',')) {
        const trimmed = name.trim();
        if (trimmed !== '' && !varies.includes(trimmed)) varies.push(trimmed);
      }
      headers.splice(i, 2);
      i -= 2;
    }
    if (varies.length > 0) headers.push('Vary', varies.join(', '));
    return headers;
  }

  /**
   * The coding of an answer of `size` bytes: the one the client asks for when the answer is long
   * enough to be worth it (it then also depends on `Accept-Encoding`), else null.
   */
  codingFor(size: number): Coding | null {
    const min = this.server.compressionMinBytes;
    if (min === null || size < min) return null;
    this.vary('Accept-Encoding');
    return negotiateCoding(this.request.headers['accept-encoding']);
  }

  /**
   * Sends a whole answer, compressed when it is a success the client may take compressed. HEAD
   * answers get the same headers and no body (node drops it).
   */
  send(status: number, headers: string[], body?: Buffer | string): void {
    if (body !== undefined && status >= 200 && status < 300) {
      const coding = this.codingFor(
        typeof body === 'string' ? Buffer.byteLength(body) : body.length,
      );
      if (coding !== null) {
        const compressed = compress(coding, body);
        withCoding(headers, coding);
        if (!(compressed instanceof Promise)) {
          body = compressed;
        } else {
          compressed.then(
            (bytes) => this.sendBody(status, headers, bytes),
            (error: unknown) => this.response.destroy(error instanceof Error ? error : undefined),
          );
          return;
        }
      }
    }
    this.sendBody(status, headers, body);
  }

  private sendBody(status: number, headers: string[], body?: Buffer | string): void {
    if (body !== undefined) {
      headers.push(
        'Content-Length',
        String(typeof body === 'string' ? Buffer.byteLength(body) : body.length),
      );
    } else if (status !== 204 && status !== 304) {
      headers.push('Content-Length', '0');
    }
    this.response.writeHead(status, this.headers(headers));
    if (status === 413) {
      // The whole answer goes out now; the connection closes once the refused body has arrived.
      if (body !== undefined) this.response.write(body);
      afterBodyDiscarded(this.request, () => this.response.end());
      return;
    }
    this.response.end(body);
  }

  /**
   * Sends a representation that does not change while the server runs (a document, a page): 304
   * when `If-None-Match` names its ETag, else 200 (for HEAD, node leaves the body out).
   */
  sendFixed(type: string, body: Buffer, etag: string, headers: readonly string[] = []): void {
    const tagged = [...headers, 'ETag', etag];
    const ifNoneMatch = this.request.headers['if-none-match'];
    if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, etag)) {
      this.send(304, tagged);
      return;
    }
    this.send(200, ['Content-Type', type, ...tagged], body);
  }

  /** Sends a value in the negotiated format. */
  sendValue(
    status: number,
    format: Format,
    value: unknown,
    headers: string[] = [],
    columns?: readonly string[],
  ): void {
    headers.push('Content-Type', CONTENT_TYPES[format]);
    this.send(status, headers, encodeValue(format, value, columns));
  }

  /** Sends an error answer: always JSON `{"error", "code", …details}`. */
  sendError(cause: unknown, headers: string[] = []): void {
    const error = storeExhausted(cause) ?? writeConflict(cause) ?? cause;
    // The client is gone (it aborted, or node answered a timeout itself): nobody to answer.
    if (this.response.destroyed || this.response.writableEnded) return;
    if (this.response.headersSent) {
      // Part of the answer is already out (a stream failed midway): all we can do is cut it short.
      this.response.destroy(error instanceof Error ? error : undefined);
      return;
    }
    if (error instanceof ClientError) {
      if (error.status === 413) this.closeConnection = true;
      // An error that passes away by itself (an index being built) says when to ask again.
      if (typeof error.details.retryAfter === 'number')
        headers.push('Retry-After', String(error.details.retryAfter));
      headers.push(...error.headers);
      headers.push('Content-Type', JSON_TYPE);
      this.send(error.status, headers, errorBody(error.code, error.message, error.details));
      return;
    }
    log.error(`${this.request.method} ${redactedUrl(this.request.url)} failed`, { err: error });
    headers.push('Content-Type', JSON_TYPE);
    this.send(
      500,
      headers,
      errorBody('INTERNAL_ERROR', 'The server failed to answer this request; it has been logged'),
    );
  }
}

/** The URL as a log line may show it: the value of an `access_token` parameter left out. */
export function redactedUrl(url: string | undefined): string {
  return (url ?? '').replace(/([?&]access_token=)[^&]*/gi, '$1…');
}

/** The headers of a representation compressed with `coding`: its ETag is its own. */
export function withCoding(headers: string[], coding: Coding): void {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]?.toLowerCase() === 'etag') headers[i + 1] = codedEtag(headers[i + 1]!, coding);
  }
  headers.push('Content-Encoding', coding);
}
