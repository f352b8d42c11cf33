import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from '../../bench/latency.js';
import {
  busySecondsFromProcStat,
  cpuSecondsFromStat,
  processTree,
  rssBytesFromStatus,
  watchProcess,
} from '../../bench/procStats.js';

describe('reading /proc', () => {
  // A real line's shape, with a command name holding a space and a parenthesis.
  const stat =
    '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 5211 0 0 0 1250 375 0 0 20 0 11 0 8803 1234567 8190 18446744073709551615';

  it('adds user and system time, counting fields after the last parenthesis of the name', () => {
    expect(cpuSecondsFromStat(stat, 100)).toBeCloseTo(16.25);
    expect(cpuSecondsFromStat(stat, 1000)).toBeCloseTo(1.625);
  });

  it('refuses a line it cannot read instead of returning nonsense', () => {
    expect(() => cpuSecondsFromStat('4242 (node) S 1', 100)).toThrow(/unreadable/);
  });

  it('reads the resident set size in bytes, or null without a VmRSS line', () => {
    expect(
      rssBytesFromStatus('Name:\tnode\nVmHWM:\t  90000 kB\nVmRSS:\t   81920 kB\nThreads:\t11\n'),
    ).toBe(81920 * 1024);
    expect(rssBytesFromStatus('Name:\tkthreadd\n')).toBeNull();
  });

  it('counts the whole machine busy as everything but idle and iowait', () => {
    const procStat = 'cpu  1000 50 300 9000 200 10 40 0 0 0\ncpu0 500 25 150 4500 100 5 20 0 0 0\n';
    expect(busySecondsFromProcStat(procStat, 100)).toBeCloseTo((1000 + 50 + 300 + 10 + 40) / 100);
  });
});

describe('LatencyRecorder', () => {
  it('gives nearest-rank percentiles of everything recorded, past its first buffer', () => {
    const recorder = new LatencyRecorder();
    // 100 000 values, 0.01 … 1000 ms, recorded in a scrambled order.
    for (let index = 0; index < 100_000; index++)
      recorder.record((((index * 7919) % 100_000) + 1) / 100);
    expect(recorder.size).toBe(100_000);
    expect(recorder.percentiles([0.5, 0.99, 1])).toEqual([500, 990, 1000]);
  });

  it('answers null when nothing was recorded', () => {
    expect(new LatencyRecorder().percentiles([0.5])).toEqual([null]);
  });
});

describe('a server that forks workers', () => {
  it("is watched with its children: their CPU counts as the server's", async () => {
    // A parent that idles and a child that spins, as a WORKERS=n primary and its workers do.
    // The child spins in slices and leaves once its parent is gone, however the test ends.
    const spin = `setInterval(() => {
      if (process.ppid === 1) process.exit(0);
      for (const end = Date.now() + 20; Date.now() < end; );
    }, 0);`;
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const { spawn } = require('node:child_process');
         const child = spawn(process.execPath, ['-e', ${JSON.stringify(spin)}], { stdio: 'ignore' });
         process.on('SIGTERM', () => { child.kill(); process.exit(0); });
         console.log(child.pid);
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let childPid: number | undefined;
    try {
      childPid = await new Promise<number>((resolve) =>
        parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
      );
      expect(processTree(parent.pid!)).toEqual([parent.pid, childPid]);
      const usage = watchProcess(parent.pid!);
      await new Promise((resolve) => setTimeout(resolve, 600));
      // The parent alone spends next to nothing; the spinning child about one core.
      expect(usage.stop().cpuCores).toBeGreaterThan(0.3);
    } finally {
      parent.kill('SIGTERM');
      if (childPid !== undefined) {
        try {
          process.kill(childPid);
        } catch {
          // Already gone with its parent.
        }
      }
    }
  });
});
