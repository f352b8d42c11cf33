/**
 * The store the configuration names, opened by a command-line tool (`npm run users`, `convert`)
 * beside a server that may be running on the same data: one database connection on PostgreSQL;
 * on LMDB a shared environment that builds no index (the running server builds them).
 */
import { withSystemTables } from '../auth/users.js';
import { loadConfig } from '../config.js';
import type { SchemaMeta } from '../meta.js';
import { openLmdbStore } from './lmdb.js';
import { openPostgresStore } from './postgres.js';
import type { Store } from './types.js';

export async function openStoreBeside(
  schema: SchemaMeta,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Store> {
  const config = loadConfig(env);
  const silent = (): void => {};
  if (config.databaseUrl !== null) {
    return openPostgresStore(withSystemTables(schema), {
      url: config.databaseUrl,
      log: silent,
      poolSize: 1,
    });
  }
  return openLmdbStore(withSystemTables(schema), {
    path: config.dataDir,
    log: silent,
    buildIndexes: false,
    shared: true,
  });
}
