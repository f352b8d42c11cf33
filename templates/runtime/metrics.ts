/**
 * Metrics (contract section 13), with `prom-client`, served at `GET /metrics` in Prometheus' text
 * format: requests and their latency per table, method and status class; open real-time
 * connections and subscriptions, events sent and subscribers dropped for reading too slowly;
 * commits and how late this process hears of them; records per table; the process's own metrics
 * (CPU, memory, event-loop lag, handles). Counting a request costs a label lookup and an
 * observation; gauges are read when a scraper asks.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SchemaMeta } from './meta.js';
import type { Store } from './store/types.js';

/** What the metrics read of the real-time module when scraped. */
export interface RealtimeGauges {
  stats(): {
    readonly subscriptions: number;
    readonly webSockets: number;
    readonly eventStreams: number;
    readonly bufferedBytes: number;
  };
}

/** Latency buckets, in seconds: from a cached GET to a slow streamed list. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'table' | 'method' | 'status'>;
  private readonly latency: Histogram<'table' | 'method'>;
  private readonly eventsSent: Counter;
  private readonly dropped: Counter;
  private readonly commits: Counter;
  private readonly commitLag: Histogram;
  private realtime: RealtimeGauges | undefined;
  private readonly stopListening: () => void;

  constructor(schema: SchemaMeta, store: Store) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by table (or server path), method and status class.',
      labelNames: ['table', 'method', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from a request to the end of its answer, by table and method.',
      labelNames: ['table', 'method'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.eventsSent = new Counter({
      name: 'realtime_events_sent_total',
      help: 'Events sent to real-time subscribers (initial state included).',
      registers,
    });
    this.dropped = new Counter({
      name: 'realtime_subscribers_dropped_total',
      help: 'Subscribers closed because they did not read fast enough (1013).',
      registers,
    });
    this.commits = new Counter({
      name: 'store_commits_total',
      help: 'Commits that changed something, by any process serving the same data.',
      registers,
    });
    this.commitLag = new Histogram({
      name: 'store_commit_lag_seconds',
      help: 'Time from a commit to this process hearing of it through the commit log.',
      buckets: LAG_BUCKETS,
      registers,
    });
    const realtimeGauge = (
      name: string,
      help: string,
      read: (stats: ReturnType<RealtimeGauges['stats']>) => number,
    ): void => {
      const stats = (): ReturnType<RealtimeGauges['stats']> | undefined => this.realtime?.stats();
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const now = stats();
          if (now !== undefined) this.set(read(now));
        },
      });
    };
    realtimeGauge('realtime_subscriptions', 'Open subscriptions.', (stats) => stats.subscriptions);
    realtimeGauge('realtime_websockets', 'Open WebSockets.', (stats) => stats.webSockets);
    realtimeGauge('realtime_event_streams', 'Open event streams.', (stats) => stats.eventStreams);
    realtimeGauge(
      'realtime_buffered_bytes',
      'Bytes waiting to be sent to real-time subscribers.',
      (stats) => stats.bufferedBytes,
    );
    new Gauge({
      name: 'store_records',
      help: 'Records per table (an estimate where the store keeps one).',
      labelNames: ['table'],
      registers,
      async collect() {
        const txn = store.read();
        for (const table of schema.tables) {
          const count = await (txn.estimateCount?.(table.name) ?? txn.count(table.name));
          this.set({ table: table.name }, count);
        }
      },
    });
    this.stopListening = store.onCommit((commit) => {
      this.commits.inc();
      // A commit's version is its commit time in epoch milliseconds.
      this.commitLag.observe(Math.max(0, Date.now() - commit.version) / 1000);
    });
  }

  /** The real-time module whose connections the gauges report. */
  watchRealtime(realtime: RealtimeGauges): void {
    this.realtime = realtime;
  }

  /** The counter and histogram of each label set, looked up once (prom-client hashes labels per call). */
  private readonly series = new Map<
    string,
    { readonly count: () => void; readonly observe: (seconds: number) => void }
  >();

  /** One answered request; `table` is the table's name, or the server path's. */
  request(table: string, method: string, status: number, seconds: number): void {
    const statusClass = STATUS_CLASSES[Math.floor(status / 100) - 1] ?? '5xx';
    // A client picks the method: any other than these is counted as one, not a series each.
    const counted = KNOWN_METHODS.has(method) ? method : 'OTHER';
    const key = `${table}\u0000${counted}\u0000${statusClass}`;
    let series = this.series.get(key);
    if (series === undefined) {
      const counter = this.requests.labels(table, counted, statusClass);
      const histogram = this.latency.labels(table, counted);
      series = { count: () => counter.inc(), observe: (value) => histogram.observe(value) };
      this.series.set(key, series);
    }
    series.count();
    series.observe(seconds);
  }

  eventSent(): void {
    this.eventsSent.inc();
  }

  subscriberDropped(): void {
    this.dropped.inc();
  }

  /** The text a Prometheus scraper reads: this server's metrics and the process's. */
  text(): Promise<string> {
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.stopListening();
  }
}

let processRegistry: Registry | undefined;

/**
 * The process's own metrics (CPU, memory, event-loop lag, handles), one set per process, set up
 * by the first scrape: each set watches the event loop for as long as the process lives.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
