/**
 * Several processes behind one port (`WORKERS=n`, contract section 3). The server's own process
 * becomes the primary: it serves nothing itself, forks `n` workers that each run the whole server
 * on the same port (node's cluster module hands incoming connections to them in turn) and on the
 * same data directory, and prints `listening on …` once every worker listens.
 *
 * The workers share everything through the store: each commit goes into its commit log, which
 * every worker reads (its record caches and real-time subscribers hear of every worker's writes).
 * To make that fast, a worker that committed tells the primary, which tells the others to read the
 * log at once, instead of waiting for their next look at it.
 *
 * A worker that fails to start fails the start (the primary stops the others and exits 1; the
 * worker has printed why). A worker that dies later is replaced. SIGTERM/SIGINT to the primary
 * stops the workers gracefully, then the primary exits 0. A primary that dies without a word
 * (SIGKILL) takes its workers with it: each exits when its channel to the primary closes.
 */
import cluster, { type Worker } from 'node:cluster';

/** What workers and the primary tell each other. */
type ClusterMessage =
  | { readonly kind: 'listening'; readonly url: string }
  /** A worker committed: the others read the commit log now. */
  | { readonly kind: 'committed' }
  /**
   * A worker published a message (contract 8.5), as its JSON text: the others hand it to their
   * subscribers.
   */
  | { readonly kind: 'published'; readonly text: string }
  /** The primary stops the workers: close gracefully and exit. */
  | { readonly kind: 'stop' };

/** A replaced worker that dies again within this time is not replaced again at once. */
const RESPAWN_DELAY_MS = 1000;

function isClusterMessage(value: unknown): value is ClusterMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string'
  );
}

/** The environment variable that tells a worker whether it builds indexes. */
const WORKER_ROLE = 'CODEGEN_WORKER_ROLE';

/** Whether this process is a worker of a server started with several workers. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/**
 * Whether this process builds the indexes newly declared in the schema: the one process of a
 * single-process server, and one worker of several.
 */
export function buildsIndexes(): boolean {
  return !cluster.isWorker || process.env[WORKER_ROLE] === 'builder';
}

/**
 * Runs the primary: forks `workers` workers and supervises them. Resolves once every worker
 * listens; calls `exit` with the process's exit code when the server is over.
 */
export async function runPrimary(
  workers: number,
  log: (line: string) => void,
  exit: (code: number) => void,
): Promise<string> {
  const live = new Set<Worker>();
  /** The exit code once the server is stopping; undefined while it runs. */
  let stopCode: number | undefined;
  let started = false;

  const broadcast = (from: Worker, message: ClusterMessage): void => {
    for (const worker of live) if (worker !== from && worker.isConnected()) worker.send(message);
  };

  const stopAll = (code: number): void => {
    if (stopCode !== undefined) return;
    stopCode = code;
    if (live.size === 0) exit(code);
    for (const worker of live) {
      if (worker.isConnected()) worker.send({ kind: 'stop' } satisfies ClusterMessage);
      else worker.process.kill('SIGTERM');
    }
  };

  const url = await new Promise<string>((resolve, reject) => {
    let listening = 0;
    let firstUrl: string | undefined;
    let builder: Worker | undefined;
    const fork = (): Worker => {
      // One worker builds the indexes newly declared in the schema; the others wait for them.
      const builds = builder === undefined;
      const worker = cluster.fork({ [WORKER_ROLE]: builds ? 'builder' : 'follower' });
      if (builds) builder = worker;
      live.add(worker);
      worker.on('message', (message: unknown) => {
        if (!isClusterMessage(message)) return;
        if (message.kind === 'committed' || message.kind === 'published')
          broadcast(worker, message);
        else if (message.kind === 'listening' && !started) {
          firstUrl ??= message.url;
          listening += 1;
          if (listening === workers) {
            started = true;
            resolve(firstUrl);
          }
        }
      });
      worker.on('exit', (code: number | null, signal: string | null) => {
        live.delete(worker);
        if (builder === worker) builder = undefined;
        if (stopCode !== undefined) {
          if (live.size === 0) exit(stopCode);
          return;
        }
        if (!started) {
          // The worker printed why it could not start; the others would fail the same way.
          stopAll(1);
          reject(new Error(`a worker exited (${signal ?? code}) before it was listening`));
          return;
        }
        log(`worker ${worker.process.pid ?? '?'} exited (${signal ?? code}); starting another`);
        setTimeout(() => {
          if (stopCode === undefined) fork();
        }, RESPAWN_DELAY_MS).unref();
      });
      return worker;
    };
    for (let index = 0; index < workers; index += 1) fork();
  });

  const stop = (signal: NodeJS.Signals): void => {
    log(`${signal} received, stopping ${live.size} workers`);
    stopAll(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return url;
}

/**
 * The worker's side: tells the primary it listens, relays its commits, reads the log when another
 * worker committed, and closes when the primary asks or goes away.
 */
export function joinCluster(
  url: string,
  handlers: {
    readonly othersCommitted: () => void;
    readonly othersPublished: (text: string) => void;
    readonly stop: () => void;
  },
): { readonly committed: () => void; readonly published: (text: string) => void } {
  const send = (message: ClusterMessage): void => {
    if (process.connected) process.send?.(message);
  };
  process.on('message', (message: unknown) => {
    if (!isClusterMessage(message)) return;
    if (message.kind === 'committed') handlers.othersCommitted();
    else if (message.kind === 'published') handlers.othersPublished(message.text);
    else if (message.kind === 'stop') handlers.stop();
  });
  // The primary is gone (killed): nobody supervises this worker or owns the data directory.
  process.once('disconnect', handlers.stop);
  send({ kind: 'listening', url });
  // One message per turn of the event loop however many commits it saw: a nudge, not a payload.
  let nudged = false;
  return {
    published: (text) => send({ kind: 'published', text }),
    committed: () => {
      if (nudged) return;
      nudged = true;
      setImmediate(() => {
        nudged = false;
        send({ kind: 'committed' });
      });
    },
  };
}
