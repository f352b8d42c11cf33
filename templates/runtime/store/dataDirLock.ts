/**
 * One server per data directory. The server keeps a write-through cache of recent records and
 * publishes its own commits as events, so a second, unrelated server on the same DATA_DIR would
 * serve stale records and miss the first one's events: it is refused before it opens the store.
 *
 * The lock is a file, `server.lock`, in the data directory, naming the process that holds it (pid,
 * the process's start time, host, when it was taken). A process that died, even by SIGKILL, leaves
 * the file behind; the next server sees that its holder is gone and takes the lock over. The
 * processes of one server share it: the same process (a restart in-process) and a process whose
 * parent holds it (a worker forked by the server's primary).
 */
import {
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'server.lock';

/**
 * The holder touches its lock this often. Where the holder's pid cannot be checked (another host
 * sharing the directory, a holder in another container, no `/proc` to tell a reused pid), a lock
 * not touched for `STALE_AFTER_MS` is taken for one left by a dead server.
 */
export const REFRESH_MS = 10_000;
export const STALE_AFTER_MS = 30_000;

/** What the lock file holds. */
export interface LockHolder {
  readonly pid: number;
  /** Field 22 of `/proc/<pid>/stat` (clock ticks after boot); null where there is no `/proc`. */
  readonly startTime: string | null;
  readonly hostname: string;
  /** ISO time the lock was taken. */
  readonly takenAt: string;
}

/** Another live server holds the data directory. The message is the startup error's one line. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    const where = holder.hostname === hostname() ? '' : ` on host ${holder.hostname}`;
    super(
      `${JSON.stringify(dataDir)} is already served by process ${holder.pid}${where} ` +
        `(started ${holder.takenAt}); stop it, or set DATA_DIR to another directory`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  /** The lock file. */
  readonly path: string;
  /**
   * Gives the lock up: the file is removed when this process took it and no other server of this
   * process still uses the directory, and only if it still names this process. Idempotent.
   */
  release(): void;
}

export interface LockOptions {
  /** Where a taken-over lock is reported; `console.log` by default. */
  readonly log?: (line: string) => void;
}

/** The start time of process `pid` as `/proc` tells it, or null where it cannot be read. */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so count from its last `)`.
  // The fields after it start at field 3, so field 22 is the 20th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

/** Locks this process holds, by lock file: in-process servers on one directory share the lock. */
const held = new Map<string, { count: number; text: string; timer: NodeJS.Timeout }>();

// `process.exit()` (the signal handler, a fatal error) skips `release()`: the locks go here. One
// listener for all of them, however many directories the process locks.
process.on('exit', () => {
  for (const [file, { text }] of held) unlinkIfOurs(file, text);
});

/**
 * Takes the lock of `dataDir` (creating the directory), or throws `DataDirLockedError` when a live
 * server that is not part of this one holds it. Nothing is written to the directory when refused.
 */
export function lockDataDir(dataDir: string, options: LockOptions = {}): DataDirLock {
  const log = options.log ?? ((line: string) => console.log(line));
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(path.resolve(dataDir), LOCK_FILE);

  const ours = held.get(file);
  if (ours !== undefined) {
    ours.count += 1;
    return handle(file, true);
  }

  const self: LockHolder = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    hostname: hostname(),
    takenAt: new Date().toISOString(),
  };
  const text = `${JSON.stringify(self)}\n`;
  // Each pass either ends (taken, shared, refused) or saw the file change under it: another
  // starter created or removed it meanwhile, so look again.
  for (;;) {
    const existing = readLock(file);
    if (existing === undefined) {
      if (create(file, text)) break;
      continue;
    }
    const { holder } = existing;
    if (holder !== undefined && isAlive(holder, existing.mtimeMs)) {
      const here = holder.hostname === self.hostname;
      // Ours, but not in `held`: another copy of this module in the process took it.
      if (here && holder.pid === self.pid && holder.startTime === self.startTime) {
        return handle(file, false);
      }
      // The primary that forked this worker.
      if (here && holder.pid === process.ppid) return handle(file, false);
      throw new DataDirLockedError(dataDir, holder);
    }
    if (removeStale(file, existing.text)) log(`${file} ${staleReason(holder)}; taking it over`);
  }

  const timer = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // Removed by hand: there is nothing to refresh, and the server keeps running.
    }
  }, REFRESH_MS);
  timer.unref();
  held.set(file, { count: 1, text, timer });
  return handle(file, true);
}

/** A handle on the lock; `counted` handles release one use of this process's lock. */
function handle(file: string, counted: boolean): DataDirLock {
  let released = false;
  return {
    path: file,
    release: () => {
      if (released || !counted) return;
      released = true;
      const ours = held.get(file);
      if (ours === undefined) return;
      ours.count -= 1;
      if (ours.count > 0) return;
      held.delete(file);
      clearInterval(ours.timer);
      unlinkIfOurs(file, ours.text);
    },
  };
}

interface ExistingLock {
  readonly text: string;
  /** Undefined when the file is not a lock (empty, cut short, edited). */
  readonly holder: LockHolder | undefined;
  readonly mtimeMs: number;
}

function readLock(file: string): ExistingLock | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(file, 'utf8');
    mtimeMs = statSync(file).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return { text, holder: parseHolder(text), mtimeMs };
}

function parseHolder(text: string): LockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { pid, startTime, hostname: host, takenAt } = value as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof startTime !== 'string' && startTime !== null) return undefined;
  if (typeof host !== 'string' || typeof takenAt !== 'string') return undefined;
  return { pid, startTime, hostname: host, takenAt };
}

function isAlive(holder: LockHolder, mtimeMs: number): boolean {
  const fresh = Date.now() - mtimeMs < STALE_AFTER_MS;
  // Another host's (or another pid namespace's) pids mean nothing here: only the refresh tells.
  if (holder.hostname !== hostname()) return fresh;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const startTime = processStartTime(holder.pid);
  // A different start time is another process that was given the dead holder's pid.
  if (holder.startTime !== null && startTime !== null) return startTime === holder.startTime;
  return fresh;
}

/**
 * Creates the lock file with its whole content in one step: the text goes to a temporary file that
 * is then hard-linked as the lock, which fails when the lock exists. (An `open(…, 'wx')` followed by
 * a write would let another starter read an empty lock and take it for a corrupt one.) False when
 * another starter created the lock first.
 */
function create(file: string, text: string): boolean {
  const temporary = uniqueName(file, 'new');
  writeFileSync(temporary, text, { flag: 'wx' });
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/**
 * Removes a stale lock whose content was `staleText`, unless another starter replaced it since it
 * was read. Overwriting the lock (write + rename) would not do: two starters that both read the
 * stale lock would each rename theirs over it and each find its own on re-reading if the second
 * rename came after the first's check. Here the stale file is moved aside (one rename wins) and
 * compared; a live lock moved by mistake is linked back (unless a third starter got in between).
 * True when this call removed the stale lock.
 */
function removeStale(file: string, staleText: string): boolean {
  const aside = uniqueName(file, 'stale');
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') === staleText) return true;
    try {
      linkSync(aside, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return false;
  } finally {
    unlinkSync(aside);
  }
}

function staleReason(holder: LockHolder | undefined): string {
  if (holder === undefined) return 'is not a lock file this server wrote';
  if (holder.hostname !== hostname())
    return `was left by process ${holder.pid} on host ${holder.hostname}, which stopped refreshing it`;
  return `was left by process ${holder.pid}, which is no longer running`;
}

/**
 * Best effort, on close and at exit: a lock that cannot be removed (already gone, directory no
 * longer writable) is one the next server takes over, since its holder is gone by then.
 */
function unlinkIfOurs(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) unlinkSync(file);
  } catch {
    // See above.
  }
}

function uniqueName(file: string, kind: string): string {
  return `${file}.${kind}.${process.pid}.${Math.random().toString(36).slice(2)}`;
}
