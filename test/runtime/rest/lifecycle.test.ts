/**
 * The server's lifecycle and limits (contract sections 3 and 9): health, graceful shutdown that
 * drains in-flight requests, durability across a restart, timeouts for trickling clients, CORS.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { combinedSchema, shopSchema } from '../fixtures/schemas.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Sends `data` and resolves with the status code of the answer, or 'closed' if none came. */
function rawExchange(port: number, data: string): Promise<number | 'closed'> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      resolve(match ? Number(match[1]) : 'closed');
    });
    socket.on('error', reject);
  });
}

describe('server lifecycle and limits', () => {
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string> = {}, dataDir?: string) => {
    const server = await startServer(combinedSchema, env, dataDir);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.dispose();
  });

  it('answers GET /health with 200 while the store can be read and written, 503 when it cannot', async () => {
    const server = await start();
    const healthy = await server.fetch('/health');
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toEqual({ status: 'ok' });
    await server.running.app.store.close();
    const broken = await server.fetch('/health');
    expect(broken.status).toBe(503);
    expect(await broken.json()).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('finds every acknowledged write after a close and reopen, indexes included', async () => {
    const first = await start();
    const writes = Array.from({ length: 60 }, (_, i) =>
      first.send('POST', '/CartItem/', {
        productId: `p${i % 4}`,
        sessionId: `s${i % 3}`,
        quantity: i,
      }),
    );
    const ids = await Promise.all(
      writes.map(async (write) => {
        const response = await write;
        expect(response.status).toBe(201);
        return (await response.json()) as string;
      }),
    );
    await first.send('PATCH', `/CartItem/${ids[0]}`, { quantity: 1000 });
    await first.fetch(`/CartItem/${ids[1]}`, { method: 'DELETE' });
    const second = await first.reopen();
    servers.splice(0, 1, second);
    expect(await (await second.fetch(`/CartItem/${ids[0]}`)).json()).toMatchObject({
      quantity: 1000,
    });
    expect((await second.fetch(`/CartItem/${ids[1]}`)).status).toBe(404);
    for (const id of ids.slice(2)) expect((await second.fetch(`/CartItem/${id}`)).status).toBe(200);
    const session = (await (await second.fetch('/CartItem/?sessionId=s1')).json()) as unknown[];
    expect(session).toHaveLength(ids.slice(2).filter((_, i) => (i + 2) % 3 === 1).length);
  });

  it('drains an in-flight request on shutdown, then refuses new connections', async () => {
    const server = await start();
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(streamController) {
        controller = streamController;
      },
    });
    const arrived = new Promise<void>((resolve) =>
      server.running.server.once('request', () => resolve()),
    );
    const inFlight = server.fetch('/Product/slow', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body,
      duplex: 'half',
    });
    controller?.enqueue(new TextEncoder().encode('{"name":'));
    await arrived;

    let closed = false;
    const closing = server.running.close().then(() => {
      closed = true;
    });
    // The server does not finish closing while the request is still being received.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    controller?.enqueue(new TextEncoder().encode('"finished late"}'));
    controller?.close();
    const response = await inFlight;
    expect(response.status).toBe(204);
    expect(response.headers.get('connection')).toBe('close');
    await closing;
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();

    const reopened = await startServer(shopSchema, {}, server.dataDir);
    servers.push(reopened);
    expect(await (await reopened.fetch('/Product/slow')).json()).toMatchObject({
      name: 'finished late',
    });
  });

  it('cuts off a client that trickles its headers or its body', async () => {
    const server = await start({ HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '600' });
    const port = server.running.port;
    const headers = rawExchange(port, 'GET /Product/ HTTP/1.1\r\nHost: localhost\r\n');
    const bodyTrickle = rawExchange(
      port,
      'PUT /Product/t HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"na',
    );
    expect(await headers).toBe(408);
    expect(await bodyTrickle).toBe(408);
    expect((await server.fetch('/Product/t')).status).toBe(404);
  });

  it('sends no CORS headers by default', async () => {
    const server = await start();
    const response = await server.fetch('/Product/', {
      headers: { Origin: 'https://app.example' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers CORS requests and preflights for allowed origins when enabled', async () => {
    const server = await start({ CORS_ORIGINS: 'https://app.example' });
    const allowed = await server.fetch('/Product/', { headers: { Origin: 'https://app.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('vary')).toBe('Authorization, Accept, Origin');
    // A page can read every header the contract gives meaning to (the ETag to send back in If-Match,
    // Preference-Applied of a return=representation write, Retry-After of a 503, …).
    expect(allowed.headers.get('access-control-expose-headers')?.split(', ').sort()).toEqual([
      'Content-Range',
      'ETag',
      'Location',
      'Preference-Applied',
      'Retry-After',
      'Server-Timing',
      'WWW-Authenticate',
    ]);

    const preflight = await server.fetch('/Product/p1', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'PATCH',
        'Access-Control-Request-Headers': 'content-type, if-match',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe(
      'GET, HEAD, PUT, PATCH, DELETE, OPTIONS',
    );
    // One Access-Control-Allow-Origin (fetch joins repeated headers with ", "), and a fixed list of
    // request headers rather than an echo of the requested ones.
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('vary')).toBe('Origin');
    expect(preflight.headers.get('access-control-allow-headers')).toBe(
      'Content-Type, Accept, Authorization, If-Match, If-None-Match, Prefer',
    );

    const other = await server.fetch('/Product/', { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const any = await start({ CORS_ORIGINS: '*' });
    const anyOrigin = await any.fetch('/Product/', {
      headers: { Origin: 'https://whoever.example' },
    });
    expect(anyOrigin.headers.get('access-control-allow-origin')).toBe('*');
    const anyPreflight = await any.fetch('/Product/', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://whoever.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'x-anything, authorization',
      },
    });
    expect(anyPreflight.headers.get('access-control-allow-origin')).toBe('*');
    // The fixed list (Authorization is in it, for credentials), never an echo of the request's.
    expect(anyPreflight.headers.get('access-control-allow-headers')).toBe(
      'Content-Type, Accept, Authorization, If-Match, If-None-Match, Prefer',
    );
  });
});
