/**
 * Backups of the LMDB store (contract section 13):
 *
 *   npm run backup -- <file>     a consistent, compacted copy of DATA_DIR's store, also while the
 *                                server runs and writes (one read transaction's snapshot: every
 *                                write acknowledged before the backup began is in it)
 *   npm run restore -- <file>    puts a backup in place as DATA_DIR's store, for the next start;
 *                                refused while a server serves DATA_DIR, or over an existing store
 *                                unless `--force`
 *
 * A PostgreSQL database (`DATABASE_URL`) is backed up with PostgreSQL's own tools (`pg_dump`,
 * `pg_restore`), which these commands say instead of doing anything.
 */
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { withSystemTables } from './auth/users.js';
import { loadConfig } from './config.js';
import type { SchemaMeta } from './meta.js';
import { lockDataDir } from './store/dataDirLock.js';
import { openLmdbStore } from './store/lmdb.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** The file LMDB keeps a store in, inside its directory. */
const DATA_FILE = 'data.mdb';
const LOCK_FILE = 'lock.mdb';
const POSTGRES =
  'DATABASE_URL names a PostgreSQL database: back it up with pg_dump (pg_dump --format=custom -f shop.dump "$DATABASE_URL") and restore it with pg_restore';

/** `npm run backup -- <file>`; resolves with the exit code. */
export async function runBackup(
  schema: SchemaMeta,
  args: readonly string[],
  env: Environment,
): Promise<number> {
  const [file, ...rest] = args;
  if (file === undefined || rest.length > 0) return usage('backup -- <file>');
  const config = loadConfig(env);
  if (config.databaseUrl !== null) return refuse('backup', POSTGRES);
  if (existsSync(file)) return refuse('backup', `${file} exists already; name a new file`);
  if (!existsSync(path.join(config.dataDir, DATA_FILE))) {
    return refuse('backup', `${config.dataDir} holds no store to back up (DATA_DIR)`);
  }
  // The copy is made beside the target and moved into place whole: a failed backup leaves no file.
  const staging = mkdtempSync(path.join(path.dirname(path.resolve(file)), '.backup-'));
  const store = openLmdbStore(withSystemTables(schema), {
    path: config.dataDir,
    log: () => {},
    buildIndexes: false,
    shared: true,
  });
  try {
    if (store.backup === undefined) return refuse('backup', 'this store cannot be backed up');
    await store.backup(staging);
    renameSync(path.join(staging, DATA_FILE), file);
    console.log(`backed up ${config.dataDir} to ${file} (${statSync(file).size} bytes)`);
    return 0;
  } catch (error) {
    return refuse(
      'backup',
      `the backup failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await store.close();
    rmSync(staging, { recursive: true, force: true });
  }
}

/** `npm run restore -- <file> [--force]`; returns the exit code. */
export function runRestore(_schema: SchemaMeta, args: readonly string[], env: Environment): number {
  const force = args.includes('--force');
  const files = args.filter((arg) => arg !== '--force');
  const [file] = files;
  if (file === undefined || files.length > 1) return usage('restore -- <file> [--force]');
  const config = loadConfig(env);
  if (config.databaseUrl !== null) return refuse('restore', POSTGRES);
  if (!existsSync(file) || !statSync(file).isFile())
    return refuse('restore', `${file} is not a backup file`);
  let lock;
  try {
    // A server serving DATA_DIR holds this lock: its store is not replaced under it.
    lock = lockDataDir(config.dataDir, { log: () => {} });
  } catch (error) {
    return refuse('restore', error instanceof Error ? error.message : String(error));
  }
  try {
    const target = path.join(config.dataDir, DATA_FILE);
    if (existsSync(target) && !force) {
      return refuse(
        'restore',
        `${config.dataDir} holds a store already; restore into an empty DATA_DIR, or add --force to replace it`,
      );
    }
    const staged = `${target}.restoring`;
    copyFileSync(file, staged);
    rmSync(path.join(config.dataDir, LOCK_FILE), { force: true });
    renameSync(staged, target);
    console.log(`restored ${file} into ${config.dataDir}; start the server to serve it`);
    return 0;
  } finally {
    lock.release();
  }
}

function usage(form: string): number {
  console.error(`usage: npm run ${form}`);
  return 2;
}

function refuse(command: 'backup' | 'restore', message: string): number {
  console.error(`${command}: ${message}`);
  return 1;
}
