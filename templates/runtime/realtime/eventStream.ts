/**
 * Server-Sent Events (contract 8.2): a GET of a subscription URL with `Accept: text/event-stream`
 * answers 200 and writes each event as `data: <the JSON message>` and a blank line, with a comment
 * line every keep-alive interval so that proxies keep the stream open. A consumer that lets the
 * response's buffer grow past the limit has its connection cut.
 */
import type { ServerResponse } from 'node:http';
import { clientError } from '../http/errors.js';
import type { ConnectionCount } from './buffers.js';
import type { OutgoingEvent } from './event.js';
import type { SubscriptionHub } from './hub.js';
import type { RealtimeOptions } from './options.js';
import { CLOSE_CODES, WriteTracker, type CloseCode, type EventSink } from './sink.js';
import type { SubscriptionTarget } from './target.js';

const KEEP_ALIVE = Buffer.from(': keep-alive\n\n');
/** Seconds a client refused for lack of room is asked to wait. */
const REFUSED_RETRY_AFTER_SECONDS = 1;
const STREAM_HEADERS = [
  'Content-Type',
  'text/event-stream; charset=utf-8',
  'Cache-Control',
  'no-cache',
  // Proxies that buffer answers (nginx) would hold the events back.
  'X-Accel-Buffering',
  'no',
];

class EventStreamSink implements EventSink {
  readonly format = 'json';
  private readonly writes = new WriteTracker();

  constructor(private readonly response: ServerResponse) {
    response.once('close', () => this.writes.release());
  }

  get open(): boolean {
    return !this.response.writableEnded && !this.response.destroyed;
  }

  get bufferedBytes(): number {
    return this.response.writableLength;
  }

  send(event: OutgoingEvent): void {
    if (!this.open) return;
    this.writes.written();
    this.response.write(event.eventStreamChunk(), this.writes.acknowledge);
  }

  flushed(): Promise<void> {
    return this.writes.flushed();
  }

  close(code: CloseCode): void {
    // An event stream has no close code: a stream cut short tells the client something went
    // wrong (and a browser's EventSource reconnects); a finished one is a normal end.
    if (code === CLOSE_CODES.tryAgainLater || code === CLOSE_CODES.unavailable)
      this.response.destroy();
    else this.response.end();
  }
}

export class EventStreamEndpoint {
  private readonly streams = new Set<ServerResponse>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly hub: SubscriptionHub,
    options: RealtimeOptions,
    /** Open real-time connections, shared with the WebSockets (`REALTIME_MAX_CONNECTIONS`). */
    private readonly places: ConnectionCount,
  ) {
    this.keepAlive = setInterval(() => this.sendKeepAlive(), options.keepAliveIntervalMs);
    this.keepAlive.unref();
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Answers 200 and streams the subscription's events. */
  open(response: ServerResponse, target: SubscriptionTarget): void {
    if (!this.places.take()) {
      throw clientError(
        'UNAVAILABLE',
        `Too many real-time connections (REALTIME_MAX_CONNECTIONS is ${this.places.limit}); try again later`,
        { limit: 'REALTIME_MAX_CONNECTIONS', retryAfter: REFUSED_RETRY_AFTER_SECONDS },
      );
    }
    response.once('close', () => this.places.release());
    response.writeHead(200, STREAM_HEADERS);
    response.flushHeaders();
    this.streams.add(response);
    const subscription = this.hub.subscribe(target, new EventStreamSink(response));
    response.once('close', () => {
      this.streams.delete(response);
      subscription.close();
    });
  }

  /** Answers a HEAD: the headers a stream would have, and no stream. */
  describe(response: ServerResponse): void {
    response.writeHead(200, STREAM_HEADERS);
    response.end();
  }

  /** Ends every stream and resolves once all are closed. */
  async close(): Promise<void> {
    clearInterval(this.keepAlive);
    const closed = [...this.streams].map(
      (response) =>
        new Promise<void>((resolve) => {
          if (response.destroyed) return resolve();
          response.once('close', () => resolve());
          response.end();
        }),
    );
    await Promise.all(closed);
  }

  private sendKeepAlive(): void {
    for (const response of this.streams) {
      if (!response.writableEnded && !response.destroyed) response.write(KEEP_ALIVE);
    }
  }
}
