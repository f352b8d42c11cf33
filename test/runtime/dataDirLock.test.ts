/**
 * The data directory's lock: who may share it, who is refused, and which leftovers are taken over.
 * The holders are real processes (children started here, the test runner's parent) so that the
 * liveness and start-time checks run against `/proc` as they do in a server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DataDirLockedError,
  LOCK_FILE,
  lockDataDir,
  processStartTime,
  STALE_AFTER_MS,
  type DataDirLock,
  type LockHolder,
} from '../../templates/runtime/store/dataDirLock.js';
import { runServer, StartupError } from '../../templates/runtime/main.js';
import { loadFixtureSchema } from '../helpers/fixtureSchema.js';

let dir: string;
let lockFile: string;
let logged: string[];
const locks: DataDirLock[] = [];
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'codegen-lock-'));
  lockFile = path.join(dir, LOCK_FILE);
  logged = [];
});

afterEach(() => {
  for (const lock of locks.splice(0)) lock.release();
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function take(): DataDirLock {
  const lock = lockDataDir(dir, { log: (line) => logged.push(line) });
  locks.push(lock);
  return lock;
}

/** A process that runs until the test ends. */
async function liveProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child.pid!;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return child.pid!;
}

function holder(pid: number, overrides: Partial<LockHolder> = {}): LockHolder {
  return {
    pid,
    startTime: processStartTime(pid),
    hostname: hostname(),
    takenAt: '2026-01-02T03:04:05.000Z',
    ...overrides,
  };
}

function writeLock(value: LockHolder | string, ageMs = 0): string {
  const text = typeof value === 'string' ? value : `${JSON.stringify(value)}\n`;
  writeFileSync(lockFile, text);
  const when = new Date(Date.now() - ageMs);
  utimesSync(lockFile, when, when);
  return text;
}

function lockHolder(): LockHolder {
  return JSON.parse(readFileSync(lockFile, 'utf8')) as LockHolder;
}

/** Every file of the directory with its contents. */
function snapshot(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]),
  );
}

const hasProc = processStartTime(process.pid) !== null;

describe('taking the lock', () => {
  it('writes who holds it and removes it on release', () => {
    const lock = take();
    expect(lock.path).toBe(lockFile);
    expect(lockHolder()).toEqual({
      pid: process.pid,
      startTime: processStartTime(process.pid),
      hostname: hostname(),
      takenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('creates a missing data directory', () => {
    const nested = path.join(dir, 'a', 'b');
    const lock = lockDataDir(nested, { log: () => {} });
    expect(existsSync(path.join(nested, LOCK_FILE))).toBe(true);
    lock.release();
  });
});

describe('a lock held by another server', () => {
  it('is refused, naming the directory and the holder, and nothing is written', async () => {
    const pid = await liveProcess();
    writeLock(holder(pid));
    const before = snapshot();
    let refusal: unknown;
    try {
      take();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DataDirLockedError);
    expect((refusal as Error).message).toBe(
      `${JSON.stringify(dir)} is already served by process ${pid} (started 2026-01-02T03:04:05.000Z); ` +
        'stop it, or set DATA_DIR to another directory',
    );
    expect(snapshot()).toEqual(before);
  });

  it('on another host is refused while it is refreshed, and taken over once it is not', () => {
    writeLock(holder(4242, { hostname: 'elsewhere', startTime: '1' }), STALE_AFTER_MS / 2);
    expect(() => take()).toThrow(/already served by process 4242 on host elsewhere \(started /);
    writeLock(holder(4242, { hostname: 'elsewhere', startTime: '1' }), STALE_AFTER_MS + 1000);
    take();
    expect(lockHolder().pid).toBe(process.pid);
    expect(logged).toEqual([
      `${lockFile} was left by process 4242 on host elsewhere, which stopped refreshing it; taking it over`,
    ]);
  });

  it('without a start time to compare is judged by its refresh', async () => {
    const pid = await liveProcess();
    writeLock(holder(pid, { startTime: null }));
    expect(() => take()).toThrow(DataDirLockedError);
    writeLock(holder(pid, { startTime: null }), STALE_AFTER_MS + 1000);
    take();
    expect(lockHolder().pid).toBe(process.pid);
  });
});

describe('a lock left behind', () => {
  it('by a process that is gone is taken over', async () => {
    const pid = await deadPid();
    writeLock(holder(pid, { startTime: '12345' }));
    take();
    expect(lockHolder().pid).toBe(process.pid);
    expect(logged).toEqual([
      `${lockFile} was left by process ${pid}, which is no longer running; taking it over`,
    ]);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it.runIf(hasProc)('whose pid now belongs to another process is taken over', async () => {
    const pid = await liveProcess();
    const started = processStartTime(pid)!;
    writeLock(holder(pid, { startTime: String(Number(started) - 1) }));
    take();
    expect(lockHolder().pid).toBe(process.pid);
  });

  it.each([
    ['empty', ''],
    ['cut short', '{"pid":12'],
    ['not a lock', '{"pid":"me"}'],
  ])('that is %s is taken over, with a log line', (_, text) => {
    writeLock(text);
    take();
    expect(lockHolder().pid).toBe(process.pid);
    expect(logged).toEqual([`${lockFile} is not a lock file this server wrote; taking it over`]);
  });
});

describe('the processes of one server', () => {
  it("share the lock of this process's parent (a primary and its workers)", () => {
    const text = writeLock(holder(process.ppid));
    const lock = take();
    expect(readFileSync(lockFile, 'utf8')).toBe(text);
    lock.release();
    expect(readFileSync(lockFile, 'utf8')).toBe(text);
  });

  it('share a lock naming this process that this copy of the module did not take', () => {
    const text = writeLock(holder(process.pid));
    take().release();
    expect(readFileSync(lockFile, 'utf8')).toBe(text);
  });

  it('give up nothing on releasing a shared lock, even one this process took later', async () => {
    writeLock(holder(process.ppid));
    const shared = take();
    writeLock(holder(await deadPid(), { startTime: '1' }));
    take();
    shared.release();
    expect(lockHolder().pid).toBe(process.pid);
  });

  it("are on this host: another host's process with this pid and start time is refused", () => {
    writeLock(holder(process.pid, { hostname: 'elsewhere' }));
    expect(() => take()).toThrow(/on host elsewhere/);
    writeLock(holder(process.ppid, { hostname: 'elsewhere' }));
    expect(() => take()).toThrow(/on host elsewhere/);
  });

  it('share the lock within one process until the last one releases it', () => {
    const first = take();
    const second = take();
    first.release();
    first.release();
    expect(lockHolder().pid).toBe(process.pid);
    second.release();
    expect(existsSync(lockFile)).toBe(false);
  });
});

describe('releasing', () => {
  it('removes only a lock that still names this process', () => {
    const lock = take();
    const other = writeLock(holder(4242, { hostname: 'elsewhere' }));
    lock.release();
    expect(readFileSync(lockFile, 'utf8')).toBe(other);
  });
});

describe('a server and its lock', () => {
  const start = async (env: Record<string, string> = {}) =>
    runServer(await loadFixtureSchema('shop'), {
      env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, ...env },
      handleSignals: false,
      log: () => {},
    });

  it('is refused before the store opens, with the lock message as its one line', async () => {
    const pid = await liveProcess();
    const text = writeLock(holder(pid));
    const refusal = await start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(StartupError);
    expect((refusal as StartupError).phase).toBe('data');
    expect((refusal as StartupError).cause).toBeInstanceOf(DataDirLockedError);
    expect((refusal as StartupError).message).toBe(
      ((refusal as StartupError).cause as Error).message,
    );
    expect(snapshot()).toEqual({ [LOCK_FILE]: text });
  });

  // root writes where chmod forbids it; sysfs refuses new files even to root.
  const asRoot = process.getuid?.() === 0;
  it.runIf(!asRoot || existsSync('/sys/kernel'))(
    'names a data directory it cannot write on the data error path',
    async () => {
      const unwritable = asRoot ? '/sys/kernel' : dir;
      if (unwritable === dir) chmodSync(dir, 0o500);
      try {
        const refusal = await start({ DATA_DIR: unwritable }).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(refusal).toBeInstanceOf(StartupError);
        expect((refusal as StartupError).phase).toBe('data');
        expect((refusal as StartupError).message).toMatch(
          new RegExp(
            `^cannot open the data directory "${unwritable}": EACCES: .*; ` +
              'set DATA_DIR to a directory this user can create and write$',
          ),
        );
      } finally {
        chmodSync(dir, 0o700);
      }
    },
  );

  it('holds the lock while it runs and releases it on close', async () => {
    const server = await start();
    expect(lockHolder().pid).toBe(process.pid);
    await server.close();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('releases the lock when it cannot listen', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      await expect(start({ PORT: String(port) })).rejects.toThrow(/already in use/);
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
