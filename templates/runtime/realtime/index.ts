/**
 * The real-time module (contract section 8): WebSocket and Server-Sent Events subscriptions to a
 * record, a table or a filtered view, fed by the store's commits. The HTTP server hands it upgrade
 * requests and event-stream GETs; everything else about real-time lives here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientError } from '../http/errors.js';
import { negotiate } from '../http/negotiate.js';
import { Router, type Route } from '../http/router.js';
import type { App } from '../rest/app.js';
import type { FrameFormat } from './event.js';
import { EventStreamEndpoint } from './eventStream.js';
import { SubscriptionHub } from './hub.js';
import { DEFAULT_REALTIME_OPTIONS, type RealtimeOptions } from './options.js';
import { subscriptionTarget } from './target.js';
import { WebSocketEndpoint, type SocketRequest } from './websocket.js';

export { DEFAULT_REALTIME_OPTIONS, type RealtimeOptions } from './options.js';

export interface RealtimeStats {
  /** Open subscriptions, WebSocket and event stream alike. */
  readonly subscriptions: number;
  readonly webSockets: number;
  readonly eventStreams: number;
  /** Records held by filtered views, counted once per view. */
  readonly viewMembers: number;
}

export interface Realtime {
  /** Takes over an HTTP upgrade request (the server's `upgrade` event). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Answers a GET whose `Accept` asks for `text/event-stream` with a stream of the subscription's
   * events; `headers` (CORS, Server-Timing) are added to the answer. Throws a `ClientError`, before
   * anything is written, for a path or query that names no subscription.
   */
  handleEventStream(request: IncomingMessage, response: ServerResponse, route: Route, headers?: readonly string[]): void;
  stats(): RealtimeStats;
  /** Ends every subscription and closes every socket, cutting those still open after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

type RealtimeApp = Pick<App, 'schema' | 'store' | 'resources'>;

export function createRealtime(app: RealtimeApp, options: Partial<RealtimeOptions> = {}): Realtime {
  const settings: RealtimeOptions = { ...DEFAULT_REALTIME_OPTIONS, ...options };
  const hub = new SubscriptionHub(app.schema, app.store, settings);
  const router = new Router(app.resources);
  const resolveSocket = (request: IncomingMessage): SocketRequest => {
    const { path, query } = splitUrl(request.url ?? '/');
    const route = router.match(path);
    return { target: subscriptionTarget(app.schema, route, query), format: frameFormat(route, request.headers.accept) };
  };
  const webSockets = new WebSocketEndpoint(hub, settings, resolveSocket);
  const eventStreams = new EventStreamEndpoint(hub, settings);

  return {
    handleUpgrade: (request, socket, head) => webSockets.handleUpgrade(request, socket, head),
    handleEventStream: (request, response, route, headers = []) => {
      const target = subscriptionTarget(app.schema, route, splitUrl(request.url ?? '/').query);
      eventStreams.open(response, target, headers);
    },
    stats: () => ({
      subscriptions: hub.subscriptionCount,
      webSockets: webSockets.connectionCount,
      eventStreams: eventStreams.streamCount,
      viewMembers: hub.stats().viewMembers,
    }),
    close: async (graceMs = 1000) => {
      await Promise.all([webSockets.close(graceMs), eventStreams.close()]);
      hub.close();
    },
  };
}

function splitUrl(url: string): { path: string; query: string } {
  const mark = url.indexOf('?');
  return mark < 0 ? { path: url, query: '' } : { path: url.slice(0, mark), query: url.slice(mark + 1) };
}

/** The URL's format suffix wins over `Accept`, as for a GET; frames are never CSV. */
function frameFormat(route: Route, accept: string | undefined): FrameFormat {
  const suffix = route.kind === 'collection' || route.kind === 'record' ? route.format : undefined;
  if (suffix === 'csv') throw clientError('NOT_ACCEPTABLE', 'Real-time events are sent as JSON, CBOR or MessagePack, not CSV');
  const format = suffix ?? negotiate(accept);
  return format === 'cbor' || format === 'msgpack' ? format : 'json';
}
