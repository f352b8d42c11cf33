/**
 * `@table(expiration: N)` (contract section 2): a record is gone N seconds after its last write —
 * from GET, queries, counts, relationships and a subscription's initial state — and is removed in
 * the background with a `delete` event; a write refreshes it. The server's clock is the test's own,
 * moved forward instead of waited for.
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
      type Session @table(expiration: 60) @export {
        id: ID @primaryKey
        owner: ID @indexed
        note: String
        person: Person @relationship(from: owner)
      }
      type Person @table @export {
        id: ID @primaryKey
        sessions: [Session] @relationship(to: owner)
      }`,
  },
]);
if (!loaded.ok) throw new Error('the schema does not load');
const schema: SchemaMeta = loaded.schema;

afterAll(stopEngines);

describe.each(ENGINES)('@table(expiration:) on $name', (engine) => {
  let server: TestServer;
  /** The server's clock: the real one until a test sets a moment. */
  let at: number | undefined;
  const json = async (where: string): Promise<unknown> => {
    const response = await server.fetch(where);
    const body: unknown = await response.json();
    return body;
  };
  const keysOf = async (where: string): Promise<unknown> =>
    ((await json(where)) as { id: string }[]).map((record) => record.id).sort();
  /** The version of a record's last write, from its ETag. */
  const versionOf = async (id: string): Promise<number> => {
    const tag = (await server.fetch(`/Session/${id}`)).headers.get('etag');
    expect(tag).toMatch(/^"[\d.]+"$/);
    return Number(tag!.slice(1, -1));
  };
  const put = async (id: string, body: Record<string, unknown>): Promise<void> => {
    expect((await server.send('PUT', `/Session/${id}`, body)).status).toBe(204);
  };

  beforeAll(async () => {
    server = await startServer(schema, await engine.env(), undefined, {
      now: () => at ?? Date.now(),
    });
    expect((await server.send('PUT', '/Person/p1', {})).status).toBe(204);
  });
  afterAll(async () => {
    await server.dispose();
  });

  let written: number;

  it('keeps a record until its time is up, and a write gives it the time again', async () => {
    await put('kept', { owner: 'p1', note: 'kept' });
    await put('old', { owner: 'p1', note: 'old' });
    written = await versionOf('old');
    // `kept` was written before `old`; this write makes it the later of the two.
    expect((await server.send('PATCH', '/Session/kept', { note: 'again' })).status).toBe(204);
    at = written + 59_999;
    expect((await server.fetch('/Session/old')).status).toBe(200);
    at = written + 60_000;
    expect((await server.fetch('/Session/old')).status).toBe(404);
    expect((await server.fetch('/Session/kept')).status).toBe(200);
  });

  it('leaves an expired record out of every read', async () => {
    expect((await server.fetch('/Session/old.note')).status).toBe(404);
    expect(await keysOf('/Session/')).toEqual(['kept']);
    expect(await keysOf('/Session/?owner=p1')).toEqual(['kept']);
    expect(await keysOf('/Session/?note=old')).toEqual([]);
    const counted = await server.fetch('/Session/?owner=p1', {
      headers: { Prefer: 'count=exact' },
    });
    expect(counted.headers.get('content-range')).toBe('items 0-0/1');
    expect(((await json('/Session')) as { recordCount: number }).recordCount).toBe(1);
    expect(await json('/Person/p1?select(id,sessions{id})')).toEqual({
      id: 'p1',
      sessions: [{ id: 'kept' }],
    });
    expect(await json('/Person/?sessions.note=old')).toEqual([]);
    expect(await keysOf('/Person/?sessions.note=again')).toEqual(['p1']);
    const subscriber = await connect(`${server.url.replace('http', 'ws')}/Session/`);
    try {
      const initial = await subscriber.next(1);
      expect(initial.map((event) => [event.id, event.type])).toEqual([['kept', 'put']]);
    } finally {
      subscriber.close();
    }
  });

  it('treats an expired key as free: a PATCH creates the record anew', async () => {
    // Merged into the expired record, the PATCH would have kept its `note`.
    expect((await server.send('PATCH', '/Session/old', { owner: 'p2' })).status).toBe(204);
    expect(await json('/Session/old')).toEqual({ id: 'old', owner: 'p2' });
  });

  it('removes expired records in the background, each with a delete event', async () => {
    await put('brief', { owner: 'p3' });
    const subscriber = await connect(`${server.url.replace('http', 'ws')}/Session/`);
    try {
      expect((await subscriber.next(3)).map((event) => event.id).sort()).toEqual([
        'brief',
        'kept',
        'old',
      ]);
      at = (await versionOf('brief')) + 60_000;
      await put('late', { owner: 'p3' });
      const sweeper = server.running.sweeper;
      expect(sweeper).not.toBeNull();
      expect((await sweeper!.sweep()).get('Session')).toBe(3);
      const events = await subscriber.next(4);
      expect(events.map((event) => [event.id, event.type]).sort()).toEqual([
        ['brief', 'delete'],
        ['kept', 'delete'],
        ['late', 'put'],
        ['old', 'delete'],
      ]);
      expect((await sweeper!.sweep()).get('Session')).toBe(0);
      // Gone from the store itself: the clock going back does not bring them back.
      at = undefined;
      expect(await keysOf('/Session/')).toEqual(['late']);
      expect((await server.fetch('/Person/p1')).status).toBe(200);
    } finally {
      subscriber.close();
    }
  });
});
