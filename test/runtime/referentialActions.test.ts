/**
 * `@relationship(from:, onDelete:)` (contract section 2): deleting a record that others hold
 * through `from:` deletes them too (CASCADE, through every level), takes its key out of them
 * (SET_NULL: null, or out of a list), or is refused with 409 naming one of them (RESTRICT) — all
 * in the delete's one transaction, so a refusal anywhere deletes nothing, and subscribers hear
 * every change of that commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../../src/frontend/index.js';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { ENGINES, stopEngines } from '../helpers/engines.js';
import { connect } from '../helpers/realtimeClient.js';
import { startServer, type TestServer } from './helpers/server.js';

const loaded = loadSchema([
  {
    path: 'schema.graphql',
    text: `
      type Author @table @export { id: ID @primaryKey name: String }
      type Post @table @export {
        id: ID @primaryKey
        authorId: ID @indexed
        author: Author @relationship(from: authorId, onDelete: CASCADE)
        editorId: ID
        editor: Author @relationship(from: editorId, onDelete: SET_NULL)
      }
      type Comment @table @export {
        id: ID @primaryKey
        postId: ID @indexed
        post: Post @relationship(from: postId, onDelete: CASCADE)
      }
      type Review @table @export {
        id: ID @primaryKey
        postId: ID
        post: Post @relationship(from: postId, onDelete: RESTRICT)
      }
      type Tag @table @export {
        id: ID @primaryKey
        authorIds: [ID] @indexed
        authors: [Author] @relationship(from: authorIds, onDelete: SET_NULL)
      }
      type Note @table @export {
        id: ID @primaryKey
        authorId: ID
        author: Author @relationship(from: authorId)
      }`,
  },
]);
if (!loaded.ok) throw new Error('the schema does not load');
const schema: SchemaMeta = loaded.schema;

afterAll(stopEngines);

describe.each(ENGINES)('onDelete on $name', (engine) => {
  let server: TestServer;
  const json = async (where: string): Promise<unknown> => {
    const response = await server.fetch(where);
    const body: unknown = await response.json();
    return body;
  };
  const status = async (where: string): Promise<number> => (await server.fetch(where)).status;
  const put = async (where: string, body: Record<string, unknown>): Promise<void> => {
    expect((await server.send('PUT', where, body)).status).toBe(204);
  };

  beforeAll(async () => {
    server = await startServer(schema, await engine.env());
    for (const id of ['a1', 'a2', 'a3', 'a4']) await put(`/Author/${id}`, { name: id });
    await put('/Post/p1', { authorId: 'a1' });
    await put('/Post/p2', { authorId: 'a2', editorId: 'a1' });
    await put('/Post/p3', { authorId: 'a3' });
    await put('/Comment/c1', { postId: 'p1' });
    await put('/Comment/c2', { postId: 'p2' });
    await put('/Review/r3', { postId: 'p3' });
    await put('/Tag/t1', { authorIds: ['a1', 'a2', 'a1'] });
    await put('/Note/n1', { authorId: 'a1' });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('cascades through every level and releases held keys, in one commit', async () => {
    const subscriber = await connect(`${server.url.replace('http', 'ws')}/Post/`);
    try {
      await subscriber.next(3);
      expect((await server.send('DELETE', '/Author/a1')).status).toBe(200);
      expect(await status('/Author/a1')).toBe(404);
      expect(await status('/Post/p1')).toBe(404);
      expect(await status('/Comment/c1')).toBe(404);
      expect(await json('/Post/p2')).toEqual({ id: 'p2', authorId: 'a2', editorId: null });
      expect(await status('/Comment/c2')).toBe(200);
      expect(await json('/Tag/t1')).toEqual({ id: 't1', authorIds: ['a2'] });
      // Without onDelete, a relationship is left as Harper leaves it: pointing at nothing.
      expect(await json('/Note/n1')).toEqual({ id: 'n1', authorId: 'a1' });
      const events = await subscriber.next(2);
      expect(events.map((event) => [event.id, event.type]).sort()).toEqual([
        ['p1', 'delete'],
        ['p2', 'put'],
      ]);
      expect(events[0]!.version).toBe(events[1]!.version);
    } finally {
      subscriber.close();
    }
  });

  it('refuses a delete that RESTRICT forbids, anywhere down the cascade, deleting nothing', async () => {
    const refused = await server.send('DELETE', '/Author/a3');
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'RECORD_REFERENCED',
      table: 'Review',
      key: 'r3',
      error:
        'Post "p3" is still referenced by Review "r3" (Review.post has onDelete: RESTRICT); delete or change that record first',
    });
    expect(await status('/Author/a3')).toBe(200);
    expect(await status('/Post/p3')).toBe(200);
    expect((await server.send('DELETE', '/Review/r3')).status).toBe(200);
    expect((await server.send('DELETE', '/Author/a3')).status).toBe(200);
    expect(await status('/Post/p3')).toBe(404);
  });

  it('applies the actions to a delete by query too', async () => {
    await put('/Post/p4', { authorId: 'a4' });
    expect((await server.send('DELETE', '/Author/?name=a4')).status).toBe(200);
    expect(await status('/Post/p4')).toBe(404);
  });
});
