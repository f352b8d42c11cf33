/**
 * The tables of a running server, with the user's hooks (contract section 10). Every write of a
 * `Table` runs through `TableSet.write`: one optimistic store transaction with one `WriteSession`
 * per run, in which `beforeWrite`/`beforeDelete` run (and may await) and hook code reads and writes
 * the same transaction; once the commit is durable, `afterCommit` hears of every record the final
 * run changed. A run that met a conflict is thrown away whole and the work runs again.
 *
 * The hooks here are untyped: the typed forms (`hooks.ts`) are erased once, in `main.ts`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuthUser } from './auth/roles.js';
import type { ComputeFunction } from './computed.js';
import type { RouteMethod, RouteRequest } from './hooks.js';
import { log } from './log.js';
import type { SchemaMeta } from './meta.js';
import type { AnyQueryInput } from './query/builder.js';
import type { Committed, Key, Store, StoredValue, WriteTxn } from './store/types.js';
import type { MessageBus } from './realtime/messages.js';
import type { Table } from './table.js';

/** A table whose records are handled untyped (validation guards their shape). */
export type AnyTable = Table<StoredValue, StoredValue, StoredValue>;

export interface RuntimeReadTable {
  get(key: Key): Promise<StoredValue | undefined>;
  /** A query string, or a query builder (which compiles to one). */
  search(query?: AnyQueryInput): Promise<StoredValue[]>;
  publish(key: Key, message: unknown): void;
}

export interface RuntimeTransactionTable extends RuntimeReadTable {
  create(record: StoredValue): Promise<Key>;
  put(key: Key, record: StoredValue): Promise<void>;
  patch(key: Key, changes: StoredValue): Promise<void>;
  delete(key: Key): Promise<boolean>;
}

export type RuntimeReadTables = Readonly<Record<string, RuntimeReadTable>>;
export type RuntimeTransactionTables = Readonly<Record<string, RuntimeTransactionTable>>;

export interface RuntimeServerContext {
  readonly tables: RuntimeReadTables;
  readonly user: AuthUser | null;
  write<T>(work: (tables: RuntimeTransactionTables) => T | Promise<T>): Promise<T>;
}

/** A change as `afterCommit` receives it. */
export type RuntimeChange =
  | {
      readonly type: 'put';
      readonly key: Key;
      readonly record: StoredValue;
      readonly previous: StoredValue | undefined;
    }
  | { readonly type: 'delete'; readonly key: Key; readonly previous: StoredValue };

export interface RuntimeRoute {
  readonly method: RouteMethod;
  readonly path: string;
  readonly roles?: readonly string[] | '*';
  handler(request: RouteRequest, context: RuntimeServerContext): unknown;
}

export interface RuntimeTableHooks {
  beforeWrite?(
    record: StoredValue,
    context: {
      readonly method: 'POST' | 'PUT' | 'PATCH';
      readonly previous: StoredValue | undefined;
      readonly tables: RuntimeTransactionTables;
      readonly user: AuthUser | null;
    },
  ): unknown;
  beforeDelete?(
    previous: StoredValue,
    context: { readonly tables: RuntimeTransactionTables; readonly user: AuthUser | null },
  ): unknown;
  afterCommit?(change: RuntimeChange, context: RuntimeServerContext): unknown;
  readonly routes?: readonly RuntimeRoute[];
  /** The functions of the table's computed attributes, by attribute (`src/computed.ts`). */
  readonly computed?: Readonly<Record<string, ComputeFunction>>;
}

/** Every table's hooks by table (type) name. */
export type RuntimeHooks = Readonly<Record<string, RuntimeTableHooks | undefined>>;

/** A record written in a session, before its commit. */
interface PendingChange {
  readonly table: string;
  readonly change: RuntimeChange;
}

/**
 * Hooks that write records whose hooks write records… : deeper than this, the write fails (a
 * hook that keeps writing is a bug, and would otherwise never end).
 */
const MAX_HOOK_DEPTH = 16;
/** `afterCommit` hooks whose writes set off `afterCommit` hooks…: deeper than this, they are not run. */
const MAX_COMMIT_DEPTH = 8;

/** How many `afterCommit` rounds led to the code running now (0 outside any `afterCommit`). */
const commitDepth = new AsyncLocalStorage<number>();

export class TableSet {
  private readonly tables = new Map<string, AnyTable>();
  private readTableViews: RuntimeReadTables | undefined;

  constructor(
    readonly schema: SchemaMeta,
    readonly store: Store,
    private readonly hooks: RuntimeHooks = {},
    /** Where hooks' messages are published (contract 8.5); none: they reach no one. */
    private readonly messages?: MessageBus,
  ) {}

  /** Publishes a message to the subscribers of a record (hooks' `publish`). */
  publish(table: string, key: Key, message: unknown): void {
    this.messages?.publish(table, key, message);
  }

  add(table: AnyTable): void {
    this.tables.set(table.name, table);
  }

  all(): Iterable<AnyTable> {
    return this.tables.values();
  }

  hooksOf(table: string): RuntimeTableHooks | undefined {
    return this.hooks[table];
  }

  /**
   * Runs `work` in one write transaction. Resolves with its result once the commit is durable;
   * then every changed record's `afterCommit` hook is started (not awaited: it cannot change the
   * answer).
   */
  async write<T>(
    work: (session: WriteSession) => T | Promise<T>,
    user: AuthUser | null = null,
  ): Promise<T> {
    return (await this.writeCommitted(work, user)).value;
  }

  /** `write`, resolving with the commit (its version, its changes) as well as the result. */
  async writeCommitted<T>(
    work: (session: WriteSession) => T | Promise<T>,
    /** The user the write is made for, as hooks see them. */
    user: AuthUser | null = null,
  ): Promise<Committed<T>> {
    const depth = commitDepth.getStore() ?? 0;
    let session: WriteSession | undefined;
    const committed = await this.store.write(async (txn) => {
      // A new session per run: what a run that met a conflict collected is thrown away with it.
      const current = new WriteSession(txn, this, user);
      session = current;
      try {
        return await work(current);
      } finally {
        current.end();
      }
    });
    if (session !== undefined && session.changes.length > 0) {
      this.afterCommit(session.changes, depth, user);
    }
    for (const message of session?.messages ?? [])
      this.publish(message.table, message.key, message.value);
    return committed;
  }

  /** The tables reading the latest committed state. */
  readTables(): RuntimeReadTables {
    if (this.readTableViews === undefined) {
      const views: Record<string, RuntimeReadTable> = {};
      for (const table of this.tables.values()) {
        views[table.name] = {
          get: (key) => table.getChecked(key, this.store.read()),
          search: (query = '') => table.search(this.store.read(), query),
          publish: (key, message) => this.publish(table.name, table.checkedKey(key), message),
        };
      }
      this.readTableViews = Object.freeze(views);
    }
    return this.readTableViews;
  }

  /**
   * What code outside a transaction (after a commit, in a custom endpoint) works with; `user`: the
   * user of the request it runs for.
   */
  serverContext(user: AuthUser | null = null): RuntimeServerContext {
    return {
      tables: this.readTables(),
      user,
      write: (work) => this.write((session) => work(session.tables), user),
    };
  }

  private afterCommit(
    changes: readonly PendingChange[],
    depth: number,
    user: AuthUser | null,
  ): void {
    for (const { table, change } of changes) {
      // Called on the hooks object, so a hook written as a method keeps its `this`.
      const hooks = this.hooks[table];
      if (hooks?.afterCommit === undefined) continue;
      if (depth >= MAX_COMMIT_DEPTH) {
        log.error(
          `afterCommit of ${table} not run: afterCommit hooks have set each other off ${depth} times in a row`,
        );
        continue;
      }
      commitDepth.run(depth + 1, () => {
        try {
          const done = hooks.afterCommit!(change, this.serverContext(user));
          if (isPromiseLike(done)) {
            done.then(undefined, (error: unknown) => logHookFailure(table, error));
          }
        } catch (error) {
          logHookFailure(table, error);
        }
      });
    }
  }
}

/**
 * One write transaction: hook code gets `tables` bound to it, records changed in it are collected
 * for `afterCommit`, and hooks that would never stop writing are stopped.
 */
export class WriteSession {
  readonly changes: PendingChange[] = [];
  /** Messages the run's hooks published: sent once the transaction has committed. */
  readonly messages: { readonly table: string; readonly key: Key; readonly value: unknown }[] = [];
  private readonly active = new Set<string>();
  private depth = 0;
  private views: RuntimeTransactionTables | undefined;

  constructor(
    readonly txn: WriteTxn,
    private readonly set: TableSet,
    /** The user the write is made for (null: none, or the server's own code). */
    readonly user: AuthUser | null = null,
  ) {}

  /** Every table, bound to this transaction. */
  get tables(): RuntimeTransactionTables {
    this.views ??= transactionTables(this.set, this);
    return this.views;
  }

  private ended = false;

  /**
   * The run is over (its work settled): a write that arrives later (a promise the work did not
   * await) fails instead of slipping in after the commit check.
   */
  end(): void {
    this.ended = true;
  }

  /** Throws when the transaction is over; called before every write made in it. */
  checkOpen(): void {
    if (this.ended) {
      throw new Error(
        'A write was made after its transaction had ended: await every write made in a hook or in write(...) before returning',
      );
    }
  }

  /**
   * Runs a hook of `table` for the record `key`. A hook that writes the very record it is running
   * for (directly or through other hooks), or hooks nested deeper than any real use needs, fail
   * the write: they would otherwise recurse forever.
   */
  async runHook<T>(
    table: string,
    key: Key,
    hookName: string,
    run: () => T | PromiseLike<T>,
  ): Promise<T> {
    const id = `${table}\u0000${typeof key}\u0000${String(key)}`;
    if (this.active.has(id)) {
      throw new Error(
        `${table} ${JSON.stringify(key)} was written again by a hook while its ${hookName} hook was running; ` +
          'beforeWrite changes its own record by returning it, not by writing it',
      );
    }
    if (this.depth >= MAX_HOOK_DEPTH) {
      throw new Error(
        `Hooks writing records whose hooks write records went deeper than ${MAX_HOOK_DEPTH} levels`,
      );
    }
    this.active.add(id);
    this.depth += 1;
    try {
      return await run();
    } finally {
      this.active.delete(id);
      this.depth -= 1;
    }
  }

  recordPut(table: string, key: Key, record: StoredValue, previous: StoredValue | undefined): void {
    this.changes.push({ table, change: { type: 'put', key, record, previous } });
  }

  /** A hook's message, held until the commit (a run that met a conflict drops it with the run). */
  publish(table: string, key: Key, value: unknown): void {
    this.checkOpen();
    this.messages.push({ table, key, value });
  }

  recordDelete(table: string, key: Key, previous: StoredValue): void {
    this.changes.push({ table, change: { type: 'delete', key, previous } });
  }
}

function transactionTables(set: TableSet, session: WriteSession): RuntimeTransactionTables {
  const views: Record<string, RuntimeTransactionTable> = {};
  for (const table of set.all()) {
    views[table.name] = {
      get: (key) => table.getChecked(key, session.txn),
      search: (query = '') => table.search(session.txn, query),
      publish: (key, message) => session.publish(table.name, table.checkedKey(key), message),
      create: (record) => table.createIn(session, record),
      put: (key, record) => table.putIn(session, key, record),
      patch: (key, changes) => table.patchIn(session, key, changes),
      delete: (key) => table.deleteIn(session, key),
    };
  }
  return Object.freeze(views);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function logHookFailure(table: string, error: unknown): void {
  log.error(`afterCommit of ${table} failed`, { err: error });
}
