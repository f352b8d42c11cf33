/**
 * Test helpers of the real-time layer: an in-process server with its real-time module at hand and a
 * recording sink. The clients (WebSocket, Server-Sent Events) live in `test/helpers/realtimeClient.ts`,
 * which the end-to-end tests use without loading the runtime.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';
import { runServer, type RunningServer } from '../../../templates/runtime/main.js';
import type {
  EventMessage,
  FrameFormat,
  OutgoingEvent,
} from '../../../templates/runtime/realtime/event.js';
import {
  createRealtime,
  type Realtime,
  type RealtimeOptions,
} from '../../../templates/runtime/realtime/index.js';
import type { CloseCode, EventSink } from '../../../templates/runtime/realtime/sink.js';

export {
  connect,
  eventually,
  EventClient,
  EventStreamReader,
  send,
  type Closed,
} from '../../helpers/realtimeClient.js';

export interface TestServer {
  readonly url: string;
  readonly wsUrl: string;
  readonly server: RunningServer;
  readonly realtime: Realtime;
  close(): Promise<void>;
}

/** Starts the runtime in this process; `options` override what the environment `env` configures. */
export async function startServer(
  schema: SchemaMeta,
  options: Partial<RealtimeOptions> = {},
  env: Readonly<Record<string, string>> = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'codegen-realtime-'));
  let realtime: Realtime | undefined;
  const server = await runServer(schema, {
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env },
    handleSignals: false,
    log: () => {},
    realtime: (app) => (realtime = createRealtime(app, options)),
  });
  if (realtime === undefined) throw new Error('the server did not build its real-time module');
  return {
    url: server.url,
    wsUrl: server.url.replace(/^http/, 'ws'),
    server,
    realtime,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A sink that records what it is sent. Its consumer reads instantly unless `stall()` was called:
 * then bytes pile up in `bufferedBytes` and `flushed()` waits until `drain()`.
 */
export class RecordingSink implements EventSink {
  readonly format: FrameFormat = 'json';
  readonly messages: EventMessage[] = [];
  closedWith: { code: CloseCode; reason: string } | undefined;
  bufferedBytes = 0;
  private stalled = false;
  private drainWaiters: (() => void)[] = [];

  get open(): boolean {
    return this.closedWith === undefined;
  }

  send(event: OutgoingEvent): void {
    if (!this.open) return;
    this.messages.push(JSON.parse(event.frame('json').toString()) as EventMessage);
    if (this.stalled) this.bufferedBytes += event.frame('json').length;
  }

  flushed(): Promise<void> {
    if (!this.stalled) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  close(code: CloseCode, reason: string): void {
    this.closedWith ??= { code, reason };
    this.drain();
  }

  stall(): void {
    this.stalled = true;
  }

  /** The consumer catches up: everything buffered is read. */
  drain(): void {
    this.bufferedBytes = 0;
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  resume(): void {
    this.stalled = false;
    this.drain();
  }
}
