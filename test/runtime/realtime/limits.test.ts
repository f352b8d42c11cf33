/**
 * Limits of all real-time connections together (issue 20, contract section 9): consumers that never
 * read are each bounded by REALTIME_SEND_BUFFER_BYTES, and all of them together by
 * REALTIME_TOTAL_BUFFER_BYTES (the one whose send passes it is closed with 1013); at most
 * REALTIME_MAX_CONNECTIONS WebSockets and event streams are open (1013 / 503 beyond). The bytes are
 * the server's own count of what its subscriptions have waiting, read after every write.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarSchema } from '../fixtures/schemas.js';
import { connect, EventClient, eventually, send, startServer, type TestServer } from './helpers.js';
import { RawWebSocket } from './rawSocket.js';

const PER_CONNECTION = 1024 * 1024;
const TOTAL = 2 * 1024 * 1024;
const CONSUMERS = 10;
const NOTES = 'x'.repeat(50_000);

describe('total send buffer of all real-time connections', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(
      calendarSchema,
      {},
      {
        REALTIME_SEND_BUFFER_BYTES: String(PER_CONNECTION),
        REALTIME_TOTAL_BUFFER_BYTES: String(TOTAL),
      },
    );
  });
  afterAll(() => server.close());

  it('keeps what consumers that never read hold together under the limit, closing them with 1013', async () => {
    const consumers = await Promise.all(
      Array.from({ length: CONSUMERS }, () => RawWebSocket.open(server.server.port, '/Event/')),
    );
    await eventually(() => server.realtime.stats().subscriptions >= CONSUMERS);
    let most = 0;
    // Far more than the kernel's socket buffers absorb, for every consumer.
    for (let batch = 0; batch < 12 && server.realtime.stats().subscriptions > 0; batch++) {
      const records = Array.from({ length: 80 }, (_, i) => ({
        id: `t-${batch}-${i}`,
        notes: NOTES,
      }));
      expect((await send(`${server.url}/Event/`, 'POST', records)).status).toBe(201);
      most = Math.max(most, server.realtime.stats().bufferedBytes);
    }
    // One event may pass the limit before its sender is closed.
    expect(most).toBeLessThanOrEqual(TOTAL + 2 * NOTES.length);
    await eventually(() => server.realtime.stats().subscriptions === 0);
    expect(server.realtime.stats().bufferedBytes).toBe(0);
    await Promise.all(consumers.map((consumer) => consumer.readToEnd()));
    const reasons = consumers.map((consumer) => consumer.closeFrame);
    expect(reasons.every((frame) => frame?.code === 1013)).toBe(true);
    // Some were closed for the total before their own buffer was full.
    expect(reasons.some((frame) => /send buffers are full/.test(frame?.reason ?? ''))).toBe(true);
  });
});

describe('number of real-time connections', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(calendarSchema, {}, { REALTIME_MAX_CONNECTIONS: '3' });
  });
  afterAll(() => server.close());

  const eventStreamStatus = (): Promise<{ status: number; retryAfter: string | undefined }> =>
    new Promise((resolve, reject) => {
      const request = httpRequest(
        `${server.url}/User/`,
        { headers: { Accept: 'text/event-stream' } },
        (response) => {
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
          });
          response.destroy();
        },
      );
      request.on('error', reject);
      request.end();
    });

  it('refuses connections beyond REALTIME_MAX_CONNECTIONS (WebSocket 1013, event stream 503) and takes them again once one closes', async () => {
    const open = [await connect(`${server.wsUrl}/User/`), await connect(`${server.wsUrl}/User/`)];
    const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const request = httpRequest(
        `${server.url}/User/`,
        { headers: { Accept: 'text/event-stream' } },
        resolve,
      );
      request.on('error', reject);
      request.end();
    });
    expect(stream.statusCode).toBe(200);
    await eventually(() => server.realtime.stats().connections === 3);

    const refused = new EventClient(`${server.wsUrl}/User/`);
    const closed = await refused.closed;
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/too many real-time connections/);
    expect(await eventStreamStatus()).toEqual({ status: 503, retryAfter: '1' });
    expect(server.realtime.stats().connections).toBe(3);

    open[0]!.close();
    await eventually(() => server.realtime.stats().connections === 2);
    const again = await connect(`${server.wsUrl}/User/`);
    expect(server.realtime.stats().connections).toBe(3);
    again.close();
    open[1]!.close();
    stream.destroy();
    await eventually(() => server.realtime.stats().connections === 0);
  });
});

describe('answer budget of a view', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(calendarSchema, {}, { MAX_RESOLVED_RECORDS: '5' });
    for (let i = 0; i < 10; i++) await send(`${server.url}/User/u${i}`, 'PUT', { name: `U${i}` });
    await send(`${server.url}/Event/e1`, 'PUT', { title: 'Small', attendeeIds: ['u0', 'u1'] });
  });
  afterAll(() => server.close());

  it('closes a view whose select() resolves more related records than MAX_RESOLVED_RECORDS (1011, the reason)', async () => {
    const client = await connect(`${server.wsUrl}/Event/?select(id,attendees)`);
    const [first] = await client.next();
    expect(first).toMatchObject({
      id: 'e1',
      type: 'put',
      value: { id: 'e1', attendees: [{ name: 'U0' }, { name: 'U1' }] },
    });
    const attendeeIds = Array.from({ length: 10 }, (_, i) => `u${i}`);
    expect(
      (await send(`${server.url}/Event/e2`, 'PUT', { title: 'Big', attendeeIds })).status,
    ).toBe(204);
    const closed = await client.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(/MAX_RESOLVED_RECORDS/);
  });
});
