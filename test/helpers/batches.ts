/** Helpers for tests that read the store's batched scans. */
import type { Batches } from '../../templates/runtime/store/types.js';

/** Every entry of a batched scan, in order. */
export async function collect<T>(batches: Batches<T>): Promise<T[]> {
  const entries: T[] = [];
  for await (const batch of batches) entries.push(...batch);
  return entries;
}

/** `items` as a batched scan (one batch, or none when empty). */
// eslint-disable-next-line @typescript-eslint/require-await -- the items are at hand
export async function* batchesOf<T>(items: readonly T[]): Batches<T> {
  if (items.length > 0) yield items;
}
