/**
 * Slow and idle clients (contract section 9): a client that trickles its headers or its body, or
 * connects and says nothing, is cut off by the header and request timeouts (set short here through
 * the environment); a thousand idle keep-alive connections do not keep anyone else from being served.
 */
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGeneratedServer, type GeneratedServer } from '../helpers/generatedServer.js';
import { connectTo } from './rawHttp.js';

const IDLE_CONNECTIONS = 1000;
/** How long a trickling client keeps going if nobody stops it: far beyond the timeouts below. */
const TRICKLE_BUDGET_MS = 15_000;

interface Trickled {
  /** What the server sent before it closed the connection. */
  readonly answer: string;
  /** Whether the server closed the connection while the client was still trickling. */
  readonly cutOff: boolean;
}

/** Sends `head`, then `unit` every 100 ms until the server closes the connection (or the budget runs out). */
async function trickle(port: number, head: string, unit: string): Promise<Trickled> {
  const socket = await connectTo(port);
  return new Promise((resolve) => {
    const started = Date.now();
    let answer = '';
    socket.write(head);
    const timer = setInterval(() => {
      if (Date.now() - started > TRICKLE_BUDGET_MS) {
        clearInterval(timer);
        socket.destroy();
        resolve({ answer, cutOff: false });
      } else if (unit !== '') {
        socket.write(unit);
      }
    }, 100);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, cutOff: true });
    });
  });
}

/** A keep-alive connection that has been answered once and now sits idle. */
class IdleConnection {
  private received = '';
  private waiting: (() => void) | undefined;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.toString('latin1');
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<IdleConnection> {
    const connection = new IdleConnection(await connectTo(port));
    expect(await connection.get('/health')).toBe(200);
    return connection;
  }

  /** Sends a GET of an answer with a Content-Length on this connection; resolves with its status. */
  async get(path: string): Promise<number> {
    this.received = '';
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    for (;;) {
      const match = /^HTTP\/1\.1 (\d{3})[^]*?\r\ncontent-length: (\d+)\r\n[^]*?\r\n\r\n/i.exec(
        this.received,
      );
      if (match !== null && this.received.length >= match[0].length + Number(match[2]))
        return Number(match[1]);
      if (this.closed)
        throw new Error(`connection closed; received ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('slow and idle clients', () => {
  let server: GeneratedServer;

  beforeAll(async () => {
    server = await startGeneratedServer('kitchen-sink', {
      env: {
        HEADERS_TIMEOUT_MS: '1000',
        REQUEST_TIMEOUT_MS: '2000',
        KEEP_ALIVE_TIMEOUT_MS: '120000',
      },
    });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('cuts off a client that trickles its headers, answering 408', async () => {
    const result = await trickle(
      server.port,
      'GET /Tag/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ',
      'a',
    );
    expect(result.cutOff).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts off a client that trickles its body, and writes nothing', async () => {
    const head =
      'PUT /Tag/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"label":"';
    const result = await trickle(server.port, head, 'a');
    expect(result.cutOff).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect((await fetch(`${server.url}/Tag/slow`)).status).toBe(404);
  });

  it('cuts off a client that connects and sends nothing', async () => {
    const result = await trickle(server.port, '', '');
    expect(result.cutOff).toBe(true);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('keeps serving others while slow clients trickle', async () => {
    const slow = Array.from({ length: 20 }, () =>
      trickle(server.port, 'GET /Tag/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 'a'),
    );
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`${server.url}/Tag/`)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 50 }, () => 200));
    expect((await Promise.all(slow)).every((result) => result.cutOff)).toBe(true);
  });

  it(
    `serves other clients while ${IDLE_CONNECTIONS} keep-alive connections sit idle`,
    { timeout: 60_000 },
    async () => {
      const idle: IdleConnection[] = [];
      try {
        for (let opened = 0; opened < IDLE_CONNECTIONS; opened += 100) {
          idle.push(
            ...(await Promise.all(
              Array.from({ length: 100 }, () => IdleConnection.open(server.port)),
            )),
          );
        }
        const writes = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            fetch(`${server.url}/Tag/busy${i}`, {
              method: 'PUT',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ label: `busy ${i}` }),
            }),
          ),
        );
        expect(writes.map((answer) => answer.status)).toEqual(
          Array.from({ length: 100 }, () => 204),
        );
        const listed = (await (await fetch(`${server.url}/Tag/`)).json()) as unknown[];
        expect(listed).toHaveLength(100);
        // The idle connections were kept open all along, and still work.
        expect(idle.filter((connection) => connection.closed)).toHaveLength(0);
        const again = await Promise.all(
          idle.slice(0, 50).map((connection) => connection.get('/health')),
        );
        expect(again).toEqual(Array.from({ length: 50 }, () => 200));
      } finally {
        for (const connection of idle) connection.close();
      }
    },
  );
});
