/**
 * One server per data directory, with real generated-server processes: a second server on a
 * directory that a live one serves is refused in one line and writes nothing; one killed with
 * SIGKILL leaves its lock behind, and the next server takes it over and serves the data.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  startGeneratedServer,
  type GeneratedServer,
} from '../helpers/generatedServer.js';

const SHOP = path.join(REPO_ROOT, 'generated-examples', 'shop');
const LOCK_MODULE = pathToFileURL(path.join(SHOP, 'dist', 'runtime', 'store', 'dataDirLock.js'));

/** Every file of the directory with a digest of its contents. */
/**
 * The directory's files and the digests of their contents. LMDB's `lock.mdb` is listed but not
 * digested: it holds the reader table, which the running server rewrites on every read (its
 * commit log is read every few milliseconds).
 */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((name) => [
      name,
      name === 'lock.mdb'
        ? 'the reader table'
        : createHash('sha256')
            .update(readFileSync(path.join(dir, name)))
            .digest('hex'),
    ]),
  );
}

function lockPid(dir: string): number {
  return (JSON.parse(readFileSync(path.join(dir, 'server.lock'), 'utf8')) as { pid: number }).pid;
}

describe('a data directory served by a generated server', () => {
  let work: string;
  let dataDir: string;
  let first: GeneratedServer | undefined;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'codegen-lock-e2e-'));
    dataDir = path.join(work, 'data');
  });

  afterAll(async () => {
    await first?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses a second server in one line, writes nothing, and the first keeps serving', async () => {
    first = await startGeneratedServer('shop', { dataDir });
    const put = await fetch(`${first.url}/Category/c1`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Books' }),
    });
    expect(put.status).toBe(204);
    expect(lockPid(dataDir)).toBe(first.process.pid);

    const before = snapshot(dataDir);
    const second = await execa('node', ['--enable-source-maps', 'dist/main.js'], {
      cwd: SHOP,
      env: { PORT: '0', HOST: '127.0.0.1', DEBUG: '', DATA_DIR: dataDir },
      reject: false,
      timeout: 30_000,
    });
    expect(second.exitCode).toBe(1);
    expect(second.stdout).toBe('');
    const lines = second.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    const prefix = `cannot start the server: ${JSON.stringify(dataDir)} `;
    expect(lines[0]!.slice(0, prefix.length)).toBe(prefix);
    expect(lines[0]).toMatch(
      new RegExp(
        `is already served by process ${first.process.pid} \\(started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); ` +
          'stop it, or set DATA_DIR to another directory$',
      ),
    );
    expect(snapshot(dataDir)).toEqual(before);

    const read = await fetch(`${first.url}/Category/c1`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: 'c1', name: 'Books' });
  });

  it('lets the next server take over the lock of one killed with SIGKILL, and serve its data', async () => {
    const killed = first!;
    first = undefined;
    killed.process.kill('SIGKILL');
    await killed.process;
    // SIGKILL runs no cleanup: the lock is still there, naming the dead server.
    expect(lockPid(dataDir)).toBe(killed.process.pid);

    const next = await startGeneratedServer('shop', { dataDir });
    try {
      expect(next.output()).toContain(
        `was left by process ${killed.process.pid}, which is no longer running; taking it over`,
      );
      expect(lockPid(dataDir)).toBe(next.process.pid);
      const read = await fetch(`${next.url}/Category/c1`);
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ id: 'c1', name: 'Books' });
    } finally {
      expect(await next.stop()).toBe(0);
    }
    // A graceful stop removes the lock.
    expect(existsSync(path.join(dataDir, 'server.lock'))).toBe(false);
  });
});

describe("the data directory's lock in real processes", () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'codegen-lock-proc-'));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('is shared with a worker forked by its holder, and refused to an unrelated process', async () => {
    const dataDir = path.join(work, 'shared');
    const worker = path.join(work, 'worker.mjs');
    const primary = path.join(work, 'primary.mjs');
    // The worker reports whether it may open the directory; the primary forks it while it holds the
    // lock, prints the answer, and holds on until its stdin closes.
    await writeFile(
      worker,
      [
        `import { lockDataDir } from ${JSON.stringify(LOCK_MODULE.href)};`,
        'let answer;',
        'try {',
        `  lockDataDir(process.argv[2], { log: () => {} });`,
        "  answer = 'shared';",
        '} catch (error) {',
        '  answer = error.message;',
        '}',
        'process.send(answer, () => process.disconnect());',
      ].join('\n'),
    );
    await writeFile(
      primary,
      [
        "import { fork } from 'node:child_process';",
        `import { lockDataDir } from ${JSON.stringify(LOCK_MODULE.href)};`,
        `const dataDir = ${JSON.stringify(dataDir)};`,
        'lockDataDir(dataDir, { log: () => {} });',
        `const child = fork(${JSON.stringify(worker)}, [dataDir]);`,
        "child.on('message', (answer) => console.log(answer));",
        // Exiting without release(): the exit handler removes the lock.
        "process.stdin.on('data', () => {}).on('end', () => process.exit(0));",
      ].join('\n'),
    );
    const holder = execa('node', [primary], { reject: false, timeout: 30_000, buffer: false });
    const answer = await new Promise<string>((resolve, reject) => {
      holder.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      void holder.then((result) => reject(new Error(`the primary exited: ${result.exitCode}`)));
    });
    expect(answer).toBe('shared');
    // A process that is not the primary's child (this test's) is refused.
    const outsider = await execa(
      'node',
      [
        '--input-type=module',
        '-e',
        `import { lockDataDir } from ${JSON.stringify(LOCK_MODULE.href)};\n` +
          `lockDataDir(${JSON.stringify(dataDir)}, { log: () => {} });`,
      ],
      { reject: false, timeout: 30_000 },
    );
    expect(outsider.exitCode).toBe(1);
    expect(outsider.stderr).toContain(
      `DataDirLockedError: ${JSON.stringify(dataDir)} is already served by process ${holder.pid} `,
    );
    holder.stdin.end();
    const result = await holder;
    expect(result.exitCode).toBe(0);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('goes to exactly one of several servers starting at once, on a fresh or a stale lock', async () => {
    const contender = path.join(work, 'contender.mjs');
    // Each contender says it is ready, tries the lock when told to, says whether it won, and holds
    // on to what it got until its stdin closes.
    await writeFile(
      contender,
      [
        `import { lockDataDir } from ${JSON.stringify(LOCK_MODULE.href)};`,
        "process.stdout.write('ready\\n');",
        "process.stdin.once('data', () => {",
        '  try {',
        '    lockDataDir(process.argv[2], { log: () => {} });',
        "    process.stdout.write('won\\n');",
        '  } catch (error) {',
        "    process.stdout.write(error.name === 'DataDirLockedError' ? 'refused\\n' : `${error}\\n`);",
        '  }',
        "  process.stdin.on('data', () => {}).on('end', () => process.exit(0));",
        '});',
      ].join('\n'),
    );
    const dead = execa('node', ['-e', '']);
    await dead;
    const stale = `${JSON.stringify({ pid: dead.pid, startTime: '1', hostname: hostname(), takenAt: new Date().toISOString() })}\n`;

    // All contenders go at once, so they race, but nothing forces the worst interleaving: the
    // rounds make a lock with a race in it lose one (removing a stale lock by unlinking it, or
    // creating the lock empty and then writing it, each gave two winners within two runs).
    // Odd rounds start on a lock left by a dead process, even ones on none.
    for (let round = 0; round < 10; round += 1) {
      const dataDir = path.join(work, `race-${round}`);
      await mkdir(dataDir);
      if (round % 2 === 1) await writeFile(path.join(dataDir, 'server.lock'), stale);
      const contenders = Array.from({ length: 4 }, () =>
        execa('node', [contender, dataDir], { reject: false, timeout: 30_000, buffer: false }),
      );
      const lines = contenders.map((child) => {
        const received: string[] = [];
        let ready!: () => void;
        let answered!: () => void;
        const isReady = new Promise<void>((resolve) => (ready = resolve));
        const answer = new Promise<void>((resolve) => (answered = resolve));
        child.stdout.on('data', (chunk: Buffer) => {
          received.push(
            ...chunk
              .toString()
              .split('\n')
              .filter((line) => line !== ''),
          );
          if (received.length >= 1) ready();
          if (received.length >= 2) answered();
        });
        return { received, isReady, answer };
      });
      await Promise.all(lines.map(({ isReady }) => isReady));
      for (const child of contenders) child.stdin.write('go\n');
      await Promise.all(lines.map(({ answer }) => answer));
      const answers = lines.map(({ received }) => received[1]).sort();
      expect(answers, `round ${round}`).toEqual(['refused', 'refused', 'refused', 'won']);
      for (const child of contenders) child.stdin.end();
      await Promise.all(contenders);
      expect(readdirSync(dataDir), `round ${round}`).toEqual([]);
    }
  });
});
