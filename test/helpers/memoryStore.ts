/**
 * An in-memory `Store` for tests: sorted arrays, rebuilt lazily after writes. It honours the
 * store's index semantics (arrays element by element, null and absent as null, dates as epoch
 * ms, order null < false < true < numbers < strings by UTF-8 bytes, then keys) and passes the
 * store conformance suite. Its ordering is written independently of the query engine's.
 *
 * Write transactions are optimistic, as in the LMDB store: a work may await, and a commit whose
 * reads are stale (a record read or written has another version, a table scanned or counted has
 * changed) runs the work again. Commits are validated and applied synchronously, so they are
 * serial; committed tables are copied on write, so a scan in progress keeps the state it began on.
 *
 * `openMemoryStore(schema, name)` reopens the data last closed under the same name, the way a
 * store reopens its data directory.
 */
import type { SchemaMeta, TableMeta } from '../../templates/runtime/meta.js';
import { indexValuesOf } from '../../templates/runtime/store/indexValues.js';
import { CONFLICT, Turns } from '../../templates/runtime/store/turns.js';
import {
  type Batches,
  type Change,
  type Commit,
  type Committed,
  type IndexEntry,
  type IndexRange,
  type IndexValue,
  type Key,
  type KeyRange,
  type Range,
  type ReadTxn,
  type RecordEntry,
  type ScanOptions,
  type Store,
  type StoredValue,
  type StoreWriteOptions,
  type WriteTxn,
} from '../../templates/runtime/store/types.js';

interface Stored {
  readonly value: StoredValue;
  readonly version: number;
}

/** Data that survives a close, by name. */
const closedStores = new Map<
  string,
  {
    tables: Map<string, Map<Key, Stored>>;
    nextKeys: Map<string, number>;
    lastVersion: number;
    log: Commit[];
  }
>();

export function openMemoryStore(schema: SchemaMeta, name?: string): Store {
  return new MemoryStore(schema, name);
}

/** Index order, written without the query engine's helpers. */
export function compareIndexValues(a: IndexValue, b: IndexValue): number {
  const rank = (value: IndexValue): number =>
    value === null ? 0 : typeof value === 'boolean' ? 1 : typeof value === 'number' ? 2 : 3;
  const difference = rank(a) - rank(b);
  if (difference !== 0) return difference;
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number') return a === b ? 0 : a < (b as number) ? -1 : 1;
  if (typeof a === 'string')
    return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b as string, 'utf8'));
  return 0;
}

class TableState {
  private keys: Key[] | null = null;
  private readonly indexes = new Map<string, IndexEntry[]>();

  constructor(
    readonly meta: TableMeta,
    readonly records: Map<Key, Stored>,
    /** Bumped by every commit that writes the table: what a scan's or count's validation compares. */
    readonly counter = 0,
  ) {}

  /** A copy to change (the committed one stays as scans in progress see it). */
  clone(counter = this.counter): TableState {
    return new TableState(this.meta, new Map(this.records), counter);
  }

  sortedKeys(): Key[] {
    this.keys ??= [...this.records.keys()].sort(compareIndexValues);
    return this.keys;
  }

  index(attribute: string): IndexEntry[] {
    let entries = this.indexes.get(attribute);
    if (entries === undefined) {
      const declared = this.meta.attributes.find((candidate) => candidate.name === attribute);
      if (declared === undefined || !declared.indexed)
        throw new Error(`${this.meta.name}.${attribute} is not indexed`);
      entries = [];
      for (const [key, { value }] of this.records) {
        for (const indexed of indexValuesOf(value[attribute]))
          entries.push({ value: indexed, key });
      }
      entries.sort(
        (x, y) => compareIndexValues(x.value, y.value) || compareIndexValues(x.key, y.key),
      );
      this.indexes.set(attribute, entries);
    }
    return entries;
  }
}

/** Index of the first element not before the bound (`after`: the first element after it). */
function lowerBound<T>(
  items: readonly T[],
  valueOf: (item: T) => IndexValue,
  value: IndexValue,
  after: boolean,
): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    const order = compareIndexValues(valueOf(items[middle]!), value);
    if (order < 0 || (after && order === 0)) low = middle + 1;
    else high = middle;
  }
  return low;
}

function window<T>(
  items: readonly T[],
  valueOf: (item: T) => IndexValue,
  range: Range<IndexValue> | undefined,
): [number, number] {
  const start =
    range?.start === undefined
      ? 0
      : lowerBound(items, valueOf, range.start.value, !range.start.inclusive);
  const end =
    range?.end === undefined
      ? items.length
      : lowerBound(items, valueOf, range.end.value, range.end.inclusive);
  return [start, Math.max(start, end)];
}

/** Entries per batch after the first: small, so that tests cross batch boundaries. */
const BATCH = 64;
const ABSENT = -1;

/** The entries of `items` between `start` and `end` (in reverse when asked), in batches. */
// eslint-disable-next-line @typescript-eslint/require-await -- the records are in memory
async function* batchesOf<T>(
  items: readonly T[],
  start: number,
  end: number,
  reverse: boolean,
  options: ScanOptions | undefined,
): Batches<T> {
  let size = Math.min(Math.max(options?.expected ?? BATCH, 1), BATCH);
  let done = 0;
  while (done < end - start) {
    const batch: T[] = [];
    for (; batch.length < size && done < end - start; done++)
      batch.push(items[reverse ? end - 1 - done : start + done]!);
    yield batch;
    size = BATCH;
  }
}

class MemoryRead implements ReadTxn {
  constructor(protected readonly tables: (name: string) => TableState) {}

  get(table: string, key: Key): Promise<RecordEntry | undefined> {
    return Promise.resolve(this.getNow(table, key));
  }

  getMany(table: string, keys: readonly Key[]): Promise<(RecordEntry | undefined)[]> {
    return Promise.resolve(keys.map((key) => this.getNow(table, key)));
  }

  protected getNow(table: string, key: Key): RecordEntry | undefined {
    const stored = this.tables(table).records.get(key);
    return stored === undefined ? undefined : { key, value: stored.value, version: stored.version };
  }

  async *scan(table: string, range?: KeyRange, options?: ScanOptions): Batches<RecordEntry> {
    const state = this.tables(table);
    const keys = state.sortedKeys();
    const [start, end] = window(keys, (key) => key, range);
    for await (const batch of batchesOf(keys, start, end, range?.reverse === true, options)) {
      yield batch.map((key) => {
        const { value, version } = state.records.get(key)!;
        return { key, value, version };
      });
    }
  }

  scanIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    options?: ScanOptions,
  ): Batches<IndexEntry> {
    const entries = this.tables(table).index(attribute);
    const [start, end] = window(entries, (entry) => entry.value, range);
    return batchesOf(entries, start, end, range?.reverse === true, options);
  }

  countIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    limit = Infinity,
  ): Promise<number> {
    const [start, end] = window(this.tables(table).index(attribute), (entry) => entry.value, range);
    return Promise.resolve(Math.min(end - start, limit));
  }

  count(table: string): Promise<number> {
    return Promise.resolve(this.tables(table).records.size);
  }
}

/**
 * A transaction's reads go to the committed state with its buffered writes laid over it: a table
 * it wrote is read from a copy with the writes applied (rebuilt after each write; tests are small).
 */
class MemoryWrite extends MemoryRead implements WriteTxn {
  /** Buffered writes by table: the record to put, or null to delete. */
  readonly writes = new Map<string, Map<Key, StoredValue | null>>();
  /** The version of every key read or written, as first seen (ABSENT when there was none). */
  readonly seen = new Map<string, Map<Key, number>>();
  /** The change counter of every table scanned or counted, as first seen. */
  readonly scanned = new Map<string, number>();
  private readonly overlays = new Map<string, TableState>();
  private finished = false;

  /** Provisional until the commit gives the transaction its version. */
  version: number;

  constructor(
    private readonly store: MemoryStore,
    provisionalVersion: number,
  ) {
    super((name) => this.overlay(name));
    this.version = provisionalVersion;
  }

  finish(): void {
    this.finished = true;
  }

  private overlay(name: string): TableState {
    const committed = this.store.table(name);
    const writes = this.writes.get(name);
    if (writes === undefined) return committed;
    let state = this.overlays.get(name);
    if (state === undefined) {
      state = committed.clone();
      for (const [key, value] of writes) {
        if (value === null) state.records.delete(key);
        else state.records.set(key, { value, version: this.version });
      }
      this.overlays.set(name, state);
    }
    return state;
  }

  protected override getNow(table: string, key: Key): RecordEntry | undefined {
    const buffered = this.writes.get(table)?.get(key);
    if (buffered !== undefined)
      return buffered === null ? undefined : { key, value: buffered, version: this.version };
    const entry = super.getNow(table, key);
    this.note(table, key, entry?.version ?? ABSENT);
    return entry;
  }

  override scan(table: string, range?: KeyRange, options?: ScanOptions): Batches<RecordEntry> {
    this.noteScanned(table);
    return super.scan(table, range, options);
  }

  override scanIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    options?: ScanOptions,
  ): Batches<IndexEntry> {
    this.noteScanned(table);
    return super.scanIndex(table, attribute, range, options);
  }

  override countIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    limit?: number,
  ): Promise<number> {
    this.noteScanned(table);
    return super.countIndex(table, attribute, range, limit);
  }

  override count(table: string): Promise<number> {
    this.noteScanned(table);
    return super.count(table);
  }

  put(table: string, key: Key, value: StoredValue): void {
    const writes = this.writable(table, key);
    // Moved to the end: the commit lists a record written twice at the place of its last write.
    writes.delete(key);
    writes.set(key, value);
  }

  delete(table: string, key: Key): Promise<boolean> {
    const writes = this.writable(table, key);
    const buffered = writes.get(key);
    const existed =
      buffered === undefined
        ? (this.seen.get(table)?.get(key) ?? ABSENT) !== ABSENT
        : buffered !== null;
    writes.delete(key);
    writes.set(key, null);
    return Promise.resolve(existed);
  }

  nextKey(table: string): Promise<number> {
    // Allocated in the store at once, so a key handed to a run that is retried is never reused.
    return Promise.resolve(this.store.nextKey(table));
  }

  private writable(table: string, key: Key): Map<Key, StoredValue | null> {
    if (this.finished) throw new Error('The write transaction is over: its work has returned');
    let writes = this.writes.get(table);
    if (writes === undefined) {
      writes = new Map();
      this.writes.set(table, writes);
    }
    if (!writes.has(key))
      this.note(table, key, this.store.table(table).records.get(key)?.version ?? ABSENT);
    this.overlays.delete(table);
    return writes;
  }

  private note(table: string, key: Key, version: number): void {
    let keys = this.seen.get(table);
    if (keys === undefined) {
      keys = new Map();
      this.seen.set(table, keys);
    }
    if (!keys.has(key)) keys.set(key, version);
  }

  private noteScanned(table: string): void {
    if (!this.scanned.has(table)) this.scanned.set(table, this.store.table(table).counter);
  }

  /** Whether what the transaction read or wrote changed since, or is not older than its version. */
  stale(): boolean {
    for (const [table, keys] of this.seen) {
      const records = this.store.table(table).records;
      for (const [key, seen] of keys) {
        if (seen >= this.version) return true;
        if ((records.get(key)?.version ?? ABSENT) !== seen) return true;
      }
    }
    for (const [table, counter] of this.scanned)
      if (this.store.table(table).counter !== counter) return true;
    return false;
  }
}

class MemoryStore implements Store {
  private tables = new Map<string, TableState>();
  private readonly nextKeys = new Map<string, number>();
  private lastVersionNow = 0;
  private readonly turns = new Turns();
  private log: Commit[] = [];
  private readonly listeners = new Set<(commit: Commit) => void>();

  constructor(
    schema: SchemaMeta,
    private readonly name?: string,
  ) {
    const closed = name === undefined ? undefined : closedStores.get(name);
    for (const meta of schema.tables) {
      this.tables.set(
        meta.name,
        new TableState(meta, new Map(closed?.tables.get(meta.name) ?? [])),
      );
    }
    if (closed !== undefined) {
      for (const [table, next] of closed.nextKeys) this.nextKeys.set(table, next);
      this.lastVersionNow = closed.lastVersion;
      this.log = [...closed.log];
    }
  }

  table(name: string): TableState {
    const state = this.tables.get(name);
    if (state === undefined) throw new Error(`No table ${name}`);
    return state;
  }

  read(): ReadTxn {
    return new MemoryRead((name) => this.table(name));
  }

  nextKey(table: string): number {
    let highest = this.nextKeys.get(table) ?? 0;
    for (const key of this.table(table).records.keys())
      if (typeof key === 'number' && key > highest) highest = key;
    const next = Math.floor(highest) + 1;
    this.nextKeys.set(table, next);
    return next;
  }

  async write<T>(
    work: (txn: WriteTxn) => T | Promise<T>,
    options?: StoreWriteOptions,
  ): Promise<Committed<T>> {
    return this.turns.run(async (): Promise<Committed<T> | typeof CONFLICT> => {
      const txn = new MemoryWrite(this, this.nextVersion());
      let value: T;
      try {
        value = await work(txn);
      } catch (error) {
        txn.finish();
        if (txn.stale()) return CONFLICT;
        throw error instanceof Error ? error : new Error(String(error));
      }
      txn.finish();
      // Validated and applied in one synchronous step: commits are serial.
      if (txn.stale()) return CONFLICT;
      // The commit's version: later than every earlier commit's, whenever its work began.
      txn.version = this.nextVersion();
      const changes = this.apply(txn);
      if (changes.length === 0) return { value, version: undefined, changes };
      const commit: Commit = { version: txn.version, changes };
      this.log.push(commit);
      for (const listener of this.listeners) listener(commit);
      return { value, version: commit.version, changes };
    }, options?.retries);
  }

  private nextVersion(): number {
    this.lastVersionNow = Math.max(Date.now(), this.lastVersionNow + 1 / 1024);
    return this.lastVersionNow;
  }

  private apply(txn: MemoryWrite): Change[] {
    const changes: Change[] = [];
    for (const [table, writes] of txn.writes) {
      const committed = this.table(table);
      const state = committed.clone(committed.counter + 1);
      for (const [key, value] of writes) {
        if (value === null) {
          if (state.records.delete(key))
            changes.push({ table, key, type: 'delete', version: txn.version });
        } else {
          state.records.set(key, { value, version: txn.version });
          changes.push({ table, key, type: 'put', value, version: txn.version });
        }
      }
      if (changes.some((change) => change.table === table)) this.tables.set(table, state);
    }
    return changes;
  }

  onCommit(listener: (commit: Commit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  refresh(): Promise<void> {
    // One process, no one else appends to this log.
    return Promise.resolve();
  }

  lastVersion(): Promise<number> {
    return Promise.resolve(this.log.at(-1)?.version ?? 0);
  }

  changesSince(version: number, limit: number): Promise<Commit[] | undefined> {
    // This log keeps every commit; a version past the last one is not of this data.
    if (version > (this.log.at(-1)?.version ?? 0)) return Promise.resolve(undefined);
    const from = this.log.findIndex((commit) => commit.version > version);
    return Promise.resolve(from < 0 ? [] : this.log.slice(from, from + Math.max(limit, 0)));
  }

  close(): Promise<void> {
    if (this.name !== undefined) {
      closedStores.set(this.name, {
        tables: new Map([...this.tables].map(([name, state]) => [name, state.records])),
        nextKeys: new Map(this.nextKeys),
        lastVersion: this.lastVersionNow,
        log: [...this.log],
      });
    }
    return Promise.resolve();
  }
}
