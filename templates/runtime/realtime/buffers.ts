/**
 * What all real-time connections together may hold (contract section 9): how many are open at once
 * (`REALTIME_MAX_CONNECTIONS`) and how many bytes they have waiting to be sent, all of them
 * together (`REALTIME_TOTAL_BUFFER_BYTES`). The per-connection limit alone lets a thousand consumers
 * that never read hold a thousand send buffers.
 */

/** Something that has bytes waiting to be sent: a subscription, with its sink and held events. */
export interface BufferHolder {
  pendingBytes(): number;
}

/**
 * The bytes every holder last reported, summed. A holder reports when it sends; one that drained
 * since is counted again, exactly, only when the sum passes the limit, so that a burst of sends
 * costs nothing while the total is low.
 */
export class BufferAccount {
  private readonly reported = new Map<BufferHolder, number>();
  private sum = 0;

  constructor(readonly limit: number) {}

  /** Bytes waiting across all connections, as last counted. */
  get total(): number {
    return this.sum;
  }

  /** Records what `holder` has waiting; true when all connections together are over the limit. */
  report(holder: BufferHolder, bytes: number): boolean {
    this.sum += bytes - (this.reported.get(holder) ?? 0);
    this.reported.set(holder, bytes);
    if (this.sum <= this.limit) return false;
    this.sum = 0;
    for (const other of this.reported.keys()) {
      const current = other === holder ? bytes : other.pendingBytes();
      this.reported.set(other, current);
      this.sum += current;
    }
    return this.sum > this.limit;
  }

  forget(holder: BufferHolder): void {
    this.sum -= this.reported.get(holder) ?? 0;
    this.reported.delete(holder);
  }
}

/** Open real-time connections, WebSockets and event streams together. */
export class ConnectionCount {
  private open = 0;

  constructor(readonly limit: number) {}

  get count(): number {
    return this.open;
  }

  /** Takes a place for a new connection; false when they are all taken. */
  take(): boolean {
    if (this.open >= this.limit) return false;
    this.open++;
    return true;
  }

  release(): void {
    this.open--;
  }
}
