/**
 * GraphQL `enum` types (contract section 2): an enum attribute holds one of its values as a
 * string; a write of anything else is refused whole (400), in a list element too and in a nested
 * object; the values are queried, sorted, indexed and defaulted as strings; `GET /T` names the
 * enum and its values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../../src/frontend/index.js';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { startServer, type TestServer } from './helpers/server.js';

const loaded = loadSchema([
  {
    path: 'schema.graphql',
    text: `
      enum Status { DRAFT PUBLISHED ARCHIVED }
      enum Size { S M L }
      type Box { size: Size! }
      type Post @table @export {
        id: ID @primaryKey
        status: Status! @indexed @default(value: DRAFT)
        history: [Status!]
        box: Box
      }`,
  },
]);
if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('\n'));
const schema: SchemaMeta = loaded.schema;

describe('enum attributes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(schema);
  });
  afterAll(async () => {
    await server.dispose();
  });
  const body = async (response: Response): Promise<unknown> => response.json();

  it('stores one of the values, and its default when a create leaves it out', async () => {
    expect((await server.send('POST', '/Post/', { id: 'a', status: 'PUBLISHED' })).status).toBe(
      201,
    );
    expect((await server.send('PUT', '/Post/b', { history: ['DRAFT'] })).status).toBe(204);
    expect(await body(await server.fetch('/Post/b'))).toEqual({
      id: 'b',
      status: 'DRAFT',
      history: ['DRAFT'],
    });
  });

  it('refuses any other value, in a list and a nested object too, and writes nothing', async () => {
    const refused = await server.send('PUT', '/Post/c', { status: 'DELETED' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await body(refused))).toContain(
      'must be one of DRAFT, PUBLISHED, ARCHIVED (Status), got the string \\"DELETED\\"',
    );
    expect((await server.send('PUT', '/Post/c', { status: 'draft' })).status).toBe(400);
    expect((await server.send('PUT', '/Post/c', { history: ['DRAFT', 'GONE'] })).status).toBe(400);
    expect((await server.send('PUT', '/Post/c', { box: { size: 'XL' } })).status).toBe(400);
    expect((await server.send('PATCH', '/Post/a', { status: 3 })).status).toBe(400);
    expect((await server.fetch('/Post/c')).status).toBe(404);
    expect(await body(await server.fetch('/Post/a'))).toMatchObject({ status: 'PUBLISHED' });
    expect((await server.send('PUT', '/Post/d', { box: { size: 'M' } })).status).toBe(204);
  });

  it('is queried and sorted as a string, through its index', async () => {
    expect(await body(await server.fetch('/Post/?status=PUBLISHED&select(id)'))).toEqual(['a']);
    expect(await body(await server.fetch('/Post/?status=DRAFT&sort(id)&select(id)'))).toEqual([
      'b',
      'd',
    ]);
  });

  it('is described with its enum and values in GET /Post', async () => {
    const description = (await body(await server.fetch('/Post'))) as {
      attributes: { name: string }[];
    };
    expect(description.attributes.find((attribute) => attribute.name === 'status')).toEqual({
      name: 'status',
      type: 'String',
      nullable: false,
      graphqlType: 'Status!',
      indexed: true,
      default: 'DRAFT',
      enum: { name: 'Status', values: ['DRAFT', 'PUBLISHED', 'ARCHIVED'] },
    });
  });
});
