/**
 * The LMDB store: one LMDB environment in the data directory, one database per table (records
 * keyed by primary key, each carrying its version), one duplicate-sorted database per index
 * (index value → primary keys) and a commit log (`log`: position → the commit's changes).
 *
 * Write transactions are optimistic (`types.ts`, `WriteTxn`): a work runs outside any LMDB
 * transaction, reading the committed state with its own buffered writes laid over it, and records
 * what it read. Finished transactions are gathered into batches: a batch is one lmdb-js
 * asynchronous transaction, so it costs one durable commit (one fsync) however many transactions
 * it holds. Inside it each transaction is validated against the state as the batch left it so far
 * (every key it read or wrote still has the version it saw, every table it scanned or counted has
 * the change counter it saw) and then applied in a child transaction, or left out and run again.
 *
 * Several processes may serve one data directory: everything they share (log positions, table
 * change counters, key counters) is read and written inside LMDB write transactions, which LMDB
 * serializes across processes, and commits of other processes reach the listeners by polling the
 * log. Indexes the schema newly declares are built from the existing records, and indexes it no
 * longer declares dropped, when the store opens (`lmdbIndexBuilds.ts`, contract section 11).
 */
import { mkdirSync } from 'node:fs';
import { getLastVersion, open } from 'lmdb';
import { log } from '../log.js';
import type { SchemaMeta, TableMeta } from '../meta.js';
import {
  describeSchemaChanges,
  parseRetyped,
  parseStoredSchema,
  retypedAttributes,
  serializeSchema,
} from './evolution.js';
import { indexValuesOf, inIndexRange } from './indexValues.js';
import {
  INDEX_BUILD_BATCH,
  INDEX_DB_OPTIONS,
  IndexBuilds,
  type DeclaredIndex,
} from './lmdbIndexBuilds.js';
import type {
  Batches,
  Change,
  Commit,
  Committed,
  IndexEntry,
  IndexRange,
  IndexValue,
  Key,
  KeyRange,
  LogRetention,
  Range,
  ReadTxn,
  RecordEntry,
  ScanOptions,
  Store,
  StoredValue,
  StoreWriteOptions,
  WriteTxn,
} from './types.js';
import { overlayIndex, overlayRecords, ownIndexEntries } from './overlay.js';
import { CONFLICT, Turns } from './turns.js';
import { isPoint } from './types.js';

export interface LmdbStoreOptions {
  /** Directory of the LMDB environment; created when missing. */
  readonly path: string;
  /** Where messages about schema changes and index builds go; `console.log` by default. */
  readonly log?: (line: string) => void;
  /** Records indexed per transaction when an index is built from existing records. */
  readonly indexBuildBatch?: number;
  /** How much of the commit log is kept; `DEFAULT_LOG_RETENTION` by default. */
  readonly logRetention?: LogRetention;
  /** How often the log is pruned to its retention, in milliseconds. */
  readonly pruneIntervalMs?: number;
  /**
   * How often, in milliseconds, the store looks for commits of other processes in the log while
   * it has commit listeners.
   */
  readonly pollIntervalMs?: number;
  /**
   * Whether this store builds the indexes the schema newly declares (default true). Several
   * processes on one data directory: one builds, the others wait for its builds to finish.
   */
  readonly buildIndexes?: boolean;
  /**
   * Whether other processes (a cluster's workers) write the same environment (default false).
   * lmdb-js keeps one read snapshot for up to an event-loop turn, which under load is long enough
   * for another process to commit and acknowledge a write in the meantime: a shared store takes a
   * fresh snapshot on every `read()`, so that a read never misses a write acknowledged before it.
   */
  readonly shared?: boolean;
}

/** How often a store that does not build indexes looks whether another process finished them. */
const FOLLOW_BUILDS_INTERVAL_MS = 250;

/**
 * A day of commits, at most 100 000 of them: long enough for a client to resume a subscription
 * after a restart or a network outage, small enough that the log stays a fraction of the data
 * (each entry holds the full records it wrote).
 */
export const DEFAULT_LOG_RETENTION: LogRetention = {
  maxAgeMs: 24 * 60 * 60 * 1000,
  maxCommits: 100_000,
};
const DEFAULT_PRUNE_INTERVAL_MS = 60_000;
/** Short enough that a subscriber served by another process hears of a commit at once. */
const DEFAULT_POLL_INTERVAL_MS = 3;
/** Log entries deleted per write transaction when pruning, so that pruning never holds the writer long. */
const PRUNE_CHUNK = 1000;

type Environment = ReturnType<typeof open>;
type LmdbDatabase = ReturnType<Environment['openDB']>;
type LmdbRangeOptions = NonNullable<Parameters<LmdbDatabase['getRange']>[0]>;

/** The environment's databases, shared by the store, its reader and its write transactions. */
interface Databases {
  readonly meta: LmdbDatabase;
  table(name: string): TableStorage;
  indexReady(table: string, attribute: string): boolean;
}

interface TableStorage {
  readonly meta: TableMeta;
  readonly records: LmdbDatabase;
  /** Index databases by attribute name. */
  readonly indexes: ReadonlyMap<string, LmdbDatabase>;
}

/** Several transactions may start within one millisecond; each still gets its own version. */
const VERSION_STEP = 1 / 1024;
const META_DB = 'meta';
const LOG_DB = 'log';
/**
 * Record values may hold integers beyond 64 bits (BigInt attributes). lmdb-js takes msgpackr
 * options per database as `encoder`, which its typings declare only on the root environment.
 */
const RECORD_DB_OPTIONS = { useVersions: true, encoder: { useBigIntExtension: true } };
/**
 * The log holds full records too. Positions are keyed as 32-bit integers: compact and in order
 * (four billion commits is far beyond any retention).
 */
const LOG_DB_OPTIONS = { keyEncoding: 'uint32', encoder: { useBigIntExtension: true } } as const;
/**
 * A version no earlier version reached, persisted so that versions keep increasing across a
 * restart even if the clock went back. Written ahead, about once a second, not on every commit.
 */
const VERSION_FLOOR = 'versionFloor';
const VERSION_FLOOR_LEAD_MS = 1000;
/** The version of the last commit pruned from the log: resuming from before it is not possible. */
const PRUNED_THROUGH = 'logPrunedThrough';
/** The schema the data directory was last served with (`evolution.ts`). */
const STORED_SCHEMA = 'schema';
/** The attributes whose type changed while records were stored (`retypedAttributes`). */
const RETYPED = 'retyped';
/** Database handles beyond the declared ones: the meta and log databases, and indexes to drop. */
const SPARE_DBS = 64;
/** lmdb-js `transactionSync` flag: inside a write transaction, run as an abortable child. */
const ABORTABLE = 1;
/**
 * Numeric keys reserved at once per table by `nextKey`: one small durable transaction per block
 * instead of one per generated key. Keys of a block the process never hands out (it crashed) are
 * skipped, never reused; a clean close gives them back when no other process reserved after it.
 */
const KEY_BLOCK = 64;
/** The version recorded for a key read as absent. */
const ABSENT = -1;

/** Meta key of a table's change counter, bumped by every commit that writes the table. */
function changeCounterKey(table: string): (string | number)[] {
  return ['tableChanges', table];
}

function keyCounterKey(table: string): (string | number)[] {
  return ['nextKey', table];
}

/** What the log holds per position. */
interface LogEntry {
  readonly version: number;
  readonly changes: readonly Change[];
}

/**
 * A range a write transaction read by walking an index or the primary keys. Instead of making
 * the transaction conflict with every later write to the table, its commit checks the commits
 * logged since the read began: only one that changed a record the read handed out, or wrote a
 * record into the range, conflicts (a phantom). So a `DELETE /Post/?views=7` still commits
 * while other clients write other posts.
 */
interface RangeRead {
  readonly table: string;
  /** The index walked; undefined for a range of primary keys. */
  readonly attribute: string | undefined;
  readonly range: IndexRange | undefined;
  /** The log position the read's snapshot had reached: every later commit is checked. */
  readonly after: number;
  /** Keys of the entries the read handed out. */
  readonly keys: Set<Key>;
}

/** Whether no commit in `log` after each read's position changed what that read covered. */
function rangeReadsHold(log: LmdbDatabase, reads: readonly RangeRead[]): boolean {
  if (reads.length === 0) return true;
  const first = Math.min(...reads.map((read) => read.after)) + 1;
  let expected = first;
  for (const { key, value } of log.getRange({ start: first })) {
    // A commit pruned since the read began cannot be checked: assume the worst.
    if (key !== expected) return false;
    for (const change of (value as LogEntry).changes) {
      for (const read of reads) if (expected > read.after && touches(read, change)) return false;
    }
    expected += 1;
  }
  return true;
}

function touches(read: RangeRead, change: Change): boolean {
  if (change.table !== read.table) return false;
  if (read.keys.has(change.key)) return true;
  if (read.attribute === undefined) return inIndexRange(change.key, read.range);
  if (change.type !== 'put' || change.value === undefined) return false;
  return indexValuesOf(change.value[read.attribute]).some((value) =>
    inIndexRange(value, read.range),
  );
}

/** The batches of a range read, each entry's key noted in `read` as it is handed out. */
async function* noting<T extends { readonly key: Key }>(
  read: RangeRead,
  batches: Batches<T>,
): Batches<T> {
  for await (const batch of batches) {
    for (const entry of batch) read.keys.add(entry.key);
    yield batch;
  }
}

export function openLmdbStore(schema: SchemaMeta, options: LmdbStoreOptions): Store {
  return new LmdbStore(schema, options);
}

/** A transaction's commit, undefined when it changed nothing, or CONFLICT when it was left out. */
type TxnOutcome = Commit | undefined | typeof CONFLICT;

type Queued =
  | {
      readonly kind: 'txn';
      readonly txn: LmdbWriteTxn;
      readonly resolve: (outcome: TxnOutcome) => void;
      readonly reject: (error: unknown) => void;
    }
  | {
      /** Work that runs inside the batch's LMDB transaction itself (index builds, pruning). */
      readonly kind: 'exclusive';
      readonly work: () => void;
      readonly resolve: () => void;
      readonly reject: (error: unknown) => void;
    };

interface Result {
  readonly item: Queued;
  readonly error?: unknown;
  /** For a transaction: its commit, undefined when it changed nothing, or CONFLICT. */
  readonly outcome?: TxnOutcome;
  /** The commit's place in the log. */
  readonly position?: number;
}

/**
 * What one batch reads once inside its LMDB transaction and then keeps up to date itself: the
 * last log position and the tables' change counters. Read inside the transaction, so that
 * processes sharing the data directory count on from each other's values.
 */
class BatchState {
  private position: number | undefined;
  private version: number | undefined;
  private readonly counters = new Map<string, number>();
  private readonly bumped = new Set<string>();

  constructor(
    private readonly meta: LmdbDatabase,
    private readonly log: LmdbDatabase,
  ) {}

  nextPosition(): number {
    this.position ??= lastPositionIn(this.log);
    return this.position + 1;
  }

  /**
   * The version of the next commit: the clock, unless that is not past the last commit's version
   * (in the log, whichever process wrote it) or `floor`; then just past it.
   */
  nextVersion(floor: number): number {
    if (this.version === undefined) {
      const last = this.log.get(lastPositionIn(this.log)) as LogEntry | undefined;
      this.version = last?.version ?? 0;
    }
    const previous = Math.max(this.version, floor);
    const now = Date.now();
    return now > previous ? now : previous + VERSION_STEP;
  }

  /** The position `nextPosition` named has been written, with `version`. */
  advance(version: number): void {
    this.position = this.nextPosition();
    this.version = version;
  }

  counter(table: string): number {
    let counter = this.counters.get(table);
    if (counter === undefined) {
      counter = counterIn(this.meta, table);
      this.counters.set(table, counter);
    }
    return counter;
  }

  bump(table: string): void {
    this.counters.set(table, this.counter(table) + 1);
    this.bumped.add(table);
  }

  /** Writes the counters the batch changed (once per table per batch). */
  persist(): void {
    for (const table of this.bumped)
      this.meta.putSync(changeCounterKey(table), this.counters.get(table));
  }
}

class LmdbStore implements Store, Databases {
  private readonly env: Environment;
  readonly meta: LmdbDatabase;
  private readonly log: LmdbDatabase;
  private readonly tables = new Map<string, TableStorage>();
  private readonly reader: LmdbReader;
  private readonly listeners = new Set<(commit: Commit) => void>();
  /** Work waiting for the next batch. */
  private queue: Queued[] = [];
  /** A batch transaction is queued in lmdb-js and has not started running its work yet. */
  private batchStarted = false;
  /** The highest version this process has given or seen committed. */
  private highestVersion: number;
  private versionFloor: number;
  private closed = false;
  private readonly indexBuilds: IndexBuilds;
  /** The last log position handed to the listeners (or passed while there were none). */
  private lastDelivered = 0;
  /** This process's commits by position, until delivered: no need to read them back from the log. */
  private readonly ownCommits = new Map<number, Commit>();
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly pruneTimer: NodeJS.Timeout;
  private pruning = false;
  private readonly retention: LogRetention;
  private readonly pollIntervalMs: number;
  /** Numeric keys reserved by this process and not handed out yet, by table. */
  private readonly keyBlocks = new Map<string, { next: number; end: number }>();
  private readonly turns = new Turns();
  private readonly shared: boolean;
  /** See `retypedAttributes`. */
  private retyped: readonly string[] = [];

  constructor(schema: SchemaMeta, options: LmdbStoreOptions) {
    const { path } = options;
    const log = options.log ?? ((line: string) => console.log(line));
    mkdirSync(path, { recursive: true });
    const indexCount = schema.tables.reduce((n, table) => n + indexedAttributes(table).length, 0);
    this.env = open({
      path,
      // DATA_DIR is always a directory, even when its name has a dot (lmdb-js would take it for a file).
      noSubdir: false,
      maxDbs: schema.tables.length + indexCount + SPARE_DBS,
      // Without overlapping sync the commit promise resolves only once the data is on disk.
      overlappingSync: false,
    });
    this.meta = this.env.openDB(META_DB, {});
    this.log = this.env.openDB(LOG_DB, LOG_DB_OPTIONS);
    for (const table of schema.tables) {
      const indexes = new Map<string, LmdbDatabase>();
      for (const attribute of indexedAttributes(table)) {
        indexes.set(attribute, this.env.openDB(indexDbName(table, attribute), INDEX_DB_OPTIONS));
      }
      const records = this.env.openDB(tableDbName(table), RECORD_DB_OPTIONS);
      this.tables.set(table.name, { meta: table, records, indexes });
    }
    const floor: unknown = this.meta.get(VERSION_FLOOR);
    this.versionFloor = typeof floor === 'number' ? floor : 0;
    this.highestVersion = this.versionFloor;
    this.retention = options.logRetention ?? DEFAULT_LOG_RETENTION;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.shared = options.shared ?? false;
    this.reader = new LmdbReader(this);
    this.evolve(schema, log);
    this.indexBuilds = new IndexBuilds(this.env, this.meta, declaredIndexes(this.tables), {
      log,
      batch: options.indexBuildBatch ?? INDEX_BUILD_BATCH,
    });
    this.indexBuilds.prepare();
    if (options.buildIndexes ?? true) this.indexBuilds.start((work) => this.exclusive(work));
    else this.indexBuilds.follow(FOLLOW_BUILDS_INTERVAL_MS);
    this.pruneTimer = setInterval(() => {
      void this.prune();
    }, options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  read(): ReadTxn {
    if (this.shared) this.meta.resetReadTxn();
    return this.reader;
  }

  async write<T>(
    work: (txn: WriteTxn) => T | Promise<T>,
    options?: StoreWriteOptions,
  ): Promise<Committed<T>> {
    return this.turns.run(async (): Promise<Committed<T> | typeof CONFLICT> => {
      if (this.closed) throw new Error('The store is closed');
      // Each run reads from a fresh snapshot: a run after a conflict must see what caused it, and
      // any run must see every write another process acknowledged before it began.
      this.meta.resetReadTxn();
      const txn = new LmdbWriteTxn(this, this.provisionalVersion());
      let value: T;
      try {
        value = await work(txn);
      } catch (error) {
        txn.finish();
        // A work that read a state since changed may have failed because of it: run it again.
        if (txn.stale()) return CONFLICT;
        throw error;
      }
      txn.finish();
      // A work that wrote nothing needs no batch, but its reads must still have been consistent.
      const outcome: TxnOutcome = txn.wroteNothing()
        ? txn.stale()
          ? CONFLICT
          : undefined
        : await this.enqueue(txn);
      if (outcome === CONFLICT) return CONFLICT;
      return { value, version: outcome?.version, changes: outcome?.changes ?? [] };
    }, options?.retries);
  }

  private enqueue(txn: LmdbWriteTxn): Promise<TxnOutcome> {
    if (this.closed) return Promise.reject(new Error('The store is closed'));
    return new Promise<TxnOutcome>((resolve, reject) => {
      const item: Queued = { kind: 'txn', txn, resolve, reject };
      // A run in its turn (after a conflict) goes first: others that read the same records yield.
      if (this.turns.inTurn()) this.queue.unshift(item);
      else this.queue.push(item);
      if (!this.batchStarted) this.startBatch();
    });
  }

  /** Runs `work` inside the next batch's LMDB transaction, rolled back alone if it throws. */
  private exclusive(work: () => void): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The store is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'exclusive', work, resolve, reject });
      if (!this.batchStarted) this.startBatch();
    });
  }

  private startBatch(): void {
    this.batchStarted = true;
    let results: Result[] | undefined;
    this.env
      .transaction(() => {
        this.batchStarted = false;
        const batch = this.queue;
        this.queue = [];
        results = this.runBatch(batch);
      })
      .then(
        () => this.settle(results ?? [], undefined),
        (error: unknown) => {
          if (results === undefined) {
            // The batch never ran: fail the work still waiting for it.
            this.batchStarted = false;
            const waiting = this.queue;
            this.queue = [];
            for (const item of waiting) item.reject(error);
          }
          this.settle(results ?? [], error);
        },
      );
  }

  /** Inside the batch's LMDB transaction: validates and applies each queued item, in order. */
  private runBatch(batch: readonly Queued[]): Result[] {
    const state = new BatchState(this.meta, this.log);
    const results: Result[] = [];
    for (const item of batch) {
      if (item.kind === 'exclusive') {
        try {
          this.env.transactionSync(item.work, ABORTABLE);
          results.push({ item });
        } catch (error) {
          results.push({ item, error });
        }
        continue;
      }
      const { txn } = item;
      if (!this.validate(txn, state)) {
        results.push({ item, outcome: CONFLICT });
        continue;
      }
      try {
        const position = state.nextPosition();
        txn.version = state.nextVersion(this.highestVersion);
        const changes = this.env.transactionSync(() => {
          const applied = this.apply(txn);
          if (applied.length > 0)
            this.log.putSync(position, { version: txn.version, changes: applied });
          return applied;
        }, ABORTABLE);
        if (changes.length === 0) {
          results.push({ item, outcome: undefined });
          continue;
        }
        state.advance(txn.version);
        this.highestVersion = Math.max(this.highestVersion, txn.version);
        for (const table of txn.writtenTables()) state.bump(table);
        const commit: Commit = { version: txn.version, changes };
        this.ownCommits.set(position, commit);
        results.push({ item, outcome: commit, position });
      } catch (error) {
        results.push({ item, error });
      }
    }
    state.persist();
    if (this.highestVersion >= this.versionFloor) {
      // Another process may have written a higher floor: never lower it.
      const stored: unknown = this.meta.get(VERSION_FLOOR);
      this.versionFloor = Math.max(
        Math.floor(this.highestVersion) + VERSION_FLOOR_LEAD_MS,
        typeof stored === 'number' ? stored : 0,
      );
      this.meta.putSync(VERSION_FLOOR, this.versionFloor);
    }
    return results;
  }

  /**
   * Whether `txn` may commit on the state the batch has reached: every key it read or wrote has
   * the version it saw (or is still absent), and every table it scanned or counted has not
   * changed since.
   */
  private validate(txn: LmdbWriteTxn, state: BatchState): boolean {
    for (const [table, keys] of txn.seen) {
      const { records } = this.table(table);
      for (const [key, seen] of keys) if (versionIn(records, key) !== seen) return false;
    }
    for (const [table, counter] of txn.scanned) {
      if (state.counter(table) !== counter) return false;
    }
    return rangeReadsHold(this.log, txn.rangeReads);
  }

  /** The position of the last commit in the log, as the current snapshot has it. */
  logPosition(): number {
    return lastPositionIn(this.log);
  }

  /** See `rangeReadsHold`; on the latest committed state. */
  rangeReadsHold(reads: readonly RangeRead[]): boolean {
    return rangeReadsHold(this.log, reads);
  }

  /** Writes the transaction's buffered changes and their index entries; returns the changes. */
  private apply(txn: LmdbWriteTxn): Change[] {
    const changes: Change[] = [];
    const { version } = txn;
    for (const [table, writes] of txn.writes) {
      const storage = this.table(table);
      const seen = txn.seen.get(table);
      for (const [key, value] of writes) {
        const existed = (seen?.get(key) ?? ABSENT) !== ABSENT;
        // Validation proved the record is the one the transaction saw.
        const previous =
          existed && storage.indexes.size > 0
            ? (storage.records.get(key) as StoredValue | undefined)
            : undefined;
        if (value === null) {
          if (!existed) continue;
          if (previous !== undefined) {
            for (const [attribute, index] of storage.indexes) {
              for (const indexed of indexValuesOf(previous[attribute]))
                index.removeSync(asLmdbKey(indexed), key);
            }
          }
          storage.records.removeSync(key);
          changes.push({ table, key, type: 'delete', version });
        } else {
          for (const [attribute, index] of storage.indexes) {
            updateIndex(
              index,
              key,
              previous?.[attribute],
              value[attribute],
              previous !== undefined,
            );
          }
          storage.records.putSync(key, value, version);
          changes.push({ table, key, type: 'put', value, version });
        }
      }
    }
    return changes;
  }

  /** After a batch's durable commit: listeners hear of each commit, in order, then it resolves. */
  private settle(results: readonly Result[], commitError: unknown): void {
    for (const { item, error, outcome, position } of results) {
      if (commitError !== undefined || error !== undefined) {
        if (position !== undefined) this.ownCommits.delete(position);
        item.reject(commitError ?? error);
      } else if (item.kind === 'exclusive') {
        item.resolve();
      } else {
        if (position !== undefined) this.deliverThrough(position);
        item.resolve(outcome);
      }
    }
  }

  /** Hands the commits after the last delivered one up to `position` to the listeners. */
  private deliverThrough(position: number): void {
    if (position <= this.lastDelivered) return;
    if (this.listeners.size === 0) {
      this.lastDelivered = position;
    } else {
      for (let next = this.lastDelivered + 1; next <= position; next++) {
        const commit = this.ownCommits.get(next) ?? this.readCommit(next);
        // A listener may unsubscribe (or the store close) while hearing of a commit.
        this.lastDelivered = next;
        // Undefined: pruned before this process read it (a listener that lagged a whole retention).
        if (commit !== undefined) this.publish(commit);
      }
    }
    for (const own of this.ownCommits.keys())
      if (own <= this.lastDelivered) this.ownCommits.delete(own);
  }

  private readCommit(position: number): Commit | undefined {
    const entry = this.log.get(position) as LogEntry | undefined;
    return entry === undefined ? undefined : { version: entry.version, changes: entry.changes };
  }

  private publish(commit: Commit): void {
    for (const listener of this.listeners) {
      try {
        listener(commit);
      } catch (error) {
        // One failing listener must not keep the others (or the writer) from their commits.
        log.error('commit listener failed', { err: error });
      }
    }
  }

  onCommit(listener: (commit: Commit) => void): () => void {
    if (this.listeners.size === 0) {
      // Commits of other processes made while nobody listened are not news to a new listener.
      this.lastDelivered = Math.max(this.lastDelivered, lastPositionIn(this.log));
      if (!this.closed) {
        this.pollTimer = setInterval(() => this.poll(), this.pollIntervalMs);
        this.pollTimer.unref();
      }
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopPolling();
    };
  }

  private poll(): void {
    if (this.closed || this.listeners.size === 0) return;
    this.deliverThrough(lastPositionIn(this.log));
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  refresh(): Promise<void> {
    // lmdb-js keeps one read snapshot for the rest of the event-loop turn: take a fresh one.
    this.log.resetReadTxn();
    this.poll();
    return Promise.resolve();
  }

  lastVersion(): Promise<number> {
    const last = this.log.get(lastPositionIn(this.log)) as LogEntry | undefined;
    return Promise.resolve(last?.version ?? 0);
  }

  changesSince(version: number, limit: number): Promise<Commit[] | undefined> {
    return Promise.resolve(this.changesAfter(version, limit));
  }

  private changesAfter(version: number, limit: number): Commit[] | undefined {
    const last = lastPositionIn(this.log);
    const lastEntry = this.log.get(last) as LogEntry | undefined;
    // A version past the last commit is not one of this data's.
    if (version > (lastEntry?.version ?? 0)) return undefined;
    const pruned: unknown = this.meta.get(PRUNED_THROUGH);
    if (typeof pruned === 'number' && pruned > version) return undefined;
    // Versions increase with positions: find the first position past `version` by halving.
    const oldest = firstKey(this.log.getKeys({ limit: 1 }));
    let low = typeof oldest === 'number' ? oldest : last + 1;
    let high = last + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const entry = this.log.get(middle) as LogEntry | undefined;
      if (entry === undefined || entry.version > version) high = middle;
      else low = middle + 1;
    }
    const commits: Commit[] = [];
    if (limit <= 0) return commits;
    for (const { value } of this.log.getRange({ start: low, limit })) {
      const entry = value as LogEntry;
      commits.push({ version: entry.version, changes: entry.changes });
    }
    return commits;
  }

  /**
   * Deletes the commits the retention no longer keeps, oldest first, a chunk per write
   * transaction; the last commit always stays (it carries the position the next one counts on from).
   */
  private async prune(): Promise<void> {
    if (this.pruning || this.closed) return;
    this.pruning = true;
    try {
      let more = true;
      // `more` and `closed` change inside the callback, which the type checker does not follow.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      while (more && !this.closed) {
        await this.exclusive(() => {
          const last = lastPositionIn(this.log);
          const cutoff = Date.now() - this.retention.maxAgeMs;
          const doomed: number[] = [];
          for (const { key, value } of this.log.getRange({ limit: PRUNE_CHUNK })) {
            const position = key as number;
            if (position >= last) break;
            const kept = last - position < this.retention.maxCommits;
            if (kept && (value as LogEntry).version >= cutoff) break;
            doomed.push(position);
          }
          if (doomed.length > 0) {
            const through = this.log.get(doomed.at(-1)!) as LogEntry;
            this.meta.putSync(PRUNED_THROUGH, through.version);
          }
          for (const position of doomed) this.log.removeSync(position);
          more = doomed.length === PRUNE_CHUNK;
        });
      }
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- it may close meanwhile
      if (!this.closed) log.error('pruning the commit log failed', { err: error });
    } finally {
      this.pruning = false;
    }
  }

  /** Prunes the log to its retention now (the store also does so by itself, on a timer). */
  pruneLog(): Promise<void> {
    return this.prune();
  }

  /** LMDB's own copy (`mdb_env_copy2` with compaction): one read transaction's snapshot. */
  backup(directory: string): Promise<void> {
    return this.env.backup(directory, true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopPolling();
    clearInterval(this.pruneTimer);
    this.indexBuilds.stop();
    this.releaseKeys();
    await this.env.close();
  }

  indexReady(table: string, attribute: string): boolean {
    return this.indexBuilds.ready(table, attribute);
  }

  indexesBuilt(): Promise<void> {
    return this.indexBuilds.whenBuilt();
  }

  table(name: string): TableStorage {
    const storage = this.tables.get(name);
    if (!storage) throw new Error(`Unknown table ${name}`);
    return storage;
  }

  /** The change counter of a table in the committed state. */
  changeCounter(table: string): number {
    return counterIn(this.meta, table);
  }

  /**
   * The next key of a numeric-key table, from a block reserved in its own durable transaction
   * (so a key handed out is never handed out again, even if the work that asked is retried or
   * the process dies). Keys a client chose itself (PUT /T/100) are never handed out either.
   */
  nextKey(table: string): number {
    const { records } = this.table(table);
    const highest = highestNumericKey(records);
    let block = this.keyBlocks.get(table);
    if (block === undefined || block.next >= block.end || block.next <= highest) {
      const previous = block;
      block = this.env.transactionSync(() => {
        const counter: unknown = this.meta.get(keyCounterKey(table));
        // The rest of this process's own block is still its own unless another process reserved since.
        const floor =
          previous !== undefined && counter === previous.end
            ? previous.next
            : typeof counter === 'number'
              ? counter
              : 1;
        const next = Math.max(floor, Math.floor(highestNumericKey(records)) + 1);
        const end = next + KEY_BLOCK;
        // Past 2^53 the counter cannot count; the table refuses such a key (it checks its type's range).
        if (Number.isSafeInteger(end)) this.meta.putSync(keyCounterKey(table), end);
        return { next, end };
      });
      this.keyBlocks.set(table, block);
    }
    return block.next++;
  }

  /** Gives back the unused rest of each reserved key block, unless another process reserved since. */
  private releaseKeys(): void {
    const unused = [...this.keyBlocks].filter(([, block]) => block.next < block.end);
    this.keyBlocks.clear();
    if (unused.length === 0) return;
    this.env.transactionSync(() => {
      for (const [table, block] of unused) {
        if (this.meta.get(keyCounterKey(table)) === block.end)
          this.meta.putSync(keyCounterKey(table), block.next);
      }
    });
  }

  /** A version for a transaction's own records until its commit gives them theirs. */
  private provisionalVersion(): number {
    const now = Date.now();
    return now > this.highestVersion ? now : this.highestVersion + VERSION_STEP;
  }

  /** Reports how the schema changed since the data directory was last served, and records it. */
  private evolve(schema: SchemaMeta, log: (line: string) => void): void {
    const stored: unknown = this.meta.get(STORED_SCHEMA);
    const current = serializeSchema(schema);
    const known = parseRetyped(this.meta.get(RETYPED));
    if (stored === current) {
      this.retyped = known;
      return;
    }
    const previous = parseStoredSchema(stored);
    if (previous !== undefined) {
      for (const change of describeSchemaChanges(previous, schema)) log(`schema: ${change}`);
    }
    this.retyped = retypedAttributes(previous, schema, known);
    this.env.transactionSync(() => {
      this.meta.putSync(STORED_SCHEMA, current);
      this.meta.putSync(RETYPED, JSON.stringify(this.retyped));
    });
  }

  retypedAttributes(): readonly string[] {
    return this.retyped;
  }

  settleRetyped(names: readonly string[]): Promise<void> {
    this.env.transactionSync(() => {
      const left = parseRetyped(this.meta.get(RETYPED)).filter((name) => !names.includes(name));
      this.meta.putSync(RETYPED, JSON.stringify(left));
      this.retyped = left;
    });
    return Promise.resolve();
  }
}

/** The version of the record under `key`, or ABSENT; reads the version only, not the value. */
function versionIn(records: LmdbDatabase, key: Key): number {
  return records.getBinaryFast(key) === undefined ? ABSENT : getLastVersion();
}

function counterIn(meta: LmdbDatabase, table: string): number {
  const counter: unknown = meta.get(changeCounterKey(table));
  return typeof counter === 'number' ? counter : 0;
}

function lastPositionIn(log: LmdbDatabase): number {
  const last = firstKey(log.getKeys({ reverse: true, limit: 1 }));
  return typeof last === 'number' ? last : 0;
}

/** The highest numeric key (numbers sort before strings: the last key below the empty string). */
function highestNumericKey(records: LmdbDatabase): number {
  const key = firstKey(
    records.getKeys({ start: '', exclusiveStart: true, reverse: true, limit: 1 }),
  );
  return typeof key === 'number' ? key : 0;
}

/** Record and index entries a scan reads at once, between which it holds no read transaction. */
const SCAN_BATCH = 256;

function firstBatchSize(options: ScanOptions | undefined): number {
  const expected = options?.expected;
  return expected === undefined
    ? SCAN_BATCH
    : Math.min(Math.max(Math.ceil(expected), 1), SCAN_BATCH);
}

/**
 * Each batch after the first is twice the last, up to `SCAN_BATCH`: a consumer that filters what
 * it reads (a limit over a partly matching index) asks for a little more, not for a full batch
 * it may never use.
 */
function nextBatchSize(limit: number): number {
  return Math.min(limit * 2, SCAN_BATCH);
}

/**
 * Reads of the committed state. Scans read a bounded batch at a time, each with a cursor that is
 * done before the batch is handed out, and resume after the batch's last entry: they hold no read
 * transaction while their consumer is suspended (a streamed answer waiting for a client that does
 * not read). Each LMDB read transaction takes one of a fixed number of reader slots, and a few
 * hundred stalled clients would take them all. A long scan may therefore see writes committed
 * while it runs.
 */
class LmdbReader implements ReadTxn {
  constructor(protected readonly dbs: Databases) {}

  get(table: string, key: Key): Promise<RecordEntry | undefined> {
    return Promise.resolve(this.getNow(table, key));
  }

  getMany(table: string, keys: readonly Key[]): Promise<(RecordEntry | undefined)[]> {
    return Promise.resolve(keys.map((key) => this.getNow(table, key)));
  }

  protected getNow(table: string, key: Key): RecordEntry | undefined {
    const entry = this.dbs.table(table).records.getEntry(key);
    if (entry === undefined) return undefined;
    return { key, value: entry.value as StoredValue, version: entry.version ?? 0 };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- LMDB reads are synchronous: the batches are ready at once
  async *scan(table: string, range?: KeyRange, options?: ScanOptions): Batches<RecordEntry> {
    const { records } = this.dbs.table(table);
    const bounds = rangeOptions(range, false);
    let limit = firstBatchSize(options);
    let resume: LmdbRangeOptions = bounds;
    for (;;) {
      const batch: RecordEntry[] = [];
      for (const { key, value, version } of records.getRange({
        ...resume,
        versions: true,
        limit,
      })) {
        batch.push({ key: key as Key, value: value as StoredValue, version: version ?? 0 });
      }
      if (batch.length === 0) return;
      yield batch;
      if (batch.length < limit) return;
      resume = { ...bounds, start: batch[batch.length - 1]!.key, exclusiveStart: true };
      limit = nextBatchSize(limit);
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- LMDB reads are synchronous: the batches are ready at once
  async *scanIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    options?: ScanOptions,
  ): Batches<IndexEntry> {
    const index = this.index(table, attribute);
    const bounds = rangeOptions(range, true);
    let limit = firstBatchSize(options);
    let last: IndexEntry | undefined;
    for (;;) {
      const batch: IndexEntry[] = [];
      if (last === undefined) {
        readIndexRange(index, { ...bounds, limit }, batch);
      } else {
        // The rest of the last value's keys, then the values after it.
        const value = asLmdbKey(last.value);
        for (const key of index.getValues(value, {
          start: last.key,
          exclusiveStart: true,
          reverse: bounds.reverse === true,
          limit,
        })) {
          batch.push({ value: last.value, key: key as Key });
        }
        if (batch.length < limit) {
          const rest = { ...bounds, start: value, exclusiveStart: true };
          readIndexRange(index, { ...rest, limit: limit - batch.length }, batch);
        }
      }
      if (batch.length === 0) return;
      // Every cursor of this batch is closed before its entries are handed out.
      yield batch;
      if (batch.length < limit) return;
      last = batch[batch.length - 1];
      limit = nextBatchSize(limit);
    }
  }

  countIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    limit?: number,
  ): Promise<number> {
    return Promise.resolve(this.countIndexNow(table, attribute, range, limit));
  }

  protected countIndexNow(
    table: string,
    attribute: string,
    range?: IndexRange,
    limit?: number,
  ): number {
    const index = this.index(table, attribute);
    if (isPoint(range)) {
      // Equality: LMDB knows the number of duplicates of a key without walking them.
      const count = index.getValuesCount(asLmdbKey(range.start.value));
      return limit === undefined ? count : Math.min(count, limit);
    }
    const options = rangeOptions({ ...range, reverse: false }, true);
    if (limit === undefined) return index.getCount(options);
    let count = 0;
    for (const value of index.getKeys(options)) {
      count += index.getValuesCount(value);
      if (count >= limit) return limit;
    }
    return count;
  }

  estimateIndex(table: string, attribute: string, range?: IndexRange): Promise<number> {
    return Promise.resolve(this.estimateIndexNow(table, attribute, range));
  }

  private estimateIndexNow(table: string, attribute: string, range?: IndexRange): number {
    const index = this.index(table, attribute);
    if (isPoint(range)) return index.getValuesCount(asLmdbKey(range.start.value));
    const options = rangeOptions({ ...range, reverse: false }, true);
    // A narrow range is counted exactly by walking its few distinct values.
    let count = 0;
    let values = 0;
    for (const value of index.getKeys(options)) {
      if (++values > EXACT_ESTIMATE_VALUES) {
        // A wide one: interpolated when numeric, else counted natively (fast, but linear).
        return interpolateNumericRange(index, range) ?? index.getCount(options);
      }
      count += index.getValuesCount(value);
    }
    return count;
  }

  count(table: string): Promise<number> {
    // The database's statistics hold its entry count: no walk over the records.
    return Promise.resolve(entryCount(this.dbs.table(table).records));
  }

  /** The committed count (exact here): the transaction's own writes are not worth counting for a hint. */
  estimateCount(table: string): Promise<number> {
    return Promise.resolve(entryCount(this.dbs.table(table).records));
  }

  indexReady(table: string, attribute: string): boolean {
    return this.dbs.indexReady(table, attribute);
  }

  protected index(table: string, attribute: string): LmdbDatabase {
    const index = this.dbs.table(table).indexes.get(attribute);
    if (!index) throw new Error(`Table ${table} has no index on ${attribute}`);
    return index;
  }
}

/**
 * An optimistic write transaction: reads of the committed state with its buffered writes laid
 * over them, recording what they saw for the commit's validation.
 */
class LmdbWriteTxn extends LmdbReader implements WriteTxn {
  /** Buffered writes by table: the record to put, or null to delete. */
  readonly writes = new Map<string, Map<Key, StoredValue | null>>();
  /** The version of every key read or written, as first seen (ABSENT when there was none). */
  readonly seen = new Map<string, Map<Key, number>>();
  /** The change counter of every table counted whole, as first seen. */
  readonly scanned = new Map<string, number>();
  /** Ranges of keys or of an index walked, checked at commit against the commits since. */
  readonly rangeReads: RangeRead[] = [];
  private finished = false;

  /**
   * Provisional until the commit gives the transaction its version (a record it wrote, read back
   * in it, shows this one); set by the batch that commits it.
   */
  version: number;

  constructor(
    private readonly store: LmdbStore,
    provisionalVersion: number,
  ) {
    super(store);
    this.version = provisionalVersion;
  }

  /** The work is over: later writes (a forgotten await in it) fail instead of being lost. */
  finish(): void {
    this.finished = true;
  }

  wroteNothing(): boolean {
    return this.writes.size === 0;
  }

  /** The tables whose records this transaction changes. */
  writtenTables(): string[] {
    return [...this.writes.keys()];
  }

  /** Whether something the transaction read has changed in the committed state since. */
  stale(): boolean {
    this.dbs.meta.resetReadTxn();
    for (const [table, keys] of this.seen) {
      const { records } = this.dbs.table(table);
      for (const [key, seen] of keys) if (versionIn(records, key) !== seen) return true;
    }
    for (const [table, counter] of this.scanned) {
      if (this.store.changeCounter(table) !== counter) return true;
    }
    return !this.store.rangeReadsHold(this.rangeReads);
  }

  protected override getNow(table: string, key: Key): RecordEntry | undefined {
    const buffered = this.writes.get(table)?.get(key);
    if (buffered !== undefined) {
      return buffered === null ? undefined : { key, value: buffered, version: this.version };
    }
    const entry = super.getNow(table, key);
    this.note(table, key, entry === undefined ? ABSENT : entry.version);
    return entry;
  }

  override async *scan(
    table: string,
    range?: KeyRange,
    options?: ScanOptions,
  ): Batches<RecordEntry> {
    const committed = noting(
      this.noteRange(table, undefined, range),
      super.scan(table, range, options),
    );
    const buffered = this.writes.get(table);
    yield* buffered === undefined
      ? committed
      : overlayRecords(buffered, range, this.version, committed);
  }

  override async *scanIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    options?: ScanOptions,
  ): Batches<IndexEntry> {
    const committed = noting(
      this.noteRange(table, attribute, range),
      super.scanIndex(table, attribute, range, options),
    );
    const buffered = this.writes.get(table);
    yield* buffered === undefined ? committed : overlayIndex(buffered, attribute, range, committed);
  }

  override countIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    limit?: number,
  ): Promise<number> {
    // A bounded count only compares selectivities (the planner's choice of driver, which changes
    // how an answer is read, not what it is): it is not a read the commit must check.
    if (limit === undefined) this.noteScanned(table);
    const buffered = this.writes.get(table);
    if (buffered === undefined)
      return Promise.resolve(this.countIndexNow(table, attribute, range, limit));
    // Committed entries of rewritten records no longer count; the buffered records' entries do.
    const { records } = this.dbs.table(table);
    let stale = 0;
    for (const key of buffered.keys()) {
      const previous = records.get(key) as StoredValue | undefined;
      if (previous === undefined) continue;
      for (const value of indexValuesOf(previous[attribute]))
        if (inIndexRange(value, range)) stale++;
    }
    const added = ownIndexEntries(buffered, attribute, range).length;
    const committed = this.countIndexNow(
      table,
      attribute,
      range,
      limit === undefined ? undefined : limit + stale,
    );
    const count = Math.max(0, committed - stale + added);
    return Promise.resolve(limit === undefined ? count : Math.min(count, limit));
  }

  override count(table: string): Promise<number> {
    this.noteScanned(table);
    let count = entryCount(this.dbs.table(table).records);
    const buffered = this.writes.get(table);
    const seen = this.seen.get(table);
    if (buffered !== undefined) {
      for (const [key, value] of buffered) {
        const existed = (seen?.get(key) ?? ABSENT) !== ABSENT;
        if (value !== null && !existed) count++;
        else if (value === null && existed) count--;
      }
    }
    return Promise.resolve(count);
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
    return Promise.resolve(this.store.nextKey(table));
  }

  /** The buffer of `table`, after noting the version `key` has (a write–write conflict). */
  private writable(table: string, key: Key): Map<Key, StoredValue | null> {
    if (this.finished) throw new Error('The write transaction is over: its work has returned');
    let writes = this.writes.get(table);
    if (writes === undefined) {
      writes = new Map();
      this.writes.set(table, writes);
    }
    if (!writes.has(key)) this.note(table, key, versionIn(this.dbs.table(table).records, key));
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

  private noteRange(
    table: string,
    attribute: string | undefined,
    range: IndexRange | undefined,
  ): RangeRead {
    // Before the range is read: a commit between the two is then checked too.
    const read: RangeRead = {
      table,
      attribute,
      range,
      after: this.store.logPosition(),
      keys: new Set(),
    };
    this.rangeReads.push(read);
    return read;
  }

  private noteScanned(table: string): void {
    // Before the scan reads anything: a commit between the two then shows as a changed counter.
    if (!this.scanned.has(table)) this.scanned.set(table, this.store.changeCounter(table));
  }
}

/** Replaces the index entries of `key` for one attribute, touching only entries that changed. */
function updateIndex(
  index: LmdbDatabase,
  key: Key,
  previousValue: unknown,
  nextValue: unknown,
  existed: boolean,
): void {
  const before = existed ? indexValuesOf(previousValue) : [];
  const after = indexValuesOf(nextValue);
  if (before.length === 1 && after.length === 1 && before[0] === after[0]) return;
  for (const value of before) if (!after.includes(value)) index.removeSync(asLmdbKey(value), key);
  for (const value of after) if (!before.includes(value)) index.putSync(asLmdbKey(value), key);
}

/**
 * Translates a store range into lmdb-js range options. lmdb-js walks a reverse range from `start`
 * (the high end) down to `end`. An index range that is open at the bottom must start at `null`
 * explicitly: lmdb-js's default first key skips null.
 */
function rangeOptions<T extends IndexValue | Key>(
  range: Range<T> | undefined,
  isIndex: boolean,
): LmdbRangeOptions {
  const options: LmdbRangeOptions = {};
  const low = range?.start;
  const high = range?.end;
  if (range?.reverse) {
    options.reverse = true;
    if (high) {
      options.start = high.value as Key;
      options.exclusiveStart = !high.inclusive;
    }
    if (low) {
      options.end = low.value as Key;
      options.inclusiveEnd = low.inclusive;
    } else if (isIndex) {
      options.end = asLmdbKey(null);
      options.inclusiveEnd = true;
    }
  } else {
    if (low) {
      options.start = low.value as Key;
      options.exclusiveStart = !low.inclusive;
    } else if (isIndex) {
      options.start = asLmdbKey(null);
    }
    if (high) {
      options.end = high.value as Key;
      options.inclusiveEnd = high.inclusive;
    }
  }
  return options;
}

/** Appends the entries of one bounded index range to `batch` (its cursor is done on return). */
function readIndexRange(index: LmdbDatabase, options: LmdbRangeOptions, batch: IndexEntry[]): void {
  for (const { key, value } of index.getRange(options)) {
    batch.push({ value: key as IndexValue, key: value as Key });
  }
}

/** lmdb-js orders `null` first among keys, but its typings leave `null` out of `Key`. */
/** Distinct values an estimate walks before it stops counting and estimates instead. */
const EXACT_ESTIMATE_VALUES = 8;

/**
 * The entries of a wide numeric range, estimated as its share of the span between the index's
 * smallest and largest numbers (as if spread evenly). Undefined for other bounds: strings such as
 * ISO dates are far from even in their lexical space, so they are counted instead.
 */
function interpolateNumericRange(
  index: LmdbDatabase,
  range: IndexRange | undefined,
): number | undefined {
  // Numbers sort after null and booleans and before strings, so a null or boolean lower bound and a
  // string upper bound leave the numeric span open at that end.
  const start = range?.start?.value;
  const end = range?.end?.value;
  if (
    typeof start === 'string' ||
    (end !== undefined && typeof end !== 'number' && typeof end !== 'string')
  ) {
    return undefined;
  }
  const low = typeof start === 'number' ? start : undefined;
  const high = typeof end === 'number' ? end : undefined;
  const min = firstKey(index.getKeys({ start: -Infinity, limit: 1 }));
  const max = firstKey(index.getKeys({ start: Infinity, reverse: true, limit: 1 }));
  if (typeof min !== 'number' || typeof max !== 'number') return undefined;
  const numbers =
    entryCount(index) -
    index.getValuesCount(asLmdbKey(null)) -
    index.getValuesCount(false) -
    index.getValuesCount(true);
  if (max <= min) return numbers;
  const from = Math.max(min, low ?? min);
  const to = Math.min(max, high ?? max);
  return to < from ? 0 : Math.ceil((numbers * (to - from)) / (max - min));
}

/** Entries in a database (every duplicate counted), from LMDB's statistics: constant time. */
function entryCount(db: LmdbDatabase): number {
  // lmdb-js types getStats() as `{}`; at run time it is LMDB's MDB_stat, with `entryCount`.
  return (db.getStats() as { entryCount: number }).entryCount;
}

function firstKey(keys: Iterable<unknown>): unknown {
  for (const key of keys) return key;
  return undefined;
}

function asLmdbKey(value: IndexValue): Key {
  return value as Key;
}

function indexedAttributes(table: TableMeta): string[] {
  return table.attributes
    .filter(
      (attribute) => attribute.indexed && attribute.relationship === null && !attribute.primaryKey,
    )
    .map((attribute) => attribute.name);
}

function declaredIndexes(tables: ReadonlyMap<string, TableStorage>): DeclaredIndex[] {
  const declared: DeclaredIndex[] = [];
  for (const { meta, records, indexes } of tables.values()) {
    for (const [attribute, index] of indexes) {
      declared.push({
        name: indexDbName(meta, attribute),
        label: `${meta.name}.${attribute}`,
        table: meta.name,
        attribute,
        records,
        index,
      });
    }
  }
  return declared;
}

function tableDbName(table: TableMeta): string {
  return `table:${table.database}.${table.tableName}`;
}

function indexDbName(table: TableMeta, attribute: string): string {
  return `index:${table.database}.${table.tableName}.${attribute}`;
}
