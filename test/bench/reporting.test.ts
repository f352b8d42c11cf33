import { describe, expect, it } from 'vitest';
import { generate } from '../../src/generate.js';
import type { CaseFigures } from '../../bench/load.js';
import { summarizeProfile, type CpuProfile } from '../../bench/profileSummary.js';
import { flaggedCases, jsonLine, markdown } from '../../bench/report.js';
import {
  bestCeiling,
  evaluateTargets,
  withRatio,
  type BenchResults,
  type CaseResult,
} from '../../bench/results.js';
import { syntheticSchema } from '../../bench/syntheticSchema.js';

function figures(rps: number, extra: Partial<CaseFigures> = {}): CaseFigures {
  return {
    rps,
    p50_ms: 1.5,
    p99_ms: 4,
    requests: rps * 2,
    non2xx: 0,
    errors: 0,
    statuses: { 200: rps * 2 },
    cpu_cores: 0.9,
    requests_per_cpu_s: Math.round(rps / 0.9),
    client_cpu_cores: 0.5,
    other_cpu_cores: 0,
    quiet_wait_s: 0,
    rss_mb: 80,
    seconds: 2,
    ...extra,
  };
}

function result(
  name: string,
  caseFigures: CaseFigures | null,
  error: string | null = null,
): CaseResult {
  return {
    name,
    description: name,
    products: 10_000,
    sample_status: error === null ? 200 : 400,
    sample_bytes: 300,
    error,
    figures: caseFigures,
    ratio_to_ceiling: null,
    cpu_ratio_to_ceiling: null,
  };
}

describe('the ceiling', () => {
  it('is the better of its unflagged runs, for throughput and for efficiency separately', () => {
    const ceiling = bestCeiling([
      result('ceiling (before)', figures(30_000, { requests_per_cpu_s: 80_000 })),
      result('ceiling (after)', figures(40_000, { requests_per_cpu_s: 70_000 })),
      result('ceiling (again)', figures(90_000, { errors: 1 })),
    ]);
    expect(ceiling).toEqual({ rps: 40_000, requests_per_cpu_s: 80_000 });
    expect(
      withRatio(result('get_one', figures(30_000, { requests_per_cpu_s: 60_000 })), ceiling),
    ).toMatchObject({
      ratio_to_ceiling: 0.75,
      cpu_ratio_to_ceiling: 0.75,
    });
  });

  it('leaves ratios empty when the ceiling could not be measured', () => {
    const ceiling = bestCeiling([result('ceiling (before)', null, 'GET /Product/p0 answered 404')]);
    expect(withRatio(result('get_one', figures(30_000)), ceiling)).toMatchObject({
      ratio_to_ceiling: null,
    });
  });
});

describe('targets', () => {
  it('hold each figure against its target and say which were not measured', () => {
    const cases = {
      get_one: result('get_one', figures(30_000)),
      get_one_bearer: result('get_one_bearer', figures(22_500)),
      query_limit20: result('query_limit20', figures(6_000)),
      post: result('post', figures(12_000)),
    };
    const scaling = { '10000': { query_limit20: result('query_limit20', figures(8_000)) } };
    expect(
      evaluateTargets(40_000, cases, scaling).map((target) => [target.measured, target.met]),
    ).toEqual([
      [0.75, true],
      [0.75, false],
      [0.2, false],
      [12_000, true],
      [null, null],
      [null, null],
      [null, null],
      [null, null],
      [null, null],
    ]);
  });

  it('hold the two-worker run against the one-worker run of the same bench', () => {
    const cases = { get_one: result('get_one', figures(30_000)) };
    const workers = {
      status: 'measured' as const,
      workers: 2,
      cases: { get_one: result('get_one', figures(36_000)) },
      latency_100: { p99_ms: 12.5 },
    };
    const targets = evaluateTargets(40_000, cases, {}, workers).slice(-2);
    expect(targets.map((target) => [target.measured, target.met])).toEqual([
      [1.2, false],
      [12.5, false],
    ]);
  });

  it('say when a figure comes from a case whose answers were not all 2xx', () => {
    const cases = {
      get_one: result('get_one', figures(36_000, { errors: 10 })),
      post: result('post', figures(12_000)),
    };
    const [getOne, , , post] = evaluateTargets(40_000, cases, {});
    expect(getOne).toMatchObject({ measured: 0.9, met: true, flagged: true });
    expect(post).toMatchObject({ met: true, flagged: false });
  });
});

describe('the report', () => {
  const results: BenchResults = {
    date: '2025-01-31T09:30:00.000Z',
    environment: { node: 'v20' },
    settings: {
      products: 10_000,
      connections: 50,
      duration_s: 2,
      warmup_s: 0.5,
      quick: true,
      seed: 1,
      engine: 'lmdb',
    },
    load: [{ products: 10_000, added: 10_000, seconds: 1, records_per_s: 10_000 }],
    ceiling: {
      rps: 40_000,
      requests_per_cpu_s: 44_000,
      runs: [result('ceiling (before)', figures(40_000))],
    },
    cases: {
      get_one: result('get_one', figures(30_000)),
      select_rel: result('select_rel', null, 'sample request answered 400: {"error":"no"}'),
      post: result('post', figures(9_000, { non2xx: 3, statuses: { 201: 17_997, 500: 3 } })),
    },
    scaling: {
      '10000': { get_one: result('get_one', figures(30_000)) },
      '100000': { get_one: result('get_one', figures(25_000, { errors: 2 })) },
    },
    realtime: { status: 'skipped', reason: 'not there' },
    workers: { status: 'skipped', reason: '--no-workers' },
    generator: {
      tables: 200,
      repeats: 3,
      cold: {
        wall_ms: 2500,
        cpu_ms: 2400,
        runs_wall_ms: [2500, 2400, 2600],
        runs_cpu_ms: [2400, 2300, 2500],
      },
      unchanged: {
        wall_ms: 400,
        cpu_ms: 380,
        runs_wall_ms: [400, 390, 410],
        runs_cpu_ms: [380, 370, 390],
      },
      check: {
        wall_ms: 700,
        cpu_ms: 450,
        runs_wall_ms: [700, 600, 800],
        runs_cpu_ms: [450, 400, 500],
      },
      check_clean: true,
      unchanged_clean: false,
      fixtures: [
        {
          name: 'shop',
          wall_ms: 300,
          cpu_ms: 280,
          runs_wall_ms: [300, 290, 310],
          runs_cpu_ms: [280, 270, 290],
        },
      ],
    },
    targets: [],
  };

  it('flags failed cases, cases with non-2xx answers and scaling levels with errors', () => {
    expect(flaggedCases(results)).toEqual(['select_rel', 'post', 'get_one@100000']);
    const table = markdown(results);
    expect(table).toContain('⚠ sample request answered 400');
    expect(table).toContain('⚠ 3 non-2xx (3×500)');
  });

  it('reports each generator figure against its target, and a regeneration that changed files', () => {
    const table = markdown(results);
    expect(table).toContain(
      '| 200 tables: cold generation | 2,500 | 2,500, 2,400, 2,600 | 2,400 | < 2,000 | **no** |',
    );
    expect(table).toContain(
      '| 200 tables: unchanged regeneration | 400 | 400, 390, 410 | 380 | < 500 | yes (⚠ it changed files) |',
    );
    expect(table).toContain('| 200 tables: --check | 700 | 700, 600, 800 | 450 | < 500 | **no** |');
    expect(table).toContain(
      '| fixture shop: cold generation | 300 | 300, 290, 310 | 280 | < 1,000 | yes |',
    );
  });

  it('ends with one line of JSON holding the headline figures of every case', () => {
    const line = JSON.parse(jsonLine(results)) as {
      ceiling_rps: number;
      cases: Record<
        string,
        { rps: number | null; p50_ms: number | null; p99_ms: number | null; error?: string }
      >;
      flagged: string[];
    };
    expect(jsonLine(results)).not.toContain('\n');
    expect(line.ceiling_rps).toBe(40_000);
    expect(line.cases.get_one).toMatchObject({ rps: 30_000, p50_ms: 1.5, p99_ms: 4 });
    expect(line.cases.select_rel).toMatchObject({
      rps: null,
      error: 'sample request answered 400: {"error":"no"}',
    });
    expect(line.flagged).toContain('post');
  });
});

describe('the synthetic schema for timing the generator', () => {
  it('is a valid schema of the requested number of tables, with relationships', async () => {
    const generated = await generate([{ path: 'synthetic.graphql', text: syntheticSchema(12) }]);
    expect(generated.ok).toBe(true);
    if (!generated.ok) return;
    expect(generated.schema.tables).toHaveLength(12);
    const kinds = new Set(
      generated.schema.tables.flatMap((table) =>
        table.attributes.flatMap((attribute) =>
          attribute.relationship === null ? [] : [attribute.relationship.kind],
        ),
      ),
    );
    expect(kinds).toEqual(new Set(['many-to-one', 'one-to-many', 'many-to-many']));
  });
});

describe('profile summaries', () => {
  it('split the busy samples into self time per function and file, and time on the stack', () => {
    const frame = (functionName: string, url: string, lineNumber = 0) => ({
      functionName,
      url,
      lineNumber,
    });
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 1_000_000,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 6] },
        {
          id: 2,
          callFrame: frame('handle', 'file:///srv/shop/dist/runtime/http/server.js', 9),
          hitCount: 10,
          children: [3],
        },
        {
          id: 3,
          callFrame: frame('encode', 'file:///srv/shop/dist/runtime/http/json.js', 4),
          hitCount: 60,
          children: [4],
        },
        {
          id: 4,
          callFrame: frame('encode', 'file:///srv/shop/dist/runtime/http/json.js', 4),
          hitCount: 10,
        },
        { id: 5, callFrame: frame('(garbage collector)', ''), hitCount: 20 },
        // Idle time is no one's: 900 of the 1 000 samples, left out of every share.
        { id: 6, callFrame: frame('(idle)', ''), hitCount: 900 },
      ],
    };
    const summary = summarizeProfile(profile);
    expect(summary.busyMilliseconds).toBeCloseTo(100);
    expect(summary.selfByFunction[0]).toMatchObject({
      name: 'encode runtime/http/json.js:5',
      share: 0.7,
    });
    expect(summary.selfByFile.map((share) => [share.name, share.share])).toEqual([
      ['runtime/http/json.js', 0.7],
      ['(garbage collector)', 0.2],
      ['runtime/http/server.js', 0.1],
    ]);
    // Recursion is counted once per sample: encode is on the stack for 70 % of the time, not 80 %.
    const onStack = Object.fromEntries(
      summary.totalByFunction.map((share) => [share.name, share.share]),
    );
    expect(onStack['handle runtime/http/server.js:10']).toBeCloseTo(0.8);
    expect(onStack['encode runtime/http/json.js:5']).toBeCloseTo(0.7);
    expect(summary.selfByFunction[0]?.milliseconds).toBeCloseTo(70);
  });
});
