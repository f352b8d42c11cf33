import { describe, expect, it } from 'vitest';
import {
  FailureLimiter,
  type FailureLimiterOptions,
} from '../../../templates/runtime/auth/rateLimit.js';

/** A limiter of 3 failures a minute on a clock the test moves by hand. */
function limiter(options: Partial<FailureLimiterOptions> = {}): {
  limiter: FailureLimiter;
  advance: (ms: number) => void;
} {
  let time = 1_000_000;
  return {
    limiter: new FailureLimiter({
      maxFailures: 3,
      windowMs: 60_000,
      maxEntries: 100,
      now: () => time,
      ...options,
    }),
    advance: (ms) => (time += ms),
  };
}

describe('the failed-login limiter', () => {
  it('lets a key try until it has failed maxFailures times', () => {
    const { limiter: failures, advance } = limiter();
    expect(failures.retryAfterMs('alice')).toBe(0);
    failures.fail('alice');
    advance(10_000);
    failures.fail('alice');
    expect(failures.retryAfterMs('alice')).toBe(0);
    advance(10_000);
    failures.fail('alice');
    // Blocked until the window of the first failure ends.
    expect(failures.retryAfterMs('alice')).toBe(40_000);
    expect(failures.retryAfterMs('bob')).toBe(0);
  });

  it('unblocks a key when its window ends, and starts a new one', () => {
    const { limiter: failures, advance } = limiter();
    for (let index = 0; index < 3; index++) failures.fail('alice');
    advance(59_999);
    expect(failures.retryAfterMs('alice')).toBe(1);
    // More failures while blocked do not extend the window.
    failures.fail('alice');
    advance(1);
    expect(failures.retryAfterMs('alice')).toBe(0);
    failures.fail('alice');
    failures.fail('alice');
    expect(failures.retryAfterMs('alice')).toBe(0);
    failures.fail('alice');
    expect(failures.retryAfterMs('alice')).toBe(60_000);
  });

  it('does not count failures of an ended window', () => {
    const { limiter: failures, advance } = limiter();
    failures.fail('alice');
    failures.fail('alice');
    advance(60_000);
    failures.fail('alice');
    expect(failures.retryAfterMs('alice')).toBe(0);
  });

  it('forgets a key that succeeds', () => {
    const { limiter: failures } = limiter();
    for (let index = 0; index < 3; index++) failures.fail('alice');
    expect(failures.retryAfterMs('alice')).toBeGreaterThan(0);
    failures.succeed('alice');
    expect(failures.retryAfterMs('alice')).toBe(0);
    expect(failures.size).toBe(0);
    failures.fail('alice');
    failures.fail('alice');
    expect(failures.retryAfterMs('alice')).toBe(0);
  });

  it('keeps at most maxEntries keys, dropping the oldest', () => {
    const { limiter: failures, advance } = limiter({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) {
      for (let index = 0; index < 3; index++) failures.fail(key);
      advance(1000);
    }
    expect(failures.size).toBe(3);
    failures.fail('d');
    expect(failures.size).toBe(3);
    // `a` was the oldest: forgotten, so unblocked.
    expect(failures.retryAfterMs('a')).toBe(0);
    expect(failures.retryAfterMs('b')).toBeGreaterThan(0);
    expect(failures.retryAfterMs('c')).toBeGreaterThan(0);
  });

  it('drops expired keys before live ones', () => {
    const { limiter: failures, advance } = limiter({ maxEntries: 3 });
    failures.fail('a');
    failures.fail('b');
    advance(30_000);
    for (let index = 0; index < 3; index++) failures.fail('c');
    advance(30_000);
    // `a` and `b` have expired; `c` is blocked for another 30 seconds.
    failures.fail('d');
    expect(failures.size).toBe(2);
    expect(failures.retryAfterMs('c')).toBe(30_000);
  });

  it('holds its bound under many keys', () => {
    const { limiter: failures, advance } = limiter({ maxEntries: 1000 });
    for (let index = 0; index < 50_000; index++) {
      failures.fail(`key ${index}`);
      if (index % 100 === 0) advance(1);
      expect(failures.size).toBeLessThanOrEqual(1000);
    }
    expect(failures.size).toBe(1000);
    // The newest keys are the ones kept.
    for (let index = 0; index < 2; index++) failures.fail('key 49999');
    expect(failures.retryAfterMs('key 49999')).toBeGreaterThan(0);
    for (let index = 0; index < 2; index++) failures.fail('key 0');
    expect(failures.retryAfterMs('key 0')).toBe(0);
  });

  it('refuses nonsensical options', () => {
    expect(() => limiter({ maxFailures: 0 })).toThrow(RangeError);
    expect(() => limiter({ windowMs: -1 })).toThrow(RangeError);
    expect(() => limiter({ maxEntries: 1.5 })).toThrow(RangeError);
  });
});
