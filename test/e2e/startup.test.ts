/**
 * A generated server that cannot start says so in one line (what is wrong, and how to fix it) and
 * exits with 1, without a stack (contract section 3): run as a separate process, the way a user
 * runs `npm run serve`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/generatedServer.js';
import { build, copyExample, regenerate, workDirectory } from './regeneratedServer.js';

interface Outcome {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

async function startIn(dir: string, env: Record<string, string>): Promise<Outcome> {
  const result = await execa('node', ['--enable-source-maps', 'dist/main.js'], {
    cwd: dir,
    env: { PORT: '0', HOST: '127.0.0.1', DEBUG: '', ...env },
    reject: false,
    timeout: 30_000,
  });
  return {
    exitCode: result.exitCode,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

const SHOP = path.join(REPO_ROOT, 'generated-examples', 'shop');

/** Exit 1 and exactly one line on stderr, which matches `line`; no stack trace anywhere. */
function expectOneLine(outcome: Outcome, line: RegExp): void {
  expect(outcome.exitCode).toBe(1);
  const lines = outcome.stderr.split('\n').filter((text) => text !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^cannot start the server: /);
  expect(lines[0]).toMatch(line);
  expect(`${outcome.stdout}${outcome.stderr}`).not.toMatch(/\n\s+at /);
}

describe('a generated server that cannot start', () => {
  let dataDir: string;
  let blocker: Server;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'codegen-startup-'));
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('names an invalid PORT and how to fix it', async () => {
    const outcome = await startIn(SHOP, { PORT: 'abc', DATA_DIR: dataDir });
    expectOneLine(
      outcome,
      /PORT must be an integer from 0 to 65535, got "abc": set a valid value in the environment/,
    );
  });

  it('names every invalid variable in the one line', async () => {
    const outcome = await startIn(SHOP, {
      MAX_BODY_BYTES: '-1',
      RECORD_CACHE_SIZE: 'lots',
      DATA_DIR: dataDir,
    });
    expectOneLine(outcome, /MAX_BODY_BYTES must be .*; RECORD_CACHE_SIZE must be /);
  });

  it('says when the port is already in use', async () => {
    const address = blocker.address();
    if (address === null || typeof address === 'string')
      throw new Error('the blocking server has no port');
    const outcome = await startIn(SHOP, { PORT: String(address.port), DATA_DIR: dataDir });
    expectOneLine(
      outcome,
      new RegExp(
        `port ${address.port} on 127\\.0\\.0\\.1 is already in use; .*set PORT to another port`,
      ),
    );
  });

  it('says when the data directory cannot be opened', async () => {
    const file = path.join(dataDir, 'not-a-directory');
    await writeFile(file, 'a file, not a directory');
    const outcome = await startIn(SHOP, { DATA_DIR: file });
    expectOneLine(
      outcome,
      /cannot open the data directory ".*not-a-directory": .*; set DATA_DIR to a directory/,
    );
  });

  it('prints the underlying error with its stack only when DEBUG is set', async () => {
    const outcome = await startIn(SHOP, { PORT: 'abc', DATA_DIR: dataDir, DEBUG: '1' });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr).toMatch(/^cannot start the server: PORT must be an integer/);
    expect(outcome.stderr).toMatch(/ConfigError: Invalid configuration[\s\S]*\n\s+at /);
  });

  it("names a refused custom route and where to fix it (the README's hooks example compiles beside it)", async () => {
    const dir = path.join(await workDirectory('startup-route'), 'shop');
    try {
      await copyExample('shop', dir);
      await writeFile(
        path.join(dir, 'src', 'hooks', 'Category.ts'),
        [
          "import type { Database } from '../database.js';",
          "import { defineHooks } from '../runtime/hooks.js';",
          '',
          "export default defineHooks<Database, 'Category'>({",
          "  routes: [{ method: 'GET', path: '/health', handler: () => 'mine' }],",
          '});',
          '',
        ].join('\n'),
      );
      // The README's hooks example is a real hooks file: it must compile against its server.
      const readme = await readFile(path.join(dir, 'README.md'), 'utf8');
      const hooksExample = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
        .map((block) => block[1])
        .find((block) => block?.includes('defineHooks'));
      expect(hooksExample).toContain("defineHooks<Database, 'CartItem'>");
      await writeFile(path.join(dir, 'src', 'hooks', 'CartItem.ts'), hooksExample!);
      // A scaffold hooks file with every hook uncommented compiles under the strict tsconfig (the
      // scaffold as the CLI creates it in a fresh directory: the example's own hooks are edited).
      const fresh = path.join(path.dirname(dir), 'fresh');
      const schema = await readFile(
        path.join(REPO_ROOT, 'fixtures', 'shop', 'schema.graphql'),
        'utf8',
      );
      await regenerate(fresh, schema, 'shop');
      const scaffold = await readFile(path.join(fresh, 'src', 'hooks', 'Product.ts'), 'utf8');
      const uncommented = scaffold.replace(/^( *)\/\/ (?!A parameter)/gm, '$1');
      expect(uncommented).toMatch(/^ {2}beforeWrite\(record, \{ method \}\) \{$/m);
      expect(uncommented).toMatch(/^ {4}\{ method: 'GET', path: 'count'/m);
      await writeFile(path.join(dir, 'src', 'hooks', 'Product.ts'), uncommented);
      await build(dir);
      const outcome = await startIn(dir, { DATA_DIR: path.join(dataDir, 'route') });
      expectOneLine(
        outcome,
        /\/health is already served by the server itself; fix it in the table's file under src\/hooks\//,
      );
    } finally {
      await rm(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
