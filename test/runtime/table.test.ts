import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientError } from '../../templates/runtime/errors.js';
import { openLmdbStore } from '../../templates/runtime/store/lmdb.js';
import type { Store, StoredValue } from '../../templates/runtime/store/types.js';
import { Table } from '../../templates/runtime/table.js';
import { calendarSchema, kitchenSinkSchema } from './fixtures/schemas.js';
import { collect } from '../helpers/batches.js';

type AnyTable = Table<StoredValue, StoredValue, StoredValue>;

describe('Table', () => {
  let directory: string;
  let store: Store;
  const tableOf = (name: string, schema = kitchenSinkSchema): AnyTable => {
    const meta = schema.tables.find((candidate) => candidate.name === name);
    if (!meta) throw new Error(name);
    return new Table(schema, meta, store);
  };

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'table-'));
    store = openLmdbStore(
      { tables: [...kitchenSinkSchema.tables, ...calendarSchema.tables], objectTypes: [] },
      {
        path: directory,
      },
    );
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const rejection = async (promise: Promise<unknown>): Promise<ClientError> => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ClientError);
    return error as ClientError;
  };

  it('generates UUID v4 keys for ID keys and increasing integers for numeric keys', async () => {
    const events = tableOf('Event', calendarSchema);
    const key = await events.create({ title: 'Review' });
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await events.get(key)).toMatchObject({ id: key, title: 'Review' });

    const counters = tableOf('Counter');
    expect(await counters.create({ value: 1 })).toBe(1);
    expect(await counters.create({ value: 2 })).toBe(2);
    expect(await counters.createMany([{ value: 3 }, { value: 4 }])).toEqual([3, 4]);
  });

  it('keeps a key given in the body and refuses a duplicate with 409', async () => {
    const events = tableOf('Event', calendarSchema);
    expect(await events.create({ id: 'e1', title: 'A' })).toBe('e1');
    const error = await rejection(events.create({ id: 'e1', title: 'B' }));
    expect(error.status).toBe(409);
    expect(error.code).toBe('RECORD_EXISTS');
    expect(await events.get('e1')).toMatchObject({ title: 'A' });
  });

  it('stamps created and updated times in the form of their type', async () => {
    const posts = tableOf('Post');
    const before = Date.now();
    const key = await posts.create({ title: 'T', createdAt: 'client value', updatedAt: 1 });
    const stored = (await posts.get(key)) ?? {};
    expect(typeof stored.createdAt).toBe('string');
    expect(Date.parse(stored.createdAt as string)).toBeGreaterThanOrEqual(before - 1);
    expect(stored.createdAt).toMatch(/Z$/);
    expect(typeof stored.updatedAt).toBe('number');
    expect(stored.updatedAt as number).toBeGreaterThanOrEqual(before);

    const authors = tableOf('Author');
    const id = await authors.create({ name: 'Ada' });
    const author = (await authors.get(id)) ?? {};
    expect(typeof author.created).toBe('number');
    expect(author.updated).toBeInstanceOf(Date);
  });

  it('keeps the created time on PUT and overwrites client timestamps on PATCH', async () => {
    const posts = tableOf('Post');
    await posts.put('p1', { title: 'first' });
    const created = (await posts.get('p1'))?.createdAt;
    const firstUpdate = (await posts.get('p1'))?.updatedAt as number;
    await posts.put('p1', { title: 'second', createdAt: '1999-01-01T00:00:00.000Z' });
    await posts.patch('p1', { createdAt: '1999-01-01T00:00:00.000Z', body: 'text' });
    const stored = (await posts.get('p1')) ?? {};
    expect(stored).toMatchObject({ id: 'p1', title: 'second', body: 'text', createdAt: created });
    expect(stored.updatedAt as number).toBeGreaterThanOrEqual(firstUpdate);
  });

  it('lets the URL key win over a key in a PUT body', async () => {
    const posts = tableOf('Post');
    await posts.put('p1', { id: 'other', title: 'T' });
    expect(await posts.get('p1')).toMatchObject({ id: 'p1' });
    expect(await posts.get('other')).toBeUndefined();
  });

  it('merges PATCH shallowly: nested objects replaced whole, null stored as null', async () => {
    const authors = tableOf('Author');
    await authors.put(1, { name: 'Ada', bio: 'b', address: { city: 'Oslo', street: 'Main' } });
    await authors.patch(1, { bio: null, address: { city: 'Bergen' } });
    expect(await authors.get(1)).toMatchObject({
      id: 1,
      name: 'Ada',
      bio: null,
      address: { city: 'Bergen' },
    });
    expect(((await authors.get(1))?.address as StoredValue).street).toBeUndefined();
  });

  it('creates a missing record on PATCH, with its key and created time', async () => {
    const users = tableOf('User', calendarSchema);
    await users.patch('u9', { name: 'Grace' });
    const stored = (await users.get('u9')) ?? {};
    expect(stored).toMatchObject({ id: 'u9', name: 'Grace' });
    expect(typeof stored.createdAt).toBe('string');
  });

  it('refuses a PATCH that would create a record without its required attributes', async () => {
    const error = await rejection(tableOf('Author').patch(5, { bio: 'no name' }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(await tableOf('Author').get(5)).toBeUndefined();
  });

  it('never loses attributes to concurrent PATCHes of one record', async () => {
    const users = tableOf('User', calendarSchema);
    await users.put('u1', { name: 'A' });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => users.patch('u1', { [`field${i}`]: i })),
    );
    const stored = (await users.get('u1')) ?? {};
    for (let i = 0; i < 20; i++) expect(stored[`field${i}`]).toBe(i);
  });

  it('creates every record of a batch or none, reporting every problem with its index', async () => {
    const events = tableOf('Event', calendarSchema);
    const invalid = await rejection(
      events.createMany([{ title: 'ok' }, { title: 5 }, { status: [] }]),
    );
    expect(invalid.details.problems).toEqual([
      { path: '[1].title', message: 'must be a string (String), got number 5' },
      { path: '[2].status', message: 'must be a string (String), got a list' },
    ]);
    await events.create({ id: 'taken', title: 'x' });
    const duplicate = await rejection(
      events.createMany([
        { id: 'new', title: 'a' },
        { id: 'taken', title: 'b' },
      ]),
    );
    expect(duplicate.code).toBe('RECORD_EXISTS');
    expect(await events.get('new')).toBeUndefined();
    expect(await store.read().count('Event')).toBe(1);
  });

  it('refuses a write whose precondition fails, writing nothing', async () => {
    const users = tableOf('User', calendarSchema);
    await users.put('u1', { name: 'A' });
    const version = (await users.getEntry('u1'))?.version;
    const error = await rejection(
      users.put('u1', { name: 'B' }, { precondition: (current) => current === -1 }),
    );
    expect(error.status).toBe(412);
    expect(await users.get('u1')).toMatchObject({ name: 'A' });
    await users.put('u1', { name: 'C' }, { precondition: (current) => current === version });
    expect(await users.get('u1')).toMatchObject({ name: 'C' });
    expect((await rejection(users.delete('u1', { precondition: () => false }))).status).toBe(412);
    expect(await users.delete('u1')).toBe(true);
    expect(await users.delete('u1')).toBe(false);
  });

  it('deletes every record a selection yields, in one transaction', async () => {
    const events = tableOf('Event', calendarSchema);
    await events.createMany([
      { id: 'a', status: 'x' },
      { id: 'b', status: 'y' },
      { id: 'c', status: 'x' },
    ]);
    const deleted = await events.deleteMatching(async function* (txn) {
      for await (const batch of txn.scan('Event')) {
        yield batch.filter((entry) => entry.value.status === 'x').map((entry) => entry.key);
      }
    });
    expect(deleted).toBe(2);
    expect((await collect(store.read().scan('Event'))).map((entry) => entry.key)).toEqual(['b']);
  });

  it('parses URL text into keys of the table key type', () => {
    const counters = tableOf('Counter');
    expect(counters.parseKey('42')).toBe(42);
    expect(counters.parseKey('-3')).toBe(-3);
    expect(counters.parseKey('4.5')).toBeUndefined();
    expect(counters.parseKey('abc')).toBeUndefined();
    expect(counters.parseKey('99999999999')).toBeUndefined();
    const events = tableOf('Event', calendarSchema);
    expect(events.parseKey('a/b c')).toBe('a/b c');
    expect(events.parseKey('')).toBeUndefined();
    expect(events.parseKey('x'.repeat(3000))).toBeUndefined();
  });

  it('refuses a key that cannot be stored before writing', async () => {
    const error = await rejection(
      tableOf('Event', calendarSchema).put('x'.repeat(3000), { title: 'T' }),
    );
    expect(error.code).toBe('INVALID_KEY');
  });
});
