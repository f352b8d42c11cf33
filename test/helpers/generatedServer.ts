/**
 * Starts a committed generated server (`generated-examples/<name>`, compiled by the global setup) as a
 * separate process on a free port with a fresh data directory, the way a user runs it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export type ExampleName = 'calendar' | 'shop' | 'kitchen-sink';

export interface GeneratedServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly process: ResultPromise;
  /** Everything the server has printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then wait for the exit; resolves with the exit code. */
  stop(): Promise<number | undefined>;
  /**
   * SIGKILL to the server and every process it started (its workers), as a machine's crash would
   * stop them; resolves once the server process is gone.
   */
  crash(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Reuse a data directory (to test restarts); a new temporary one otherwise. */
  readonly dataDir?: string;
}

const LISTENING = /listening on (http:\/\/[^\s"]+)/;

export async function startGeneratedServer(
  name: ExampleName,
  options: StartOptions = {},
): Promise<GeneratedServer> {
  const cwd = path.join(REPO_ROOT, 'generated-examples', name);
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), `codegen-${name}-`)));
  const child = execa('node', ['dist/main.js'], {
    cwd,
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...options.env },
    all: true,
    reject: false,
    buffer: false,
    // Its own process group, so that a crash can take its workers with it.
    detached: true,
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    // A limit against hanging only (the machine may be busy), not a measure of start-up time.
    const timeout = setTimeout(
      () => reject(new Error(`${name} server did not start in time:\n${output}`)),
      60_000,
    );
    child.all.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timeout);
        resolve(match[1]!);
      }
    });
    void child.then((result) => {
      clearTimeout(timeout);
      reject(new Error(`${name} server exited (${result.exitCode}) before listening:\n${output}`));
    });
  });
  const stop = async (): Promise<number | undefined> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const result = await child;
    return result.exitCode;
  };
  const crash = async (): Promise<void> => {
    // The group's id is the server's pid: every process in it was started by this test.
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        // The group is gone already (the server exited a moment ago).
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    await child;
  };
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    process: child,
    output: () => output,
    stop,
    crash,
    dispose: async () => {
      await stop();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
