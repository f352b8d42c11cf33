/**
 * Clients that ask for a large list and never read it (issue 20, contract section 9), against a
 * generated server process: they must not pin LMDB read transactions (130 of them used to make
 * every read answer 500 MDB_READERS_FULL and /health 503), they hold one of MAX_STREAMED_ANSWERS
 * slots (more get 503 with Retry-After), and ANSWER_WRITE_TIMEOUT_MS closes their connections.
 * Each stalled client reads the first bytes of its answer (so the stream has started) and then
 * stops reading; the server's writes back up until it waits on the socket.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, stopEngines } from '../helpers/engines.js';
import { startGeneratedServer, type GeneratedServer } from '../helpers/generatedServer.js';
import { connectTo } from './rawHttp.js';

const PRODUCTS = 1500;
/** More stalled answers than LMDB has reader slots (126 by default). */
const STALLED = 150;

/** A client that requested `path`, read the first bytes of the answer, and then stopped reading. */
interface Stalled {
  readonly socket: Socket;
  /** What arrived before the client stopped reading. */
  readonly head: string;
  /** Resolves when the server closes the connection. */
  readonly closed: Promise<void>;
}

afterAll(stopEngines);

async function stall(port: number, path: string): Promise<Stalled> {
  const socket = await connectTo(port);
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  const head = await new Promise<string>((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      resolve(chunk.toString('latin1'));
    });
    socket.once('close', () => reject(new Error(`closed before answering ${path}`)));
  });
  return { socket, head, closed };
}

/** Resolves once the server's output holds `count` matches of `pattern` (a global regex). */
function outputLines(server: GeneratedServer, pattern: RegExp, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      if ((server.output().match(pattern) ?? []).length < count) return false;
      server.process.all?.off('data', onData);
      resolve();
      return true;
    };
    // The helper appends to the output on the same event, before or after this listener.
    const onData = (): void => void setImmediate(check);
    if (!check()) server.process.all?.on('data', onData);
  });
}

async function seed(server: GeneratedServer): Promise<void> {
  // About 30 MB of list: far more than a socket's buffers hold (several MB on loopback), so that
  // the server waits on the socket with its scan suspended.
  const description = 'd'.repeat(20_000);
  for (let start = 0; start < PRODUCTS; start += 250) {
    const products = Array.from({ length: 250 }, (_, i) => ({
      id: `p${start + i}`,
      name: `n${start + i}`,
      categoryId: 'c1',
      inStock: (start + i) % 2 === 0,
      description,
    }));
    const response = await fetch(`${server.url}/Product/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(products),
    });
    expect(response.status).toBe(201);
  }
}

describe('stalled readers of large lists', () => {
  let server: GeneratedServer;
  const stalled: Stalled[] = [];
  beforeAll(async () => {
    server = await startGeneratedServer('shop', {
      env: { MAX_STREAMED_ANSWERS: String(STALLED + 10), ANSWER_WRITE_TIMEOUT_MS: '600000' },
    });
    await seed(server);
  }, 60_000);
  afterAll(async () => {
    for (const client of stalled) client.socket.destroy();
    await server.dispose();
  });

  it('keeps reads, writes and /health working while 150 answers wait on clients that do not read', async () => {
    for (let i = 0; i < STALLED; i++) {
      // A scan of the table, and a scan of the inStock index.
      const client = await stall(
        server.port,
        i % 2 === 0 ? '/Product/' : '/Product/?inStock==true',
      );
      stalled.push(client);
      expect(client.head).toMatch(/^HTTP\/1\.1 200/);
      // A commit makes later reads use a new snapshot: a stalled stream that pins the old one
      // keeps its reader slot.
      const put = await fetch(`${server.url}/Category/c${i}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id: `c${i}`, name: `C${i}` }),
      });
      expect(put.status).toBe(204);
    }
    const record = await fetch(`${server.url}/Product/p7`);
    expect(record.status).toBe(200);
    const list = await fetch(`${server.url}/Product/?inStock==false&limit(3)`);
    expect(list.status).toBe(200);
    expect(await list.json()).toHaveLength(3);
    expect((await fetch(`${server.url}/Category/`)).status).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(server.output()).not.toContain('MDB_READERS_FULL');
  }, 120_000);
});

describe('slots and write timeout of streamed answers', () => {
  let server: GeneratedServer;
  beforeAll(async () => {
    server = await startGeneratedServer('shop', {
      env: { MAX_STREAMED_ANSWERS: '4', ANSWER_WRITE_TIMEOUT_MS: '1000' },
    });
    await seed(server);
  }, 60_000);
  afterAll(() => server.dispose());

  it('answers 503 with Retry-After beyond MAX_STREAMED_ANSWERS, and frees the slots of clients that do not read', async () => {
    const clients = await Promise.all(
      Array.from({ length: 4 }, () => stall(server.port, '/Product/')),
    );
    try {
      const refused = await fetch(`${server.url}/Product/`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({
        code: 'UNAVAILABLE',
        limit: 'MAX_STREAMED_ANSWERS',
      });
      // One record is not a streamed answer: it is served.
      expect((await fetch(`${server.url}/Product/p1`)).status).toBe(200);
      // The write timeout closes every stalled connection (the server says so: a client that
      // does not read cannot see the close); their slots are free again.
      await outputLines(
        server,
        /the client read nothing for 1000 ms; connection closed/g,
        clients.length,
      );
      for (const client of clients) client.socket.resume();
      await Promise.all(clients.map((client) => client.closed));
      const served = await fetch(`${server.url}/Product/?limit(2)`);
      expect(served.status).toBe(200);
      expect(await served.json()).toHaveLength(2);
    } finally {
      for (const client of clients) client.socket.destroy();
    }
  }, 60_000);
});

it.each(ENGINES)(
  'on $name, frees the slot of a client that hangs up before or during its answer at once, not at the timeout',
  async (engine) => {
    // The write timeout is far beyond the test: only the close itself can free the slots. (A
    // network store's reads let the close arrive between two writes of the answer.)
    const patient = await startGeneratedServer('shop', {
      env: {
        ...(await engine.env()),
        MAX_STREAMED_ANSWERS: '2',
        ANSWER_WRITE_TIMEOUT_MS: '600000',
      },
    });
    try {
      await seed(patient);
      for (let round = 0; round < 3; round++) {
        // One client is gone before its answer starts (while the store reads the first batch),
        // the other while the server still has most of the list to write.
        const early = await connectTo(patient.port);
        early.on('error', () => {});
        early.write('GET /Product/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        early.destroy();
        const late = await stall(patient.port, '/Product/');
        late.socket.destroy();
        await late.closed;
        const deadline = Date.now() + 5000;
        let status = 0;
        while (Date.now() < deadline) {
          status = (await fetch(`${patient.url}/Product/?limit(2)`)).status;
          if (status === 200) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(status, `round ${round}`).toBe(200);
      }
    } finally {
      await patient.dispose();
    }
  },
  120_000,
);
