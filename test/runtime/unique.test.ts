/**
 * `@unique` (contract section 4.1): no two records hold the same non-null value of a unique
 * attribute, on both engines, also when the writes that would break it run at the same time: the
 * index walk that checks it is a read of the write's transaction, so one of two racing writes runs
 * again and sees the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../../src/frontend/index.js';
import { runServer, type RunningServer } from '../../templates/runtime/main.js';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { ENGINES, stopEngines } from '../helpers/engines.js';

const loaded = loadSchema([
  {
    path: 'schema.graphql',
    text: 'type User @table @export { id: ID @primaryKey email: String @unique name: String }',
  },
]);
if (!loaded.ok) throw new Error('the schema does not load');
const schema: SchemaMeta = loaded.schema;

afterAll(stopEngines);

describe.each(ENGINES)('@unique on $name', (engine) => {
  let server: RunningServer;
  let dataDir: string;
  const send = (method: string, where: string, body?: unknown) =>
    fetch(`${server.url}${where}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('starts', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'unique-'));
    server = await runServer(schema, {
      env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...(await engine.env()) },
      handleSignals: false,
      log: () => {},
    });
    expect(schema.tables[0]!.attributes.find((a) => a.name === 'email')).toMatchObject({
      unique: true,
      indexed: true,
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second record with the same value, naming the first', async () => {
    expect((await send('POST', '/User/', { id: 'u1', email: 'a@example.com' })).status).toBe(201);
    const second = await send('POST', '/User/', { id: 'u2', email: 'a@example.com' });
    expect(second.status).toBe(409);
    expect(await second.json()).toEqual({
      error: 'User "u1" already has email "a@example.com", which is @unique; choose another value',
      code: 'UNIQUE_VIOLATION',
      attribute: 'email',
      key: 'u1',
    });
    expect((await send('GET', '/User/u2')).status).toBe(404);
    // Absent and null values are not values: any number of records may lack one.
    for (const id of ['n1', 'n2']) {
      expect((await send('PUT', `/User/${id}`, { name: 'no email' })).status).toBe(204);
    }
    expect((await send('PUT', '/User/n3', { email: null })).status).toBe(204);
    expect((await send('PUT', '/User/n4', { email: null })).status).toBe(204);
  });

  it('checks changes too, and lets a record keep its own value', async () => {
    expect((await send('POST', '/User/', { id: 'u3', email: 'b@example.com' })).status).toBe(201);
    expect((await send('PATCH', '/User/u3', { email: 'a@example.com' })).status).toBe(409);
    expect((await send('PATCH', '/User/u3', { name: 'Bea' })).status).toBe(204);
    expect((await send('PUT', '/User/u3', { email: 'b@example.com', name: 'B' })).status).toBe(204);
    // One batch with the same value twice writes nothing.
    const batch = await send('POST', '/User/', [
      { id: 'u4', email: 'c@example.com' },
      { id: 'u5', email: 'c@example.com' },
    ]);
    expect(batch.status).toBe(409);
    expect((await send('GET', '/User/u4')).status).toBe(404);
    // A value is free again once its holder is gone.
    expect((await send('DELETE', '/User/u1')).status).toBe(200);
    expect((await send('POST', '/User/', { id: 'u6', email: 'a@example.com' })).status).toBe(201);
  });

  it('admits one of many concurrent writes of one value', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        send('POST', '/User/', { id: `race${i}`, email: 'race@example.com' }).then(
          (response) => response.status,
        ),
      ),
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(11);
    const holders = await (await send('GET', '/User/?email=race@example.com&select(id)')).json();
    expect(holders).toHaveLength(1);
  });
});
