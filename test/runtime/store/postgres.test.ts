import { afterAll, beforeAll } from 'vitest';
import { openPostgresStore } from '../../../templates/runtime/store/postgres.js';
import { startPostgresCluster, type PostgresCluster } from '../../helpers/postgresCluster.js';
import { describeStoreConformance } from './storeConformance.js';

let cluster: PostgresCluster;
/** The database of each directory the suite names: a reopen finds the same data. */
const databases = new Map<string, string>();

beforeAll(async () => {
  cluster = await startPostgresCluster();
});

afterAll(async () => {
  await cluster.stop();
});

describeStoreConformance('PostgreSQL', async (schema, directory) => {
  let database = databases.get(directory);
  if (database === undefined) {
    database = await cluster.createDatabase();
    databases.set(directory, database);
  }
  return openPostgresStore(schema, { url: cluster.url(database), log: () => undefined });
});
