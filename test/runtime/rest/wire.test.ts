/**
 * Issue 16, "the wire, as Harper answers it", over real HTTP: ETags on shaped-record and attribute
 * answers, format-specific ETags and one combined `Vary` header, PUT/PATCH ETags and
 * `Prefer: return=representation`, MessagePack collections as a sequence of values.
 */
import { request } from 'node:http';
import { decode as decodeCbor } from 'cbor-x';
import { unpackMultiple } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopSchema } from '../fixtures/schemas.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** A GET whose raw header lines are kept (fetch joins repeated headers, hiding a duplicate). */
function rawGet(url: string, headers: Record<string, string>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.rawHeaders));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the wire, as Harper answers it (issue 16)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(shopSchema, { CORS_ORIGINS: 'https://app.example' });
    await server.send('PUT', '/Category/c1', { name: 'Pens' });
    await server.send('PUT', '/Product/p1', { name: 'Pen', price: 2.5, categoryId: 'c1' });
    await server.send('PUT', '/Product/p2', { name: 'Ink', price: 4, categoryId: 'c1' });
  });
  afterAll(async () => {
    await server.dispose();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    server.fetch(path, { headers });

  describe('ETags of shaped records and attributes', () => {
    for (const path of [
      '/Category/c1?select(name,products{name})',
      '/Product/p1.name',
      '/Category/c1.products',
    ]) {
      it(`${path} carries an ETag and answers 304 to If-None-Match`, async () => {
        const first = await get(path);
        expect(first.status).toBe(200);
        const etag = first.headers.get('etag');
        expect(etag).toMatch(/^"[^"]+"$/);
        const again = await get(path, { 'If-None-Match': etag! });
        expect(again.status).toBe(304);
        expect(again.headers.get('etag')).toBe(etag);
        expect(await again.text()).toBe('');
        expect((await get(path, { 'If-None-Match': '"other"' })).status).toBe(200);
      });
    }

    it('a shaped record changes its ETag when a related record changes', async () => {
      const path = '/Category/c1?select(name,products{name})';
      const before = (await get(path)).headers.get('etag')!;
      await server.send('PATCH', '/Product/p2', { name: 'Blue ink' });
      const after = await get(path, { 'If-None-Match': before });
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).not.toBe(before);
      expect(await after.json()).toMatchObject({
        products: [{ name: 'Pen' }, { name: 'Blue ink' }],
      });
    });
  });

  describe('format-specific ETags and Vary', () => {
    it('each format of a record has its own ETag, and one format never revalidates another', async () => {
      const json = await get('/Product/p1');
      const cbor = await get('/Product/p1', { Accept: 'application/cbor' });
      const csv = await get('/Product/p1.csv');
      const tags = [json, cbor, csv].map((response) => response.headers.get('etag'));
      expect(new Set(tags).size).toBe(3);
      expect(tags[1]).toBe(tags[0]!.replace(/"$/, '.cbor"'));
      // A JSON client's tag does not make the CSV answer a 304 (its cached body is JSON).
      expect((await get('/Product/p1.csv', { 'If-None-Match': tags[0]! })).status).toBe(200);
      expect(
        (await get('/Product/p1', { Accept: 'application/cbor', 'If-None-Match': tags[1]! }))
          .status,
      ).toBe(304);
      // Shaped answers: the digest of the bytes differs between formats.
      const shapedJson = await get('/Product/p1?select(name)');
      const shapedCbor = await get('/Product/p1?select(name)', { Accept: 'application/cbor' });
      expect(shapedJson.headers.get('etag')).not.toBe(shapedCbor.headers.get('etag'));
    });

    it('a tag read in any format guards a write (If-Match names the version)', async () => {
      const cborTag = (await get('/Product/p1', { Accept: 'application/cbor' })).headers.get(
        'etag',
      )!;
      const held = await server.send(
        'PATCH',
        '/Product/p1',
        { stockQuantity: 3 },
        { 'If-Match': cborTag },
      );
      expect(held.status).toBe(204);
      const stale = await server.send(
        'PATCH',
        '/Product/p1',
        { stockQuantity: 4 },
        { 'If-Match': cborTag },
      );
      expect(stale.status).toBe(412);
    });

    it('negotiated answers say Vary: Accept, combined with CORS Origin into one header', async () => {
      const raw = await rawGet(`${server.url}/Product/p1`, { Origin: 'https://app.example' });
      const varies = raw.filter((_, i) => i % 2 === 0 && raw[i]!.toLowerCase() === 'vary');
      expect(varies).toHaveLength(1);
      // The answer depends on the credentials too (contract section 12).
      expect(raw[raw.findIndex((name) => name.toLowerCase() === 'vary') + 1]).toBe(
        'Authorization, Accept, Origin',
      );
      for (const path of [
        '/Product/',
        '/Product/p1?select(name)',
        '/Product/p1.name',
        '/Product',
      ]) {
        expect((await get(path)).headers.get('vary')).toBe('Authorization, Accept, Origin');
      }
      // A URL suffix fixes the format: the answer depends on the credentials and Origin only.
      expect((await get('/Product/p1.csv')).headers.get('vary')).toBe('Authorization, Origin');
    });
  });

  describe('PUT and PATCH answers', () => {
    it('PUT and PATCH answer 204 with the new ETag, which a GET then confirms', async () => {
      const put = await server.send('PUT', '/Product/p3', { name: 'Nib', price: 1 });
      expect(put.status).toBe(204);
      const putTag = put.headers.get('etag');
      expect(putTag).toMatch(/^"\d+(\.\d+)?"$/);
      expect((await get('/Product/p3')).headers.get('etag')).toBe(putTag);
      const patch = await server.send('PATCH', '/Product/p3', { price: 2 });
      expect(patch.status).toBe(204);
      const patchTag = patch.headers.get('etag');
      expect(patchTag).not.toBe(putTag);
      expect((await get('/Product/p3', { 'If-None-Match': patchTag! })).status).toBe(304);
    });

    it('Prefer: return=representation answers the stored record: 201 when created, 200 when replaced', async () => {
      const prefer = { Prefer: 'return=representation' };
      const created = await server.send('PUT', '/Product/p4', { name: 'Cap', price: 3 }, prefer);
      expect(created.status).toBe(201);
      expect(created.headers.get('preference-applied')).toBe('return=representation');
      expect(await created.json()).toEqual({ id: 'p4', name: 'Cap', price: 3 });
      const etag = created.headers.get('etag');
      expect((await get('/Product/p4')).headers.get('etag')).toBe(etag);

      const patched = await server.send(
        'PATCH',
        '/Product/p4',
        { inStock: true },
        { Prefer: 'wait=1, return=representation' },
      );
      expect(patched.status).toBe(200);
      expect(await patched.json()).toEqual({ id: 'p4', name: 'Cap', price: 3, inStock: true });
      const stored = await get('/Product/p4');
      expect(patched.headers.get('etag')).toBe(stored.headers.get('etag'));

      const replaced = await server.fetch('/Product/p4', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', Accept: 'application/cbor', ...prefer },
        body: JSON.stringify({ name: 'Lid' }),
      });
      expect(replaced.status).toBe(200);
      expect(replaced.headers.get('content-type')).toBe('application/cbor');
      expect(decodeCbor(Buffer.from(await replaced.arrayBuffer()))).toEqual({
        id: 'p4',
        name: 'Lid',
      });
      expect(replaced.headers.get('etag')).toMatch(/\.cbor"$/);
    });

    it('a write without the preference is never refused for its Accept header', async () => {
      const response = await server.send(
        'PUT',
        '/Product/p5',
        { name: 'Clip' },
        { Accept: 'image/png' },
      );
      expect(response.status).toBe(204);
    });
  });

  it("CBOR collections are one indefinite-length array, Harper's streaming form", async () => {
    const response = await get('/Product/?categoryId=c1&select(id)', {
      Accept: 'application/cbor',
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    // 0x9f opens an array of unknown length, 0xff closes it; the records stand between.
    expect(bytes[0]).toBe(0x9f);
    expect(bytes.at(-1)).toBe(0xff);
    expect(decodeCbor(bytes)).toEqual(['p1', 'p2']);
    const none = await get('/Product/?categoryId=none', { Accept: 'application/cbor' });
    expect([...Buffer.from(await none.arrayBuffer())]).toEqual([0x9f, 0xff]);
  });

  it('MessagePack collections are a sequence of values, one per record', async () => {
    const response = await get('/Product/?categoryId=c1&select(id)', {
      Accept: 'application/x-msgpack',
    });
    expect(unpackMultiple(Buffer.from(await response.arrayBuffer()))).toEqual(['p1', 'p2']);
    const none = await get('/Product/?categoryId=none', { Accept: 'application/x-msgpack' });
    expect(none.status).toBe(200);
    expect((await none.arrayBuffer()).byteLength).toBe(0);
  });
});
