/**
 * Messages (contract 8.5): a client's message on a record's WebSocket reaches that record's other
 * subscribers (and the table's) as a `"type": "message"` event, nothing stored; so does
 * `POST /T/<id>?publish` and a hook's `publish`, which waits for its transaction to commit. On
 * PostgreSQL a message reaches the subscribers of another server on the same database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode as encodeCbor } from 'cbor-x';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../../../src/frontend/index.js';
import type { Hooks } from '../../../templates/runtime/hooks.js';
import { runServer, type RunningServer } from '../../../templates/runtime/main.js';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';
import { ENGINES, stopEngines } from '../../helpers/engines.js';
import { connect, type EventClient, type EventMessage } from '../../helpers/realtimeClient.js';

const loaded = loadSchema([
  {
    path: 'schema.graphql',
    text: 'type Room @table @export { id: ID @primaryKey topic: String }',
  },
]);
if (!loaded.ok) throw new Error('the schema does not load');
const schema: SchemaMeta = loaded.schema;

afterAll(stopEngines);

const started: { running: RunningServer; dataDir: string }[] = [];
afterAll(async () => {
  for (const { running, dataDir } of started) {
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function start(
  env: Record<string, string>,
  withHooks?: Hooks<unknown>,
): Promise<RunningServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'messages-'));
  const running = await runServer(schema, {
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env },
    handleSignals: false,
    log: () => {},
    ...(withHooks === undefined ? {} : { hooks: withHooks }),
  });
  started.push({ running, dataDir });
  return running;
}

const socketOf = (running: RunningServer, where: string): Promise<EventClient> =>
  connect(`${running.url.replace('http', 'ws')}${where}`);

/** The message events among `events`, as `[id, value]`. */
const messagesIn = (events: readonly EventMessage[]): [unknown, unknown][] =>
  events.filter((event) => event.type === 'message').map((event) => [event.id, event.value]);

describe.each(ENGINES)('messages on $name', (engine) => {
  it('publishes a socket’s message to the record’s other subscribers, storing nothing', async () => {
    const server = await start(await engine.env());
    const sender = await socketOf(server, '/Room/r1');
    const peer = await socketOf(server, '/Room/r1');
    const table = await socketOf(server, '/Room/');
    const other = await socketOf(server, '/Room/r2');
    try {
      sender.socket.send(JSON.stringify({ text: 'hello' }));
      const [heard] = await peer.next(1);
      expect(heard).toMatchObject({ id: 'r1', type: 'message', value: { text: 'hello' } });
      expect(typeof heard!.localTime).toBe('number');
      expect(messagesIn(await table.next(1))).toEqual([['r1', { text: 'hello' }]]);
      // Over HTTP too; the sender's next event is this one: it never heard its own message.
      const published = await fetch(`${server.url}/Room/r1?publish`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify('by http'),
      });
      expect(published.status).toBe(204);
      expect(messagesIn(await sender.next(1))).toEqual([['r1', 'by http']]);
      expect(messagesIn(await peer.next(1))).toEqual([['r1', 'by http']]);
      expect(other.pending()).toEqual([]);
      expect((await fetch(`${server.url}/Room/r1`)).status).toBe(404);
      // A table's socket publishes nothing, as in Harper: its messages are ignored.
      table.socket.send(JSON.stringify({ ignored: true }));
      sender.socket.send(JSON.stringify('after'));
      expect(messagesIn(await peer.next(1))).toEqual([['r1', 'after']]);
    } finally {
      for (const client of [sender, peer, table, other]) client.close();
    }
  });

  it('closes a socket whose message cannot be read, and answers 400 to such a POST', async () => {
    const server = await start(await engine.env());
    const sender = await socketOf(server, '/Room/r1');
    sender.socket.send('{not json');
    const closed = await sender.closed;
    expect(closed.code).toBe(1007);
    expect(closed.reason).toMatch(/JSON/);
    const refused = await fetch(`${server.url}/Room/r1?publish`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(refused.status).toBe(400);
    expect((await fetch(`${server.url}/Room/r1`, { method: 'POST', body: '{}' })).status).toBe(405);
  });

  it('sends a hook’s message once its transaction has committed, and never for a refused one', async () => {
    const server = await start(await engine.env(), {
      Room: {
        beforeWrite(record: { id: string; topic?: string }, { tables }: HookContext) {
          tables.Room.publish(record.id, `writing ${record.topic ?? ''}`);
          if (record.topic === 'no') throw new Error('refused');
          return record;
        },
      },
    });
    const subscriber = await socketOf(server, '/Room/r1');
    try {
      const refused = await fetch(`${server.url}/Room/r1`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ topic: 'no' }),
      });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      const written = await fetch(`${server.url}/Room/r1`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ topic: 'yes' }),
      });
      expect(written.status).toBe(204);
      const events = await subscriber.next(2);
      expect(events.map((event) => event.type)).toEqual(['put', 'message']);
      expect(events[1]).toMatchObject({ id: 'r1', value: 'writing yes' });
    } finally {
      subscriber.close();
    }
  });
});

interface HookContext {
  readonly tables: { readonly Room: { publish(key: string, message: unknown): void } };
}

describe('messages between servers on one PostgreSQL database', () => {
  it('reach the subscribers of the other server', async () => {
    const env = await ENGINES[1]!.env();
    const a = await start(env);
    const b = await start(env);
    const subscriber = await socketOf(b, '/Room/r9');
    try {
      const published = await fetch(`${a.url}/Room/r9?publish`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ from: 'a' }),
      });
      expect(published.status).toBe(204);
      expect(messagesIn(await subscriber.next(1))).toEqual([['r9', { from: 'a' }]]);
      // Something else on the channel that is no message of these servers is logged and dropped.
      const other = new pg.Client({ connectionString: env['DATABASE_URL'] });
      await other.connect();
      try {
        await other.query("SELECT pg_notify('codegen_messages', 'codegen someone-else {not json')");
      } finally {
        await other.end();
      }
      expect(
        (
          await fetch(`${a.url}/Room/r9?publish`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify('still heard'),
          })
        ).status,
      ).toBe(204);
      expect(messagesIn(await subscriber.next(1))).toEqual([['r9', 'still heard']]);
      // A big integer (CBOR) travels as its JSON digits, as a JSON subscriber gets it anyway.
      const big = await fetch(`${a.url}/Room/r9?publish`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/cbor' },
        body: encodeCbor({ big: 2n ** 70n }),
      });
      expect(big.status).toBe(204);
      expect(messagesIn(await subscriber.next(1))).toEqual([['r9', { big: 2 ** 70 }]]);
      // Too long for NOTIFY: refused whole, so no server hears half of it.
      const tooLong = await fetch(`${a.url}/Room/r9?publish`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify('x'.repeat(10_000)),
      });
      expect(tooLong.status).toBe(413);
    } finally {
      subscriber.close();
    }
  });
});
