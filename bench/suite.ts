/** Running cases against a started server: one sample answer, then the measured load. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_USER, HTTP_CASES, requestHeaders, type HttpCase } from './cases.js';
import { measure, type LoadOptions, type LoadTarget, type RequestSource } from './load.js';
import { watchProcess } from './procStats.js';
import { seededRandom } from './random.js';
import {
  loadRealtimeBench,
  type RealtimeBench,
  type RealtimeBenchOptions,
} from './realtimeHook.js';
import { recordResponse } from './recordedResponse.js';
import type { CaseResult, RealtimeResult } from './results.js';
import { roundTo } from './round.js';
import { startServer, type ServerProcess } from './serverProcess.js';

const CEILING_SCRIPT = fileURLToPath(new URL('./ceiling.js', import.meta.url));

const STARTED = performance.now();

/** Progress on stderr (stdout holds only the report), with the seconds since the harness started. */
export function log(message: string): void {
  process.stderr.write(
    `bench: [${((performance.now() - STARTED) / 1000).toFixed(1).padStart(5)} s] ${message}\n`,
  );
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A case's requests, from its own seeded generator: the same sequence on every run. */
export function caseSource(
  httpCase: HttpCase,
  seed: number,
  products: number,
  headers?: Readonly<Record<string, string>>,
): RequestSource {
  const random = seededRandom(seed);
  // A varying case picks among the products, so that many different requests are worth having.
  return {
    next: () => {
      const request = httpCase.request(random, products);
      return headers === undefined ? request : { ...request, headers };
    },
    variety: httpCase.varies ? products : 1,
  };
}

/** `Authorization: Bearer …` of the bench's super user, logged in now. */
export async function bearerHeaders(url: string): Promise<Record<string, string>> {
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_USER),
  });
  if (response.status !== 200)
    throw new Error(`POST /auth/login answered ${response.status}: ${await response.text()}`);
  const { accessToken } = (await response.json()) as { accessToken: string };
  return { Authorization: `Bearer ${accessToken}` };
}

/** One answer to the case's first request, so a broken case is reported instead of measured. */
async function sample(
  url: string,
  source: RequestSource,
): Promise<{ status: number; bytes: number; body: string }> {
  const request = source.next();
  const response = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers: requestHeaders(request),
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, bytes: body.length, body: body.toString('utf8') };
}

export interface CaseLabel {
  readonly name: string;
  readonly description: string;
}

export async function runCase(
  target: LoadTarget,
  label: CaseLabel,
  products: number,
  source: RequestSource,
  load: LoadOptions,
): Promise<CaseResult> {
  const base = {
    name: label.name,
    description: label.description,
    products,
    ratio_to_ceiling: null,
    cpu_ratio_to_ceiling: null,
  };
  log(`${label.name} at ${products.toLocaleString('en-US')} products`);
  let answer: Awaited<ReturnType<typeof sample>>;
  try {
    answer = await sample(target.url, source);
  } catch (error) {
    return {
      ...base,
      sample_status: null,
      sample_bytes: null,
      error: `sample request failed: ${errorMessage(error)}`,
      figures: null,
    };
  }
  const sampled = { ...base, sample_status: answer.status, sample_bytes: answer.bytes };
  if (answer.status < 200 || answer.status > 299) {
    return {
      ...sampled,
      error: `sample request answered ${answer.status}: ${answer.body.slice(0, 300)}`,
      figures: null,
    };
  }
  try {
    return { ...sampled, error: null, figures: await measure(target, source, load) };
  } catch (error) {
    return { ...sampled, error: `load failed: ${errorMessage(error)}`, figures: null };
  }
}

export interface Ceiling {
  /** Measures the ceiling now, driven exactly like `get_one`. */
  measure(label: string): Promise<CaseResult>;
  stop(): Promise<void>;
}

const CEILING_DESCRIPTION = 'bare node:http answering the exact bytes of one get_one answer';

/**
 * Starts the bare node:http server replaying the shop server's answer to `GET /Product/p0`. Without
 * such an answer there is nothing to replay, and every measurement reports that instead.
 */
export async function startCeiling(
  shop: ServerProcess,
  scratch: string,
  seed: number,
  products: number,
  load: LoadOptions,
): Promise<Ceiling> {
  const recorded = await recordResponse(`${shop.url}/Product/p0`);
  if (recorded.status !== 200) {
    const error = `GET /Product/p0 answered ${recorded.status}, so there is no get_one answer to replay`;
    return {
      measure: (label) =>
        Promise.resolve({
          name: label,
          description: CEILING_DESCRIPTION,
          products,
          sample_status: recorded.status,
          sample_bytes: null,
          error,
          figures: null,
          ratio_to_ceiling: null,
          cpu_ratio_to_ceiling: null,
        }),
      stop: () => Promise.resolve(),
    };
  }
  const responseFile = path.join(scratch, 'ceiling-response.json');
  await writeFile(responseFile, JSON.stringify(recorded));
  const server = await startServer({
    name: 'ceiling server',
    script: CEILING_SCRIPT,
    args: [responseFile],
    env: { PORT: '0', HOST: '127.0.0.1' },
  });
  return {
    measure: (label) =>
      runCase(
        server,
        { name: label, description: CEILING_DESCRIPTION },
        products,
        caseSource(HTTP_CASES.get_one, seed, products),
        load,
      ),
    stop: async () => {
      await server.stop();
    },
  };
}

/** The real-time cases of `bench/realtime.ts`, with the server's CPU and memory around them. */
export async function runRealtime(
  server: ServerProcess,
  options: RealtimeBenchOptions,
): Promise<RealtimeResult> {
  let runRealtimeBench: RealtimeBench | undefined;
  try {
    runRealtimeBench = await loadRealtimeBench();
  } catch (error) {
    return { status: 'failed', error: errorMessage(error) };
  }
  if (runRealtimeBench === undefined)
    return { status: 'skipped', reason: 'bench/realtime.ts is not there yet' };
  log('real-time cases (bench/realtime.ts)');
  const usage = watchProcess(server.pid);
  try {
    const figures = await runRealtimeBench(server.url, options);
    const { cpuCores, peakRssBytes } = usage.stop();
    return {
      status: 'measured',
      figures,
      cpu_cores: roundTo(cpuCores, 3),
      rss_mb: roundTo(peakRssBytes === null ? null : peakRssBytes / 1_048_576, 1),
    };
  } catch (error) {
    usage.stop();
    return { status: 'failed', error: errorMessage(error) };
  }
}
