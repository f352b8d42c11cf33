/**
 * WebSocket subscriptions (contract 8.1): the upgrade of `ws://host/T/…` on the HTTP port. The
 * socket is always accepted; an unknown resource or a bad query then closes it with 1011 and the
 * reason, as Harper does. Frames are JSON text unless the upgrade's `Accept` (or the URL's format
 * suffix) asks for CBOR or MessagePack. A message from the client on a record's socket is published
 * to that record's other subscribers (contract 8.5) when the client may update the table; any
 * other message from a client is read and ignored, as Harper does.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Access } from '../auth/policy.js';
import { ClientError } from '../errors.js';
import { log } from '../log.js';
import type { ConnectionCount } from './buffers.js';
import { decodeBody } from '../http/body.js';
import { clientError } from '../http/errors.js';
import type { Key } from '../store/types.js';
import type { FrameFormat, OutgoingEvent } from './event.js';
import type { SubscriptionHub } from './hub.js';
import type { MessageBus } from './messages.js';
import type { RealtimeOptions } from './options.js';
import { CLOSE_CODES, WriteTracker, type CloseCode, type EventSink } from './sink.js';
import type { SubscriptionTarget } from './target.js';

/** What a WebSocket's upgrade request asks for. */
export interface SocketRequest {
  readonly target: SubscriptionTarget;
  readonly format: FrameFormat;
  /** The record the client's messages are published to; absent: they are ignored. */
  readonly publishTo?: { readonly table: string; readonly key: Key };
}

/** The content type a client's message is decoded as, by the socket's frame format. */
const MESSAGE_TYPES: Readonly<Record<FrameFormat, string>> = {
  json: 'application/json',
  cbor: 'application/cbor',
  msgpack: 'application/x-msgpack',
};

/** The largest message a client may send (messages are published as they are, never stored). */
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;
/** RFC 6455 allows 123 bytes of reason in a close frame. */
const MAX_REASON_BYTES = 123;
/** How long a closed socket may take to flush and answer the close frame before it is cut. */
const CLOSE_GRACE_MS = 30_000;
/** How long a socket refused for lack of room may take to answer the close frame. */
const REFUSED_GRACE_MS = 1000;
const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;

class WebSocketSink implements EventSink {
  private readonly writes = new WriteTracker();

  constructor(
    private readonly socket: WebSocket,
    readonly format: FrameFormat,
  ) {
    socket.once('close', () => this.writes.release());
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  send(event: OutgoingEvent): void {
    if (!this.open) return;
    this.writes.written();
    this.socket.send(
      event.frame(this.format),
      this.format === 'json' ? TEXT : BINARY,
      this.writes.acknowledge,
    );
  }

  flushed(): Promise<void> {
    return this.writes.flushed();
  }

  close(code: CloseCode, reason: string): void {
    closeSocket(this.socket, code, reason, CLOSE_GRACE_MS);
  }
}

/** One open socket, for the heartbeat. */
interface Connection {
  readonly socket: WebSocket;
  /** Whether the socket answered the last ping. */
  alive: boolean;
}

export class WebSocketEndpoint {
  private readonly server = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
  });
  private readonly connections = new Set<Connection>();
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly hub: SubscriptionHub,
    options: RealtimeOptions,
    /** Resolves an upgrade request; throws a `ClientError` for an unknown resource or a bad query. */
    private readonly resolve: (request: IncomingMessage, access: Access) => SocketRequest,
    /** Open real-time connections, shared with the event streams (`REALTIME_MAX_CONNECTIONS`). */
    private readonly places: ConnectionCount,
    /** Where the clients' messages are published. */
    private readonly messages: MessageBus,
  ) {
    this.heartbeat = setInterval(() => this.ping(), options.pingIntervalMs);
    this.heartbeat.unref();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** An upgrade request, authenticated (`access`). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, access: Access): void {
    if (this.closing) {
      socket.end(
        'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    if (!this.places.take()) {
      // Refused after the handshake, so that the client sees why: 1013, try again later.
      this.server.handleUpgrade(request, socket, head, (websocket) => {
        websocket.on('error', () => {});
        closeSocket(
          websocket,
          CLOSE_CODES.tryAgainLater,
          `too many real-time connections (REALTIME_MAX_CONNECTIONS is ${this.places.limit})`,
          REFUSED_GRACE_MS,
        );
      });
      return;
    }
    // Released when the socket closes, or at once when the handshake fails.
    socket.once('close', () => this.places.release());
    this.server.handleUpgrade(request, socket, head, (websocket) =>
      this.accept(websocket, request, access),
    );
  }

  /** Closes every socket (1001) and resolves once all are gone, cutting those that linger past `graceMs`. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const closed = [...this.connections].map(
      ({ socket }) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          closeSocket(socket, CLOSE_CODES.goingAway, 'server shutting down', graceMs);
        }),
    );
    await Promise.all(closed);
  }

  private accept(socket: WebSocket, request: IncomingMessage, access: Access): void {
    // A client's protocol error (bad frame, oversized message) closes its socket; it must not
    // become an unhandled error event.
    socket.on('error', () => {});
    const connection: Connection = { socket, alive: true };
    this.connections.add(connection);
    socket.on('pong', () => {
      connection.alive = true;
    });
    let subscribed: SocketRequest;
    try {
      subscribed = this.resolve(request, access);
    } catch (error) {
      socket.once('close', () => this.connections.delete(connection));
      if (!(error instanceof ClientError))
        log.error('real-time subscription failed', { err: error });
      closeSocket(
        socket,
        CLOSE_CODES.unavailable,
        error instanceof ClientError ? error.message : 'internal error',
        CLOSE_GRACE_MS,
      );
      return;
    }
    const subscription = this.hub.subscribe(
      subscribed.target,
      new WebSocketSink(socket, subscribed.format),
    );
    socket.once('close', () => {
      this.connections.delete(connection);
      subscription.close();
    });
    const publishTo = subscribed.publishTo;
    if (publishTo === undefined) return;
    socket.on('message', (data: Buffer) => {
      try {
        if (data.length === 0) throw clientError('MALFORMED_BODY', 'A message cannot be empty');
        const value = decodeBody(data, MESSAGE_TYPES[subscribed.format]);
        this.messages.publish(publishTo.table, publishTo.key, value, subscription);
      } catch (error) {
        if (!(error instanceof ClientError))
          log.error('publishing a message failed', { err: error });
        const code =
          error instanceof ClientError && error.code === 'PAYLOAD_TOO_LARGE'
            ? CLOSE_CODES.messageTooBig
            : CLOSE_CODES.invalidMessage;
        const reason = error instanceof ClientError ? error.message : 'internal error';
        closeSocket(socket, code, reason, CLOSE_GRACE_MS);
      }
    });
  }

  /** Pings every socket; one that has not answered the previous ping is dead and is cut. */
  private ping(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}

/** Starts the closing handshake, and cuts the socket if it has not finished within `graceMs`. */
function closeSocket(socket: WebSocket, code: CloseCode, reason: string, graceMs: number): void {
  if (socket.readyState === WebSocket.CLOSED) return;
  if (socket.readyState === WebSocket.OPEN) socket.close(code, truncateReason(reason));
  const timer = setTimeout(() => socket.terminate(), graceMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

function truncateReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_REASON_BYTES) return reason;
  let text = reason.slice(0, MAX_REASON_BYTES);
  while (Buffer.byteLength(`${text}…`) > MAX_REASON_BYTES) text = text.slice(0, -1);
  return `${text}…`;
}
