/**
 * HTTP over a bare TCP socket, for requests that fetch cannot express (broken framing, bytes that
 * are not HTTP, a client that hangs up or trickles) and for seeing exactly what the server sends.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** The status of the first answer, or null when none arrived before the connection closed. */
  readonly status: number | null;
  /** The head of the answer (status line and headers), as text. */
  readonly head: string;
  readonly body: Buffer;
  /** Whether the server closed the connection (it may also have answered first). */
  readonly closed: boolean;
}

export interface RawOptions {
  /** Half-close the connection once the request is written, as a client that gives up would. */
  readonly hangUp?: boolean;
  /** Give up waiting for an answer after this long (the test then fails on a null status). */
  readonly timeoutMs?: number;
}

/** Opens a connection to the server on 127.0.0.1. */
export function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Sends `request` as it is and reads the first answer: up to its Content-Length, the end of its
 * chunked body, or the server closing the connection.
 */
export async function rawExchange(
  port: number,
  request: Buffer,
  options: RawOptions = {},
): Promise<RawAnswer> {
  const socket = await connectTo(port);
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseAnswer(received), closed });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (answerComplete(received)) finish(false);
    });
    socket.on('close', () => finish(true));
    // The server may answer (413, 431) and close before it has read everything: not a failure.
    socket.on('error', () => {});
    socket.write(request, () => {
      if (options.hangUp) socket.end();
    });
  });
}

/** Splits the bytes received into the first answer's status, head and body. */
function parseAnswer(received: Buffer): Omit<RawAnswer, 'closed'> {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return { status: null, head: received.toString('latin1'), body: Buffer.alloc(0) };
  const head = received.subarray(0, end).toString('latin1');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  const status = match?.[1] === undefined ? null : Number(match[1]);
  let body = received.subarray(end + 4);
  const length = contentLength(head);
  if (length !== undefined) body = body.subarray(0, length);
  else if (/^transfer-encoding:\s*chunked/im.test(head)) body = dechunk(body);
  return { status, head, body };
}

function answerComplete(received: Buffer): boolean {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = received.subarray(0, end).toString('latin1');
  const bodyBytes = received.length - end - 4;
  const length = contentLength(head);
  if (length !== undefined) return bodyBytes >= length;
  if (/^transfer-encoding:\s*chunked/im.test(head))
    return received.subarray(end + 4).includes('0\r\n\r\n');
  // 1xx, 204 and 304 have no body; anything else without a length ends when the connection does.
  return /^HTTP\/1\.[01] (1\d\d|204|304)/.test(head);
}

function contentLength(head: string): number | undefined {
  const match = /^content-length:\s*(\d+)/im.exec(head);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
