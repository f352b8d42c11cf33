/**
 * `npm run bench` end to end in a tiny configuration: generates and builds the shop server, loads
 * 200 products, runs every HTTP case for a second with a few connections and the real-time cases,
 * times the generator on a small synthetic schema, and prints its report. No timing is asserted: only that the run completes,
 * every case got 2xx answers, and the last line of stdout is the promised JSON.
 *
 * It runs the compiled harness (`dist/bench/run.js`, built by `npm test`'s `npm run build`), as
 * `npm run bench` does.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_CASE_NAMES } from '../../bench/cases.js';
import { REPO_ROOT } from '../helpers/generatedServer.js';
import type { RealtimeFigures } from '../../bench/realtime.js';

const HARNESS = path.join(REPO_ROOT, 'dist', 'bench', 'run.js');

interface Summary {
  readonly rps: number | null;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  readonly non2xx: number | null;
  readonly errors: number | null;
  readonly error?: string;
}

interface JsonLine {
  readonly ceiling_rps: number | null;
  readonly products: number;
  readonly cases: Readonly<Record<string, Summary>>;
  readonly scaling: Readonly<Record<string, Readonly<Record<string, Summary>>>>;
  readonly realtime: RealtimeFigures | null;
  readonly generator: {
    readonly tables: number;
    readonly check_clean: boolean;
    readonly unchanged_clean: boolean;
  };
  readonly flagged: readonly string[];
}

/** The harness must be built from the sources under test, or this test would check stale code. */
function assertHarnessBuilt(): void {
  if (!existsSync(HARNESS)) throw new Error(`${HARNESS} is missing: run \`npm run build\` first`);
  const built = statSync(HARNESS).mtimeMs;
  const benchDir = path.join(REPO_ROOT, 'bench');
  const sources = readdirSync(benchDir).filter(
    (file) => file.endsWith('.ts') && statSync(path.join(benchDir, file)).mtimeMs > built,
  );
  if (sources.length > 0)
    throw new Error(`dist/bench is older than ${sources.join(', ')}: run \`npm run build\` first`);
}

describe('npm run bench, tiny configuration', () => {
  let resultsDir: string;
  let stdout: string;
  let exitCode: number | undefined;
  let line: JsonLine;

  beforeAll(async () => {
    assertHarnessBuilt();
    resultsDir = await mkdtemp(path.join(tmpdir(), 'codegen-bench-results-'));
    const run = await execa(
      'node',
      [
        HARNESS,
        ...[
          '--quick',
          '--products',
          '200',
          '--duration',
          '1',
          '--warmup',
          '0.2',
          '--connections',
          '4',
          '--quiet-wait',
          '0',
        ],
        ...['--generator-tables', '5', '--generator-repeats', '1', '--results-dir', resultsDir],
      ],
      { cwd: REPO_ROOT, reject: false, timeout: 90_000 },
    );
    stdout = run.stdout;
    exitCode = run.exitCode;
    if (exitCode === 2 || stdout === '')
      throw new Error(`the harness failed (exit ${exitCode}):\n${run.stderr}`);
    line = JSON.parse(stdout.trimEnd().split('\n').at(-1) ?? '') as JsonLine;
  }, 120_000);

  afterAll(async () => {
    // Unset when beforeAll failed early, whatever the declaration says.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    if (resultsDir !== undefined) await rm(resultsDir, { recursive: true, force: true });
  });

  it('ends stdout with one line of JSON holding the ceiling and every case', () => {
    expect(line.ceiling_rps).toBeGreaterThan(0);
    expect(line.products).toBe(200);
    expect(Object.keys(line.cases)).toEqual([...HTTP_CASE_NAMES]);
    for (const [name, summary] of Object.entries(line.cases)) {
      expect(summary.rps ?? 0, `${name}: ${summary.error ?? ''}`).toBeGreaterThan(0);
      expect(summary.p50_ms ?? 0, name).toBeGreaterThan(0);
      expect(summary.p99_ms ?? 0, name).toBeGreaterThanOrEqual(summary.p50_ms ?? 0);
    }
    expect(Object.keys(line.scaling['200'] ?? {})).toEqual(['get_one', 'query_limit20']);
    expect(line.generator).toMatchObject({ tables: 5, check_clean: true, unchanged_clean: true });
  });

  it('runs the real-time cases of bench/realtime.ts and carries their figures', () => {
    expect(
      line.realtime,
      'the real-time figures are missing (the real-time run failed or was skipped)',
    ).not.toBeNull();
    const { latency, throughput } = line.realtime!;
    const millis = (value: number | null, what: string): number => {
      expect(
        typeof value === 'number' && Number.isFinite(value) && value >= 0,
        `${what}: ${String(value)}`,
      ).toBe(true);
      return value!;
    };
    for (const [name, subscribers] of [
      ['subscribers_1', 1],
      ['subscribers_100', 100],
      ['subscribers_1000', 1000],
    ] as const) {
      const figures = latency[name];
      expect(figures.subscribers, name).toBe(subscribers);
      // Every subscriber measures every write: a whole number of writes, at least one.
      expect(figures.samples, name).toBeGreaterThanOrEqual(subscribers);
      expect(figures.samples % subscribers, name).toBe(0);
      expect(millis(figures.p50_ms, `${name} p50`)).toBeLessThanOrEqual(
        millis(figures.p99_ms, `${name} p99`),
      );
      const fromRequest50 = millis(figures.from_request_p50_ms, `${name} from_request p50`);
      expect(
        fromRequest50,
        `${name}: an event cannot arrive before its write is sent`,
      ).toBeGreaterThan(0);
      expect(fromRequest50, name).toBeLessThanOrEqual(
        millis(figures.from_request_p99_ms, `${name} from_request p99`),
      );
      // Measured from the send, an event is no earlier than measured from the response.
      expect(fromRequest50, name).toBeGreaterThanOrEqual(figures.p50_ms!);
    }
    const none = throughput.no_subscribers;
    for (const [name, figures] of Object.entries({
      no_subscribers: none,
      views_1000_indexed: throughput.views_1000_indexed,
      views_1000_unindexed: throughput.views_1000_unindexed,
    })) {
      expect(figures.writes_per_s, name).toBeGreaterThan(0);
      expect(
        Number.isInteger(figures.writes) && figures.writes > 0,
        `${name} writes: ${figures.writes}`,
      ).toBe(true);
    }
    expect(none.events).toBe(0);
    expect(throughput.views_1000_indexed.events).toBeGreaterThan(0);
    expect(throughput.views_1000_unindexed.events).toBeGreaterThan(0);
    // The ratios are the throughputs' quotients (rounded to three decimals).
    expect(throughput.indexed_vs_none).toBeCloseTo(
      throughput.views_1000_indexed.writes_per_s / none.writes_per_s,
      2,
    );
    expect(throughput.unindexed_vs_none).toBeCloseTo(
      throughput.views_1000_unindexed.writes_per_s / none.writes_per_s,
      2,
    );
  });

  it('got only 2xx answers in every case, so nothing is flagged and it exits 0', () => {
    const problems = Object.entries(line.cases).filter(
      ([, summary]) => summary.non2xx !== 0 || summary.errors !== 0 || summary.error !== undefined,
    );
    expect(problems).toEqual([]);
    expect(line.flagged).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it('prints a markdown table and writes the full figures to the results directory', async () => {
    expect(stdout).toMatch(/^\| get_one \| [\d,]+ \|/m);
    const files = await readdir(resultsDir);
    expect(files).toHaveLength(1);
    const results = JSON.parse(await readFile(path.join(resultsDir, files[0]!), 'utf8')) as {
      cases: Record<string, { figures: { requests: number } }>;
    };
    expect(results.cases.get_one?.figures.requests).toBeGreaterThan(0);
  });
});
