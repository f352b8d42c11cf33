/**
 * The user's own code (contract section 10): the types of the hooks a generated server runs around
 * every write, and of custom endpoints, plus `defineHooks`, `refuse` and `reply`.
 *
 * Each table's hooks live in `src/hooks/<Table>.ts`, a file codegen creates once and never touches
 * again. Hooks are typed against the generated `Database` interface (one `Table<Rec, New, Patch>`
 * per table), so a schema change that breaks one is a compile error of `npm run build`.
 *
 * Hooks see the **declared** attributes of records only: the index signature of an open table's
 * interface (`[attribute: string]: unknown`) is dropped, and so are relationship attributes (never
 * stored). Reading or writing an attribute the schema no longer declares is therefore an error of
 * the compiler, not an `unknown` that silently type-checks. Undeclared attributes of open tables
 * are still stored and kept as they are.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthUser } from './auth/roles.js';
import { ClientError } from './errors.js';
import type { QueryInput, TableDescriptor } from './query/builder.js';
import type { Key } from './store/types.js';
import type { Table } from './table.js';
import type { RuntimeHooks } from './tableSet.js';

/** `T` without its index signatures: only the attributes it declares by name. */
export type Declared<T> = {
  [
    K in keyof T as string extends K
      ? never
      : number extends K
        ? never
        : symbol extends K
          ? never
          : K
  ]: T[K];
};

/** Names of the optional attributes of `T`. */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/**
 * A record as stored, with its declared attributes only. Relationship attributes are the optional
 * members of the record interface that a create body cannot hold (server-set timestamps are
 * required members, and stay).
 */
export type StoredRecord<Rec, Create> = Omit<
  Declared<Rec>,
  Exclude<OptionalKeys<Declared<Rec>>, keyof Declared<Create>>
>;

/** The stored record of table `N` of database `DB`, as hooks see it. */
export type RecordOf<DB, N extends keyof DB> =
  DB[N] extends Table<infer Rec, infer Create, object> ? StoredRecord<Rec, Create> : never;
/** The body that creates or replaces a record of table `N` (declared attributes only). */
export type NewRecordOf<DB, N extends keyof DB> =
  DB[N] extends Table<object, infer Create, object> ? Declared<Create> : never;
/** The query builder descriptor of table `N` (`src/queries.ts`). */
export type DescriptorOf<DB, N extends keyof DB> =
  DB[N] extends Table<object, object, object, infer Q> ? Q : TableDescriptor;
/** The changes a patch of a record of table `N` can make (declared attributes only). */
export type PatchOf<DB, N extends keyof DB> =
  DB[N] extends Table<object, object, infer Patch> ? Declared<Patch> : never;

/**
 * A table's reads: the latest committed state, or inside a transaction its state so far. Reads
 * are asynchronous (a store on another machine answers later): `await` them.
 */
export interface ReadTable<Rec, Q extends TableDescriptor = TableDescriptor> {
  /** The record with this key, or undefined. */
  get(key: Key): Promise<Rec | undefined>;
  /**
   * The records matching a query: a query builder, checked by the compiler against the schema
   * (`(q) => q.where('stockQuantity', 'lt', 10).sort('name').limit(20)`), or a string in the REST
   * query language, as after `?` in `GET /T/?…` (`'stockQuantity=lt=10&sort(name)&limit(20)'`;
   * percent-encode `&|()=,` inside values). Whole records only: a query with `select()` is
   * refused. Without `limit` every match is read.
   */
  search(query?: QueryInput<Q, unknown>): Promise<Rec[]>;
  /**
   * Publishes `message` to the subscribers of the record with this key (a `"type": "message"`
   * event, contract 8.5); nothing is stored. Inside a transaction it is sent once the
   * transaction has committed, and not at all if it fails.
   */
  publish(key: Key, message: unknown): void;
}

/**
 * A table inside a write's transaction: reads see the transaction's writes so far, and writes
 * commit or roll back with it. Writes are validated and run the table's own hooks, like writes
 * over REST. Await every call before the hook or the work returns: a write made after its
 * transaction has ended fails.
 */
export interface TransactionTable<
  Rec,
  Create,
  Patch,
  Q extends TableDescriptor = TableDescriptor,
> extends ReadTable<Rec, Q> {
  /** Creates a record (the key is generated unless given); resolves with its key. 409 if it exists. */
  create(record: Create): Promise<Key>;
  /** Creates or replaces the whole record. */
  put(key: Key, record: Create): Promise<void>;
  /** Merges these attributes into the record (creating it when missing), as PATCH does. */
  patch(key: Key, changes: Patch): Promise<void>;
  /** Deletes the record; resolves with whether it existed. */
  delete(key: Key): Promise<boolean>;
}

export type ReadTables<DB> = {
  readonly [N in keyof DB]: ReadTable<RecordOf<DB, N>, DescriptorOf<DB, N>>;
};
export type TransactionTables<DB> = {
  readonly [N in keyof DB]: TransactionTable<
    RecordOf<DB, N>,
    NewRecordOf<DB, N>,
    PatchOf<DB, N>,
    DescriptorOf<DB, N>
  >;
};

/** What `beforeWrite` is told about the write. */
export interface WriteContext<DB, Rec> {
  /** POST creates, PUT replaces, PATCH merges (writes made by hooks count the same way). */
  readonly method: 'POST' | 'PUT' | 'PATCH';
  /** The record before this write; undefined when the write creates it. */
  readonly previous: Readonly<Rec> | undefined;
  /** Every table, bound to this write's transaction. */
  readonly tables: TransactionTables<DB>;
  /**
   * The user the write is made for: the request's (null without credentials, or for a request
   * of this machine let in by `AUTHORIZE_LOCAL`), and for writes of the server's own code, null.
   */
  readonly user: AuthUser | null;
}

export interface DeleteContext<DB> {
  /** Every table, bound to this delete's transaction. */
  readonly tables: TransactionTables<DB>;
  /** The user the delete is made for, as in `WriteContext`. */
  readonly user: AuthUser | null;
}

/** What runs outside any transaction (after a commit, in a custom endpoint) may read and write. */
export interface ServerContext<DB> {
  /** Every table, reading the latest committed state. */
  readonly tables: ReadTables<DB>;
  /**
   * The user of the request this code runs for (a custom endpoint's caller; for `afterCommit`,
   * the user of the write), or null. The tables themselves are not restricted by their role: the
   * server's own code reads and writes everything.
   */
  readonly user: AuthUser | null;
  /**
   * Runs `work` in one write transaction: its writes commit together (hooks included) or, if it
   * throws, not at all. Resolves with `work`'s result once the commit is durable. `work` may be
   * async and await anything; when another write changed what it read before it committed, it
   * runs again from the start (so it must not do what cannot be done twice, like charging a card:
   * do that in `afterCommit`), and after too many such conflicts the write fails with 409
   * `WRITE_CONFLICT`. A function property, not a method: `({ write }) => …` may take it out of the
   * context.
   */
  readonly write: <T>(work: (tables: TransactionTables<DB>) => T | Promise<T>) => Promise<T>;
}

/** A committed change of one record, as `afterCommit` receives it. */
export type CommittedChange<Rec> =
  | {
      readonly type: 'put';
      readonly key: Key;
      readonly record: Readonly<Rec>;
      /** The record before the write; undefined when it was created. */
      readonly previous: Readonly<Rec> | undefined;
    }
  | { readonly type: 'delete'; readonly key: Key; readonly previous: Readonly<Rec> };

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRequest {
  /** The request's method (a HEAD request runs the GET handler). */
  readonly method: RouteMethod;
  /** The path, without the query string. */
  readonly path: string;
  /** Values of the path's `:name` segments, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The query string's parameters. */
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The caller (null without credentials, or for a request of this machine under `AUTHORIZE_LOCAL`). */
  readonly user: AuthUser | null;
  /** The caller's role (the super user's for a request of this machine under `AUTHORIZE_LOCAL`). */
  readonly role: string;
  /** The body, decoded by its content type (JSON, CBOR, MessagePack); 400 when there is none. */
  body(): Promise<unknown>;
}

/**
 * A custom endpoint. A relative `path` is under the table's URL (`'low-stock'` on `Product` serves
 * `/Product/low-stock`); an absolute one (`'/reports/low-stock'`) is served as it is. A segment
 * `:name` matches any one segment and is passed in `request.params`.
 *
 * The handler's result is the answer: `undefined` → 204, a `reply(...)` → that status, anything
 * else → 200 with the value, in the format the client accepts. `refuse(...)` answers an error.
 */
export interface Route<DB> {
  readonly method: RouteMethod;
  readonly path: string;
  /**
   * Who may call it (contract section 12): these roles and the super user; `'*'`: every request
   * the server lets in, those without credentials too. Absent: the super user alone. The handler
   * reads and writes every table whatever the caller's role: check `request.user` for more.
   */
  readonly roles?: readonly string[] | '*';
  handler(request: RouteRequest, context: ServerContext<DB>): unknown;
}

/**
 * The hooks of table `N`. `beforeWrite` and `beforeDelete` run inside the write's transaction and
 * may be `async`: they can await reads, writes and anything else (a price service, say). Whatever
 * they throw (`refuse(...)` for an answer of your choice) rolls the whole write back, and nothing
 * is written. The transaction is optimistic: when another write changes what it read before it
 * commits, the whole write runs again, hooks included, so a hook must not do what cannot be done
 * twice (that belongs in `afterCommit`).
 */
export interface TableHooks<DB, N extends keyof DB> {
  /**
   * Before a record is written (POST, PUT, PATCH, and writes made by hooks), after validation. It
   * sees the whole record about to be stored (for PATCH, merged with the previous one; key and
   * timestamps set). Return nothing to store it as it is, or a changed record, which is validated
   * again (its key and server-set timestamps cannot change).
   */
  beforeWrite?(
    record: Readonly<RecordOf<DB, N>>,
    context: WriteContext<DB, RecordOf<DB, N>>,
  ): RecordOf<DB, N> | void | Promise<RecordOf<DB, N> | void>;
  /** Before an existing record is deleted (DELETE by id or by query, and deletes made by hooks). */
  beforeDelete?(
    previous: Readonly<RecordOf<DB, N>>,
    context: DeleteContext<DB>,
  ): void | Promise<void>;
  /**
   * After a write's commit is durable, once per changed record of this table. It cannot change the
   * answer: what it throws (or rejects with) is logged.
   */
  afterCommit?(
    change: CommittedChange<RecordOf<DB, N>>,
    context: ServerContext<DB>,
  ): void | Promise<void>;
  /** Custom endpoints. */
  readonly routes?: readonly Route<DB>[];
}

/** Every table's hooks, by table (type) name. */
export type Hooks<DB> = { readonly [N in keyof DB]?: TableHooks<DB, N> };

/**
 * Declares the hooks of one table: `export default defineHooks<Database, 'Product'>({ … })`.
 * It returns its argument; its type parameters are what type the hooks.
 */
export function defineHooks<DB, N extends keyof DB>(hooks: TableHooks<DB, N>): TableHooks<DB, N> {
  return hooks;
}

/**
 * Refuses the request: answers `status` with `{"error": message, "code": code}`. Thrown from a
 * hook, it also rolls back everything the write did.
 */
export function refuse(status: number, message: string, code = 'REFUSED'): never {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new RangeError(`refuse() takes an error status (400-599), got ${status}`);
  }
  throw new ClientError(status, code, message);
}

const REPLY = Symbol('reply');

/** A custom endpoint's answer with a status and headers of its own. */
export interface Reply {
  readonly [REPLY]: true;
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** Answers a custom endpoint with `status`, `body` (omitted: no body) and extra headers. */
export function reply(
  status: number,
  body?: unknown,
  headers: Readonly<Record<string, string>> = {},
): Reply {
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(`reply() takes a status from 200 to 599, got ${status}`);
  }
  return { [REPLY]: true, status, body, headers };
}

export function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && REPLY in value;
}

/**
 * The hooks as the runtime runs them, untyped. The one place where the generated types are let
 * go: the runtime works on records of any table, and validation guards what is stored.
 */
export function runtimeHooks<DB>(hooks: Hooks<DB>): RuntimeHooks {
  return hooks as unknown as RuntimeHooks;
}
