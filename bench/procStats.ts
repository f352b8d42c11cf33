/**
 * CPU time and memory of a server process, read from Linux's /proc (null elsewhere), so a case's
 * figures say what the server spent, not what the load generator in this process spent.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
export function cpuSecondsFromStat(stat: string, ticksPerSecond: number = TICKS_PER_SECOND): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name come field 3 (state) onwards: utime is field 14, stime field 15.
  const userTicks = Number(fields[14 - 3]);
  const systemTicks = Number(fields[15 - 3]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) throw new Error(`unreadable /proc stat line: ${stat}`);
  return (userTicks + systemTicks) / ticksPerSecond;
}

/** Resident set size in bytes from the text of /proc/<pid>/status, or null when it has no VmRSS line. */
export function rssBytesFromStatus(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match === null ? null : Number(match[1]) * 1024;
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

export interface ProcessUsage {
  /** CPU seconds (user + system) over the window, as a share of one core: 1 = one core busy throughout. */
  readonly cpuCores: number | null;
  /** The largest resident set size seen during the window. */
  readonly peakRssBytes: number | null;
}

/** Watches a process from now until `stop()`: CPU over the window, RSS sampled a few times a second. */
export function watchProcess(pid: number): { stop(): ProcessUsage } {
  const started = performance.now();
  const cpuAtStart = cpuSeconds(pid);
  let peak = rssBytes(pid);
  const sample = (): void => {
    const rss = rssBytes(pid);
    if (rss !== null && (peak === null || rss > peak)) peak = rss;
  };
  const timer = setInterval(sample, 250);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const cpuAtEnd = cpuSeconds(pid);
      const seconds = (performance.now() - started) / 1000;
      const cpuCores = cpuAtStart === null || cpuAtEnd === null || seconds === 0 ? null : (cpuAtEnd - cpuAtStart) / seconds;
      return { cpuCores, peakRssBytes: peak };
    },
  };
}
