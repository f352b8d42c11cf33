/**
 * The real-time module (contract section 8): WebSocket and Server-Sent Events subscriptions to a
 * record, a table or a filtered view, fed by the store's commits. The HTTP server hands it upgrade
 * requests and event-stream GETs through its `RealtimeHandler` hook; everything else about
 * real-time lives here.
 */
import type { IncomingMessage } from 'node:http';
import type { Access } from '../auth/policy.js';
import { clientError } from '../http/errors.js';
import { negotiate } from '../http/negotiate.js';
import { Router, type Route } from '../http/router.js';
import { withoutTokenParameter, type RealtimeHandler } from '../http/server.js';
import type { App } from '../rest/app.js';
import type { FrameFormat } from './event.js';
import { EventStreamEndpoint } from './eventStream.js';
import { ConnectionCount } from './buffers.js';
import { SubscriptionHub } from './hub.js';
import type { RealtimeOptions } from './options.js';
import {
  parseResumption,
  resourceTarget,
  restrictTarget,
  routeTarget,
  type Resumption,
  type SubscriptionTarget,
} from './target.js';
import { WebSocketEndpoint, type SocketRequest } from './websocket.js';

export type { RealtimeOptions } from './options.js';

export interface RealtimeStats {
  /** Open subscriptions, WebSocket and event stream alike. */
  readonly subscriptions: number;
  readonly webSockets: number;
  readonly eventStreams: number;
  /** Records held by filtered views, counted once per view. */
  readonly viewMembers: number;
  /** Bytes all connections have waiting to be sent, counted now (`REALTIME_TOTAL_BUFFER_BYTES`). */
  readonly bufferedBytes: number;
  /** Open WebSockets and event streams (`REALTIME_MAX_CONNECTIONS`). */
  readonly connections: number;
}

export interface Realtime extends RealtimeHandler {
  stats(): RealtimeStats;
  /** Ends every subscription and closes every socket, cutting those still open after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/** Real-time for `app`; the limits come from the server's configuration unless `options` set them. */
export function createRealtime(app: App, options: Partial<RealtimeOptions> = {}): Realtime {
  const settings: RealtimeOptions = {
    sendBufferLimit: app.config.realtimeSendBufferBytes,
    pingIntervalMs: app.config.realtimePingIntervalMs,
    keepAliveIntervalMs: app.config.sseKeepAliveMs,
    answerLimits: app.config,
    maxConnections: app.config.realtimeMaxConnections,
    totalBufferLimit: app.config.realtimeTotalBufferBytes,
    counters: app.metrics,
    ...options,
  };
  const hub = new SubscriptionHub(app.schema, app.store, settings, app.messages);
  const router = new Router(app.resources);
  const resolveSocket = (request: IncomingMessage, access: Access): SocketRequest => {
    const url = request.url ?? '/';
    if (url.length > app.config.maxUrlLength) {
      throw clientError(
        'URL_TOO_LONG',
        `The URL is longer than the limit of ${app.config.maxUrlLength} characters`,
      );
    }
    const mark = url.indexOf('?');
    const route = router.match(mark < 0 ? url : url.slice(0, mark));
    // The token of a browser's WebSocket is no part of its query.
    const query = mark < 0 ? '' : withoutTokenParameter(url.slice(mark + 1));
    const routed = routeTarget(app.schema, route, query);
    const target = restrictTarget(routed, access);
    const format = frameFormat(route, request.headers.accept);
    // A client publishes to its record when its role may update every record of the table.
    if (routed.kind !== 'record' || access.table(routed.table.name).update !== true)
      return { target, format };
    return { target, format, publishTo: { table: routed.table.name, key: routed.key } };
  };
  const places = new ConnectionCount(settings.maxConnections);
  const webSockets = new WebSocketEndpoint(hub, settings, resolveSocket, places, app.messages);
  const eventStreams = new EventStreamEndpoint(hub, settings, places);

  return {
    upgrade: (request, socket, head, access) =>
      webSockets.handleUpgrade(request, socket, head, access),
    eventStream: (request, response, target, access) => {
      const subscription = restrictTarget(
        withLastEventId(
          resourceTarget(app.schema, target.resource, target.key, target.query),
          request.headers['last-event-id'],
        ),
        access,
      );
      if (request.method === 'HEAD') eventStreams.describe(response);
      else eventStreams.open(response, subscription);
    },
    stats: () => ({
      subscriptions: hub.subscriptionCount,
      webSockets: webSockets.connectionCount,
      eventStreams: eventStreams.streamCount,
      viewMembers: hub.viewMemberCount,
      bufferedBytes: hub.pendingBytes(),
      connections: places.count,
    }),
    close: async (graceMs = 1000) => {
      await Promise.all([webSockets.close(graceMs), eventStreams.close()]);
      hub.close();
    },
  };
}

/** The URL's format suffix wins over `Accept`, as for a GET; frames are never CSV. */
function frameFormat(route: Route, accept: string | undefined): FrameFormat {
  const suffix = route.kind === 'collection' || route.kind === 'record' ? route.format : undefined;
  if (suffix === 'csv')
    throw clientError(
      'NOT_ACCEPTABLE',
      'Real-time events are sent as JSON, CBOR or MessagePack, not CSV',
    );
  const format = suffix ?? negotiate(accept);
  return format === 'cbor' || format === 'msgpack' ? format : 'json';
}

/**
 * A reconnecting `EventSource` sends the id of the last event it received as `Last-Event-ID`; it
 * wins over a `resume=` in the URL (which the browser repeats). One that is not a version (it
 * cannot be one of ours) resumes nothing: the client gets the current state.
 */
function withLastEventId(
  target: SubscriptionTarget,
  header: string | string[] | undefined,
): SubscriptionTarget {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined) return target;
  let resume: Resumption;
  try {
    resume = parseResumption(text);
  } catch {
    resume = { after: null };
  }
  return { ...target, resume };
}
