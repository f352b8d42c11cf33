/**
 * `node dist/bench/profile.js <file.cpuprofile>... [--top N]`: where a server's CPU time went, from
 * profiles written by `node --cpu-prof` (`npm run bench -- --profile <dir>` writes them).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatSummary, isCpuProfile, summarizeProfile } from './profileSummary.js';

function main(argv: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { top: { type: 'string' } },
  });
  const top = values.top === undefined ? 25 : Number(values.top);
  if (positionals.length === 0 || !Number.isInteger(top) || top <= 0) {
    process.stderr.write('usage: node dist/bench/profile.js <file.cpuprofile>... [--top N]\n');
    return 2;
  }
  for (const file of positionals) {
    const profile: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isCpuProfile(profile)) {
      process.stderr.write(`${file} is not a V8 CPU profile\n`);
      return 2;
    }
    process.stdout.write(
      `${formatSummary(path.basename(file), summarizeProfile(profile, top))}\n\n`,
    );
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
