/**
 * Subscriptions (contract section 8): a record's, a table's or a query's changes over WebSocket
 * or Server-Sent Events, with reconnect and resume (8.3). Every connection asks to resume, so the
 * server ends the initial state with a `ready` event; after a drop the client reconnects with the
 * version of the last change (or `ready`) it received and gets only what it missed, or the whole
 * state again with `ready.resumed` false.
 *
 * SSE is read with `fetch` (not `EventSource`), so it sends the credentials as a header and
 * `Last-Event-ID` itself, in browsers and in Node alike.
 */
import { ClientError, errorOf } from './errors.js';
import type { Transport, WebSocketConstructor, WebSocketLike } from './request.js';

/** A change, or a record of the initial state (`initial: true`). */
export type SubscriptionEvent<R, K> =
  | {
      readonly type: 'put';
      readonly id: K;
      readonly value: R;
      readonly version: number;
      readonly localTime?: number;
      /**
       * Part of the initial state of a first connection (sent before `ready`), not a change. After
       * a reconnect, what comes before `ready` is what was missed (or, when `ready.resumed` is
       * false, the whole state again).
       */
      readonly initial: boolean;
    }
  | {
      readonly type: 'delete';
      readonly id: K;
      readonly version: number;
      readonly localTime?: number;
      /** `'unmatched'`: the record stopped matching the query (it still exists). */
      readonly reason?: 'unmatched';
      readonly initial: boolean;
    }
  | {
      readonly type: 'message';
      readonly id: K;
      readonly value: unknown;
      readonly version: number;
      readonly initial: boolean;
    }
  | {
      /** The initial state (or what was missed) is complete. */
      readonly type: 'ready';
      /** false: what came before was the whole current state; records not sent are gone. */
      readonly resumed: boolean;
      readonly version: number;
    };

export interface SubscribeOptions {
  /** `'websocket'` (default) or `'sse'`. */
  readonly transport?: 'websocket' | 'sse';
  /** Called when the subscription fails for good (a refused query, credentials) or a connection drops. */
  readonly onError?: (error: Error) => void;
  /** Milliseconds before the first reconnect (doubling up to 30 s); default 500. */
  readonly retryMs?: number;
  /** Resume after this version instead of receiving the initial state. */
  readonly after?: number;
}

export interface Subscription {
  /** Stops the subscription (no reconnect). */
  close(): void;
  /** The version to resume after: the last change's or `ready`'s; null before the first `ready`. */
  readonly version: number | null;
}

const MAX_RETRY_MS = 30_000;

/** Refusals that a reconnect cannot fix (a bad query, an unknown table). */
const FATAL_CLOSE_CODES = new Set([1008, 1011]);

/**
 * Subscribes to `path` (`/T/<id>` or `/T/`) with the query `query`; calls `handler` with each
 * event until `close()`.
 */
export function subscribe<R, K>(
  transport: Transport,
  path: string,
  query: string,
  handler: (event: SubscriptionEvent<R, K>) => void,
  options: SubscribeOptions = {},
): Subscription {
  let version: number | null = options.after ?? null;
  let ready = false;
  /** The connection asked to resume after a version: what comes before `ready` was missed. */
  let resuming = false;
  let closed = false;
  let retryMs = options.retryMs ?? 500;
  let stop: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const fail = (error: Error): void => options.onError?.(error);

  const deliver = (data: unknown): void => {
    const event = data as Record<string, unknown>;
    if (event['type'] === 'ready') {
      ready = true;
      version = event['version'] as number;
      retryMs = options.retryMs ?? 500;
      handler({ type: 'ready', resumed: event['resumed'] === true, version });
      return;
    }
    // Initial-state records carry their own version, not a place in the commit log.
    if (ready || resuming) version = event['version'] as number;
    handler({ ...event, initial: !ready && !resuming } as unknown as SubscriptionEvent<R, K>);
  };

  const reconnect = (): void => {
    if (closed) return;
    timer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  const url = (): string => {
    const resume = `resume=${version === null ? '' : String(version)}`;
    return `${path}?${query === '' ? resume : `${query}&${resume}`}`;
  };

  function connect(): void {
    if (closed) return;
    ready = false;
    resuming = version !== null;
    stop =
      options.transport === 'sse'
        ? connectEventStream(transport, url(), version, deliver, fail, reconnect)
        : connectWebSocket(transport, url(), deliver, fail, reconnect);
  }

  connect();
  return {
    close(): void {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      stop?.();
    },
    get version(): number | null {
      return version;
    },
  };
}

function webSocketConstructor(transport: Transport): WebSocketConstructor {
  const constructor =
    transport.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (constructor === undefined)
    throw new Error(
      "This platform has no WebSocket: pass one in the client's options (WebSocket of the ws package in Node 20), or subscribe with transport: 'sse'",
    );
  return constructor;
}

function connectWebSocket(
  transport: Transport,
  target: string,
  deliver: (data: unknown) => void,
  fail: (error: Error) => void,
  reconnect: () => void,
): () => void {
  let url = `${transport.base.replace(/^http/, 'ws')}${target}`;
  // A browser's WebSocket sends no headers: a token travels as access_token (no part of the query).
  const token = transport.accessToken;
  if (token !== null) url += `&access_token=${encodeURIComponent(token)}`;
  const authorization = transport.authorization();
  const headers: Record<string, string> =
    token === null && authorization !== null ? { Authorization: authorization } : {};
  let stopped = false;
  const socket = new (webSocketConstructor(transport))(url, undefined, {
    headers,
  }) as WebSocketLike;
  socket.onmessage = (message) => {
    if (typeof message.data !== 'string') return;
    deliver(JSON.parse(message.data));
  };
  socket.onerror = () => undefined;
  socket.onclose = ({ code, reason }) => {
    if (stopped) return;
    if (FATAL_CLOSE_CODES.has(code)) {
      fail(
        new ClientError(400, 'SUBSCRIPTION_REFUSED', reason || `closed with ${code}`, {
          closeCode: code,
        }),
      );
      return;
    }
    fail(
      new Error(
        `the subscription's WebSocket closed (${code}${reason ? `: ${reason}` : ''}); reconnecting`,
      ),
    );
    // An expired token: renew it before reconnecting.
    if (token !== null) void transport.refresh().finally(reconnect);
    else reconnect();
  };
  return () => {
    stopped = true;
    socket.close(1000);
  };
}

function connectEventStream(
  transport: Transport,
  target: string,
  version: number | null,
  deliver: (data: unknown) => void,
  fail: (error: Error) => void,
  reconnect: () => void,
): () => void {
  const abort = new AbortController();
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (version !== null) headers['Last-Event-ID'] = String(version);
  void (async () => {
    const response = await transport.fetch(target, { headers, signal: abort.signal });
    if (!response.ok || response.body === null) {
      const text = await response.text();
      let body: unknown = undefined;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: the status says it all.
      }
      const error = errorOf(response.status, body);
      fail(error);
      // A refusal is for good; a busy server (503) is tried again.
      if (response.status >= 500) reconnect();
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let data: string[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) deliver(JSON.parse(data.join('\n')));
          data = [];
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
        // `id:` and `event:` lines: the JSON itself carries the version and the type.
      }
    }
    throw new Error('the event stream ended');
  })().catch((error: unknown) => {
    if (abort.signal.aborted) return;
    fail(error instanceof Error ? error : new Error(String(error)));
    reconnect();
  });
  return () => abort.abort();
}
