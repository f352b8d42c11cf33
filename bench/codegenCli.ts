/** Runs the generator's CLI as a user does: `node bin/codegen.js <args>` from the repository root. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CliRun {
  readonly exitCode: number;
  /** stdout then stderr. */
  readonly output: string;
  readonly milliseconds: number;
}

export async function codegen(repoRoot: string, args: readonly string[]): Promise<CliRun> {
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(repoRoot, 'bin', 'codegen.js'), ...args],
      {
        cwd: repoRoot,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { exitCode: 0, output: `${stdout}${stderr}`, milliseconds: elapsed() };
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string };
    // A numeric code is the CLI's own exit status; anything else (no node, no bin) is a real failure.
    if (typeof failure.code !== 'number') throw error;
    return {
      exitCode: failure.code,
      output: `${failure.stdout ?? ''}${failure.stderr ?? ''}`,
      milliseconds: elapsed(),
    };
  }
}
