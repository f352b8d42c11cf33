/**
 * Compressed answers (contract section 6): gzip and brotli when `Accept-Encoding` asks for them and
 * the answer is long enough, streamed lists included, byte for byte the uncompressed answer once
 * decoded; `Vary: Accept-Encoding`; a compressed representation's own ETag, which `If-None-Match`
 * and `If-Match` understand; never for small answers, 304s or errors.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { shopSchema } from '../fixtures/schemas.js';

interface Raw {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The bytes as sent, still encoded. */
  readonly body: Buffer;
}

function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode!,
          headers: response.headers,
          body: Buffer.concat(chunks),
        }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

function decoded(raw: Raw): string {
  const coding = raw.headers['content-encoding'];
  if (coding === 'gzip') return gunzipSync(raw.body).toString();
  if (coding === 'br') return brotliDecompressSync(raw.body).toString();
  return raw.body.toString();
}

describe('compressed answers', () => {
  let server: TestServer;
  let plainList: Raw;

  beforeAll(async () => {
    server = await startServer(shopSchema);
    const products = Array.from({ length: 400 }, (_, i) => ({
      id: `p${String(i).padStart(3, '0')}`,
      name: `Product number ${i} with a name long enough to repeat`,
      description: 'A description that repeats, as real catalogues do. '.repeat(3),
      price: i % 97,
      inStock: i % 2 === 0,
    }));
    expect((await server.send('POST', '/Product/', products)).status).toBe(201);
    plainList = await get(`${server.url}/Product/`);
  });

  afterAll(async () => {
    await server.dispose();
  });

  it('streams a long list compressed as the client asks, byte for byte the same once decoded', async () => {
    expect(plainList.headers['content-encoding']).toBeUndefined();
    expect(plainList.body.length).toBeGreaterThan(64 * 1024);
    for (const [accept, coding] of [
      ['gzip', 'gzip'],
      ['br', 'br'],
      ['gzip, deflate, br', 'br'],
      ['gzip;q=1, br;q=0.5', 'gzip'],
      ['*', 'br'],
      ['br;q=0, *;q=0.1', 'gzip'],
    ] as const) {
      const raw = await get(`${server.url}/Product/`, { 'Accept-Encoding': accept });
      expect(raw.headers['content-encoding'], accept).toBe(coding);
      expect(raw.headers.vary).toContain('Accept-Encoding');
      expect(raw.body.length).toBeLessThan(plainList.body.length / 4);
      expect(decoded(raw)).toBe(plainList.body.toString());
    }
    for (const accept of ['identity', 'gzip;q=0', 'deflate', '']) {
      const raw = await get(`${server.url}/Product/`, { 'Accept-Encoding': accept });
      expect(raw.headers['content-encoding'], accept).toBeUndefined();
      expect(raw.body.equals(plainList.body)).toBe(true);
    }
  });

  it('compresses a whole answer with a Content-Length of its own and a tag of its own', async () => {
    const path = '/Product/?limit(100)&select(id,name,description)';
    const plain = await get(`${server.url}${path}`);
    const gzipped = await get(`${server.url}${path}`, { 'Accept-Encoding': 'gzip' });
    expect(decoded(gzipped)).toBe(plain.body.toString());
    const record = await get(`${server.url}/Product/p001?select(id,name,description)`, {
      'Accept-Encoding': 'gzip',
    });
    // Small: sent as it is, and it does not depend on Accept-Encoding.
    expect(record.headers['content-encoding']).toBeUndefined();
    expect(record.headers.vary ?? '').not.toContain('Accept-Encoding');

    // A long record: its compressed form has its own ETag, which validates as the record's.
    const long = 'x'.repeat(5000);
    expect((await server.send('PUT', '/Product/big', { description: long })).status).toBe(204);
    const plainBig = await get(`${server.url}/Product/big`);
    const big = await get(`${server.url}/Product/big`, { 'Accept-Encoding': 'gzip' });
    expect(big.headers['content-encoding']).toBe('gzip');
    expect(Number(big.headers['content-length'])).toBe(big.body.length);
    expect(big.headers.etag).toBe(`${plainBig.headers.etag!.slice(0, -1)}+gzip"`);
    expect(decoded(big)).toBe(plainBig.body.toString());
    const head = await get(`${server.url}/Product/big`, { 'Accept-Encoding': 'gzip' }, 'HEAD');
    expect(head.headers['content-length']).toBe(big.headers['content-length']);
    const notModified = await get(`${server.url}/Product/big`, {
      'Accept-Encoding': 'gzip',
      'If-None-Match': big.headers.etag!,
    });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    // A write's precondition may name the compressed tag.
    const write = await get(
      `${server.url}/Product/big`,
      { 'If-Match': big.headers.etag!, 'Content-Type': 'application/json' },
      'PATCH',
      JSON.stringify({ price: 3 }),
    );
    expect(write.status).toBe(204);
  });

  it('never compresses errors', async () => {
    const error = await get(`${server.url}/Product/?nope=1`, { 'Accept-Encoding': 'gzip' });
    expect(error.status).toBe(400);
    expect(error.headers['content-encoding']).toBeUndefined();
  });

  it('is off with COMPRESSION_MIN_BYTES=off', async () => {
    const off = await startServer(shopSchema, { COMPRESSION_MIN_BYTES: 'off' });
    try {
      await off.send('POST', '/Product/', { id: 'a', name: 'y'.repeat(20_000) });
      const raw = await get(`${off.url}/Product/`, { 'Accept-Encoding': 'gzip, br' });
      expect(raw.headers['content-encoding']).toBeUndefined();
      expect(raw.headers.vary ?? '').not.toContain('Accept-Encoding');
    } finally {
      await off.dispose();
    }
  });
});
