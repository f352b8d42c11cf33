/**
 * `npm run bench`: generates and builds the shop fixture's server, loads it with products through
 * its bulk path, and measures every case against it and against a bare node:http ceiling in the
 * same run. Prints markdown tables, writes the full figures to `bench/results/<date>.json`, and
 * ends stdout with one line of JSON. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { BENCH_USER, HTTP_CASES, SCALING_CASE_NAMES, type HttpCaseName } from './cases.js';
import { loadFixedRecords, loadProducts } from './dataset.js';
import { measureGenerator } from './generatorSpeed.js';
import type { LoadOptions } from './load.js';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './options.js';
import { flaggedCases, jsonLine, markdown } from './report.js';
import {
  bestCeiling,
  evaluateTargets,
  withRatio,
  withRatios,
  type BenchResults,
  type CaseResult,
  type LoadFigures,
  type RealtimeResult,
  type WorkersResult,
} from './results.js';
import { measureLatency } from './realtime.js';
import { roundTo } from './round.js';
import { startServer, stopAllServers, type ServerProcess } from './serverProcess.js';
import { buildShopServer } from './shopServer.js';
import {
  bearerHeaders,
  caseSource,
  errorMessage,
  log,
  runCase,
  runRealtime,
  startCeiling,
} from './suite.js';

/** The shop fixture's server, generated and built by the generator in this repository; its entry point. */
async function generatedServer(options: BenchOptions): Promise<string> {
  log(`generating and building the shop server in ${path.relative(PACKAGE_ROOT, options.workDir)}`);
  const built = await buildShopServer(PACKAGE_ROOT, options.workDir);
  log(
    built.compiled
      ? 'compiled the generated server'
      : 'generated server unchanged since its last build; not compiling again',
  );
  return built.entry;
}

interface Measured {
  readonly load: LoadFigures[];
  readonly ceilingRuns: CaseResult[];
  readonly cases: Record<string, CaseResult>;
  readonly scaling: Record<string, Record<string, CaseResult>>;
  realtime: RealtimeResult;
  workers: WorkersResult;
}

/** Cases measured again on the two-worker server, against the one-worker figures of the same run. */
const WORKER_CASES = ['get_one', 'post'] as const satisfies readonly HttpCaseName[];

/**
 * The same data served by `WORKERS=2`, after the one-worker server stopped (two servers never
 * share a data directory): `get_one`, `post`, and event latency at 100 subscribers, which the
 * cluster spreads over both workers while the writes go through one connection (so about half of
 * the events cross from one worker to the other).
 */
async function measureWorkers(
  entry: string,
  options: BenchOptions,
  dataDir: string,
  load: LoadOptions,
): Promise<WorkersResult> {
  const workers = 2;
  let server: ServerProcess;
  try {
    server = await startServer({
      name: `shop server (WORKERS=${workers})`,
      script: entry,
      cwd: path.dirname(path.dirname(entry)),
      env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, WORKERS: String(workers) },
      nodeArgs: [],
    });
  } catch (error) {
    return { status: 'failed', error: errorMessage(error) };
  }
  log(`shop server with ${workers} workers listening on ${server.url} (pid ${server.pid})`);
  try {
    const cases: Record<string, CaseResult> = {};
    for (const name of WORKER_CASES.filter((candidate) => options.cases.includes(candidate))) {
      cases[name] = await runCase(
        server,
        HTTP_CASES[name],
        options.products,
        caseSource(HTTP_CASES[name], options.seed, options.products),
        load,
      );
    }
    log('event latency at 100 subscribers over both workers');
    const latency_100 = await measureLatency(
      server.url,
      server.url.replace(/^http/, 'ws'),
      100,
      options.quick ? 20 : 100,
    );
    return { status: 'measured', workers, cases, latency_100 };
  } catch (error) {
    return { status: 'failed', error: errorMessage(error) };
  } finally {
    await server.stop();
  }
}

/** The full suite at the configured product count: ceiling, every HTTP case, real-time, ceiling again. */
async function fullSuite(
  server: ServerProcess,
  options: BenchOptions,
  load: LoadOptions,
  scratch: string,
  measured: Measured,
): Promise<void> {
  const ceiling = await startCeiling(server, scratch, options.seed, options.products, load);
  try {
    measured.ceilingRuns.push(await ceiling.measure('ceiling (before)'));
    for (const name of options.cases) {
      const httpCase = HTTP_CASES[name];
      // Logged in right before the case: its access token outlives the case, not the whole run.
      const headers = httpCase.bearer ? await bearerHeaders(server.url) : undefined;
      measured.cases[name] = await runCase(
        server,
        httpCase,
        options.products,
        caseSource(httpCase, options.seed, options.products, headers),
        load,
      );
    }
    measured.realtime = options.realtime
      ? await runRealtime(server, {
          quick: options.quick,
          durationSeconds: options.durationSeconds,
          connections: options.connections,
        })
      : { status: 'skipped', reason: '--no-realtime' };
    measured.ceilingRuns.push(await ceiling.measure('ceiling (after)'));
  } finally {
    await ceiling.stop();
  }
}

/** Loads the products level by level; the full suite runs at its level, the scaling cases at every level. */
async function measureServer(
  entry: string,
  options: BenchOptions,
  scratch: string,
): Promise<Measured> {
  const load: LoadOptions = {
    connections: options.connections,
    durationSeconds: options.durationSeconds,
    warmupSeconds: options.warmupSeconds,
    quietWaitSeconds: options.quietWaitSeconds,
  };
  const measured: Measured = {
    load: [],
    ceilingRuns: [],
    cases: {},
    scaling: {},
    realtime: { status: 'skipped', reason: 'the full suite did not run' },
    workers: { status: 'skipped', reason: '--no-workers' },
  };
  if (options.profileDir !== undefined) await mkdir(options.profileDir, { recursive: true });
  const dataDir = path.join(scratch, 'data');
  const server = await startServer({
    name: 'shop server',
    script: entry,
    cwd: path.dirname(path.dirname(entry)),
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SUPER_USER: BENCH_USER.username,
      SUPER_USER_PASSWORD: BENCH_USER.password,
    },
    nodeArgs:
      options.profileDir === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`],
  });
  log(`shop server listening on ${server.url} (pid ${server.pid})`);
  try {
    await loadFixedRecords(server.url, options.seed);
    let loaded = 0;
    for (const level of options.scalingLevels) {
      log(`loading products ${loaded.toLocaleString('en-US')}…${level.toLocaleString('en-US')}`);
      const seconds = await loadProducts(server.url, loaded, level, options.seed);
      measured.load.push({
        products: level,
        added: level - loaded,
        seconds: roundTo(seconds, 2),
        records_per_s: Math.round((level - loaded) / seconds),
      });
      loaded = level;
      const isFullSuite = level === options.products;
      if (isFullSuite) await fullSuite(server, options, load, scratch, measured);
      const names = SCALING_CASE_NAMES.filter((name: HttpCaseName) => options.cases.includes(name));
      const atLevel: Record<string, CaseResult> = {};
      for (const name of names) {
        // At the full suite's level the scaling cases have just been measured.
        atLevel[name] =
          (isFullSuite ? measured.cases[name] : undefined) ??
          (await runCase(
            server,
            HTTP_CASES[name],
            level,
            caseSource(HTTP_CASES[name], options.seed, level),
            load,
          ));
      }
      if (names.length > 0) measured.scaling[String(level)] = atLevel;
    }
  } finally {
    const code = await server.stop();
    if (code !== 0)
      log(`⚠ the shop server exited with ${code} on SIGTERM:\n${server.output().slice(-2000)}`);
  }
  if (options.workers) measured.workers = await measureWorkers(entry, options, dataDir, load);
  return measured;
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

function environment(): Record<string, string | number | null> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? null,
    memory_gb: Math.round(os.totalmem() / 1024 ** 3),
    commit: gitCommit(),
  };
}

async function bench(options: BenchOptions): Promise<BenchResults> {
  const date = new Date().toISOString();
  const entry = options.serverEntry ?? (await generatedServer(options));
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'codegen-bench-'));
  let measured: Measured;
  try {
    measured = await measureServer(entry, options, scratch);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  let generator: BenchResults['generator'] = null;
  if (options.generatorTables > 0) {
    log(`timing the generator on a synthetic ${options.generatorTables}-table schema`);
    generator = await measureGenerator(
      PACKAGE_ROOT,
      options.generatorTables,
      options.generatorRepeats,
    ).catch((error: unknown) => ({
      error: errorMessage(error),
    }));
  }

  const ceiling = bestCeiling(measured.ceilingRuns);
  const cases = withRatios(measured.cases, ceiling);
  const scaling = Object.fromEntries(
    Object.entries(measured.scaling).map(([level, atLevel]) => [
      level,
      withRatios(atLevel, ceiling),
    ]),
  );
  return {
    date,
    environment: environment(),
    settings: {
      products: options.products,
      connections: options.connections,
      duration_s: options.durationSeconds,
      warmup_s: options.warmupSeconds,
      quick: options.quick,
      seed: options.seed,
      engine: process.env.DATABASE_URL ? 'postgres' : 'lmdb',
    },
    load: measured.load,
    ceiling: { ...ceiling, runs: measured.ceilingRuns.map((run) => withRatio(run, ceiling)) },
    cases,
    scaling,
    realtime: measured.realtime,
    workers:
      measured.workers.status === 'measured'
        ? { ...measured.workers, cases: withRatios(measured.workers.cases, ceiling) }
        : measured.workers,
    generator,
    targets: evaluateTargets(ceiling.rps, cases, scaling, measured.workers),
  };
}

/** `2025-01-31T09-30-00Z`: sortable, and safe in every file system. */
function fileStamp(date: string): string {
  return `${date.slice(0, 19).replaceAll(':', '-')}Z`;
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let options: BenchOptions;
  try {
    options = parseOptions(argv, PACKAGE_ROOT);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const interrupted = (): void => {
    log('interrupted; stopping the servers it started');
    void stopAllServers().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const results = await bench(options);
    await mkdir(options.resultsDir, { recursive: true });
    const file = path.join(options.resultsDir, `${fileStamp(results.date)}.json`);
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(
      `${markdown(results)}\nFull figures: ${path.relative(process.cwd(), file)}\n`,
    );
    process.stdout.write(`${jsonLine(results)}\n`);
    return flaggedCases(results).length === 0 ? 0 : 1;
  } finally {
    await stopAllServers();
  }
}

process.exitCode = await main(process.argv.slice(2)).catch(async (error: unknown) => {
  process.stderr.write(
    `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  await stopAllServers();
  return 1;
});
