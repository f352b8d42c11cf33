/**
 * Content negotiation (contract section 6): which format an answer is written in, from the URL
 * suffix or the `Accept` header's q-values, ties going to JSON, CBOR, MessagePack, CSV in that order.
 */

export type Format = 'json' | 'cbor' | 'msgpack' | 'csv';

/** Formats in tie-break order. */
export const FORMATS: readonly Format[] = ['json', 'cbor', 'msgpack', 'csv'];

export const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  json: 'application/json; charset=utf-8',
  cbor: 'application/cbor',
  msgpack: 'application/x-msgpack',
  csv: 'text/csv; charset=utf-8',
};

/** The URL suffixes that choose a format (`/T/1.csv`). */
const SUFFIXES: ReadonlyMap<string, Format> = new Map([
  ['json', 'json'],
  ['cbor', 'cbor'],
  ['msgpack', 'msgpack'],
  ['csv', 'csv'],
]);

/** Media types each format answers to, besides the wildcards. */
const MEDIA_TYPES: Readonly<Record<Format, readonly string[]>> = {
  json: ['application/json'],
  cbor: ['application/cbor'],
  msgpack: ['application/x-msgpack', 'application/msgpack', 'application/vnd.msgpack'],
  csv: ['text/csv'],
};

export function formatOfSuffix(suffix: string): Format | undefined {
  return SUFFIXES.get(suffix);
}

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** `Accept` values repeat from request to request; remember the answer for the common ones. */
const negotiated = new Map<string, Format | null>();
const NEGOTIATION_CACHE_SIZE = 256;

/**
 * The format to answer in for this `Accept` header, or null when it names nothing this server can
 * send (406). No header, or one that accepts any type, means JSON.
 */
export function negotiate(accept: string | undefined): Format | null {
  if (accept === undefined || accept === '' || accept === '*/*' || accept === 'application/json')
    return 'json';
  const cached = negotiated.get(accept);
  if (cached !== undefined) return cached;
  const format = chooseFormat(parseAccept(accept));
  if (negotiated.size >= NEGOTIATION_CACHE_SIZE) negotiated.clear();
  negotiated.set(accept, format);
  return format;
}

/** Whether the client asks for a Server-Sent Events stream. */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return parseAccept(accept).some(
    (range) => range.q > 0 && range.type === 'text' && range.subtype === 'event-stream',
  );
}

function chooseFormat(ranges: readonly MediaRange[]): Format | null {
  let best: Format | null = null;
  let bestQ = 0;
  for (const format of FORMATS) {
    const q = qualityOf(format, ranges);
    // Strictly greater: on a tie the earlier format in FORMATS keeps its place.
    if (q > bestQ) {
      best = format;
      bestQ = q;
    }
  }
  return best;
}

/** The q-value the client gives a format: that of the most specific range that matches it. */
function qualityOf(format: Format, ranges: readonly MediaRange[]): number {
  const type = MEDIA_TYPES[format][0]?.split('/')[0];
  let specificity = 0;
  let q = 0;
  for (const range of ranges) {
    let rangeSpecificity = 0;
    if (range.type === '*' && range.subtype === '*') rangeSpecificity = 1;
    else if (range.type === type && range.subtype === '*') rangeSpecificity = 2;
    else if (MEDIA_TYPES[format].includes(`${range.type}/${range.subtype}`)) rangeSpecificity = 3;
    if (rangeSpecificity > specificity) {
      specificity = rangeSpecificity;
      q = range.q;
    }
  }
  return q;
}

/** Parses an `Accept` header into media ranges; a range with an unreadable q-value is dropped. */
export function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [mediaType = '', ...parameters] = part.split(';');
    const slash = mediaType.indexOf('/');
    if (slash < 0) continue;
    const type = mediaType.slice(0, slash).trim().toLowerCase();
    const subtype = mediaType
      .slice(slash + 1)
      .trim()
      .toLowerCase();
    if (type === '' || subtype === '') continue;
    let q = 1;
    for (const parameter of parameters) {
      const equals = parameter.indexOf('=');
      if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'q') continue;
      const text = parameter.slice(equals + 1).trim();
      q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(text) ? Number(text) : Number.NaN;
    }
    if (!Number.isNaN(q)) ranges.push({ type, subtype, q });
  }
  return ranges;
}
