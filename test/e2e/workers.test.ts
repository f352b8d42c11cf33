/**
 * `WORKERS=2` (contract section 3): two worker processes behind one port on one data directory.
 * Connections are handed to the workers in turn, so consecutive connections reach both: a write
 * through either worker must reach the subscribers of both, in commit order, exactly once, and a
 * read on any connection right after an acknowledged write must see it (no stale record cache).
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeneratedServer, type GeneratedServer } from '../helpers/generatedServer.js';
import { connect, type EventClient } from '../helpers/realtimeClient.js';

let server: GeneratedServer;

beforeAll(async () => {
  server = await startGeneratedServer('shop', { env: { WORKERS: '2' } });
});
afterAll(async () => {
  await server.dispose();
});

/** A request on a connection of its own: the cluster hands each new connection to the next worker. */
function fresh(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: () => unknown }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${server.url}${path}`,
      {
        method,
        agent: false,
        headers: payload === undefined ? {} : { 'Content-Type': 'application/json' },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, json: () => JSON.parse(text) as unknown }),
        );
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

describe('a server with two workers', () => {
  it('announces itself once every worker listens', () => {
    expect(server.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(2 workers\)/);
  });

  it('sends every write, through either worker, to subscribers on both, in order, once', async () => {
    expect((await fresh('PUT', '/Product/w1', { name: 'Lamp', stockQuantity: 0 })).status).toBe(
      204,
    );
    const wsUrl = server.url.replace(/^http/, 'ws');
    const subscribers: EventClient[] = [];
    for (let i = 0; i < 4; i++) {
      const client = await connect(`${wsUrl}/Product/w1`);
      expect(await client.next()).toMatchObject([{ id: 'w1', value: { stockQuantity: 0 } }]);
      subscribers.push(client);
    }
    const WRITES = 20;
    for (let stock = 1; stock <= WRITES; stock++) {
      expect((await fresh('PATCH', '/Product/w1', { stockQuantity: stock })).status).toBe(204);
      // Read right after the acknowledgement, on a new connection (the other worker, half the time).
      const read = await fresh('GET', '/Product/w1');
      expect((read.json() as { stockQuantity: number }).stockQuantity).toBe(stock);
    }
    for (const client of subscribers) {
      const events = await client.next(WRITES);
      expect(
        events.map((event) => (event.value as { stockQuantity: number }).stockQuantity),
      ).toEqual(Array.from({ length: WRITES }, (_, i) => i + 1));
      client.close();
    }
  });

  it('relays a message published through either worker to subscribers on both', async () => {
    const wsUrl = server.url.replace(/^http/, 'ws');
    const subscribers: EventClient[] = [];
    for (let i = 0; i < 4; i++) subscribers.push(await connect(`${wsUrl}/Product/m1`));
    for (let i = 0; i < 2; i++)
      expect((await fresh('POST', '/Product/m1?publish', { note: i })).status).toBe(204);
    for (const client of subscribers) {
      const events = await client.next(2);
      expect(events.map((event) => [event.type, event.value])).toEqual([
        ['message', { note: 0 }],
        ['message', { note: 1 }],
      ]);
      client.close();
    }
  });

  it('answers queries on every worker with the writes of both', async () => {
    for (let i = 0; i < 6; i++) {
      expect(
        (await fresh('PUT', `/Product/q${i}`, { name: `q${i}`, categoryId: 'both' })).status,
      ).toBe(204);
    }
    for (let i = 0; i < 4; i++) {
      const answer = await fresh('GET', '/Product/?categoryId==both');
      expect((answer.json() as unknown[]).length).toBe(6);
    }
  });

  it('stops every worker on SIGTERM and exits 0', async () => {
    expect(await server.stop()).toBe(0);
    expect(server.output()).toMatch(/SIGTERM received, stopping 2 workers/);
  });
});
