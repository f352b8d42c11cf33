/**
 * What the views of the store that leave records out have in common (`auth/guardedTxn.ts`: the
 * records a role may not see; `store/expiring.ts`: expired records): the planner's hints pass
 * through unchanged, an index entry is kept only when its record is, and a count is a walk.
 */
import type { Batches, IndexEntry, ReadTxn, RecordEntry } from './types.js';

/** The planner's hints of `inner`, bound to it, for a view to expose as its own. */
export function plannerHints(
  inner: ReadTxn,
): Pick<ReadTxn, 'estimateIndex' | 'estimateCount' | 'indexReady'> {
  return {
    ...(inner.estimateIndex ? { estimateIndex: inner.estimateIndex.bind(inner) } : {}),
    ...(inner.estimateCount ? { estimateCount: inner.estimateCount.bind(inner) } : {}),
    ...(inner.indexReady ? { indexReady: inner.indexReady.bind(inner) } : {}),
  };
}

/** The entries of `batch` (of `table`'s index) whose record exists and `keep` keeps. */
export async function entriesKept(
  inner: ReadTxn,
  table: string,
  batch: readonly IndexEntry[],
  keep: (record: RecordEntry) => boolean,
): Promise<IndexEntry[]> {
  const records = await inner.getMany(
    table,
    batch.map((entry) => entry.key),
  );
  return batch.filter((_, i) => {
    const record = records[i];
    return record !== undefined && keep(record);
  });
}

/** How many items the batches hold, read to the end. */
export async function countOf(batches: Batches<unknown>): Promise<number> {
  let count = 0;
  for await (const batch of batches) count += batch.length;
  return count;
}
