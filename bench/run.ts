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
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { HTTP_CASES, requestHeaders, SCALING_CASE_NAMES, type HttpCase } from './cases.js';
import { loadFixedRecords, loadProducts } from './dataset.js';
import { measureGenerator } from './generatorSpeed.js';
import { measure, type LoadOptions, type LoadTarget, type RequestSource } from './load.js';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './options.js';
import { watchProcess } from './procStats.js';
import { seededRandom } from './random.js';
import { recordResponse } from './recordedResponse.js';
import { roundTo } from './round.js';
import { loadRealtimeBench, type RealtimeBench } from './realtimeHook.js';
import { flaggedCases, jsonLine, markdown } from './report.js';
import { evaluateTargets, isFlagged, type BenchResults, type CaseResult, type LoadFigures, type RealtimeResult } from './results.js';
import { buildShopServer } from './shopServer.js';
import { startServer, stopAllServers, type ServerProcess } from './serverProcess.js';

const CEILING_SCRIPT = fileURLToPath(new URL('./ceiling.js', import.meta.url));

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One answer to the case's first request, so a broken case is reported instead of measured. */
async function sample(url: string, source: RequestSource): Promise<{ status: number; bytes: number; body: string }> {
  const request = source.next();
  const response = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers: requestHeaders(request),
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, bytes: body.length, body: body.toString('utf8') };
}

async function runCase(
  target: LoadTarget,
  label: { name: string; description: string },
  products: number,
  source: RequestSource,
  load: LoadOptions,
): Promise<CaseResult> {
  const base = { name: label.name, description: label.description, products, ratio_to_ceiling: null };
  log(`${label.name} at ${products.toLocaleString('en-US')} products`);
  let answer: Awaited<ReturnType<typeof sample>>;
  try {
    answer = await sample(target.url, source);
  } catch (error) {
    return { ...base, sample_status: null, sample_bytes: null, error: `sample request failed: ${errorMessage(error)}`, figures: null };
  }
  const sampled = { ...base, sample_status: answer.status, sample_bytes: answer.bytes };
  if (answer.status < 200 || answer.status > 299) {
    return { ...sampled, error: `sample request answered ${answer.status}: ${answer.body.slice(0, 300)}`, figures: null };
  }
  try {
    return { ...sampled, error: null, figures: await measure(target, source, load) };
  } catch (error) {
    return { ...sampled, error: `load failed: ${errorMessage(error)}`, figures: null };
  }
}

function caseSource(httpCase: HttpCase, seed: number, products: number): RequestSource {
  const random = seededRandom(seed);
  return { next: () => httpCase.request(random, products), varies: httpCase.varies };
}

/** The bare node:http server replaying one `get_one` answer, driven exactly like `get_one`. */
async function runCeiling(server: ServerProcess, options: BenchOptions, scratch: string, load: LoadOptions): Promise<CaseResult> {
  const recorded = await recordResponse(`${server.url}/Product/p0`);
  const description = 'bare node:http answering the exact bytes of one get_one answer';
  if (recorded.status !== 200) {
    const error = `GET /Product/p0 answered ${recorded.status}, so there is no get_one answer to replay`;
    return { name: 'ceiling', description, products: options.products, sample_status: recorded.status, sample_bytes: null, error, figures: null, ratio_to_ceiling: null };
  }
  const responseFile = path.join(scratch, 'ceiling-response.json');
  await writeFile(responseFile, JSON.stringify(recorded));
  const ceiling = await startServer({ name: 'ceiling server', script: CEILING_SCRIPT, args: [responseFile], env: { PORT: '0', HOST: '127.0.0.1' } });
  try {
    const source = caseSource(HTTP_CASES.get_one, options.seed, options.products);
    const result = await runCase(ceiling, { name: 'ceiling', description }, options.products, source, load);
    return { ...result, ratio_to_ceiling: 1 };
  } finally {
    await ceiling.stop();
  }
}

async function runRealtime(server: ServerProcess, options: BenchOptions): Promise<RealtimeResult> {
  if (!options.realtime) return { status: 'skipped', reason: '--no-realtime' };
  let runRealtimeBench: RealtimeBench | undefined;
  try {
    runRealtimeBench = await loadRealtimeBench();
  } catch (error) {
    return { status: 'failed', error: errorMessage(error) };
  }
  if (runRealtimeBench === undefined) return { status: 'skipped', reason: 'bench/realtime.ts is not there yet' };
  log('real-time cases (bench/realtime.ts)');
  const usage = watchProcess(server.pid);
  try {
    const figures = await runRealtimeBench(server.url, {
      quick: options.quick,
      durationSeconds: options.durationSeconds,
      connections: options.connections,
    });
    const { cpuCores, peakRssBytes } = usage.stop();
    return { status: 'measured', figures, cpu_cores: roundTo(cpuCores, 3), rss_mb: roundTo(peakRssBytes === null ? null : peakRssBytes / 1_048_576, 1) };
  } catch (error) {
    usage.stop();
    return { status: 'failed', error: errorMessage(error) };
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
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

/** The shop fixture's server, generated and built by the generator in this repository; its entry point. */
async function generatedServer(options: BenchOptions): Promise<string> {
  log(`generating and building the shop server in ${path.relative(PACKAGE_ROOT, options.workDir)}`);
  const built = await buildShopServer(PACKAGE_ROOT, options.workDir);
  log(built.compiled ? 'compiled the generated server' : 'generated server unchanged since its last build; not compiling again');
  return built.entry;
}

async function bench(options: BenchOptions): Promise<BenchResults> {
  const date = new Date();
  const entry = options.serverEntry ?? (await generatedServer(options));
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'codegen-bench-'));
  const load: LoadOptions = { connections: options.connections, durationSeconds: options.durationSeconds, warmupSeconds: options.warmupSeconds };
  const loads: LoadFigures[] = [];
  const scaling: Record<string, Record<string, CaseResult>> = {};
  let cases: Record<string, CaseResult> = {};
  let ceiling: CaseResult | null = null;
  let realtime: RealtimeResult = { status: 'skipped', reason: 'the full suite did not run' };
  try {
    if (options.profileDir !== undefined) await mkdir(options.profileDir, { recursive: true });
    const server = await startServer({
      name: 'shop server',
      script: entry,
      cwd: path.dirname(path.dirname(entry)),
      env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: path.join(scratch, 'data') },
      nodeArgs: options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`],
    });
    log(`shop server listening on ${server.url} (pid ${server.pid})`);
    try {
      await loadFixedRecords(server.url, options.seed);
      let loaded = 0;
      for (const level of options.scalingLevels) {
        log(`loading products ${loaded.toLocaleString('en-US')}…${level.toLocaleString('en-US')}`);
        const seconds = await loadProducts(server.url, loaded, level, options.seed);
        loads.push({ products: level, added: level - loaded, seconds: roundTo(seconds, 2), records_per_s: Math.round((level - loaded) / seconds) });
        loaded = level;
        const fullSuite = level === options.products;
        if (fullSuite) {
          ceiling = await runCeiling(server, options, scratch, load);
          for (const name of options.cases) {
            cases[name] = await runCase(server, HTTP_CASES[name], level, caseSource(HTTP_CASES[name], options.seed, level), load);
          }
          realtime = await runRealtime(server, options);
        }
        const names = SCALING_CASE_NAMES.filter((name) => options.cases.includes(name));
        const atLevel: Record<string, CaseResult> = {};
        for (const name of names) {
          // At the full suite's level the scaling cases have just been measured.
          atLevel[name] =
            (fullSuite ? cases[name] : undefined) ??
            (await runCase(server, HTTP_CASES[name], level, caseSource(HTTP_CASES[name], options.seed, level), load));
        }
        if (names.length > 0) scaling[String(level)] = atLevel;
      }
    } finally {
      const code = await server.stop();
      if (code !== 0) log(`⚠ the shop server exited with ${code} on SIGTERM:\n${server.output().slice(-2000)}`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  const ceilingRps = ceiling !== null && !isFlagged(ceiling) ? (ceiling.figures?.rps ?? null) : null;
  const withRatio = (result: CaseResult): CaseResult => ({
    ...result,
    ratio_to_ceiling: ceilingRps === null || result.figures === null ? null : roundTo(result.figures.rps / ceilingRps, 3),
  });
  cases = Object.fromEntries(Object.entries(cases).map(([name, result]) => [name, withRatio(result)]));
  const scaled = Object.fromEntries(
    Object.entries(scaling).map(([level, atLevel]) => [
      level,
      Object.fromEntries(Object.entries(atLevel).map(([name, result]) => [name, withRatio(result)])),
    ]),
  );

  let generator: BenchResults['generator'] = null;
  if (options.generatorTables > 0) {
    log(`timing the generator on a synthetic ${options.generatorTables}-table schema`);
    generator = await measureGenerator(PACKAGE_ROOT, options.generatorTables).catch((error: unknown) => ({ error: errorMessage(error) }));
  }

  return {
    date: date.toISOString(),
    environment: environment(),
    settings: {
      products: options.products,
      connections: options.connections,
      duration_s: options.durationSeconds,
      warmup_s: options.warmupSeconds,
      quick: options.quick,
      seed: options.seed,
    },
    load: loads,
    ceiling,
    cases,
    scaling: scaled,
    realtime,
    generator,
    targets: evaluateTargets(ceiling, cases, scaled),
  };
}

/** `2025-01-31T09-30-00Z`: sortable, and safe in every file system. */
function fileStamp(date: string): string {
  return `${date.slice(0, 19).replaceAll(':', '-')}Z`;
}

async function main(argv: readonly string[]): Promise<number> {
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
    process.stdout.write(`${markdown(results)}\nFull figures: ${path.relative(process.cwd(), file)}\n`);
    process.stdout.write(`${jsonLine(results)}\n`);
    return flaggedCases(results).length === 0 ? 0 : 1;
  } finally {
    await stopAllServers();
  }
}

process.exitCode = await main(process.argv.slice(2)).catch(async (error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await stopAllServers();
  return 1;
});
