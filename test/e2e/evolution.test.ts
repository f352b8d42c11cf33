/**
 * Schema evolution end to end (contract section 11), on a copy of the committed shop server: 100k
 * products stored under the fixture's schema, then `stockQuantity` becomes `@indexed`, the server
 * is regenerated, rebuilt and restarted over the same data directory. While the index is built
 * from the stored products the query that needs it answers 503 with `Retry-After` (or, once built,
 * the right products); afterwards it answers in the new index's order, which only a query driven
 * by that index has. A build cut short by SIGKILL resumes on the next start. `verify` passes.
 */
import { mkdtemp, readFile, rm, watch } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/generatedServer.js';
import {
  build,
  copyExample,
  regenerate,
  sendJson,
  startServer,
  workDirectory,
  type ServerProcess,
} from './regeneratedServer.js';

const PRODUCTS = 100_000;
const LOAD_BATCH = 5_000;
const STOCK_INDEX = 'index:data.Product.stockQuantity';
const IMAGE_INDEX = 'index:data.Product.imageUrl';

interface Product {
  readonly id: string;
  readonly name: string;
  readonly stockQuantity: number;
  readonly imageUrl: string;
}

function product(index: number): Product {
  return {
    id: `p${index}`,
    name: `Product ${index}`,
    stockQuantity: index % 500,
    imageUrl: `https://images.example.com/${index % 1000}.jpg`,
  };
}

/** Byte order of ASCII strings: the order of string keys in the store. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The answer to `stockQuantity=lt=10` in the order of the stockQuantity index: by value, then key. */
function expectedLowStock(): string[] {
  const matches: Product[] = [];
  for (let index = 0; index < PRODUCTS; index += 1) {
    const candidate = product(index);
    if (candidate.stockQuantity < 10) matches.push(candidate);
  }
  return matches
    .sort((a, b) => a.stockQuantity - b.stockQuantity || byText(a.id, b.id))
    .map((match) => match.id);
}

/** What the data directory's meta database says about index builds (read-only, beside the server). */
async function indexState(
  dataDir: string,
): Promise<{ built: string[]; building: Record<string, { after?: unknown }> }> {
  const env = open({ path: dataDir, readOnly: true });
  try {
    const meta = env.openDB('meta', {});
    const built: unknown = meta.get('builtIndexes');
    const building: unknown = meta.get('indexBuilds');
    return {
      built: Array.isArray(built) ? (built as string[]) : [],
      building:
        typeof building === 'object' && building !== null
          ? (building as Record<string, { after?: unknown }>)
          : {},
    };
  } finally {
    await env.close();
  }
}

/**
 * Resolves once `done()` holds, checking it now and after each change the file system reports in
 * `dataDir` (LMDB writes its data file there on every commit). A limit guards against hanging.
 */
async function dataChangeUntil(dataDir: string, done: () => Promise<boolean>): Promise<void> {
  const stop = new AbortController();
  const limit = setTimeout(() => stop.abort(), 60_000);
  const changes = watch(dataDir, { signal: stop.signal });
  try {
    if (await done()) return;
    for await (const change of changes) {
      void change;
      if (await done()) return;
    }
  } catch (error) {
    if (!stop.signal.aborted) throw error;
    throw new Error(`gave up waiting for a change in ${dataDir}`, { cause: error });
  } finally {
    clearTimeout(limit);
    stop.abort();
  }
}

async function verify(
  dir: string,
  dataDir: string,
): Promise<{ exitCode: number | undefined; output: string }> {
  const result = await execa('node', ['dist/verify.js', dataDir], {
    cwd: dir,
    reject: false,
    all: true,
  });
  return { exitCode: result.exitCode, output: result.all };
}

describe('an attribute newly @indexed over 100k stored products', () => {
  let work: string;
  let dataDir: string;
  let schema: string;
  let server: ServerProcess | undefined;
  const out = (): string => path.join(work, 'server');

  beforeAll(async () => {
    work = await workDirectory('e2e-evolution');
    dataDir = await mkdtemp(path.join(tmpdir(), 'e2e-evolution-'));
    schema = await readFile(path.join(REPO_ROOT, 'fixtures', 'shop', 'schema.graphql'), 'utf8');
    await copyExample('shop', out());
    await build(out());
    const first = await startServer(out(), dataDir);
    for (let from = 0; from < PRODUCTS; from += LOAD_BATCH) {
      const batch = Array.from({ length: LOAD_BATCH }, (_, offset) => product(from + offset));
      const response = await sendJson(`${first.url}/Product/`, 'POST', batch);
      expect(response.status).toBe(201);
    }
    expect(await first.stop()).toBe(0);
    await regenerate(
      out(),
      schema.replace('stockQuantity: Int', 'stockQuantity: Int @indexed'),
      'shop',
    );
    await build(out());
  });
  afterAll(async () => {
    await server?.stop();
    await rm(work, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while building, then uses the new index', async () => {
    // 100 records a batch: the build takes a thousand commits, so the request sent as soon as the
    // server listens meets it unfinished. The 503 is asserted, not merely allowed.
    server = await startServer(out(), dataDir, { INDEX_BUILD_BATCH: '100' });
    const built = server.printed(/the index of Product\.stockQuantity is built/);
    expect(server.output()).toContain(
      `schema: Product.stockQuantity is now indexed; building its index from ${PRODUCTS} records in the background`,
    );
    const query = `${server.url}/Product/?stockQuantity=lt=10&select(id)`;
    const during = await fetch(query);
    expect(during.status).toBe(503);
    expect(/the index of Product\.stockQuantity is built/.test(server.output())).toBe(false);
    expect(during.headers.get('retry-after')).toBe('1');
    expect(await during.json()).toMatchObject({
      code: 'INDEX_BUILDING',
      index: 'Product.stockQuantity',
    });

    // Then wait for the server to say the index is built (an event, not a polling loop).
    await built;
    const after = await fetch(query);
    expect(after.status).toBe(200);
    // Without sort(), records come in the order of the index that drove the query: by stock,
    // then key. A scan would give key order (p0, p1, p10, …); only the new index gives this.
    const expected = expectedLowStock();
    expect(await after.json()).toEqual(expected);
    expect(expected.slice(0, 3)).toEqual(['p0', 'p1000', 'p10000']);
    expect(await indexState(dataDir)).toMatchObject({ building: {} });
    expect((await indexState(dataDir)).built).toContain(STOCK_INDEX);
  });

  it('leaves a data directory that verify passes, the new index included', async () => {
    const result = await verify(out(), dataDir);
    expect(result.exitCode).toBe(0);
  });

  it('resumes a build that a crash cut short, and answers right once it is done', async () => {
    expect(await server!.stop()).toBe(0);
    server = undefined;
    await regenerate(
      out(),
      schema
        .replace('stockQuantity: Int', 'stockQuantity: Int @indexed')
        .replace('imageUrl: String', 'imageUrl: String @indexed'),
      'shop',
    );
    await build(out());

    const crashing = await startServer(out(), dataDir, { INDEX_BUILD_BATCH: '50' });
    // SIGKILL as soon as a batch of the build has committed its progress: looked at each time the
    // data file changes (file-system events), not in a loop.
    await dataChangeUntil(
      dataDir,
      async () => (await indexState(dataDir)).building[IMAGE_INDEX]?.after !== undefined,
    );
    await crashing.kill();
    const afterCrash = await indexState(dataDir);
    expect(afterCrash.built).not.toContain(IMAGE_INDEX);
    expect(afterCrash.building[IMAGE_INDEX]?.after).toBeDefined();

    server = await startServer(out(), dataDir);
    expect(server.output()).toContain(
      'schema: Product.imageUrl is now indexed; resuming the build of its index',
    );
    const url = `${server.url}/Product/?imageUrl=${encodeURIComponent('https://images.example.com/7.jpg')}&select(id)`;
    await server.printed(/the index of Product\.imageUrl is built/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const ids = (await response.json()) as string[];
    expect(ids.sort(byText)).toEqual(
      Array.from({ length: PRODUCTS / 1000 }, (_, n) => `p${n * 1000 + 7}`).sort(byText),
    );

    expect(await server.stop()).toBe(0);
    server = undefined;
    expect(await indexState(dataDir)).toMatchObject({ building: {} });
    const result = await verify(out(), dataDir);
    expect(result.output).not.toMatch(/not built/);
    expect(result.exitCode).toBe(0);
  });
});
