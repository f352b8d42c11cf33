/**
 * The LMDB store: one LMDB environment in the data directory, one database per table (records
 * keyed by primary key, each carrying its version) and one duplicate-sorted database per index
 * (index value → primary keys). Concurrent writes are gathered into batches: a batch is one
 * lmdb-js asynchronous transaction, so it costs one durable commit (one fsync) however many writes
 * it holds, and each write in it runs in a child transaction, so one that throws is rolled back
 * alone. Indexes the schema newly declares are built from the existing records, and indexes it
 * no longer declares dropped, when the store opens (`lmdbIndexBuilds.ts`, contract section 11).
 */
import { mkdirSync } from 'node:fs';
import { open } from 'lmdb';
import type { SchemaMeta, TableMeta } from '../meta.js';
import { describeSchemaChanges, parseStoredSchema, serializeSchema } from './evolution.js';
import { indexValuesOf } from './indexValues.js';
import {
  INDEX_BUILD_BATCH,
  INDEX_DB_OPTIONS,
  IndexBuilds,
  type DeclaredIndex,
} from './lmdbIndexBuilds.js';
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
} from './types.js';
import { isPoint } from './types.js';

export interface LmdbStoreOptions {
  /** Directory of the LMDB environment; created when missing. */
  readonly path: string;
  /** Where messages about schema changes and index builds go; `console.log` by default. */
  readonly log?: (line: string) => void;
  /** Records indexed per transaction when an index is built from existing records. */
  readonly indexBuildBatch?: number;
}

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

/** Several transactions may commit within one millisecond; each still gets its own version. */
const VERSION_STEP = 1 / 1024;
const META_DB = 'meta';
/**
 * Record values may hold integers beyond 64 bits (BigInt attributes). lmdb-js takes msgpackr
 * options per database as `encoder`, which its typings declare only on the root environment.
 */
const RECORD_DB_OPTIONS = { useVersions: true, encoder: { useBigIntExtension: true } };
/**
 * A version no earlier version reached, persisted so that versions keep increasing across a
 * restart even if the clock went back. Written ahead, about once a second, not on every commit.
 */
const VERSION_FLOOR = 'versionFloor';
const VERSION_FLOOR_LEAD_MS = 1000;
/** The schema the data directory was last served with (`evolution.ts`). */
const STORED_SCHEMA = 'schema';
/** Database handles beyond the declared ones: the meta database, and indexes to drop. */
const SPARE_DBS = 64;
/** lmdb-js `transactionSync` flag: inside a write transaction, run as an abortable child. */
const ABORTABLE = 1;

export function openLmdbStore(schema: SchemaMeta, options: LmdbStoreOptions): Store {
  return new LmdbStore(schema, options);
}

class LmdbStore implements Store, Databases {
  private readonly env: Environment;
  readonly meta: LmdbDatabase;
  private readonly tables = new Map<string, TableStorage>();
  private readonly reader: LmdbReader;
  private readonly listeners = new Set<(commit: Commit) => void>();
  /** Writes waiting for the next batch. */
  private queue: QueuedWrite[] = [];
  /** A batch transaction is queued in lmdb-js and has not started running its writes yet. */
  private batchStarted = false;
  /** A batch is running its writes (a write cannot start another). */
  private executing = false;
  private lastVersion: number;
  private versionFloor: number;
  private closed = false;
  private readonly indexBuilds: IndexBuilds;

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
    this.lastVersion = this.versionFloor;
    this.reader = new LmdbReader(this);
    this.evolve(schema, log);
    this.indexBuilds = new IndexBuilds(this.env, this.meta, declaredIndexes(this.tables), {
      log,
      batch: options.indexBuildBatch ?? INDEX_BUILD_BATCH,
    });
    this.indexBuilds.prepare();
    this.indexBuilds.start((work) => this.write(() => work()));
  }

  read(): ReadTxn {
    return this.reader;
  }

  /**
   * Queues `work` for the next batch. A batch is one lmdb-js transaction (one durable commit);
   * each write in it runs in its own child transaction, so one that throws is rolled back alone.
   */
  write<T>(work: (txn: WriteTxn) => T): Promise<T> {
    // Thrown, not rejected: the caller is a write's own work, which then fails and is rolled back.
    if (this.executing) throw new Error('Store.write cannot be called inside another write');
    if (this.closed) return Promise.reject(new Error('The store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.batchStarted) this.startBatch();
    });
  }

  private startBatch(): void {
    this.batchStarted = true;
    let outcomes: Outcome[] | undefined;
    this.env
      .transaction(() => {
        this.batchStarted = false;
        const batch = this.queue;
        this.queue = [];
        this.executing = true;
        try {
          outcomes = batch.map((write) => this.runWrite(write));
        } finally {
          this.executing = false;
        }
        if (this.lastVersion >= this.versionFloor) {
          this.versionFloor = Math.floor(this.lastVersion) + VERSION_FLOOR_LEAD_MS;
          this.meta.putSync(VERSION_FLOOR, this.versionFloor);
        }
      })
      .then(
        () => this.settle(outcomes ?? [], undefined),
        (error: unknown) => {
          if (outcomes === undefined) {
            // The batch never ran: fail the writes still waiting for it.
            this.batchStarted = false;
            const waiting = this.queue;
            this.queue = [];
            for (const write of waiting) write.reject(error);
          }
          this.settle(outcomes ?? [], error);
        },
      );
  }

  /** Runs one write in a child transaction of the batch; a throw rolls back that write alone. */
  private runWrite(write: QueuedWrite): Outcome {
    const version = this.nextVersion();
    const txn = new LmdbWriteTxn(this, version);
    try {
      const value = this.env.transactionSync(() => {
        const result = write.work(txn);
        // An open write transaction across an await would hold the single writer lock.
        if (result instanceof Promise) throw new Error('Store.write work must be synchronous');
        return result;
      }, ABORTABLE);
      return { write, ok: true, value, commit: { version, changes: txn.changes } };
    } catch (error) {
      return { write, ok: false, value: error, commit: undefined };
    }
  }

  /** After a batch's commit: listeners hear of each write's changes, in order, then it resolves. */
  private settle(outcomes: readonly Outcome[], commitError: unknown): void {
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        outcome.write.reject(outcome.value);
      } else if (commitError !== undefined) {
        outcome.write.reject(commitError);
      } else {
        if (outcome.commit !== undefined && outcome.commit.changes.length > 0)
          this.publish(outcome.commit);
        outcome.write.resolve(outcome.value);
      }
    }
  }

  private publish(commit: Commit): void {
    for (const listener of this.listeners) {
      try {
        listener(commit);
      } catch (error) {
        // One failing listener must not keep the others (or the writer) from their commits.
        console.error('commit listener failed', error);
      }
    }
  }

  onCommit(listener: (commit: Commit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.indexBuilds.stop();
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

  private nextVersion(): number {
    const now = Date.now();
    this.lastVersion = now > this.lastVersion ? now : this.lastVersion + VERSION_STEP;
    return this.lastVersion;
  }

  /** Reports how the schema changed since the data directory was last served, and records it. */
  private evolve(schema: SchemaMeta, log: (line: string) => void): void {
    const stored: unknown = this.meta.get(STORED_SCHEMA);
    const current = serializeSchema(schema);
    if (stored === current) return;
    const previous = parseStoredSchema(stored);
    if (previous !== undefined) {
      for (const change of describeSchemaChanges(previous, schema)) log(`schema: ${change}`);
    }
    this.meta.putSync(STORED_SCHEMA, current);
  }
}

interface QueuedWrite {
  readonly work: (txn: WriteTxn) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Outcome {
  readonly write: QueuedWrite;
  readonly ok: boolean;
  /** The work's result, or what it threw. */
  readonly value: unknown;
  readonly commit: Commit | undefined;
}

/**
 * Reads. lmdb-js reads through the current write transaction when called inside one, so the same
 * reader serves both `Store.read()` and the reads of a `WriteTxn`.
 *
 * Scans hold no read transaction while their consumer is suspended (a streamed answer waiting for a
 * client that does not read): each LMDB read transaction takes one of a fixed number of reader
 * slots, and a few hundred stalled clients would take them all. Record scans use lmdb-js's
 * renewing cursors (`snapshot: false`); index databases are duplicate-sorted, where lmdb-js cannot
 * renew a cursor, so index scans read `SCAN_BATCH` entries at a time and resume after the last one.
 * A long scan may therefore see writes committed while it runs, as a scan of a table does.
 */
class LmdbReader implements ReadTxn {
  constructor(protected readonly dbs: Databases) {}

  get(table: string, key: Key): RecordEntry | undefined {
    const entry = this.dbs.table(table).records.getEntry(key);
    if (entry === undefined) return undefined;
    return { key, value: entry.value as StoredValue, version: entry.version ?? 0 };
  }

  scan(table: string, range?: KeyRange): Iterable<RecordEntry> {
    const options = rangeOptions(range, false);
    options.versions = true;
    options.snapshot = false;
    return this.dbs
      .table(table)
      .records.getRange(options)
      .map(({ key, value, version }) => ({
        key: key as Key,
        value: value as StoredValue,
        version: version ?? 0,
      }));
  }

  *scanIndex(table: string, attribute: string, range?: IndexRange): Iterable<IndexEntry> {
    const index = this.index(table, attribute);
    const options = rangeOptions(range, true);
    let last: IndexEntry | undefined;
    for (;;) {
      const batch: IndexEntry[] = [];
      if (last === undefined) {
        readIndexRange(index, { ...options, limit: SCAN_BATCH }, batch);
      } else {
        // The rest of the last value's keys, then the values after it.
        const value = asLmdbKey(last.value);
        for (const key of index.getValues(value, {
          start: last.key,
          exclusiveStart: true,
          reverse: options.reverse === true,
          limit: SCAN_BATCH,
        })) {
          batch.push({ value: last.value, key: key as Key });
        }
        if (batch.length < SCAN_BATCH) {
          const rest = { ...options, start: value, exclusiveStart: true };
          readIndexRange(index, { ...rest, limit: SCAN_BATCH - batch.length }, batch);
        }
      }
      // Every cursor of this batch is closed before its entries are handed out.
      yield* batch;
      if (batch.length < SCAN_BATCH) return;
      last = batch[batch.length - 1];
    }
  }

  countIndex(table: string, attribute: string, range?: IndexRange, limit?: number): number {
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

  estimateIndex(table: string, attribute: string, range?: IndexRange): number {
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

  count(table: string): number {
    // The database's statistics hold its entry count: no walk over the records.
    return entryCount(this.dbs.table(table).records);
  }

  indexReady(table: string, attribute: string): boolean {
    return this.dbs.indexReady(table, attribute);
  }

  private index(table: string, attribute: string): LmdbDatabase {
    const index = this.dbs.table(table).indexes.get(attribute);
    if (!index) throw new Error(`Table ${table} has no index on ${attribute}`);
    return index;
  }
}

class LmdbWriteTxn extends LmdbReader implements WriteTxn {
  readonly changes: Change[] = [];

  constructor(
    dbs: Databases,
    readonly version: number,
  ) {
    super(dbs);
  }

  put(table: string, key: Key, value: StoredValue): void {
    const storage = this.dbs.table(table);
    const previous = storage.records.get(key) as StoredValue | undefined;
    for (const [attribute, index] of storage.indexes) {
      updateIndex(index, key, previous?.[attribute], value[attribute], previous !== undefined);
    }
    storage.records.putSync(key, value, this.version);
    this.changes.push({ table, key, type: 'put', value, version: this.version });
  }

  delete(table: string, key: Key): boolean {
    const storage = this.dbs.table(table);
    const previous = storage.records.get(key) as StoredValue | undefined;
    if (previous === undefined) return false;
    for (const [attribute, index] of storage.indexes) {
      for (const value of indexValuesOf(previous[attribute]))
        index.removeSync(asLmdbKey(value), key);
    }
    storage.records.removeSync(key);
    this.changes.push({ table, key, type: 'delete', version: this.version });
    return true;
  }

  nextKey(table: string): number {
    const records = this.dbs.table(table).records;
    const counterKey = ['nextKey', table];
    const counter: unknown = this.dbs.meta.get(counterKey);
    // Keys a client chose itself (PUT /T/100) are never handed out either. Numbers sort before
    // strings, so the highest number is the last key below the empty string.
    let highest = 0;
    for (const key of records.getKeys({
      start: '',
      exclusiveStart: true,
      reverse: true,
      limit: 1,
    })) {
      if (typeof key === 'number') highest = key;
    }
    const next = Math.max(typeof counter === 'number' ? counter : 1, Math.floor(highest) + 1);
    // Past 2^53 the counter cannot count; the table refuses such a key (it checks its type's range).
    if (Number.isSafeInteger(next)) this.dbs.meta.putSync(counterKey, next + 1);
    return next;
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

/** Index entries an index scan reads at once, between which it holds no read transaction. */
const SCAN_BATCH = 256;

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
