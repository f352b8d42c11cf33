import { describe, expect, it } from 'vitest';
import {
  contentEtag,
  etagOf,
  ifMatchHolds,
  noneMatchHits,
  versionEtags,
} from '../../../templates/runtime/http/etag.js';

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

  it('folds the format into the tag for every format but JSON', () => {
    expect(etagOf(7, 'json')).toBe('"7"');
    expect(etagOf(7, 'cbor')).toBe('"7.cbor"');
    expect(etagOf(7, 'msgpack')).toBe('"7.msgpack"');
    expect(etagOf(7, 'csv')).toBe('"7.csv"');
    expect(noneMatchHits(etagOf(7), etagOf(7, 'csv'))).toBe(false);
    expect(versionEtags(7)).toEqual(['"7"', '"7.cbor"', '"7.msgpack"', '"7.csv"']);
    // A write's precondition accepts the version's tag in any format.
    expect(ifMatchHolds('"7.cbor"', versionEtags(7))).toBe(true);
    expect(ifMatchHolds('"8.cbor"', versionEtags(7))).toBe(false);
    expect(noneMatchHits('"7.csv"', versionEtags(7))).toBe(true);
  });

  it('tags computed answers with a digest of their bytes', () => {
    expect(contentEtag('{"a":1}')).toBe(contentEtag(Buffer.from('{"a":1}')));
    expect(contentEtag('{"a":1}')).not.toBe(contentEtag('{"a":2}'));
    expect(contentEtag('x')).toMatch(/^"h[\w-]{27}"$/);
  });
});
