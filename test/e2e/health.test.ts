import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  startGeneratedServer,
  type GeneratedServer,
} from '../helpers/generatedServer.js';

describe('a generated server started as a process', () => {
  let server: GeneratedServer;
  beforeAll(async () => {
    server = await startGeneratedServer('calendar');
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('answers GET /health with 200', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
  });

  it('serves its committed openapi.json at GET /openapi, byte for byte, with an ETag', async () => {
    const committed = await readFile(
      path.join(REPO_ROOT, 'generated-examples', 'calendar', 'openapi.json'),
    );
    // Uncompressed (fetch asks for gzip by default, and the document is long enough for it).
    const identity = { 'Accept-Encoding': 'identity' };
    const response = await fetch(`${server.url}/openapi`, { headers: identity });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Buffer.from(await response.arrayBuffer()).equals(committed)).toBe(true);
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"h[\w-]+"$/);
    const again = await fetch(`${server.url}/openapi`, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    const head = await fetch(`${server.url}/openapi`, { method: 'HEAD', headers: identity });
    expect([head.status, head.headers.get('content-length')]).toEqual([
      200,
      String(committed.length),
    ]);
    // Compressed, it is the same document under a tag of its own.
    const gzipped = await fetch(`${server.url}/openapi`);
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.headers.get('etag')).toBe(`${etag!.slice(0, -1)}+gzip"`);
    expect(Buffer.from(await gzipped.arrayBuffer()).equals(committed)).toBe(true);
    const post = await fetch(`${server.url}/openapi`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD, OPTIONS']);
  });

  it('stores a record by key and serves it back', async () => {
    const put = await fetch(`${server.url}/User/u1`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Ada', email: 'ada@example.com' }),
    });
    expect(put.status).toBe(204);
    const response = await fetch(`${server.url}/User/u1`);
    expect(response.status).toBe(200);
    const user = (await response.json()) as Record<string, unknown>;
    expect(user).toMatchObject({ id: 'u1', name: 'Ada', email: 'ada@example.com' });
    expect(typeof user.createdAt).toBe('string');
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const other = await startGeneratedServer('shop');
    expect(await other.stop()).toBe(0);
    await other.dispose();
  });
});
