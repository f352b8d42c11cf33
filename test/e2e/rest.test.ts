/**
 * The committed generated servers (generated-examples/shop and calendar), started as separate
 * processes: the seed articles' requests and the REST contract's main rows, end to end, on each
 * store engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, stopEngines } from '../helpers/engines.js';
import { startGeneratedServer, type GeneratedServer } from '../helpers/generatedServer.js';

afterAll(stopEngines);

const postJson = (server: GeneratedServer, path: string, body: string) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  });

describe.each(ENGINES)('generated shop server on $name', (engine) => {
  let server: GeneratedServer;
  beforeAll(async () => {
    server = await startGeneratedServer('shop', { env: await engine.env() });
  }, 60_000);
  afterAll(async () => {
    await server.dispose();
  });

  it('runs the shop article: add to cart, list the session, remove the item', async () => {
    const created = await postJson(
      server,
      '/CartItem/',
      '{"productId": "product123", "sessionId": "session456", "quantity": 2, "addedAt": "2024-08-05T10:30:00Z"}',
    );
    expect(created.status).toBe(201);
    const id = (await created.json()) as string;
    expect(created.headers.get('location')).toBe(id);
    const cart = await fetch(`${server.url}/CartItem/?sessionId=session456`);
    expect(await cart.json()).toEqual([
      {
        id,
        productId: 'product123',
        sessionId: 'session456',
        quantity: 2,
        addedAt: '2024-08-05T10:30:00Z',
      },
    ]);
    const removed = await fetch(`${server.url}/CartItem/${id}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toBe(true);
    expect((await fetch(`${server.url}/CartItem/${id}`)).status).toBe(404);
  });

  it('answers the record rows of the contract', async () => {
    const url = `${server.url}/Product/p1`;
    const json = { 'Content-Type': 'application/json' };
    expect(
      (await fetch(url, { method: 'PUT', headers: json, body: '{"name":"Pen","price":2}' })).status,
    ).toBe(204);
    expect(
      (await fetch(url, { method: 'PATCH', headers: json, body: '{"inStock":true}' })).status,
    ).toBe(204);
    const response = await fetch(url);
    expect(await response.json()).toEqual({ id: 'p1', name: 'Pen', price: 2, inStock: true });
    const etag = response.headers.get('etag') ?? '';
    expect((await fetch(url, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    expect(
      (
        await fetch(url, {
          method: 'PUT',
          headers: { ...json, 'If-Match': '"1"' },
          body: '{"name":"x"}',
        })
      ).status,
    ).toBe(412);
    expect((await fetch(`${url}.name`)).status).toBe(200);
    expect(await (await fetch(url, { headers: { Accept: 'text/csv' } })).text()).toMatch(
      /^"id","name",/,
    );
    const notAllowed = await fetch(url, { method: 'POST', headers: json, body: '{}' });
    expect(notAllowed.status).toBe(405);
    expect(notAllowed.headers.get('allow')).toContain('PATCH');
    expect(
      (await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'x' }))
        .status,
    ).toBe(415);
    const invalid = await fetch(url, { method: 'PUT', headers: json, body: '{"price":"cheap"}' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await fetch(`${server.url}/Product/missing`)).status).toBe(404);
    expect((await fetch(`${server.url}/Nothing/`)).status).toBe(404);
    expect(response.headers.get('server-timing')).toMatch(/^db;dur=/);
  });
});

describe.each(ENGINES)('generated calendar server on $name', (engine) => {
  it('runs the calendar article and keeps its writes across a SIGTERM and restart', async () => {
    const env = await engine.env();
    const first = await startGeneratedServer('calendar', { env });
    const created = await postJson(
      first,
      '/Event/',
      `{
  "title": "Product Review",
  "startTime": "2024-08-15T14:00:00Z",
  "endTime": "2024-08-15T15:00:00Z",
  "organizerId": "user123",
  "attendeeIds": ["user456", "user789"]
}`,
    );
    expect(created.status).toBe(201);
    const id = (await created.json()) as string;
    expect(await first.stop()).toBe(0);

    const second = await startGeneratedServer('calendar', { env, dataDir: first.dataDir });
    try {
      const event = (await (await fetch(`${second.url}/Event/${id}`)).json()) as Record<
        string,
        unknown
      >;
      expect(event).toMatchObject({
        id,
        title: 'Product Review',
        attendeeIds: ['user456', 'user789'],
      });
      expect(typeof event.createdAt).toBe('string');
    } finally {
      await second.stop();
      await first.dispose();
    }
  });
});
