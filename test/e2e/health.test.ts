import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeneratedServer, type GeneratedServer } from '../helpers/generatedServer.js';

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
