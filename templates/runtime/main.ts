/**
 * Starting and stopping a generated server: read the configuration, open the store, listen, and on
 * SIGTERM/SIGINT stop accepting, drain in-flight requests, close sockets and the store, exit 0.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Auth } from './auth/index.js';
import { runtimeRoles, type RolesConfig } from './auth/roles.js';
import { withSystemTables } from './auth/users.js';
import { recomputeChanged, withComputed, type RuntimeComputed } from './computed.js';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import { HttpServer, type RealtimeHandler } from './http/server.js';
import { runtimeHooks, type Hooks } from './hooks.js';
import type { SchemaMeta } from './meta.js';
import type { RealtimeGauges } from './metrics.js';
import { createLog, linesLog, log, useLog, type Log } from './log.js';
import { createRealtime } from './realtime/index.js';
import { createApp, type App } from './rest/app.js';
import { buildsIndexes, isClusterWorker, joinCluster, runPrimary } from './cluster.js';
import { DataDirLockedError, lockDataDir } from './store/dataDirLock.js';
import { openLmdbStore } from './store/lmdb.js';
import { MAX_BROADCAST_BYTES, openPostgresStore } from './store/postgres.js';
import type { MessageBus } from './realtime/messages.js';
import { expiringStore, ExpirySweeper, type Lifetimes } from './store/expiring.js';
import { checkRetyped } from './storedTypes.js';
import type { Committed, Store, StoreWriteOptions, WriteTxn } from './store/types.js';
import { storeWith } from './store/wrap.js';

export interface ServerOptions<DB = unknown> {
  /** Where the configuration is read from; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stop gracefully and exit on SIGTERM/SIGINT (default true; in-process tests pass false). */
  readonly handleSignals?: boolean;
  /**
   * Where the text of each log line goes (tests, embedders); absent: standard output, as
   * `LOG_LEVEL` and `LOG_FORMAT` say. A process has one log: the last server started sets it.
   */
  readonly log?: (line: string) => void;
  /** The real-time module, built once the application exists (`createRealtime` by default). */
  readonly realtime?: (app: App) => RealtimeHandler;
  /** The user's hooks and custom endpoints (the generated `src/hooks.ts`). */
  readonly hooks?: Hooks<DB>;
  /**
   * The functions of the computed attributes (`src/computed.ts`); the server refuses to start
   * without one for each `@computed` attribute.
   */
  readonly computed?: RuntimeComputed;
  /**
   * The user's roles (`src/roles.ts`, contract section 12). Absent: a super user role named
   * `admin` and no other role.
   */
  readonly roles?: RolesConfig<DB>;
  /**
   * Print `listening on …` once listening (default true). A worker of a multi-process server does
   * not: its primary prints it once every worker listens.
   */
  readonly announce?: boolean;
  /** Called after each commit this process made (a worker tells the other workers). */
  readonly committed?: () => void;
  /**
   * The OpenAPI document served at `GET /openapi`: the generated `openapi.json` (the generated
   * `main.ts` names it). Read once at start; a document that cannot be read is reported and the
   * path answers 404.
   */
  readonly openApi?: URL;
  /**
   * The clock that decides when a record of a table with `@table(expiration:)` is gone (epoch
   * milliseconds); `Date.now` by default. Tests pass one they can move.
   */
  readonly now?: () => number;
}

export interface RunningServer {
  /** `http://HOST:PORT`, with the port actually bound (PORT=0 picks one). */
  readonly url: string;
  readonly port: number;
  readonly config: ServerConfig;
  readonly app: App;
  /** The node HTTP server, for tools that need its events. */
  readonly server: Server;
  /** What removes expired records (null when no table expires, or another worker does it). */
  readonly sweeper: ExpirySweeper | null;
  /**
   * Settles once the start-up check of stored values whose attribute's type changed has logged
   * what it found (contract section 11); at once when there is nothing to check.
   */
  readonly storedTypesChecked: Promise<void>;
  /** Stops accepting, drains in-flight requests, closes sockets and the store. */
  close(): Promise<void>;
}

export async function runServer<DB>(
  schema: SchemaMeta,
  options: ServerOptions<DB> = {},
): Promise<RunningServer> {
  const config = startupStep('configuration', undefined, () =>
    loadConfig(options.env ?? process.env),
  );
  useLog(serverLog(config, options.log));
  const logLine = (line: string): void => log.info(line);
  const { store: opened, release } = await openStore(schema, config, logLine);
  const told = options.committed === undefined ? opened : tellingCommits(opened, options.committed);
  const now = options.now ?? Date.now;
  const lifetimes = lifetimesOf(schema);
  const store = expiringStore(told, lifetimes, now);
  const sweeper =
    lifetimes.size > 0 && buildsIndexes()
      ? new ExpirySweeper(told, lifetimes, now, { intervals: sweepIntervalsOf(schema), log })
      : null;
  let app: App;
  let http: HttpServer;
  let address;
  let phase: StartupPhase = 'auth';
  let auth: Auth | undefined;
  try {
    auth = await Auth.open(
      schema,
      store,
      config,
      runtimeRoles(options.roles ?? { superUser: 'admin', roles: {} }),
      logLine,
    );
    phase = 'computed';
    const hooks = withComputed(schema, runtimeHooks(options.hooks ?? {}), options.computed ?? {});
    phase = 'hooks';
    auth.checkRoutes(hooks);
    app = createApp(schema, store, config, hooks, auth);
    relayMessages(app.messages, opened);
    // One process computes for every worker, as one builds the indexes.
    phase = 'computed';
    if (buildsIndexes())
      await recomputeChanged(app.tableSet.all(), store, {
        batch: config.indexBuildBatch,
        log: logLine,
      });
    const realtime = (options.realtime ?? createRealtime)(app);
    if (isWatchable(realtime)) app.metrics.watchRealtime(realtime);
    http = new HttpServer(
      app,
      realtime,
      options.openApi === undefined ? undefined : readOpenApi(options.openApi),
    );
    phase = 'listen';
    address = await http.listen(config.port, config.host);
    sweeper?.start();
  } catch (error) {
    auth?.close();
    await store.close();
    release();
    throw new StartupError(phase, error, config);
  }
  // In the background: the server answers meanwhile. One process of a cluster checks.
  const stopChecking = new AbortController();
  const storedTypesChecked = buildsIndexes()
    ? checkRetyped(store, schema, stopChecking.signal).catch((error: unknown) => {
        log.error('checking stored values against the schema failed', { err: error });
      })
    : Promise.resolve();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stopChecking.abort();
      await http.close();
      await sweeper?.close();
      await storedTypesChecked;
      app.metrics.close();
      auth.close();
      await store.close();
      release();
    })();
    return closing;
  };

  if (options.handleSignals ?? true) {
    const stop = (signal: NodeJS.Signals): void => {
      log.info(`${signal} received, shutting down`, { signal });
      close().then(
        () => exitLogged(0),
        (error: unknown) => {
          log.error('shutdown failed', { err: error });
          exitLogged(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }

  if (options.announce ?? true) log.info(`listening on ${url}`, { url, engine: engineOf(config) });
  return {
    url,
    port: address.port,
    config,
    app,
    server: http.server,
    sweeper,
    storedTypesChecked,
    close,
  };
}

/**
 * The store the configuration names: PostgreSQL with `DATABASE_URL` (which many servers may
 * share), else LMDB in `DATA_DIR`, which this server locks first: a server refused because another
 * one serves the directory writes nothing. `release` gives the lock back after the store closed.
 */
async function openStore(
  schema: SchemaMeta,
  config: ServerConfig,
  log: (line: string) => void,
): Promise<{ readonly store: Store; readonly release: () => void }> {
  if (config.databaseUrl !== null) {
    const url = config.databaseUrl;
    try {
      const store = await openPostgresStore(withSystemTables(schema), {
        url,
        log,
        indexBuildBatch: config.indexBuildBatch,
        poolSize: config.databasePoolSize,
      });
      return { store, release: () => {} };
    } catch (error) {
      throw new StartupError('database', error, config);
    }
  }
  const lock = startupStep('data', config, () => lockDataDir(config.dataDir, { log }));
  const store = startupStep('data', config, () => {
    try {
      return openLmdbStore(withSystemTables(schema), {
        path: config.dataDir,
        log,
        indexBuildBatch: config.indexBuildBatch,
        buildIndexes: buildsIndexes(),
        shared: isClusterWorker(),
      });
    } catch (error) {
      lock.release();
      throw error;
    }
  });
  return { store, release: () => lock.release() };
}

/** The log the configuration asks for, or one that hands its lines' text to `lines`. */
function serverLog(config: ServerConfig, lines: ((line: string) => void) | undefined): Log {
  return lines === undefined
    ? createLog({ level: config.logLevel, format: config.logFormat })
    : linesLog(lines, config.logLevel);
}

function engineOf(config: ServerConfig): 'lmdb' | 'postgresql' {
  return config.databaseUrl === null ? 'lmdb' : 'postgresql';
}

/** Ends the process once every line logged so far (`stopped` last) is written. */
function exitLogged(code: number): void {
  if (code === 0) log.info('stopped');
  void log.close().then(() => process.exit(code));
}

/** Whether the real-time module reports its connections (the default one does). */
function isWatchable(realtime: RealtimeHandler): realtime is RealtimeHandler & RealtimeGauges {
  return typeof (realtime as Partial<RealtimeGauges>).stats === 'function';
}

/** The bytes of the OpenAPI document, or undefined (said in the log) when it cannot be read. */
function readOpenApi(url: URL): Buffer | undefined {
  try {
    return readFileSync(url);
  } catch (error) {
    log.warn(
      `GET /openapi answers 404: the OpenAPI document ${fileURLToPath(url)} cannot be read (${error instanceof Error ? error.message : String(error)}); run codegen again to write it`,
    );
    return undefined;
  }
}

/**
 * Carries the messages published here to the other processes serving the same data, and theirs
 * here, when the store can (PostgreSQL: `NOTIFY`). A message that cannot be sent is logged: the
 * subscribers of this process have it already.
 */
function relayMessages(messages: MessageBus, store: Store): void {
  if (store.broadcast === undefined || store.onBroadcast === undefined) return;
  messages.maxBytes = MAX_BROADCAST_BYTES;
  messages.relay = (text) => {
    store.broadcast?.(text).catch((error: unknown) => {
      log.error('a message could not be sent to the other servers', { err: error });
    });
  };
  store.onBroadcast((text) => messages.deliverText(text));
}

/** The time to live of each table with `@table(expiration:)`, in milliseconds. */
function lifetimesOf(schema: SchemaMeta): Lifetimes {
  return new Map(
    schema.tables.flatMap((table) =>
      table.expiration === null ? [] : [[table.name, table.expiration * 1000] as const],
    ),
  );
}

/**
 * How often each expiring table is swept, in milliseconds: `@table(scanInterval:)`, or a quarter
 * of its expiration (at least a second).
 */
function sweepIntervalsOf(schema: SchemaMeta): Map<string, number> {
  return new Map(
    schema.tables.flatMap((table) =>
      table.expiration === null
        ? []
        : [[table.name, (table.scanInterval ?? Math.max(1, table.expiration / 4)) * 1000] as const],
    ),
  );
}

/** `store`, calling `committed` after each of its writes that changed something has committed. */
function tellingCommits(store: Store, committed: () => void): Store {
  return storeWith(store, {
    write: async <T>(
      work: (txn: WriteTxn) => T | Promise<T>,
      writeOptions?: StoreWriteOptions,
    ): Promise<Committed<T>> => {
      const result = await store.write(work, writeOptions);
      if (result.changes.length > 0) committed();
      return result;
    },
  });
}

/** What the server was doing when it could not start. */
export type StartupPhase =
  'configuration' | 'data' | 'database' | 'auth' | 'computed' | 'hooks' | 'listen';

/**
 * The server could not start. The message is one line saying what went wrong and how to fix it;
 * the original error is the `cause`.
 */
export class StartupError extends Error {
  constructor(
    readonly phase: StartupPhase,
    cause: unknown,
    config: ServerConfig | undefined,
  ) {
    super(describeStartupFailure(phase, cause, config), { cause });
    this.name = 'StartupError';
  }
}

function startupStep<T>(phase: StartupPhase, config: ServerConfig | undefined, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw new StartupError(phase, error, config);
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.trim();
}

function describeStartupFailure(
  phase: StartupPhase,
  error: unknown,
  config: ServerConfig | undefined,
): string {
  switch (phase) {
    case 'configuration':
      return error instanceof ConfigError
        ? `${error.problems.join('; ')}: set a valid value in the environment (the README lists every variable)`
        : `the configuration cannot be read: ${firstLine(error)}`;
    case 'data':
      if (error instanceof DataDirLockedError) return error.message;
      return (
        `cannot open the data directory ${JSON.stringify(config?.dataDir)}: ${firstLine(error)}; ` +
        'set DATA_DIR to a directory this user can create and write'
      );
    case 'database':
      // The store's messages name the server and the cause, never the password.
      return `${firstLine(error)} (DATABASE_URL)`;
    case 'auth':
      return firstLine(error);
    case 'computed':
      return `${firstLine(error)}; fix it in src/computed.ts`;
    case 'hooks':
      return `${firstLine(error)}; fix it in the table's file under src/hooks/`;
    case 'listen':
      return describeListenFailure(error as NodeJS.ErrnoException, config!);
  }
}

function describeListenFailure(error: NodeJS.ErrnoException, config: ServerConfig): string {
  const where = `${config.host}:${config.port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `port ${config.port} on ${config.host} is already in use; stop the program that uses it, or set PORT to another port (PORT=0 picks a free one)`;
    case 'EACCES':
      return `not allowed to listen on ${where}; set PORT to a port above 1023`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${JSON.stringify(config.host)} is not an address of this machine; set HOST to one (127.0.0.1, or 0.0.0.0 for every interface)`;
    default:
      return `cannot listen on ${where}: ${firstLine(error)}`;
  }
}

/**
 * The generated `src/main.ts` starts the server with this: like `runServer`, but a failure to
 * start is printed as one line (the stack only when `DEBUG` is set) and the process exits with 1.
 */
export async function serve<DB>(
  schema: SchemaMeta,
  options: ServerOptions<DB> = {},
): Promise<void> {
  const env = options.env ?? process.env;
  try {
    if (!isClusterWorker()) {
      const config = startupStep('configuration', undefined, () => loadConfig(env));
      if (config.workers > 1) {
        useLog(serverLog(config, options.log));
        const logLine = (line: string): void => log.info(line);
        // The primary holds the lock for its workers (children of a holder share it); a
        // PostgreSQL database needs none (any number of servers may share one).
        if (config.databaseUrl === null)
          startupStep('data', config, () => lockDataDir(config.dataDir, { log: logLine }));
        const url = await runPrimary(config.workers, logLine, exitLogged);
        log.info(`listening on ${url} (${config.workers} workers)`, {
          url,
          engine: engineOf(config),
          workers: config.workers,
        });
        return;
      }
      await runServer(schema, options);
      return;
    }
    // Told of this worker's commits once it has joined the cluster (after it listens).
    const peers: { committed?: () => void } = {};
    const running = await runServer(schema, {
      ...options,
      announce: false,
      committed: () => peers.committed?.(),
    });
    const stop = (): void => {
      running.close().then(
        () => exitLogged(0),
        (error: unknown) => {
          log.error('shutdown failed', { err: error });
          exitLogged(1);
        },
      );
    };
    const joined = joinCluster(running.url, {
      othersCommitted: () => {
        running.app.store.refresh().catch((error: unknown) => {
          log.error('reading the commit log failed', { err: error });
        });
      },
      othersPublished: (text) => running.app.messages.deliverText(text),
      stop,
    });
    peers.committed = joined.committed;
    // On PostgreSQL the store carries messages to every process itself.
    running.app.messages.relay ??= joined.published;
  } catch (error) {
    // One plain line on standard error, not a log line: the log's configuration may be what failed.
    const debug = (env.DEBUG ?? '') !== '';
    if (error instanceof StartupError) {
      console.error(`cannot start the server: ${error.message}`);
      if (debug) console.error(error.cause);
    } else {
      console.error(
        `cannot start the server: ${firstLine(error)} (set DEBUG=1 to see where it failed)`,
      );
      if (debug) console.error(error);
    }
    process.exit(1);
  }
}
