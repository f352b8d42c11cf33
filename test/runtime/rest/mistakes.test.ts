/**
 * Contract sections 7 and 9: every class of client mistake gets a 4xx with a JSON error body
 * `{"error", "code", …}` (never a 5xx), and nothing is written.
 */
import { connect } from 'node:net';
import { encode as encodeCbor } from 'cbor-x';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combinedSchema } from '../fixtures/schemas.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertProperty } from '../../helpers/seed.js';

/** Sends raw bytes over a socket and resolves with the status line's code (or 'closed'). */
function rawRequest(port: number, data: string | Buffer): Promise<number | 'closed'> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.on('close', () => resolve('closed'));
    socket.on('error', reject);
  });
}

describe('client mistakes (contract sections 7 and 9)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(combinedSchema, { MAX_BODY_BYTES: '4096', MAX_URL_LENGTH: '2048' });
    await server.send('PUT', '/Product/p1', { name: 'Pen' });
  });
  afterAll(async () => {
    await server.dispose();
  });

  /** Asserts a 4xx JSON error with this status and code. */
  async function expectError(
    response: Response,
    status: number,
    code: string,
  ): Promise<Record<string, unknown>> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.code).toBe(code);
    expect(typeof body.error).toBe('string');
    expect(String(body.error).length).toBeGreaterThan(10);
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at /);
    return body;
  }

  const put = (path: string, body: string | Uint8Array, type = 'application/json') =>
    server.fetch(path, { method: 'PUT', headers: { 'Content-Type': type }, body });

  it('malformed percent-encoding in the path or the query', async () => {
    await expectError(await server.fetch('/Product/%E0%A4%A'), 400, 'BAD_URL');
    await expectError(await server.fetch('/Product/?name=%ZZ'), 400, 'QUERY_SYNTAX');
  });

  it('queries that cannot be answered', async () => {
    const unknown = await expectError(
      await server.fetch('/Product/?colour=red'),
      400,
      'QUERY_UNKNOWN_ATTRIBUTE',
    );
    expect(unknown.attributes).toContain('price');
    await expectError(
      await server.fetch('/Product/?stockQuantity=many'),
      400,
      'QUERY_INVALID_VALUE',
    );
    await expectError(await server.fetch('/Product/?inStock=yes'), 400, 'QUERY_INVALID_VALUE');
    await expectError(await server.fetch('/Product/p1?price=lt=3'), 400, 'QUERY_UNSUPPORTED');
    await expectError(
      await server.fetch('/Product/p1.name?select(name)'),
      400,
      'QUERY_UNSUPPORTED',
    );
    await expectError(await server.fetch('/Product?x=1'), 400, 'QUERY_UNSUPPORTED');
  });

  it('bodies that are not records', async () => {
    for (const body of ['3', '"text"', 'null', 'true']) {
      await expectError(await put('/Product/x', body), 400, 'BODY_NOT_RECORD');
    }
    await expectError(await put('/Product/x', '[{"name":"a"}]'), 400, 'BODY_NOT_RECORD');
    await expectError(await server.send('POST', '/Product/', 42), 400, 'BODY_NOT_RECORD');
    const list = await expectError(
      await server.send('POST', '/Product/', [{ name: 'ok' }, 5]),
      400,
      'VALIDATION_FAILED',
    );
    expect(list.problems).toEqual([
      { path: '[1]', message: 'must be a record (an object), got number 5' },
    ]);
  });

  it('empty bodies on writes', async () => {
    await expectError(await put('/Product/x', ''), 400, 'BODY_REQUIRED');
    await expectError(await server.fetch('/Product/', { method: 'POST' }), 400, 'BODY_REQUIRED');
    await expectError(await server.fetch('/Product/x', { method: 'PATCH' }), 400, 'BODY_REQUIRED');
  });

  it('records that break the schema, reported all at once', async () => {
    const body = await expectError(
      await server.send('PUT', '/authors/3', {
        name: 5,
        address: { geo: { lat: 1 } },
        tags: [1],
        nickname: 'x',
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect((body.problems as { path: string }[]).map((problem) => problem.path)).toEqual([
      'name',
      'address.geo.lng',
      'address.city',
      'tags[0]',
      'nickname',
    ]);
    expect((await server.fetch('/authors/3')).status).toBe(404);
  });

  it('values that only CBOR or MessagePack can carry', async () => {
    const cbor = encodeCbor({ name: 'x', description: undefined, imageUrl: new Map([[1, 2]]) });
    // A map whose key is not text cannot be a record: refused as it is decoded.
    await expectError(await put('/Product/cbor', cbor, 'application/cbor'), 400, 'MALFORMED_BODY');
    const huge = pack({ name: 'x', stockQuantity: 2n ** 62n });
    await expectError(
      await put('/Product/mp', huge, 'application/x-msgpack'),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await put('/Product/nan', pack({ name: 'x', price: Number.NaN }), 'application/x-msgpack'),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('bodies nested deeply, or naming __proto__', async () => {
    await expectError(
      await put('/Product/deep', `${'{"a":'.repeat(300)}1${'}'.repeat(300)}`),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await put('/Product/deep', `${'['.repeat(1500)}${']'.repeat(1500)}`),
      400,
      'BODY_NOT_RECORD',
    );
    await expectError(
      await put('/Product/deep', `{"description": ${'['.repeat(1500)}${']'.repeat(1500)}}`),
      400,
      'VALIDATION_FAILED',
    );
    await expectError(
      await put('/Product/proto', '{"__proto__": {"admin": true}}'),
      400,
      'VALIDATION_FAILED',
    );
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('keys that do not fit the table', async () => {
    await expectError(await server.send('PUT', '/Counter/seven', { value: 1 }), 400, 'INVALID_KEY');
    await expectError(await server.send('PATCH', '/Counter/1.5', { value: 1 }), 400, 'INVALID_KEY');
    await expectError(
      await server.send('PUT', `/Product/${'k'.repeat(1950)}`, { name: 'x' }),
      400,
      'INVALID_KEY',
    );
    await expectError(
      await server.send('POST', '/Counter/', { id: 'one', value: 1 }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('bodies over the size limit (413), by Content-Length or while streaming', async () => {
    const big = JSON.stringify({ name: 'x', description: 'y'.repeat(5000) });
    await expectError(await put('/Product/big', big), 413, 'PAYLOAD_TOO_LARGE');
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"d":"'));
        for (let i = 0; i < 9; i++) controller.enqueue(new TextEncoder().encode('z'.repeat(1000)));
        controller.close();
      },
    });
    const chunked = await server.fetch('/Product/big', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    await expectError(chunked, 413, 'PAYLOAD_TOO_LARGE');
    expect((await server.fetch('/Product/big')).status).toBe(404);
  });

  it('URLs over the length limit (414)', async () => {
    await expectError(
      await server.fetch(`/Product/?name=${'n'.repeat(3000)}`),
      414,
      'URL_TOO_LONG',
    );
  });

  it('methods a resource does not have (405) and unknown ones', async () => {
    await expectError(
      await server.fetch('/Product/p1', { method: 'POST', body: '{}' }),
      405,
      'METHOD_NOT_ALLOWED',
    );
    await expectError(
      await server.fetch('/Product/p1', { method: 'PROPFIND' }),
      405,
      'METHOD_NOT_ALLOWED',
    );
    await expectError(
      await server.fetch('/health', { method: 'DELETE' }),
      405,
      'METHOD_NOT_ALLOWED',
    );
  });

  it('malformed HTTP and oversized headers are refused by the parser with 4xx', async () => {
    expect(await rawRequest(server.running.port, 'GARBAGE\r\n\r\n')).toBe(400);
    expect(
      await rawRequest(
        server.running.port,
        `GET /Product/p1 HTTP/1.1\r\nX-Big: ${'h'.repeat(40_000)}\r\n\r\n`,
      ),
    ).toBe(431);
    expect(
      await rawRequest(
        server.running.port,
        'GET /Product/p1 HTTP/1.1\r\nContent-Length: abc\r\n\r\n',
      ),
    ).toBe(400);
  });

  it('never answers any body written to any resource with a 5xx', async () => {
    const paths = ['/Product/f1', '/authors/9', '/Counter/3', '/Event/e', '/User/u'];
    await assertProperty(
      'random bodies',
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom('PUT', 'PATCH'),
        fc.jsonValue(),
        async (path, method, body) => {
          const response = await server.send(method, path, body);
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never answers any path or query with a 5xx', async () => {
    await assertProperty(
      'random paths and queries',
      fc.asyncProperty(
        fc.constantFrom('/Product/', '/authors/', '/Counter/', '/Event/', '/'),
        fc.string({ maxLength: 30 }),
        fc.string({ maxLength: 30 }),
        async (base, id, query) => {
          const path = `${base}${encodeURIComponent(id)}${query === '' ? '' : `?${encodeURI(query)}`}`;
          const response = await server.fetch(path);
          await response.arrayBuffer();
          expect(response.status, path).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });
});
