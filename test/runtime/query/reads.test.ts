/**
 * A query with a limit reads roughly what it returns: the executor streams from the most
 * selective driver and stops at the limit. Reads are counted by wrapping the transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeQuery, parseQuery } from '../../../templates/runtime/query/index.js';
import type {
  Batches,
  IndexEntry,
  IndexRange,
  Key,
  KeyRange,
  ReadTxn,
  RecordEntry,
  ScanOptions,
  StoredValue,
} from '../../../templates/runtime/store/types.js';
import { shopSchema } from '../fixtures/schemas.js';
import { collect, loadedStore, STORE_KINDS, tableOf, type OpenedStore } from './stores.js';

/** Counts what a transaction hands out: records (get, getMany and scan) and index entries. */
class CountingTxn implements ReadTxn {
  records = 0;
  entries = 0;
  /** Index entries counted by countIndex while planning (bounded by their limits). */
  counted = 0;

  constructor(private readonly inner: ReadTxn) {}

  async get(table: string, key: Key): Promise<RecordEntry | undefined> {
    this.records += 1;
    return this.inner.get(table, key);
  }

  async getMany(table: string, keys: readonly Key[]): Promise<(RecordEntry | undefined)[]> {
    this.records += keys.length;
    return this.inner.getMany(table, keys);
  }

  async *scan(table: string, range?: KeyRange, options?: ScanOptions): Batches<RecordEntry> {
    for await (const batch of this.inner.scan(table, range, options)) {
      this.records += batch.length;
      yield batch;
    }
  }

  async *scanIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    options?: ScanOptions,
  ): Batches<IndexEntry> {
    for await (const batch of this.inner.scanIndex(table, attribute, range, options)) {
      this.entries += batch.length;
      yield batch;
    }
  }

  async countIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    limit?: number,
  ): Promise<number> {
    const count = await this.inner.countIndex(table, attribute, range, limit);
    this.counted += count;
    return count;
  }

  count(table: string): Promise<number> {
    return this.inner.count(table);
  }
}

const TOTAL = 20_000;

/** Prices 0..999 (10% under 100), in stock every other thousand (50%), independent of each other. */
const products: StoredValue[] = Array.from({ length: TOTAL }, (_, index) => ({
  id: `p${String(index).padStart(5, '0')}`,
  name: `Product ${String((index * 7919) % TOTAL).padStart(5, '0')}`,
  price: index % 1000,
  categoryId: ['electronics', 'books', 'garden', 'toys'][index % 4],
  inStock: Math.floor(index / 1000) % 2 === 0,
}));

describe.each(STORE_KINDS)('reads on the $name store', (kind) => {
  let opened: OpenedStore;

  beforeAll(async () => {
    opened = await loadedStore(kind, shopSchema, { Product: products });
  }, 120_000);

  afterAll(async () => {
    await opened.dispose();
  });

  async function measure(raw: string): Promise<{ answers: StoredValue[]; txn: CountingTxn }> {
    const txn = new CountingTxn(opened.read());
    const ctx = { schema: shopSchema, table: tableOf(shopSchema, 'Product') };
    const answers = (await collect(executeQuery(txn, ctx, parseQuery(raw, ctx)))) as StoredValue[];
    return { answers, txn };
  }

  it('stops reading at the limit: price=lt=100&inStock=true&limit(20)', async () => {
    const { answers, txn } = await measure('price=lt=100&inStock=true&limit(20)');
    expect(answers).toHaveLength(20);
    for (const answer of answers)
      expect(answer).toMatchObject({ inStock: true, price: expect.any(Number) });
    expect(answers.every((answer) => (answer.price as number) < 100)).toBe(true);
    // Half of the records under 100 are in stock: about 40 records for 20 answers. Index entries
    // come in a first batch of 20 (the limit) and at most one more batch; records are read only
    // about as far as the answers still missing go.
    expect(txn.entries).toBeLessThanOrEqual(3 * 20 + kind.batchSize);
    expect(txn.records).toBeLessThanOrEqual(3 * 20);
  });

  it('drives from the selective equality: categoryId=electronics&inStock=true&limit=20', async () => {
    const { answers, txn } = await measure('categoryId=electronics&inStock=true&limit=20');
    expect(answers).toHaveLength(20);
    expect(txn.entries + txn.records).toBeLessThanOrEqual(4 * 20 * 2);
  });

  it('walks the sort index in order when the conditions are unselective: inStock=true&sort=name&limit(20)', async () => {
    const { answers, txn } = await measure('inStock=true&sort=name&limit(20)');
    const expected = products
      .filter((product) => product.inStock === true)
      .map((product) => product.name as string)
      .sort()
      .slice(0, 20);
    expect(answers.map((answer) => answer.name)).toEqual(expected);
    expect(txn.records).toBeLessThanOrEqual(3 * 20);
  });

  it('keeps only the top of a sort in memory when no index gives the order', async () => {
    const { answers, txn } = await measure('price=lt=100&sort(-stockQuantity,name)&limit(5)');
    expect(answers).toHaveLength(5);
    // Every match is read (about 2,000 of 20,000), not the table.
    expect(txn.records).toBeLessThan(TOTAL / 4);
  });

  it('reads one record for a key', async () => {
    const { answers, txn } = await measure('id=p00042');
    expect(answers).toHaveLength(1);
    expect(txn.records).toBe(1);
    expect(txn.entries).toBe(0);
  });
});
