/**
 * An in-memory `Store` for tests: sorted arrays, rebuilt lazily after writes. It honours the
 * store's index semantics (arrays element by element, null and absent as null, dates as epoch
 * ms, order null < false < true < numbers < strings by UTF-8 bytes, then keys) and passes the
 * store conformance suite. Its ordering is written independently of the query engine's.
 *
 * `openMemoryStore(schema, name)` reopens the data last closed under the same name, the way a
 * store reopens its data directory.
 */
import type { SchemaMeta, TableMeta } from '../../templates/runtime/meta.js';
import { indexValuesOf } from '../../templates/runtime/store/indexValues.js';
import type {
  Change,
  Commit,
  IndexEntry,
  IndexRange,
  IndexValue,
  Key,
  KeyRange,
  Range,
  ReadTxn,
  RecordEntry,
  Store,
  StoredValue,
  WriteTxn,
} from '../../templates/runtime/store/types.js';

interface Stored {
  readonly value: StoredValue;
  readonly version: number;
}

/** Data that survives a close, by name. */
const closedStores = new Map<
  string,
  { tables: Map<string, Map<Key, Stored>>; nextKeys: Map<string, number>; lastVersion: number }
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
  ) {}

  clone(): TableState {
    return new TableState(this.meta, new Map(this.records));
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

  changed(): void {
    this.keys = null;
    this.indexes.clear();
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

class MemoryRead implements ReadTxn {
  constructor(protected readonly tables: (name: string) => TableState) {}

  get(table: string, key: Key): RecordEntry | undefined {
    const stored = this.tables(table).records.get(key);
    return stored === undefined ? undefined : { key, value: stored.value, version: stored.version };
  }

  *scan(table: string, range?: KeyRange): Iterable<RecordEntry> {
    const state = this.tables(table);
    const keys = state.sortedKeys();
    const [start, end] = window(keys, (key) => key, range);
    for (let index = 0; index < end - start; index += 1) {
      const key = keys[range?.reverse === true ? end - 1 - index : start + index]!;
      const stored = state.records.get(key);
      if (stored !== undefined) yield { key, value: stored.value, version: stored.version };
    }
  }

  *scanIndex(table: string, attribute: string, range?: IndexRange): Iterable<IndexEntry> {
    const entries = this.tables(table).index(attribute);
    const [start, end] = window(entries, (entry) => entry.value, range);
    for (let index = 0; index < end - start; index += 1) {
      yield entries[range?.reverse === true ? end - 1 - index : start + index]!;
    }
  }

  countIndex(table: string, attribute: string, range?: IndexRange, limit = Infinity): number {
    const [start, end] = window(this.tables(table).index(attribute), (entry) => entry.value, range);
    return Math.min(end - start, limit);
  }

  count(table: string): number {
    return this.tables(table).records.size;
  }
}

class MemoryWrite extends MemoryRead implements WriteTxn {
  readonly changes: Change[] = [];

  constructor(
    private readonly store: MemoryStore,
    readonly touched: Map<string, TableState>,
    readonly nextKeys: Map<string, number>,
    readonly version: number,
  ) {
    super((name) => {
      let state = touched.get(name);
      if (state === undefined) {
        state = store.table(name).clone();
        touched.set(name, state);
      }
      return state;
    });
  }

  put(table: string, key: Key, value: StoredValue): void {
    const state = this.tables(table);
    state.records.set(key, { value, version: this.version });
    state.changed();
    this.changes.push({ table, key, type: 'put', value, version: this.version });
  }

  delete(table: string, key: Key): boolean {
    const state = this.tables(table);
    const existed = state.records.delete(key);
    if (existed) {
      state.changed();
      this.changes.push({ table, key, type: 'delete', version: this.version });
    }
    return existed;
  }

  nextKey(table: string): number {
    let highest = this.nextKeys.get(table) ?? this.store.nextKeys.get(table) ?? 0;
    for (const key of this.tables(table).records.keys())
      if (typeof key === 'number' && key > highest) highest = key;
    const next = Math.floor(highest) + 1;
    this.nextKeys.set(table, next);
    return next;
  }
}

class MemoryStore implements Store {
  private tables = new Map<string, TableState>();
  nextKeys = new Map<string, number>();
  private lastVersion = 0;
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
      this.nextKeys = new Map(closed.nextKeys);
      this.lastVersion = closed.lastVersion;
    }
  }

  table(name: string): TableState {
    const state = this.tables.get(name);
    if (state === undefined) throw new Error(`No table ${name}`);
    return state;
  }

  read(): ReadTxn {
    const snapshot = new Map(this.tables);
    return new MemoryRead((name) => {
      const state = snapshot.get(name);
      if (state === undefined) throw new Error(`No table ${name}`);
      return state;
    });
  }

  write<T>(work: (txn: WriteTxn) => T): Promise<T> {
    const version = Math.max(Date.now(), this.lastVersion + 1 / 1024);
    const txn = new MemoryWrite(this, new Map(), new Map(), version);
    let result: T;
    try {
      result = work(txn);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    for (const [name, state] of txn.touched) this.tables.set(name, state);
    for (const [name, next] of txn.nextKeys)
      this.nextKeys.set(name, Math.max(next, this.nextKeys.get(name) ?? 0));
    const commit: Commit | null = txn.changes.length > 0 ? { version, changes: txn.changes } : null;
    if (commit !== null) this.lastVersion = version;
    return Promise.resolve().then(() => {
      if (commit !== null) for (const listener of this.listeners) listener(commit);
      return result;
    });
  }

  onCommit(listener: (commit: Commit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    if (this.name !== undefined) {
      closedStores.set(this.name, {
        tables: new Map([...this.tables].map(([name, state]) => [name, state.records])),
        nextKeys: new Map(this.nextKeys),
        lastVersion: this.lastVersion,
      });
    }
    return Promise.resolve();
  }
}
