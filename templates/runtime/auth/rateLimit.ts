/**
 * Limits failed logins, so that passwords cannot be guessed at the speed the server answers: a key
 * (a user name, a client address, or both) with `maxFailures` failures within `windowMs` is refused
 * until that window ends. The window is fixed per key: it starts with the key's first counted
 * failure, and a failure after it ends starts a new one.
 *
 * Memory is bounded: at most `maxEntries` keys are remembered. Entries are kept in the order their
 * windows started (a Map's insertion order), so the first entries are both the oldest and the first
 * to expire; making room drops expired entries from the front, and then the oldest one. Dropping a
 * key that was still blocked unblocks it early, so `maxEntries` should be well above the number of
 * keys expected to fail within one window.
 */

export interface FailureLimiterOptions {
  /** Failures within one window after which a key is refused. */
  readonly maxFailures: number;
  /** Length of a key's window, in milliseconds. */
  readonly windowMs: number;
  /** Keys remembered at most. */
  readonly maxEntries: number;
  /** The clock, in milliseconds (`Date.now` unless a test sets it). */
  readonly now?: () => number;
}

/** One key's current window. */
interface Window {
  /** When the window started (its first failure). */
  readonly startMs: number;
  failures: number;
}

export class FailureLimiter {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** Windows by key, in the order they started. */
  readonly #windows = new Map<string, Window>();

  constructor(options: FailureLimiterOptions) {
    positiveInteger('maximum number of failures', options.maxFailures);
    positiveInteger('failure window (milliseconds)', options.windowMs);
    positiveInteger('maximum number of remembered keys', options.maxEntries);
    this.#maxFailures = options.maxFailures;
    this.#windowMs = options.windowMs;
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** Keys remembered now (expired ones included until they are dropped). */
  get size(): number {
    return this.#windows.size;
  }

  /** 0 when `key` may try now, else the milliseconds until it may (for `Retry-After`). */
  retryAfterMs(key: string): number {
    const window = this.#windows.get(key);
    if (window === undefined) return 0;
    const remaining = window.startMs + this.#windowMs - this.#now();
    if (remaining <= 0) {
      this.#windows.delete(key);
      return 0;
    }
    return window.failures >= this.#maxFailures ? remaining : 0;
  }

  /** Counts a failure of `key`. */
  fail(key: string): void {
    const now = this.#now();
    const window = this.#windows.get(key);
    if (window !== undefined && now < window.startMs + this.#windowMs) {
      // Beyond the limit the count no longer matters; it is capped so that it cannot grow forever.
      window.failures = Math.min(window.failures + 1, this.#maxFailures);
      return;
    }
    // A new window goes to the end of the order.
    if (window !== undefined) this.#windows.delete(key);
    this.#makeRoom(now);
    this.#windows.set(key, { startMs: now, failures: 1 });
  }

  /** Forgets `key` (a successful login). */
  succeed(key: string): void {
    this.#windows.delete(key);
  }

  /** Drops entries until one more fits: the expired ones at the front, then the oldest. */
  #makeRoom(now: number): void {
    for (const [key, window] of this.#windows) {
      if (this.#windows.size < this.#maxEntries && now < window.startMs + this.#windowMs) return;
      this.#windows.delete(key);
    }
  }
}

function positiveInteger(what: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`The ${what} must be a positive whole number, not ${value}.`);
  }
}
