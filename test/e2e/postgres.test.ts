/**
 * The generated server on PostgreSQL (`DATABASE_URL`), as processes: two servers on one database
 * behave as one service (a write through A is read, queried and heard on B at once, in commit
 * order, exactly once), an acknowledged write survives a SIGKILL, and a database the server
 * cannot use stops the start with one line.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  startGeneratedServer,
  type GeneratedServer,
} from '../helpers/generatedServer.js';
import { startPostgresCluster, type PostgresCluster } from '../helpers/postgresCluster.js';
import { connect } from '../helpers/realtimeClient.js';

let cluster: PostgresCluster;
let url: string;
let a: GeneratedServer;
let b: GeneratedServer;

beforeAll(async () => {
  cluster = await startPostgresCluster();
  url = cluster.url(await cluster.createDatabase());
  a = await startGeneratedServer('shop', { env: { DATABASE_URL: url } });
  b = await startGeneratedServer('shop', { env: { DATABASE_URL: url } });
}, 60_000);
afterAll(async () => {
  await a.dispose();
  await b.dispose();
  await cluster.stop();
});

const send = (server: GeneratedServer, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('two generated servers on one PostgreSQL database', () => {
  it('read, query and hear each other’s writes at once, in order, exactly once', async () => {
    expect((await send(a, 'PUT', '/Product/m1', { name: 'Lamp', stockQuantity: 0 })).status).toBe(
      204,
    );
    const subscriber = await connect(`${b.url.replace(/^http/, 'ws')}/Product/m1`);
    expect(await subscriber.next()).toMatchObject([{ id: 'm1', value: { stockQuantity: 0 } }]);
    const WRITES = 15;
    for (let stock = 1; stock <= WRITES; stock++) {
      expect((await send(a, 'PATCH', '/Product/m1', { stockQuantity: stock })).status).toBe(204);
      // B answers from its record cache and its queries right after A's acknowledgement.
      expect(await (await send(b, 'GET', '/Product/m1')).json()).toMatchObject({
        stockQuantity: stock,
        inStock: true,
      });
      const found = (await (
        await send(b, 'GET', `/Product/?stockQuantity=${stock}&select(id)`)
      ).json()) as unknown[];
      expect(found).toEqual(['m1']);
    }
    const events = await subscriber.next(WRITES);
    expect(events.map((event) => (event.value as { stockQuantity: number }).stockQuantity)).toEqual(
      Array.from({ length: WRITES }, (_, i) => i + 1),
    );
    subscriber.close();
  });

  it('keeps every acknowledged write when one server is killed under load', async () => {
    const acknowledged = new Map<string, number>();
    const round = { stopping: false };
    const writer = async (client: number): Promise<void> => {
      for (let n = 0; !round.stopping; n++) {
        const id = `k${client}-${n % 5}`;
        try {
          const response = await send(a, 'PUT', `/Product/${id}`, { name: id, stockQuantity: n });
          if (response.status === 204) acknowledged.set(id, n);
          else throw new Error(`PUT ${id}: ${response.status}`);
        } catch (error) {
          // The server died under this write: it may or may not have committed; stop writing.
          if (error instanceof TypeError) return;
          throw error;
        }
      }
    };
    const writers = Array.from({ length: 6 }, (_, client) => writer(client));
    await new Promise((resolve) => setTimeout(resolve, 600));
    await a.crash();
    round.stopping = true;
    await Promise.all(writers);
    expect(acknowledged.size).toBeGreaterThan(0);
    for (const [id, n] of acknowledged) {
      const record = (await (await send(b, 'GET', `/Product/${id}`)).json()) as {
        stockQuantity: number;
      };
      // The acknowledged value, or a later one whose answer the kill cut off.
      expect(record.stockQuantity, id).toBeGreaterThanOrEqual(n);
    }
    a = await startGeneratedServer('shop', { env: { DATABASE_URL: url } });
    expect((await send(a, 'GET', '/health')).status).toBe(200);
  });
});

describe('a database the server cannot use', () => {
  const start = async (databaseUrl: string) => {
    const result = await execa('node', ['dist/main.js'], {
      cwd: `${REPO_ROOT}/generated-examples/shop`,
      env: { PORT: '0', HOST: '127.0.0.1', DEBUG: '', DATABASE_URL: databaseUrl },
      reject: false,
      timeout: 30_000,
    });
    const lines = String(result.stderr)
      .split('\n')
      .filter((line) => line !== '');
    return { exitCode: result.exitCode, lines };
  };

  it('refuses a database it cannot reach, in one line', async () => {
    const unreachable = new URL(url);
    unreachable.port = '1';
    const { exitCode, lines } = await start(unreachable.href);
    expect(exitCode).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(
        /^cannot start the server: PostgreSQL store: cannot reach the PostgreSQL server at 127\.0\.0\.1:1 .*\(DATABASE_URL\)$/,
      ),
    ]);
  });

  it('refuses wrong credentials without printing the password', async () => {
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const { exitCode, lines } = await start(wrong.href);
    expect(exitCode).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/refused the credentials of user/);
    expect(lines[0]).not.toContain('not-the-password');
  });

  it('refuses a DATABASE_URL that is not a postgres:// URL', async () => {
    const { exitCode, lines } = await start('mysql://localhost/db');
    expect(exitCode).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(
        /DATABASE_URL must be a postgres:\/\/user:password@host:port\/database URL/,
      ),
    ]);
  });
});
