/**
 * Clients of a running server's real-time endpoints, for tests: a WebSocket client that queues
 * what it receives (decoded from JSON, CBOR or MessagePack) and a Server-Sent Events reader. They
 * speak the wire protocol only and load nothing of the runtime, so end-to-end tests can use them
 * against a generated server running as a separate process.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { decode as decodeCbor } from 'cbor-x';
import { unpack } from 'msgpackr';
import WebSocket from 'ws';

/** Protects a test from hanging forever; never a measure of speed. */
const WAIT_LIMIT_MS = 10_000;

/** The frame encodings a client may ask for (contract section 8.1). */
export type FrameFormat = 'json' | 'cbor' | 'msgpack';

/** One event as the server sends it (contract section 8.1). */
export interface EventMessage {
  /** Absent on a `ready` event. */
  readonly id: string | number;
  readonly type: 'put' | 'delete' | 'message' | 'ready';
  readonly value?: unknown;
  readonly version: number;
  readonly localTime: number;
  readonly reason?: 'unmatched';
  /** On a `ready` event (contract 8.3): whether what came before was only the missed changes. */
  readonly resumed?: boolean;
}

/** Sends a JSON request and resolves with its status (and body text). */
export async function send(
  url: string,
  method: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A WebSocket client that queues every message it receives, decoded. */
export class EventClient {
  readonly messages: EventMessage[] = [];
  private readonly waiters: (() => void)[] = [];
  private taken = 0;
  readonly opened: Promise<void>;
  readonly closed: Promise<Closed>;

  constructor(
    url: string,
    private readonly format: FrameFormat = 'json',
    options: WebSocket.ClientOptions = {},
  ) {
    const accept =
      format === 'cbor'
        ? 'application/cbor'
        : format === 'msgpack'
          ? 'application/x-msgpack'
          : undefined;
    const socket = new WebSocket(url, {
      ...options,
      headers: { ...options.headers, ...(accept ? { Accept: accept } : {}) },
    });
    this.socket = socket;
    this.opened = new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      this.binaryFrames += isBinary ? 1 : 0;
      this.messages.push(this.decode(data));
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  readonly socket: WebSocket;
  binaryFrames = 0;

  /** The next `count` messages not taken yet, waiting for them as needed. */
  async next(count = 1): Promise<EventMessage[]> {
    await waitFor(
      () =>
        this.messages.length >= this.taken + count || this.socket.readyState === WebSocket.CLOSED,
      this.waiters,
    );
    if (this.messages.length < this.taken + count) {
      throw new Error(
        `the socket closed after ${this.messages.length - this.taken} of ${count} expected messages`,
      );
    }
    const messages = this.messages.slice(this.taken, this.taken + count);
    this.taken += count;
    return messages;
  }

  /** Messages received and not taken yet. */
  pending(): EventMessage[] {
    return this.messages.slice(this.taken);
  }

  close(): void {
    this.socket.close();
  }

  private decode(data: Buffer): EventMessage {
    switch (this.format) {
      case 'json':
        return JSON.parse(data.toString()) as EventMessage;
      case 'cbor':
        return decodeCbor(data) as EventMessage;
      case 'msgpack':
        return unpack(data) as EventMessage;
    }
  }
}

export async function connect(url: string, format: FrameFormat = 'json'): Promise<EventClient> {
  const client = new EventClient(url, format);
  await client.opened;
  return client;
}

/** Resolves once `done()` holds; `wakers` is where the producer of the awaited state signals. */
async function waitFor(done: () => boolean, wakers: (() => void)[]): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 100);
      wakers.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Polls `done` until it holds (for state only observable by looking, such as counts). */
export async function eventually(done: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A Server-Sent Events reader over node's http client, parsing `data:` events and comments. It
 * refuses a stream whose `id:` lines are not the versions of their events, and an unnamed event
 * other than a change's `put`/`delete`.
 */
export class EventStreamReader {
  readonly events: EventMessage[] = [];
  /** The `id:` of each event in `events` (undefined: it had none, as initial-state events). */
  readonly ids: (string | undefined)[] = [];
  readonly comments: string[] = [];
  response!: IncomingMessage;
  private buffer = '';
  private readonly waiters: (() => void)[] = [];
  private taken = 0;
  private ended = false;
  readonly ready: Promise<IncomingMessage>;
  readonly request;

  constructor(
    url: string,
    accept = 'text/event-stream',
    headers: Readonly<Record<string, string>> = {},
  ) {
    this.request = httpRequest(url, { headers: { Accept: accept, ...headers } });
    this.ready = new Promise((resolve, reject) => {
      this.request.once('response', (response) => {
        this.response = response;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => this.take(chunk));
        response.on('close', () => {
          this.ended = true;
          for (const wake of this.waiters.splice(0)) wake();
        });
        resolve(response);
      });
      this.request.once('error', reject);
    });
    this.request.end();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  async next(count = 1): Promise<EventMessage[]> {
    await waitFor(() => this.events.length >= this.taken + count || this.ended, this.waiters);
    if (this.events.length < this.taken + count)
      throw new Error('the stream ended before the expected events');
    const events = this.events.slice(this.taken, this.taken + count);
    this.taken += count;
    return events;
  }

  async nextComment(): Promise<string> {
    const seen = this.comments.length;
    await waitFor(() => this.comments.length > seen || this.ended, this.waiters);
    const comment = this.comments[seen];
    if (comment === undefined) throw new Error('the stream ended before a comment');
    return comment;
  }

  close(): void {
    this.request.destroy();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | undefined;
      let name: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) {
          const event = JSON.parse(line.slice(6)) as EventMessage;
          // An id line names the event's version (contract 8.2).
          if (id !== undefined && id !== String(event.version))
            throw new Error(`event id ${id} is not its version ${String(event.version)}`);
          // The ready event is named, so that `onmessage` handlers never see it (contract 8.3).
          if ((name === 'ready') !== (event.type === 'ready'))
            throw new Error(`event ${String(name)} carries a ${event.type} message`);
          this.events.push(event);
          this.ids.push(id);
        } else if (line.startsWith(':')) this.comments.push(line);
        else throw new Error(`unexpected event stream line: ${line}`);
      }
      end = this.buffer.indexOf('\n\n');
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}
