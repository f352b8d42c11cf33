/**
 * Indexes built from existing records, in the LMDB store (contract section 11). When the server
 * opens a data directory, an index it declares but the directory has not built yet (an attribute
 * newly `@indexed`) is built from the table's records, and an index no longer declared is dropped.
 *
 * A small table's index is built at once, while the store opens. A larger one is built in the
 * background, a batch of records per write transaction, so the server serves meanwhile: writes
 * keep the part already built up to date, and the planner does not read the index (`ready` is
 * false) until the last batch has committed. Each batch commits its records' entries together
 * with how far the build got, so a build that a crash interrupts resumes where it stopped; an
 * index is recorded as built only in the transaction that completes it.
 */
import type { open } from 'lmdb';
import { log } from '../log.js';
import { indexValuesOf } from './indexValues.js';
import type { Key, StoredValue } from './types.js';

type Environment = ReturnType<typeof open>;
type LmdbDatabase = ReturnType<Environment['openDB']>;

/** An index the schema declares. */
export interface DeclaredIndex {
  /** Name of its LMDB database. */
  readonly name: string;
  /** `Table.attribute`, for messages. */
  readonly label: string;
  readonly table: string;
  readonly attribute: string;
  readonly records: LmdbDatabase;
  readonly index: LmdbDatabase;
}

/** Meta key: the names of the index databases that hold every record (a sorted list). */
export const BUILT_INDEXES = 'builtIndexes';
/** Meta key: index builds in progress, by index database name → the last key indexed so far. */
export const INDEX_BUILDS = 'indexBuilds';
export const INDEX_DB_OPTIONS = { dupSort: true, encoding: 'ordered-binary' } as const;
/** Records indexed per transaction by default (tables this small are indexed at once). */
export const INDEX_BUILD_BATCH = 2000;

export interface IndexBuildOptions {
  /** Where messages about the builds go. */
  readonly log: (line: string) => void;
  /** Records indexed per transaction; a table with at most this many is indexed at once. */
  readonly batch: number;
}

/** How far a build got: the last key indexed, absent before the first batch. */
interface Progress {
  readonly after?: Key;
}

interface Build {
  readonly index: DeclaredIndex;
  after: Key | undefined;
  readonly total: number;
  readonly startedAt: number;
}

export class IndexBuilds {
  /** Builds in progress by `table\0attribute`. */
  private readonly building = new Map<string, Build>();
  private waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private stopped = false;

  constructor(
    private readonly env: Environment,
    private readonly meta: LmdbDatabase,
    private readonly declared: readonly DeclaredIndex[],
    private readonly options: IndexBuildOptions,
  ) {}

  private log(line: string): void {
    this.options.log(line);
  }

  /**
   * In one transaction, while the store opens: drops the indexes no longer declared, builds the
   * new indexes of small tables, and records where the builds of the others start (or resume).
   */
  prepare(): void {
    const built = new Set(stringsOf(this.meta.get(BUILT_INDEXES)));
    const progress = progressOf(this.meta.get(INDEX_BUILDS));
    const declaredNames = new Set(this.declared.map((index) => index.name));
    const before = JSON.stringify([[...built].sort(), progress]);
    this.env.transactionSync(() => {
      for (const name of new Set([...built, ...Object.keys(progress)])) {
        if (declaredNames.has(name)) continue;
        this.env.openDB(name, INDEX_DB_OPTIONS).dropSync();
        built.delete(name);
        delete progress[name];
        this.log(`schema: the index ${name.replace(/^index:/, '')} is no longer declared; dropped`);
      }
      for (const index of this.declared) {
        if (built.has(index.name)) continue;
        const resumed = progress[index.name];
        // A build that never started may find leftovers of an index dropped long ago: start clean.
        if (resumed === undefined) index.index.clearSync();
        const total = index.records.getCount({});
        if (total <= this.options.batch) {
          this.fill(index, resumed?.after, undefined);
          built.add(index.name);
          delete progress[index.name];
          if (total > 0)
            this.log(
              `schema: ${index.label} is now indexed; built its index from ${total} records`,
            );
          continue;
        }
        progress[index.name] = resumed ?? {};
        this.building.set(buildKey(index.table, index.attribute), {
          index,
          after: resumed?.after,
          total,
          startedAt: Date.now(),
        });
        this.log(
          `schema: ${index.label} is now indexed; ${resumed === undefined ? 'building' : 'resuming the build of'} its index ` +
            `from ${total} records in the background (queries that need it answer 503 until it is built)`,
        );
      }
      if (JSON.stringify([[...built].sort(), progress]) !== before) {
        this.meta.putSync(BUILT_INDEXES, [...built].sort());
        this.meta.putSync(INDEX_BUILDS, progress);
      }
    });
  }

  /** Runs the background builds, each batch as one write of the store (`write`). */
  start(write: (work: () => void) => Promise<void>): void {
    for (const build of this.building.values()) void this.run(build, write);
  }

  /**
   * Waits for the builds another process runs (a worker that is not the builder, `WORKERS=n`):
   * looks every `intervalMs` for the indexes it has finished.
   */
  follow(intervalMs: number): void {
    if (this.building.size === 0) return;
    const timer = setInterval(() => {
      if (this.stopped) {
        clearInterval(timer);
        return;
      }
      this.meta.resetReadTxn();
      const built = new Set(stringsOf(this.meta.get(BUILT_INDEXES)));
      for (const [key, build] of this.building)
        if (built.has(build.index.name)) this.building.delete(key);
      if (this.building.size > 0) return;
      clearInterval(timer);
      const waiters = this.waiters;
      this.waiters = [];
      for (const waiter of waiters) waiter.resolve();
    }, intervalMs);
    timer.unref();
  }

  /** Whether the index on `table`.`attribute` holds every record. */
  ready(table: string, attribute: string): boolean {
    return this.building.size === 0 || !this.building.has(buildKey(table, attribute));
  }

  /** Resolves once no build is left; rejects if the store closes first. */
  whenBuilt(): Promise<void> {
    if (this.building.size === 0) return Promise.resolve();
    if (this.stopped)
      return Promise.reject(new Error('The store closed before its indexes were built'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Stops between two batches (the store is closing); a later start resumes the builds. */
  stop(): void {
    this.stopped = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters)
      waiter.reject(new Error('The store closed before its indexes were built'));
  }

  private async run(build: Build, write: (work: () => void) => Promise<void>): Promise<void> {
    const { index } = build;
    try {
      let done = false;
      // `done` and `stopped` change inside callbacks, which the type checker does not follow.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      while (!done && !this.stopped) {
        let last: Key | undefined;
        await write(() => {
          const filled = this.fill(index, build.after, this.options.batch);
          last = filled.last;
          done = filled.count < this.options.batch;
          const progress = progressOf(this.meta.get(INDEX_BUILDS));
          if (done) {
            delete progress[index.name];
            const built = new Set(stringsOf(this.meta.get(BUILT_INDEXES)));
            this.meta.putSync(BUILT_INDEXES, [...built.add(index.name)].sort());
          } else {
            progress[index.name] = last === undefined ? {} : { after: last };
          }
          this.meta.putSync(INDEX_BUILDS, progress);
        });
        if (last !== undefined) build.after = last;
      }
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set in the callback above
      if (!done) return;
      this.building.delete(buildKey(index.table, index.attribute));
      const seconds = ((Date.now() - build.startedAt) / 1000).toFixed(1);
      this.log(
        `schema: the index of ${index.label} is built (${build.total} records, ${seconds} s)`,
      );
      if (this.building.size === 0) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const waiter of waiters) waiter.resolve();
      }
    } catch (error) {
      // The store closing under a batch ends the build quietly; it resumes on the next start.
      if (!this.stopped)
        log.error(`building the index of ${index.label} failed; it resumes on the next start`, {
          err: error,
        });
    }
  }

  /**
   * Adds the index entries of the records after `after` (all of them from the start when
   * undefined), at most `limit` records. Adding an entry that is there already changes nothing.
   */
  private fill(
    index: DeclaredIndex,
    after: Key | undefined,
    limit: number | undefined,
  ): { last: Key | undefined; count: number } {
    const range = after === undefined ? { limit } : { start: after, exclusiveStart: true, limit };
    let last: Key | undefined;
    let count = 0;
    for (const { key, value } of index.records.getRange(range)) {
      for (const indexed of indexValuesOf((value as StoredValue)[index.attribute])) {
        // lmdb-js orders null first among keys, but its typings leave null out of `Key`.
        index.index.putSync(indexed as Key, key);
      }
      last = key as Key;
      count += 1;
    }
    return { last, count };
  }
}

function buildKey(table: string, attribute: string): string {
  return `${table}\u0000${attribute}`;
}

function stringsOf(stored: unknown): string[] {
  return Array.isArray(stored)
    ? stored.filter((name): name is string => typeof name === 'string')
    : [];
}

function progressOf(stored: unknown): Record<string, Progress> {
  const progress: Record<string, Progress> = {};
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return progress;
  for (const [name, value] of Object.entries(stored)) {
    if (typeof value !== 'object' || value === null) continue;
    const after: unknown = (value as { after?: unknown }).after;
    progress[name] = typeof after === 'string' || typeof after === 'number' ? { after } : {};
  }
  return progress;
}
