/**
 * The store engines an end-to-end suite runs its generated servers on: the embedded LMDB store
 * (the default) and PostgreSQL, on a throwaway cluster that the test file starts the first time
 * it asks for a database and stops with `stopEngines()` (register it in a top-level `afterAll`).
 */
import { startPostgresCluster, type PostgresCluster } from './postgresCluster.js';

export interface Engine {
  readonly name: 'lmdb' | 'postgres';
  /** The environment that puts a new server on this engine, on data of its own. */
  env(): Promise<Record<string, string>>;
}

let cluster: Promise<PostgresCluster> | undefined;

export const ENGINES: readonly Engine[] = [
  { name: 'lmdb', env: () => Promise.resolve({}) },
  {
    name: 'postgres',
    env: async () => {
      cluster ??= startPostgresCluster();
      const started = await cluster;
      return { DATABASE_URL: started.url(await started.createDatabase()) };
    },
  },
];

/** Stops the cluster this test file started, if it started one. */
export async function stopEngines(): Promise<void> {
  const started = cluster;
  cluster = undefined;
  if (started !== undefined) await (await started).stop();
}
