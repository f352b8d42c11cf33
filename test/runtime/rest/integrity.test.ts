/**
 * Issue 20, integrity and boundaries: what a client sends is stored as sent or refused with a 4xx
 * (nothing written); clients reach only exported tables; browsers of other origins and hosts are
 * kept out. Each test names the finding it proves.
 */
import { request as httpRequest } from 'node:http';
import { decode as decodeCbor, encode as encodeCbor } from 'cbor-x';
import { pack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { unexportedRelationships } from '../../../src/cli.js';
import { ClientError } from '../../../templates/runtime/errors.js';
import { integritySchema } from '../fixtures/integrity.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { EventClient } from '../realtime/helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer(integritySchema);
});
afterAll(async () => {
  await server.dispose();
});

const sendRaw = (
  method: string,
  path: string,
  body: string | Uint8Array,
  type = 'application/json',
  headers: Record<string, string> = {},
) => server.fetch(path, { method, headers: { 'Content-Type': type, ...headers }, body });

async function expectRefused(
  response: Response,
  status: number,
  code?: string,
): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as Record<string, unknown>;
  if (code !== undefined) expect(body.code).toBe(code);
  return body;
}

async function listOf(tableName: string): Promise<Record<string, unknown>[]> {
  return (await (await server.fetch(`/${tableName}/`)).json()) as Record<string, unknown>[];
}

/** A request with any `Host` header (fetch does not let one be set). */
function withHost(
  host: string,
  path: string,
  headers: Record<string, string> = {},
  env = server,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port: env.running.port, path, headers: { Host: host, ...headers } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** Opens a WebSocket and resolves with 'open' or the status of the refused upgrade. */
function upgrade(
  url: string,
  origin?: string,
  headers: Record<string, string> = {},
): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, origin === undefined ? { headers } : { origin, headers });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

describe('strings must be well-formed Unicode', () => {
  it('refuses a lone surrogate in an attribute, a nested value, a list, an object key and a body key', async () => {
    for (const body of [
      '{"name":"n\\ud800"}',
      '{"tags":["ok","\\udc00x"]}',
      '{"extra":{"deep":["\\ud800"]}}',
      '{"extra":{"k\\ud800":1}}',
      '{"other\\udfff":1}',
    ]) {
      await expectRefused(await sendRaw('PUT', '/Item/s1', body), 400, 'VALIDATION_FAILED');
    }
    await expectRefused(
      await sendRaw('POST', '/Item/', '{"id":"x\\ud800","name":"n"}'),
      400,
      'VALIDATION_FAILED',
    );
    expect(await listOf('Item')).toEqual([]);
  });

  it('refuses a key in the URL that is no UTF-8', async () => {
    const response = await sendRaw('PUT', '/Item/x%ED%A0%80', '{"name":"n"}');
    expect(response.status).toBe(400);
    expect(await listOf('Item')).toEqual([]);
  });

  it('refuses CBOR and MessagePack text that is not UTF-8 instead of storing U+FFFD', async () => {
    const name = Buffer.from('name');
    const cases: [Buffer, string][] = [
      // {"name": <text ff fe>} and {"name": <text ed a0 80>} (an encoded surrogate)
      [Buffer.from([0xa1, 0x64, ...name, 0x62, 0xff, 0xfe]), 'application/cbor'],
      [Buffer.from([0xa1, 0x64, ...name, 0x63, 0xed, 0xa0, 0x80]), 'application/cbor'],
      [Buffer.from(encodeCbor({ name: 'n\ud800' })), 'application/cbor'],
      [Buffer.from([0x81, 0xa4, ...name, 0xa2, 0xff, 0xfe]), 'application/x-msgpack'],
      [Buffer.from([0x81, 0xa4, ...name, 0xa3, 0xed, 0xa0, 0x80]), 'application/x-msgpack'],
      [Buffer.from(pack({ name: 'n\ud800' })), 'application/x-msgpack'],
    ];
    for (const [body, type] of cases) {
      const response = await sendRaw('PUT', '/Item/u1', body, type);
      expect(response.status).toBe(400);
    }
    expect((await server.fetch('/Item/u1')).status).toBe(404);
  });
});

describe('numbers, keys and dates are stored as sent or refused', () => {
  it('-0 is the key 0: one record, in the cache and in the store', async () => {
    expect((await server.send('PUT', '/Counter/0', { n: 1 })).status).toBe(204);
    expect((await server.fetch('/Counter/0')).status).toBe(200);
    expect((await server.send('PUT', '/Counter/-0', { n: 2 })).status).toBe(204);
    expect(await (await server.fetch('/Counter/0')).json()).toEqual({ id: 0, n: 2 });
    const cborKey = await sendRaw(
      'POST',
      '/Counter/',
      encodeCbor({ id: -0, n: 3 }),
      'application/cbor',
    );
    await expectRefused(cborKey, 409, 'RECORD_EXISTS');
    expect(await listOf('Counter')).toEqual([{ id: 0, n: 2 }]);
    // An attribute's -0 is stored as 0 too.
    expect(
      (await sendRaw('PUT', '/Counter/1', encodeCbor({ n: -0 }), 'application/cbor')).status,
    ).toBe(204);
    const stored = decodeCbor(
      Buffer.from(
        await (
          await server.fetch('/Counter/1', { headers: { Accept: 'application/cbor' } })
        ).arrayBuffer(),
      ),
    ) as { n: number };
    expect(Object.is(stored.n, 0)).toBe(true);
    await server.fetch('/Counter/', { method: 'DELETE' });
  });

  it('generated keys stay within the key type, and keys beyond it are refused', async () => {
    await expectRefused(
      await server.send('PUT', '/Counter/2147483648', { n: 1 }),
      400,
      'INVALID_KEY',
    );
    await expectRefused(
      await sendRaw('POST', '/Counter/', '{"id":2147483648}'),
      400,
      'VALIDATION_FAILED',
    );
    expect((await server.send('PUT', '/Counter/2147483647', { n: 1 })).status).toBe(204);
    await expectRefused(
      await server.send('POST', '/Counter/', { n: 2 }),
      409,
      'KEY_SPACE_EXHAUSTED',
    );
    expect(await listOf('Counter')).toEqual([{ id: 2147483647, n: 1 }]);
    await server.fetch('/Counter/', { method: 'DELETE' });

    expect((await server.send('PUT', '/Serial/9007199254740992', {})).status).toBe(204);
    await expectRefused(await server.send('POST', '/Serial/', {}), 409, 'KEY_SPACE_EXHAUSTED');
    await expectRefused(await server.send('POST', '/Serial/', {}), 409, 'KEY_SPACE_EXHAUSTED');
    expect(await listOf('Serial')).toEqual([{ id: 9007199254740992 }]);
  });

  it('keeps every digit of a long JSON integer, and refuses what would lose one', async () => {
    expect(
      (
        await sendRaw(
          'PUT',
          '/Item/n1',
          '{"big":12345678901234567890,"extra":[-98765432109876543210]}',
        )
      ).status,
    ).toBe(204);
    const text = await (await server.fetch('/Item/n1')).text();
    expect(text).toContain('"big":12345678901234567890');
    expect(text).toContain('"extra":[-98765432109876543210]');
    await expectRefused(
      await sendRaw('PUT', '/Item/n2', '{"long":9007199254740993}'),
      400,
      'VALIDATION_FAILED',
    );
    await expectRefused(
      await sendRaw('PUT', '/Item/n2', '{"big":1.2345678901234567e19}'),
      400,
      'VALIDATION_FAILED',
    );
    await expectRefused(
      await sendRaw('PUT', '/Item/n2', '{"count":12345678901234567890}'),
      400,
      'VALIDATION_FAILED',
    );
    expect((await server.fetch('/Item/n2')).status).toBe(404);
  });

  it('refuses dates that do not exist instead of moving them to the next day', async () => {
    for (const when of [
      '2024-02-30',
      '2023-04-31T10:00:00Z',
      '2023-02-29',
      '2024-13-01',
      '2024-01-01T24:00:00Z',
      '2024-01-01T10:60Z',
    ]) {
      await expectRefused(await server.send('PUT', '/Item/d1', { when }), 400, 'VALIDATION_FAILED');
    }
    expect((await server.fetch('/Item/d1')).status).toBe(404);
    expect((await server.send('PUT', '/Item/d1', { when: '2024-02-29T23:59:59Z' })).status).toBe(
      204,
    );
    expect(await (await server.fetch('/Item/d1')).json()).toMatchObject({
      when: '2024-02-29T23:59:59.000Z',
    });
  });
});

describe('bodies of every format are read the same way', () => {
  it('refuses __proto__ in CBOR and MessagePack as in JSON, at the top and nested', async () => {
    await expectRefused(
      await sendRaw('PUT', '/Item/p1', '{"__proto__":{"x":1}}'),
      400,
      'VALIDATION_FAILED',
    );
    const top = new Map<string, unknown>([
      ['name', 'n'],
      ['__proto__', { x: 1 }],
    ]);
    const nested = new Map<string, unknown>([['extra', new Map([['__proto__', 1]])]]);
    for (const body of [top, nested]) {
      await expectRefused(
        await sendRaw('PUT', '/Item/p1', encodeCbor(body), 'application/cbor'),
        400,
        'VALIDATION_FAILED',
      );
      await expectRefused(
        await sendRaw('PUT', '/Item/p1', pack(body), 'application/x-msgpack'),
        400,
        'VALIDATION_FAILED',
      );
    }
    expect((await server.fetch('/Item/p1')).status).toBe(404);
  });

  it('PUT with If-None-Match: * creates, and does not overwrite (412)', async () => {
    expect(
      (await server.send('PUT', '/Item/m1', { name: 'first' }, { 'If-None-Match': '*' })).status,
    ).toBe(204);
    await expectRefused(
      await server.send('PUT', '/Item/m1', { name: 'second' }, { 'If-None-Match': '*' }),
      412,
      'PRECONDITION_FAILED',
    );
    await expectRefused(
      await server.send('PATCH', '/Item/m1', { name: 'third' }, { 'If-None-Match': '*' }),
      412,
      'PRECONDITION_FAILED',
    );
    expect(await (await server.fetch('/Item/m1')).json()).toMatchObject({ name: 'first' });
  });
});

describe('own properties only', () => {
  it('select(), CSV and attribute URLs never read Object.prototype', async () => {
    expect(
      (await server.send('PUT', '/Item/o1', { name: 'first', constructor: 'mine', toString: 't' }))
        .status,
    ).toBe(204);
    expect((await server.send('PUT', '/Item/o2', { name: 'second' })).status).toBe(204);
    const cbor = await server.fetch('/Item/?select(id,constructor,hasOwnProperty)', {
      headers: { Accept: 'application/cbor' },
    });
    expect(cbor.status).toBe(200);
    const records = decodeCbor(Buffer.from(await cbor.arrayBuffer())) as Record<string, unknown>[];
    const expected: Record<string, unknown>[] = [{ id: 'o1', constructor: 'mine' }, { id: 'o2' }];
    expect(records.filter((record) => String(record.id).startsWith('o'))).toEqual(expected);
    // The second: CSV columns come from the first record (o1 holds `constructor`), o2 does not.
    for (const path of ['/Item/?select(id,constructor,valueOf)', '/Item/?id=sw=o']) {
      const csv = await (await server.fetch(path, { headers: { Accept: 'text/csv' } })).text();
      expect(csv).not.toMatch(/function|native code/);
    }
    const single = await server.fetch('/Item/o2?select(toString)', {
      headers: { Accept: 'application/cbor' },
    });
    expect(decodeCbor(Buffer.from(await single.arrayBuffer()))).toBeNull();
    expect(await (await server.fetch('/Item/o2.constructor')).text()).not.toMatch(/function/);
  });

  it('a CBOR subscription selecting constructor is not closed by Object.prototype', async () => {
    const client = new EventClient(
      `${server.url.replace('http', 'ws')}/Item/?select(id,constructor)`,
      'cbor',
    );
    await client.opened;
    expect((await server.send('PUT', '/Item/w1', { name: 'w' })).status).toBe(204);
    // The current records come first (o1 holds an own `constructor`), then the new one.
    const seen: string[] = [];
    while (!seen.some((text) => text.includes('"w1"')) && seen.length < 100) {
      const [message] = await client.next();
      seen.push(JSON.stringify(message));
    }
    expect(seen.join('\n')).toContain('"constructor":"mine"');
    expect(seen.join('\n')).not.toMatch(/function|native code/);
    client.close();
    await client.closed;
  });

  it('neutralises CSV cells that a spreadsheet would run as formulas; numbers stay numbers', async () => {
    expect(
      (
        await server.send('PUT', '/Item/f1', {
          name: '=HYPERLINK("x")',
          count: -5,
          tags: ['+1'],
          extra: '@SUM(A1)',
          other: '\tx',
        })
      ).status,
    ).toBe(204);
    const csv = await (
      await server.fetch('/Item/?id=f1&select(name,count,extra,other)', {
        headers: { Accept: 'text/csv' },
      })
    ).text();
    expect(csv.split('\r\n')[1]).toBe(`"'=HYPERLINK(""x"")",-5,'@SUM(A1),'\tx`);
  });

  it('builds Location inside the transaction: a record whose answer fails is not committed', async () => {
    const item = [...server.running.app.tableSet.all()].find(
      (candidate) => candidate.name === 'Item',
    )!;
    await expect(
      item.create({ id: 'loc1', name: 'x' }, () => {
        throw new URIError('URI malformed');
      }),
    ).rejects.toThrow(URIError);
    expect((await server.fetch('/Item/loc1')).status).toBe(404);
  });

  it('a hook reading a value that cannot be a key gets a 400, not a store failure', async () => {
    const tables = server.running.app.tableSet.readTables();
    for (const key of [[], {}, '', Number.NaN, 'x'.repeat(3000), 1]) {
      const caught: unknown = await tables.Item!.get(key as never).catch((error: unknown) => error);
      expect(caught).toBeInstanceOf(ClientError);
      expect((caught as ClientError).status).toBe(400);
    }
    expect(await tables.Counter!.get(12)).toBeUndefined();
  });
});

describe('tables without @export are not reachable through relationships', () => {
  beforeAll(async () => {
    const secret = [...server.running.app.tableSet.all()].find(
      (candidate) => candidate.name === 'Secret',
    )!;
    await secret.put('s1', { password: 'hunter2' });
    expect((await server.send('PUT', '/Account/a1', { name: 'A', secretId: 's1' })).status).toBe(
      204,
    );
  });

  it('refuses the relationship in select, nested select, conditions and sort', async () => {
    for (const query of [
      'select(id,secret)',
      'select(id,secret{password})',
      'secret.password=sw=hun',
      'sort(secret.password)',
      'select(secret)',
    ]) {
      const response = await server.fetch(`/Account/?${query}`);
      const body = await expectRefused(response, 400, 'QUERY_UNKNOWN_ATTRIBUTE');
      expect(JSON.stringify(body)).not.toContain('hunter2');
      expect(body.attributes).not.toContain('secret');
    }
    await expectRefused(
      await server.fetch('/Account/a1?select(id,secret{password})'),
      400,
      'QUERY_UNKNOWN_ATTRIBUTE',
    );
    const attribute = await server.fetch('/Account/a1.secret');
    expect(await attribute.text()).not.toContain('hunter2');
    // The server's own code may still follow it.
    const account = [...server.running.app.tableSet.all()].find(
      (candidate) => candidate.name === 'Account',
    )!;
    expect(
      await account.search(server.running.app.store.read(), 'secret.password=hunter2'),
    ).toHaveLength(1);
  });

  it('is named by a warning when the server is generated', () => {
    expect(unexportedRelationships(integritySchema)).toEqual([
      'Account.secret relates to Secret, which has no @export: clients cannot select, filter or sort on it',
    ]);
  });

  it('refuses it in a WebSocket view', async () => {
    const url = `${server.url.replace('http', 'ws')}/Account/?select(id,secret)`;
    // The first thing the socket does: close with the query's error, or (wrongly) send records.
    const first = await new Promise<{ code: number } | { message: string }>((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('message', (data: Buffer) => {
        resolve({ message: data.toString() });
        socket.terminate();
      });
      socket.once('close', (code) => resolve({ code }));
      socket.once('error', reject);
    });
    expect(first).toEqual({ code: 1011 });
  });
});

describe('hosts and origins', () => {
  it('answers only loopback host names by default (421 for others)', async () => {
    expect(await withHost(`localhost:${server.running.port}`, '/health')).toBe(200);
    expect(await withHost('127.0.0.1', '/Item/')).toBe(200);
    expect(await withHost('[::1]:9', '/Item/')).toBe(200);
    expect(await withHost('evil.example', '/Item/')).toBe(421);
    expect(await withHost('localhost.evil.example:80', '/health')).toBe(421);
    const open = await startServer(integritySchema, { ALLOWED_HOSTS: '*' });
    const named = await startServer(integritySchema, { ALLOWED_HOSTS: 'api.example' });
    try {
      expect(await withHost('evil.example', '/Item/', {}, open)).toBe(200);
      expect(await withHost('API.example:443', '/Item/', {}, named)).toBe(200);
      expect(await withHost('localhost', '/Item/', {}, named)).toBe(421);
    } finally {
      await open.dispose();
      await named.dispose();
    }
  });

  it('refuses WebSocket upgrades from foreign origins and foreign hosts', async () => {
    const url = `${server.url.replace('http', 'ws')}/Item/`;
    expect(await upgrade(url)).toBe('open');
    expect(await upgrade(url, server.url)).toBe('open');
    expect(await upgrade(url, 'https://evil.example')).toBe(403);
    expect(await upgrade(url, 'null')).toBe(403);
    expect(await upgrade(url, undefined, { Host: 'evil.example' })).toBe(421);
    const cors = await startServer(integritySchema, { CORS_ORIGINS: 'https://app.example' });
    try {
      const corsUrl = `${cors.url.replace('http', 'ws')}/Item/`;
      expect(await upgrade(corsUrl, 'https://app.example')).toBe('open');
      expect(await upgrade(corsUrl, 'https://evil.example')).toBe(403);
    } finally {
      await cors.dispose();
    }
  });

  it('refuses writes from foreign origins, and cross-origin bodies without a Content-Type', async () => {
    const post = (headers: Record<string, string>, target = server) =>
      target.fetch('/Item/', {
        method: 'POST',
        headers,
        body: new Blob(['{"id":"csrf","name":"x"}']),
      });
    await expectRefused(await post({ Origin: 'https://evil.example' }), 403, 'ORIGIN_NOT_ALLOWED');
    await expectRefused(
      await server.fetch('/Item/', {
        method: 'DELETE',
        headers: { Origin: 'https://evil.example' },
      }),
      403,
      'ORIGIN_NOT_ALLOWED',
    );
    expect((await server.fetch('/Item/csrf')).status).toBe(404);
    expect(
      (await server.fetch('/Item/', { headers: { Origin: 'https://evil.example' } })).status,
    ).toBe(200);
    const cors = await startServer(integritySchema, { CORS_ORIGINS: 'https://app.example' });
    try {
      await expectRefused(
        await post({ Origin: 'https://app.example' }, cors),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expect(
        (await post({ Origin: 'https://app.example', 'Content-Type': 'application/json' }, cors))
          .status,
      ).toBe(201);
    } finally {
      await cors.dispose();
    }
    // Same origin, or no Origin at all (curl): a body without a Content-Type is JSON, as before.
    expect((await post({ Origin: server.url })).status).toBe(201);
    await server.fetch('/Item/csrf', { method: 'DELETE' });
    expect((await post({})).status).toBe(201);
  });
});
