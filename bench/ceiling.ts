/**
 * The ceiling: a bare node:http server that answers every request with the exact bytes (status,
 * headers, body) of one `get_one` answer of the generated server. Whatever a generated server does
 * beyond this (routing, reading the store, serializing) shows up as its distance to this figure.
 *
 * `node dist/bench/ceiling.js <response.json>`, with env `PORT` and `HOST`; prints `listening on …`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecordedResponse, type RecordedResponse } from './recordedResponse.js';

function serve(recorded: RecordedResponse): void {
  const body = Buffer.from(recorded.bodyBase64, 'base64');
  const headers = [...recorded.headers.flat(), 'content-length', String(body.length)];
  const server = createServer((request, response) => {
    // Drain any request body so that keep-alive connections stay usable.
    request.resume();
    response.writeHead(recorded.status, headers);
    response.end(body);
  });
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
    const { address, port } = server.address() as AddressInfo;
    process.stdout.write(`listening on http://${address}:${port}\n`);
  });
  const close = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: node dist/bench/ceiling.js <response.json>\n');
  process.exit(2);
}
const recorded: unknown = JSON.parse(readFileSync(file, 'utf8'));
if (!isRecordedResponse(recorded)) {
  process.stderr.write(`${file} is not a recorded response\n`);
  process.exit(2);
}
serve(recorded);
