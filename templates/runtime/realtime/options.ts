import { DEFAULT_ANSWER_LIMITS, type AnswerLimits } from '../query/budget.js';

/**
 * Tuning of the real-time layer. Each value has an environment variable in `config.ts`; tests pass
 * small values to see the limits at work.
 */
export interface RealtimeOptions {
  /**
   * Bytes a connection may have waiting to be sent. A consumer that lets more pile up is closed
   * (WebSocket 1013, event stream ended) instead of growing the server's memory.
   */
  readonly sendBufferLimit: number;
  /** Interval between pings of open WebSockets; a socket that missed the previous pong is terminated. */
  readonly pingIntervalMs: number;
  /** Interval between keep-alive comments on an event stream, so that proxies keep it open. */
  readonly keepAliveIntervalMs: number;
  /**
   * The budget of one event's value shaped by a view's `select()` (`MAX_RESOLVED_RECORDS`,
   * `MAX_ANSWER_BYTES`): a view over it is closed (1011) with the reason, as a GET gets a 400.
   */
  readonly answerLimits: AnswerLimits;
  /** Open WebSockets and event streams together; more are refused (1013 / 503). */
  readonly maxConnections: number;
  /** Bytes all connections together may have waiting to be sent; the one that adds past it is closed (1013). */
  readonly totalBufferLimit: number;
  /** Told of every event sent and every subscriber dropped for reading too slowly (metrics). */
  readonly counters?: RealtimeCounters;
}

export interface RealtimeCounters {
  eventSent(): void;
  subscriberDropped(): void;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  sendBufferLimit: 4 * 1024 * 1024,
  pingIntervalMs: 30_000,
  keepAliveIntervalMs: 30_000,
  answerLimits: DEFAULT_ANSWER_LIMITS,
  maxConnections: 1000,
  totalBufferLimit: 64 * 1024 * 1024,
};
