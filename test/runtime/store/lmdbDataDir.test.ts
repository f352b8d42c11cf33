import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import { loadFixtureSchema } from '../../helpers/fixtureSchema.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('opens a data directory whose name contains a dot', async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'codegen.store.'));
  const dataDir = path.join(dir, 'data.v1');
  const schema = await loadFixtureSchema('shop');
  const store = openLmdbStore(schema, { path: dataDir, log: () => {} });
  await store.write((txn) => txn.put('Category', 'c1', { id: 'c1', name: 'Books' }));
  await store.close();
  const reopened = openLmdbStore(schema, { path: dataDir, log: () => {} });
  expect((await reopened.read().get('Category', 'c1'))?.value).toEqual({ id: 'c1', name: 'Books' });
  await reopened.close();
});
