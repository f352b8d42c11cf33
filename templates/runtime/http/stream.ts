/**
 * Streams a list answer (contract section 4: collections are streamed): values are encoded one at
 * a time and written in chunks, waiting for the socket to drain, so memory stays flat however many
 * records match. The status line goes out with the first chunk, so that a failure before it (the
 * first values cannot be read, or one is over the answer's budget) is still a proper error answer;
 * a failure after it cuts the connection, so that the body never looks complete.
 *
 * Contract section 9: the store's scans hold no read transaction while the stream waits for the
 * socket; at most `MAX_STREAMED_ANSWERS` streams run at once (503 with `Retry-After` beyond), and
 * a client that reads nothing for `ANSWER_WRITE_TIMEOUT_MS` has its connection closed.
 */
import type { Transform, Writable } from 'node:stream';
import { log } from '../log.js';
import type { Batches } from '../store/types.js';
import { compressor } from './compress.js';
import { listEncoder } from './encode.js';
import { withCoding, type Exchange } from './exchange.js';
import { CONTENT_TYPES, type Format } from './negotiate.js';

/** Text is gathered into chunks of about this many characters before each socket write. */
const CHUNK_SIZE = 16 * 1024;

export async function streamList(
  exchange: Exchange,
  format: Format,
  values: Batches<unknown>,
  columns: readonly string[],
  headers: string[] = [],
): Promise<void> {
  const { request, response } = exchange;
  const release = exchange.beginStream();
  const iterator = values[Symbol.asyncIterator]();
  try {
    const first = await exchange.timed(() => iterator.next());
    headers.push('Content-Type', CONTENT_TYPES[format]);
    if (request.method === 'HEAD') {
      response.writeHead(200, exchange.headers(headers));
      response.end();
      return;
    }
    const encoder = listEncoder(format, columns);
    let pending: (Buffer | string)[] = [encoder.start()];
    let pendingSize = 0;
    // Where chunks are written: the socket, or a compressor that writes to it.
    let out: Writable = response;
    let compressing = null as Transform | null;
    const flush = async (): Promise<boolean> => {
      if (!response.headersSent) {
        // Compressed when what is known of it by the first write (a list that ended within its
        // first chunk: all of it) is long enough.
        const coding = exchange.codingFor(pendingSize);
        if (coding !== null) {
          withCoding(headers, coding);
          const stream = compressor(coding);
          stream.pipe(response);
          // A client that went away must not leave the compressor holding its buffers.
          response.once('close', () => stream.destroy());
          out = compressing = stream;
        }
        response.writeHead(200, exchange.headers(headers));
      }
      const chunk = pending.length === 1 ? pending[0] : joinPieces(pending);
      pending = [];
      pendingSize = 0;
      if (chunk === undefined || chunk.length === 0) return true;
      if (!out.write(chunk)) await drained(exchange, out, exchange.writeTimeoutMs);
      return !response.destroyed;
    };
    for (let next = first; next.done !== true; next = await exchange.timed(() => iterator.next())) {
      for (const value of next.value) {
        const piece = encoder.item(value);
        pending.push(piece);
        pendingSize += piece.length;
        // A client that went away stops the reading too.
        if (pendingSize >= CHUNK_SIZE && !(await flush())) return;
      }
    }
    pending.push(encoder.end());
    await flush();
    // The compressor ends the answer once it has written all it holds.
    if (compressing !== null) compressing.end();
    else response.end();
  } finally {
    // Stops the store's reading when the loop ended early.
    await iterator.return?.();
    release();
  }
}

/**
 * Resolves when `out` (the socket, or the compressor writing to it) has room again, or when the
 * response is gone. A client that has not read for `timeoutMs` is cut off: its answer would
 * otherwise hold the server's memory forever.
 */
function drained(exchange: Exchange, out: Writable, timeoutMs: number): Promise<void> {
  const { request, response } = exchange;
  // A connection closed already has emitted its `close`: waiting for one would hold the answer's
  // slot (MAX_STREAMED_ANSWERS) until the timeout.
  if (response.destroyed || response.socket === null || response.socket.destroyed) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      log.warn(
        `${request.method} ${(request.url ?? '').slice(0, 200)}: the client read nothing for ${timeoutMs} ms; connection closed`,
      );
      response.destroy();
      done();
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      out.off('drain', done);
      response.off('close', done);
      resolve();
    };
    out.on('drain', done);
    response.on('close', done);
  });
}

function joinPieces(pieces: readonly (Buffer | string)[]): Buffer | string {
  if (pieces.every((piece) => typeof piece === 'string')) return pieces.join('');
  return Buffer.concat(
    pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)),
  );
}
