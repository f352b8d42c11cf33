import { describe, expect, it } from 'vitest';
import { etagOf, ifMatchHolds, noneMatchHits } from '../../../templates/runtime/http/etag.js';

describe('ETags', () => {
  const tag = etagOf(1723712345678.5);

  it('derives a strong tag from the version', () => {
    expect(tag).toBe('"1723712345678.5"');
    expect(etagOf(1)).not.toBe(etagOf(2));
  });

  it('If-None-Match hits the exact tag, its weak form, *, or a list holding it', () => {
    expect(noneMatchHits(tag, tag)).toBe(true);
    expect(noneMatchHits(`W/${tag}`, tag)).toBe(true);
    expect(noneMatchHits('*', tag)).toBe(true);
    expect(noneMatchHits(`"other", W/"x", ${tag}`, tag)).toBe(true);
  });

  it('If-None-Match misses other tags and garbage', () => {
    expect(noneMatchHits('"1723712345678"', tag)).toBe(false);
    expect(noneMatchHits('1723712345678.5', tag)).toBe(false);
    expect(noneMatchHits('"unterminated', tag)).toBe(false);
    expect(noneMatchHits('', tag)).toBe(false);
  });

  it('If-Match holds for the current strong tag or *, never for a weak tag or a missing record', () => {
    expect(ifMatchHolds(tag, tag)).toBe(true);
    expect(ifMatchHolds(`"a", ${tag}`, tag)).toBe(true);
    expect(ifMatchHolds('*', tag)).toBe(true);
    expect(ifMatchHolds(`W/${tag}`, tag)).toBe(false);
    expect(ifMatchHolds('"stale"', tag)).toBe(false);
    expect(ifMatchHolds('*', undefined)).toBe(false);
    expect(ifMatchHolds(tag, undefined)).toBe(false);
  });
});
