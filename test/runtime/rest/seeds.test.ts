/**
 * The seed articles' writes, sent exactly as the articles write them (fixtures/calendar and
 * fixtures/shop): create a meeting, add to a cart, list a session's cart, remove an item.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarSchema, shopSchema } from '../fixtures/schemas.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** The request as the article prints it: a JSON body with the article's own spacing. */
const post = (server: TestServer, path: string, body: string) =>
  server.fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

describe('the calendar article', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(calendarSchema);
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('creates a meeting with POST /Event/', async () => {
    const response = await post(
      server,
      '/Event/',
      `{
  "title": "Product Review",
  "startTime": "2024-08-15T14:00:00Z",
  "endTime": "2024-08-15T15:00:00Z",
  "organizerId": "user123",
  "attendeeIds": ["user456", "user789"]
}`,
    );
    expect(response.status).toBe(201);
    const id = (await response.json()) as string;
    expect(response.headers.get('location')).toBe(id);
    const event = (await (await server.fetch(`/Event/${id}`)).json()) as Record<string, unknown>;
    expect(event).toMatchObject({
      id,
      title: 'Product Review',
      startTime: '2024-08-15T14:00:00Z',
      endTime: '2024-08-15T15:00:00Z',
      organizerId: 'user123',
      attendeeIds: ['user456', 'user789'],
    });
    expect(Date.parse(event.createdAt as string)).not.toBeNaN();
    const organized = (await (await server.fetch('/Event/?organizerId=user123')).json()) as {
      id: string;
    }[];
    expect(organized.map((found) => found.id)).toEqual([id]);
    const attending = (await (await server.fetch('/Event/?attendeeIds=user789')).json()) as {
      id: string;
    }[];
    expect(attending.map((found) => found.id)).toEqual([id]);
  });
});

describe('the shop article', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(shopSchema);
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('adds to a cart, lists the session, and removes the item', async () => {
    const created = await post(
      server,
      '/CartItem/',
      `{
  "productId": "product123",
  "sessionId": "session456", 
  "quantity": 2,
  "addedAt": "2024-08-05T10:30:00Z"
}`,
    );
    expect(created.status).toBe(201);
    const id = (await created.json()) as string;
    await post(
      server,
      '/CartItem/',
      '{"productId": "other", "sessionId": "someone-else", "quantity": 1}',
    );

    const cart = await server.fetch('/CartItem/?sessionId=session456');
    expect(cart.status).toBe(200);
    expect(await cart.json()).toEqual([
      {
        id,
        productId: 'product123',
        sessionId: 'session456',
        quantity: 2,
        addedAt: '2024-08-05T10:30:00Z',
      },
    ]);

    const removed = await server.fetch(`/CartItem/${id}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toBe(true);
    expect(await (await server.fetch('/CartItem/?sessionId=session456')).json()).toEqual([]);
  });

  it('serves GET /Category/electronics-123 once it exists', async () => {
    expect((await server.fetch('/Category/electronics-123')).status).toBe(404);
    await server.send('PUT', '/Category/electronics-123', { name: 'Electronics' });
    expect(await (await server.fetch('/Category/electronics-123')).json()).toEqual({
      id: 'electronics-123',
      name: 'Electronics',
    });
  });
});
