/**
 * `@computed` (contract sections 2, 10 and 11), on both engines: the value the user's function
 * computes is stored with the record on every write (POST, PUT, PATCH, a hook's write), returned
 * like a stored attribute, usable in conditions, `sort` and through its index; a client's value
 * is overwritten; a function that throws or returns a value of another type fails the write as a
 * hook does; a new computed attribute or a changed `version:` is computed again for every stored
 * record when the server starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../../src/frontend/index.js';
import type { RuntimeComputed } from '../../templates/runtime/computed.js';
import type { Hooks } from '../../templates/runtime/hooks.js';
import { refuse } from '../../templates/runtime/hooks.js';
import { runServer, type RunningServer } from '../../templates/runtime/main.js';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { ENGINES, stopEngines } from '../helpers/engines.js';

function schemaOf(text: string): SchemaMeta {
  const loaded = loadSchema([{ path: 'schema.graphql', text }]);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  return loaded.schema;
}

/** Version 1 of the schema: a summary from two attributes, and an indexed length. */
const first = schemaOf(`type Post @table @export {
  id: ID @primaryKey
  title: String!
  author: String
  summary: String! @computed(from: "title + ' by ' + author")
  size: Int @computed(from: "title.length", version: 1) @indexed
}`);
/** Version 2: `size` counts words now, and `shout` is new. */
const second = schemaOf(`type Post @table @export {
  id: ID @primaryKey
  title: String!
  author: String
  summary: String! @computed(from: "title + ' by ' + author")
  size: Int @computed(from: "title.split(' ').length", version: 2) @indexed
  shout: String @computed
}`);

interface Post {
  readonly id: string;
  readonly title: string;
  readonly author?: string | null;
}

/** What the functions throw or return badly for: titles that test the failure paths. */
const summary = (record: Post): unknown => {
  if (record.title === 'throw') throw new Error('no summary for this one');
  if (record.title === 'refuse') refuse(422, 'this title cannot be summarized', 'NO_SUMMARY');
  if (record.title === 'wrong type') return 42;
  return `${record.title} by ${record.author ?? 'nobody'}`;
};
const computedV1: RuntimeComputed = {
  Post: { summary, size: (record: Post) => record.title.length },
};
const computedV2: RuntimeComputed = {
  Post: {
    summary,
    size: (record: Post) => record.title.split(' ').length,
    shout: (record: Post) => record.title.toUpperCase(),
  },
};
/** A hook that writes another post: its computed attributes are computed too. */
const hooks: Hooks<unknown> = {
  Post: {
    async beforeWrite(record: Post, context: { tables: Record<string, unknown> }) {
      if (record.id === 'renamed') return { ...record, title: 'Renamed' };
      if (record.id !== 'with-copy') return;
      const tables = context.tables as {
        Post: { put(key: string, body: object): Promise<void> };
      };
      await tables.Post.put('copy', { title: `copy of ${record.title}` });
    },
  },
};

afterAll(stopEngines);

describe.each(ENGINES)('@computed on $name', (engine) => {
  let server: RunningServer;
  let dataDir: string;
  let env: Record<string, string>;
  const lines: string[] = [];
  const start = async (schema: SchemaMeta, computed: RuntimeComputed): Promise<void> => {
    server = await runServer(schema, {
      env,
      handleSignals: false,
      log: (line) => lines.push(line),
      computed,
      hooks,
    });
  };
  const send = (method: string, where: string, body?: unknown): Promise<Response> =>
    fetch(`${server.url}${where}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const json = async (where: string): Promise<unknown> => {
    const response = await send('GET', where);
    expect(response.status, where).toBe(200);
    return response.json();
  };

  it('starts', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'computed-'));
    env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...(await engine.env()) };
    await start(first, computedV1);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores the value on POST and PUT and returns it like a stored attribute', async () => {
    expect((await send('POST', '/Post/', { id: 'a', title: 'Hello', author: 'Ann' })).status).toBe(
      201,
    );
    expect(await json('/Post/a')).toEqual({
      id: 'a',
      title: 'Hello',
      author: 'Ann',
      summary: 'Hello by Ann',
      size: 5,
    });
    expect((await send('PUT', '/Post/b', { title: 'Hi' })).status).toBe(204);
    expect(await json('/Post/b')).toMatchObject({ summary: 'Hi by nobody', size: 2 });
    expect(await json('/Post/b.summary')).toBe('Hi by nobody');
  });

  it('describes it in GET /T: computed, with from and version', async () => {
    const described = (await json('/Post')) as {
      attributes: { name: string; computed?: true; from?: string; version?: number }[];
    };
    const byName = new Map(described.attributes.map((attribute) => [attribute.name, attribute]));
    expect(byName.get('summary')).toMatchObject({
      computed: true,
      from: "title + ' by ' + author",
      version: 0,
    });
    expect(byName.get('size')).toMatchObject({ computed: true, version: 1, indexed: true });
    expect(byName.get('title')?.computed).toBeUndefined();
  });

  it('computes it again on a PATCH of the attributes it reads', async () => {
    expect((await send('PATCH', '/Post/a', { author: 'Bob' })).status).toBe(204);
    expect(await json('/Post/a')).toMatchObject({ summary: 'Hello by Bob', size: 5 });
    expect((await send('PATCH', '/Post/a', { title: 'Hello world' })).status).toBe(204);
    expect(await json('/Post/a')).toMatchObject({ summary: 'Hello world by Bob', size: 11 });
  });

  it('overwrites what a client sends for it', async () => {
    expect(
      (await send('POST', '/Post/', { id: 'c', title: 'Third', summary: 'mine', size: 'x' }))
        .status,
    ).toBe(201);
    expect(await json('/Post/c')).toMatchObject({ summary: 'Third by nobody', size: 5 });
    expect((await send('PATCH', '/Post/c', { summary: 'mine again' })).status).toBe(204);
    expect(await json('/Post/c.summary')).toBe('Third by nobody');
  });

  it('computes it for records that hooks write', async () => {
    expect((await send('PUT', '/Post/with-copy', { title: 'Orig' })).status).toBe(204);
    expect(await json('/Post/copy')).toMatchObject({ summary: 'copy of Orig by nobody', size: 12 });
    // A record that beforeWrite returns changed is computed again.
    expect((await send('PUT', '/Post/renamed', { title: 'Original' })).status).toBe(204);
    expect(await json('/Post/renamed')).toMatchObject({ summary: 'Renamed by nobody', size: 7 });
    expect((await send('DELETE', '/Post/renamed')).status).toBe(200);
  });

  it('answers conditions, sort and select on it, through its index kept up to date', async () => {
    // a: 11, b: 2, c: 5, with-copy: 4, copy: 12.
    expect(await json('/Post/?size=gt=4&sort(-size)&select(id,size)')).toEqual([
      { id: 'copy', size: 12 },
      { id: 'a', size: 11 },
      { id: 'c', size: 5 },
    ]);
    expect(await json('/Post/?summary=Hi%20by%20nobody&select(id)')).toEqual(['b']);
    expect((await send('PATCH', '/Post/b', { title: 'Hi there, all of you' })).status).toBe(204);
    expect(await json('/Post/?size=20&select(id)')).toEqual(['b']);
    expect(await json('/Post/?size=2&select(id)')).toEqual([]);
    expect(await json('/Post/?sort(size)&limit(1)&select(id)')).toEqual(['with-copy']);
  });

  it('fails the write as a failing hook does, and writes nothing', async () => {
    const thrown = await send('PUT', '/Post/d', { title: 'throw' });
    expect(thrown.status).toBe(500);
    const refused = await send('PUT', '/Post/d', { title: 'refuse' });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      code: 'NO_SUMMARY',
      error: 'this title cannot be summarized',
    });
    const wrong = await send('PUT', '/Post/d', { title: 'wrong type' });
    expect(wrong.status).toBe(500);
    expect((await send('GET', '/Post/d')).status).toBe(404);
    expect(lines.join('\n')).toContain(
      'The function of Post.summary (src/computed.ts) returned a value that does not fit its type: summary must be a string (String), got number 42',
    );
    expect(lines.join('\n')).toContain(
      'The function of Post.summary (src/computed.ts) threw: no summary for this one',
    );
  });

  it('computes new and re-versioned attributes for every record when it starts again', async () => {
    await server.close();
    lines.length = 0;
    await start(second, computedV2);
    expect(lines).toContain(
      'computing Post.size (version 1 → 2), Post.shout (new, version 0) for the 5 records of Post',
    );
    // The schema's change log does not claim that records lack the new attribute.
    expect(lines.filter((line) => line.includes('Post.shout is new'))).toEqual([]);
    expect(lines.find((line) => line.startsWith('computed '))).toMatch(
      /^computed Post\.size, Post\.shout: 5 of 5 records changed \(\d+ ms\)$/,
    );
    expect(await json('/Post/a')).toMatchObject({ size: 2, shout: 'HELLO WORLD' });
    expect(await json('/Post/?size=5&select(id)')).toEqual(['b']);
    expect(await json('/Post/?size=11&select(id)')).toEqual([]);
    expect(await json('/Post/?shout=THIRD&select(id)')).toEqual(['c']);
    // Started again with the same versions, it computes nothing.
    await server.close();
    lines.length = 0;
    await start(second, computedV2);
    expect(lines.filter((line) => line.startsWith('comput'))).toEqual([]);
  });

  it('refuses to start without a function for a computed attribute', async () => {
    await server.close();
    await expect(start(second, computedV1)).rejects.toThrow(
      'Post.shout is @computed, but src/computed.ts gives no function for it; add Post: { shout: (record) => … }; fix it in src/computed.ts',
    );
    await start(second, computedV2);
  });
});
