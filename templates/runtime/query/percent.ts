/**
 * Percent-decoding with positions. The query is split on its raw structural characters first and
 * each piece decoded afterwards, so `%26` or `%28` inside a value is a literal character; a bad
 * escape is reported at its own position.
 */
import { syntaxError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** The byte encoded by `%XX` at `index` of `raw`, or -1 when there is no valid escape there. */
export function escapedByte(raw: string, index: number): number {
  if (raw.charCodeAt(index) !== 37 /* % */ || index + 2 >= raw.length) return -1;
  const high = hexDigit(raw.charCodeAt(index + 1));
  const low = hexDigit(raw.charCodeAt(index + 2));
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

/**
 * Decodes `raw` (a piece of the query starting at `position` of the whole query string).
 * Throws QUERY_SYNTAX at the offending `%` for a malformed escape or invalid UTF-8.
 */
export function decodePercent(raw: string, position: number): string {
  if (!raw.includes('%')) return raw;
  let text = '';
  let index = 0;
  while (index < raw.length) {
    const char = raw[index]!;
    if (char !== '%') {
      text += char;
      index += 1;
      continue;
    }
    // Gather a run of escapes: one UTF-8 character may span several of them.
    const start = index;
    const bytes: number[] = [];
    while (index < raw.length && raw.charCodeAt(index) === 37) {
      const byte = escapedByte(raw, index);
      if (byte < 0)
        throw syntaxError(
          `The percent-escape '${raw.slice(index, index + 3)}' is malformed: '%' must be followed by two hex digits`,
          position + index,
        );
      bytes.push(byte);
      index += 3;
    }
    try {
      text += utf8.decode(new Uint8Array(bytes));
    } catch {
      throw syntaxError('These percent-escapes do not encode valid UTF-8 text', position + start);
    }
  }
  return text;
}
