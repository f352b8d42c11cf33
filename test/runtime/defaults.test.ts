/**
 * `@default(value:)` (contract section 2): what a write that creates or replaces a record leaves
 * out takes its default, in stored form; what it sends (null included) is kept; a PATCH of an
 * existing record changes only what it sends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../../src/frontend/index.js';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { startServer, type TestServer } from './helpers/server.js';

const loaded = loadSchema([
  {
    path: 'schema.graphql',
    text: `type Item @table @export {
      id: ID @primaryKey
      name: String! @default(value: "unnamed")
      count: Int @default(value: 0)
      tags: [String] @default(value: ["new"])
      since: Date @default(value: "2024-01-01T00:00:00.000Z")
      note: String
    }`,
  },
]);
if (!loaded.ok) throw new Error('the schema does not load');
const schema: SchemaMeta = loaded.schema;

describe('@default', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(schema);
  });
  afterAll(async () => {
    await server.dispose();
  });
  const get = async (id: string): Promise<Record<string, unknown>> =>
    (await (await server.fetch(`/Item/${id}`)).json()) as Record<string, unknown>;

  it('fills what a POST leaves out, a required attribute included, and keeps what it sends', async () => {
    expect((await server.send('POST', '/Item/', { id: 'a' })).status).toBe(201);
    expect(await get('a')).toEqual({
      id: 'a',
      name: 'unnamed',
      count: 0,
      tags: ['new'],
      since: '2024-01-01T00:00:00.000Z',
    });
    expect(
      (await server.send('POST', '/Item/', { id: 'b', count: null, tags: [], name: 'B' })).status,
    ).toBe(201);
    expect(await get('b')).toMatchObject({ name: 'B', count: null, tags: [] });
    // The Date default is stored as a date: it compares as one.
    const since = await (await server.fetch('/Item/?since=ge=2023-12-31&select(id)')).json();
    expect(since).toContain('a');
  });

  it('fills what a PUT leaves out, and a PATCH only when it creates', async () => {
    expect((await server.send('PUT', '/Item/c', { note: 'x' })).status).toBe(204);
    expect(await get('c')).toMatchObject({ name: 'unnamed', count: 0, note: 'x' });
    expect((await server.send('PATCH', '/Item/c', { count: 5 })).status).toBe(204);
    expect((await server.send('PUT', '/Item/c', { name: 'C' })).status).toBe(204);
    expect(await get('c')).toMatchObject({ name: 'C', count: 0, tags: ['new'] });
    expect((await get('c')).note).toBeUndefined();
    expect((await server.send('PATCH', '/Item/d', { note: 'y' })).status).toBe(204);
    expect(await get('d')).toMatchObject({ name: 'unnamed', count: 0, note: 'y' });
    expect((await server.send('PATCH', '/Item/d', { tags: null })).status).toBe(204);
    expect(await get('d')).toMatchObject({ name: 'unnamed', tags: null });
  });

  it('gives each record its own copy of a list default', async () => {
    await server.send('POST', '/Item/', { id: 'e' });
    await server.send('PATCH', '/Item/e', { tags: ['new', 'changed'] });
    await server.send('POST', '/Item/', { id: 'f' });
    expect((await get('f')).tags).toEqual(['new']);
  });

  it('describes the defaults in GET /Item', async () => {
    const described = (await (await server.fetch('/Item')).json()) as {
      attributes: { name: string; default?: unknown }[];
    };
    expect(described.attributes.find((attribute) => attribute.name === 'count')?.default).toBe(0);
  });
});
