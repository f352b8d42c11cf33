/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a fresh temporary directory, one
 * `postgres` server on a free port bound to 127.0.0.1 (and a socket in that directory), and a
 * database per caller. Never a system service. Tests run as root, which `initdb` and `postgres`
 * refuse: they then run as the `postgres` user (`runuser`), owning the directory. The server is
 * stopped by its own pid (from `postmaster.pid`), with SIGINT (fast shutdown).
 *
 * Missing binaries make the caller fail with a message saying what to install: CI installs
 * PostgreSQL (`.ci/run`), so a test that needs it must never skip silently.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

export interface PostgresCluster {
  /** The connection string of `database` on this cluster. */
  url(database: string): string;
  /** Creates a new empty database (UTF-8, C collation) and returns its name. */
  createDatabase(name?: string): Promise<string>;
  /** The server's port. */
  readonly port: number;
  /** The superuser's password (host connections require it). */
  readonly password: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/**
 * The directory of the PostgreSQL server binaries (the newest under `root`, else what
 * `pg_config --bindir` names), or an error saying how to get them.
 */
export function postgresBinaries(root = '/usr/lib/postgresql', pgConfig = 'pg_config'): string {
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((version) => existsSync(path.join(root, version, 'bin', 'initdb')))
      .sort((x, y) => Number(y) - Number(x));
    if (versions[0] !== undefined) return path.join(root, versions[0], 'bin');
  }
  try {
    const bindir = execFileSync(pgConfig, ['--bindir'], { encoding: 'utf8', stdio: 'pipe' }).trim();
    if (existsSync(path.join(bindir, 'initdb')) && existsSync(path.join(bindir, 'postgres')))
      return bindir;
  } catch {
    // No pg_config either.
  }
  throw new Error(
    `PostgreSQL server binaries not found (no ${root}/*/bin/initdb, no \`${pgConfig} --bindir\`): install them (\`apt-get install -y postgresql\`); the PostgreSQL store tests need a server`,
  );
}

const asRoot = process.getuid?.() === 0;

/** The command line to run a server binary: as the `postgres` user when the tests run as root. */
function command(binary: string, args: readonly string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, [...args]];
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinaries();
  const directory = mkdtempSync(path.join(tmpdir(), 'pg-cluster-'));
  const data = path.join(directory, 'data');
  const password = randomBytes(12).toString('hex');
  const passwordFile = path.join(directory, 'password');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(directory, uid, gid);
  }
  const [initdb, initArgs] = command(path.join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${passwordFile}`,
    // The cluster is thrown away: initdb need not wait for its files to reach the disk.
    '--no-sync',
  ]);
  // The password file must be readable by the postgres user: written by it, through runuser.
  execFileSync(
    asRoot ? 'runuser' : 'sh',
    asRoot
      ? [
          '-u',
          'postgres',
          '--',
          'sh',
          '-c',
          `umask 077; printf %s "$1" > "$2"`,
          'sh',
          password,
          passwordFile,
        ]
      : ['-c', `umask 077; printf %s "$1" > "$2"`, 'sh', password, passwordFile],
  );
  try {
    execFileSync(initdb, initArgs, { stdio: 'pipe' });
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    const output = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed: ${output || String(error)}`, { cause: error });
  }
  const port = await freePort();
  // The server runs under a small shell that stops it (SIGINT to the pid it started: a fast
  // shutdown) once its standard input closes, then removes the cluster's directory: when `stop()`
  // closes it, and also when the test process dies without stopping it, so that no server (and
  // no directory) outlives its tests.
  const watchdog =
    'dir="$1"; postgres="$2"; shift 2; "$postgres" "$@" & pid=$!; cat > /dev/null; kill -INT "$pid"; wait "$pid"; rm -rf "$dir"';
  const [postgres, args] = command('sh', [
    '-c',
    watchdog,
    'sh',
    directory,
    path.join(bin, 'postgres'),
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    directory,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=on',
    '-c',
    'max_connections=200',
  ]);
  const child: ChildProcess = spawn(postgres, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // Not a reason to keep the test process alive: the server goes with it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr])
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const url = (database: string): string =>
    `postgres://postgres:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  const stop = async (): Promise<void> => {
    const pidFile = path.join(data, 'postmaster.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
    // The watchdog shell stops the server and exits once the server has.
    child.stdin?.end();
    if (!exited) await exit;
    while (Number.isInteger(pid) && pid > 0 && processAlive(pid)) await sleep(20);
    rmSync(directory, { recursive: true, force: true });
  };

  // Ready once it accepts a connection.
  const hasExited = (): boolean => exited;
  for (let attempt = 0; ; attempt++) {
    if (hasExited()) {
      rmSync(directory, { recursive: true, force: true });
      throw new Error(`the PostgreSQL server exited at startup:\n${output}`);
    }
    const client = new pg.Client({ connectionString: url('postgres') });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (attempt > 500) {
        await stop();
        throw new Error(`the PostgreSQL server did not start: ${String(error)}\n${output}`, {
          cause: error,
        });
      }
      await sleep(20);
    }
  }

  let databases = 0;
  return {
    url,
    port,
    password,
    async createDatabase(name?: string): Promise<string> {
      const database = name ?? `test_${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(
          `CREATE DATABASE "${database.replaceAll('"', '""')}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
        );
      } finally {
        await client.end();
      }
      return database;
    },
    stop,
  };
}
