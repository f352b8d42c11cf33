/**
 * The message of one real-time event (contract 8.1), Harper's envelope
 * `{id, type, value, version, localTime}`, and its encodings. One change usually goes to many
 * subscribers in the same shape, so an event encodes itself once per format and shares the bytes.
 */
import { encodeValue } from '../http/encode.js';
import type { Key } from '../store/types.js';

/** How frames are written on a connection, chosen from the upgrade's `Accept` header. */
export type FrameFormat = 'json' | 'cbor' | 'msgpack';

/**
 * Members are created in Harper's order (id, type, value, version, localTime), which is the order
 * they are written in; `value` and `reason` are left out, not set to undefined, when absent.
 */
export interface EventMessage {
  readonly id: Key;
  readonly type: 'put' | 'delete' | 'message';
  /** The record (shaped by the view's `select()`), or a message's value; absent on a delete. */
  readonly value?: unknown;
  /**
   * The version of the commit (or, for the initial state, of the record; for a message, of the
   * last commit its server had seen).
   */
  readonly version: number;
  /** The server's clock when the event was produced, in epoch milliseconds. */
  readonly localTime: number;
  /** Set on a delete sent because the record no longer matches a filtered view. */
  readonly reason?: 'unmatched';
}

/**
 * The end of a subscription's initial part (contract 8.3), sent to clients that asked to resume:
 * everything before it was either the missed changes (`resumed: true`) or the whole current state
 * (`resumed: false`: records the client holds that were not sent are gone). `version` is where
 * to resume after, if the connection drops before another change arrives.
 */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly resumed: boolean;
  readonly version: number;
  readonly localTime: number;
}

const EVENT_END = Buffer.from('\n\n');
const DATA_FIELD = Buffer.from('data: ');

export class OutgoingEvent {
  private json: Buffer | undefined;
  private cbor: Buffer | undefined;
  private msgpack: Buffer | undefined;
  private eventStream: Buffer | undefined;

  /**
   * `initial`: a record of the initial state, whose version is the record's, not a place in the
   * commit log: its event-stream form has no `id:` line, so a reconnecting browser resumes from
   * the last change it saw instead.
   */
  constructor(
    readonly message: EventMessage | ReadyMessage,
    private readonly initial = false,
  ) {}

  /** The WebSocket frame payload in `format` (sent as a text frame for JSON, binary otherwise). */
  frame(format: FrameFormat): Buffer {
    switch (format) {
      case 'json':
        return (this.json ??= encodeValue('json', this.message));
      case 'cbor':
        return (this.cbor ??= encodeValue('cbor', this.message));
      case 'msgpack':
        return (this.msgpack ??= encodeValue('msgpack', this.message));
    }
  }

  /**
   * The Server-Sent Events chunk: an `id:` line with the event's version (none for the initial
   * state), `event: ready` for the ready event (which `onmessage` handlers therefore never see),
   * the JSON message as one `data:` line, then a blank line.
   */
  eventStreamChunk(): Buffer {
    if (this.eventStream !== undefined) return this.eventStream;
    const fields =
      (this.message.type === 'ready' ? 'event: ready\n' : '') +
      (this.initial ? '' : `id: ${String(this.message.version)}\n`);
    // JSON text never holds a raw line break, so one `data:` line carries the whole message.
    this.eventStream = Buffer.concat([
      fields === '' ? DATA_FIELD : Buffer.from(`${fields}data: `),
      this.frame('json'),
      EVENT_END,
    ]);
    return this.eventStream;
  }
}

export function readyMessage(resumed: boolean, version: number, localTime: number): ReadyMessage {
  return { type: 'ready', resumed, version, localTime };
}

export function putMessage(
  id: Key,
  value: unknown,
  version: number,
  localTime: number,
): EventMessage {
  return { id, type: 'put', value, version, localTime };
}

export function deleteMessage(
  id: Key,
  version: number,
  localTime: number,
  unmatched = false,
): EventMessage {
  return unmatched
    ? { id, type: 'delete', version, localTime, reason: 'unmatched' }
    : { id, type: 'delete', version, localTime };
}

/** A message published to a record's subscribers (contract 8.5): nothing stored, no place in the log. */
export function messageEvent(
  id: Key,
  value: unknown,
  version: number,
  localTime: number,
): OutgoingEvent {
  // Like the initial state, a message has no place in the commit log: its stream form has no `id:`.
  return new OutgoingEvent({ id, type: 'message', value, version, localTime }, true);
}
