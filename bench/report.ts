/** What a run prints: markdown tables for people, then one line of JSON for machines. */
import { GENERATOR_HEADER, generatorRows } from './generatorSpeed.js';
import { numericLeaves } from './realtimeHook.js';
import { roundTo } from './round.js';
import { isFlagged, type BenchResults, type CaseResult, type WorkersResult } from './results.js';

function number(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '–';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function note(result: CaseResult): string {
  if (result.error !== null) return `⚠ ${result.error.split('\n')[0]?.slice(0, 120) ?? ''}`;
  const figures = result.figures;
  if (figures === null) return '';
  const problems: string[] = [];
  if (figures.non2xx > 0) {
    const statuses = Object.entries(figures.statuses)
      .filter(([status]) => !status.startsWith('2'))
      .map(([status, count]) => `${count}×${status}`);
    problems.push(`${figures.non2xx} non-2xx (${statuses.join(', ')})`);
  }
  if (figures.errors > 0) problems.push(`${figures.errors} connection errors/timeouts`);
  if (problems.length > 0) return `⚠ ${problems.join('; ')}`;
  const remarks: string[] = [];
  if (figures.client_cpu_cores >= CLIENT_BOUND_CORES)
    remarks.push('client-bound (autocannon at a full core)');
  if ((figures.other_cpu_cores ?? 0) >= BUSY_MACHINE_CORES)
    remarks.push('machine shared with other work');
  return remarks.join('; ');
}

/** Load generator CPU from which a case's req/s is taken to measure the client more than the server. */
const CLIENT_BOUND_CORES = 0.9;
/** CPU used by other processes from which a case's figures are taken to be depressed by them. */
const BUSY_MACHINE_CORES = 0.25;

function percent(cores: number | null | undefined): string {
  return cores === null || cores === undefined ? '–' : `${number(cores * 100)} %`;
}

function caseRow(label: string, result: CaseResult): string[] {
  const figures = result.figures;
  return [
    label,
    number(figures?.rps),
    number(figures?.p50_ms, 2),
    number(figures?.p99_ms, 2),
    number(result.ratio_to_ceiling, 2),
    percent(figures?.cpu_cores),
    number(figures?.requests_per_cpu_s),
    number(result.cpu_ratio_to_ceiling, 2),
    percent(figures?.client_cpu_cores),
    percent(figures?.other_cpu_cores),
    number(figures?.rss_mb),
    number(result.sample_bytes),
    note(result),
  ];
}

const CASE_HEADER = [
  'case',
  'req/s',
  'p50 ms',
  'p99 ms',
  '× ceiling',
  'server CPU',
  'req per server CPU-s',
  '× ceiling per CPU-s',
  'client CPU',
  'other CPU',
  'server RSS MB',
  'answer bytes',
  'note',
];

export function markdown(results: BenchResults): string {
  const { settings } = results;
  const sections: string[] = [
    `## codegen bench: shop server on ${settings.engine === 'postgres' ? 'PostgreSQL' : 'LMDB'}, ${number(settings.products)} products, ${settings.connections} connections, ` +
      `${settings.duration_s} s per case (${settings.warmup_s} s warm-up)`,
  ];
  const rows = [
    ...results.ceiling.runs.map((run) => caseRow(run.name, run)),
    ...Object.values(results.cases).map((result) => caseRow(result.name, result)),
  ];
  sections.push(table(CASE_HEADER, rows));

  const levels = Object.keys(results.scaling);
  if (levels.length > 0) {
    const names = [
      ...new Set(levels.flatMap((level) => Object.keys(results.scaling[level] ?? {}))),
    ];
    const header = ['products', ...names.flatMap((name) => [`${name} req/s`, `${name} p99 ms`])];
    const scalingRows = levels.map((level) => [
      number(Number(level)),
      ...names.flatMap((name) => {
        const result = results.scaling[level]?.[name];
        const flag = result !== undefined && isFlagged(result) ? ' ⚠' : '';
        return [`${number(result?.figures?.rps)}${flag}`, number(result?.figures?.p99_ms, 2)];
      }),
    ]);
    sections.push(`### scaling\n\n${table(header, scalingRows)}`);
  }

  sections.push(
    `### bulk load (POST /Product/ with arrays of 1,000)\n\n${table(
      ['products after', 'added', 'seconds', 'records/s'],
      results.load.map((load) => [
        number(load.products),
        number(load.added),
        number(load.seconds, 1),
        number(load.records_per_s),
      ]),
    )}`,
  );

  const workers = results.workers;
  if (workers.status === 'measured') {
    const rows = Object.values(workers.cases).map((result) => {
      const single = results.cases[result.name]?.figures;
      const two = result.figures;
      return [
        result.name,
        number(single?.rps),
        number(two?.rps),
        single == null || two == null ? '–' : number(two.rps / single.rps, 2),
        number(single?.cpu_cores, 2),
        number(two?.cpu_cores, 2),
        number(single?.requests_per_cpu_s),
        number(two?.requests_per_cpu_s),
        number(two?.client_cpu_cores, 2),
        note(result),
      ];
    });
    const latency = numericLeaves(workers.latency_100).map(([key, value]) => [
      key,
      number(value, Number.isInteger(value) ? 0 : 2),
    ]);
    sections.push(
      `### WORKERS=${workers.workers}, same data, right after\n\n${table(
        [
          'case',
          'WORKERS=1 req/s',
          `WORKERS=${workers.workers} req/s`,
          'ratio',
          'server cores (1)',
          `server cores (${workers.workers})`,
          'req/CPU-s (1)',
          `req/CPU-s (${workers.workers})`,
          `load generator cores (${workers.workers})`,
          'note',
        ],
        rows,
      )}\n\nevent latency, 100 subscribers over both workers:\n\n${table(['figure', 'value'], latency)}`,
    );
  } else {
    sections.push(
      `### WORKERS=2\n\n${workers.status === 'failed' ? `⚠ failed: ${workers.error}` : `skipped: ${workers.reason}`}`,
    );
  }

  const realtime = results.realtime;
  if (realtime.status === 'measured') {
    const leaves = numericLeaves(realtime.figures).map(([key, value]) => [
      key,
      number(value, Number.isInteger(value) ? 0 : 2),
    ]);
    leaves.push(['server CPU', percent(realtime.cpu_cores)]);
    leaves.push(['server RSS MB', number(realtime.rss_mb)]);
    sections.push(`### real-time (bench/realtime.ts)\n\n${table(['figure', 'value'], leaves)}`);
  } else {
    sections.push(
      `### real-time\n\n${realtime.status === 'failed' ? `⚠ failed: ${realtime.error}` : `skipped: ${realtime.reason}`}`,
    );
  }

  const generator = results.generator;
  if (generator !== null) {
    sections.push(
      'error' in generator
        ? `### generator\n\n⚠ ${generator.error}`
        : `### generator (wall time of the CLI, median of ${generator.repeats} runs)\n\n${table(GENERATOR_HEADER, generatorRows(generator))}`,
    );
  }

  sections.push(
    `### targets\n\n${table(
      ['target', 'measured', 'required', 'met'],
      results.targets.map((target) => [
        target.target,
        number(target.measured, 2),
        number(target.required, target.required < 10 ? 1 : 0),
        `${target.met === null ? 'not measured' : target.met ? 'yes' : '**no**'}${target.flagged ? ' (⚠ from a flagged case)' : ''}`,
      ]),
    )}`,
  );
  return `${sections.join('\n\n')}\n`;
}

function summary(result: CaseResult): Record<string, number | string | null> {
  const figures = result.figures;
  return {
    rps: roundTo(figures?.rps, 0),
    p50_ms: roundTo(figures?.p50_ms, 3),
    p99_ms: roundTo(figures?.p99_ms, 3),
    ratio_to_ceiling: roundTo(result.ratio_to_ceiling, 3),
    cpu_ratio_to_ceiling: roundTo(result.cpu_ratio_to_ceiling, 3),
    non2xx: figures?.non2xx ?? null,
    errors: figures?.errors ?? null,
    ...(result.error === null ? {} : { error: result.error.split('\n')[0] ?? '' }),
  };
}

function mapValues<T, U>(
  record: Readonly<Record<string, T>>,
  map: (value: T) => U,
): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

/** Names of the cases whose figures are not to be trusted as they stand (`get_one@10000` for a scaling level). */
export function flaggedCases(results: BenchResults): string[] {
  return [
    ...results.ceiling.runs.filter(isFlagged).map((run) => run.name),
    ...Object.values(results.cases)
      .filter(isFlagged)
      .map((result) => result.name),
    // The full suite's level holds the same results as `cases`, already listed above.
    ...Object.entries(results.scaling).flatMap(([level, cases]) =>
      (Number(level) === results.settings.products ? [] : Object.values(cases))
        .filter(isFlagged)
        .map((result) => `${result.name}@${level}`),
    ),
    ...(results.realtime.status === 'failed' ? ['realtime'] : []),
    ...(results.workers.status === 'failed' ? ['workers'] : []),
    ...workerFlags(results.workers),
  ];
}

function workerFlags(workers: WorkersResult): string[] {
  if (workers.status !== 'measured') return [];
  return Object.values(workers.cases)
    .filter(isFlagged)
    .map((result) => `${result.name}@WORKERS=${workers.workers}`);
}

/** The last line of stdout: the headline figures, for scripts and CI. */
export function jsonLine(results: BenchResults): string {
  return JSON.stringify({
    ceiling_rps: roundTo(results.ceiling.rps, 0),
    products: results.settings.products,
    cases: mapValues(results.cases, summary),
    scaling: mapValues(results.scaling, (cases) => mapValues(cases, summary)),
    realtime: results.realtime.status === 'measured' ? results.realtime.figures : null,
    workers:
      results.workers.status === 'measured'
        ? {
            cases: mapValues(results.workers.cases, summary),
            latency_100: results.workers.latency_100,
          }
        : null,
    generator: results.generator,
    flagged: flaggedCases(results),
  });
}
