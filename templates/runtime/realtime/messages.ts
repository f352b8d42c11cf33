/**
 * Messages (contract 8.5): a value published to a record's subscribers, as Harper's WebSocket
 * clients publish to a record's topic. Nothing is stored and nothing enters the commit log: a
 * message reaches the subscribers connected when it is published, and a subscriber that resumes
 * later does not get it again.
 *
 * The bus is the one place messages go through: the real-time hub listens to it, and the server
 * sets `relay` to carry each message to the other processes serving the same data (the other
 * workers, or the other servers on one PostgreSQL database), which hand it to their own bus with
 * `deliverText`.
 */
import { clientError } from '../http/errors.js';
import { toJson } from '../http/json.js';
import { log } from '../log.js';
import type { Key } from '../store/types.js';

export interface PublishedMessage {
  /** The table's type name. */
  readonly table: string;
  readonly key: Key;
  readonly value: unknown;
  /** When it was published, in epoch milliseconds. */
  readonly localTime: number;
}

/** A listener of messages; `origin` is what published the message in this process, if anything did. */
export type MessageListener = (message: PublishedMessage, origin?: object) => void;

export class MessageBus {
  readonly #listeners = new Set<MessageListener>();
  /**
   * Carries a message published here, as its JSON text (the form every channel carries: a big
   * integer as digits, bytes as base64, as JSON subscribers get them), to the other processes
   * serving the same data, which hand it to `deliverText`.
   */
  relay: ((text: string) => void) | undefined;
  /** The longest message, as JSON bytes, that `relay` can carry; undefined: no limit. */
  maxBytes: number | undefined;

  /**
   * Publishes `value` to the subscribers of `table`'s record `key` in every process. `origin` (a
   * publishing socket's subscription) does not hear its own message.
   */
  publish(table: string, key: Key, value: unknown, origin?: object): void {
    const message: PublishedMessage = { table, key, value, localTime: Date.now() };
    const text = this.relay === undefined ? undefined : toJson(message);
    if (
      text !== undefined &&
      this.maxBytes !== undefined &&
      Buffer.byteLength(text) > this.maxBytes
    ) {
      throw clientError(
        'PAYLOAD_TOO_LARGE',
        `A message may hold at most ${this.maxBytes} bytes as JSON on this engine (PostgreSQL's NOTIFY carries them to the other servers)`,
      );
    }
    this.deliver(message, origin);
    if (text !== undefined) this.relay?.(text);
  }

  /** Hands a message to this process's listeners only. */
  deliver(message: PublishedMessage, origin?: object): void {
    for (const listener of this.#listeners) listener(message, origin);
  }

  /**
   * Hands the JSON text of a message another process published to this process's listeners; a
   * text that is no message (another program on the channel) is logged and dropped.
   */
  deliverText(text: string): void {
    let message: PublishedMessage;
    try {
      message = JSON.parse(text) as PublishedMessage;
    } catch (error) {
      log.warn('a message from another server could not be read', { err: error });
      return;
    }
    this.deliver(message);
  }

  /** Registers a listener; returns the function that removes it. */
  onMessage(listener: MessageListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
