/**
 * CPU time and memory of a server process, read from Linux's /proc (null elsewhere), so a case's
 * figures say what the server spent, not what the load generator in this process spent.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every common Linux build). */
const TICKS_PER_SECOND = ((): number => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/**
 * User + system CPU seconds from the text of /proc/<pid>/stat. The command name (field 2) is in
 * parentheses and may itself hold spaces or parentheses, so fields are counted after the last `)`.
 */
export function cpuSecondsFromStat(
  stat: string,
  ticksPerSecond: number = TICKS_PER_SECOND,
): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name come field 3 (state) onwards: utime is field 14, stime field 15.
  const userTicks = Number(fields[14 - 3]);
  const systemTicks = Number(fields[15 - 3]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks))
    throw new Error(`unreadable /proc stat line: ${stat}`);
  return (userTicks + systemTicks) / ticksPerSecond;
}

/** Resident set size in bytes from the text of /proc/<pid>/status, or null when it has no VmRSS line. */
export function rssBytesFromStatus(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match === null ? null : Number(match[1]) * 1024;
}

/** Busy CPU seconds of the whole machine (all cores) from the text of /proc/stat: everything but idle and iowait. */
export function busySecondsFromProcStat(
  stat: string,
  ticksPerSecond: number = TICKS_PER_SECOND,
): number {
  const line = stat.split('\n', 1)[0] ?? '';
  const [label, ...fields] = line.trim().split(/\s+/);
  // cpu user nice system idle iowait irq softirq steal …; guest time is already inside user.
  const ticks = fields.slice(0, 8).map(Number);
  if (label !== 'cpu' || ticks.length < 5 || ticks.some((value) => !Number.isFinite(value))) {
    throw new Error(`unreadable /proc/stat line: ${line}`);
  }
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return (total - (ticks[3] ?? 0) - (ticks[4] ?? 0)) / ticksPerSecond;
}

export function machineBusySeconds(): number | null {
  try {
    return busySecondsFromProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

export function cpuSeconds(pid: number): number | null {
  try {
    return cpuSecondsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

export function rssBytes(pid: number): number | null {
  try {
    return rssBytesFromStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * The process and every descendant (a `WORKERS=n` server's primary and its workers), from the
 * `children` files of /proc; just the process where they are unreadable.
 */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let index = 0; index < tree.length; index += 1) {
    const parent = tree[index]!;
    let threads: string[];
    try {
      threads = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue;
    }
    for (const thread of threads) {
      try {
        const children = readFileSync(`/proc/${parent}/task/${thread}/children`, 'utf8');
        for (const child of children.split(' ')) if (child.trim() !== '') tree.push(Number(child));
      } catch {
        // The thread ended meanwhile.
      }
    }
  }
  return tree;
}

/** CPU seconds of each process of the tree, by pid (processes that cannot be read are left out). */
function treeCpuSeconds(pids: readonly number[]): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    const value = cpuSeconds(pid);
    if (value !== null) seconds.set(pid, value);
  }
  return seconds;
}

function treeRssBytes(pids: readonly number[]): number | null {
  let total: number | null = null;
  for (const pid of pids) {
    const value = rssBytes(pid);
    if (value !== null) total = (total ?? 0) + value;
  }
  return total;
}

export interface ProcessUsage {
  /** CPU seconds (user + system) over the window, as a share of one core: 1 = one core busy throughout. */
  readonly cpuCores: number | null;
  /** The largest resident set size seen during the window. */
  readonly peakRssBytes: number | null;
  /** Busy cores of the whole machine over the window, whoever used them. */
  readonly machineBusyCores: number | null;
}

function perSecond(start: number | null, end: number | null, seconds: number): number | null {
  return start === null || end === null || seconds === 0 ? null : (end - start) / seconds;
}

/**
 * Watches a process and its descendants (taken at the start) from now until `stop()`: CPU over
 * the window, of the processes alive at both ends, and their summed RSS sampled a few times a
 * second.
 */
export function watchProcess(pid: number): { stop(): ProcessUsage } {
  const started = performance.now();
  const pids = processTree(pid);
  const cpuAtStart = treeCpuSeconds(pids);
  const machineAtStart = machineBusySeconds();
  let peak = treeRssBytes(pids);
  const sample = (): void => {
    const rss = treeRssBytes(pids);
    if (rss !== null && (peak === null || rss > peak)) peak = rss;
  };
  const timer = setInterval(sample, 250);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const seconds = (performance.now() - started) / 1000;
      const cpuAtEnd = treeCpuSeconds(pids);
      let spent: number | null = null;
      for (const [child, atStart] of cpuAtStart) {
        const atEnd = cpuAtEnd.get(child);
        if (atEnd !== undefined) spent = (spent ?? 0) + atEnd - atStart;
      }
      return {
        cpuCores: spent === null || seconds === 0 ? null : spent / seconds,
        peakRssBytes: peak,
        machineBusyCores: perSecond(machineAtStart, machineBusySeconds(), seconds),
      };
    },
  };
}

/** Busy cores of the whole machine below which it counts as quiet (nothing of ours is running then). */
const QUIET_CORES = 0.3;
const QUIET_SAMPLE_MS = 300;

/**
 * Waits, up to `maxSeconds`, until the machine is quiet: other processes (tests, builds) sharing it
 * would take CPU from the server and the load generator and depress a case's figures. Returns the
 * seconds waited, or null when the machine was still busy at the end (or /proc/stat is unreadable).
 */
export async function waitForQuietMachine(maxSeconds: number): Promise<number | null> {
  if (maxSeconds <= 0) return 0;
  const started = performance.now();
  for (;;) {
    const before = machineBusySeconds();
    await new Promise((resolve) => setTimeout(resolve, QUIET_SAMPLE_MS));
    const after = machineBusySeconds();
    if (before === null || after === null) return null;
    const waited = (performance.now() - started) / 1000;
    if ((after - before) / (QUIET_SAMPLE_MS / 1000) < QUIET_CORES) return waited;
    if (waited >= maxSeconds) return null;
  }
}
