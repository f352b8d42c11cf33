/**
 * A server the harness starts as a child process (a generated server or the ceiling): started with
 * `node <script>`, ready once it prints `listening on http://HOST:PORT`, stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const LISTENING = /listening on (http:\/\/[^\s"]+)/;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Everything it printed so far (stdout and stderr), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited in time; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Every server started and not yet stopped, so that an error or Ctrl-C still stops them all. */
const running = new Set<ServerProcess>();

export interface StartOptions {
  readonly name: string;
  readonly script: string;
  readonly args?: readonly string[];
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: could not start ${options.script}`);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${options.name} did not print "listening on" within ${START_TIMEOUT_MS / 1000} s:\n${output}`,
        ),
      );
    }, START_TIMEOUT_MS);
    let listening = false;
    const onData = (chunk: Buffer): void => {
      // Only the latest lines are kept: a long-running server can print a lot (its access log).
      output = (output + chunk.toString()).slice(-20_000);
      if (listening) return;
      const match = LISTENING.exec(output);
      if (match?.[1] !== undefined) {
        listening = true;
        clearTimeout(timeout);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timeout);
      reject(new Error(`${options.name} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  const server: ServerProcess = {
    url,
    pid,
    output: () => output,
    async stop() {
      running.delete(server);
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited(child);
      clearTimeout(killer);
      return code;
    },
  };
  running.add(server);
  return server;
}

export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}
