/**
 * Scans hold no LMDB read transaction while their consumer is suspended (issue 20): a streamed
 * answer waiting on a client that never reads must not take one of LMDB's reader slots (126 by
 * default), or a few hundred stalled clients make every read fail with MDB_READERS_FULL. Index
 * scans read in batches and resume after the last entry; they must return exactly what one
 * uninterrupted scan would, duplicates and direction included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import type { IndexEntry, IndexRange, Store } from '../../../templates/runtime/store/types.js';
import { shopSchema } from '../fixtures/schemas.js';

/** More suspended scans than LMDB has reader slots by default. */
const SUSPENDED = 200;
const PRODUCTS = 1500;

describe('LMDB scans and reader slots', () => {
  let directory: string;
  let store: Store;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'lmdb-readers-'));
    store = openLmdbStore(shopSchema, { path: directory, log: () => {} });
    await store.write((txn) => {
      for (let i = 0; i < PRODUCTS; i++) {
        // Three categories, one of them holding most products: long runs of one index value.
        const categoryId = i % 10 === 0 ? 'a' : i % 10 === 1 ? 'c' : 'b';
        const id = `p${String(i).padStart(5, '0')}`;
        txn.put('Product', id, { id, name: `n${i % 7}`, categoryId, price: i % 13 });
      }
    });
  });
  afterAll(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it.each(['scan', 'scanIndex'] as const)(
    'lets reads go on while hundreds of %s calls are suspended',
    async (kind) => {
      const open: AsyncIterator<readonly unknown[]>[] = [];
      try {
        for (let i = 0; i < SUSPENDED; i++) {
          // A first batch of one: the scan is suspended with nearly everything still to read.
          const iterator =
            kind === 'scan'
              ? iteratorOf(store.read().scan('Product', undefined, { expected: 1 }))
              : iteratorOf(
                  store.read().scanIndex('Product', 'categoryId', undefined, { expected: 1 }),
                );
          expect((await iterator.next()).done).not.toBe(true);
          open.push(iterator);
          // After a commit lmdb-js reads from a new snapshot: a scan that pins the previous one keeps
          // its reader slot taken, and the next scan needs another one.
          await store.write((txn) =>
            txn.put('Category', 'written', { id: 'written', name: String(i) }),
          );
        }
        expect((await store.read().get('Product', 'p00001'))?.value.categoryId).toBe('c');
        expect(await store.read().count('Product')).toBe(PRODUCTS);
        // The suspended scans resume where they were.
        let rest = 0;
        for (let next = await open[0]!.next(); next.done !== true; next = await open[0]!.next())
          rest += next.value.length;
        expect(rest).toBe(PRODUCTS - 1);
      } finally {
        for (const iterator of open) await iterator.return?.();
      }
    },
  );

  it('returns every index entry once, in order, across batches, in both directions', async () => {
    const expected = (reverse: boolean): IndexEntry[] => {
      const entries: IndexEntry[] = [];
      for (let i = 0; i < PRODUCTS; i++) {
        const value = i % 10 === 0 ? 'a' : i % 10 === 1 ? 'c' : 'b';
        entries.push({ value, key: `p${String(i).padStart(5, '0')}` });
      }
      entries.sort((x, y) =>
        x.value === y.value
          ? x.key < y.key
            ? -1
            : 1
          : (x.value as string) < (y.value as string)
            ? -1
            : 1,
      );
      return reverse ? entries.reverse() : entries;
    };
    const scanned = async (range?: IndexRange): Promise<IndexEntry[]> => {
      const entries: IndexEntry[] = [];
      for await (const batch of store.read().scanIndex('Product', 'categoryId', range))
        for (const entry of batch) entries.push({ ...entry });
      return entries;
    };
    expect(await scanned()).toEqual(expected(false));
    expect(await scanned({ reverse: true })).toEqual(expected(true));
    // A range that ends inside the long run of 'b' and one that starts after it.
    const point = { value: 'b', inclusive: true };
    expect(await scanned({ start: point, end: point })).toEqual(
      expected(false).filter((entry) => entry.value === 'b'),
    );
    expect(await scanned({ start: { value: 'b', inclusive: false } })).toEqual(
      expected(false).filter((entry) => entry.value === 'c'),
    );
    expect(await scanned({ end: point, reverse: true })).toEqual(
      expected(true).filter((entry) => entry.value !== 'c'),
    );
    // Another writer between two batches does not make the scan repeat or skip what it already passed.
    let seen = 0;
    const keys = new Set<string>();
    for await (const batch of store.read().scanIndex('Product', 'categoryId')) {
      for (const entry of batch) {
        keys.add(`${String(entry.value)}/${String(entry.key)}`);
        if (++seen === 300)
          await store.write((txn) =>
            txn.put('Product', 'p99999', { id: 'p99999', categoryId: 'c' }),
          );
      }
    }
    expect(keys.size).toBe(seen);
    expect(keys.has('c/p99999')).toBe(true);
  });
});

function iteratorOf<T>(batches: AsyncIterable<T>): AsyncIterator<T> {
  return batches[Symbol.asyncIterator]();
}
