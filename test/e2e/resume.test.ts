/**
 * Resuming subscriptions after a reconnect (contract 8.3), end to end against the generated shop:
 * a client that names the version it left off at gets exactly the changes it missed (from the
 * commit log), then a `ready` event; one whose version the log cannot answer gets the current
 * state and `ready` with `resumed: false`. Also: a view that selects related records hears of a
 * change of one (contract 8.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, stopEngines } from '../helpers/engines.js';
import { startGeneratedServer, type GeneratedServer } from '../helpers/generatedServer.js';
import { connect, EventStreamReader, send } from '../helpers/realtimeClient.js';

let server: GeneratedServer;
let wsUrl: string;

afterAll(stopEngines);

async function write(method: string, path: string, body?: unknown): Promise<void> {
  const { status, text } = await send(`${server.url}${path}`, method, body);
  expect(status, text).toBeLessThan(300);
}

describe.each(ENGINES)('on $name', (engine) => {
  beforeAll(async () => {
    server = await startGeneratedServer('shop', { env: await engine.env() });
    wsUrl = server.url.replace(/^http/, 'ws');
  }, 60_000);
  afterAll(async () => {
    await server.dispose();
  });

  describe('an event stream that reconnects with Last-Event-ID', () => {
    it('gets only the changes it missed, then ready; without the header everything again', async () => {
      await write('PUT', '/Product/sse1', { name: 'Lamp', stockQuantity: 1 });
      await write('PUT', '/Product/sse2', { name: 'Desk', stockQuantity: 2 });

      const first = new EventStreamReader(`${server.url}/Product/?categoryId==sse&resume=`);
      expect((await first.ready).statusCode).toBe(200);
      const [ready] = await first.next();
      expect(ready).toMatchObject({ type: 'ready', resumed: false });
      await write('PUT', '/Product/sse3', { name: 'Chair', categoryId: 'sse' });
      const [live] = await first.next();
      expect(live).toMatchObject({ id: 'sse3', type: 'put' });
      // A change carries its version as the event's id; that is what a browser resends.
      const lastId = first.ids.at(-1)!;
      expect(lastId).toBe(String(live!.version));
      first.close();

      // Missed while disconnected: a change that enters the view, one that leaves it, and one
      // of a record the view never held.
      await write('PUT', '/Product/sse4', { name: 'Sofa', categoryId: 'sse' });
      await write('PATCH', '/Product/sse3', { categoryId: 'elsewhere' });
      await write('PATCH', '/Product/sse1', { name: 'Lamp 2' });

      const resumed = new EventStreamReader(
        `${server.url}/Product/?categoryId==sse&resume=`,
        undefined,
        {
          'Last-Event-ID': lastId,
        },
      );
      const missed = await resumed.next(4);
      expect(missed.map(({ id, type, reason }) => ({ id, type, reason }))).toEqual([
        { id: 'sse4', type: 'put', reason: undefined },
        { id: 'sse3', type: 'delete', reason: 'unmatched' },
        { id: 'sse1', type: 'delete', reason: 'unmatched' },
        { id: undefined, type: 'ready', reason: undefined },
      ]);
      expect(missed[3]).toMatchObject({ resumed: true });
      expect(resumed.ids.slice(0, 3)).toEqual(
        missed.slice(0, 3).map((event) => String(event.version)),
      );
      // Live changes follow the ready event.
      await write('PATCH', '/Product/sse4', { price: 10 });
      expect(await resumed.next()).toMatchObject([
        { id: 'sse4', type: 'put', value: { price: 10 } },
      ]);
      resumed.close();
    });

    it('gets the current state, ids left out, when the version is not one the log can answer', async () => {
      await write('PUT', '/Product/far1', { name: 'Far', categoryId: 'far' });
      const reader = new EventStreamReader(`${server.url}/Product/?categoryId==far`, undefined, {
        'Last-Event-ID': '99999999999999',
      });
      const [record, ready] = await reader.next(2);
      expect(record).toMatchObject({ id: 'far1', type: 'put' });
      expect(reader.ids[0]).toBeUndefined();
      expect(ready).toMatchObject({ type: 'ready', resumed: false });
      reader.close();
    });
  });

  describe('a WebSocket that reconnects with resume=<version>', () => {
    it('gets exactly the missed events of its record, in commit order, then ready', async () => {
      await write('PUT', '/Product/ws1', { name: 'Lamp', stockQuantity: 5 });
      const first = await connect(`${wsUrl}/Product/ws1?resume=`);
      const [initial, ready] = await first.next(2);
      expect(initial).toMatchObject({ id: 'ws1', type: 'put' });
      expect(ready).toMatchObject({ type: 'ready', resumed: false });
      first.close();

      await write('PATCH', '/Product/ws1', { stockQuantity: 4 });
      await write('PUT', '/Product/other', { name: 'Not this one' });
      await write('PATCH', '/Product/ws1', { stockQuantity: 3 });
      await write('DELETE', '/Product/ws1');

      const again = await connect(`${wsUrl}/Product/ws1?resume=${ready!.version}`);
      const missed = await again.next(4);
      expect(
        missed.map(({ type, value }) => [
          type,
          (value as { stockQuantity?: number } | undefined)?.stockQuantity,
        ]),
      ).toEqual([
        ['put', 4],
        ['put', 3],
        ['delete', undefined],
        ['ready', undefined],
      ]);
      expect(missed[3]).toMatchObject({ resumed: true });
      const versions = missed.slice(0, 3).map((event) => event.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      again.close();
    });

    it('answers a malformed version with a close reason, and leaves Harper clients alone', async () => {
      const bad = await connect(`${wsUrl}/Product/ws1?resume=yesterday`);
      const closed = await bad.closed;
      expect(closed).toMatchObject({
        code: 1011,
        reason: expect.stringMatching(/version to resume after/),
      });
      // Without resume=, no ready event: the initial state, then changes, as Harper sends them.
      await write('PUT', '/Product/plain', { name: 'Plain' });
      const plain = await connect(`${wsUrl}/Product/plain`);
      expect(await plain.next()).toMatchObject([{ id: 'plain', type: 'put' }]);
      await write('PATCH', '/Product/plain', { name: 'Plainer' });
      expect(await plain.next()).toMatchObject([{ id: 'plain', value: { name: 'Plainer' } }]);
      expect(plain.pending()).toEqual([]);
      plain.close();
    });
  });

  describe('a view that selects related records', () => {
    it('sends a record again when a related record it shows changes', async () => {
      await write('PUT', '/Product/rel1', { name: 'Lamp' });
      await write('PUT', '/CartItem/item1', { productId: 'rel1', sessionId: 'rel', quantity: 1 });
      const view = await connect(`${wsUrl}/CartItem/?sessionId==rel&select(id,product{name})`);
      expect(await view.next()).toMatchObject([
        { id: 'item1', value: { product: { name: 'Lamp' } } },
      ]);
      await write('PATCH', '/Product/rel1', { name: 'Brass lamp' });
      expect(await view.next()).toMatchObject([
        { id: 'item1', type: 'put', value: { id: 'item1', product: { name: 'Brass lamp' } } },
      ]);
      // A change of the related record that the selection does not show sends nothing.
      await write('PATCH', '/Product/rel1', { price: 3 });
      await write('PATCH', '/CartItem/item1', { quantity: 2 });
      const [next] = await view.next();
      expect(next).toMatchObject({ id: 'item1', type: 'put' });
      expect(view.pending()).toEqual([]);
      view.close();
    });
  });
});
