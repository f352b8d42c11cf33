/**
 * Decoding bodies without silent changes (contract section 4.1): what the validator sees is what
 * the client sent, or the body is refused.
 *
 * - JSON integer literals too long for a double (`12345678901234567890`) are read as `bigint`
 *   with every digit, instead of being rounded by `JSON.parse`.
 * - CBOR and MessagePack text must be valid UTF-8: their decoders would replace bad bytes with
 *   U+FFFD, so the body is walked first and refused when any text is not.
 * - Their maps become plain objects with own properties only: a `__proto__` key stays a key
 *   (which the validator then refuses, as it does in JSON) instead of being renamed; a key that is
 *   not text is refused instead of being turned into one.
 */

import { MAX_BIGINT_DIGITS } from '../store/limits.js';

/** Raised for a body that decodes but cannot be taken as it is; the caller makes it a 400. */
export class BodyFormatError extends Error {}

/** Decoders recurse; a body nested deeper than this is refused before they see it. */
const MAX_NESTING = 256;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Sixteen digits in a row: the text may hold an integer that a double cannot hold exactly. */
const LONG_DIGITS = /\d{16}/;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const INTEGER = /^-?\d+$/;

/** `JSON.parse`, except that integer literals beyond ±2^53 keep their digits as a `bigint`. */
export function parseJsonExact(text: string): unknown {
  // JSON.parse checks the syntax (and gives the error messages); the reader below then only
  // ever sees valid JSON.
  const parsed: unknown = JSON.parse(text);
  if (!LONG_DIGITS.test(text)) return parsed;
  return new ExactJsonReader(text).read();
}

class ExactJsonReader {
  private position = 0;

  constructor(private readonly text: string) {}

  read(): unknown {
    return this.value(0);
  }

  private value(depth: number): unknown {
    if (depth > MAX_NESTING) throw new BodyFormatError(`nested deeper than ${MAX_NESTING} levels`);
    this.skipSpace();
    const text = this.text;
    switch (text[this.position]) {
      case '{': {
        this.position++;
        const object: Record<string, unknown> = {};
        this.skipSpace();
        if (text[this.position] === '}') {
          this.position++;
          return object;
        }
        for (;;) {
          this.skipSpace();
          const name = this.string();
          this.skipSpace();
          this.position++; // ':'
          setOwn(object, name, this.value(depth + 1));
          this.skipSpace();
          if (text[this.position++] === '}') return object;
        }
      }
      case '[': {
        this.position++;
        const array: unknown[] = [];
        this.skipSpace();
        if (text[this.position] === ']') {
          this.position++;
          return array;
        }
        for (;;) {
          array.push(this.value(depth + 1));
          this.skipSpace();
          if (text[this.position++] === ']') return array;
        }
      }
      case '"':
        return this.string();
      case 't':
        this.position += 4;
        return true;
      case 'f':
        this.position += 5;
        return false;
      case 'n':
        this.position += 4;
        return null;
      default:
        return this.number();
    }
  }

  private string(): string {
    const text = this.text;
    const start = this.position;
    let end = start + 1;
    while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    this.position = end + 1;
    return JSON.parse(text.slice(start, end + 1)) as string;
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.position;
    const literal = NUMBER.exec(this.text)?.[0] ?? '';
    this.position += literal.length;
    const number = Number(literal);
    if (!INTEGER.test(literal) || Number.isSafeInteger(number)) return number;
    // Converting digits to a bigint costs more than linear time: refuse what no BigInt may hold.
    if (literal.replace('-', '').length > MAX_BIGINT_DIGITS) {
      throw new BodyFormatError(`an integer has more than ${MAX_BIGINT_DIGITS} digits`);
    }
    return BigInt(literal);
  }

  private skipSpace(): void {
    const text = this.text;
    for (;;) {
      const char = text[this.position];
      if (char !== ' ' && char !== '\n' && char !== '\r' && char !== '\t') return;
      this.position++;
    }
  }
}

/** Sets an own property, `__proto__` included (assignment would set the prototype instead). */
function setOwn(object: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(object, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else object[name] = value;
}

/**
 * Decoded CBOR or MessagePack (decoded with maps as `Map`s) with its maps as plain objects.
 * Arrays and maps are rebuilt; other values are kept as decoded.
 */
export function objectsOfMaps(value: unknown, depth = 0): unknown {
  if (depth > MAX_NESTING) throw new BodyFormatError(`nested deeper than ${MAX_NESTING} levels`);
  if (Array.isArray(value)) return value.map((element) => objectsOfMaps(element, depth + 1));
  if (value instanceof Map) {
    const object: Record<string, unknown> = {};
    for (const [name, element] of value as Map<unknown, unknown>) {
      if (typeof name !== 'string') {
        throw new BodyFormatError(
          `a map key is ${typeof name === 'object' ? 'a structure' : `a ${typeof name}`}; keys of records must be text`,
        );
      }
      setOwn(object, name, objectsOfMaps(element, depth + 1));
    }
    return object;
  }
  return value;
}

/** Throws a `BodyFormatError` when a CBOR text string (RFC 8949 major type 3) is not UTF-8. */
export function checkCborText(bytes: Uint8Array): void {
  new CborWalker(bytes).item(0);
}

class CborWalker {
  private position = 0;

  constructor(private readonly bytes: Uint8Array) {}

  item(depth: number): void {
    if (depth > MAX_NESTING) throw new BodyFormatError(`nested deeper than ${MAX_NESTING} levels`);
    const initial = this.byte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) {
      // Simple values and floats: 1, 2, 4 or 8 bytes of payload after 24…27; 31 is a break.
      if (info >= 24 && info <= 27) this.skip(1 << (info - 24));
      else if (info === 31)
        throw new BodyFormatError(`an unexpected break at byte ${this.position - 1}`);
      return;
    }
    if (info === 31) {
      if (major === 0 || major === 1 || major === 6)
        throw new BodyFormatError(`an invalid length at byte ${this.position - 1}`);
      this.indefinite(major, depth);
      return;
    }
    const argument = this.argument(info);
    switch (major) {
      case 0:
      case 1:
        return;
      case 2:
        this.skip(argument);
        return;
      case 3:
        this.text(argument);
        return;
      case 4:
        for (let i = 0; i < argument; i++) this.item(depth + 1);
        return;
      case 5:
        for (let i = 0; i < argument * 2; i++) this.item(depth + 1);
        return;
      case 6:
        this.item(depth + 1);
    }
  }

  /** An indefinite-length string, array or map: items until the break byte 0xff. */
  private indefinite(major: number, depth: number): void {
    while (this.peek() !== 0xff) {
      if (major === 2 || major === 3) {
        // Each chunk is a definite string of the same major type, whole in itself.
        const chunk = this.byte();
        if (chunk >> 5 !== major || (chunk & 0x1f) === 31)
          throw new BodyFormatError(`an invalid string chunk at byte ${this.position - 1}`);
        const length = this.argument(chunk & 0x1f);
        if (major === 3) this.text(length);
        else this.skip(length);
      } else this.item(depth + 1);
    }
    this.position++;
  }

  private text(length: number): void {
    const start = this.position;
    this.skip(length);
    try {
      UTF8.decode(this.bytes.subarray(start, start + length));
    } catch {
      throw new BodyFormatError(`the text string at byte ${start} is not valid UTF-8`);
    }
  }

  private argument(info: number): number {
    if (info < 24) return info;
    if (info > 27) throw new BodyFormatError(`an invalid length at byte ${this.position - 1}`);
    let value = 0;
    for (let i = 0; i < 1 << (info - 24); i++) value = value * 256 + this.byte();
    return value;
  }

  private byte(): number {
    const byte = this.bytes[this.position++];
    if (byte === undefined) throw new BodyFormatError('the data ends in the middle of a value');
    return byte;
  }

  private peek(): number {
    const byte = this.bytes[this.position];
    if (byte === undefined) throw new BodyFormatError('the data ends in the middle of a value');
    return byte;
  }

  private skip(length: number): void {
    if (length > this.bytes.length - this.position)
      throw new BodyFormatError('the data ends in the middle of a value');
    this.position += length;
  }
}

/** Throws a `BodyFormatError` when a MessagePack str is not UTF-8. */
export function checkMsgpackText(bytes: Uint8Array): void {
  const walker = new MsgpackWalker(bytes);
  walker.item(0);
}

class MsgpackWalker {
  private position = 0;

  constructor(private readonly bytes: Uint8Array) {}

  item(depth: number): void {
    if (depth > MAX_NESTING) throw new BodyFormatError(`nested deeper than ${MAX_NESTING} levels`);
    const type = this.byte();
    if (type <= 0x7f || type >= 0xe0) return; // fixint
    if (type <= 0x8f) return this.items((type & 0x0f) * 2, depth); // fixmap
    if (type <= 0x9f) return this.items(type & 0x0f, depth); // fixarray
    if (type <= 0xbf) return this.text(type & 0x1f); // fixstr
    switch (type) {
      case 0xc0: // nil
      case 0xc2: // false
      case 0xc3: // true
        return;
      case 0xc4: // bin 8, 16, 32
      case 0xc5:
      case 0xc6:
        return this.skip(this.length(1 << (type - 0xc4)));
      case 0xc7: // ext 8, 16, 32: a length, a type byte, the data
      case 0xc8:
      case 0xc9:
        return this.skip(this.length(1 << (type - 0xc7)) + 1);
      case 0xca: // float 32, 64
        return this.skip(4);
      case 0xcb:
        return this.skip(8);
      case 0xcc: // uint 8…64, int 8…64
      case 0xd0:
        return this.skip(1);
      case 0xcd:
      case 0xd1:
        return this.skip(2);
      case 0xce:
      case 0xd2:
        return this.skip(4);
      case 0xcf:
      case 0xd3:
        return this.skip(8);
      case 0xd4: // fixext 1, 2, 4, 8, 16: a type byte, the data
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return this.skip(1 + (1 << (type - 0xd4)));
      case 0xd9: // str 8, 16, 32
      case 0xda:
      case 0xdb:
        return this.text(this.length(1 << (type - 0xd9)));
      case 0xdc: // array 16, 32
      case 0xdd:
        return this.items(this.length(type === 0xdc ? 2 : 4), depth);
      case 0xde: // map 16, 32
      case 0xdf:
        return this.items(this.length(type === 0xde ? 2 : 4) * 2, depth);
      default:
        throw new BodyFormatError(
          `the byte 0x${type.toString(16)} at ${this.position - 1} starts no value`,
        );
    }
  }

  private items(count: number, depth: number): void {
    for (let i = 0; i < count; i++) this.item(depth + 1);
  }

  private text(length: number): void {
    const start = this.position;
    this.skip(length);
    try {
      UTF8.decode(this.bytes.subarray(start, start + length));
    } catch {
      throw new BodyFormatError(`the string at byte ${start} is not valid UTF-8`);
    }
  }

  private length(size: number): number {
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + this.byte();
    return value;
  }

  private byte(): number {
    const byte = this.bytes[this.position++];
    if (byte === undefined) throw new BodyFormatError('the data ends in the middle of a value');
    return byte;
  }

  private skip(length: number): void {
    if (length > this.bytes.length - this.position)
      throw new BodyFormatError('the data ends in the middle of a value');
    this.position += length;
  }
}
