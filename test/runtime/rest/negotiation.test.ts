/**
 * Contract section 6 over real HTTP: formats (Accept q-values, URL suffixes, 406), request body
 * formats, dates and big integers, ETags with If-None-Match / If-Match, and Server-Timing.
 */
import { decode as decodeCbor, encode as encodeCbor } from 'cbor-x';
import { pack, unpack, unpackMultiple } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combinedSchema } from '../fixtures/schemas.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('content negotiation and headers (contract section 6)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(combinedSchema);
    await server.send('PUT', '/Product/p1', {
      name: 'Pen, blue',
      price: 2.5,
      inStock: true,
      tags: ['a', 'b'],
    });
    await server.send('PUT', '/Product/p2', { name: 'Ink', price: 4 });
    await server.send('PUT', '/authors/1', {
      name: 'Ada',
      joined: '2024-08-15T14:00:00Z',
      followers: '123456789012345678901234567890',
      address: { city: 'London' },
    });
  });
  afterAll(async () => {
    await server.dispose();
  });

  const get = (path: string, accept?: string) =>
    server.fetch(path, accept === undefined ? {} : { headers: { Accept: accept } });
  const bytes = async (response: Response) => Buffer.from(await response.arrayBuffer());

  describe('answer formats', () => {
    it('answers JSON by default and for */*', async () => {
      for (const accept of [undefined, '*/*', 'application/json']) {
        const response = await get('/Product/p1', accept);
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(await response.json()).toMatchObject({ id: 'p1', name: 'Pen, blue' });
      }
    });

    it('answers CBOR, MessagePack and CSV when asked', async () => {
      const cbor = await get('/Product/p1', 'application/cbor');
      expect(cbor.headers.get('content-type')).toBe('application/cbor');
      expect(decodeCbor(await bytes(cbor))).toMatchObject({
        id: 'p1',
        price: 2.5,
        tags: ['a', 'b'],
      });

      const msgpack = await get('/Product/p1', 'application/x-msgpack');
      expect(msgpack.headers.get('content-type')).toBe('application/x-msgpack');
      expect(unpack(await bytes(msgpack))).toMatchObject({ id: 'p1', price: 2.5 });

      const csv = await get('/Product/p1', 'text/csv');
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(await csv.text()).toBe(
        '"id","name","description","price","categoryId","inStock","stockQuantity","imageUrl","createdAt","tags"\r\n' +
          'p1,"Pen, blue",,2.5,,true,,,,"[""a"",""b""]"\r\n',
      );
    });

    it('lists a collection in every format', async () => {
      const ids = (records: unknown) => (records as { id: string }[]).map((record) => record.id);
      expect(ids(await (await get('/Product/')).json())).toEqual(['p1', 'p2']);
      expect(ids(decodeCbor(await bytes(await get('/Product/', 'application/cbor'))))).toEqual([
        'p1',
        'p2',
      ]);
      expect(
        ids(unpackMultiple(await bytes(await get('/Product/', 'application/x-msgpack')))),
      ).toEqual(['p1', 'p2']);
      const csv = (await (await get('/Product/', 'text/csv')).text()).split('\r\n');
      expect(csv[0]).toBe(
        '"id","name","description","price","categoryId","inStock","stockQuantity","imageUrl","createdAt","tags"',
      );
      expect(csv.slice(1)).toEqual([
        'p1,"Pen, blue",,2.5,,true,,,,"[""a"",""b""]"',
        'p2,Ink,,4,,,,,,',
        '',
      ]);
    });

    it('follows q-values, ties going to JSON, CBOR, MessagePack, CSV', async () => {
      const type = async (accept: string) =>
        (await get('/Product/p1', accept)).headers.get('content-type');
      expect(await type('application/json;q=0.5, text/csv;q=0.9')).toBe('text/csv; charset=utf-8');
      expect(await type('text/csv, application/x-msgpack, application/cbor')).toBe(
        'application/cbor',
      );
      expect(await type('text/csv;q=0.8, application/x-msgpack;q=0.8')).toBe(
        'application/x-msgpack',
      );
      expect(await type('text/html, */*;q=0.1')).toBe('application/json; charset=utf-8');
    });

    it('lets a URL suffix override Accept', async () => {
      const csv = await get('/Product/p1.csv', 'application/json');
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const cbor = await get('/Product/p1.cbor');
      expect(decodeCbor(await bytes(cbor))).toMatchObject({ id: 'p1' });
      expect(unpack(await bytes(await get('/Product/p1.msgpack')))).toMatchObject({ id: 'p1' });
      expect(await (await get('/Product/p1.json', 'text/csv')).json()).toMatchObject({ id: 'p1' });
      expect((await get('/Product/.csv')).headers.get('content-type')).toBe(
        'text/csv; charset=utf-8',
      );
      expect(await (await get('/Product/p1.price.csv')).text()).toBe('2.5\r\n');
    });

    it('answers 406 when Accept names nothing it can send, with a JSON error', async () => {
      const response = await get('/Product/p1', 'text/html, application/xml');
      expect(response.status).toBe(406);
      expect(await response.json()).toMatchObject({ code: 'NOT_ACCEPTABLE' });
      expect((await get('/Product/', 'image/png')).status).toBe(406);
    });

    it('writes errors as JSON whatever was negotiated', async () => {
      const response = await server.fetch('/Product/', {
        method: 'POST',
        headers: { Accept: 'text/csv', 'Content-Type': 'application/json' },
        body: '{"price": "cheap"}',
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('writes dates as ISO strings and big integers as bare literals in JSON, dates as ISO in CSV', async () => {
      const text = await (await get('/authors/1')).text();
      expect(text).toContain('"joined":"2024-08-15T14:00:00.000Z"');
      expect(text).toContain('"followers":123456789012345678901234567890');
      const csv = await (await get('/authors/1.csv')).text();
      expect(csv).toContain(',2024-08-15T14:00:00.000Z,');
      expect(csv).toContain(',123456789012345678901234567890,');
      expect(decodeCbor(await bytes(await get('/authors/1.cbor')))).toMatchObject({
        joined: new Date('2024-08-15T14:00:00Z'),
      });
    });
  });

  describe('request bodies', () => {
    it('takes JSON without a Content-Type when the body starts with { or [', async () => {
      // A Buffer body, unlike a string, makes fetch send no Content-Type.
      const response = await server.fetch('/Product/raw', {
        method: 'PUT',
        body: Buffer.from('  {"name":"Raw"}'),
      });
      expect(response.status).toBe(204);
      expect(await (await get('/Product/raw')).json()).toMatchObject({ name: 'Raw' });
    });

    it('takes CBOR and MessagePack bodies', async () => {
      const cbor = await server.fetch('/Product/cbor', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/cbor' },
        body: encodeCbor({ name: 'From CBOR', price: 3 }),
      });
      expect(cbor.status).toBe(204);
      const msgpack = await server.fetch('/Product/', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-msgpack' },
        body: pack({ id: 'mp', name: 'From MessagePack', stockQuantity: 5 }),
      });
      expect(msgpack.status).toBe(201);
      expect(await (await get('/Product/cbor')).json()).toMatchObject({
        name: 'From CBOR',
        price: 3,
      });
      expect(await (await get('/Product/mp')).json()).toMatchObject({ stockQuantity: 5 });
    });

    it('answers 400 for malformed bodies and 415 for unsupported types', async () => {
      const malformed = [
        ['application/json', '{"name": '],
        ['application/cbor', Buffer.from([0xa1, 0x61])],
        ['application/x-msgpack', Buffer.from([0x81, 0xa1])],
      ] as const;
      for (const [type, body] of malformed) {
        const response = await server.fetch('/Product/bad', {
          method: 'PUT',
          headers: { 'Content-Type': type },
          body,
        });
        expect(response.status, type).toBe(400);
        expect(await response.json()).toMatchObject({ code: 'MALFORMED_BODY' });
      }
      const unsupported = await server.fetch('/Product/bad', {
        method: 'PUT',
        headers: { 'Content-Type': 'text/plain' },
        body: 'name=x',
      });
      expect(unsupported.status).toBe(415);
      expect(await unsupported.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
      const untyped = await server.fetch('/Product/bad', {
        method: 'PUT',
        body: Buffer.from('name=x'),
      });
      expect(untyped.status).toBe(415);
      expect((await get('/Product/bad')).status).toBe(404);
    });
  });

  describe('ETags', () => {
    it('gives a single record a strong ETag that changes with each write', async () => {
      await server.send('PUT', '/Product/tagged', { name: 'v1' });
      const first = (await get('/Product/tagged')).headers.get('etag');
      expect(first).toMatch(/^"[0-9.]+"$/);
      await server.send('PATCH', '/Product/tagged', { name: 'v2' });
      const second = (await get('/Product/tagged')).headers.get('etag');
      expect(second).not.toBe(first);
    });

    it('answers 304 to If-None-Match with the tag, its weak form, or *', async () => {
      await server.send('PUT', '/Product/cached', { name: 'c' });
      const etag = (await get('/Product/cached')).headers.get('etag') ?? '';
      for (const ifNoneMatch of [etag, `W/${etag}`, '*', `"other", ${etag}`]) {
        const response = await server.fetch('/Product/cached', {
          headers: { 'If-None-Match': ifNoneMatch },
        });
        expect(response.status, ifNoneMatch).toBe(304);
        expect(response.headers.get('etag')).toBe(etag);
        expect(await response.text()).toBe('');
      }
      const stale = await server.fetch('/Product/cached', { headers: { 'If-None-Match': '"1"' } });
      expect(stale.status).toBe(200);
    });

    it('refuses a PUT, PATCH or DELETE with a stale If-Match (412), writing nothing', async () => {
      await server.send('PUT', '/Product/locked', { name: 'original' });
      const etag = (await get('/Product/locked')).headers.get('etag') ?? '';
      for (const [method, body] of [
        ['PUT', { name: 'lost' }],
        ['PATCH', { name: 'lost' }],
        ['DELETE', undefined],
      ] as const) {
        const response = await server.send(method, '/Product/locked', body, {
          'If-Match': '"12345"',
        });
        expect(response.status, method).toBe(412);
        expect(await response.json()).toMatchObject({ code: 'PRECONDITION_FAILED' });
      }
      expect(await (await get('/Product/locked')).json()).toMatchObject({ name: 'original' });
      expect(
        (await server.send('PATCH', '/Product/locked', { name: 'won' }, { 'If-Match': etag }))
          .status,
      ).toBe(204);
      expect(await (await get('/Product/locked')).json()).toMatchObject({ name: 'won' });
      expect(
        (await server.send('PUT', '/Product/never', { name: 'x' }, { 'If-Match': '*' })).status,
      ).toBe(412);
      expect(
        (await server.send('PUT', '/Product/locked', { name: 'any' }, { 'If-Match': '*' })).status,
      ).toBe(204);
    });
  });

  it('sends Server-Timing on every answer', async () => {
    const answers = await Promise.all([
      get('/Product/p1'),
      get('/Product/'),
      get('/Product'),
      get('/Product/missing'),
      get('/nowhere'),
      server.send('PUT', '/Product/timed', { name: 't' }),
      server.send('POST', '/Product/', { name: 7 }),
      server.fetch('/Product/p1', { method: 'OPTIONS' }),
      get('/health'),
    ]);
    for (const response of answers) {
      expect(response.headers.get('server-timing'), response.url).toMatch(/^db;dur=\d+\.\d{3}$/);
    }
  });
});
