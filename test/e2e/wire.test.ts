/**
 * Issue 16, "the wire, as Harper answers it", against the generated shop server as a separate
 * process: ETags of shaped and attribute answers, format-specific tags and `Vary`, PUT/PATCH tags
 * and `Prefer: return=representation`, quoted CSV headers, MessagePack collections as a sequence of
 * values, Harper's describe fields, and error messages as sentences.
 */
import { unpackMultiple } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeneratedServer, type GeneratedServer } from '../helpers/generatedServer.js';

describe('generated shop server: the wire (issue 16)', () => {
  let server: GeneratedServer;
  const send = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const get = (path: string, headers: Record<string, string> = {}) =>
    send('GET', path, undefined, headers);

  beforeAll(async () => {
    server = await startGeneratedServer('shop', { env: { CORS_ORIGINS: 'https://app.example' } });
    await send('PUT', '/Category/c1', { name: 'Pens' });
    await send('PUT', '/Product/p1', { name: 'Pen', price: 2.5, categoryId: 'c1' });
    await send('PUT', '/Product/p2', { name: 'Ink', price: 4, categoryId: 'c1' });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('tags shaped and attribute answers and answers 304 to If-None-Match', async () => {
    for (const path of ['/Category/c1?select(name,products{name})', '/Product/p1.price']) {
      const first = await get(path);
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"h[\w-]+"$/);
      expect((await get(path, { 'If-None-Match': etag! })).status).toBe(304);
    }
  });

  it('gives each format its own tag and says Vary: Accept, Origin in one header', async () => {
    const json = await get('/Product/p1', { Origin: 'https://app.example' });
    const csv = await get('/Product/p1', { Accept: 'text/csv' });
    expect(json.headers.get('vary')).toBe('Authorization, Accept, Origin');
    expect(csv.headers.get('etag')).toBe(json.headers.get('etag')!.replace(/"$/, '.csv"'));
    expect(
      (await get('/Product/p1', { Accept: 'text/csv', 'If-None-Match': json.headers.get('etag')! }))
        .status,
    ).toBe(200);
  });

  it('answers PUT and PATCH with the new ETag, and the stored record when asked', async () => {
    const put = await send('PUT', '/Product/p3', { name: 'Nib' });
    expect(put.status).toBe(204);
    expect((await get('/Product/p3')).headers.get('etag')).toBe(put.headers.get('etag'));
    const patched = await send(
      'PATCH',
      '/Product/p3',
      { price: 1 },
      { Prefer: 'return=representation' },
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toEqual({ id: 'p3', name: 'Nib', price: 1 });
    expect((await get('/Product/p3')).headers.get('etag')).toBe(patched.headers.get('etag'));
    const created = await send(
      'PUT',
      '/Product/p4',
      { name: 'Cap' },
      { Prefer: 'return=representation' },
    );
    expect(created.status).toBe(201);
  });

  it('quotes CSV header names and streams MessagePack as a sequence of values', async () => {
    const csv = await (await get('/Category/?select(id,name)', { Accept: 'text/csv' })).text();
    expect(csv).toBe('"id","name"\r\nc1,Pens\r\n');
    const packed = await get('/Product/?categoryId=c1&select(id)', {
      Accept: 'application/x-msgpack',
    });
    expect(unpackMultiple(Buffer.from(await packed.arrayBuffer()))).toEqual(['p1', 'p2']);
  });

  it("describes attributes with Harper's fields beside ours", async () => {
    const description = (await (await get('/Product')).json()) as {
      attributes: Record<string, unknown>[];
    };
    expect(description.attributes).toContainEqual(
      expect.objectContaining({ name: 'id', type: 'ID', isPrimaryKey: true, graphqlType: 'ID' }),
    );
    const category = await (await get('/Category')).json();
    expect((category as { attributes: unknown[] }).attributes).toContainEqual(
      expect.objectContaining({
        name: 'products',
        type: 'array',
        elements: { type: 'Product' },
        relationship: expect.objectContaining({ to: 'categoryId' }),
      }),
    );
  });

  it('answers mistakes in sentences', async () => {
    const limit = (await (await get('/Product/?limit(-1)')).json()) as { error: string };
    expect(limit.error).toBe(
      "limit() takes a non-negative integer, such as 10, and '-1' is not one (at character 6 of the query)",
    );
    const long = (await (
      await send('POST', '/Product/', { id: 'k'.repeat(2000), name: 'x' })
    ).json()) as {
      error: string;
    };
    expect(long.error).toBe(
      'Invalid record: id must be at most 1900 bytes long, the longest primary key the store keeps',
    );
  });
});
