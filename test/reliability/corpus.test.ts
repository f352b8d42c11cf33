/**
 * The hostile-input corpus (test/corpus/*.json) against a generated server started as a process:
 * every request gets its documented 4xx (or close code), no answer is a 5xx, the server keeps
 * serving, and the store is unchanged afterwards (same digest of every record, key and version;
 * every index consistent). Contract sections 4, 6, 7, 8 and 9.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../generated-examples/kitchen-sink/src/schema.js';
import {
  formatVerifyReport,
  verifyStore,
  type VerifyProblem,
  type VerifyReport,
} from '../../templates/runtime/verify.js';
import { startGeneratedServer, type GeneratedServer } from '../helpers/generatedServer.js';
import {
  frameSpec,
  isWebSocketCase,
  loadCorpus,
  loadCorpusServer,
  requestBytes,
  type HttpCase,
  type WebSocketCase,
} from './corpus.js';
import { rawExchange } from './rawHttp.js';
import { encodeFrame, readCloseCode, upgrade } from './rawWebSocket.js';

const corpus = loadCorpus();
const setup = loadCorpusServer();

describe('the hostile-input corpus', () => {
  let server: GeneratedServer;
  /** The store as every case must leave it: its digest, and its problems (none, unless a case failed). */
  let digest: string;
  let problems: readonly VerifyProblem[] = [];

  beforeAll(async () => {
    server = await startGeneratedServer(setup.example, { env: setup.env });
    for (const write of setup.seed) {
      const response = await fetch(`${server.url}${write.target}`, {
        method: write.method,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(write.body),
      });
      expect(response.status, `seed ${write.method} ${write.target}`).toBeLessThan(300);
    }
    digest = (await verifyStore(schema, server.dataDir)).digest;
  });

  afterAll(async () => {
    await server.dispose();
  });

  it('holds at least 200 requests', () => {
    expect(corpus.reduce((sum, file) => sum + file.cases.length, 0)).toBeGreaterThanOrEqual(200);
  });

  for (const file of corpus) {
    describe(file.file, () => {
      for (const item of file.cases) {
        it(`${item.class}: ${item.name}`, async () => {
          const before = { digest, problems };
          let report: VerifyReport | undefined;
          try {
            if (isWebSocketCase(item)) await sendWebSocketCase(server, item);
            else await sendHttpCase(server, item);
          } finally {
            // Later cases are judged against the store as it now is, so that only the culprit fails.
            report = await verifyStore(schema, server.dataDir);
            digest = report.digest;
            problems = report.problems;
          }
          const health = await fetch(`${server.url}/health`);
          expect(health.status, 'the server still serves').toBe(200);
          expect(report.problems, formatVerifyReport(report)).toEqual(before.problems);
          expect(report.digest, 'the request changed the store').toBe(before.digest);
        });
      }
    });
  }

  it('logged no server failure while the corpus ran', () => {
    expect(server.output()).not.toMatch(/failed:|INTERNAL_ERROR|uncaught/i);
  });
});

async function sendHttpCase(server: GeneratedServer, item: HttpCase): Promise<void> {
  const answer = await rawExchange(server.port, requestBytes(item), { hangUp: item.hangUp });
  if (item.expect === 'closed') {
    expect(answer.status, answer.head).toBeNull();
    expect(answer.closed).toBe(true);
    return;
  }
  expect(answer.status, answer.head).toBe(item.expect);
  if ((answer.status ?? 0) >= 400 && /^content-type: application\/json/im.test(answer.head)) {
    // The server's own error answers: `{"error": <message>, "code": <CODE>, …}` (contract 7).
    const body = JSON.parse(answer.body.toString('utf8')) as { error?: unknown; code?: unknown };
    expect(typeof body.error).toBe('string');
    expect(typeof body.code).toBe('string');
    if (item.code !== undefined) expect(body.code).toBe(item.code);
  } else {
    expect(item.code, `expected a JSON error body: ${answer.head}`).toBeUndefined();
  }
}

async function sendWebSocketCase(server: GeneratedServer, item: WebSocketCase): Promise<void> {
  const socket = await upgrade(server.port, item.websocket);
  for (const frame of item.frames) socket.socket.write(encodeFrame(frameSpec(frame)));
  expect(await readCloseCode(socket)).toBe(item.expectClose);
}
