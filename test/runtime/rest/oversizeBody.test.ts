/**
 * A body over MAX_BODY_BYTES gets its 413 (issue 20): the server reads and throws away the rest of
 * the body before it closes the connection, so that the kernel does not answer the unread bytes
 * with a reset that destroys the 413 before the client has read it (6 raw clients of 10 saw a
 * reset). Every raw client here sends its whole oversize body and must read a 413 status line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange } from '../../reliability/rawHttp.js';
import { shopSchema } from '../fixtures/schemas.js';
import { startServer, type TestServer } from '../helpers/server.js';

const LIMIT = 64 * 1024;
const CLIENTS = 20;
const BODY = Buffer.alloc(LIMIT * 16, 0x20);

describe('oversize bodies', () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    server = await startServer(shopSchema, { MAX_BODY_BYTES: String(LIMIT) });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.dispose());

  const request = (framing: 'length' | 'chunked'): Buffer => {
    const head =
      `POST /Product/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      (framing === 'length'
        ? `Content-Length: ${BODY.length}\r\n\r\n`
        : 'Transfer-Encoding: chunked\r\n\r\n');
    if (framing === 'length') return Buffer.concat([Buffer.from(head), BODY]);
    const chunks: Buffer[] = [Buffer.from(head)];
    for (let at = 0; at < BODY.length; at += 16 * 1024) {
      const chunk = BODY.subarray(at, at + 16 * 1024);
      chunks.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from('0\r\n\r\n'));
    return Buffer.concat(chunks);
  };

  it.each(['length', 'chunked'] as const)(
    'reaches every client that sends a whole oversize body (%s)',
    async (framing) => {
      const answers = await Promise.all(
        Array.from({ length: CLIENTS }, () =>
          rawExchange(port, request(framing), { timeoutMs: 20_000 }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(
        Array.from({ length: CLIENTS }, () => 413),
      );
      for (const answer of answers) {
        expect(answer.head).toMatch(/\r\nconnection: close/i);
        expect(JSON.parse(answer.body.toString())).toMatchObject({
          code: 'PAYLOAD_TOO_LARGE',
          limit: LIMIT,
        });
      }
      // Nothing was created, and the server still answers.
      expect(await (await server.fetch('/Product/')).json()).toEqual([]);
    },
  );
});
