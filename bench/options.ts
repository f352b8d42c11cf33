/** The harness's command line: `npm run bench -- [--quick] [--large] [--products N] …`. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HTTP_CASE_NAMES, type HttpCaseName } from './cases.js';

export interface BenchOptions {
  /** Products loaded for the full suite. */
  readonly products: number;
  /** Product counts at which the scaling cases run, ascending; always includes `products`. */
  readonly scalingLevels: readonly number[];
  /** Seconds each case is measured for. */
  readonly durationSeconds: number;
  /** Seconds of unmeasured load before each case, so the JIT and caches are warm. */
  readonly warmupSeconds: number;
  readonly connections: number;
  /** Longest wait, before each case, for other processes to leave the machine quiet. */
  readonly quietWaitSeconds: number;
  /** The HTTP cases to run (all unless `--cases` narrows them). */
  readonly cases: readonly HttpCaseName[];
  readonly realtime: boolean;
  /** Measure the server again with `WORKERS=2` (get_one, post, event latency). */
  readonly workers: boolean;
  /** Tables in the synthetic schema used to time the generator (0 skips it). */
  readonly generatorTables: number;
  /** Runs of each generator timing (the median is reported). */
  readonly generatorRepeats: number;
  readonly resultsDir: string;
  /** Where the shop server is generated and built (inside the repo, so its imports resolve). */
  readonly workDir: string;
  /** An already built shop server's `dist/main.js` to measure instead of generating one. */
  readonly serverEntry: string | undefined;
  /** Start the server under `node --cpu-prof`, writing its profile into this directory. */
  readonly profileDir: string | undefined;
  readonly quick: boolean;
  readonly seed: number;
}

export const USAGE = `usage: node dist/bench/run.js [options]
  --quick                10k products, short runs (under a minute)
  --large                also run the scaling cases at 1M products
  --products <n>         products for the full suite (default 100000; 10000 with --quick)
  --scale <n,n,...>      product counts for the scaling cases (get_one, query_limit20)
  --duration <s>         measured seconds per case (default 10; 1.5 with --quick)
  --warmup <s>           unmeasured seconds before each case (default 2; 0.5 with --quick)
  --connections <n>      concurrent connections (default 50)
  --quiet-wait <s>       longest wait before each case for other processes to leave the CPUs idle
                         (default 5; 0.5 with --quick; 0 never waits)
  --cases <a,b,...>      only these HTTP cases (${HTTP_CASE_NAMES.join(', ')})
  --no-realtime          skip the real-time cases of bench/realtime.ts
  --no-workers           skip the second server run with WORKERS=2
  --generator-tables <n> tables in the synthetic schema timed through the generator (default 200; 0 skips)
  --generator-repeats <n> runs of each generator timing, of which the median is reported (default 3)
  --results-dir <dir>    where the full figures are written (default bench/results)
  --work-dir <dir>       where the shop server is generated and built (default bench/.work)
  --server <main.js>     measure this already built shop server (e.g. generated-examples/shop/dist/main.js)
  --profile <dir>        run the server under node --cpu-prof and write its profile into <dir>
  --seed <n>             seed of the data set and the random ids (default 1)
  --help                 this text`;

export class UsageError extends Error {}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new UsageError(`--${name} needs a positive integer, got "${text}"`);
  return value;
}

function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--${name} needs a positive number, got "${text}"`);
  return value;
}

function nonNegativeNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new UsageError(`--${name} needs a non-negative number, got "${text}"`);
  return value;
}

function caseNames(text: string): HttpCaseName[] {
  return text.split(',').map((name) => {
    const known = HTTP_CASE_NAMES.find((candidate) => candidate === name);
    if (known === undefined)
      throw new UsageError(
        `--cases: unknown case "${name}" (known: ${HTTP_CASE_NAMES.join(', ')})`,
      );
    return known;
  });
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean', default: false },
      large: { type: 'boolean', default: false },
      products: { type: 'string' },
      scale: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'quiet-wait': { type: 'string' },
      cases: { type: 'string' },
      'no-realtime': { type: 'boolean', default: false },
      'no-workers': { type: 'boolean', default: false },
      'generator-tables': { type: 'string' },
      'generator-repeats': { type: 'string' },
      'results-dir': { type: 'string' },
      'work-dir': { type: 'string' },
      server: { type: 'string' },
      profile: { type: 'string' },
      seed: { type: 'string' },
    },
  });
}

export function parseOptions(argv: readonly string[], repoRoot: string): BenchOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    // node:util reports unknown or malformed options as a TypeError with an ERR_PARSE_ARGS_* code.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const quick = values.quick === true;
  const products =
    values.products === undefined
      ? quick
        ? 10_000
        : 100_000
      : positiveInteger('products', values.products);
  const defaultLevels = [...(quick ? [] : [10_000]), ...(values.large === true ? [1_000_000] : [])];
  const requested =
    values.scale === undefined
      ? defaultLevels
      : values.scale.split(',').map((text) => positiveInteger('scale', text));
  const resolve = (dir: string): string => path.resolve(repoRoot, dir);
  return {
    products,
    scalingLevels: [...new Set([...requested, products])].sort((a, b) => a - b),
    durationSeconds:
      values.duration === undefined
        ? quick
          ? 1.5
          : 10
        : positiveNumber('duration', values.duration),
    warmupSeconds:
      values.warmup === undefined ? (quick ? 0.5 : 2) : nonNegativeNumber('warmup', values.warmup),
    connections:
      values.connections === undefined ? 50 : positiveInteger('connections', values.connections),
    quietWaitSeconds:
      values['quiet-wait'] === undefined
        ? quick
          ? 0.5
          : 5
        : nonNegativeNumber('quiet-wait', values['quiet-wait']),
    cases: values.cases === undefined ? HTTP_CASE_NAMES : caseNames(values.cases),
    realtime: values['no-realtime'] !== true,
    workers: values['no-workers'] !== true,
    generatorTables:
      values['generator-tables'] === undefined
        ? 200
        : Math.floor(nonNegativeNumber('generator-tables', values['generator-tables'])),
    generatorRepeats:
      values['generator-repeats'] === undefined
        ? 3
        : positiveInteger('generator-repeats', values['generator-repeats']),
    resultsDir: resolve(values['results-dir'] ?? 'bench/results'),
    workDir: resolve(values['work-dir'] ?? 'bench/.work'),
    serverEntry: values.server === undefined ? undefined : path.resolve(values.server),
    profileDir: values.profile === undefined ? undefined : resolve(values.profile),
    quick,
    seed: values.seed === undefined ? 1 : positiveInteger('seed', values.seed),
  };
}
