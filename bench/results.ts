/** The shape of a run's figures, and the targets they are held against. */
import type { GeneratorFigures } from './generatorSpeed.js';
import type { CaseFigures } from './load.js';
import { roundTo } from './round.js';

export interface CaseResult {
  readonly name: string;
  readonly description: string;
  readonly products: number;
  /** Status and size of one answer taken before the load, to show what the case returns. */
  readonly sample_status: number | null;
  readonly sample_bytes: number | null;
  /** Why the case could not be measured, or null. */
  readonly error: string | null;
  readonly figures: CaseFigures | null;
  /** req/s divided by the ceiling's req/s. */
  readonly ratio_to_ceiling: number | null;
  /**
   * Requests per server CPU-second divided by the ceiling's: the same comparison made on the
   * server's efficiency, which holds when the load generator or a shared machine limits req/s.
   */
  readonly cpu_ratio_to_ceiling: number | null;
}

export interface LoadFigures {
  readonly products: number;
  readonly added: number;
  readonly seconds: number;
  readonly records_per_s: number;
}

export type RealtimeResult =
  | {
      readonly status: 'measured';
      readonly figures: unknown;
      readonly cpu_cores: number | null;
      readonly rss_mb: number | null;
    }
  | { readonly status: 'failed'; readonly error: string }
  | { readonly status: 'skipped'; readonly reason: string };

/** The same server and data run again with `WORKERS=2`, measured right after the one-worker run. */
export type WorkersResult =
  | {
      readonly status: 'measured';
      readonly workers: number;
      readonly cases: Readonly<Record<string, CaseResult>>;
      /** Event latency at 100 subscribers spread over the workers, writes through one connection. */
      readonly latency_100: unknown;
    }
  | { readonly status: 'failed'; readonly error: string }
  | { readonly status: 'skipped'; readonly reason: string };

export interface CeilingResult {
  /**
   * The ceiling's req/s that ratios are taken against: the better of its measurements before and
   * after the suite (two, so that a machine whose load changed during the run shows it).
   */
  readonly rps: number | null;
  /** The better of its requests per server CPU-second. */
  readonly requests_per_cpu_s: number | null;
  readonly runs: readonly CaseResult[];
}

export interface TargetResult {
  readonly target: string;
  readonly measured: number | null;
  readonly required: number;
  /** null when the figures it needs were not measured in this run. */
  readonly met: boolean | null;
  /** Some figure it rests on comes from a flagged case (non-2xx answers, errors, timeouts). */
  readonly flagged: boolean;
}

export interface BenchResults {
  readonly date: string;
  readonly environment: Readonly<Record<string, string | number | null>>;
  readonly settings: {
    readonly products: number;
    readonly connections: number;
    readonly duration_s: number;
    readonly warmup_s: number;
    readonly quick: boolean;
    readonly seed: number;
    /** The store engine the shop server ran on: `postgres` when `DATABASE_URL` was set. */
    readonly engine: 'lmdb' | 'postgres';
  };
  readonly load: readonly LoadFigures[];
  readonly ceiling: CeilingResult;
  /** The full suite, at `settings.products`. */
  readonly cases: Readonly<Record<string, CaseResult>>;
  /** The scaling cases per product count. */
  readonly scaling: Readonly<Record<string, Readonly<Record<string, CaseResult>>>>;
  readonly realtime: RealtimeResult;
  readonly workers: WorkersResult;
  readonly generator: GeneratorFigures | { readonly error: string } | null;
  readonly targets: readonly TargetResult[];
}

/** A case whose figures cannot be trusted as they stand: it failed, or some answers were not 2xx. */
export function isFlagged(result: CaseResult): boolean {
  return (
    result.error !== null ||
    result.figures === null ||
    result.figures.non2xx > 0 ||
    result.figures.errors > 0
  );
}

export interface CeilingFigures {
  readonly rps: number | null;
  readonly requests_per_cpu_s: number | null;
}

function ratioTo(value: number | null | undefined, ceiling: number | null): number | null {
  return value === null || value === undefined || ceiling === null
    ? null
    : roundTo(value / ceiling, 3);
}

export function withRatio(result: CaseResult, ceiling: CeilingFigures): CaseResult {
  return {
    ...result,
    ratio_to_ceiling: ratioTo(result.figures?.rps, ceiling.rps),
    cpu_ratio_to_ceiling: ratioTo(result.figures?.requests_per_cpu_s, ceiling.requests_per_cpu_s),
  };
}

export function withRatios(
  results: Readonly<Record<string, CaseResult>>,
  ceiling: CeilingFigures,
): Record<string, CaseResult> {
  return Object.fromEntries(
    Object.entries(results).map(([name, result]) => [name, withRatio(result, ceiling)]),
  );
}

/** The better of the ceiling's measurements (the worse one was held back by something else). */
export function bestCeiling(runs: readonly CaseResult[]): CeilingFigures {
  const usable = runs.filter((run) => !isFlagged(run)).map((run) => run.figures);
  const best = (values: (number | null | undefined)[]): number | null => {
    const present = values.filter(
      (value): value is number => value !== null && value !== undefined,
    );
    return present.length === 0 ? null : Math.max(...present);
  };
  return {
    rps: best(usable.map((figures) => figures?.rps)),
    requests_per_cpu_s: best(usable.map((figures) => figures?.requests_per_cpu_s)),
  };
}

/** A case's req/s, and whether it is flagged: a saturated case with timeouts still has a telling figure. */
interface Figure {
  readonly value: number | null;
  readonly flagged: boolean;
}

function rps(result: CaseResult | undefined): Figure {
  return {
    value: result?.figures?.rps ?? null,
    flagged: result !== undefined && isFlagged(result),
  };
}

/** A case's requests per server CPU-second (what compression costs shows here, not in req/s). */
function perCpu(result: CaseResult | undefined): Figure {
  return {
    value: result?.figures?.requests_per_cpu_s ?? null,
    flagged: result !== undefined && isFlagged(result),
  };
}

function target(name: string, measured: Figure, required: number): TargetResult {
  const { value, flagged } = measured;
  return {
    target: name,
    measured: roundTo(value, 3),
    required,
    met: value === null ? null : value >= required,
    flagged,
  };
}

function ratio(numerator: Figure, denominator: Figure): Figure {
  const value =
    numerator.value === null || denominator.value === null || denominator.value === 0
      ? null
      : numerator.value / denominator.value;
  return { value, flagged: numerator.flagged || denominator.flagged };
}

/** The brief's targets, computed from what was measured (never asserted anywhere). */
export function evaluateTargets(
  ceilingRps: number | null,
  cases: Readonly<Record<string, CaseResult>>,
  scaling: BenchResults['scaling'],
  workers: WorkersResult = { status: 'skipped', reason: 'not measured' },
): TargetResult[] {
  const atTenThousand = rps(scaling['10000']?.query_limit20);
  const atOneMillion = rps(scaling['1000000']?.query_limit20);
  const two = workers.status === 'measured' ? workers.cases : {};
  const latency = workers.status === 'measured' ? workers.latency_100 : undefined;
  const p99 = (latency as { p99_ms?: number } | undefined)?.p99_ms ?? null;
  return [
    target(
      'get_one ≥ 0.6 × ceiling',
      ratio(rps(cases.get_one), { value: ceilingRps, flagged: false }),
      0.6,
    ),
    target(
      'get_one_bearer ≥ 0.8 × get_one',
      ratio(rps(cases.get_one_bearer), rps(cases.get_one)),
      0.8,
    ),
    target(
      'query_limit20 ≥ 0.3 × get_one',
      ratio(rps(cases.query_limit20), rps(cases.get_one)),
      0.3,
    ),
    target('post ≥ 10,000 req/s', rps(cases.post), 10_000),
    target('query_limit20 at 1M products ≥ 0.5 × at 10k', ratio(atOneMillion, atTenThousand), 0.5),
    target(
      'list100_gzip costs ≤ 1.5 × list100 per request in server CPU',
      ratio(perCpu(cases.list100_gzip), perCpu(cases.list100)),
      0.667,
    ),
    target(
      'list100_br costs ≤ 1.5 × list100 per request in server CPU',
      ratio(perCpu(cases.list100_br), perCpu(cases.list100)),
      0.667,
    ),
    target('WORKERS=2 get_one ≥ 1.3 × WORKERS=1', ratio(rps(two.get_one), rps(cases.get_one)), 1.3),
    {
      target: 'WORKERS=2 event p99 < 10 ms at 100 subscribers',
      measured: roundTo(p99, 3),
      required: 10,
      met: p99 === null ? null : p99 < 10,
      flagged: false,
    },
  ];
}
