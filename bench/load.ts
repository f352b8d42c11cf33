/**
 * Drives one case against a server with autocannon and reports what a reader needs: throughput,
 * exact latency percentiles, the server's CPU and memory over the measured window, and how many
 * answers were not 2xx.
 */
import autocannon from 'autocannon';
import { requestHeaders, type CaseRequest } from './cases.js';
import { LatencyRecorder } from './latency.js';
import { waitForQuietMachine, watchProcess, type ProcessUsage } from './procStats.js';
import { roundTo } from './round.js';

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** Longest wait for other processes to leave the machine quiet before a case starts. */
  readonly quietWaitSeconds: number;
}

export interface CaseFigures {
  readonly rps: number;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  readonly requests: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** Answers per status code, e.g. `{ "200": 41234 }`. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Server CPU over the measured window, in cores (1 = one core busy the whole time). */
  readonly cpu_cores: number | null;
  /** Requests answered per second of server CPU: the server's efficiency, whatever limited the load. */
  readonly requests_per_cpu_s: number | null;
  /**
   * CPU of this process (the load generator) in cores. Near 1, autocannon itself is the limit: its
   * single thread cannot send more, and req/s says more about the client than about the server.
   */
  readonly client_cpu_cores: number;
  /**
   * Cores busy with neither the server nor the load generator (other processes on the machine).
   * Well above 0, the machine was shared during the case and its figures are lower than they should be.
   */
  readonly other_cpu_cores: number | null;
  /** Seconds waited for a quiet machine before the case; null when it was still busy after the longest wait. */
  readonly quiet_wait_s: number | null;
  readonly rss_mb: number | null;
  readonly seconds: number;
}

export interface LoadTarget {
  readonly url: string;
  /** The server process, whose CPU and memory are measured. */
  readonly pid: number;
}

export interface RequestSource {
  /** Returns each request in turn. */
  readonly next: () => CaseRequest;
  /** How many different requests are worth preparing: 1 when every request is the same. */
  readonly variety: number;
}

/**
 * Most distinct requests a connection cycles through. Requests are encoded before the load starts:
 * building one per send costs autocannon's single thread a fifth of its time, and the ceiling would
 * then measure the client instead of the server. Encoding is not free either (about 10 µs each),
 * hence the cap: 50 connections × 1,000 = 50,000 distinct requests.
 */
const MAX_REQUESTS_PER_CONNECTION = 1_000;

function encodeRequests(source: RequestSource, connections: number): autocannon.Request[] {
  const count = Math.min(MAX_REQUESTS_PER_CONNECTION, Math.ceil(source.variety / connections));
  return Array.from({ length: count }, () => {
    const request = source.next();
    return { ...request, headers: requestHeaders(request) };
  });
}

/** What was observed between autocannon's `start` and `done`. */
interface Window {
  readonly result: autocannon.Result;
  readonly seconds: number;
  readonly latencies: LatencyRecorder;
  readonly server: ProcessUsage;
  /** CPU seconds this process spent. */
  readonly clientCpuSeconds: number;
}

function drive(
  target: LoadTarget,
  source: RequestSource,
  connections: number,
  seconds: number,
): Promise<Window> {
  const latencies = new LatencyRecorder();
  let started = performance.now();
  let server = watchProcess(target.pid);
  let clientCpu = process.cpuUsage();
  const instance = autocannon(
    {
      url: target.url,
      connections,
      duration: seconds,
      // autocannon stops at the first sample tick after the duration: sampling often keeps runs to length.
      sampleInt: 100,
      setupClient: (client) => client.setRequests(encodeRequests(source, connections)),
    },
    () => {},
  );
  // The window opens once every connection has its requests, so that encoding them is not counted.
  instance.on('start', () => {
    started = performance.now();
    server.stop();
    server = watchProcess(target.pid);
    clientCpu = process.cpuUsage();
  });
  instance.on('response', (_client, _status, _bytes, milliseconds) =>
    latencies.record(milliseconds),
  );
  return new Promise((resolve, reject) => {
    instance.on('done', (result) => {
      const { user, system } = process.cpuUsage(clientCpu);
      resolve({
        result,
        seconds: (performance.now() - started) / 1000,
        latencies,
        server: server.stop(),
        clientCpuSeconds: (user + system) / 1e6,
      });
    });
    instance.on('error', (error: unknown) => {
      server.stop();
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
}

/** Warms the server up, then measures `durationSeconds` of load. */
export async function measure(
  target: LoadTarget,
  source: RequestSource,
  options: LoadOptions,
): Promise<CaseFigures> {
  const quietWait = await waitForQuietMachine(options.quietWaitSeconds);
  if (options.warmupSeconds > 0)
    await drive(target, source, options.connections, options.warmupSeconds);
  const { result, seconds, latencies, server, clientCpuSeconds } = await drive(
    target,
    source,
    options.connections,
    options.durationSeconds,
  );
  const [p50, p99] = latencies.percentiles([0.5, 0.99]);
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {}))
    statuses[status] = Number(count ?? 0);
  const rps = result.requests.total / seconds;
  const { cpuCores, peakRssBytes, machineBusyCores } = server;
  const clientCores = clientCpuSeconds / seconds;
  return {
    rps: roundTo(rps, 1),
    p50_ms: roundTo(p50, 3),
    p99_ms: roundTo(p99, 3),
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses,
    cpu_cores: roundTo(cpuCores, 3),
    requests_per_cpu_s: cpuCores === null || cpuCores === 0 ? null : Math.round(rps / cpuCores),
    client_cpu_cores: roundTo(clientCores, 3),
    other_cpu_cores:
      machineBusyCores === null || cpuCores === null
        ? null
        : roundTo(Math.max(0, machineBusyCores - cpuCores - clientCores), 3),
    quiet_wait_s: roundTo(quietWait, 1),
    rss_mb: roundTo(peakRssBytes === null ? null : peakRssBytes / 1_048_576, 1),
    seconds: roundTo(seconds, 3),
  };
}
