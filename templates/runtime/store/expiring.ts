/**
 * Records that expire (`@table(expiration: N)`, contract section 2): a record of such a table is
 * gone N seconds after its last write. Its version is its last commit's time (`RecordEntry`), so
 * a record is expired once `version + N s` has passed, and a write refreshes it.
 *
 * `expiringStore` is the store as every part of the server reads it: an expired record does not
 * exist for any read (GET, queries and their counts, relationships, hooks, subscriptions' initial
 * state) nor for a write transaction (a PUT of its key creates it anew). The records themselves
 * are removed by `ExpirySweeper`, in the background, through ordinary commits, so indexes and the
 * commit log stay right and subscribers hear a `delete`.
 *
 * The time comes from a clock the server is given (`Date.now` unless a test passes its own), read
 * once per transaction so that one request sees one moment.
 */
import type {
  Batches,
  Committed,
  IndexEntry,
  IndexRange,
  Key,
  KeyRange,
  ReadTxn,
  RecordEntry,
  ScanOptions,
  Store,
  StoredValue,
  StoreWriteOptions,
  WriteTxn,
} from './types.js';
import { countOf, entriesKept, plannerHints } from './views.js';
import { storeWith } from './wrap.js';

/** Each expiring table's time to live in milliseconds, by table name. */
export type Lifetimes = ReadonlyMap<string, number>;

/** `store` with the expired records of `lifetimes`' tables left out of every read. */
export function expiringStore(store: Store, lifetimes: Lifetimes, now: () => number): Store {
  if (lifetimes.size === 0) return store;
  return storeWith(store, {
    read: () => new ExpiringTxn(store.read(), lifetimes, now()),
    write: <T>(
      work: (txn: WriteTxn) => T | Promise<T>,
      options?: StoreWriteOptions,
    ): Promise<Committed<T>> =>
      store.write((txn) => work(new ExpiringWriteTxn(txn, lifetimes, now())), options),
  });
}

/** Whether a record of a table whose records live `lifetime` ms, written at `version`, is gone at `at`. */
export function isExpired(version: number, lifetime: number, at: number): boolean {
  return version + lifetime <= at;
}

class ExpiringTxn<T extends ReadTxn> implements ReadTxn {
  readonly estimateIndex?: ReadTxn['estimateIndex'];
  readonly estimateCount?: ReadTxn['estimateCount'];
  readonly indexReady?: ReadTxn['indexReady'];

  constructor(
    protected readonly inner: T,
    private readonly lifetimes: Lifetimes,
    /** The moment this transaction reads at. */
    private readonly at: number,
  ) {
    // Estimates only compare selectivities in the planner: expired records may count there.
    Object.assign(this, plannerHints(inner));
  }

  async get(table: string, key: Key): Promise<RecordEntry | undefined> {
    const entry = await this.inner.get(table, key);
    return entry === undefined || this.expired(table, entry) ? undefined : entry;
  }

  async getMany(table: string, keys: readonly Key[]): Promise<(RecordEntry | undefined)[]> {
    const entries = await this.inner.getMany(table, keys);
    if (!this.lifetimes.has(table)) return entries;
    return entries.map((entry) =>
      entry === undefined || this.expired(table, entry) ? undefined : entry,
    );
  }

  async *scan(table: string, range?: KeyRange, options?: ScanOptions): Batches<RecordEntry> {
    if (!this.lifetimes.has(table)) {
      yield* this.inner.scan(table, range, options);
      return;
    }
    for await (const batch of this.inner.scan(table, range, options)) {
      const live = batch.filter((entry) => !this.expired(table, entry));
      if (live.length > 0) yield live;
    }
  }

  async *scanIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    options?: ScanOptions,
  ): Batches<IndexEntry> {
    if (!this.lifetimes.has(table)) {
      yield* this.inner.scanIndex(table, attribute, range, options);
      return;
    }
    // An index entry carries no version: its record says whether it is still there.
    for await (const batch of this.inner.scanIndex(table, attribute, range, options)) {
      const live = await entriesKept(
        this.inner,
        table,
        batch,
        (record) => !this.expired(table, record),
      );
      if (live.length > 0) yield live;
    }
  }

  async countIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    limit?: number,
  ): Promise<number> {
    // A limited count compares selectivities in the planner; it answers nothing to the client.
    if (limit !== undefined || !this.lifetimes.has(table))
      return this.inner.countIndex(table, attribute, range, limit);
    return countOf(this.scanIndex(table, attribute, range));
  }

  async count(table: string): Promise<number> {
    if (!this.lifetimes.has(table)) return this.inner.count(table);
    return countOf(this.scan(table));
  }

  private expired(table: string, entry: RecordEntry): boolean {
    const lifetime = this.lifetimes.get(table);
    return lifetime !== undefined && isExpired(entry.version, lifetime, this.at);
  }
}

class ExpiringWriteTxn extends ExpiringTxn<WriteTxn> implements WriteTxn {
  put(table: string, key: Key, value: StoredValue): void {
    this.inner.put(table, key, value);
  }

  /** An expired record is gone already: deleting it says it did not exist (and removes it). */
  async delete(table: string, key: Key): Promise<boolean> {
    const existed = (await this.get(table, key)) !== undefined;
    const removed = await this.inner.delete(table, key);
    return existed && removed;
  }

  nextKey(table: string): Promise<number> {
    return this.inner.nextKey(table);
  }
}

export interface SweeperOptions {
  /** How often each table is looked through, in milliseconds, by table name. */
  readonly intervals: ReadonlyMap<string, number>;
  /** Records deleted per commit. */
  readonly batchSize?: number;
  /** Told of each sweep that removed records, and of a sweep that failed. */
  readonly log: {
    info(message: string, fields: Record<string, unknown>): void;
    error(message: string, fields: Record<string, unknown>): void;
  };
}

/**
 * Removes expired records in the background: every table's interval (a quarter of its lifetime
 * unless `@table(scanInterval:)` says), it reads the table and deletes each record found expired
 * through ordinary commits, checking again inside the commit, so a record written meanwhile stays
 * and two processes sweeping the same data delete each record once.
 */
export class ExpirySweeper {
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #running = new Set<Promise<unknown>>();
  #closed = false;

  constructor(
    /** The store itself, not its expiring view: the sweeper must see expired records. */
    private readonly store: Store,
    private readonly lifetimes: Lifetimes,
    private readonly now: () => number,
    private readonly options: SweeperOptions,
  ) {}

  /** Starts sweeping each table at its interval. */
  start(): void {
    for (const table of this.lifetimes.keys()) {
      const interval = this.options.intervals.get(table);
      if (interval === undefined) continue;
      const timer = setInterval(() => {
        const sweep = this.sweepTable(table).catch((error: unknown) => {
          this.options.log.error(`removing expired ${table} records failed`, {
            table,
            err: error,
          });
        });
        this.#running.add(sweep);
        void sweep.finally(() => this.#running.delete(sweep));
      }, interval);
      timer.unref();
      this.#timers.push(timer);
    }
  }

  /** Sweeps every expiring table once now; resolves with how many records each lost. */
  async sweep(): Promise<Map<string, number>> {
    const removed = new Map<string, number>();
    for (const table of this.lifetimes.keys()) removed.set(table, await this.sweepTable(table));
    return removed;
  }

  /** Stops the timers and waits for a sweep under way. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    await Promise.allSettled([...this.#running]);
  }

  private async sweepTable(table: string): Promise<number> {
    const lifetime = this.lifetimes.get(table);
    if (lifetime === undefined) return 0;
    const at = this.now();
    const batchSize = this.options.batchSize ?? 100;
    let removed = 0;
    let due: Key[] = [];
    for await (const batch of this.store.read().scan(table)) {
      for (const entry of batch) {
        if (isExpired(entry.version, lifetime, at)) due.push(entry.key);
      }
      if (due.length >= batchSize) {
        removed += await this.remove(table, due, lifetime);
        due = [];
      }
      if (this.#closed) return removed;
    }
    if (due.length > 0) removed += await this.remove(table, due, lifetime);
    if (removed > 0)
      this.options.log.info(`removed ${removed} expired ${table} records`, { table, removed });
    return removed;
  }

  /** Deletes those of `keys` that are still expired, in one commit; resolves with how many. */
  private async remove(table: string, keys: readonly Key[], lifetime: number): Promise<number> {
    const { value } = await this.store.write(async (txn) => {
      const at = this.now();
      const entries = await txn.getMany(table, keys);
      let deleted = 0;
      for (const entry of entries) {
        if (entry === undefined || !isExpired(entry.version, lifetime, at)) continue;
        if (await txn.delete(table, entry.key)) deleted++;
      }
      return deleted;
    });
    return value;
  }
}
