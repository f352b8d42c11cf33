/**
 * The server's log (contract section 13), read from the committed shop server's standard output as
 * an operator's log collector would: JSON lines (start, one access line per request and WebSocket
 * with its user, shutdown), `LOG_LEVEL`, `ACCESS_LOG` and `LOG_FORMAT`, and no password, token,
 * secret or request body in any line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REPO_ROOT, startGeneratedServer } from '../helpers/generatedServer.js';
import { freePort } from '../helpers/ports.js';

const PASSWORD = 'log-Test-Secret-77';
const JWT_SECRET = 'a-jwt-secret-of-more-than-thirty-two-bytes!';
const BODY_MARKER = 'BODY-MARKER-in-a-request-body';
const SHOP = path.join(REPO_ROOT, 'generated-examples', 'shop');

interface LogLine {
  readonly level: string;
  readonly time: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** Every line of the output, each of which must be one JSON object. */
function parseLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
      expect(parsed).toMatchObject({
        level: expect.any(String),
        time: expect.any(Number),
        msg: expect.any(String),
      });
      return parsed as LogLine;
    });
}

/** Access lines written so far (each has a status). */
function requestLineCount(output: string): number {
  return output.match(/"status":\d+/g)?.length ?? 0;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('the log, as JSON lines', () => {
  it('says when it listens and stops, logs each request with its user, and holds no secret', async () => {
    const server = await startGeneratedServer('shop', {
      env: {
        SUPER_USER: 'admin',
        SUPER_USER_PASSWORD: PASSWORD,
        AUTHORIZE_LOCAL: 'false',
        JWT_SECRET,
      },
    });
    cleanups.push(() => server.dispose());
    const basic = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;

    expect(
      (await fetch(`${server.url}/Product/`, { headers: { Authorization: basic } })).status,
    ).toBe(200);
    // Visitors may browse products but not carts.
    expect((await fetch(`${server.url}/CartItem/`)).status).toBe(403);
    const login = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { accessToken, refreshToken } = (await login.json()) as {
      accessToken: string;
      refreshToken: string;
    };
    const bearer = `Bearer ${accessToken}`;
    const put = await fetch(`${server.url}/Product/p-log`, {
      method: 'PUT',
      headers: { Authorization: bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: BODY_MARKER, price: 3 }),
    });
    expect(put.status).toBeLessThan(300);
    const events = await fetch(`${server.url}/Product/p-log?access_token=${accessToken}`, {
      headers: { Accept: 'text/event-stream' },
    });
    expect(events.status).toBe(200);
    await events.body?.cancel();
    // The stream's line is written once the server sees it closed.
    await waitFor(() => requestLineCount(server.output()) === 5, 'the event stream access line');
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/Product/p-log`, {
      headers: { Authorization: bearer },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('message', () => resolve());
      socket.once('error', reject);
    });
    socket.close();
    await waitFor(() => requestLineCount(server.output()) === 6, 'the WebSocket access line');
    expect(await server.stop()).toBe(0);

    const lines = parseLines(server.output());
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'auth: created the super user "admin" (SUPER_USER)',
    });
    expect(lines[1]).toMatchObject({
      level: 'info',
      msg: `listening on ${server.url}`,
      url: server.url,
      engine: 'lmdb',
    });
    expect(lines.at(-2), server.output()).toMatchObject({
      level: 'info',
      msg: 'SIGTERM received, shutting down',
    });
    expect(lines.at(-1), server.output()).toMatchObject({ level: 'info', msg: 'stopped' });

    const requests = lines.filter((line) => typeof line['status'] === 'number');
    const find = (method: string, url: string, status: number): LogLine[] =>
      requests.filter(
        (line) => line['method'] === method && line['url'] === url && line['status'] === status,
      );
    const one = (method: string, url: string, status: number): LogLine => {
      const found = find(method, url, status);
      expect(found, `${method} ${url} ${status} in\n${server.output()}`).toHaveLength(1);
      return found[0]!;
    };
    expect(one('GET', '/Product/', 200)).toMatchObject({
      msg: 'GET /Product/ 200',
      user: 'admin',
      address: '127.0.0.1',
    });
    expect(one('GET', '/CartItem/', 403)).toMatchObject({ user: null });
    expect(one('POST', '/auth/login', 200)).toMatchObject({ user: null });
    expect(one('PUT', '/Product/p-log', put.status)).toMatchObject({ user: 'admin' });
    expect(one('GET', '/Product/p-log?access_token=…', 200)).toMatchObject({ user: 'admin' });
    expect(one('GET', '/Product/p-log', 101)).toMatchObject({
      user: 'admin',
      address: '127.0.0.1',
    });
    for (const line of requests) {
      expect(line['bytes']).toBeGreaterThan(0);
      expect(line['ms']).toBeGreaterThanOrEqual(0);
    }
    expect(requests).toHaveLength(6);

    const text = server.output();
    for (const secret of [PASSWORD, JWT_SECRET, accessToken, refreshToken, basic, BODY_MARKER]) {
      expect(text).not.toContain(secret);
    }
    // Nor a part of the token: its signature is the part that must not leak.
    expect(text).not.toContain(accessToken.split('.')[2]!);
  });

  it('writes no request lines with ACCESS_LOG=false', async () => {
    const server = await startGeneratedServer('shop', { env: { ACCESS_LOG: 'false' } });
    cleanups.push(() => server.dispose());
    expect((await fetch(`${server.url}/Product/`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    const lines = parseLines(server.output());
    expect(lines.map((line) => line.msg)).toEqual([
      `listening on ${server.url}`,
      'SIGTERM received, shutting down',
      'stopped',
    ]);
  });

  it('writes the form for people with LOG_FORMAT=pretty', async () => {
    const server = await startGeneratedServer('shop', { env: { LOG_FORMAT: 'pretty' } });
    cleanups.push(() => server.dispose());
    expect((await fetch(`${server.url}/Product/?limit(1)`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    const lines = server.output().trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening on http:\/\/127\.0\.0\.1:\d+ /,
    );
    expect(lines[1]).toMatch(
      /^\[[\d:.]+\] INFO: GET \/Product\/\?limit\(1\) 200 \{"method":"GET",/,
    );
    expect(lines.at(-1)).toMatch(/^\[[\d:.]+\] INFO: stopped$/);
  });
});

describe('LOG_LEVEL', () => {
  it('writes nothing below the level it names', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'codegen-logs-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const child = execa('node', ['dist/main.js'], {
      cwd: SHOP,
      env: { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      all: true,
      reject: false,
    });
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await child;
    });
    const url = `http://127.0.0.1:${port}`;
    let healthy = false;
    // The server says nothing at `warn` when it starts: ask it until it answers.
    const deadline = Date.now() + 30_000;
    while (!healthy && Date.now() < deadline && child.exitCode === null) {
      healthy = await fetch(`${url}/health`).then(
        (response) => response.ok,
        () => false,
      );
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(healthy).toBe(true);
    expect((await fetch(`${url}/Product/`)).status).toBe(200);
    expect((await fetch(`${url}/Nope`)).status).toBe(404);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.all).toBe('');
  });

  it('refuses to start with a level it does not know, in one line', async () => {
    const result = await execa('node', ['dist/main.js'], {
      cwd: SHOP,
      env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: '/nonexistent/never-made', LOG_LEVEL: 'loud' },
      reject: false,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'cannot start the server: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud": set a valid value in the environment (the README lists every variable)',
    );
  });
});
