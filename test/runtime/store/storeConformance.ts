/**
 * The behaviour every `Store` implementation must have, written against the interface only.
 * A store module runs it with `describeStoreConformance(name, open)`; a future store (PostgreSQL)
 * passes the same suite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';
import type {
  Commit,
  IndexRange,
  IndexValue,
  Key,
  Store,
} from '../../../templates/runtime/store/types.js';
import { attribute as a, table } from '../fixtures/meta.js';

/** Opens (or reopens) a store over `directory`; the same directory must find the same data. */
export type OpenStore = (schema: SchemaMeta, directory: string) => Store;

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

export function describeStoreConformance(name: string, open: OpenStore): void {
  describe(`${name} store conformance`, () => {
    let directory: string;
    let store: Store;

    beforeEach(() => {
      directory = mkdtempSync(path.join(tmpdir(), 'store-conformance-'));
      store = open(storeSchema, directory);
    });

    afterEach(async () => {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    });

    const reopen = async (): Promise<void> => {
      await store.close();
      store = open(storeSchema, directory);
    };

    const keysIn = (attribute: string, range?: IndexRange): Key[] =>
      [...store.read().scanIndex('Item', attribute, range)].map((entry) => entry.key);

    const eq = (value: IndexValue): IndexRange => ({
      start: { value, inclusive: true },
      end: { value, inclusive: true },
    });

    it('puts, gets and deletes a record', async () => {
      await store.write((txn) => txn.put('Item', 'a', { id: 'a', name: 'apple' }));
      expect(store.read().get('Item', 'a')?.value).toEqual({ id: 'a', name: 'apple' });
      expect(store.read().get('Item', 'missing')).toBeUndefined();
      expect(await store.write((txn) => txn.delete('Item', 'a'))).toBe(true);
      expect(await store.write((txn) => txn.delete('Item', 'a'))).toBe(false);
      expect(store.read().get('Item', 'a')).toBeUndefined();
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
      const stored = store.read().get('Item', 'a')?.value;
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
        await store.write((txn) => txn.put('Item', 'a', { id: 'a', n: i }));
        versions.push(store.read().get('Item', 'a')?.version ?? -1);
      }
      const concurrent = await Promise.all(
        ['b', 'c', 'd'].map((key) =>
          store.write((txn) => {
            txn.put('Item', key, { id: key });
            return key;
          }),
        ),
      );
      for (const key of concurrent) versions.push(store.read().get('Item', key)?.version ?? -1);
      for (let i = 1; i < versions.length; i++)
        expect(versions[i]).toBeGreaterThan(versions[i - 1] ?? Infinity);
      expect(versions[0]).toBeGreaterThan(Date.now() - 60_000);
    });

    it('maintains index entries on create, update and delete, arrays element by element', async () => {
      await store.write((txn) =>
        txn.put('Item', 'a', { id: 'a', name: 'apple', tags: ['red', 'fruit', 'red'] }),
      );
      expect(keysIn('tags', eq('red'))).toEqual(['a']);
      expect(store.read().countIndex('Item', 'tags', eq('red'))).toBe(1);
      expect(keysIn('tags', eq('fruit'))).toEqual(['a']);

      await store.write((txn) =>
        txn.put('Item', 'a', { id: 'a', name: 'apricot', tags: ['fruit', 'orange'] }),
      );
      expect(keysIn('tags', eq('red'))).toEqual([]);
      expect(keysIn('tags', eq('orange'))).toEqual(['a']);
      expect(keysIn('name', eq('apple'))).toEqual([]);
      expect(keysIn('name', eq('apricot'))).toEqual(['a']);

      await store.write((txn) => txn.delete('Item', 'a'));
      expect([...store.read().scanIndex('Item', 'tags')]).toEqual([]);
      expect([...store.read().scanIndex('Item', 'name')]).toEqual([]);
      expect([...store.read().scanIndex('Item', 'score')]).toEqual([]);
    });

    it('indexes null and absent attributes as null, dates as epoch milliseconds', async () => {
      await store.write((txn) => {
        txn.put('Item', 'absent', { id: 'absent' });
        txn.put('Item', 'null', { id: 'null', score: null });
        txn.put('Item', 'set', { id: 'set', score: 2, when: new Date(1_000) });
      });
      expect(keysIn('score', eq(null))).toEqual(['absent', 'null']);
      expect(keysIn('score', eq(2))).toEqual(['set']);
      expect(keysIn('when', eq(1_000))).toEqual(['set']);
      expect(store.read().countIndex('Item', 'score', eq(null))).toBe(2);
    });

    it('orders index values null, false, true, numbers, strings (by UTF-8 bytes), then keys', async () => {
      const values: [string, unknown][] = [
        ['s-lower', 'a'],
        ['s-upper', 'Z'],
        ['s-empty', ''],
        ['s-accent', 'é'],
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
      const order = [...store.read().scanIndex('Item', 'anything')];
      expect(order.map((entry) => entry.key)).toEqual([
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
      ]);
      expect(order[0]).toEqual({ value: null, key: 'nul' });
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

      it('honours inclusive and exclusive bounds', () => {
        const scores = (range: IndexRange) =>
          [...store.read().scanIndex('Item', 'score', range)].map((e) => e.value);
        expect(
          scores({ start: { value: 2, inclusive: true }, end: { value: 3, inclusive: true } }),
        ).toEqual([2, 2, 3]);
        expect(
          scores({ start: { value: 2, inclusive: false }, end: { value: 4, inclusive: false } }),
        ).toEqual([3]);
        expect(scores({ start: { value: 3, inclusive: true } })).toEqual([3, 4]);
        expect(scores({ end: { value: 2, inclusive: false } })).toEqual([null, 1]);
        expect(scores({})).toEqual([null, 1, 2, 2, 3, 4]);
      });

      it('walks in reverse, bounds included or not, keys in reverse too', () => {
        const entries = (range: IndexRange) =>
          [...store.read().scanIndex('Item', 'score', { ...range, reverse: true })].map((e) => [
            e.value,
            e.key,
          ]);
        expect(entries({})).toEqual([
          [4, 'k4'],
          [3, 'k3'],
          [2, 'k2b'],
          [2, 'k2'],
          [1, 'k1'],
          [null, 'k0'],
        ]);
        expect(
          entries({ start: { value: 2, inclusive: true }, end: { value: 3, inclusive: false } }),
        ).toEqual([
          [2, 'k2b'],
          [2, 'k2'],
        ]);
        expect(
          entries({ start: { value: 1, inclusive: false }, end: { value: 4, inclusive: true } }),
        ).toEqual([
          [4, 'k4'],
          [3, 'k3'],
          [2, 'k2b'],
          [2, 'k2'],
        ]);
      });

      it('counts a range exactly, and at most `limit`', () => {
        const read = store.read();
        expect(read.countIndex('Item', 'score')).toBe(6);
        expect(read.countIndex('Item', 'score', { start: { value: 2, inclusive: true } })).toBe(4);
        expect(read.countIndex('Item', 'score', { start: { value: 2, inclusive: false } })).toBe(2);
        expect(read.countIndex('Item', 'score', { start: { value: 1, inclusive: true } }, 2)).toBe(
          2,
        );
        expect(read.countIndex('Item', 'score', eq(2), 1)).toBe(1);
        expect(read.countIndex('Item', 'score', eq(7))).toBe(0);
        expect(read.count('Item')).toBe(6);
      });

      it('scans records in key order within a key range, forwards and backwards', () => {
        const keys = (range?: Parameters<ReturnType<Store['read']>['scan']>[1]) =>
          [...store.read().scan('Item', range)].map((entry) => entry.key);
        expect(keys()).toEqual(['k0', 'k1', 'k2', 'k2b', 'k3', 'k4']);
        expect(
          keys({ start: { value: 'k2', inclusive: false }, end: { value: 'k3', inclusive: true } }),
        ).toEqual(['k2b', 'k3']);
        expect(keys({ reverse: true, end: { value: 'k2b', inclusive: true } })).toEqual([
          'k2b',
          'k2',
          'k1',
          'k0',
        ]);
        const first = [...store.read().scan('Item')][0];
        expect(first?.value).toEqual({ id: 'k0' });
        expect(first?.version).toBeGreaterThan(0);
      });

      it('stops reading when the caller stops iterating', () => {
        let seen = 0;
        for (const entry of store.read().scanIndex('Item', 'score')) {
          seen++;
          if (entry.key === 'k1') break;
        }
        expect(seen).toBe(2);
      });
    });

    it('generates increasing numeric keys, persisted and never reused across a reopen', async () => {
      const first = await store.write((txn) => [txn.nextKey('Counter'), txn.nextKey('Counter')]);
      expect(first).toEqual([1, 2]);
      await store.write((txn) => {
        txn.put('Counter', 2, { id: 2 });
      });
      await reopen();
      const third = await store.write((txn) => txn.nextKey('Counter'));
      expect(third).toBe(3);
      // A key a client chose itself is not handed out later.
      await store.write((txn) => txn.put('Counter', 40, { id: 40 }));
      expect(await store.write((txn) => txn.nextKey('Counter'))).toBe(41);
      await store.write((txn) => txn.delete('Counter', 40));
      await reopen();
      expect(await store.write((txn) => txn.nextKey('Counter'))).toBe(42);
    });

    it('writes nothing of a transaction that throws', async () => {
      await store.write((txn) =>
        txn.put('Item', 'keep', { id: 'keep', name: 'kept', tags: ['x'] }),
      );
      const failing = store.write((txn) => {
        txn.put('Item', 'new', { id: 'new', name: 'new', tags: ['x'] });
        txn.put('Item', 'keep', { id: 'keep', name: 'changed' });
        txn.delete('Item', 'keep');
        throw new Error('refused');
      });
      await expect(failing).rejects.toThrow('refused');
      expect(store.read().get('Item', 'new')).toBeUndefined();
      expect(store.read().get('Item', 'keep')?.value).toEqual({
        id: 'keep',
        name: 'kept',
        tags: ['x'],
      });
      expect(keysIn('tags', eq('x'))).toEqual(['keep']);
      expect(keysIn('name', eq('changed'))).toEqual([]);
    });

    it('lets a transaction read its own writes', async () => {
      const seen = await store.write((txn) => {
        txn.put('Item', 'a', { id: 'a', tags: ['t'] });
        return {
          record: txn.get('Item', 'a')?.value,
          indexed: [...txn.scanIndex('Item', 'tags', eq('t'))].map((entry) => entry.key),
          count: txn.count('Item'),
        };
      });
      expect(seen).toEqual({ record: { id: 'a', tags: ['t'] }, indexed: ['a'], count: 1 });
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

    it('lets a commit listener read the committed record', async () => {
      const seen: unknown[] = [];
      store.onCommit((commit) => {
        for (const change of commit.changes)
          seen.push(store.read().get(change.table, change.key)?.value);
      });
      await store.write((txn) => txn.put('Item', 'a', { id: 'a', name: 'first' }));
      expect(seen).toEqual([{ id: 'a', name: 'first' }]);
    });

    it('keeps every acknowledged write across a close and reopen', async () => {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.write((txn) => txn.put('Item', `k${i}`, { id: `k${i}`, tags: [`t${i % 3}`] })),
        ),
      );
      await reopen();
      expect(store.read().count('Item')).toBe(50);
      expect(store.read().countIndex('Item', 'tags', eq('t1'))).toBe(17);
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
      store = open(noteIndexed, directory);
      expect([...store.read().scanIndex('Item', 'note')].map((e) => [e.value, e.key])).toEqual([
        ['x', 'a'],
        ['y', 'b'],
      ]);
    });
  });
}
