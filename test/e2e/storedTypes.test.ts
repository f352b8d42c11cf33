/**
 * A changed attribute type end to end (contract section 11), on a copy of the committed shop
 * server: products stored with `createdAt: String`, the schema changed to `createdAt: Date`,
 * the server regenerated, rebuilt and restarted over the same data directory. Its log names the
 * records whose values do not fit, `npm run verify` lists them, and `npm run convert` (run beside
 * the live server) converts them, after which the server's queries find them and verify passes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
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

describe('an attribute whose type changed from String to Date', () => {
  let work: string;
  let dataDir: string;
  let server: ServerProcess | undefined;
  const out = (): string => path.join(work, 'server');
  const run = (script: string, ...args: string[]) =>
    execa('node', [`dist/${script}.js`, ...args], {
      cwd: out(),
      env: { DATA_DIR: dataDir },
      reject: false,
      all: true,
    });

  beforeAll(async () => {
    work = await workDirectory('e2e-stored-types');
    dataDir = await mkdtemp(path.join(tmpdir(), 'e2e-stored-types-'));
    const schema = await readFile(
      path.join(REPO_ROOT, 'fixtures', 'shop', 'schema.graphql'),
      'utf8',
    );
    await copyExample('shop', out());
    await build(out());
    const first = await startServer(out(), dataDir);
    const products = [
      { id: 'p1', name: 'Pen', createdAt: '2024-08-01T10:00:00.000Z' },
      { id: 'p2', name: 'Ink', createdAt: 'last week' },
      { id: 'p3', name: 'Nib' },
    ];
    expect((await sendJson(`${first.url}/Product/`, 'POST', products)).status).toBe(201);
    expect(await first.stop()).toBe(0);
    await regenerate(out(), schema.replace('createdAt: String', 'createdAt: Date'), 'shop');
    await build(out());
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await rm(work, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('logs the misfits on start, verify lists them, and convert converts them', async () => {
    server = await startServer(out(), dataDir);
    await server.printed(/Product\.createdAt has 2 stored records/);
    expect(server.output()).toContain(
      'schema: Product.createdAt has 2 stored records whose values do not fit its type Date (keys \\"p1\\", \\"p2\\"); conditions on Product.createdAt do not match them until they are converted, and 1 of 2 can be converted without loss: npm run convert -- Product.createdAt (--clear clears the others)',
    );
    const query = `${server.url}/Product/?createdAt=gt=2024-01-01&select(id)`;
    expect(await (await fetch(query)).json()).toEqual([]);

    const before = await run('verify', dataDir);
    expect(before.exitCode).toBe(1);
    expect(before.all).toContain(
      'Product.createdAt: record "p1" holds "2024-08-01T10:00:00.000Z", which does not fit Date; npm run convert -- Product.createdAt converts it [type-mismatch]',
    );
    expect(before.all).toContain(
      'Product.createdAt: record "p2" holds "last week", which does not fit Date; it does not convert: npm run convert -- Product.createdAt --clear clears it [type-mismatch]',
    );

    const converted = await run('convert', 'Product.createdAt', '--clear');
    expect(converted.all).toBe('Product.createdAt (Date): 1 converted, 1 cleared, 0 left');
    expect(converted.exitCode).toBe(0);
    expect(await (await fetch(query)).json()).toEqual(['p1']);
    expect(await (await fetch(`${server.url}/Product/?id=p2`)).json()).toEqual([
      { id: 'p2', name: 'Ink' },
    ]);
    const after = await run('verify', dataDir);
    expect(after.exitCode).toBe(0);
  });
});
