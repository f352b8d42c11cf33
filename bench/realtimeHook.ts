/**
 * The real-time cases live in `bench/realtime.ts`, written alongside the real-time hub. It is
 * loaded when it exists (compiled to `dist/bench/realtime.js`), so the harness runs without it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface RealtimeBenchOptions {
  readonly quick: boolean;
  readonly durationSeconds: number;
  readonly connections: number;
}

/** `runRealtimeBench(baseUrl, options)`: its figures as plain data, whatever shape it chooses. */
export type RealtimeBench = (baseUrl: string, options: RealtimeBenchOptions) => Promise<unknown>;

const MODULE_URL = new URL('./realtime.js', import.meta.url);

export async function loadRealtimeBench(): Promise<RealtimeBench | undefined> {
  if (!existsSync(fileURLToPath(MODULE_URL))) return undefined;
  const loaded: unknown = await import(MODULE_URL.href);
  const run =
    typeof loaded === 'object' && loaded !== null
      ? (loaded as Record<string, unknown>).runRealtimeBench
      : undefined;
  if (typeof run !== 'function')
    throw new Error(
      'bench/realtime.ts does not export a function runRealtimeBench(baseUrl, options)',
    );
  const runBench = run as (baseUrl: string, options: RealtimeBenchOptions) => unknown;
  return (baseUrl, options) => Promise.resolve(runBench(baseUrl, options));
}

/** Every number in a plain-data result, keyed by its path (`latency.subscribers_100.p50_ms`), for the table. */
export function numericLeaves(value: unknown, prefix = ''): [string, number][] {
  if (typeof value === 'number') return [[prefix, value]];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    numericLeaves(inner, prefix === '' ? key : `${prefix}.${key}`),
  );
}
