/**
 * Entity tags (contract section 6): a record's strong ETag is its version, with the format folded
 * in for every format but JSON (`"1722000000000"`, `"1722000000000.cbor"`), since two formats are
 * two representations; an answer computed from more than one record (a `select()`, an attribute)
 * is tagged with a digest of its bytes. `If-None-Match` uses the weak comparison (so `W/"…"`
 * matches too), `If-Match` the strong one; a write's precondition names the record's version in
 * any format.
 */
import { createHash } from 'node:crypto';
import { uncodedEtag } from './compress.js';
import { FORMATS, type Format } from './negotiate.js';

export function etagOf(version: number, format: Format = 'json'): string {
  return format === 'json' ? `"${version}"` : `"${version}.${format}"`;
}

/** The tag of an answer that is not one record's stored state: a digest of its bytes. */
export function contentEtag(body: Buffer | string): string {
  return `"h${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Every tag the record's version has, one per format. */
export function versionEtags(version: number): string[] {
  return FORMATS.map((format) => etagOf(version, format));
}

interface EntityTag {
  readonly weak: boolean;
  /** The quoted opaque tag, quotes included, as `etagOf` writes it. */
  readonly tag: string;
}

/** Parses an `If-Match`/`If-None-Match` list; `*` is returned as the string `'*'`. */
function parseTags(header: string): EntityTag[] | '*' {
  if (header.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  let i = 0;
  while (i < header.length) {
    const char = header[i];
    if (char === ' ' || char === '\t' || char === ',') {
      i++;
      continue;
    }
    let weak = false;
    if (header.startsWith('W/', i)) {
      weak = true;
      i += 2;
    }
    if (header[i] !== '"') {
      // Not a tag: skip to the next list element.
      const comma = header.indexOf(',', i);
      i = comma < 0 ? header.length : comma + 1;
      continue;
    }
    const close = header.indexOf('"', i + 1);
    if (close < 0) break;
    // A compressed representation's tag names the one it was made from.
    tags.push({ weak, tag: uncodedEtag(header.slice(i, close + 1)) });
    i = close + 1;
  }
  return tags;
}

/**
 * Whether `If-None-Match` matches the current tag, or any of the current tags (weak comparison):
 * a GET is then answered 304, a write refused with 412.
 */
export function noneMatchHits(header: string, current: string | readonly string[]): boolean {
  const currentTags = typeof current === 'string' ? [current] : current;
  if (currentTags.includes(header)) return true;
  const tags = parseTags(header);
  return tags === '*' || tags.some((candidate) => currentTags.includes(candidate.tag));
}

/**
 * Whether `If-Match` holds for the record's current tags (strong comparison; undefined when the
 * record does not exist). When it does not hold the write is refused with 412.
 */
export function ifMatchHolds(
  header: string,
  current: string | readonly string[] | undefined,
): boolean {
  if (current === undefined) return false;
  const currentTags = typeof current === 'string' ? [current] : current;
  const tags = parseTags(header);
  return (
    tags === '*' || tags.some((candidate) => !candidate.weak && currentTags.includes(candidate.tag))
  );
}
