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
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  sendBufferLimit: 4 * 1024 * 1024,
  pingIntervalMs: 30_000,
  keepAliveIntervalMs: 30_000,
};
