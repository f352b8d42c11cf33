/**
 * The generated typed client (contract section 14) against running generated servers, driven only
 * through the client as a user's code would drive it: the compiled `client/dist/` of the committed
 * kitchen-sink example (the global setup compiles it). CRUD, every operator family, paths through
 * nested objects and relationships, select() narrowing, counts, errors with their codes,
 * subscriptions over WebSocket and SSE with resume (after a close, and across a server restart),
 * and credentials: Basic, login, and a Bearer token renewed through the refresh token.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type * as KitchenSink from '../../generated-examples/kitchen-sink/client/src/index.js';
import {
  REPO_ROOT,
  startGeneratedServer,
  type GeneratedServer,
} from '../helpers/generatedServer.js';
import { freePort } from '../helpers/ports.js';

type Module = typeof KitchenSink;
type Client = ReturnType<Module['createClient']>;
type Event = KitchenSink.SubscriptionEvent<unknown, unknown>;

const DIST = path.join(
  REPO_ROOT,
  'generated-examples',
  'kitchen-sink',
  'client',
  'dist',
  'index.js',
);
const { createClient, ClientError } = (await import(DIST)) as Module;

const ADMIN = { username: 'admin', password: 'client-e2e-password' };

/** Events a subscription received, and a way to wait for the next ones. */
class Events {
  readonly all: Event[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  readonly handler = (event: Event): void => {
    this.all.push(event);
    this.waiters = this.waiters.filter((waiter) => {
      if (this.all.length < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  };

  /** Resolves with the first `count` events once they have come. */
  until(count: number): Promise<Event[]> {
    if (this.all.length >= count) return Promise.resolve(this.all.slice(0, count));
    return new Promise((resolve) => {
      this.waiters.push({ count, resolve: () => resolve(this.all.slice(0, count)) });
    });
  }

  /** Resolves with the events up to and including the first that `matches`. */
  async find(matches: (event: Event) => boolean): Promise<Event[]> {
    for (let count = 1; ; count += 1) {
      const events = await this.until(count);
      if (matches(events.at(-1)!)) return events;
    }
  }

  /** Resolves with the events up to and including the `n`th ready event. */
  async readies(n: number): Promise<Event[]> {
    for (let count = 1; ; count += 1) {
      const events = await this.until(count);
      if (events.filter((event) => event.type === 'ready').length === n) return events;
    }
  }
}

describe('the generated client against the kitchen-sink server', () => {
  let server: GeneratedServer;
  let client: Client;

  beforeAll(async () => {
    server = await startGeneratedServer('kitchen-sink');
    client = createClient({ url: server.url, WebSocket });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('creates, reads, replaces, patches and deletes records typed by their wire form', async () => {
    const { Author } = client.tables;
    const id = await Author.create({
      name: 'Ada',
      joined: new Date('2024-08-15T10:00:00Z'),
      followers: 12345678901234567890n,
      tags: ['math'],
      address: { city: 'London', geo: { lat: 51.5, lng: -0.1 } },
    });
    expect(typeof id).toBe('number');
    const stored = await Author.get(id);
    expect(stored).toMatchObject({
      id,
      name: 'Ada',
      joined: '2024-08-15T10:00:00.000Z',
      tags: ['math'],
      address: { city: 'London' },
    });
    expect(typeof stored?.created).toBe('number');
    await Author.patch(id, { bio: 'Counts' });
    expect((await Author.get(id))?.bio).toBe('Counts');
    await Author.put(id, { name: 'Ada Lovelace' });
    const replaced = await Author.get(id);
    expect(replaced?.name).toBe('Ada Lovelace');
    expect(replaced?.bio).toBeUndefined();
    await Author.delete(id);
    expect(await Author.get(id)).toBeUndefined();
    const ids = await client.tables.Tag.createMany([{ label: 'a' }, { label: 'b' }]);
    expect(ids).toHaveLength(2);
  });

  it('answers refusals as ClientErrors with the status and the server code', async () => {
    const { Author, Post } = client.tables;
    const refusal = async (work: () => Promise<unknown>): Promise<KitchenSink.ClientError> => {
      try {
        await work();
      } catch (error) {
        expect(error).toBeInstanceOf(ClientError);
        return error as KitchenSink.ClientError;
      }
      throw new Error('expected a refusal');
    };
    // @ts-expect-error name is required: the compiler refuses this, and so does the server.
    const missing = await refusal(() => Author.create({ bio: 'no name' }));
    expect([missing.status, missing.code]).toEqual([400, 'VALIDATION_FAILED']);
    await Post.put('dup', { title: 'First' });
    const duplicate = await refusal(() => Post.create({ id: 'dup', title: 'Again' }));
    expect([duplicate.status, duplicate.code]).toEqual([409, 'RECORD_EXISTS']);
    const stale = await refusal(() => Post.patch('dup', { title: 'x' }, { ifMatch: '"1"' }));
    expect(stale.status).toBe(412);
    const query = await refusal(() => Post.query('views=lt=many'));
    expect([query.status, query.code]).toEqual([400, 'QUERY_INVALID_VALUE']);
    expect(query.details['attribute']).toBe('views');
    await Post.delete('dup');
  });

  describe('queries built with the typed builder', () => {
    const titles = (records: readonly { readonly title?: unknown }[]): unknown[] =>
      records.map((record) => record.title).sort();

    beforeAll(async () => {
      const { Author, Post, Tag } = client.tables;
      await Author.put(1, {
        name: 'Grace',
        email: 'grace@example.com',
        tags: ['navy', 'cobol'],
        joined: '2024-01-10T09:00:00Z',
        followers: 10,
        settings: 'dark',
        address: { city: 'Arlington', postcode: '22201' },
      });
      await Author.put(2, {
        name: 'Linus',
        tags: ['kernel'],
        joined: '2024-06-01T12:00:00+02:00',
        followers: 99,
        settings: 5,
        address: { city: 'Portland' },
      });
      await Tag.put('t1', { label: 'History' });
      await Tag.put('t2', { label: 'Systems' });
      await Post.createMany([
        {
          id: 'p1',
          title: 'Compilers',
          authorId: 1,
          views: 10,
          score: 1.5,
          published: true,
          status: 'PUBLISHED',
          tagIds: ['t1'],
        },
        {
          id: 'p2',
          title: 'Bugs & moths',
          authorId: 1,
          views: 25,
          score: 2.5,
          published: false,
          status: 'DRAFT',
          tagIds: ['t1', 't2'],
        },
        {
          id: 'p3',
          title: 'Kernels (a story)',
          authorId: 2,
          views: 40,
          published: true,
          status: 'ARCHIVED',
          tagIds: ['t2'],
        },
        { id: 'p4', title: 'null', views: 55, status: 'PUBLISHED' },
      ]);
    });

    it('compares numbers: equality, order, ranges, lists', async () => {
      const { Post } = client.tables;
      expect(titles(await Post.query((q) => q.where('views', 'eq', 25)))).toEqual(['Bugs & moths']);
      expect(titles(await Post.query((q) => q.where('views', 'lt', 25)))).toEqual(['Compilers']);
      expect(titles(await Post.query((q) => q.where('views', 'le', 25)))).toEqual([
        'Bugs & moths',
        'Compilers',
      ]);
      expect(titles(await Post.query((q) => q.where('views', 'gt', 40)))).toEqual(['null']);
      expect(titles(await Post.query((q) => q.where('views', 'ge', 40)))).toEqual([
        'Kernels (a story)',
        'null',
      ]);
      expect(
        titles(await Post.query((q) => q.where('views', 'between', { gt: 10, le: 40 }))),
      ).toEqual(['Bugs & moths', 'Kernels (a story)']);
      expect(titles(await Post.query((q) => q.where('views', 'in', [10, 55])))).toEqual([
        'Compilers',
        'null',
      ]);
      expect(titles(await Post.query((q) => q.where('views', 'out', [10, 55])))).toEqual([
        'Bugs & moths',
        'Kernels (a story)',
      ]);
      expect(titles(await Post.query((q) => q.where('score', 'ne', null)))).toEqual([
        'Bugs & moths',
        'Compilers',
      ]);
      expect(titles(await Post.query((q) => q.where('score', 'eq', null)))).toEqual([
        'Kernels (a story)',
        'null',
      ]);
    });

    it('compares text, enums, booleans, lists, dates, big integers and Any values', async () => {
      const { Author, Post } = client.tables;
      expect(titles(await Post.query((q) => q.where('title', 'sw', 'Bugs &')))).toEqual([
        'Bugs & moths',
      ]);
      expect(titles(await Post.query((q) => q.where('title', 'ew', '(a story)')))).toEqual([
        'Kernels (a story)',
      ]);
      expect(titles(await Post.query((q) => q.where('title', 'ct', 'pile')))).toEqual([
        'Compilers',
      ]);
      // The text 'null' is text, not null.
      expect(titles(await Post.query((q) => q.where('title', 'eq', 'null')))).toEqual(['null']);
      expect(titles(await Post.query((q) => q.where('title', 'ne', 'null')))).toHaveLength(3);
      expect(
        titles(await Post.query((q) => q.where('status', 'in', ['DRAFT', 'ARCHIVED']))),
      ).toEqual(['Bugs & moths', 'Kernels (a story)']);
      expect(titles(await Post.query((q) => q.where('published', 'eq', false)))).toEqual([
        'Bugs & moths',
      ]);
      expect(titles(await Post.query((q) => q.where('tagIds', 'eq', 't2')))).toEqual([
        'Bugs & moths',
        'Kernels (a story)',
      ]);
      const names = (records: readonly { readonly name?: unknown }[]): unknown[] =>
        records.map((record) => record.name).sort();
      expect(names(await Author.query((q) => q.where('tags', 'ct', 'ern')))).toEqual(['Linus']);
      // 2024-06-01T12:00:00+02:00 is 10:00 UTC: the + of the offset survives the URL.
      expect(
        names(await Author.query((q) => q.where('joined', 'eq', '2024-06-01T12:00:00+02:00'))),
      ).toEqual(['Linus']);
      expect(
        names(await Author.query((q) => q.where('joined', 'lt', new Date('2024-03-01Z')))),
      ).toEqual(['Grace']);
      // A zone-less date in the query's time zone: midnight in Tokyo is 15:00 UTC the day before.
      expect(
        names(
          await Author.query((q) =>
            q.where('joined', 'ge', '2024-06-01T18:00').timezone('Asia/Tokyo'),
          ),
        ),
      ).toEqual(['Linus']);
      expect(names(await Author.query((q) => q.where('followers', 'gt', 50n)))).toEqual(['Linus']);
      expect(names(await Author.query((q) => q.where('settings', 'eq', 'dark')))).toEqual([
        'Grace',
      ]);
      expect(names(await Author.query((q) => q.where('settings', 'eq', 5)))).toEqual(['Linus']);
      expect(names(await Author.query((q) => q.where('avatar', 'eq', null)))).toEqual([
        'Grace',
        'Linus',
      ]);
    });

    it('follows nested objects and relationships, and groups with and/or', async () => {
      const { Author, Post } = client.tables;
      expect(
        (await Author.query((q) => q.where('address.city', 'eq', 'Portland'))).map((a) => a.id),
      ).toEqual([2]);
      expect(titles(await Post.query((q) => q.where('author.name', 'eq', 'Grace')))).toEqual([
        'Bugs & moths',
        'Compilers',
      ]);
      expect(titles(await Post.query((q) => q.where('tags.label', 'eq', 'Systems')))).toEqual([
        'Bugs & moths',
        'Kernels (a story)',
      ]);
      expect(
        titles(
          await Post.query((q) =>
            q.where((c) =>
              c.or(
                c('views', 'lt', 15),
                c.and(c('published', 'eq', true), c('views', 'between', { ge: 30, lt: 50 })),
              ),
            ),
          ),
        ),
      ).toEqual(['Compilers', 'Kernels (a story)']);
    });

    it('sorts, pages and counts', async () => {
      const { Post } = client.tables;
      const sorted = await Post.query((q) => q.sort('-status', 'views'));
      expect(sorted.map((post) => post.id)).toEqual(['p1', 'p4', 'p2', 'p3']);
      const page = await Post.count((q) => q.sort('views').offset(1).limit(2));
      expect(page.records.map((post) => post.id)).toEqual(['p2', 'p3']);
      expect(page.total).toBe(4);
      expect((await Post.count((q) => q.where('views', 'gt', 1000))).total).toBe(0);
    });

    it('select() narrows the answers, through relationships too', async () => {
      const { Author, Post } = client.tables;
      const posts = await Post.query((q) =>
        q.where('id', 'eq', 'p1').select('title', { author: ['name'], tags: ['label'] }),
      );
      expect(posts).toEqual([
        { title: 'Compilers', author: { name: 'Grace' }, tags: [{ label: 'History' }] },
      ]);
      const one = await Post.query((q) => q.where('id', 'eq', 'p2').select('views'));
      expect(one).toEqual([{ views: 25 }]);
      const authors = await Author.query((q) =>
        q.where('id', 'eq', 2).select('name', { posts: ['title'] }),
      );
      expect(authors).toEqual([{ name: 'Linus', posts: [{ title: 'Kernels (a story)' }] }]);
    });

    it('deletes what a query matches', async () => {
      const { Tag } = client.tables;
      await Tag.createMany([{ label: 'gone-1' }, { label: 'gone-2' }]);
      await Tag.deleteMatching((q) => q.where('label', 'sw', 'gone-'));
      expect(await Tag.query((q) => q.where('label', 'sw', 'gone-'))).toEqual([]);
    });
  });

  describe.each(['websocket', 'sse'] as const)('subscriptions over %s', (transport) => {
    it('sends the initial state, then ready, then changes; resumes after a close with only what was missed', async () => {
      const { Post } = client.tables;
      const topic = `topic-${transport}`;
      await Post.put(`${topic}-1`, { title: topic, views: 1 });
      const events = new Events();
      const query = Post.where('title', 'eq', topic).select('id', 'views');
      const first = Post.subscribe(query, events.handler, { transport });
      const initial = await events.readies(1);
      expect(initial).toEqual([
        expect.objectContaining({
          type: 'put',
          id: `${topic}-1`,
          initial: true,
          value: { id: `${topic}-1`, views: 1 },
        }),
        expect.objectContaining({ type: 'ready', resumed: false }),
      ]);
      await Post.patch(`${topic}-1`, { views: 2 });
      expect((await events.until(3))[2]).toMatchObject({
        type: 'put',
        initial: false,
        value: { views: 2 },
      });
      first.close();
      const version = first.version!;

      await Post.patch(`${topic}-1`, { views: 3 });
      await Post.put(`${topic}-2`, { title: topic, views: 9 });
      await Post.patch(`${topic}-1`, { title: 'elsewhere' });
      const again = new Events();
      const resumed = Post.subscribe(query, again.handler, { transport, after: version });
      expect(await again.readies(1)).toEqual([
        expect.objectContaining({
          type: 'put',
          id: `${topic}-1`,
          initial: false,
          value: { id: `${topic}-1`, views: 3 },
        }),
        expect.objectContaining({ type: 'put', id: `${topic}-2`, initial: false }),
        expect.objectContaining({ type: 'delete', id: `${topic}-1`, reason: 'unmatched' }),
        expect.objectContaining({ type: 'ready', resumed: true }),
      ]);
      resumed.close();
    });

    it('follows one record by its key', async () => {
      const { Counter } = client.tables;
      await Counter.put(transport === 'sse' ? 71 : 72, { value: 1 });
      const events = new Events();
      const key = transport === 'sse' ? 71 : 72;
      const subscription = Counter.subscribe(key, events.handler, { transport });
      await events.readies(1);
      await Counter.patch(key, { value: 2 });
      expect((await events.until(3))[2]).toMatchObject({
        type: 'put',
        id: key,
        value: { value: 2 },
      });
      subscription.close();
    });

    it('hears a message published to the record, which stores nothing', async () => {
      const { Counter } = client.tables;
      const key = transport === 'sse' ? 73 : 74;
      const events = new Events();
      const subscription = Counter.subscribe(key, events.handler, { transport });
      await events.readies(1);
      await Counter.publish(key, { hello: transport });
      expect((await events.until(2))[1]).toMatchObject({
        type: 'message',
        id: key,
        value: { hello: transport },
      });
      expect(await Counter.get(key)).toBeUndefined();
      subscription.close();
    });
  });

  it('reports a subscription the server refuses, without reconnecting', async () => {
    const errors: Error[] = [];
    const failed = new Promise<void>((resolve) => {
      client.tables.Post.subscribe(
        (q) => q.where('nope' as 'views', 'eq', 1),
        () => undefined,
        {
          transport: 'sse',
          onError: (error) => {
            errors.push(error);
            resolve();
          },
        },
      );
    });
    await failed;
    expect(errors[0]).toMatchObject({ status: 400, code: 'QUERY_UNKNOWN_ATTRIBUTE' });
    expect(() =>
      client.tables.Post.subscribe(
        (q) => q.limit(1),
        () => undefined,
      ),
    ).toThrow(/limit/);
  });
});

describe.each(['websocket', 'sse'] as const)(
  'a %s subscription across a server restart',
  (transport) => {
    let server: GeneratedServer | undefined;
    afterAll(async () => {
      await server?.dispose();
    });

    it('reconnects by itself and resumes after the last version it received', async () => {
      const port = await freePort();
      server = await startGeneratedServer('kitchen-sink', { env: { PORT: String(port) } });
      const client = createClient({ url: server.url, WebSocket });
      const { Tag } = client.tables;
      await Tag.put('kept', { label: 'before' });
      const events = new Events();
      const errors: Error[] = [];
      const subscription = Tag.subscribe(null, events.handler, {
        transport,
        retryMs: 50,
        onError: (error) => errors.push(error),
      });
      await events.readies(1);
      const dataDir = server.dataDir;
      await server.stop();
      server = await startGeneratedServer('kitchen-sink', { env: { PORT: String(port) }, dataDir });
      await Tag.patch('kept', { label: 'after' });
      const all = await events.readies(2);
      // The reconnect resumed: the initial state was not sent again.
      expect(all.filter((event) => event.type === 'ready')).toEqual([
        expect.objectContaining({ resumed: false }),
        expect.objectContaining({ resumed: true }),
      ]);
      expect(all.filter((event) => event.type === 'put' && event.initial)).toHaveLength(1);
      expect(errors.length).toBeGreaterThan(0);
      // The change made meanwhile arrives, missed (before the second ready) or live (after it).
      const changed = await events.find(
        (event) => event.type === 'put' && (event.value as { label?: string }).label === 'after',
      );
      expect(changed.at(-1)).toMatchObject({ id: 'kept', initial: false });
      subscription.close();
    });
  },
);

describe('credentials', () => {
  let server: GeneratedServer;
  beforeAll(async () => {
    server = await startGeneratedServer('kitchen-sink', {
      env: {
        AUTHORIZE_LOCAL: 'false',
        SUPER_USER: ADMIN.username,
        SUPER_USER_PASSWORD: ADMIN.password,
      },
    });
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('refuses requests without credentials with 401 UNAUTHENTICATED', async () => {
    const anonymous = createClient({ url: server.url });
    await expect(anonymous.tables.Tag.query()).rejects.toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
  });

  it('sends Basic credentials', async () => {
    const basic = createClient({ url: server.url, basic: ADMIN });
    expect(await basic.me()).toMatchObject({ username: 'admin', superUser: true });
    await basic.tables.Tag.put('basic', { label: 'basic' });
  });

  it('logs in, sends the access token (also on a WebSocket), and renews it through the refresh token', async () => {
    const kept: (KitchenSink.Tokens | null)[] = [];
    const first = createClient({
      url: server.url,
      WebSocket,
      onTokens: (tokens) => kept.push(tokens),
    });
    const tokens = await first.login(ADMIN.username, ADMIN.password);
    expect(await first.me()).toMatchObject({ username: 'admin' });
    const events = new Events();
    const subscription = first.tables.Tag.subscribe('basic', events.handler);
    expect((await events.readies(1))[0]).toMatchObject({ type: 'put', id: 'basic' });
    subscription.close();

    // An access token the server does not take (expired, say): the client renews it once and retries.
    const renewing = createClient({
      url: server.url,
      tokens: { accessToken: 'not-a-token', refreshToken: tokens.refreshToken },
      onTokens: (renewed) => kept.push(renewed),
    });
    expect(await renewing.me()).toMatchObject({ username: 'admin' });
    expect(kept).toHaveLength(2);
    expect(kept[1]?.accessToken).not.toBe('not-a-token');
    const refused = createClient({
      url: server.url,
      tokens: { accessToken: 'not-a-token', refreshToken: 'nor-this' },
    });
    await expect(refused.me()).rejects.toMatchObject({ status: 401 });
  });
});
