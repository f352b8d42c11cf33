/**
 * `@relationship(from: a, to: b)` (contract section 2): the related records are those of the
 * target whose `b` holds this record's `a` (each of its values, for a list), neither being a key —
 * resolved by `select()` and `.attr`, followed by conditions, on both engines, through an index
 * when `b` has one and by a walk of the target when not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../../../src/frontend/index.js';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';
import { ENGINES, stopEngines } from '../../helpers/engines.js';
import { startServer, type TestServer } from '../helpers/server.js';

const loaded = loadSchema([
  {
    path: 'schema.graphql',
    text: `
      type Customer @table @export {
        id: ID @primaryKey
        email: String @indexed
        name: String
        tags: [String]
        orders: [Order] @relationship(from: email, to: customerEmail)
      }
      type Order @table @export {
        id: ID @primaryKey
        customerEmail: String
        customer: Customer @relationship(from: customerEmail, to: email)
      }
      type Campaign @table @export {
        id: ID @primaryKey
        tags: [String]
        audience: [Customer] @relationship(from: tags, to: tags)
      }`,
  },
]);
if (!loaded.ok) throw new Error('the schema does not load');
const schema: SchemaMeta = loaded.schema;

afterAll(stopEngines);

describe.each(ENGINES)('joins on $name', (engine) => {
  let server: TestServer;
  const json = async (where: string): Promise<unknown> => {
    const response = await server.fetch(where);
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    return body;
  };
  const put = async (where: string, body: Record<string, unknown>): Promise<void> => {
    expect((await server.send('PUT', where, body)).status).toBe(204);
  };

  beforeAll(async () => {
    server = await startServer(schema, await engine.env());
    await put('/Customer/c1', { email: 'ann@example.com', name: 'Ann', tags: ['vip', 'eu'] });
    await put('/Customer/c2', { email: 'bo@example.com', name: 'Bo', tags: ['eu'] });
    await put('/Customer/c3', { email: 'cy@example.com', name: 'Cy', tags: ['us'] });
    await put('/Order/o2', { customerEmail: 'ann@example.com' });
    await put('/Order/o1', { customerEmail: 'ann@example.com' });
    await put('/Order/o3', { customerEmail: 'bo@example.com' });
    await put('/Order/o4', { customerEmail: 'nobody@example.com' });
    await put('/Campaign/k1', { tags: ['vip', 'eu'] });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('resolves a single join through the target’s index, and nothing when none matches', async () => {
    expect(await json('/Order/o1?select(id,customer{name})')).toEqual({
      id: 'o1',
      customer: { name: 'Ann' },
    });
    expect(await json('/Order/o1.customer')).toMatchObject({ id: 'c1', name: 'Ann' });
    expect(await json('/Order/o4?select(id,customer{name})')).toEqual({ id: 'o4' });
    expect(await json('/Order/o4.customer')).toBeNull();
  });

  it('resolves a list join in key order, by a walk when the target attribute has no index', async () => {
    expect(await json('/Customer/c1?select(id,orders{id})')).toEqual({
      id: 'c1',
      orders: [{ id: 'o1' }, { id: 'o2' }],
    });
    expect(await json('/Customer/c3?select(id,orders{id})')).toEqual({ id: 'c3', orders: [] });
    // Each of the campaign's tags, against each customer's list of tags; every customer once.
    expect(await json('/Campaign/k1?select(id,audience{id})')).toEqual({
      id: 'k1',
      audience: [{ id: 'c1' }, { id: 'c2' }],
    });
  });

  it('follows a join in conditions', async () => {
    expect(await json('/Order/?customer.name=Ann&select(id)&sort(id)')).toEqual(['o1', 'o2']);
    expect(await json('/Customer/?orders.id=o3&select(id)')).toEqual(['c2']);
    expect(await json('/Campaign/?audience.name=Cy&select(id)')).toEqual([]);
  });

  it('describes the join in GET /T', async () => {
    const described = (await json('/Order')) as {
      attributes: { name: string; relationship?: unknown }[];
    };
    expect(described.attributes.find((a) => a.name === 'customer')?.relationship).toEqual({
      kind: 'join',
      target: 'Customer',
      from: 'customerEmail',
      to: 'email',
    });
  });
});
