/**
 * Concurrent writes (contract section 4): PATCHes of one record by many clients at once never lose
 * each other's attributes, and concurrent POSTs without a key never hand out one key twice, on
 * UUID keys and on generated integer keys alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../generated-examples/kitchen-sink/src/schema.js';
import { formatVerifyReport, verifyStore } from '../../templates/runtime/verify.js';
import { startGeneratedServer, type GeneratedServer } from '../helpers/generatedServer.js';

const CLIENTS = 50;
const ROUNDS = 10;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('concurrent writes', () => {
  let server: GeneratedServer;

  beforeAll(async () => {
    server = await startGeneratedServer('kitchen-sink');
  });
  afterAll(async () => {
    await server.dispose();
  });

  const write = (method: string, path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it(`keeps every attribute when ${CLIENTS} clients PATCH one record at once`, async () => {
    expect((await write('PUT', '/Post/shared', { title: 'shared' })).status).toBe(204);
    // Each client writes its own attribute, round after round; all clients run at once.
    await Promise.all(
      range(CLIENTS).map(async (client) => {
        for (const round of range(ROUNDS)) {
          const response = await write('PATCH', '/Post/shared', {
            [`client${client}`]: round,
            views: round,
          });
          expect(response.status).toBe(204);
        }
      }),
    );
    const record = (await (await fetch(`${server.url}/Post/shared`)).json()) as Record<
      string,
      unknown
    >;
    for (const client of range(CLIENTS))
      expect(record[`client${client}`], `client${client}`).toBe(ROUNDS - 1);
    expect(record).toMatchObject({ id: 'shared', title: 'shared', views: ROUNDS - 1 });
  });

  it.each([
    ['/Post/', 'UUID', (i: number) => ({ title: `post ${i}` })],
    ['/authors/', 'Long', (i: number) => ({ name: `author ${i}` })],
    ['/Counter/', 'Int', (i: number) => ({ value: i })],
  ] as const)(
    'never hands out a key twice to concurrent POSTs on %s (%s keys)',
    async (path, _keyType, record) => {
      const listKeys = async () =>
        ((await (await fetch(`${server.url}${path}`)).json()) as { id: unknown }[]).map(
          (stored) => stored.id,
        );
      const before = new Set(await listKeys());
      // Each client alternates a POST of one record and a POST of an array of three.
      const keys = (
        await Promise.all(
          range(CLIENTS).map(async (client) => {
            const created: unknown[] = [];
            for (const round of range(ROUNDS)) {
              const n = (client * ROUNDS + round) * 3;
              const body = round % 2 === 0 ? record(n) : [record(n), record(n + 1), record(n + 2)];
              const response = await write('POST', path, body);
              expect(response.status).toBe(201);
              const answer: unknown = await response.json();
              created.push(...(Array.isArray(answer) ? answer : [answer]));
            }
            return created;
          }),
        )
      ).flat();
      const expected = CLIENTS * (ROUNDS / 2) * 4;
      expect(keys).toHaveLength(expected);
      expect(new Set(keys).size).toBe(expected);
      const added = (await listKeys()).filter((key) => !before.has(key));
      expect(new Set(added)).toEqual(new Set(keys));
    },
  );

  it('leaves every index consistent with its table', async () => {
    const report = await verifyStore(schema, server.dataDir);
    expect(report.ok, formatVerifyReport(report)).toBe(true);
  });
});
