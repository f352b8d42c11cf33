/**
 * Starts the runtime's server in-process on a free port with a temporary data directory, as the
 * HTTP tests need it; `reopen` restarts it over the same data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  runServer,
  type RunningServer,
  type ServerOptions,
} from '../../../templates/runtime/main.js';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';

export interface TestServer {
  readonly url: string;
  readonly running: RunningServer;
  readonly dataDir: string;
  /** fetch() relative to the server's URL. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** JSON request helper: sends `body` as JSON. */
  send(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** Closes the server and starts it again over the same data directory. */
  reopen(): Promise<TestServer>;
  /** Closes the server and removes its data. */
  dispose(): Promise<void>;
}

export async function startServer(
  schema: SchemaMeta,
  env: Record<string, string> = {},
  dataDir = mkdtempSync(path.join(tmpdir(), 'runtime-http-')),
  /** More of the server's options (a clock, say). */
  options: Pick<ServerOptions, 'now'> = {},
): Promise<TestServer> {
  const running = await runServer(schema, {
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env },
    handleSignals: false,
    log: () => {},
    ...options,
  });
  const server: TestServer = {
    url: running.url,
    running,
    dataDir,
    fetch: (relative, init) => fetch(`${running.url}${relative}`, init),
    send: (method, relative, body, headers = {}) =>
      fetch(`${running.url}${relative}`, {
        method,
        headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    reopen: async () => {
      await running.close();
      return startServer(schema, env, dataDir, options);
    },
    dispose: async () => {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
