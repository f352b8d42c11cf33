import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import type { IndexRange, Store } from '../../../templates/runtime/store/types.js';
import { loadFixtureSchema } from '../../helpers/fixtureSchema.js';

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'codegen-estimate-'));
  store = openLmdbStore(await loadFixtureSchema('shop'), { path: dir, log: () => {} });
  await store.write((txn) => {
    for (let i = 0; i < 2000; i++) {
      // Prices spread evenly over [0, 1000); names sort like their numbers.
      txn.put('Product', `p${i}`, {
        id: `p${i}`,
        price: i / 2,
        name: `n${String(i).padStart(4, '0')}`,
        inStock: i % 3 === 0,
      });
    }
    txn.put('Product', 'no-price', { id: 'no-price' });
  });
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const estimate = (attribute: string, range: IndexRange): Promise<number> =>
  store.read().estimateIndex!('Product', attribute, range);

describe('LmdbStore.estimateIndex', () => {
  it('is exact for equality and for a narrow range', async () => {
    expect(
      await estimate('inStock', {
        start: { value: true, inclusive: true },
        end: { value: true, inclusive: true },
      }),
    ).toBe(667);
    expect(
      await estimate('price', {
        start: { value: 10, inclusive: true },
        end: { value: 12, inclusive: true },
      }),
    ).toBe(5);
  });

  it('interpolates a wide numeric range, also when it starts after the booleans', async () => {
    // "price < 100" as the query planner asks for it: above every null and boolean entry.
    const below100 = await estimate('price', {
      start: { value: true, inclusive: false },
      end: { value: 100, inclusive: false },
    });
    expect(below100).toBeGreaterThan(150);
    expect(below100).toBeLessThan(250);
    const above900 = await estimate('price', { start: { value: 900, inclusive: false } });
    expect(above900).toBeGreaterThan(150);
    expect(above900).toBeLessThan(250);
  });

  it('counts a wide string range exactly', async () => {
    expect(await estimate('name', { start: { value: 'n1000', inclusive: true } })).toBe(1000);
  });

  it('answers 0 for a range beyond the values', async () => {
    expect(await estimate('price', { start: { value: 5000, inclusive: true } })).toBe(0);
  });
});

describe('LmdbStore.count', () => {
  it('counts the records of a table', async () => {
    expect(await store.read().count('Product')).toBe(2001);
  });
});
