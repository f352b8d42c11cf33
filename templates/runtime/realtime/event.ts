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
  readonly type: 'put' | 'delete';
  /** The record (shaped by the view's `select()`); absent on a delete. */
  readonly value?: unknown;
  /** The version of the commit (or, for the initial state, of the record). */
  readonly version: number;
  /** The server's clock when the event was produced, in epoch milliseconds. */
  readonly localTime: number;
  /** Set on a delete sent because the record no longer matches a filtered view. */
  readonly reason?: 'unmatched';
}

const EVENT_END = Buffer.from('\n\n');

export class OutgoingEvent {
  private json: Buffer | undefined;
  private cbor: Buffer | undefined;
  private msgpack: Buffer | undefined;
  private eventStream: Buffer | undefined;

  constructor(readonly message: EventMessage) {}

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
   * The Server-Sent Events chunk: an `id:` line with the event's version, the JSON message as one
   * `data:` line, then a blank line.
   */
  eventStreamChunk(): Buffer {
    // JSON text never holds a raw line break, so one `data:` line carries the whole message.
    return (this.eventStream ??= Buffer.concat([
      Buffer.from(`id: ${String(this.message.version)}\ndata: `),
      this.frame('json'),
      EVENT_END,
    ]));
  }
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
