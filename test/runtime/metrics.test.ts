/**
 * `GET /metrics` (contract section 13): scraped from a running server in Prometheus' text format,
 * its values move with what the server does (requests per table, method and status class, their
 * latency, commits, records, real-time connections and events); it is protected like the data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServer, type RunningServer } from '../../templates/runtime/main.js';
import { EventClient } from '../helpers/realtimeClient.js';
import { shopSchema } from './fixtures/schemas.js';

const ADMIN = `Basic ${Buffer.from('admin:admin-Pass-1').toString('base64')}`;
const SCRAPER = `Basic ${Buffer.from('scraper:scraper-Pass-1').toString('base64')}`;
const CLERK = `Basic ${Buffer.from('clerk:clerk-Pass-1').toString('base64')}`;

/** The value of one sample (`name{labels} value`) of a scrape, or undefined. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

describe('GET /metrics', () => {
  let server: RunningServer;
  let dataDir: string;

  const scrape = async (auth = SCRAPER): Promise<string> => {
    const response = await fetch(`${server.url}/metrics`, { headers: { Authorization: auth } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'metrics-'));
    server = await runServer(shopSchema, {
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        AUTHORIZE_LOCAL: 'false',
        SUPER_USER: 'admin',
        SUPER_USER_PASSWORD: 'admin-Pass-1',
        METRICS_ROLES: 'monitor',
      },
      handleSignals: false,
      log: () => {},
      roles: {
        superUser: 'admin',
        roles: { monitor: { tables: {} }, clerk: { tables: { Product: { read: true } } } },
      },
    });
    for (const [username, role] of [
      ['scraper', 'monitor'],
      ['clerk', 'clerk'],
    ]) {
      await fetch(`${server.url}/auth/users`, {
        method: 'POST',
        headers: { Authorization: ADMIN, 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password: `${username}-Pass-1`, role }),
      });
    }
  });

  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is for the super user and METRICS_ROLES only', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${server.url}/metrics`, { headers: { Authorization: CLERK } })).status,
    ).toBe(403);
    expect(await scrape(ADMIN)).toContain('# TYPE http_requests_total counter');
  });

  it('counts requests, commits, records, connections and events as they happen', async () => {
    const before = await scrape();
    const created = (labels: string) => sample(before, 'http_requests_total', labels) ?? 0;
    const writes = created('table="Product",method="PUT",status="2xx"');
    const misses = created('table="Product",method="GET",status="4xx"');
    const commits = sample(before, 'store_commits_total') ?? 0;

    for (let i = 0; i < 3; i++) {
      await fetch(`${server.url}/Product/p${i}`, {
        method: 'PUT',
        headers: { Authorization: ADMIN, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: `Lamp ${i}` }),
      });
    }
    await fetch(`${server.url}/Product/nope`, { headers: { Authorization: ADMIN } });
    const socket = new EventClient(`${server.url.replace('http', 'ws')}/Product/p0`, 'json', {
      headers: { Authorization: ADMIN },
    });
    await socket.opened;
    await socket.next(1);

    const after = await scrape();
    expect(sample(after, 'http_requests_total', 'table="Product",method="PUT",status="2xx"')).toBe(
      writes + 3,
    );
    expect(sample(after, 'http_requests_total', 'table="Product",method="GET",status="4xx"')).toBe(
      misses + 1,
    );
    expect(
      sample(after, 'http_request_duration_seconds_count', 'table="Product",method="PUT"'),
    ).toBeGreaterThanOrEqual(3);
    expect(sample(after, 'store_commits_total')).toBeGreaterThanOrEqual(commits + 3);
    expect(sample(after, 'store_records', 'table="Product"')).toBe(3);
    expect(sample(after, 'realtime_websockets')).toBe(1);
    expect(sample(after, 'realtime_subscriptions')).toBe(1);
    expect(sample(after, 'realtime_events_sent_total')).toBeGreaterThanOrEqual(1);
    // The process's own metrics are there too.
    expect(sample(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    socket.close();
    await socket.closed;
  });
});
