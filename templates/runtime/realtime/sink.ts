/**
 * Where a subscription's events go: a WebSocket or an event stream. The subscription decides what
 * to send and when the connection has fallen too far behind; the sink only moves bytes.
 */
import type { FrameFormat, OutgoingEvent } from './event.js';

export interface EventSink {
  readonly format: FrameFormat;
  /** False once the connection is closing or closed: nothing more is sent. */
  readonly open: boolean;
  /** Bytes accepted for this connection and not yet handed to the operating system. */
  readonly bufferedBytes: number;
  send(event: OutgoingEvent): void;
  /** Resolves once everything sent so far has been handed to the operating system, or the connection is gone. */
  flushed(): Promise<void>;
  /** Ends the connection with a WebSocket close code (an event stream just ends) and a reason. */
  close(code: CloseCode, reason: string): void;
}

/** WebSocket close codes the server ends a subscription with (RFC 6455, section 7.4.1). */
export const CLOSE_CODES = {
  /** The server is shutting down. */
  goingAway: 1001,
  /** A message from the client that cannot be decoded in the socket's format. */
  invalidMessage: 1007,
  /** A message from the client longer than the server can carry. */
  messageTooBig: 1009,
  /** No such resource, a bad query, or a failure while serving the subscription. */
  unavailable: 1011,
  /** The consumer does not read fast enough: its send buffer overflowed. */
  tryAgainLater: 1013,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/**
 * Counts writes that the socket has not acknowledged yet, so that `flushed()` can wait for them
 * without a promise per write.
 */
export class WriteTracker {
  private unacknowledged = 0;
  private waiters: (() => void)[] = [];

  /** The write callback to pass with every write; one shared function, no allocation per write. */
  readonly acknowledge = (): void => {
    this.unacknowledged--;
    if (this.unacknowledged <= 0) this.release();
  };

  written(): void {
    this.unacknowledged++;
  }

  flushed(): Promise<void> {
    if (this.unacknowledged <= 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The connection is gone: no acknowledgement will come, so nobody may keep waiting. */
  release(): void {
    this.unacknowledged = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
