/**
 * Starting and stopping a generated server: read the configuration, open the store, listen, and on
 * SIGTERM/SIGINT stop accepting, drain in-flight requests, close sockets and the store, exit 0.
 */
import type { Server } from 'node:http';
import { loadConfig, type ServerConfig } from './config.js';
import { HttpServer, type RealtimeHandler } from './http/server.js';
import { runtimeHooks, type Hooks } from './hooks.js';
import type { SchemaMeta } from './meta.js';
import { createRealtime } from './realtime/index.js';
import { createApp, type App } from './rest/app.js';
import { openLmdbStore } from './store/lmdb.js';

export interface ServerOptions<DB = unknown> {
  /** Where the configuration is read from; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stop gracefully and exit on SIGTERM/SIGINT (default true; in-process tests pass false). */
  readonly handleSignals?: boolean;
  /** Where the `listening on …` line goes; `console.log` by default. */
  readonly log?: (line: string) => void;
  /** The real-time module, built once the application exists (`createRealtime` by default). */
  readonly realtime?: (app: App) => RealtimeHandler;
  /** The user's hooks and custom endpoints (the generated `src/hooks.ts`). */
  readonly hooks?: Hooks<DB>;
}

export interface RunningServer {
  /** `http://HOST:PORT`, with the port actually bound (PORT=0 picks one). */
  readonly url: string;
  readonly port: number;
  readonly config: ServerConfig;
  readonly app: App;
  /** The node HTTP server, for tools that need its events. */
  readonly server: Server;
  /** Stops accepting, drains in-flight requests, closes sockets and the store. */
  close(): Promise<void>;
}

export async function runServer<DB>(
  schema: SchemaMeta,
  options: ServerOptions<DB> = {},
): Promise<RunningServer> {
  const config = loadConfig(options.env ?? process.env);
  const log = options.log ?? ((line: string) => console.log(line));
  const store = openLmdbStore(schema, {
    path: config.dataDir,
    log,
    indexBuildBatch: config.indexBuildBatch,
  });
  let app: App;
  let http: HttpServer;
  let address;
  try {
    app = createApp(schema, store, config, runtimeHooks(options.hooks ?? {}));
    http = new HttpServer(app, (options.realtime ?? createRealtime)(app));
    address = await http.listen(config.port, config.host);
  } catch (error) {
    await store.close();
    throw error;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await http.close();
      await store.close();
    })();
    return closing;
  };

  if (options.handleSignals ?? true) {
    const stop = (signal: NodeJS.Signals): void => {
      log(`${signal} received, shutting down`);
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('shutdown failed:', error);
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }

  log(`listening on ${url}`);
  return { url, port: address.port, config, app, server: http.server, close };
}
