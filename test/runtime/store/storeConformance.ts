/**
 * The behaviour every `Store` implementation must have, written against the interface only.
 * A store module runs it with `describeStoreConformance(name, open)`: the memory, LMDB and
 * PostgreSQL stores pass the same suite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';
import type {
  Batches,
  Commit,
  IndexRange,
  IndexValue,
  Key,
  KeyRange,
  Store,
} from '../../../templates/runtime/store/types.js';
import { WriteConflictError } from '../../../templates/runtime/store/types.js';
import { attribute as a, table } from '../fixtures/meta.js';

/**
 * Opens (or reopens) a store over `directory`; the same directory must find the same data. A
 * store on a server (PostgreSQL) maps the directory to its database and opens asynchronously.
 */
export type OpenStore = (schema: SchemaMeta, directory: string) => Store | Promise<Store>;

export const storeSchema: SchemaMeta = {
  tables: [
    table('Item', [
      a('id', 'ID', { primaryKey: true }),
      a('name', 'String', { indexed: true }),
      a('tags', 'String', { list: true, indexed: true }),
      a('score', 'Float', { indexed: true }),
      a('when', 'Date', { indexed: true }),
      a('anything', 'Any', { indexed: true }),
      a('note', 'String'),
    ]),
    table('Counter', [a('id', 'Int', { primaryKey: true }), a('value', 'Int')]),
  ],
  objectTypes: [],
};

/** Every entry of a batched read, in order; checks that no batch is empty. */
export async function collect<T>(batches: Batches<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of batches) {
    expect(batch.length).toBeGreaterThan(0);
    all.push(...batch);
  }
  return all;
}

/** Lets other work run (a timer, not a microtask: a store may batch on either). */
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

export function describeStoreConformance(name: string, open: OpenStore): void {
  describe(`${name} store conformance`, () => {
    let directory: string;
    let store: Store;

    beforeEach(async () => {
      directory = mkdtempSync(path.join(tmpdir(), 'store-conformance-'));
      store = await open(storeSchema, directory);
    });

    afterEach(async () => {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    });

    const reopen = async (): Promise<void> => {
      await store.close();
      store = await open(storeSchema, directory);
    };

    const keysIn = async (attribute: string, range?: IndexRange): Promise<Key[]> =>
      (await collect(store.read().scanIndex('Item', attribute, range))).map((entry) => entry.key);

    const valueOf = async (tableName: string, key: Key): Promise<unknown> =>
      (await store.read().get(tableName, key))?.value;

    const eq = (value: IndexValue): IndexRange => ({
      start: { value, inclusive: true },
      end: { value, inclusive: true },
    });

    it('puts, gets and deletes a record', async () => {
      await store.write((txn) => txn.put('Item', 'a', { id: 'a', name: 'apple' }));
      expect(await valueOf('Item', 'a')).toEqual({ id: 'a', name: 'apple' });
      expect(await store.read().get('Item', 'missing')).toBeUndefined();
      expect((await store.write((txn) => txn.delete('Item', 'a'))).value).toBe(true);
      expect((await store.write((txn) => txn.delete('Item', 'a'))).value).toBe(false);
      expect(await store.read().get('Item', 'a')).toBeUndefined();
    });

    it('reads many records at once, in the order asked', async () => {
      await store.write((txn) => {
        txn.put('Item', 'a', { id: 'a' });
        txn.put('Item', 'b', { id: 'b' });
      });
      const entries = await store.read().getMany('Item', ['b', 'missing', 'a']);
      expect(entries.map((entry) => entry?.key)).toEqual(['b', undefined, 'a']);
    });

    it('keeps value types: dates, big integers, bytes, nested values', async () => {
      const value = {
        id: 'a',
        when: new Date('2024-08-15T14:00:00.000Z'),
        anything: {
          big: 2n ** 70n,
          small: 5n,
          bytes: new Uint8Array([1, 2, 3]),
          list: [1, 'x', null],
        },
      };
      await store.write((txn) => txn.put('Item', 'a', value));
      const stored = (await store.read().get('Item', 'a'))?.value;
      expect(stored?.when).toEqual(new Date('2024-08-15T14:00:00.000Z'));
      const anything = stored?.anything as Record<string, unknown>;
      expect(anything.big).toBe(2n ** 70n);
      expect(anything.small).toBe(5n);
      expect([...(anything.bytes as Uint8Array)]).toEqual([1, 2, 3]);
      expect(anything.list).toEqual([1, 'x', null]);
    });

    it('gives every write a strictly increasing version, carried by its records', async () => {
      const versions: number[] = [];
      for (let i = 0; i < 5; i++) {
        const committed = await store.write((txn) => txn.put('Item', 'a', { id: 'a', n: i }));
        const version = (await store.read().get('Item', 'a'))?.version ?? -1;
        expect(committed.version).toBe(version);
        versions.push(version);
      }
      const concurrent = await Promise.all(
        ['b', 'c', 'd'].map((key) =>
          store.write((txn) => {
            txn.put('Item', key, { id: key });
            return key;
          }),
        ),
      );
      for (const { value: key } of concurrent)
        versions.push((await store.read().get('Item', key))?.version ?? -1);
      for (let i = 1; i < versions.length; i++)
        expect(versions[i]).toBeGreaterThan(versions[i - 1] ?? Infinity);
      expect(versions[0]).toBeGreaterThan(Date.now() - 60_000);
    });

    it('maintains index entries on create, update and delete, arrays element by element', async () => {
      await store.write((txn) =>
        txn.put('Item', 'a', { id: 'a', name: 'apple', tags: ['red', 'fruit', 'red'] }),
      );
      expect(await keysIn('tags', eq('red'))).toEqual(['a']);
      expect(await store.read().countIndex('Item', 'tags', eq('red'))).toBe(1);
      expect(await keysIn('tags', eq('fruit'))).toEqual(['a']);

      await store.write((txn) =>
        txn.put('Item', 'a', { id: 'a', name: 'apricot', tags: ['fruit', 'orange'] }),
      );
      expect(await keysIn('tags', eq('red'))).toEqual([]);
      expect(await keysIn('tags', eq('orange'))).toEqual(['a']);
      expect(await keysIn('name', eq('apple'))).toEqual([]);
      expect(await keysIn('name', eq('apricot'))).toEqual(['a']);

      await store.write((txn) => txn.delete('Item', 'a'));
      expect(await keysIn('tags')).toEqual([]);
      expect(await keysIn('name')).toEqual([]);
      expect(await keysIn('score')).toEqual([]);
    });

    it('indexes null and absent attributes as null, dates as epoch milliseconds', async () => {
      await store.write((txn) => {
        txn.put('Item', 'absent', { id: 'absent' });
        txn.put('Item', 'null', { id: 'null', score: null });
        txn.put('Item', 'set', { id: 'set', score: 2, when: new Date(1_000) });
      });
      expect(await keysIn('score', eq(null))).toEqual(['absent', 'null']);
      expect(await keysIn('score', eq(2))).toEqual(['set']);
      expect(await keysIn('when', eq(1_000))).toEqual(['set']);
      expect(await store.read().countIndex('Item', 'score', eq(null))).toBe(2);
    });

    it('orders index values null, false, true, numbers, strings (by UTF-8 bytes), then keys', async () => {
      const values: [string, unknown][] = [
        ['s-lower', 'a'],
        ['s-upper', 'Z'],
        ['s-empty', ''],
        ['s-accent', 'é'],
        ['s-astral', '𝄞'],
        ['s-private', '\uE000'],
        ['n-big', 3e10],
        ['n-neg', -10],
        ['n-frac', 1.5],
        ['b-true', true],
        ['b-false', false],
        ['nul', null],
        ['nul2', null],
      ];
      await store.write((txn) => {
        for (const [key, anything] of values) txn.put('Item', key, { id: key, anything });
      });
      const order = await collect(store.read().scanIndex('Item', 'anything'));
      const expected = [
        'nul',
        'nul2',
        'b-false',
        'b-true',
        'n-neg',
        'n-frac',
        'n-big',
        's-empty',
        's-upper',
        's-lower',
        's-accent',
        // U+E000 is three UTF-8 bytes from 0xEE, U+1D11E four from 0xF0 (UTF-16 orders them the other way).
        's-private',
        's-astral',
      ];
      expect(order.map((entry) => entry.key)).toEqual(expected);
      expect(order[0]).toEqual({ value: null, key: 'nul' });
      // Inside a write transaction the same order holds with the transaction's own records merged in.
      const inTxn = await store.write(async (txn) => {
        for (const [key, anything] of values) txn.put('Item', `${key}+`, { id: key, anything });
        return (await collect(txn.scanIndex('Item', 'anything'))).map((entry) => entry.key);
      });
      expect(inTxn.value).toEqual(expected.flatMap((key) => [key, `${key}+`]));
    });

    describe('ranges', () => {
      beforeEach(async () => {
        await store.write((txn) => {
          for (const [key, score] of [
            ['k1', 1],
            ['k2', 2],
            ['k2b', 2],
            ['k3', 3],
            ['k4', 4],
          ] as const) {
            txn.put('Item', key, { id: key, score });
          }
          txn.put('Item', 'k0', { id: 'k0' });
        });
      });

      it('honours inclusive and exclusive bounds', async () => {
        const scores = async (range: IndexRange) =>
          (await collect(store.read().scanIndex('Item', 'score', range))).map((e) => e.value);
        expect(
          await scores({
            start: { value: 2, inclusive: true },
            end: { value: 3, inclusive: true },
          }),
        ).toEqual([2, 2, 3]);
        expect(
          await scores({
            start: { value: 2, inclusive: false },
            end: { value: 4, inclusive: false },
          }),
        ).toEqual([3]);
        expect(await scores({ start: { value: 3, inclusive: true } })).toEqual([3, 4]);
        expect(await scores({ end: { value: 2, inclusive: false } })).toEqual([null, 1]);
        expect(await scores({})).toEqual([null, 1, 2, 2, 3, 4]);
      });

      it('walks in reverse, bounds included or not, keys in reverse too', async () => {
        const entries = async (range: IndexRange) =>
          (await collect(store.read().scanIndex('Item', 'score', { ...range, reverse: true }))).map(
            (e) => [e.value, e.key],
          );
        expect(await entries({})).toEqual([
          [4, 'k4'],
          [3, 'k3'],
          [2, 'k2b'],
          [2, 'k2'],
          [1, 'k1'],
          [null, 'k0'],
        ]);
        expect(
          await entries({
            start: { value: 2, inclusive: true },
            end: { value: 3, inclusive: false },
          }),
        ).toEqual([
          [2, 'k2b'],
          [2, 'k2'],
        ]);
        expect(
          await entries({
            start: { value: 1, inclusive: false },
            end: { value: 4, inclusive: true },
          }),
        ).toEqual([
          [4, 'k4'],
          [3, 'k3'],
          [2, 'k2b'],
          [2, 'k2'],
        ]);
      });

      it('counts a range exactly, and at most `limit`', async () => {
        const read = store.read();
        expect(await read.countIndex('Item', 'score')).toBe(6);
        expect(
          await read.countIndex('Item', 'score', { start: { value: 2, inclusive: true } }),
        ).toBe(4);
        expect(
          await read.countIndex('Item', 'score', { start: { value: 2, inclusive: false } }),
        ).toBe(2);
        expect(
          await read.countIndex('Item', 'score', { start: { value: 1, inclusive: true } }, 2),
        ).toBe(2);
        expect(await read.countIndex('Item', 'score', eq(2), 1)).toBe(1);
        expect(await read.countIndex('Item', 'score', eq(7))).toBe(0);
        expect(await read.count('Item')).toBe(6);
      });

      it('scans records in key order within a key range, forwards and backwards', async () => {
        const keys = async (range?: KeyRange) =>
          (await collect(store.read().scan('Item', range))).map((entry) => entry.key);
        expect(await keys()).toEqual(['k0', 'k1', 'k2', 'k2b', 'k3', 'k4']);
        expect(
          await keys({
            start: { value: 'k2', inclusive: false },
            end: { value: 'k3', inclusive: true },
          }),
        ).toEqual(['k2b', 'k3']);
        expect(await keys({ reverse: true, end: { value: 'k2b', inclusive: true } })).toEqual([
          'k2b',
          'k2',
          'k1',
          'k0',
        ]);
        const first = (await collect(store.read().scan('Item')))[0];
        expect(first?.value).toEqual({ id: 'k0' });
        expect(first?.version).toBeGreaterThan(0);
      });

      it('stops reading when the caller stops iterating', async () => {
        let seen = 0;
        for await (const batch of store
          .read()
          .scanIndex('Item', 'score', undefined, { expected: 2 })) {
          seen += batch.length;
          break;
        }
        expect(seen).toBeGreaterThan(0);
        expect(seen).toBeLessThanOrEqual(6);
      });
    });

    it('reads long scans in non-empty batches, in order, and stops when the caller breaks', async () => {
      const count = 700;
      await store.write((txn) => {
        for (let i = 0; i < count; i++) {
          const id = `r${String(i).padStart(4, '0')}`;
          txn.put('Item', id, { id, score: i % 5 });
        }
      });
      const expectedKeys = Array.from(
        { length: count },
        (_, i) => `r${String(i).padStart(4, '0')}`,
      );
      let batches = 0;
      const keys: Key[] = [];
      for await (const batch of store.read().scan('Item', undefined, { expected: 10 })) {
        expect(batch.length).toBeGreaterThan(0);
        batches++;
        keys.push(...batch.map((entry) => entry.key));
      }
      expect(keys).toEqual(expectedKeys);
      expect(batches).toBeGreaterThan(1);
      const reversed = await collect(store.read().scan('Item', { reverse: true }));
      expect(reversed.map((entry) => entry.key)).toEqual([...expectedKeys].reverse());
      const byScore = await collect(
        store.read().scanIndex('Item', 'score', undefined, { expected: 3 }),
      );
      expect(byScore.map((entry) => [entry.value, entry.key])).toEqual(
        [...expectedKeys]
          .map((key, i) => [i % 5, key] as const)
          .sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1)),
      );
      // Breaking out of the first batch: the iteration ends and a later scan still works.
      const iterator = store.read().scan('Item')[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done).toBe(false);
      await iterator.return?.();
      expect((await iterator.next()).done).toBe(true);
      expect(await store.read().count('Item')).toBe(count);
    });

    it('generates increasing numeric keys, persisted and never reused across a reopen', async () => {
      const first = await store.write(async (txn) => [
        await txn.nextKey('Counter'),
        await txn.nextKey('Counter'),
      ]);
      expect(first.value).toEqual([1, 2]);
      await store.write((txn) => {
        txn.put('Counter', 2, { id: 2 });
      });
      await reopen();
      const third = await store.write((txn) => txn.nextKey('Counter'));
      expect(third.value).toBe(3);
      // A key a client chose itself is not handed out later.
      await store.write((txn) => txn.put('Counter', 40, { id: 40 }));
      expect((await store.write((txn) => txn.nextKey('Counter'))).value).toBe(41);
      await store.write((txn) => txn.delete('Counter', 40));
      await reopen();
      expect((await store.write((txn) => txn.nextKey('Counter'))).value).toBe(42);
    });

    it('never hands out a key twice, even to a work that is run again', async () => {
      await store.write((txn) => txn.put('Counter', 0, { id: 0, value: 0 }));
      const handedOut: number[] = [];
      let runs = 0;
      const bumped = await store.write(async (txn) => {
        runs++;
        handedOut.push(await txn.nextKey('Counter'));
        const counter = await txn.get('Counter', 0);
        if (runs === 1) {
          // Another transaction changes what this one read: it must run again.
          await store.write((other) => other.put('Counter', 0, { id: 0, value: 100 }));
        }
        txn.put('Counter', 0, { id: 0, value: Number(counter?.value.value) + 1 });
      });
      expect(runs).toBe(2);
      expect(new Set(handedOut).size).toBe(2);
      expect(handedOut[1]).toBeGreaterThan(handedOut[0]!);
      expect(bumped.changes).toHaveLength(1);
      expect(await valueOf('Counter', 0)).toEqual({ id: 0, value: 101 });
    });

    it('writes nothing of a transaction that throws', async () => {
      await store.write((txn) =>
        txn.put('Item', 'keep', { id: 'keep', name: 'kept', tags: ['x'] }),
      );
      const before = await store.lastVersion();
      const failing = store.write(async (txn) => {
        txn.put('Item', 'new', { id: 'new', name: 'new', tags: ['x'] });
        txn.put('Item', 'keep', { id: 'keep', name: 'changed' });
        await txn.delete('Item', 'keep');
        throw new Error('refused');
      });
      await expect(failing).rejects.toThrow('refused');
      expect(await store.read().get('Item', 'new')).toBeUndefined();
      expect(await valueOf('Item', 'keep')).toEqual({ id: 'keep', name: 'kept', tags: ['x'] });
      expect(await keysIn('tags', eq('x'))).toEqual(['keep']);
      expect(await keysIn('name', eq('changed'))).toEqual([]);
      expect(await store.lastVersion()).toBe(before);
    });

    it('runs a throwing work again when what it read had changed', async () => {
      await store.write((txn) => txn.put('Counter', 1, { id: 1, value: 0 }));
      let runs = 0;
      const result = await store.write(async (txn) => {
        runs++;
        const counter = await txn.get('Counter', 1);
        if (runs === 1) {
          await store.write((other) => other.put('Counter', 1, { id: 1, value: 5 }));
          // Thrown because of what it saw: the state it read is stale, so it runs again.
          throw new Error('saw an inconsistent state');
        }
        return counter?.value.value;
      });
      expect(runs).toBe(2);
      expect(result.value).toBe(5);
      expect(result.version).toBeUndefined();
    });

    it('lets a transaction read its own writes', async () => {
      await store.write((txn) => {
        txn.put('Item', 'b', { id: 'b', tags: ['t'] });
        txn.put('Item', 'd', { id: 'd', tags: ['t', 'u'] });
        txn.put('Item', 'e', { id: 'e', tags: ['u'] });
      });
      const seen = await store.write(async (txn) => {
        txn.put('Item', 'a', { id: 'a', tags: ['t'] });
        txn.put('Item', 'c', { id: 'c', tags: ['t'] });
        txn.put('Item', 'e', { id: 'e', tags: ['t'] });
        const deleted = await txn.delete('Item', 'd');
        return {
          deleted,
          record: (await txn.get('Item', 'a'))?.value,
          gone: await txn.get('Item', 'd'),
          many: (await txn.getMany('Item', ['e', 'd', 'c'])).map((entry) => entry?.value.tags),
          scanned: (await collect(txn.scan('Item'))).map((entry) => entry.key),
          reversed: (await collect(txn.scan('Item', { reverse: true }))).map((entry) => entry.key),
          ranged: (
            await collect(
              txn.scan('Item', {
                start: { value: 'b', inclusive: false },
                end: { value: 'e', inclusive: false },
              }),
            )
          ).map((entry) => entry.key),
          indexed: (await collect(txn.scanIndex('Item', 'tags', eq('t')))).map(
            (entry) => entry.key,
          ),
          indexedReverse: (await collect(txn.scanIndex('Item', 'tags', { reverse: true }))).map(
            (entry) => `${String(entry.value)}:${String(entry.key)}`,
          ),
          count: await txn.count('Item'),
          countIndex: await txn.countIndex('Item', 'tags', eq('t')),
          countIndexU: await txn.countIndex('Item', 'tags', eq('u')),
          countLimited: await txn.countIndex('Item', 'tags', undefined, 2),
        };
      });
      expect(seen.value).toEqual({
        deleted: true,
        record: { id: 'a', tags: ['t'] },
        gone: undefined,
        many: [['t'], undefined, ['t']],
        scanned: ['a', 'b', 'c', 'e'],
        reversed: ['e', 'c', 'b', 'a'],
        ranged: ['c'],
        indexed: ['a', 'b', 'c', 'e'],
        indexedReverse: ['t:e', 't:c', 't:b', 't:a'],
        count: 4,
        countIndex: 4,
        countIndexU: 0,
        countLimited: 2,
      });
      expect(seen.changes.map((change) => [change.key, change.type])).toEqual(
        expect.arrayContaining([
          ['a', 'put'],
          ['c', 'put'],
          ['e', 'put'],
          ['d', 'delete'],
        ]),
      );
      expect(seen.changes).toHaveLength(4);
      expect(await store.read().count('Item')).toBe(4);
    });

    it('serializes concurrent read-modify-write transactions that await in between', async () => {
      await store.write((txn) => txn.put('Counter', 1, { id: 1, value: 0 }));
      const increments = 50;
      let runs = 0;
      await Promise.all(
        Array.from({ length: increments }, () =>
          store.write(
            async (txn) => {
              runs++;
              const counter = await txn.get('Counter', 1);
              await pause();
              txn.put('Counter', 1, { id: 1, value: Number(counter?.value.value) + 1 });
            },
            { retries: 1000 },
          ),
        ),
      );
      expect(await valueOf('Counter', 1)).toEqual({ id: 1, value: increments });
      expect(runs).toBeGreaterThan(increments);
    });

    it('runs a blind write again when another transaction wrote the same key first', async () => {
      let runs = 0;
      const done = await store.write(async (txn) => {
        runs++;
        txn.put('Item', 'x', { id: 'x', by: 'first', run: runs });
        if (runs === 1)
          await store.write((other) => other.put('Item', 'x', { id: 'x', by: 'other' }));
      });
      expect(runs).toBe(2);
      expect(await valueOf('Item', 'x')).toEqual({ id: 'x', by: 'first', run: 2 });
      expect((await store.read().get('Item', 'x'))?.version).toBe(done.version);
    });

    it('conflicts when a key read as absent is created meanwhile', async () => {
      let runs = 0;
      const result = await store.write(async (txn) => {
        runs++;
        const existing = await txn.get('Item', 'unique');
        if (runs === 1)
          await store.write((other) => other.put('Item', 'unique', { id: 'unique', by: 'other' }));
        if (existing === undefined) txn.put('Item', 'unique', { id: 'unique', by: 'me' });
        return existing?.value.by;
      });
      expect(runs).toBe(2);
      expect(result.value).toBe('other');
      expect(await valueOf('Item', 'unique')).toEqual({ id: 'unique', by: 'other' });
    });

    it('conflicts when a scanned or counted table gets a new record meanwhile', async () => {
      await store.write((txn) => txn.put('Item', 'a', { id: 'a', score: 1 }));
      for (const read of ['scan', 'scanIndex', 'count', 'countIndex'] as const) {
        let runs = 0;
        const result = await store.write(async (txn) => {
          runs++;
          const seen =
            read === 'scan'
              ? (await collect(txn.scan('Item'))).length
              : read === 'scanIndex'
                ? (await collect(txn.scanIndex('Item', 'score'))).length
                : read === 'count'
                  ? await txn.count('Item')
                  : await txn.countIndex('Item', 'score');
          if (runs === 1)
            await store.write((other) =>
              other.put('Item', `new-${read}`, { id: `new-${read}`, score: 2 }),
            );
          txn.put('Counter', 9, { id: 9, value: seen });
          return seen;
        });
        expect(runs, read).toBe(2);
        expect(result.value).toBe(await store.read().count('Item'));
      }
    });

    it('does not conflict over records a transaction neither read nor wrote', async () => {
      await store.write((txn) => txn.put('Item', 'a', { id: 'a' }));
      let runs = 0;
      await store.write(async (txn) => {
        runs++;
        await txn.get('Item', 'a');
        if (runs === 1) await store.write((other) => other.put('Item', 'b', { id: 'b' }));
        txn.put('Item', 'c', { id: 'c' });
      });
      expect(runs).toBe(1);
    });

    it('rejects with WriteConflictError once the retries are spent, writing nothing', async () => {
      await store.write((txn) => txn.put('Counter', 1, { id: 1, value: 0 }));
      const before = await store.lastVersion();
      let runs = 0;
      const conflicting = (retries: number) =>
        store.write(
          async (txn) => {
            runs++;
            const counter = await txn.get('Counter', 1);
            await store.write((other) => other.put('Counter', 1, { id: 1, value: -runs }));
            txn.put('Counter', 1, { id: 1, value: Number(counter?.value.value) + 1 });
            txn.put('Item', 'never', { id: 'never' });
          },
          { retries },
        );
      const error: unknown = await conflicting(0).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WriteConflictError);
      expect((error as WriteConflictError).runs).toBe(1);
      expect(runs).toBe(1);
      runs = 0;
      await expect(conflicting(2)).rejects.toBeInstanceOf(WriteConflictError);
      expect(runs).toBe(3);
      expect(await store.read().get('Item', 'never')).toBeUndefined();
      // Only the interfering writes committed.
      const since = await store.changesSince(before, 100);
      expect(since).toHaveLength(4);
      expect(since?.flatMap((commit) => commit.changes.map((change) => change.key))).toEqual([
        1, 1, 1, 1,
      ]);
    });

    it('tells commit listeners about every change after commit, in commit order', async () => {
      const commits: Commit[] = [];
      const unsubscribe = store.onCommit((commit) => {
        commits.push(commit);
      });
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) {
        writes.push(store.write((txn) => txn.put('Item', `k${i % 7}`, { id: `k${i % 7}`, n: i })));
        if (i % 10 === 5) {
          const failing = store.write((txn) => {
            txn.put('Item', 'never', { id: 'never' });
            throw new Error('refused');
          });
          writes.push(failing.catch(() => 'failed'));
        }
      }
      writes.push(store.write((txn) => txn.delete('Item', 'k0')));
      writes.push(store.write(() => 'no changes'));
      await Promise.all(writes);
      unsubscribe();
      await store.write((txn) => txn.put('Item', 'after', { id: 'after' }));

      expect(commits).toHaveLength(31);
      const versions = commits.map((commit) => commit.version);
      expect([...versions].sort((x, y) => x - y)).toEqual(versions);
      expect(commits.slice(0, 30).map((commit) => commit.changes[0]?.value)).toEqual(
        Array.from({ length: 30 }, (_, i) => ({ id: `k${i % 7}`, n: i })),
      );
      expect(commits[30]?.changes).toEqual([
        { table: 'Item', key: 'k0', type: 'delete', version: commits[30]?.version },
      ]);
    });

    it('keeps a commit log: versions increasing in commit order, each commit once, own commits before the write resolves', async () => {
      expect(await store.lastVersion()).toBe(0);
      expect(await store.changesSince(0, 10)).toEqual([]);
      const delivered: Commit[] = [];
      store.onCommit((commit) => delivered.push(commit));
      const deliveredOnResolve: boolean[] = [];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store
            .write((txn) => txn.put('Item', `p${i}`, { id: `p${i}` }))
            .then((result) => {
              // The write resolves only once its commit reached the listeners.
              deliveredOnResolve.push(
                delivered.some((commit) => commit.version === result.version),
              );
              return result;
            }),
        ),
      );
      const versions = results.map((result) => result.version!);
      expect(new Set(versions).size).toBe(20);
      expect(deliveredOnResolve).toEqual(Array.from({ length: 20 }, () => true));
      const inOrder = [...versions].sort((x, y) => x - y);
      expect(delivered.map((commit) => commit.version)).toEqual(inOrder);
      // Every record a commit wrote has the commit's version.
      for (const result of results) {
        for (const change of result.changes) expect(change.version).toBe(result.version);
        const key = result.changes[0]!.key;
        expect((await store.read().get('Item', key))?.version).toBe(result.version);
      }
      const noChange = await store.write(() => 'nothing');
      expect(noChange.version).toBeUndefined();
      expect(noChange.changes).toEqual([]);
      const deletedNothing = await store.write((txn) => txn.delete('Item', 'missing'));
      expect(deletedNothing.version).toBeUndefined();
      expect(await store.lastVersion()).toBe(inOrder[19]);

      const since = await store.changesSince(inOrder[14]!, 3);
      expect(since?.map((commit) => commit.version)).toEqual(inOrder.slice(15, 18));
      const sixteenth = results.find((result) => result.version === inOrder[15]);
      expect(since?.[0]).toEqual({ version: sixteenth?.version, changes: sixteenth?.changes });
      expect(since?.[0]).toEqual(delivered[15]);
      expect(
        (await store.changesSince(inOrder[17]!, 100))?.map((commit) => commit.version),
      ).toEqual(inOrder.slice(18));
      expect(await store.changesSince(inOrder[19]!, 100)).toEqual([]);
      // A version past the last commit is not one of this store's: the caller starts over.
      expect(await store.changesSince(inOrder[19]! + 1, 100)).toBeUndefined();
      await store.refresh();
      expect(delivered).toHaveLength(20);
    });

    it('keeps versions increasing across a reopen', async () => {
      await store.write((txn) => txn.put('Item', 'a', { id: 'a' }));
      const second = await store.write((txn) => txn.put('Item', 'b', { id: 'b' }));
      await reopen();
      expect(await store.lastVersion()).toBe(second.version);
      const third = await store.write((txn) => txn.put('Item', 'c', { id: 'c' }));
      expect(third.version).toBeGreaterThan(second.version!);
      expect((await store.changesSince(0, 10))?.map((commit) => commit.changes[0]?.key)).toEqual([
        'a',
        'b',
        'c',
      ]);
    });

    it('lets a commit listener read the committed record', async () => {
      const seen: Promise<unknown>[] = [];
      store.onCommit((commit) => {
        for (const change of commit.changes) seen.push(valueOf(change.table, change.key));
      });
      await store.write((txn) => txn.put('Item', 'a', { id: 'a', name: 'first' }));
      expect(await Promise.all(seen)).toEqual([{ id: 'a', name: 'first' }]);
    });

    it('keeps every acknowledged write across a close and reopen', async () => {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.write((txn) => txn.put('Item', `k${i}`, { id: `k${i}`, tags: [`t${i % 3}`] })),
        ),
      );
      await reopen();
      expect(await store.read().count('Item')).toBe(50);
      expect(await store.read().countIndex('Item', 'tags', eq('t1'))).toBe(17);
    });

    it('builds an index that a reopened schema newly declares, from the stored records', async () => {
      await store.write((txn) => {
        txn.put('Item', 'a', { id: 'a', note: 'x' });
        txn.put('Item', 'b', { id: 'b', note: 'y' });
      });
      await store.close();
      const [item, counter] = storeSchema.tables;
      const noteIndexed: SchemaMeta = {
        ...storeSchema,
        tables: [
          {
            ...item!,
            attributes: item!.attributes.map((attr) =>
              attr.name === 'note' ? { ...attr, indexed: true } : attr,
            ),
          },
          counter!,
        ],
      };
      store = await open(noteIndexed, directory);
      expect(
        (await collect(store.read().scanIndex('Item', 'note'))).map((e) => [e.value, e.key]),
      ).toEqual([
        ['x', 'a'],
        ['y', 'b'],
      ]);
    });
  });
}
