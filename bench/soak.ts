/**
 * `npm run soak [-- --minutes N]`: a long mixed load (reads, queries, creates, replaces, patches,
 * deletes by query, and a share of client mistakes) at 50 connections against a generated shop
 * server, to show what a short test cannot: no 5xx ever, memory that levels off, no file
 * descriptors left behind, and a store that still verifies clean afterwards. Not part of CI.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import {
  CATEGORY_COUNT,
  loadFixedRecords,
  loadProducts,
  productId,
  randomPrice,
} from './dataset.js';
import { rssBytes } from './procStats.js';
import { randomIndex, seededRandom, type Random } from './random.js';
import { startServer } from './serverProcess.js';
import { buildShopServer } from './shopServer.js';

const USAGE = `usage: node dist/bench/soak.js [--minutes N] [--connections N] [--products N] [--server dist/main.js]

  --minutes      length of the load, fractions allowed (default 10)
  --connections  concurrent connections (default 50)
  --products     products loaded before the load starts (default 10000)
  --server       an already built shop server's dist/main.js (default: generate and build one)`;

interface SoakOptions {
  readonly minutes: number;
  readonly connections: number;
  readonly products: number;
  readonly serverEntry: string | undefined;
}

/** Requests each connection cycles through, built before the load so autocannon only sends. */
const REQUESTS_PER_CONNECTION = 1_000;
const SAMPLE_EVERY_MS = 10_000;
const SEED = 7;
const JSON_HEADERS = { 'content-type': 'application/json' };

function parseOptions(argv: readonly string[]): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string' },
      connections: { type: 'string' },
      products: { type: 'string' },
      server: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const positive = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`--${name} must be a positive number, got ${text}\n${USAGE}`);
    return value;
  };
  return {
    minutes: positive('minutes', values.minutes, 10),
    connections: Math.round(positive('connections', values.connections, 50)),
    products: Math.round(positive('products', values.products, 10_000)),
    serverEntry: values.server === undefined ? undefined : path.resolve(values.server),
  };
}

/**
 * One connection's requests: mostly what a shop does, plus about 5 % client mistakes (which must
 * be 4xx, never 5xx). Each connection creates and deletes cart items in sessions of its own.
 */
function connectionRequests(
  connection: number,
  products: number,
  random: Random,
): autocannon.Request[] {
  const product = () => productId(randomIndex(random, products));
  const session = () => `s${connection}-${randomIndex(random, 20)}`;
  const json = (
    method: 'PUT' | 'PATCH' | 'POST',
    requestPath: string,
    body: unknown,
  ): autocannon.Request => ({
    method,
    path: requestPath,
    headers: JSON_HEADERS,
    body: JSON.stringify(body),
  });
  const mix: [number, () => autocannon.Request][] = [
    [30, () => ({ method: 'GET', path: `/Product/${product()}` })],
    [5, () => ({ method: 'GET', path: `/Product/${product()}.name` })],
    [5, () => ({ method: 'GET', path: `/Category/c${randomIndex(random, CATEGORY_COUNT)}` })],
    [5, () => ({ method: 'GET', path: `/CartItem/?sessionId=${session()}` })],
    [
      15,
      () =>
        json('PATCH', `/Product/${product()}`, {
          price: randomPrice(random),
          inStock: random() < 0.7,
        }),
    ],
    [
      10,
      () => {
        const id = product();
        return json('PUT', `/Product/${id}`, {
          name: `Product ${id}`,
          price: randomPrice(random),
          categoryId: `c${randomIndex(random, CATEGORY_COUNT)}`,
          inStock: random() < 0.5,
          stockQuantity: randomIndex(random, 100),
        });
      },
    ],
    [
      12,
      () =>
        json('POST', '/CartItem/', {
          productId: product(),
          sessionId: session(),
          quantity: 1 + randomIndex(random, 5),
          addedAt: new Date(Date.UTC(2024, 7, 1)).toISOString(),
        }),
    ],
    [5, () => ({ method: 'DELETE', path: `/CartItem/?sessionId=${session()}` })],
    [3, () => ({ method: 'GET', path: '/health' })],
    // Client mistakes: malformed JSON, a wrong type, an unknown attribute, an unknown table.
    [
      2,
      () => ({
        method: 'PUT',
        path: `/Product/${product()}`,
        headers: JSON_HEADERS,
        body: '{"name":',
      }),
    ],
    [1, () => json('PATCH', `/Product/${product()}`, { price: 'cheap' })],
    [1, () => ({ method: 'GET', path: '/Product/?colour=red' })],
    [1, () => ({ method: 'GET', path: '/Nothing/here' })],
  ];
  const total = mix.reduce((sum, [weight]) => sum + weight, 0);
  const pick = (): autocannon.Request => {
    let roll = randomIndex(random, total);
    for (const [weight, build] of mix) {
      if (roll < weight) return build();
      roll -= weight;
    }
    throw new Error('unreachable');
  };
  return Array.from({ length: REQUESTS_PER_CONNECTION }, pick);
}

function openFileDescriptors(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

const megabytes = (bytes: number | null): string =>
  bytes === null ? 'n/a' : `${(bytes / 1_048_576).toFixed(1)} MB`;

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  let entry = options.serverEntry;
  if (entry === undefined) {
    console.log('generating and building the shop server in bench/.work/shop');
    entry = (await buildShopServer(PACKAGE_ROOT, path.join(PACKAGE_ROOT, 'bench', '.work'))).entry;
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'codegen-soak-'));
  const server = await startServer({
    name: 'shop server',
    script: entry,
    cwd: path.dirname(path.dirname(entry)),
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
  });
  try {
    await loadFixedRecords(server.url, SEED);
    await loadProducts(server.url, 0, options.products, SEED);
    const startRss = rssBytes(server.pid);
    const startFds = openFileDescriptors(server.pid);
    let peakRss = startRss ?? 0;
    console.log(
      `soak: ${options.minutes} min, ${options.connections} connections, ${options.products} products; ` +
        `server pid ${server.pid}: RSS ${megabytes(startRss)}, ${startFds ?? 'n/a'} open fds`,
    );

    const started = performance.now();
    const sampler = setInterval(() => {
      const rss = rssBytes(server.pid);
      if (rss !== null && rss > peakRss) peakRss = rss;
      const minutes = ((performance.now() - started) / 60_000).toFixed(1);
      console.log(
        `  ${minutes} min: RSS ${megabytes(rss)}, ${openFileDescriptors(server.pid) ?? 'n/a'} open fds`,
      );
    }, SAMPLE_EVERY_MS);
    let connection = 0;
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: server.url,
          connections: options.connections,
          duration: options.minutes * 60,
          setupClient: (client) =>
            client.setRequests(
              connectionRequests(
                connection,
                options.products,
                seededRandom(SEED * 7919 + connection++),
              ),
            ),
        },
        (error, finished) =>
          error
            ? reject(error instanceof Error ? error : new Error(String(error)))
            : resolve(finished),
      );
      process.once('SIGINT', () => instance.stop());
    });
    clearInterval(sampler);

    const endRss = rssBytes(server.pid);
    // Let the load's connections finish closing before counting what the server still holds.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const endFds = openFileDescriptors(server.pid);
    const statuses: Record<string, number> = {};
    for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {}))
      statuses[status] = Number(count ?? 0);
    const serverErrors = Object.entries(statuses)
      .filter(([status]) => status.startsWith('5'))
      .reduce((sum, [, count]) => sum + count, 0);

    const exitCode = await server.stop();
    const verify = await promisify(execFile)(process.execPath, [
      path.join(path.dirname(entry), 'verify.js'),
      dataDir,
    ]).then(
      ({ stdout }) => ({ ok: true, text: stdout.trim() }),
      (error: { stdout?: string; stderr?: string }) => ({
        ok: false,
        text: `${error.stdout ?? ''}${error.stderr ?? ''}`.trim(),
      }),
    );

    console.log(`
requests        ${result.requests.total} in ${(result.duration / 60).toFixed(1)} min (${Math.round(result.requests.average)} req/s)
latency         p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms
statuses        ${JSON.stringify(statuses)}
5xx             ${serverErrors}
socket errors   ${result.errors} (timeouts ${result.timeouts})
RSS             start ${megabytes(startRss)}, end ${megabytes(endRss)}, peak ${megabytes(Math.max(peakRss, endRss ?? 0))}
open fds        start ${startFds ?? 'n/a'}, end ${endFds ?? 'n/a'} (after the load's connections closed)
shutdown        exit code ${exitCode}
verify          ${verify.text}`);
    return serverErrors === 0 && result.errors === 0 && exitCode === 0 && verify.ok ? 0 : 1;
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
