/**
 * Real-time figures of a running shop server (`fixtures/shop`):
 *
 * - latency from a PUT's response to the event's arrival, with 1, 100 and 1,000 WebSocket
 *   subscribers of the written record (p50/p99 over every subscriber of every write). The server
 *   sends events as soon as the commit is acknowledged, which may be before the PUT's response
 *   reaches the client: such an event counts as 0 ms. The same figures from the PUT's start are
 *   given alongside;
 * - write throughput (PUTs per second) with no subscriber, with 1,000 filtered views that the view
 *   index can narrow down (`?categoryId=<c>`), and with 1,000 it cannot (`?name=sw=<prefix>`).
 *
 * `runRealtimeBench(baseUrl, options)` is called by the harness (`npm run bench`) against the server
 * it started. Alone: `node dist/bench/realtime.js [--url http://host:port] [--quick]`; without
 * `--url` it generates, builds and starts the shop server itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { LatencyRecorder } from './latency.js';
import type { RealtimeBenchOptions } from './realtimeHook.js';
import { roundTo } from './round.js';
import { startServer } from './serverProcess.js';
import { buildShopServer } from './shopServer.js';

export interface LatencyFigures {
  readonly subscribers: number;
  /** Events measured: subscribers × writes. */
  readonly samples: number;
  /** From the PUT's response to the event's arrival (0 when the event came first). */
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  /** From the moment the PUT was sent to the event's arrival. */
  readonly from_request_p50_ms: number | null;
  readonly from_request_p99_ms: number | null;
}

export interface ThroughputFigures {
  readonly writes_per_s: number;
  readonly writes: number;
  /** Events the views' subscribers received while the writes ran. */
  readonly events: number;
}

export interface RealtimeFigures {
  readonly latency: {
    readonly subscribers_1: LatencyFigures;
    readonly subscribers_100: LatencyFigures;
    readonly subscribers_1000: LatencyFigures;
  };
  readonly throughput: {
    readonly no_subscribers: ThroughputFigures;
    readonly views_1000_indexed: ThroughputFigures;
    readonly views_1000_unindexed: ThroughputFigures;
    /** Throughput with the indexed views, as a fraction of the throughput without subscribers. */
    readonly indexed_vs_none: number;
    readonly unindexed_vs_none: number;
  };
}

/** Records the throughput case writes: each belongs to one category and one name prefix of its own. */
const POOL = 1000;
const VIEWS = 1000;
const MARK = 'realtime-bench';
/** Sockets opened at once while subscribers connect. */
const CONNECT_CONCURRENCY = 100;

export async function runRealtimeBench(
  baseUrl: string,
  options: RealtimeBenchOptions,
): Promise<RealtimeFigures> {
  const wsUrl = baseUrl.replace(/^http/, 'ws');
  const writesPerLatencyRun = options.quick ? 20 : 100;
  try {
    const latency = {
      subscribers_1: await measureLatency(baseUrl, wsUrl, 1, writesPerLatencyRun),
      subscribers_100: await measureLatency(baseUrl, wsUrl, 100, writesPerLatencyRun),
      subscribers_1000: await measureLatency(baseUrl, wsUrl, 1000, writesPerLatencyRun),
    };
    await writePool(baseUrl);
    const load = {
      seconds: options.durationSeconds,
      connections: Math.max(1, options.connections),
    };
    const none = await measureThroughput(baseUrl, load, []);
    const indexed = await measureThroughput(
      baseUrl,
      load,
      Array.from({ length: VIEWS }, (_, i) => `${wsUrl}/Product/?categoryId=${category(i)}`),
    );
    const unindexed = await measureThroughput(
      baseUrl,
      load,
      Array.from({ length: VIEWS }, (_, i) => `${wsUrl}/Product/?name=sw=${name(i)}`),
    );
    return {
      latency,
      throughput: {
        no_subscribers: none,
        views_1000_indexed: indexed,
        views_1000_unindexed: unindexed,
        indexed_vs_none: roundTo(indexed.writes_per_s / none.writes_per_s, 3),
        unindexed_vs_none: roundTo(unindexed.writes_per_s / none.writes_per_s, 3),
      },
    };
  } finally {
    await request(baseUrl, 'DELETE', `/Product/?imageUrl=${MARK}`);
  }
}

function category(i: number): string {
  return `rt-category-${i}`;
}

/** Names are zero-padded so that no view's prefix is the prefix of another record's name. */
function name(i: number): string {
  return `rt-name-${String(i).padStart(4, '0')}-`;
}

function product(key: string, i: number, stockQuantity: number): Record<string, unknown> {
  return {
    name: `${name(i)}${key}`,
    price: 10 + (i % 90),
    categoryId: category(i % VIEWS),
    inStock: true,
    stockQuantity,
    imageUrl: MARK,
  };
}

async function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<number> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

async function writePool(baseUrl: string): Promise<void> {
  for (let i = 0; i < POOL; i += 100) {
    const status = await request(
      baseUrl,
      'POST',
      '/Product/',
      Array.from({ length: 100 }, (_, j) => ({
        id: `rt-w-${i + j}`,
        ...product(`rt-w-${i + j}`, i + j, 0),
      })),
    );
    if (status !== 201) throw new Error(`loading the write pool failed with ${status}`);
  }
}

/** A subscriber that notes when each message arrives. */
class Subscriber {
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  messages = 0;
  private waiting: { quantity: number; resolve: (arrival: number) => void } | undefined;

  constructor(url: string) {
    this.socket = new WebSocket(url, { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('message', (data: Buffer) => {
      const arrival = performance.now();
      this.messages++;
      const waiting = this.waiting;
      if (waiting === undefined) return;
      const message = JSON.parse(data.toString()) as { value?: { stockQuantity?: unknown } };
      if (message.value?.stockQuantity === waiting.quantity) {
        this.waiting = undefined;
        waiting.resolve(arrival);
      }
    });
  }

  /** Resolves with the arrival time of the event carrying `quantity`. */
  expect(quantity: number): Promise<number> {
    return new Promise((resolve) => (this.waiting = { quantity, resolve }));
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

async function subscribeAll(urls: readonly string[]): Promise<Subscriber[]> {
  const subscribers: Subscriber[] = [];
  for (let i = 0; i < urls.length; i += CONNECT_CONCURRENCY) {
    const batch = urls.slice(i, i + CONNECT_CONCURRENCY).map((url) => new Subscriber(url));
    await Promise.all(batch.map((subscriber) => subscriber.opened));
    subscribers.push(...batch);
  }
  return subscribers;
}

/**
 * Event latency at `count` subscribers of one record over `writes` writes: from each write's
 * answer (and from its request) to each subscriber's event.
 */
export async function measureLatency(
  baseUrl: string,
  wsUrl: string,
  count: number,
  writes: number,
): Promise<LatencyFigures> {
  const key = `rt-latency-${count}`;
  if ((await request(baseUrl, 'PUT', `/Product/${key}`, product(key, 0, -1))) !== 204) {
    throw new Error(`PUT /Product/${key} failed`);
  }
  const subscribers = await subscribeAll(
    Array.from({ length: count }, () => `${wsUrl}/Product/${key}`),
  );
  const afterResponse = new LatencyRecorder();
  const fromRequest = new LatencyRecorder();
  try {
    for (let quantity = 0; quantity < writes; quantity++) {
      const arrivals = Promise.all(subscribers.map((subscriber) => subscriber.expect(quantity)));
      const sent = performance.now();
      const status = await request(baseUrl, 'PUT', `/Product/${key}`, product(key, 0, quantity));
      const answered = performance.now();
      if (status !== 204) throw new Error(`PUT /Product/${key} answered ${status}`);
      for (const arrival of await arrivals) {
        afterResponse.record(Math.max(0, arrival - answered));
        fromRequest.record(arrival - sent);
      }
    }
  } finally {
    await Promise.all(subscribers.map((subscriber) => subscriber.close()));
  }
  const [p50, p99] = afterResponse.percentiles([0.5, 0.99]);
  const [fromP50, fromP99] = fromRequest.percentiles([0.5, 0.99]);
  return {
    subscribers: count,
    samples: afterResponse.size,
    p50_ms: roundTo(p50, 3),
    p99_ms: roundTo(p99, 3),
    from_request_p50_ms: roundTo(fromP50, 3),
    from_request_p99_ms: roundTo(fromP99, 3),
  };
}

/** PUTs to the write pool from `connections` concurrent writers for `seconds`, with `views` subscribed. */
async function measureThroughput(
  baseUrl: string,
  load: { readonly seconds: number; readonly connections: number },
  views: readonly string[],
): Promise<ThroughputFigures> {
  const subscribers = await subscribeAll(views);
  try {
    let next = 0;
    const writer = async (until: number, counted: boolean): Promise<number> => {
      let done = 0;
      while (performance.now() < until) {
        const i = next++ % POOL;
        const status = await request(
          baseUrl,
          'PUT',
          `/Product/rt-w-${i}`,
          product(`rt-w-${i}`, i, next),
        );
        if (status !== 204) throw new Error(`PUT /Product/rt-w-${i} answered ${status}`);
        if (counted) done++;
      }
      return done;
    };
    const run = async (seconds: number, counted: boolean): Promise<number> => {
      const until = performance.now() + seconds * 1000;
      const counts = await Promise.all(
        Array.from({ length: load.connections }, () => writer(until, counted)),
      );
      return counts.reduce((sum, count) => sum + count, 0);
    };
    // Warm up the server's code paths for this mix before measuring it.
    await run(Math.min(1, load.seconds / 4), false);
    const eventsBefore = subscribers.reduce((sum, subscriber) => sum + subscriber.messages, 0);
    const started = performance.now();
    const writes = await run(load.seconds, true);
    const elapsed = (performance.now() - started) / 1000;
    const events =
      subscribers.reduce((sum, subscriber) => sum + subscriber.messages, 0) - eventsBefore;
    return { writes_per_s: roundTo(writes / elapsed, 1), writes, events };
  } finally {
    await Promise.all(subscribers.map((subscriber) => subscriber.close()));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      connections: { type: 'string', default: '20' },
    },
  });
  const quick = values.quick === true;
  const options: RealtimeBenchOptions = {
    quick,
    durationSeconds: Number(values.duration ?? (quick ? 2 : 10)),
    connections: Number(values.connections),
  };
  if (values.url !== undefined) {
    console.log(JSON.stringify(await runRealtimeBench(values.url, options), null, 2));
    return;
  }
  const built = await buildShopServer(PACKAGE_ROOT, path.join(PACKAGE_ROOT, 'bench', '.work'));
  const dataDir = await mkdtemp(path.join(tmpdir(), 'realtime-bench-'));
  const server = await startServer({
    name: 'shop',
    script: built.entry,
    cwd: built.dir,
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
  });
  try {
    console.log(JSON.stringify(await runRealtimeBench(server.url, options), null, 2));
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
