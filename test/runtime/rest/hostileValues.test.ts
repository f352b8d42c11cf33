/**
 * Issue 20's property test: hostile values of every scalar type (lone surrogates, -0, NaN and
 * Infinity where a format can carry them, integers beyond 2^53, impossible dates, `__proto__` and
 * `constructor` keys, nested objects and lists), sent as JSON, CBOR and MessagePack. Each write
 * is either stored as sent (read back, by the contract's wire semantics: a number is its value,
 * -0 is 0, a date is its instant) or refused with a 4xx, leaving nothing behind.
 *
 * The seed is printed; `FC_SEED=<seed> npx vitest run test/runtime/rest/hostileValues.test.ts`
 * replays a run.
 */
import { Decoder as CborDecoder, Encoder as CborEncoder } from 'cbor-x';
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../../templates/runtime/verify.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { integritySchema } from '../fixtures/integrity.js';

const SEED = Number(process.env['FC_SEED'] ?? Date.now() % 1_000_000_000);
const RUNS = Number(process.env['FC_RUNS'] ?? 150);

type Format = 'json' | 'cbor' | 'msgpack';
const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json',
  cbor: 'application/cbor',
  msgpack: 'application/x-msgpack',
};
const cborEncoder = new CborEncoder({ useRecords: false });
const cborDecoder = new CborDecoder({ useRecords: false, mapsAsObjects: true });
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'bigint' });

/** A generated value: objects are `Map`s, so that a `__proto__` key is a key like any other. */
type Sent = null | boolean | number | bigint | string | Sent[] | Map<string, Sent>;

// ---- what is sent ----------------------------------------------------------------------------

const hostileStrings = fc.constantFrom(
  '\ud800',
  'a\udc00b',
  '\udbff\udfff',
  'é',
  '=1+2',
  '-3',
  '',
  '0',
  'null',
  '__proto__',
);
const text = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 1, arbitrary: hostileStrings },
);
const hostileNumbers = fc.constantFrom(
  -0,
  Number.NaN,
  Infinity,
  -Infinity,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e21,
  0.5,
  1e-7,
);
const number = fc.oneof(fc.integer(), fc.double(), fc.maxSafeInteger(), hostileNumbers);
const bigint = fc.oneof(
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.constantFrom(2n ** 53n + 1n, -(2n ** 53n) - 1n, 12345678901234567890n, 2n ** 63n, 0n),
);
const isoDate = fc
  .date({
    min: new Date('1970-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString());
const calendarDate = fc
  .tuple(
    fc.integer({ min: 1970, max: 2100 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
  )
  .map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
const dateTime = fc
  .tuple(calendarDate, fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }))
  .map(([day, h, m]) => `${day}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`);
const scalar: fc.Arbitrary<Sent> = fc.oneof(text, number, bigint, fc.boolean(), fc.constant(null));
const key = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'k\ud800') },
);
/** Mostly values of the attribute's own type, sometimes hostile ones, sometimes any scalar. */
const mostly = (own: fc.Arbitrary<Sent>, hostile: fc.Arbitrary<Sent>): fc.Arbitrary<Sent> =>
  fc.oneof(
    { weight: 6, arbitrary: own },
    { weight: 2, arbitrary: hostile },
    { weight: 1, arbitrary: scalar },
  );
const anyValue: fc.Arbitrary<Sent> = fc.letrec<{ value: Sent }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
  ),
})).value;

/** Values for each attribute of `Item`, of its own type and of others. */
const attributes: Record<string, fc.Arbitrary<Sent>> = {
  name: mostly(fc.string({ maxLength: 12 }), text),
  count: mostly(fc.integer(), fc.oneof(hostileNumbers, bigint)),
  long: mostly(fc.maxSafeInteger(), fc.oneof(hostileNumbers, bigint)),
  price: mostly(fc.double(), fc.oneof(hostileNumbers, bigint)),
  big: mostly(fc.oneof(bigint, fc.bigInt().map(String)), number),
  when: mostly(isoDate, fc.oneof(calendarDate, dateTime, fc.integer(), number)),
  extra: anyValue,
  tags: mostly(fc.array(fc.oneof(text, fc.constant(null)), { maxLength: 3 }), anyValue),
};
const record = fc
  .tuple(
    fc.record(attributes, { requiredKeys: [] }),
    fc.array(fc.tuple(key, anyValue), { maxLength: 1 }),
  )
  .map(
    ([declared, undeclared]) =>
      new Map<string, Sent>([
        ...Object.entries(declared).filter(
          (entry): entry is [string, Sent] => entry[1] !== undefined,
        ),
        ...undeclared,
      ]),
  );

// ---- encoding --------------------------------------------------------------------------------

/** JSON text of a sent value: numbers as JavaScript writes them (NaN makes the body invalid). */
function jsonText(value: Sent): string {
  if (value === null) return 'null';
  if (typeof value === 'number')
    return Object.is(value, -0) ? '-0' : Number.isFinite(value) ? String(value) : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  return `{${[...value].map(([name, element]) => `${JSON.stringify(name)}:${jsonText(element)}`).join(',')}}`;
}

function encode(format: Format, value: Sent): Uint8Array | string | undefined {
  try {
    if (format === 'json') return jsonText(value);
    return format === 'cbor' ? cborEncoder.encode(value) : packr.pack(value);
  } catch {
    return undefined; // a value this encoder cannot write (a bigint beyond 64 bits in MessagePack)
  }
}

/**
 * A number as the receiving end of `format` sees it: a JSON literal is its exact value (an integer
 * literal beyond 2^53 is a bigint; NaN has no literal); CBOR and MessagePack are decoded alone.
 */
function onTheWire(format: Format, value: number | bigint): number | bigint | 'invalid' {
  if (format === 'json') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'invalid';
    const literal = jsonText(value);
    if (/^-?\d+$/.test(literal)) {
      const exact = BigInt(literal);
      return exact >= -(2n ** 53n) + 1n && exact <= 2n ** 53n - 1n ? Number(literal) : exact;
    }
    return Number(literal);
  }
  const bytes = format === 'cbor' ? cborEncoder.encode(value) : packr.pack(value);
  return (format === 'cbor' ? cborDecoder.decode(bytes) : unpackr.unpack(bytes)) as number | bigint;
}

// ---- the oracle: what must be stored -----------------------------------------------------------

const REFUSED = Symbol('refused');
/** What a write stores, or REFUSED (`unknown` already holds the symbol's type). */
type Expected = unknown;
const LONE_SURROGATE = /\p{Surrogate}/u;

/** A canonical text of a value, for comparing what was expected with what is read back. */
function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number')
    return `n:${Number.isInteger(value) ? BigInt(value).toString() : String(value)}`;
  if (typeof value === 'bigint') return `n:${value.toString()}`;
  if (typeof value === 'string') return `s:${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `b:${value}`;
  if (value instanceof Date) return `d:${value.getTime()}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = value instanceof Map ? [...value] : Object.entries(value);
  return `{${entries
    .map(([name, element]) => `${JSON.stringify(name)}:${canonical(element)}`)
    .sort()
    .join(',')}}`;
}

function integerOf(format: Format, value: Sent): number | bigint | undefined {
  if (typeof value !== 'number' && typeof value !== 'bigint') return undefined;
  const wire = onTheWire(format, value);
  if (wire === 'invalid') return undefined;
  if (typeof wire === 'bigint') return wire;
  return Number.isInteger(wire) ? wire + 0 : undefined;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The instant of an ISO text that names an existing day and time, or undefined. */
function instantOf(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z)?$/.exec(text);
  if (match === null) return undefined;
  const [y, m, d, h = 0, min = 0, s = 0, ms = 0] = match
    .slice(1)
    .map((part: string | undefined) => Number(part ?? 0));
  if (m! < 1 || m! > 12 || d! < 1 || d! > daysIn(y!, m!) || h > 23 || min > 59 || s > 59)
    return undefined;
  return Date.UTC(y!, m! - 1, d, h, min, s, ms);
}

/** The stored form of an `Any` value, or REFUSED. */
function anyStored(format: Format, value: Sent): Expected {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? REFUSED : value;
  if (typeof value === 'number' || typeof value === 'bigint') {
    const wire = onTheWire(format, value);
    if (wire === 'invalid' || (typeof wire === 'number' && !Number.isFinite(wire))) return REFUSED;
    return wire;
  }
  if (Array.isArray(value)) {
    const elements = value.map((element) => anyStored(format, element));
    return elements.includes(REFUSED) ? REFUSED : elements;
  }
  const object = new Map<string, Expected>();
  for (const [name, element] of value) {
    const stored = anyStored(format, element);
    if (name === '__proto__' || LONE_SURROGATE.test(name) || stored === REFUSED) return REFUSED;
    object.set(name, stored);
  }
  return object;
}

/** What attribute `name` of Item stores for `value` sent in `format`, or REFUSED. */
function stored(format: Format, name: string, value: Sent): Expected {
  if (name === '__proto__' || LONE_SURROGATE.test(name)) return REFUSED;
  if (value === null) return null;
  switch (name) {
    case 'name':
      return typeof value === 'string' && !LONE_SURROGATE.test(value) ? value : REFUSED;
    case 'count': {
      const integer = integerOf(format, value);
      return integer !== undefined && integer >= -(2 ** 31) && integer <= 2 ** 31 - 1
        ? Number(integer)
        : REFUSED;
    }
    case 'long': {
      const integer = integerOf(format, value);
      return integer !== undefined && integer >= -(2 ** 53) && integer <= 2 ** 53
        ? Number(integer)
        : REFUSED;
    }
    case 'price': {
      if (typeof value !== 'number' && typeof value !== 'bigint') return REFUSED;
      const wire = onTheWire(format, value);
      if (wire === 'invalid') return REFUSED;
      const float = Number(wire);
      return Number.isFinite(float) ? float : REFUSED;
    }
    case 'big': {
      if (typeof value === 'string') return /^-?\d+$/.test(value) ? BigInt(value) : REFUSED;
      if (typeof value !== 'number' && typeof value !== 'bigint') return REFUSED;
      const wire = onTheWire(format, value);
      if (typeof wire === 'bigint') return wire;
      return typeof wire === 'number' && Number.isSafeInteger(wire) ? wire : REFUSED;
    }
    case 'when': {
      if (typeof value === 'string') {
        const instant = instantOf(value);
        return instant === undefined ? REFUSED : new Date(instant);
      }
      const integer = integerOf(format, value);
      if (integer === undefined || typeof integer === 'bigint' || Math.abs(integer) > 8.64e15)
        return REFUSED;
      return new Date(integer);
    }
    case 'tags':
      if (!Array.isArray(value)) return REFUSED;
      return value.every(
        (element) =>
          element === null || (typeof element === 'string' && !LONE_SURROGATE.test(element)),
      )
        ? value
        : REFUSED;
    default:
      // `extra` and the undeclared attributes of this open table.
      return anyStored(format, value);
  }
}

// ---- the test ----------------------------------------------------------------------------------

describe(`hostile values through every body format (FC_SEED=${SEED})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(integritySchema);
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('are stored as sent, or refused with a 4xx and nothing written', async () => {
    let serial = 0;
    const property = fc.asyncProperty(
      fc.constantFrom<Format>('json', 'cbor', 'msgpack'),
      record,
      async (format, sent) => {
        const body = encode(format, sent);
        fc.pre(body !== undefined);
        const id = `h${++serial}`;
        const expected = new Map<string, Expected>();
        let refused = false;
        for (const [name, value] of sent) {
          const value_ = stored(format, name, value);
          if (value_ === REFUSED) refused = true;
          else expected.set(name, value_);
        }
        const response = await server.fetch(`/Item/${id}`, {
          method: 'PUT',
          headers: { 'Content-Type': CONTENT_TYPES[format] },
          body: body,
        });
        const answer = await response.text();
        const read = await server.fetch(`/Item/${id}`, { headers: { Accept: 'application/cbor' } });
        if (refused) {
          expect(response.status, answer).toBeGreaterThanOrEqual(400);
          expect(response.status, answer).toBeLessThan(500);
          expect(read.status).toBe(404);
          await read.arrayBuffer();
          return;
        }
        expect(response.status, answer).toBe(204);
        const back = cborDecoder.decode(Buffer.from(await read.arrayBuffer())) as Record<
          string,
          unknown
        >;
        expected.set('id', id);
        expect(canonical(back)).toBe(canonical(expected));
      },
    );
    try {
      await fc.assert(property, { seed: SEED, numRuns: RUNS });
    } catch (error) {
      console.error(`hostile values failed; replay with FC_SEED=${SEED}`);
      throw error;
    }
    // What was stored left every index in step with its table, also once it is all deleted.
    expect((await verifyStore(integritySchema, server.dataDir)).problems).toEqual([]);
    expect((await server.fetch('/Item/', { method: 'DELETE' })).status).toBe(200);
    expect((await verifyStore(integritySchema, server.dataDir)).problems).toEqual([]);
  });
});
