/**
 * The one check behind `@unique` (contract section 2): whether another record holds a value in
 * the attribute's index. A range read of the transaction, so that of two concurrent writes of one
 * value, one runs again and sees the other.
 */
import type { IndexEntry, IndexValue, Key, ReadTxn } from './types.js';

/** The index entry of a record other than `key` that holds `value` in `attribute`'s index, if any. */
export async function otherHolder(
  txn: ReadTxn,
  table: string,
  attribute: string,
  value: IndexValue,
  key: Key,
): Promise<IndexEntry | undefined> {
  const point = { start: { value, inclusive: true }, end: { value, inclusive: true } };
  for await (const batch of txn.scanIndex(table, attribute, point, { expected: 2 })) {
    const other = batch.find((entry) => entry.key !== key);
    if (other !== undefined) return other;
  }
  return undefined;
}
