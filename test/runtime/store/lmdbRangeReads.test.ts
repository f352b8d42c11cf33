/**
 * A write transaction that walked a range of an index or of the keys conflicts only with commits
 * that changed what it covered: a record it was handed, or a record written into the range. Two
 * stores on one directory stand for two workers: the other's write lands between the work's read
 * and its commit, where the optimistic check has to judge it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { matchingEntries, parseQuery } from '../../../templates/runtime/query/index.js';
import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import type {
  IndexRange,
  KeyRange,
  Store,
  StoredValue,
  WriteTxn,
} from '../../../templates/runtime/store/types.js';
import { collect, storeSchema } from './storeConformance.js';

const SEVEN: IndexRange = {
  start: { value: 7, inclusive: true },
  end: { value: 7, inclusive: true },
};
const A_TO_C: KeyRange = {
  start: { value: 'a', inclusive: true },
  end: { value: 'c', inclusive: false },
};

describe('LMDB range reads in write transactions', () => {
  let directory: string;
  let mine: Store;
  let other: Store;

  beforeEach(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'lmdb-ranges-'));
    mine = openLmdbStore(storeSchema, { path: directory, log: () => {} });
    other = openLmdbStore(storeSchema, { path: directory, log: () => {} });
    await mine.write((txn) => {
      txn.put('Item', 'a1', { id: 'a1', score: 7 });
      txn.put('Item', 'a2', { id: 'a2', score: 7 });
      txn.put('Item', 'x1', { id: 'x1', score: 8 });
    });
  });
  afterEach(async () => {
    await mine.close();
    await other.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /**
   * Deletes every item scoring 7, the way DELETE by query does; on its first run only, `between`
   * commits through the other store after the read and before the commit. Resolves with the runs.
   */
  async function deleteSevens(between: (txn: WriteTxn) => void): Promise<number> {
    let runs = 0;
    await mine.write(async (txn) => {
      runs += 1;
      const entries = await collect(txn.scanIndex('Item', 'score', SEVEN));
      if (runs === 1) await other.write(between);
      for (const entry of entries) await txn.delete('Item', entry.key);
    });
    return runs;
  }

  async function scores(): Promise<Record<string, unknown>> {
    const all = await collect(mine.read().scan('Item'));
    return Object.fromEntries(all.map((entry) => [entry.key, entry.value.score]));
  }

  it('commits at once when the other write is outside the range and touches nothing it read', async () => {
    const runs = await deleteSevens((txn) => {
      txn.put('Item', 'x2', { id: 'x2', score: 8 });
      txn.put('Item', 'x1', { id: 'x1', score: 9 });
    });
    expect(runs).toBe(1);
    expect(await scores()).toEqual({ x1: 9, x2: 8 });
  });

  it('runs again when the other write puts a record into the range (a phantom)', async () => {
    const runs = await deleteSevens((txn) => txn.put('Item', 'b1', { id: 'b1', score: 7 }));
    expect(runs).toBe(2);
    // The second run saw the phantom and deleted it too.
    expect(await scores()).toEqual({ x1: 8 });
  });

  it('runs again when the other write moves a record it was handed out of the range', async () => {
    const runs = await deleteSevens((txn) => txn.put('Item', 'a2', { id: 'a2', score: 5 }));
    expect(runs).toBe(2);
    expect(await scores()).toEqual({ a2: 5, x1: 8 });
  });

  it('checks a range of keys the same way: writes outside it pass, a key inside it conflicts', async () => {
    const countRuns = async (between: (txn: WriteTxn) => void): Promise<number> => {
      let runs = 0;
      await mine.write(async (txn) => {
        runs += 1;
        const inRange = await collect(txn.scan('Item', A_TO_C));
        if (runs === 1) await other.write(between);
        txn.put('Counter', 1, { id: 1, value: inRange.length } satisfies StoredValue);
      });
      return runs;
    };
    expect(await countRuns((txn) => txn.put('Item', 'x3', { id: 'x3' }))).toBe(1);
    expect(await countRuns((txn) => txn.put('Item', 'b2', { id: 'b2' }))).toBe(2);
    expect((await mine.read().get('Counter', 1))?.value).toEqual({ id: 1, value: 3 });
  });

  it('does not count a bounded count (the planner comparing indexes) as a read to check', async () => {
    let runs = 0;
    await mine.write(async (txn) => {
      runs += 1;
      await txn.countIndex('Item', 'score', SEVEN, 10);
      if (runs === 1) await other.write((other) => other.put('Item', 'c1', { id: 'c1', score: 7 }));
      txn.put('Counter', 2, { id: 2, value: 0 });
    });
    expect(runs).toBe(1);
  });

  it('lets a query planned and run in the transaction commit past unrelated writes (DELETE by query)', async () => {
    const table = storeSchema.tables.find((candidate) => candidate.name === 'Item')!;
    const ctx = { schema: storeSchema, table };
    let runs = 0;
    await mine.write(async (txn) => {
      runs += 1;
      // The planner sizes the table and the index before it walks the index.
      const entries = await collect(matchingEntries(txn, ctx, parseQuery('score=7', ctx)));
      if (runs === 1) await other.write((other) => other.put('Item', 'x4', { id: 'x4', score: 3 }));
      for (const entry of entries) await txn.delete('Item', entry.key);
    });
    expect(runs).toBe(1);
    expect(await scores()).toEqual({ x1: 8, x4: 3 });
  });
});
