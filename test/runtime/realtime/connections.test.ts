/**
 * WebSocket and event-stream connections against an in-process server, where the real-time
 * module's counts can be read: formats, refusals, slow consumers, heartbeats, churn, shutdown.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ClientError } from '../../../templates/runtime/errors.js';
import { parseQuery } from '../../../templates/runtime/query/index.js';
import { calendarSchema, kitchenSinkSchema } from '../fixtures/schemas.js';
import {
  connect,
  EventClient,
  EventStreamReader,
  eventually,
  send,
  startServer,
  type TestServer,
} from './helpers.js';
import { RawWebSocket } from './rawSocket.js';

const SEND_BUFFER_LIMIT = 256 * 1024;

describe('WebSocket subscriptions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(calendarSchema, {
      sendBufferLimit: SEND_BUFFER_LIMIT,
      keepAliveIntervalMs: 50,
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('sends JSON text frames by default, CBOR or MessagePack when the upgrade accepts them', async () => {
    await send(`${server.url}/User/f1`, 'PUT', { name: 'Frames' });
    const json = await connect(`${server.wsUrl}/User/f1`);
    const cbor = await connect(`${server.wsUrl}/User/f1`, 'cbor');
    const msgpack = await connect(`${server.wsUrl}/User/f1`, 'msgpack');
    for (const client of [json, cbor, msgpack]) {
      const [message] = await client.next();
      expect(message).toMatchObject({ id: 'f1', type: 'put', value: { id: 'f1', name: 'Frames' } });
      client.close();
    }
    expect(json.binaryFrames).toBe(0);
    expect(cbor.binaryFrames).toBe(1);
    expect(msgpack.binaryFrames).toBe(1);
  });

  it('lets the URL format suffix choose the frames, as for a GET', async () => {
    await send(`${server.url}/User/f2`, 'PUT', { name: 'Suffix' });
    const client = new EventClient(`${server.wsUrl}/User/f2.msgpack`, 'msgpack');
    const [message] = await client.next();
    expect(message).toMatchObject({ id: 'f2', value: { name: 'Suffix' } });
    expect(client.binaryFrames).toBe(1);
    client.close();
  });

  it.each([
    ['/Nothing/', /No exported table/],
    ['/', /No exported table/],
    ['/health', /No exported table/],
    ['/Event/?color=red', /color/],
    ['/Event/?title=sw=a&limit(2)', /limit and offset/],
    ['/Event/e1?select(title)', /takes no query/],
    ['/Event/e1.title', /not to one attribute/],
    ['/Event/%E0%A4%A', /malformed percent-encoding/],
  ])('closes %s with 1011 and a reason', async (path, reason) => {
    const client = new EventClient(`${server.wsUrl}${path}`);
    const closed = await client.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(reason);
  });

  it('gives a bad query the message of its 400 as the reason', async () => {
    const table = calendarSchema.tables.find((candidate) => candidate.name === 'Availability')!;
    let error: unknown;
    try {
      parseQuery('dayOfWeek=monday', { schema: calendarSchema, table });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).status).toBe(400);
    const closed = await new EventClient(`${server.wsUrl}/Availability/?dayOfWeek=monday`).closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason.length).toBeGreaterThan(10);
    expect((error as ClientError).message.startsWith(closed.reason.replace(/…$/, ''))).toBe(true);
  });

  it('ignores messages from the client on a table socket (a record socket publishes them: messages.test.ts)', async () => {
    const client = await connect(`${server.wsUrl}/User/`);
    client.socket.send('{"type":"put","value":{"name":"Mallory"}}');
    client.socket.send(Buffer.from([0, 1, 2, 3]));
    client.socket.send('not json at all');
    await send(`${server.url}/User/m1`, 'PUT', { name: 'Real' });
    // The table's records come first; the put is the first event about m1.
    let message = (await client.next())[0];
    while (message?.id !== 'm1') message = (await client.next())[0];
    expect(message).toMatchObject({ id: 'm1', type: 'put', value: { name: 'Real' } });
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.close();
  });

  it('closes a consumer that stops reading with 1013, without holding everything it missed', async () => {
    const raw = await RawWebSocket.open(server.server.port, '/Event/');
    await eventually(() => server.realtime.stats().subscriptions >= 1);
    const big = 'x'.repeat(50_000);
    let written = 0;
    // Far more than the kernel's socket buffers (a few MB each way) can absorb.
    for (let batch = 0; batch < 8; batch++) {
      const records = Array.from({ length: 80 }, (_, i) => ({
        id: `slow-${batch}-${i}`,
        notes: big,
      }));
      const answer = await send(`${server.url}/Event/`, 'POST', records);
      expect(answer.status).toBe(201);
      written += records.length * big.length;
    }
    await eventually(() => server.realtime.stats().subscriptions === 0);
    await raw.readToEnd();
    expect(raw.closeFrame?.code).toBe(1013);
    expect(raw.closeFrame?.reason).toMatch(/send buffer limit/);
    // What reached the client is what the server had sent when it gave up, not all it missed.
    expect(raw.bytesReceived).toBeLessThan(written / 2);
  });

  it('keeps a socket that answers pings, and cuts one that does not', async () => {
    const quick = await startServer(calendarSchema, { pingIntervalMs: 20 });
    try {
      const answering = await connect(`${quick.wsUrl}/User/`);
      let pings = 0;
      answering.socket.on('ping', () => pings++);
      const silent = new EventClient(`${quick.wsUrl}/User/`, 'json', { autoPong: false });
      await silent.opened;
      const closed = await silent.closed;
      expect(closed.code).toBe(1006);
      await eventually(() => pings >= 5);
      expect(answering.socket.readyState).toBe(WebSocket.OPEN);
      expect(quick.realtime.stats().subscriptions).toBe(1);
      answering.close();
    } finally {
      await quick.close();
    }
  });
});

describe('many short-lived sockets', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(calendarSchema);
  });
  afterAll(async () => {
    await server.close();
  });

  it('leaves no subscription behind after 10,000 sockets opened and closed', async () => {
    await send(`${server.url}/Event/churn`, 'PUT', { title: 'Churn', attendeeIds: ['churner'] });
    const paths = [
      '/Event/churn',
      '/Event/',
      '/Event/?attendeeIds=churner',
      '/Event/?title=sw=Ch&select(title)',
    ];
    const before = server.realtime.stats();
    let opened = 0;
    const worker = async (): Promise<void> => {
      while (opened < 10_000) {
        const path = paths[opened++ % paths.length]!;
        const client = new EventClient(`${server.wsUrl}${path}`);
        await client.opened;
        // Half close as soon as they are open, half once their first event has arrived.
        if (opened % 2 === 0) await client.next();
        client.close();
        await client.closed;
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await eventually(() => server.realtime.stats().subscriptions === before.subscriptions);
    expect(server.realtime.stats()).toEqual(before);
  });
});

describe('event streams', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(calendarSchema, {
      sendBufferLimit: SEND_BUFFER_LIMIT,
      keepAliveIntervalMs: 20,
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 200 text/event-stream and writes each event as a data line', async () => {
    await send(`${server.url}/Event/s1`, 'PUT', { title: 'Stream', status: 'confirmed' });
    const reader = new EventStreamReader(`${server.url}/Event/?status==confirmed`);
    const response = await reader.ready;
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(await reader.next()).toMatchObject([
      { id: 's1', type: 'put', value: { title: 'Stream' } },
    ]);
    await send(`${server.url}/Event/s1`, 'PATCH', { status: 'cancelled' });
    expect(await reader.next()).toMatchObject([{ id: 's1', type: 'delete', reason: 'unmatched' }]);
    reader.close();
  });

  it("gives a change's event an id line holding its version, and the initial state none", async () => {
    await send(`${server.url}/Event/s2`, 'PUT', { title: 'Ids', status: 'tentative' });
    // The reader refuses an event whose id line is not its version.
    const reader = new EventStreamReader(`${server.url}/Event/s2`);
    await reader.ready;
    const [initial] = await reader.next();
    await send(`${server.url}/Event/s2`, 'PATCH', { title: 'Ids again' });
    const [change] = await reader.next();
    expect(change!.version).toBeGreaterThan(initial!.version);
    // A record's version is no place in the commit log, so a browser must not resume from it.
    expect(reader.ids).toEqual([undefined, String(change!.version)]);
    reader.close();
  });

  it('writes a keep-alive comment on an idle stream', async () => {
    const reader = new EventStreamReader(`${server.url}/Event/quiet`);
    await reader.ready;
    expect(await reader.nextComment()).toMatch(/^:/);
    reader.close();
  });

  it('answers a path or query that names no subscription with the JSON error a GET gets', async () => {
    for (const [path, status] of [
      ['/Nothing/', 404],
      ['/Event/?color=red', 400],
      ['/Event/?limit(1)', 400],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, {
        headers: { Accept: 'text/event-stream' },
      });
      expect(response.status, path).toBe(status);
      expect(await response.json()).toHaveProperty('error');
    }
  });

  it('cuts a stream whose reader stops reading, and frees its subscription', async () => {
    const before = server.realtime.stats().subscriptions;
    const request = httpRequest(`${server.url}/Event/`, {
      headers: { Accept: 'text/event-stream' },
    });
    const response = await new Promise<import('node:http').IncomingMessage>((resolve) => {
      request.once('response', resolve);
      request.end();
    });
    response.pause();
    const closed = new Promise<void>((resolve) => response.once('close', () => resolve()));
    request.on('error', () => {});
    response.on('error', () => {});
    await eventually(() => server.realtime.stats().subscriptions === before + 1);
    const big = 'y'.repeat(50_000);
    for (let batch = 0; batch < 5 && server.realtime.stats().subscriptions > before; batch++) {
      const records = Array.from({ length: 80 }, (_, i) => ({
        id: `sse-slow-${batch}-${i}`,
        notes: big,
      }));
      expect((await send(`${server.url}/Event/`, 'POST', records)).status).toBe(201);
    }
    await eventually(() => server.realtime.stats().subscriptions === before);
    response.resume();
    await closed;
  });
});

describe('shutdown', () => {
  it('closes WebSockets with 1001 and ends event streams', async () => {
    const server = await startServer(calendarSchema);
    const socket = await connect(`${server.wsUrl}/Event/`);
    const reader = new EventStreamReader(`${server.url}/Event/`);
    await reader.ready;
    await server.close();
    expect((await socket.closed).code).toBe(1001);
    await eventually(() => reader.isEnded);
    expect(server.realtime.stats()).toMatchObject({
      subscriptions: 0,
      webSockets: 0,
      eventStreams: 0,
    });
  });
});

describe('tables that cannot be subscribed to', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(kitchenSinkSchema);
  });
  afterAll(async () => {
    await server.close();
  });

  it('closes an unexported table, and a key its table cannot have, with 1011', async () => {
    expect(await new EventClient(`${server.wsUrl}/Session/`).closed).toMatchObject({ code: 1011 });
    expect(await new EventClient(`${server.wsUrl}/Counter/abc`).closed).toMatchObject({
      code: 1011,
      reason: expect.stringMatching(/cannot be a key of Counter/) as unknown,
    });
  });

  it('subscribes to a record by numeric key', async () => {
    const client = await connect(`${server.wsUrl}/Counter/7`);
    await send(`${server.url}/Counter/7`, 'PUT', { value: 1 });
    expect(await client.next()).toMatchObject([{ id: 7, type: 'put', value: { id: 7, value: 1 } }]);
    client.close();
  });
});
