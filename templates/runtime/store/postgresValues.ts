/**
 * How the PostgreSQL store (`postgres.ts`) writes values into `jsonb` and index columns.
 *
 * Records: `jsonb` holds JSON only, and not all of it (no `\u0000`, no lone surrogate). A stored
 * value is therefore written as JSON in which every value JSON cannot carry exactly is an object
 * tagged `{"$t": kind, "v": …}`: dates (epoch ms), big integers (decimal text), bytes (base64),
 * numbers JSON has no text for (NaN, ±Infinity, -0), `undefined`, strings holding `\u0000` or a
 * lone surrogate (their UTF-16 code units), and objects that hold a `$t` key of their own or a key
 * such a string (their entries, as pairs). Everything else is plain JSON, readable by SQL.
 *
 * Index entries: an index value is the triple `(kind, num, str)`: kind 0 null, 1 boolean, 2
 * number, 3 string; `num` the boolean (0/1) or the number, else 0; `str` the string's UTF-8
 * bytes (`bytea`, which compares byte by byte: UTF-8 byte order, and `\u0000` is allowed), else
 * empty. Ordering the triples orders the values as the store interface does
 * (`indexValues.ts`, `compareIndexValues`).
 */
import type { IndexValue } from './types.js';

const TAG = '$t';

/** Strings PostgreSQL text and jsonb cannot hold as they are. */
const UNSAFE_STRING = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isUnsafe(text: string): boolean {
  return UNSAFE_STRING.test(text);
}

/** The JSON text of `value` for a `jsonb` column. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(toJson(value));
}

/** `value` as plain JSON (see the file comment); `fromJson` turns it back. */
export function toJson(value: unknown): unknown {
  switch (typeof value) {
    case 'undefined':
      return { [TAG]: 'undefined' };
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0))
        return { [TAG]: 'number', v: Object.is(value, -0) ? '-0' : String(value) };
      return value;
    case 'string':
      return isUnsafe(value) ? { [TAG]: 'string', v: codeUnits(value) } : value;
    case 'bigint':
      return { [TAG]: 'bigint', v: value.toString() };
    case 'object': {
      if (value === null) return null;
      if (value instanceof Date) {
        const time = value.getTime();
        return { [TAG]: 'date', v: Number.isNaN(time) ? null : time };
      }
      if (value instanceof Uint8Array) {
        return {
          [TAG]: 'bytes',
          v: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
        };
      }
      if (Array.isArray(value)) {
        const items: unknown[] = [];
        // Holes read as undefined, as in a copy of the array.
        for (let i = 0; i < value.length; i++) items.push(toJson(value[i]));
        return items;
      }
      const entries = Object.entries(value);
      if (entries.some(([name]) => name === TAG || isUnsafe(name))) {
        return { [TAG]: 'object', v: entries.map(([name, item]) => [toJson(name), toJson(item)]) };
      }
      const plain: Record<string, unknown> = {};
      for (const [name, item] of entries) setOwn(plain, name, toJson(item));
      return plain;
    }
    default:
      // Functions and symbols are never stored (validation refuses them); JSON drops them too.
      return { [TAG]: 'undefined' };
  }
}

/** The value `toJson` wrote. */
export function fromJson(json: unknown): unknown {
  if (json === null || typeof json !== 'object') return json;
  if (Array.isArray(json)) return json.map(fromJson);
  const object = json as Record<string, unknown>;
  const tag = object[TAG];
  if (typeof tag === 'string') {
    const v = object.v;
    switch (tag) {
      case 'undefined':
        return undefined;
      case 'number':
        return Number(v);
      case 'string':
        return fromCodeUnits(v as number[]);
      case 'bigint':
        return BigInt(v as string);
      case 'date':
        return new Date(v === null ? NaN : (v as number));
      case 'bytes':
        return Buffer.from(v as string, 'base64');
      case 'object': {
        const result: Record<string, unknown> = {};
        for (const [name, item] of v as [unknown, unknown][])
          setOwn(result, fromJson(name) as string, fromJson(item));
        return result;
      }
      default:
        throw new Error(`A stored value has an unknown tag ${JSON.stringify(tag)}`);
    }
  }
  const result: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(object)) setOwn(result, name, fromJson(item));
  return result;
}

/** `holder[name] = value` as an own property, `__proto__` included (assigning it sets the prototype). */
function setOwn(holder: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__')
    Object.defineProperty(holder, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else holder[name] = value;
}

function codeUnits(text: string): number[] {
  const units: number[] = [];
  for (let i = 0; i < text.length; i++) units.push(text.charCodeAt(i));
  return units;
}

function fromCodeUnits(units: readonly number[]): string {
  let text = '';
  // In chunks: spreading a long array into one call would overflow the stack.
  for (let i = 0; i < units.length; i += 4096)
    text += String.fromCharCode(...units.slice(i, i + 4096));
  return text;
}

/** An index value as the three index columns. */
export interface IndexColumns {
  readonly kind: number;
  readonly num: number;
  readonly str: Buffer;
}

const EMPTY = Buffer.alloc(0);

export function indexColumns(value: IndexValue): IndexColumns {
  if (value === null) return { kind: 0, num: 0, str: EMPTY };
  if (typeof value === 'boolean') return { kind: 1, num: value ? 1 : 0, str: EMPTY };
  if (typeof value === 'number') return { kind: 2, num: value === 0 ? 0 : value, str: EMPTY };
  return { kind: 3, num: 0, str: Buffer.from(value, 'utf8') };
}

/** The index value the three columns hold (`pg` reads `smallint` and `float8` as numbers). */
export function indexValueFrom(kind: number, num: number, str: Buffer): IndexValue {
  switch (kind) {
    case 0:
      return null;
    case 1:
      return num !== 0;
    case 2:
      return num;
    default:
      return str.toString('utf8');
  }
}
