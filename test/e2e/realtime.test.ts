/**
 * The seeds' real-time promises, end to end over real sockets: the calendar ("when someone accepts a
 * meeting, all attendees see the update instantly") and the shop ("subscribe to Product/${id} and
 * you get notified whenever stock levels change"). Runs the committed generated servers as
 * processes (compiled by the global setup, which fails the run when one does not compile), on
 * each store engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, stopEngines, type Engine } from '../helpers/engines.js';
import { startGeneratedServer, type ExampleName } from '../helpers/generatedServer.js';
import { connect, EventClient, EventStreamReader, send } from '../helpers/realtimeClient.js';

interface Server {
  readonly url: string;
  readonly wsUrl: string;
  close(): Promise<void>;
}

afterAll(stopEngines);

async function start(
  name: ExampleName,
  engine: Engine,
  env: Readonly<Record<string, string>> = {},
): Promise<Server> {
  const server = await startGeneratedServer(name, { env: { ...(await engine.env()), ...env } });
  return {
    url: server.url,
    wsUrl: server.url.replace(/^http/, 'ws'),
    close: () => server.dispose(),
  };
}

describe.each(ENGINES)('calendar on $name: attendees see meetings as they change', (engine) => {
  let server: Server;
  beforeAll(async () => {
    server = await start('calendar', engine);
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('shows each attendee view the events it gains, their changes, and the ones it loses', async () => {
    const laptop = await connect(`${server.wsUrl}/Event/?attendeeIds=user123`);
    const phone = await connect(`${server.wsUrl}/Event/?attendeeIds=user123`);
    const browser = new EventStreamReader(`${server.url}/Event/?attendeeIds=user123`);
    expect((await browser.ready).statusCode).toBe(200);

    // Another user's meeting reaches nobody here; the one with user123 reaches every view.
    expect(
      (
        await send(`${server.url}/Event/`, 'POST', {
          title: 'Other team',
          attendeeIds: ['user456'],
        })
      ).status,
    ).toBe(201);
    const created = await send(`${server.url}/Event/`, 'POST', {
      title: 'Design review',
      organizerId: 'user456',
      attendeeIds: ['user456', 'user123'],
      startTime: '2024-08-15T14:00:00Z',
      status: 'tentative',
    });
    expect(created.status).toBe(201);
    const id = JSON.parse(created.text) as string;
    for (const view of [laptop, phone, browser]) {
      const [added] = await view.next();
      expect(added).toMatchObject({
        id,
        type: 'put',
        value: { id, title: 'Design review', attendeeIds: ['user456', 'user123'] },
      });
      expect(typeof added?.version).toBe('number');
    }

    // Accepting the meeting is a PATCH; the views get the whole record after it.
    expect((await send(`${server.url}/Event/${id}`, 'PATCH', { status: 'confirmed' })).status).toBe(
      204,
    );
    for (const view of [laptop, phone, browser]) {
      const [changed] = await view.next();
      expect(changed).toMatchObject({
        id,
        type: 'put',
        value: {
          id,
          title: 'Design review',
          status: 'confirmed',
          attendeeIds: ['user456', 'user123'],
        },
      });
      expect(typeof (changed?.value as Record<string, unknown>).createdAt).toBe('string');
    }

    // Removing the attendee makes the meeting leave their views.
    expect(
      (await send(`${server.url}/Event/${id}`, 'PATCH', { attendeeIds: ['user456'] })).status,
    ).toBe(204);
    for (const view of [laptop, phone, browser]) {
      const [left] = await view.next();
      expect(left).toMatchObject({ id, type: 'delete', reason: 'unmatched' });
      expect(left).not.toHaveProperty('value');
    }
    laptop.close();
    phone.close();
    browser.close();
  });

  it('starts a view with the current matches', async () => {
    const created = await send(`${server.url}/Event/`, 'POST', {
      title: 'Standup',
      attendeeIds: ['user789'],
    });
    const id = JSON.parse(created.text) as string;
    const view = await connect(`${server.wsUrl}/Event/?attendeeIds=user789&select(id,title)`);
    expect(await view.next()).toEqual([
      expect.objectContaining({ id, type: 'put', value: { id, title: 'Standup' } }),
    ]);
    view.close();
  });

  it('keeps ws://…/Event/<id> current: the meeting, then every change until it is deleted', async () => {
    expect(
      (
        await send(`${server.url}/Event/meeting-1`, 'PUT', {
          title: 'Planning',
          attendeeIds: ['user123'],
        })
      ).status,
    ).toBe(204);
    const client = await connect(`${server.wsUrl}/Event/meeting-1`);
    expect(await client.next()).toMatchObject([
      { id: 'meeting-1', type: 'put', value: { title: 'Planning' } },
    ]);
    await send(`${server.url}/Event/meeting-1`, 'PATCH', { startTime: '2024-08-16T09:00:00Z' });
    expect(await client.next()).toMatchObject([
      {
        id: 'meeting-1',
        type: 'put',
        value: { title: 'Planning', startTime: '2024-08-16T09:00:00Z' },
      },
    ]);
    expect((await send(`${server.url}/Event/meeting-1`, 'DELETE')).status).toBe(200);
    const [deleted] = await client.next();
    expect(deleted).toMatchObject({ id: 'meeting-1', type: 'delete' });
    expect(deleted).not.toHaveProperty('value');
    client.close();
  });

  it('sends one delete per record that a DELETE by query removes', async () => {
    for (const id of ['gone-1', 'gone-2', 'kept']) {
      await send(`${server.url}/Event/${id}`, 'PUT', {
        title: id,
        status: id === 'kept' ? 'keeper' : 'obsolete',
      });
    }
    const all = await connect(`${server.wsUrl}/Event/?status=in=(obsolete,keeper)`);
    const initial = await all.next(3);
    expect(initial.map((message) => message.id).sort()).toEqual(['gone-1', 'gone-2', 'kept']);
    expect((await send(`${server.url}/Event/?status=obsolete`, 'DELETE')).status).toBe(200);
    const deleted = await all.next(2);
    expect(deleted.map((message) => `${message.type} ${message.id}`).sort()).toEqual([
      'delete gone-1',
      'delete gone-2',
    ]);
    expect(deleted[0]!.version).toBe(deleted[1]!.version);
    await send(`${server.url}/Event/kept`, 'DELETE');
    expect(await all.next()).toMatchObject([{ id: 'kept', type: 'delete' }]);
    all.close();
  });

  it('closes a subscription to an unknown table with 1011', async () => {
    expect((await new EventClient(`${server.wsUrl}/Meeting/`).closed).code).toBe(1011);
  });
});

describe.each(ENGINES)('shop on $name: stock changes reach the product page', (engine) => {
  let server: Server;
  beforeAll(async () => {
    server = await start('shop', engine);
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('sends the product, then each stock change after a PATCH, in every format', async () => {
    await send(`${server.url}/Product/product123`, 'PUT', {
      name: 'Lamp',
      price: 39.5,
      inStock: true,
      stockQuantity: 2,
    });
    const page = await connect(`${server.wsUrl}/Product/product123`);
    const app = await connect(`${server.wsUrl}/Product/product123`, 'cbor');
    const widget = await connect(`${server.wsUrl}/Product/product123`, 'msgpack');
    const clients = [page, app, widget];
    for (const client of clients) {
      expect(await client.next()).toMatchObject([
        { id: 'product123', type: 'put', value: { name: 'Lamp', stockQuantity: 2 } },
      ]);
    }
    await send(`${server.url}/Product/product123`, 'PATCH', { stockQuantity: 1 });
    await send(`${server.url}/Product/product123`, 'PATCH', { stockQuantity: 0, inStock: false });
    for (const client of clients) {
      const [first, second] = await client.next(2);
      expect(first).toMatchObject({
        type: 'put',
        value: { name: 'Lamp', price: 39.5, stockQuantity: 1, inStock: true },
      });
      expect(second).toMatchObject({
        type: 'put',
        value: { name: 'Lamp', price: 39.5, stockQuantity: 0, inStock: false },
      });
      expect(second!.version).toBeGreaterThan(first!.version);
    }
    await send(`${server.url}/Product/product123`, 'DELETE');
    for (const client of clients) {
      expect(await client.next()).toMatchObject([{ id: 'product123', type: 'delete' }]);
      client.close();
    }
  });

  it('tells a catalogue view which products come back in stock', async () => {
    await send(`${server.url}/Product/p-out`, 'PUT', {
      name: 'Chair',
      inStock: false,
      stockQuantity: 0,
    });
    const catalogue = await connect(
      `${server.wsUrl}/Product/?inStock=true&select(id,name,stockQuantity)`,
    );
    await send(`${server.url}/Product/p-out`, 'PATCH', { inStock: true, stockQuantity: 5 });
    expect(await catalogue.next()).toMatchObject([
      { id: 'p-out', type: 'put', value: { id: 'p-out', name: 'Chair', stockQuantity: 5 } },
    ]);
    catalogue.close();
  });
});

describe('configuration', () => {
  it('reads the ping interval and the keep-alive interval from the environment', async () => {
    const server = await start('shop', ENGINES[0]!, {
      REALTIME_PING_INTERVAL_MS: '50',
      SSE_KEEP_ALIVE_MS: '50',
    });
    try {
      // Event by event: the server pings (at 50 ms, not the default 30 s: within the test's time), the
      // client never answers, and the next ping finds it dead and cuts the socket (1006, no close frame).
      const silent = new EventClient(`${server.wsUrl}/Product/`, 'json', { autoPong: false });
      const pinged = new Promise<void>((resolve) => silent.socket.once('ping', () => resolve()));
      await silent.opened;
      await pinged;
      expect((await silent.closed).code).toBe(1006);
      const reader = new EventStreamReader(`${server.url}/Product/`);
      await reader.ready;
      expect(await reader.nextComment()).toMatch(/^:/);
      reader.close();
    } finally {
      await server.close();
    }
  });
});
