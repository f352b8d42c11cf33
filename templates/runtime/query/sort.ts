/**
 * Sort order (contract 5.2): by each sort key in turn, in index order (null first ascending),
 * then by primary key in the direction of the first sort key, which is the order an index walk
 * yields. A key with several values (a list, a to-many relationship) sorts by its smallest value
 * ascending and its largest descending, the element at which an index walk meets the record.
 */
import { ownValue } from '../meta.js';
import type { Key, ReadTxn, RecordEntry, StoredValue } from '../store/types.js';
import { relatedEntries } from './relationships.js';
import type { SortKey } from './types.js';
import { comparable, compareValues, type Comparable } from './values.js';

export interface SortedEntry {
  readonly entry: RecordEntry;
  readonly values: readonly Comparable[];
}

/** Whether a sort key follows a relationship: only then does its value need the store. */
export function sortFollowsRelationships(keys: readonly SortKey[]): boolean {
  return keys.some((sortKey) => sortKey.hops.length > 0);
}

/** The sort values of a record, for sort keys that follow no relationship. */
export function localSortValues(keys: readonly SortKey[], entry: RecordEntry): Comparable[] {
  return keys.map((sortKey) => {
    if (sortKey.hops.length > 0)
      throw new Error(`Sort key '${sortKey.path}' follows a relationship: it needs the store`);
    const best = new Best(sortKey.descending);
    collectLocal(sortKey, entry.key, entry.value, best);
    return best.value;
  });
}

/** The sort values of a record, reading the related records that sort keys go through. */
export async function sortValues(
  txn: ReadTxn,
  keys: readonly SortKey[],
  entry: RecordEntry,
): Promise<Comparable[]> {
  const values: Comparable[] = [];
  for (const sortKey of keys) {
    const best = new Best(sortKey.descending);
    await collect(txn, sortKey, 0, entry.key, entry.value, best);
    values.push(best.value);
  }
  return values;
}

/** The smallest value considered (the largest, descending); null when none was. */
class Best {
  private best: Comparable | undefined;

  constructor(private readonly descending: boolean) {}

  get value(): Comparable {
    return this.best ?? null;
  }

  consider(value: Comparable): void {
    if (this.best === undefined) this.best = value;
    else {
      const order = compareValues(value, this.best);
      if (this.descending ? order > 0 : order < 0) this.best = value;
    }
  }
}

async function collect(
  txn: ReadTxn,
  sortKey: SortKey,
  depth: number,
  key: Key,
  record: StoredValue,
  best: Best,
): Promise<void> {
  const hop = sortKey.hops[depth];
  if (hop === undefined) {
    collectLocal(sortKey, key, record, best);
    return;
  }
  for await (const batch of relatedEntries(txn, hop.to, hop.attribute, key, record)) {
    for (const related of batch) {
      await collect(txn, sortKey, depth + 1, related.key, related.value, best);
    }
  }
}

/** Considers the values of the sort key's target in `record` (its hops already followed). */
function collectLocal(sortKey: SortKey, key: Key, record: StoredValue, best: Best): void {
  const { target } = sortKey;
  if (target.isKey) {
    best.consider(key);
    return;
  }
  const visit = (value: unknown, level: number): void => {
    if (Array.isArray(value)) {
      for (const element of value) visit(element, level);
      return;
    }
    if (level < target.nested.length) {
      if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
        visit(ownValue(value, target.nested[level]!.name), level + 1);
      } else best.consider(null);
      return;
    }
    const candidate = comparable(value);
    if (candidate !== undefined) best.consider(candidate);
  };
  visit(ownValue(record, target.attribute.name), 0);
}

/** Compares two sorted entries by the sort keys, then by primary key. */
export function sortComparator(
  keys: readonly SortKey[],
): (a: SortedEntry, b: SortedEntry) => number {
  const keyDirection = keys[0]?.descending === true ? -1 : 1;
  return (a, b) => {
    for (let index = 0; index < keys.length; index += 1) {
      const order = compareValues(a.values[index]!, b.values[index]!);
      if (order !== 0) return keys[index]!.descending ? -order : order;
    }
    return keyDirection * compareValues(a.entry.key, b.entry.key);
  };
}

/**
 * The `size` first entries in comparator order, holding no more than `size` at a time: a binary
 * max-heap whose root is the worst entry kept.
 */
export class TopK {
  private readonly heap: SortedEntry[] = [];

  constructor(
    private readonly size: number,
    private readonly compare: (a: SortedEntry, b: SortedEntry) => number,
  ) {}

  add(item: SortedEntry): void {
    if (this.size === 0) return;
    const { heap } = this;
    if (heap.length < this.size) {
      heap.push(item);
      this.siftUp(heap.length - 1);
      return;
    }
    if (this.compare(item, heap[0]!) >= 0) return;
    heap[0] = item;
    this.siftDown(0);
  }

  /** The kept entries, best first. */
  sorted(): SortedEntry[] {
    return [...this.heap].sort(this.compare);
  }

  private siftUp(index: number): void {
    const { heap } = this;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.compare(heap[index]!, heap[parent]!) <= 0) return;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const { heap } = this;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let largest = index;
      if (left < heap.length && this.compare(heap[left]!, heap[largest]!) > 0) largest = left;
      if (right < heap.length && this.compare(heap[right]!, heap[largest]!) > 0) largest = right;
      if (largest === index) return;
      [heap[index], heap[largest]] = [heap[largest]!, heap[index]!];
      index = largest;
    }
  }
}
