/**
 * BigInt values are capped at MAX_BIGINT_DIGITS digits (issue 20, contract section 9): converting,
 * encoding and decoding big integers is super-linear, so a 400,000-digit value took seconds per
 * CBOR read. Larger values are refused with 400 in every body format, typed or in an `Any`
 * attribute, before anything is stored; a CBOR bignum far beyond the cap is refused while decoding.
 */
import { decode as decodeCbor, encode as encodeCbor } from 'cbor-x';
import { Packr, unpack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BIGINT_DIGITS } from '../../../templates/runtime/store/limits.js';
import { kitchenSinkSchema } from '../fixtures/schemas.js';
import { startServer, type TestServer } from '../helpers/server.js';

const packr = new Packr({ useRecords: false, useBigIntExtension: true });
const largest = BigInt('9'.repeat(MAX_BIGINT_DIGITS));
const tooLarge = 10n ** BigInt(MAX_BIGINT_DIGITS);

type Format = 'json' | 'cbor' | 'msgpack';
const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json',
  cbor: 'application/cbor',
  msgpack: 'application/x-msgpack',
};

function body(format: Format, record: Record<string, unknown>): Buffer | string {
  switch (format) {
    case 'json':
      return JSON.stringify(record, (_, value: unknown) =>
        typeof value === 'bigint' ? value.toString() : value,
      );
    case 'cbor':
      return encodeCbor(record);
    case 'msgpack':
      return packr.pack(record);
  }
}

describe('BigInt size cap', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kitchenSinkSchema);
  });
  afterAll(() => server.dispose());

  const put = (id: number, format: Format, record: Record<string, unknown>) =>
    server.fetch(`/authors/${id}`, {
      method: 'PUT',
      headers: { 'Content-Type': CONTENT_TYPES[format] },
      body: body(format, { id, name: 'N', ...record }),
    });

  it.each(['json', 'cbor', 'msgpack'] as const)(
    'stores %s BigInts of up to the cap and gives them back',
    async (format) => {
      const id = { json: 1, cbor: 2, msgpack: 3 }[format];
      expect((await put(id, format, { followers: largest })).status).toBe(204);
      expect((await put(id + 10, format, { followers: -largest })).status).toBe(204);
      const cbor = await server.fetch(`/authors/${id}`, {
        headers: { Accept: 'application/cbor' },
      });
      expect(
        (decodeCbor(Buffer.from(await cbor.arrayBuffer())) as { followers: bigint }).followers,
      ).toBe(largest);
      const json = (await (await server.fetch(`/authors/${id + 10}`)).text()).match(
        /"followers":(-?\d+)/,
      );
      expect(json?.[1]).toBe((-largest).toString());
      const msgpack = await server.fetch(`/authors/${id}`, {
        headers: { Accept: 'application/x-msgpack' },
      });
      expect(
        String(
          (unpack(Buffer.from(await msgpack.arrayBuffer())) as { followers: unknown }).followers,
        ),
      ).toBe(largest.toString());
    },
  );

  it.each(['json', 'cbor', 'msgpack'] as const)(
    'refuses a %s BigInt over the cap, typed or not, and stores nothing',
    async (format) => {
      const base = { json: 100, cbor: 110, msgpack: 120 }[format];
      const records: Record<string, unknown>[] = [
        { followers: tooLarge },
        { followers: -tooLarge },
      ];
      // JSON has no big integers of its own: in an `Any` attribute it is a string of digits.
      if (format !== 'json') records.push({ settings: { nested: [tooLarge] } });
      for (const [offset, record] of records.entries()) {
        const id = base + offset;
        const response = await put(id, format, record);
        expect(response.status).toBe(400);
        const error = (await response.json()) as { code: string; error: string };
        expect(['VALIDATION_FAILED', 'MALFORMED_BODY']).toContain(error.code);
        expect(JSON.stringify(error)).toContain(`${MAX_BIGINT_DIGITS} digits`);
        expect((await server.fetch(`/authors/${id}`)).status).toBe(404);
      }
    },
  );

  it('refuses a CBOR bignum of megabytes while decoding it', async () => {
    // Tag 2 with a 4 MB byte string: cbor-x's own decoding shifts once per byte (quadratic).
    const bytes = Buffer.alloc(4 * 1024 * 1024, 0xab);
    const head = Buffer.from([
      0xc2,
      0x5a,
      ...[24, 16, 8, 0].map((shift) => (bytes.length >>> shift) & 0xff),
    ]);
    const record = encodeCbor({ id: 200, name: 'N', followers: 0 });
    // Replace the encoded 0 (the last byte) with the bignum.
    const payload = Buffer.concat([record.subarray(0, record.length - 1), head, bytes]);
    const response = await server.fetch('/authors/200', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/cbor' },
      body: payload,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'MALFORMED_BODY' });
    expect((await server.fetch('/authors/200')).status).toBe(404);
  });

  it('refuses a JSON integer literal beyond the cap while parsing, before converting its digits', async () => {
    // Converting 4,000,000 digits to a bigint would block the event loop for over a second.
    const literal = (digits: number) => `{"id":40,"name":"N","followers":${'9'.repeat(digits)}}`;
    const refused = await server.fetch('/authors/40', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: literal(4_000_000),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe('MALFORMED_BODY');
    expect((await server.fetch('/authors/40')).status).toBe(404);
    const exact = await server.fetch('/authors/40', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: literal(MAX_BIGINT_DIGITS),
    });
    expect(exact.status).toBe(204);
  });
});
