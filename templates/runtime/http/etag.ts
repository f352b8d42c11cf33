/**
 * Entity tags (contract section 6): a record's strong ETag is its version; `If-None-Match` uses
 * the weak comparison (so `W/"…"` matches too), `If-Match` the strong one.
 */

export function etagOf(version: number): string {
  return `"${version}"`;
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
    tags.push({ weak, tag: header.slice(i, close + 1) });
    i = close + 1;
  }
  return tags;
}

/** Whether `If-None-Match` matches the current tag (weak comparison): the answer is then 304. */
export function noneMatchHits(header: string, currentEtag: string): boolean {
  if (header === currentEtag) return true;
  const tags = parseTags(header);
  return tags === '*' || tags.some((candidate) => candidate.tag === currentEtag);
}

/**
 * Whether `If-Match` holds for the record's current tag (strong comparison; undefined when the
 * record does not exist). When it does not hold the write is refused with 412.
 */
export function ifMatchHolds(header: string, currentEtag: string | undefined): boolean {
  if (currentEtag === undefined) return false;
  const tags = parseTags(header);
  return tags === '*' || tags.some((candidate) => !candidate.weak && candidate.tag === currentEtag);
}
