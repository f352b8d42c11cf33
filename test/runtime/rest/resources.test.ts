/**
 * Every row of contract section 4 (resources and methods), over real HTTP against the runtime's
 * server started in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { combinedSchema } from '../fixtures/schemas.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('resources and methods (contract section 4)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(combinedSchema);
  });
  afterAll(async () => {
    await server.dispose();
  });

  const json = async (response: Response): Promise<unknown> =>
    JSON.parse(await response.text()) as unknown;

  describe('GET /T/<id>', () => {
    it('answers 200 with the record', async () => {
      await server.send('PUT', '/Product/p1', { name: 'Pen', price: 1.5, inStock: true });
      const response = await server.fetch('/Product/p1');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await json(response)).toEqual({ id: 'p1', name: 'Pen', price: 1.5, inStock: true });
    });

    it('answers 404 with an empty body when the record is missing', async () => {
      const response = await server.fetch('/Product/missing');
      expect(response.status).toBe(404);
      expect(await response.text()).toBe('');
    });

    it('percent-decodes the id, so %2F puts a slash in it', async () => {
      expect((await server.send('PUT', '/Product/a%2Fb%20c', { name: 'slashed' })).status).toBe(
        204,
      );
      const response = await server.fetch('/Product/a%2Fb%20c');
      expect(await json(response)).toMatchObject({ id: 'a/b c', name: 'slashed' });
      expect((await server.fetch('/Product/a%2Fb%20c.name')).status).toBe(200);
    });

    it('parses the id as a number on a numeric-key table', async () => {
      await server.send('PUT', '/Counter/7', { value: 1 });
      expect(await json(await server.fetch('/Counter/7'))).toMatchObject({ id: 7, value: 1 });
      expect((await server.fetch('/Counter/seven')).status).toBe(404);
    });
  });

  describe('GET /T/<id>.<attr>', () => {
    beforeAll(async () => {
      await server.send('PUT', '/Category/electronics', { name: 'Electronics' });
      await server.send('PUT', '/Product/radio', {
        name: 'Radio',
        categoryId: 'electronics',
        price: 20,
      });
      await server.send('PUT', '/Product/tv', {
        name: 'TV',
        categoryId: 'electronics',
        price: 300,
      });
      await server.send('PUT', '/User/u1', { name: 'Ada' });
      await server.send('PUT', '/User/u2', { name: 'Grace' });
      await server.send('PUT', '/Event/e1', {
        title: 'Review',
        organizerId: 'u1',
        attendeeIds: ['u2', 'u1', 'gone'],
      });
    });

    it('answers one attribute', async () => {
      const response = await server.fetch('/Product/radio.price');
      expect(response.status).toBe(200);
      expect(await json(response)).toBe(20);
      expect(await json(await server.fetch('/Product/radio.description'))).toBeNull();
    });

    it('resolves a many-to-one relationship into the related record', async () => {
      expect(await json(await server.fetch('/Product/radio.category'))).toEqual({
        id: 'electronics',
        name: 'Electronics',
      });
      expect(await json(await server.fetch('/Event/e1.organizer'))).toMatchObject({
        id: 'u1',
        name: 'Ada',
      });
    });

    it('resolves one-to-many and many-to-many relationships into lists of records', async () => {
      const products = (await json(await server.fetch('/Category/electronics.products'))) as {
        id: string;
      }[];
      expect(products.map((product) => product.id).sort()).toEqual(['radio', 'tv']);
      const attendees = (await json(await server.fetch('/Event/e1.attendees'))) as { id: string }[];
      expect(attendees.map((user) => user.id)).toEqual(['u2', 'u1']);
    });

    it('answers 404 for an attribute of a missing record', async () => {
      expect((await server.fetch('/Product/nothing.price')).status).toBe(404);
    });
  });

  describe('GET /T/ and GET /T/?<query>', () => {
    beforeAll(async () => {
      for (const [id, sessionId] of [
        ['c3', 's1'],
        ['c1', 's1'],
        ['c2', 's2'],
      ]) {
        await server.send('PUT', `/CartItem/${id}`, { productId: 'p1', sessionId, quantity: 1 });
      }
    });

    it('answers every record in key order, streamed', async () => {
      const response = await server.fetch('/CartItem/');
      expect(response.status).toBe(200);
      expect(response.headers.get('transfer-encoding')).toBe('chunked');
      const items = (await json(response)) as { id: string }[];
      expect(items.map((item) => item.id)).toEqual(['c1', 'c2', 'c3']);
    });

    it('answers the matching records for a query', async () => {
      const items = (await json(await server.fetch('/CartItem/?sessionId=s1'))) as { id: string }[];
      expect(items.map((item) => item.id)).toEqual(['c1', 'c3']);
      expect(await json(await server.fetch('/CartItem/?sessionId=none'))).toEqual([]);
    });

    it('streams a large collection completely', async () => {
      const bodies = Array.from({ length: 3000 }, (_, i) => ({
        label: `tag-${i}`.padEnd(200, '.'),
      }));
      expect((await server.send('POST', '/Tag/', bodies)).status).toBe(201);
      const tags = (await json(await server.fetch('/Tag/'))) as unknown[];
      expect(tags.length).toBe(3000);
      const csvLines = (await (await server.fetch('/Tag/.csv')).text()).split('\r\n');
      expect(csvLines).toHaveLength(3002);
    });

    it('stays healthy when a client stops reading a large list midway', async () => {
      const response = await server.fetch('/Tag/');
      const reader = response.body?.getReader();
      await reader?.read();
      await reader?.cancel();
      expect((await server.fetch('/health')).status).toBe(200);
      expect(((await json(await server.fetch('/Tag/'))) as unknown[]).length).toBe(3000);
    });
  });

  describe('GET /T', () => {
    it('describes the table: name, attributes with types, indexes and relationships', async () => {
      const response = await server.fetch('/Product');
      expect(response.status).toBe(200);
      const description = (await json(response)) as {
        name: string;
        primaryKey: string;
        recordCount: number;
        attributes: Record<string, unknown>[];
      };
      expect(description.name).toBe('Product');
      expect(description.primaryKey).toBe('id');
      expect(description.recordCount).toBeGreaterThan(0);
      // Harper's fields (type, isPrimaryKey, indexed, relationship.from) beside ours.
      expect(description.attributes).toContainEqual({
        name: 'id',
        type: 'ID',
        isPrimaryKey: true,
        graphqlType: 'ID',
        primaryKey: true,
      });
      expect(description.attributes).toContainEqual({
        name: 'price',
        type: 'Float',
        graphqlType: 'Float',
        indexed: true,
      });
      expect(description.attributes).toContainEqual({
        name: 'category',
        type: 'Category',
        graphqlType: 'Category',
        relationship: { kind: 'many-to-one', target: 'Category', from: 'categoryId' },
      });
      const authors = (await json(await server.fetch('/authors'))) as {
        attributes: Record<string, unknown>[];
      };
      // A list in Harper's array/elements form; a non-null attribute is `nullable: false`.
      expect(authors.attributes).toContainEqual({
        name: 'tags',
        type: 'array',
        elements: { type: 'String', nullable: false },
        graphqlType: '[String!]',
        indexed: true,
      });
      expect(authors.attributes).toContainEqual({
        name: 'name',
        type: 'String',
        nullable: false,
        graphqlType: 'String!',
        indexed: true,
      });
    });
  });

  describe('HEAD', () => {
    it('answers as GET without a body', async () => {
      await server.send('PUT', '/Product/h1', { name: 'Head' });
      const get = await server.fetch('/Product/h1');
      const head = await server.fetch('/Product/h1', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
      expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
      expect(await head.text()).toBe('');
      expect((await server.fetch('/Product/', { method: 'HEAD' })).status).toBe(200);
      expect((await server.fetch('/Product', { method: 'HEAD' })).status).toBe(200);
      expect((await server.fetch('/Product/none', { method: 'HEAD' })).status).toBe(404);
    });
  });

  describe('POST /T/', () => {
    it('creates a record: 201, Location with the bare id, the id as JSON', async () => {
      const response = await server.send('POST', '/CartItem/', {
        productId: 'p',
        sessionId: 's',
        quantity: 2,
      });
      expect(response.status).toBe(201);
      const id = (await json(response)) as string;
      expect(id).toMatch(UUID_V4);
      expect(response.headers.get('location')).toBe(id);
      expect(await json(await server.fetch(`/CartItem/${id}`))).toMatchObject({ id, quantity: 2 });
    });

    it('generates increasing integer keys for a numeric key', async () => {
      const first = (await json(await server.send('POST', '/authors/', { name: 'A' }))) as number;
      const second = (await json(await server.send('POST', '/authors/', { name: 'B' }))) as number;
      expect(Number.isInteger(first)).toBe(true);
      expect(second).toBeGreaterThan(first);
    });

    it('uses a key given in the body, and answers 409 when it already exists', async () => {
      const created = await server.send('POST', '/Category/', { id: 'books', name: 'Books' });
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe('books');
      const duplicate = await server.send('POST', '/Category/', { id: 'books', name: 'Other' });
      expect(duplicate.status).toBe(409);
      expect(await json(duplicate)).toMatchObject({ code: 'RECORD_EXISTS' });
      expect(await json(await server.fetch('/Category/books'))).toMatchObject({ name: 'Books' });
    });

    it('percent-encodes the Location of an id that needs it', async () => {
      const response = await server.send('POST', '/Category/', { id: 'a b/ç', name: 'x' });
      expect(response.headers.get('location')).toBe('a%20b%2F%C3%A7');
    });

    it('creates every element of an array in one transaction: 201 and the ids', async () => {
      const response = await server.send('POST', '/User/', [
        { name: 'x' },
        { id: 'fixed', name: 'y' },
      ]);
      expect(response.status).toBe(201);
      const ids = (await json(response)) as string[];
      expect(ids).toHaveLength(2);
      expect(ids[0]).toMatch(UUID_V4);
      expect(ids[1]).toBe('fixed');
      const failing = await server.send('POST', '/User/', [
        { id: 'not-created', name: 'z' },
        { id: 'fixed' },
      ]);
      expect(failing.status).toBe(409);
      expect((await server.fetch('/User/not-created')).status).toBe(404);
    });
  });

  describe('PUT /T/<id>', () => {
    it('creates or replaces the whole record: 204; the URL key wins; created time kept', async () => {
      const created = await server.send('PUT', '/User/put1', {
        id: 'ignored',
        name: 'First',
        timezone: 'UTC',
      });
      expect(created.status).toBe(204);
      expect(await created.text()).toBe('');
      const first = (await json(await server.fetch('/User/put1'))) as Record<string, unknown>;
      expect(first).toMatchObject({ id: 'put1', name: 'First' });
      expect(typeof first.createdAt).toBe('string');
      expect((await server.send('PUT', '/User/put1', { name: 'Second' })).status).toBe(204);
      const second = (await json(await server.fetch('/User/put1'))) as Record<string, unknown>;
      expect(second).toEqual({ id: 'put1', name: 'Second', createdAt: first.createdAt });
    });
  });

  describe('PATCH /T/<id>', () => {
    it('merges top-level attributes: 204; nested objects replaced; null stores null', async () => {
      await server.send('PUT', '/authors/50', {
        name: 'Ada',
        bio: 'x',
        address: { city: 'Oslo', street: 'Main' },
      });
      const response = await server.send('PATCH', '/authors/50', {
        bio: null,
        address: { city: 'Bergen' },
      });
      expect(response.status).toBe(204);
      const author = (await json(await server.fetch('/authors/50'))) as Record<string, unknown>;
      expect(author).toMatchObject({ id: 50, name: 'Ada', bio: null, address: { city: 'Bergen' } });
      expect(author.address).toEqual({ city: 'Bergen' });
    });

    it('creates a missing record with its key and created time', async () => {
      expect((await server.send('PATCH', '/User/patched', { name: 'New' })).status).toBe(204);
      const user = (await json(await server.fetch('/User/patched'))) as Record<string, unknown>;
      expect(user).toMatchObject({ id: 'patched', name: 'New' });
      expect(typeof user.createdAt).toBe('string');
    });

    it('never loses attributes to concurrent PATCHes', async () => {
      await server.send('PUT', '/User/busy', { name: 'Busy' });
      const patches = Array.from({ length: 25 }, (_, i) =>
        server.send('PATCH', '/User/busy', { [`a${i}`]: i }),
      );
      expect((await Promise.all(patches)).map((response) => response.status)).toEqual(
        Array(25).fill(204),
      );
      const user = (await json(await server.fetch('/User/busy'))) as Record<string, unknown>;
      for (let i = 0; i < 25; i++) expect(user[`a${i}`]).toBe(i);
    });
  });

  describe('DELETE', () => {
    it('DELETE /T/<id> answers 200 true, also when nothing existed', async () => {
      await server.send('PUT', '/Product/gone', { name: 'Gone' });
      const response = await server.fetch('/Product/gone', { method: 'DELETE' });
      expect(response.status).toBe(200);
      expect(await json(response)).toBe(true);
      expect((await server.fetch('/Product/gone')).status).toBe(404);
      const again = await server.fetch('/Product/gone', { method: 'DELETE' });
      expect(again.status).toBe(200);
      expect(await json(again)).toBe(true);
      expect(await json(await server.fetch('/Counter/not-a-number', { method: 'DELETE' }))).toBe(
        true,
      );
    });

    it('DELETE /T/?<query> deletes every match in one transaction: 200 true', async () => {
      await server.send('POST', '/Availability/', [
        { userId: 'del', dayOfWeek: 1 },
        { userId: 'del', dayOfWeek: 2 },
        { userId: 'keep', dayOfWeek: 1 },
      ]);
      const response = await server.fetch('/Availability/?userId=del', { method: 'DELETE' });
      expect(response.status).toBe(200);
      expect(await json(response)).toBe(true);
      const left = (await json(await server.fetch('/Availability/'))) as { userId: string }[];
      expect(left.map((slot) => slot.userId)).toEqual(['keep']);
    });
  });

  describe('methods and paths that do not exist', () => {
    it('POST /T/<id> answers 405 with Allow', async () => {
      const response = await server.send('POST', '/Product/p1', { name: 'x' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, DELETE, OPTIONS');
      expect(await json(response)).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
      const collection = await server.send('PUT', '/Product/', { name: 'x' });
      expect(collection.status).toBe(405);
      expect(collection.headers.get('allow')).toBe('GET, HEAD, POST, DELETE, OPTIONS');
      expect((await server.send('PUT', '/Product/p1.name', 'x')).status).toBe(405);
      expect((await server.send('DELETE', '/Product')).status).toBe(405);
    });

    it('OPTIONS answers 204 with Allow', async () => {
      const record = await server.fetch('/Product/p1', { method: 'OPTIONS' });
      expect(record.status).toBe(204);
      expect(record.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, DELETE, OPTIONS');
      const collection = await server.fetch('/Product/', { method: 'OPTIONS' });
      expect(collection.headers.get('allow')).toBe('GET, HEAD, POST, DELETE, OPTIONS');
      expect(collection.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('answers 404 for unknown paths and for tables without @export', async () => {
      for (const path of [
        '/',
        '/Nope',
        '/Nope/',
        '/Nope/1',
        '/Session/',
        '/Session/t1',
        '/Session',
        '/authorsx/1',
      ]) {
        const response = await server.fetch(path);
        expect(response.status, path).toBe(404);
        expect(await json(response)).toMatchObject({ code: 'NOT_FOUND' });
      }
      expect((await server.send('PUT', '/Session/t1', { data: 1 })).status).toBe(404);
    });
  });
});
