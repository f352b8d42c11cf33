/**
 * Response times kept exactly (autocannon's histogram rounds to whole milliseconds, which hides
 * most of what a sub-millisecond server does).
 */
export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  record(milliseconds: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = milliseconds;
  }

  get size(): number {
    return this.count;
  }

  /** Nearest-rank percentiles (`fractions` in 0–1) in milliseconds; null when nothing was recorded. */
  percentiles(fractions: readonly number[]): (number | null)[] {
    const sorted = this.values.slice(0, this.count).sort();
    return fractions.map((fraction) => {
      if (sorted.length === 0) return null;
      const rank = Math.max(1, Math.ceil(fraction * sorted.length));
      return sorted[rank - 1] ?? null;
    });
  }
}
