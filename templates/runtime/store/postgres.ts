/**
 * The PostgreSQL store: the `Store` interface (`types.ts`) on a PostgreSQL database, through the
 * `pg` driver's connection pool. Several processes may serve one database.
 *
 * Layout. The store's bookkeeping lives in its own schema (`codegen` unless configured):
 *
 * - `codegen.meta(name text primary key, value text)`: `schema` is the schema the database was
 *   last served with (`evolution.ts`), `layout` the version of this layout.
 * - `codegen.clock(id = 1, last_version float8, last_position bigint, pruned_through float8)`:
 *   one row. Every commit takes its row lock first, so commits are serialized across every
 *   process sharing the database; it holds the last commit's version and log position (positions
 *   are dense: 1, 2, 3, …) and the version of the last commit pruned from the log.
 * - `codegen.log(position bigint primary key, version float8 unique, changes jsonb,
 *   committed_at timestamptz)`: the commit log, one row per commit that changed something; its
 *   changes hold keys and records as tagged JSON (`postgresValues.ts`).
 * - `codegen.tables(storage text primary key, relation text, key_type text, changes bigint)`: one
 *   row per table (`storage` is `database.tableName`, the name evolution tracks); `changes` is
 *   bumped by every commit that writes the table (what a scan's or count's validation compares).
 * - `codegen.keys(storage text primary key, next_key numeric)`: the next generated numeric key.
 * - `codegen.indexes(storage, attribute, relation, built, progress)`: the index side tables that
 *   exist, and how far the build of each has come.
 *
 * Each schema table is one table in the user's schema (`public` unless configured), named after
 * its `tableName` (`<database>__<tableName>` outside the default database `data`):
 * `(key <type> primary key, record jsonb, version float8)`, the key `text COLLATE "C"` for
 * ID/String keys (UTF-8 byte order, as the interface orders keys; U+0000, which text cannot hold,
 * is escaped in an order-keeping way, `dbKey`), `bigint` for Int/Long keys, `float8` for Float
 * keys. Records are JSON with tags for what JSON cannot hold (`postgresValues.ts`): plain values
 * stay readable by SQL (`record->>'name'`).
 *
 * Each `@indexed` attribute has a side table `<table>__<attribute>(kind smallint, num float8,
 * str bytea, key)` with primary key `(kind, num, str, key)` and an index on `key`: one row per
 * index entry (a list attribute one per distinct element), written in the same transaction as the
 * record. The triple `(kind, num, str)` orders values as the interface does (null < booleans <
 * numbers < strings by UTF-8 bytes, `bytea` comparing byte by byte like `COLLATE "C"` and holding
 * U+0000 too; `postgresValues.ts`), so `scanIndex` and `countIndex` are (index-only) range scans
 * of that primary key, and `estimateIndex` counts up to a thousand entries exactly, then asks
 * PostgreSQL's planner. An index the schema newly declares is built from the stored records
 * (contract section 11): while the store opens when the table has at most `indexBuildBatch`
 * records (in the opening transaction, which an advisory lock serializes between processes), else
 * in the background, a batch per transaction under the clock lock, its progress in
 * `codegen.indexes` (`built`, `progress`: the last key indexed), so that it resumes after a
 * restart; queries do not use it until it is built (`indexReady`). One no longer declared is
 * dropped. Names longer than PostgreSQL's 63 bytes are shortened with a hash.
 *
 * Reads run each batch as one query with keyset pagination (`WHERE (columns) > (last entry)
 * ORDER BY … LIMIT n`, the first batch sized by `expected`, later ones doubling up to
 * `POSTGRES_SCAN_BATCH`) and hold no connection between batches.
 *
 * Writes are optimistic as in the LMDB store: a work runs on the committed state with its writes
 * buffered, recording the version of every key it read (absent included) and the change counter
 * of every table it scanned or counted; a key written without being read must not have been
 * written since the work started (its version is not above the highest version the process knew
 * then). Finished transactions are gathered in batches; a batch is one PostgreSQL transaction,
 * so one durable commit (`synchronous_commit` is left on): it locks the clock row — every later
 * statement of the batch sees every commit before it, so no other row lock (`FOR UPDATE`) is
 * needed — then validates each transaction against the state so far (in a savepoint when the
 * batch holds several), applies its records, index entries and counters, appends its log row and
 * gives it its version (the database's clock in epoch ms, or 1/1024 past the last version), and
 * finally stores the clock and sends `NOTIFY codegen_commits`. A transaction left out runs again
 * (`turns.ts`); PostgreSQL's own serialization failures and deadlocks count as conflicts too. A
 * write resolves after COMMIT, once its commit reached this process's listeners.
 *
 * Commits of other processes reach the listeners by `LISTEN codegen_commits` (a dropped listener
 * connection reconnects and catches up), by a poll of the clock row while there are listeners,
 * and by `refresh()`: read from the log in position order after the last position delivered, so
 * each exactly once, in order.
 */
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { log } from '../log.js';
import type { SchemaMeta, TableMeta } from '../meta.js';
import {
  describeSchemaChanges,
  parseRetyped,
  parseStoredSchema,
  retypedAttributes,
  serializeSchema,
} from './evolution.js';
import { indexValuesOf } from './indexValues.js';
import { fromJson, indexColumns, indexValueFrom, toJson, toJsonText } from './postgresValues.js';
import { overlayIndex, overlayRecords, ownIndexEntries } from './overlay.js';
import { CONFLICT, Turns } from './turns.js';
import { validationError } from '../validate.js';
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
  ReadTxn,
  RecordEntry,
  ScanOptions,
  Store,
  StoredValue,
  StoreWriteOptions,
  WriteTxn,
} from './types.js';

export interface PostgresStoreOptions {
  /** A `postgres://user:password@host:port/database` connection string. */
  readonly url: string;
  /** Where messages about schema changes and index builds go; `console.log` by default. */
  readonly log?: (line: string) => void;
  /** The schema the tables live in; `public` by default. */
  readonly schema?: string;
  /** The schema of the store's bookkeeping; `codegen` by default. */
  readonly bookkeepingSchema?: string;
  /**
   * Records indexed per transaction when an index is built from existing records; a table with
   * at most this many records has a new index built while the store opens, a larger one in the
   * background (contract section 11). 2000 by default.
   */
  readonly indexBuildBatch?: number;
  /** Connections of the pool; 10 by default. */
  readonly poolSize?: number;
  /** How much of the commit log is kept; `DEFAULT_LOG_RETENTION` by default. */
  readonly logRetention?: LogRetention;
  /** How often the log is pruned to its retention, in milliseconds. */
  readonly pruneIntervalMs?: number;
  /**
   * How often, in milliseconds, the store looks for commits of other processes while it has
   * commit listeners (besides hearing of them by `NOTIFY`).
   */
  readonly pollIntervalMs?: number;
}

/** A day of commits, at most 100 000 of them (as the LMDB store keeps). */
export const DEFAULT_LOG_RETENTION: LogRetention = {
  maxAgeMs: 24 * 60 * 60 * 1000,
  maxCommits: 100_000,
};
const DEFAULT_PRUNE_INTERVAL_MS = 60_000;
const DEFAULT_POLL_INTERVAL_MS = 200;
const PRUNE_CHUNK = 1000;
/** Several commits may fall within one millisecond; each still gets its own version. */
const VERSION_STEP = 1 / 1024;
/** The version recorded for a key read as absent. */
const ABSENT = -1;
/** Entries a scan reads at most per batch (its first batch is sized by `expected`). */
export const POSTGRES_SCAN_BATCH = 256;
/** Records indexed per transaction when an index is built from existing records (as LMDB's). */
const INDEX_BUILD_BATCH = 2000;
/** A background build that failed tries again after this. */
const INDEX_BUILD_RETRY_MS = 1000;
/** Commits read from the log per query when delivering other processes' commits. */
const DELIVERY_CHUNK = 500;
const NOTIFY_CHANNEL = 'codegen_commits';
/** The channel of `broadcast`: messages between the servers of one database, not stored. */
const BROADCAST_CHANNEL = 'codegen_messages';
/** PostgreSQL's limit on a notification's payload is 8000 bytes; this leaves room for the prefix. */
export const MAX_BROADCAST_BYTES = 7900;
const LAYOUT_VERSION = '1';
/** Longest identifier PostgreSQL keeps (longer ones are truncated silently). */
const MAX_IDENTIFIER_BYTES = 63;
/** A dropped listener connection is opened again after this, doubling up to the maximum. */
const RECONNECT_DELAY_MS = 100;
const MAX_RECONNECT_DELAY_MS = 5000;
/** How long opening a connection (or waiting for a free one in the pool) may take. */
const CONNECT_TIMEOUT_MS = 30_000;
const INT8_OID = 20;

/**
 * `bigint` columns (Int and Long keys, counts, positions) read as numbers: every value the store
 * keeps in them is a JavaScript number to begin with. Per pool, not `pg`'s global parsers.
 */
function typeParser(oid: number, format?: 'text' | 'binary'): (text: string) => unknown {
  if (oid === INT8_OID && format !== 'binary') return (text: string) => Number(text);
  return pg.types.getTypeParser(oid, format ?? 'text') as (text: string) => unknown;
}
const PG_TYPES = { getTypeParser: typeParser };

export async function openPostgresStore(
  schema: SchemaMeta,
  options: PostgresStoreOptions,
): Promise<Store> {
  const store = new PostgresStore(schema, options);
  try {
    await store.open();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/** One table's storage: its relation, key type and index side tables. */
interface TableStorage {
  readonly meta: TableMeta;
  /** `database.tableName`: the name the bookkeeping knows the table by. */
  readonly storage: string;
  /** The quoted, schema-qualified relation. */
  readonly relation: string;
  /** The SQL type of the key column. */
  readonly keyType: 'text' | 'bigint' | 'double precision';
  /** Index side tables by attribute: the quoted, schema-qualified relation. */
  readonly indexes: ReadonlyMap<string, string>;
  /** Index side tables by attribute: the bare name. */
  readonly indexNames: ReadonlyMap<string, string>;
}

type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** An index built from the stored records. */
interface IndexBuild {
  readonly table: TableStorage;
  readonly attribute: string;
  readonly relation: string;
  /** `Type.attribute`, for messages. */
  readonly label: string;
  total: number;
  startedAt: number;
}

/** The records of a relation, counting at most `limit`. */
async function countRecords(client: Queryable, relation: string, limit?: number): Promise<number> {
  const { rows } = await client.query<{ count: number }>(
    limit === undefined
      ? `SELECT count(*) AS count FROM ${relation}`
      : `SELECT count(*) AS count FROM (SELECT 1 FROM ${relation} LIMIT ${limit}) AS records`,
  );
  return Number(rows[0]?.count ?? 0);
}

/** The error a failed query carries (`pg`'s DatabaseError has a SQLSTATE `code`). */
function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Serialization failure, deadlock: PostgreSQL's own conflicts. */
function isConflict(error: unknown): boolean {
  const code = sqlState(error);
  return code === '40001' || code === '40P01';
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** An identifier PostgreSQL keeps whole: long names are cut and get a hash of the full name. */
function identifier(name: string): string {
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  let prefix = name;
  while (Buffer.byteLength(prefix) > MAX_IDENTIFIER_BYTES - 11) prefix = prefix.slice(0, -1);
  return `${prefix}_${hash}`;
}

function storageOf(table: TableMeta): string {
  return `${table.database}.${table.tableName}`;
}

function relationNameOf(table: TableMeta): string {
  return identifier(
    table.database === 'data' ? table.tableName : `${table.database}__${table.tableName}`,
  );
}

function keyTypeOf(table: TableMeta): TableStorage['keyType'] {
  switch (table.keyType) {
    case 'Int':
    case 'Long':
      return 'bigint';
    case 'Float':
      return 'double precision';
    default:
      return 'text';
  }
}

function keyColumn(keyType: TableStorage['keyType']): string {
  return keyType === 'text' ? 'text COLLATE "C"' : keyType;
}

function indexedAttributes(table: TableMeta): string[] {
  return table.attributes
    .filter(
      (attribute) => attribute.indexed && attribute.relationship === null && !attribute.primaryKey,
    )
    .map((attribute) => attribute.name);
}

/**
 * A text key as the key column holds it. PostgreSQL text cannot hold U+0000, so it is escaped in
 * a way that keeps UTF-8 byte order (U+0000 → U+0001 U+0001, U+0001 → U+0001 U+0002); every other
 * key is stored as it is. Numbers pass unchanged.
 */
export function dbKey(key: Key): Key {
  if (typeof key !== 'string' || !(key.includes('\0') || key.includes('\x01'))) return key;
  let escaped = '';
  for (const char of key)
    escaped += char === '\0' ? '\x01\x01' : char === '\x01' ? '\x01\x02' : char;
  return escaped;
}

function dbKeys(keys: Iterable<Key>): Key[] {
  return [...keys].map(dbKey);
}

/** A key as `pg` returns it (text, or a number: `PG_TYPES` reads `bigint` as one), unescaped. */
function keyFrom(value: unknown): Key {
  if (typeof value === 'number') return value;
  const text = typeof value === 'string' ? value : String(value);
  if (!text.includes('\x01')) return text;
  let key = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\x01') key += text[++i] === '\x01' ? '\0' : '\x01';
    else key += text[i];
  }
  return key;
}

/** Ordering rank of a key or bound value, as the interface orders them (`indexValues.ts`). */
function rankOf(value: IndexValue): number {
  return value === null ? 0 : typeof value === 'boolean' ? 1 : typeof value === 'number' ? 2 : 3;
}

/**
 * Whether `key` can be a key of the table at all (its column's type holds it exactly): a number
 * is never a text key, nor a fraction a `bigint` one. Looking up any other key finds nothing.
 */
function storable(key: Key, keyType: TableStorage['keyType']): boolean {
  if (keyType === 'text') return typeof key === 'string';
  if (typeof key !== 'number') return false;
  return keyType === 'double precision' || (Number.isInteger(key) && Math.abs(key) < 2 ** 63);
}

/** The one-line message for a failure to connect, naming the server and the cause. */
function connectionError(url: string, error: unknown): Error {
  let where = 'the PostgreSQL server';
  let user = '';
  let database = '';
  try {
    const parsed = new URL(url);
    where = `the PostgreSQL server at ${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
    user = decodeURIComponent(parsed.username);
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  } catch {
    // Not a URL: pg parses other forms; the message names the server generically.
  }
  const code = sqlState(error);
  const message = error instanceof Error ? error.message : String(error);
  let text: string;
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EHOSTUNREACH' ||
    code === 'ETIMEDOUT'
  )
    text = `cannot reach ${where} (${code}): is it running, and is the address right?`;
  else if (code === '28P01' || code === '28000')
    text = `${where} refused the credentials of user ${JSON.stringify(user)}: ${message}`;
  else if (code === '3D000')
    text = `${where} has no database ${JSON.stringify(database)}: create it first (${message})`;
  else text = `cannot connect to ${where}: ${message}`;
  return new Error(`PostgreSQL store: ${text}`, { cause: error });
}

/** A transaction's commit, undefined when it changed nothing, or CONFLICT when it was left out. */
type TxnOutcome = Commit | undefined | typeof CONFLICT;

interface Queued {
  readonly txn: PostgresWriteTxn;
  readonly resolve: (outcome: TxnOutcome) => void;
  readonly reject: (error: unknown) => void;
}

interface Result {
  readonly item: Queued;
  readonly error?: unknown;
  readonly outcome?: TxnOutcome;
  readonly position?: number;
}

interface LogRow {
  readonly position: string;
  readonly version: number;
  readonly changes: unknown;
}

/** A change as the log holds it: key and record in the tagged JSON of `postgresValues.ts`. */
interface LoggedChange {
  readonly table: string;
  readonly key: unknown;
  readonly type: 'put' | 'delete';
  readonly value?: unknown;
  readonly version: number;
}

function logChanges(changes: readonly Change[]): string {
  return JSON.stringify(
    changes.map((change): LoggedChange => {
      const logged = {
        table: change.table,
        key: toJson(change.key),
        type: change.type,
        version: change.version,
      };
      return change.value === undefined ? logged : { ...logged, value: toJson(change.value) };
    }),
  );
}

function commitFrom(row: LogRow): Commit {
  const logged = row.changes as LoggedChange[];
  return {
    version: row.version,
    changes: logged.map((change): Change => {
      const base = { table: change.table, key: fromJson(change.key) as Key, type: change.type };
      return change.value === undefined
        ? { ...base, version: change.version }
        : { ...base, value: fromJson(change.value) as StoredValue, version: change.version };
    }),
  };
}

class PostgresStore implements Store {
  readonly pool: pg.Pool;
  /** Statement names by SQL text (see `prepared`). */
  private readonly statementNames = new Map<string, string>();
  private readonly url: string;
  private readonly log: (line: string) => void;
  private readonly userSchema: string;
  /** The bookkeeping schema, quoted. */
  readonly book: string;
  private readonly bookName: string;
  private readonly tables = new Map<string, TableStorage>();
  private readonly reader: PostgresReader;
  private readonly listeners = new Set<(commit: Commit) => void>();
  private readonly turns = new Turns();
  private queue: Queued[] = [];
  private committing: Promise<void> | undefined;
  /** The highest version this process has given or seen committed. */
  private highestVersion = 0;
  /** See `retypedAttributes`. */
  private retyped: readonly string[] = [];
  private closed = false;
  /** The last log position handed to the listeners (or passed while there were none). */
  private lastDelivered = 0;
  private delivery: Promise<void> = Promise.resolve();
  /** This process's commits by position, until delivered: no need to read them back. */
  private readonly ownCommits = new Map<number, Commit>();
  private listener: pg.Client | undefined;
  /** Who hears `broadcast`s of other processes. */
  private readonly broadcastListeners = new Set<(payload: string) => void>();
  /** Tells this process's own broadcasts from the others' on the shared channel. */
  private readonly processId = randomUUID();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = RECONNECT_DELAY_MS;
  private pollTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning = false;
  private readonly retention: LogRetention;
  private readonly pollIntervalMs: number;
  private readonly pruneIntervalMs: number;
  private readonly indexBuildBatch: number;
  /** Indexes being built in the background, by `table\0attribute` (type name). */
  private readonly building = new Map<string, IndexBuild>();
  private buildWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private builder: Promise<void> | undefined;

  constructor(
    private readonly schema: SchemaMeta,
    options: PostgresStoreOptions,
  ) {
    this.url = options.url;
    this.log = options.log ?? ((line: string) => console.log(line));
    this.userSchema = options.schema ?? 'public';
    this.bookName = options.bookkeepingSchema ?? 'codegen';
    this.book = quote(this.bookName);
    this.retention = options.logRetention ?? DEFAULT_LOG_RETENTION;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.pruneIntervalMs = options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
    this.indexBuildBatch = options.indexBuildBatch ?? INDEX_BUILD_BATCH;
    this.pool = new pg.Pool({
      connectionString: this.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      types: PG_TYPES,
    });
    // An idle connection the server dropped: the pool discards it and the next query opens another.
    this.pool.on('error', () => undefined);
    for (const table of schema.tables) {
      const relation = relationNameOf(table);
      const indexes = new Map<string, string>();
      const indexNames = new Map<string, string>();
      for (const attribute of indexedAttributes(table)) {
        const name = identifier(`${relation}__${attribute}`);
        indexNames.set(attribute, name);
        indexes.set(attribute, this.qualified(name));
      }
      this.tables.set(table.name, {
        meta: table,
        storage: storageOf(table),
        relation: this.qualified(relation),
        keyType: keyTypeOf(table),
        indexes,
        indexNames,
      });
    }
    this.reader = new PostgresReader(this);
  }

  /** Whether the store is still open (a method: it may close while a call awaits). */
  private isOpen(): boolean {
    return !this.closed;
  }

  private qualified(name: string): string {
    return `${quote(this.userSchema)}.${quote(name)}`;
  }

  /**
   * Runs one of the store's frequent statements as a named prepared statement: each pooled
   * connection parses and plans it once, not on every call (a query answer runs about ten). Only
   * for texts from a bounded set (values go in parameters, never in the text).
   */
  prepared<R extends pg.QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    let name = this.statementNames.get(text);
    if (name === undefined) {
      name = `codegen_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      this.statementNames.set(text, name);
    }
    return this.pool.query<R>({ name, text, values: [...values] });
  }

  /** Connects, lays out or evolves the database, and starts hearing of other processes' commits. */
  async open(): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw connectionError(this.url, error);
    }
    try {
      await client.query('BEGIN');
      // Two processes opening one new database at once: one lays it out, the other waits.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `codegen store ${this.bookName}`,
      ]);
      await this.layOut(client);
      await this.evolve(client);
      const { rows } = await client.query<{ last_version: number; last_position: string }>(
        `SELECT last_version, last_position FROM ${this.book}.clock WHERE id = 1`,
      );
      await client.query('COMMIT');
      this.highestVersion = rows[0]!.last_version;
      this.lastDelivered = Number(rows[0]!.last_position);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error instanceof Error && error.message.startsWith('PostgreSQL store:')
        ? error
        : new Error(
            `PostgreSQL store: preparing the database failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
    } finally {
      client.release();
    }
    await this.listen();
    this.pruneTimer = setInterval(() => void this.prune(), this.pruneIntervalMs);
    this.pruneTimer.unref();
    if (this.building.size > 0) this.builder = this.buildInBackground();
  }

  private async layOut(client: pg.PoolClient): Promise<void> {
    const book = this.book;
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${book}`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(this.userSchema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${book}.meta (name text PRIMARY KEY, value text NOT NULL)`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${book}.clock (
         id smallint PRIMARY KEY CHECK (id = 1),
         last_version double precision NOT NULL,
         last_position bigint NOT NULL,
         pruned_through double precision NOT NULL)`,
    );
    await client.query(`INSERT INTO ${book}.clock VALUES (1, 0, 0, 0) ON CONFLICT (id) DO NOTHING`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${book}.log (
         position bigint PRIMARY KEY,
         version double precision NOT NULL UNIQUE,
         changes jsonb NOT NULL,
         committed_at timestamptz NOT NULL DEFAULT now())`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${book}.tables (
         storage text PRIMARY KEY,
         relation text NOT NULL,
         key_type text NOT NULL,
         changes bigint NOT NULL DEFAULT 0)`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${book}.keys (storage text PRIMARY KEY, next_key numeric NOT NULL)`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${book}.indexes (
         storage text NOT NULL,
         attribute text NOT NULL,
         relation text NOT NULL,
         built boolean NOT NULL,
         progress jsonb,
         PRIMARY KEY (storage, attribute))`,
    );
    await client.query(
      `INSERT INTO ${book}.meta VALUES ('layout', $1) ON CONFLICT (name) DO NOTHING`,
      [LAYOUT_VERSION],
    );
    const layout = await client.query<{ value: string }>(
      `SELECT value FROM ${book}.meta WHERE name = 'layout'`,
    );
    if (layout.rows[0]?.value !== LAYOUT_VERSION) {
      throw new Error(
        `PostgreSQL store: the schema ${this.bookName} holds the bookkeeping of layout ${String(layout.rows[0]?.value)}, not ${LAYOUT_VERSION}: a newer or older store wrote it`,
      );
    }
  }

  /**
   * Creates the tables the schema declares (or checks the existing ones), builds the indexes it
   * newly declares from the stored records and drops the ones it no longer declares, and reports
   * how the schema changed since the database was last served (contract section 11).
   */
  private async evolve(client: pg.PoolClient): Promise<void> {
    const book = this.book;
    const stored = await client.query<{ value: string }>(
      `SELECT value FROM ${book}.meta WHERE name = 'schema'`,
    );
    const current = serializeSchema(this.schema);
    const previousText = stored.rows[0]?.value;
    const knownRetyped = await client.query<{ value: string }>(
      `SELECT value FROM ${book}.meta WHERE name = 'retyped'`,
    );
    this.retyped = parseRetyped(knownRetyped.rows[0]?.value);
    if (previousText !== undefined && previousText !== current) {
      const previous = parseStoredSchema(previousText);
      if (previous === undefined) {
        throw new Error(
          `PostgreSQL store: ${book}.meta holds a schema that cannot be read: the database belongs to something else`,
        );
      }
      for (const change of describeSchemaChanges(previous, this.schema))
        this.log(`schema: ${change}`);
      this.retyped = retypedAttributes(previous, this.schema, this.retyped);
      await client.query(
        `INSERT INTO ${book}.meta VALUES ('retyped', $1) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
        [JSON.stringify(this.retyped)],
      );
    }
    const known = await client.query<{ storage: string; relation: string; key_type: string }>(
      `SELECT storage, relation, key_type FROM ${book}.tables`,
    );
    const knownTables = new Map(known.rows.map((row) => [row.storage, row]));
    for (const table of this.tables.values()) {
      const registered = knownTables.get(table.storage);
      if (registered !== undefined) {
        if (registered.key_type !== table.keyType) {
          throw new Error(
            `PostgreSQL store: the table ${table.meta.name} is stored with ${registered.key_type} keys, but its key ${table.meta.primaryKey} is now ${table.meta.keyType} (${table.keyType} keys); the stored records cannot be served under the new key type`,
          );
        }
        continue;
      }
      const exists = await client.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
        table.relation,
      ]);
      if ((exists.rows[0] as { exists: boolean }).exists) {
        throw new Error(
          `PostgreSQL store: the database already has a table ${table.relation} that this store did not create (it holds tables of another schema or application); use another database or schema`,
        );
      }
      await client.query(
        `CREATE TABLE ${table.relation} (
           key ${keyColumn(table.keyType)} PRIMARY KEY,
           record jsonb NOT NULL,
           version double precision NOT NULL)`,
      );
      await client.query(
        `INSERT INTO ${book}.tables (storage, relation, key_type) VALUES ($1, $2, $3)`,
        [table.storage, table.relation, table.keyType],
      );
      await client.query(`INSERT INTO ${book}.keys VALUES ($1, 1) ON CONFLICT DO NOTHING`, [
        table.storage,
      ]);
    }
    const existing = await client.query<{
      storage: string;
      attribute: string;
      relation: string;
      built: boolean;
    }>(
      `SELECT storage, attribute, relation, built FROM ${book}.indexes ORDER BY storage, attribute`,
    );
    const declared = new Set<string>();
    for (const table of this.tables.values())
      for (const attribute of table.indexes.keys()) declared.add(`${table.storage}\0${attribute}`);
    for (const row of existing.rows) {
      if (declared.has(`${row.storage}\0${row.attribute}`)) continue;
      await client.query(`DROP TABLE IF EXISTS ${row.relation}`);
      await client.query(`DELETE FROM ${book}.indexes WHERE storage = $1 AND attribute = $2`, [
        row.storage,
        row.attribute,
      ]);
      this.log(`schema: the index ${row.storage}.${row.attribute} is no longer declared; dropped`);
    }
    const registered = new Map(
      existing.rows.map((row) => [`${row.storage}\0${row.attribute}`, row.built]),
    );
    for (const table of this.tables.values()) {
      for (const [attribute, relation] of table.indexes) {
        const built = registered.get(`${table.storage}\0${attribute}`);
        if (built === true) continue;
        const label = `${table.meta.name}.${attribute}`;
        const job: IndexBuild = { table, attribute, relation, label, total: 0, startedAt: 0 };
        if (built === undefined) {
          await this.createIndexTable(client, job);
          const total = await countRecords(client, table.relation, this.indexBuildBatch + 1);
          if (total <= this.indexBuildBatch) {
            await this.fillIndex(client, job, undefined, this.indexBuildBatch + 1);
            await client.query(
              `INSERT INTO ${book}.indexes (storage, attribute, relation, built) VALUES ($1, $2, $3, true)`,
              [table.storage, attribute, relation],
            );
            if (total > 0) {
              // Statistics for `estimateIndex` at once, not when autovacuum comes by.
              await client.query(`ANALYZE ${relation}`);
              this.log(`schema: ${label} is now indexed; built its index from ${total} records`);
            }
            continue;
          }
          await client.query(
            `INSERT INTO ${book}.indexes (storage, attribute, relation, built) VALUES ($1, $2, $3, false)`,
            [table.storage, attribute, relation],
          );
        }
        job.total = await countRecords(client, table.relation);
        job.startedAt = Date.now();
        this.building.set(`${table.meta.name}\0${attribute}`, job);
        this.log(
          `schema: ${label} is now indexed; ${built === undefined ? 'building' : 'resuming the build of'} its index ` +
            `from ${job.total} records in the background (queries that need it answer 503 until it is built)`,
        );
      }
    }
    await client.query(
      `INSERT INTO ${book}.meta VALUES ('schema', $1) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`,
      [current],
    );
  }

  /** Creates an (empty) index side table. */
  private async createIndexTable(client: pg.PoolClient, job: IndexBuild): Promise<void> {
    const { table, attribute, relation } = job;
    // Leftovers of an index dropped long ago, whose registration was lost: start clean.
    await client.query(`DROP TABLE IF EXISTS ${relation}`);
    await client.query(
      `CREATE TABLE ${relation} (
         kind smallint NOT NULL,
         num double precision NOT NULL,
         str bytea NOT NULL,
         key ${keyColumn(table.keyType)} NOT NULL,
         PRIMARY KEY (kind, num, str, key))`,
    );
    const keyIndex = identifier(`${table.indexNames.get(attribute)!}__key`);
    await client.query(`CREATE INDEX ${quote(keyIndex)} ON ${relation} (key)`);
  }

  /**
   * Indexes the records after `after` (a key as the column holds it), in batches of at most
   * `limit` until one is short or `batches` ran; returns the records indexed and the last key.
   */
  private async fillIndex(
    client: pg.PoolClient,
    job: IndexBuild,
    after: Key | undefined,
    limit: number,
    batches = Infinity,
  ): Promise<{ count: number; last: Key | undefined; done: boolean }> {
    const { table, attribute, relation } = job;
    let count = 0;
    let last = after;
    for (let batch = 0; batch < batches; batch++) {
      const { rows } = await client.query<{ key: unknown; record: unknown }>(
        last === undefined
          ? `SELECT key, record FROM ${table.relation} ORDER BY key LIMIT ${limit}`
          : `SELECT key, record FROM ${table.relation} WHERE key > $1::${table.keyType} ORDER BY key LIMIT ${limit}`,
        last === undefined ? [] : [last],
      );
      const entries = new IndexRows();
      for (const row of rows) {
        const key = keyFrom(row.key);
        const record = fromJson(row.record) as StoredValue;
        for (const value of indexValuesOf(record[attribute])) entries.add(value, key);
      }
      // A record written since the build started has its entries already (its commit wrote them).
      await entries.insert(client, relation, table.keyType, true);
      count += rows.length;
      if (rows.length > 0) last = dbKey(keyFrom(rows[rows.length - 1]!.key));
      if (rows.length < limit) return { count, last, done: true };
    }
    return { count, last, done: false };
  }

  /**
   * Builds the indexes of `building`, one transaction per batch of records. Each batch holds the
   * clock row's lock, as a commit does: no commit changes the records it reads meanwhile, and
   * commits after it keep the entries of the records they write up to date. Every process serving
   * the database takes part (the progress is in `codegen.indexes`); a build resumes where it
   * stopped after a restart.
   */
  private async buildInBackground(): Promise<void> {
    for (const [id, job] of [...this.building]) {
      for (;;) {
        if (!this.isOpen()) return;
        try {
          if (await this.buildStep(job)) break;
        } catch (error) {
          if (!this.isOpen()) return;
          log.error(`building the index of ${job.label} failed; trying again`, { err: error });
          await new Promise((resolve) => setTimeout(resolve, INDEX_BUILD_RETRY_MS));
        }
      }
      this.building.delete(id);
      const seconds = ((Date.now() - job.startedAt) / 1000).toFixed(1);
      this.log(`schema: the index of ${job.label} is built (${job.total} records, ${seconds} s)`);
    }
    const waiters = this.buildWaiters;
    this.buildWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  /** One batch of a background build; true once the index is complete (by any process). */
  private async buildStep(job: IndexBuild): Promise<boolean> {
    const client = await this.pool.connect();
    let failed: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SELECT 1 FROM ${this.book}.clock WHERE id = 1 FOR UPDATE`);
      const { rows } = await client.query<{ built: boolean; progress: Key | null }>(
        `SELECT built, progress FROM ${this.book}.indexes
          WHERE storage = $1 AND attribute = $2 FOR UPDATE`,
        [job.table.storage, job.attribute],
      );
      const state = rows[0];
      if (state === undefined || state.built) {
        await client.query('COMMIT');
        return true;
      }
      const { last, done } = await this.fillIndex(
        client,
        job,
        state.progress ?? undefined,
        this.indexBuildBatch,
        1,
      );
      await client.query(
        `UPDATE ${this.book}.indexes SET built = $3, progress = $4::jsonb
          WHERE storage = $1 AND attribute = $2`,
        [job.table.storage, job.attribute, done, JSON.stringify(last ?? null)],
      );
      await client.query('COMMIT');
      if (done) await client.query(`ANALYZE ${job.relation}`);
      return done;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      failed = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(failed);
    }
  }

  /** Whether the index holds every record (false while it is built in the background). */
  indexReady(table: string, attribute: string): boolean {
    return !this.building.has(`${table}\0${attribute}`);
  }

  retypedAttributes(): readonly string[] {
    return this.retyped;
  }

  async settleRetyped(names: readonly string[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const stored = await client.query<{ value: string }>(
        `SELECT value FROM ${this.book}.meta WHERE name = 'retyped' FOR UPDATE`,
      );
      const left = parseRetyped(stored.rows[0]?.value).filter((name) => !names.includes(name));
      await client.query(`UPDATE ${this.book}.meta SET value = $1 WHERE name = 'retyped'`, [
        JSON.stringify(left),
      ]);
      await client.query('COMMIT');
      this.retyped = left;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  indexesBuilt(): Promise<void> {
    if (this.building.size === 0) return Promise.resolve();
    if (this.closed)
      return Promise.reject(new Error('The store closed before its indexes were built'));
    return new Promise((resolve, reject) => this.buildWaiters.push({ resolve, reject }));
  }

  read(): ReadTxn {
    return this.reader;
  }

  table(name: string): TableStorage {
    const storage = this.tables.get(name);
    if (!storage) throw new Error(`Unknown table ${name}`);
    return storage;
  }

  index(table: string, attribute: string): string {
    const index = this.table(table).indexes.get(attribute);
    if (index === undefined) throw new Error(`Table ${table} has no index on ${attribute}`);
    return index;
  }

  /** The change counter of a table in the committed state. */
  async changeCounter(table: string): Promise<number> {
    const { rows } = await this.prepared<{ changes: string }>(
      `SELECT changes FROM ${this.book}.tables WHERE storage = $1`,
      [this.table(table).storage],
    );
    return Number(rows[0]?.changes ?? 0);
  }

  async write<T>(
    work: (txn: WriteTxn) => T | Promise<T>,
    options?: StoreWriteOptions,
  ): Promise<Committed<T>> {
    return this.turns.run(async (): Promise<Committed<T> | typeof CONFLICT> => {
      if (this.closed) throw new Error('The store is closed');
      const txn = new PostgresWriteTxn(this, this.provisionalVersion(), this.highestVersion);
      let value: T;
      try {
        value = await work(txn);
      } catch (error) {
        txn.finish();
        // A work that read a state since changed may have failed because of it: run it again.
        if (await txn.stale()) return CONFLICT;
        throw error;
      }
      txn.finish();
      const outcome: TxnOutcome = txn.wroteNothing()
        ? (await txn.stale())
          ? CONFLICT
          : undefined
        : await this.enqueue(txn);
      if (outcome === CONFLICT) return CONFLICT;
      return { value, version: outcome?.version, changes: outcome?.changes ?? [] };
    }, options?.retries);
  }

  private enqueue(txn: PostgresWriteTxn): Promise<TxnOutcome> {
    if (this.closed) return Promise.reject(new Error('The store is closed'));
    return new Promise<TxnOutcome>((resolve, reject) => {
      const item: Queued = { txn, resolve, reject };
      // A run in its turn (after a conflict) goes first: others that read the same records yield.
      if (this.turns.inTurn()) this.queue.unshift(item);
      else this.queue.push(item);
      this.committing ??= this.commitLoop();
    });
  }

  /** Commits the queued transactions, a batch (one PostgreSQL transaction) at a time. */
  private async commitLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        let results: Result[];
        try {
          results = await this.commitBatch(batch);
        } catch (error) {
          // Conflicts of PostgreSQL's own (a deadlock): every transaction of the batch runs again.
          results = batch.map((item) =>
            isConflict(error) ? { item, outcome: CONFLICT } : { item, error },
          );
        }
        await this.settle(results);
      }
    } finally {
      this.committing = undefined;
    }
  }

  private async commitBatch(batch: readonly Queued[]): Promise<Result[]> {
    const client = await this.pool.connect();
    const results: Result[] = [];
    let release: boolean | Error = false;
    try {
      await client.query('BEGIN');
      const clock = await client.query<{
        last_version: number;
        last_position: string;
        now: number;
      }>(
        `SELECT last_version, last_position,
                floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now
           FROM ${this.book}.clock WHERE id = 1 FOR UPDATE`,
      );
      const row = clock.rows[0]!;
      let lastVersion = Math.max(row.last_version, 0);
      let position = Number(row.last_position);
      this.highestVersion = Math.max(this.highestVersion, lastVersion);
      const savepoints = batch.length > 1;
      for (const item of batch) {
        const { txn } = item;
        if (savepoints) await client.query('SAVEPOINT txn');
        try {
          if (!(await this.validate(client, txn))) {
            results.push({ item, outcome: CONFLICT });
            if (savepoints) await client.query('RELEASE SAVEPOINT txn');
            continue;
          }
          const version = row.now > lastVersion ? row.now : lastVersion + VERSION_STEP;
          txn.version = version;
          const { changes, written } = await this.apply(client, txn);
          if (changes.length === 0) {
            results.push({ item, outcome: undefined });
            if (savepoints) await client.query('RELEASE SAVEPOINT txn');
            continue;
          }
          position += 1;
          await client.query(
            `WITH counted AS (
               UPDATE ${this.book}.tables SET changes = changes + 1 WHERE storage = ANY($4::text[])
             )
             INSERT INTO ${this.book}.log (position, version, changes) VALUES ($1, $2, $3::jsonb)`,
            [position, version, logChanges(changes), written],
          );
          if (savepoints) await client.query('RELEASE SAVEPOINT txn');
          lastVersion = version;
          results.push({ item, outcome: { version, changes }, position });
        } catch (error) {
          if (!savepoints) throw error;
          await client.query('ROLLBACK TO SAVEPOINT txn');
          await client.query('RELEASE SAVEPOINT txn');
          results.push(isConflict(error) ? { item, outcome: CONFLICT } : { item, error });
        }
      }
      const committed = results.filter((result) => result.position !== undefined);
      if (committed.length === 0) {
        await client.query('ROLLBACK');
        return results;
      }
      await client.query(
        `WITH clock AS (
           UPDATE ${this.book}.clock SET last_version = $1, last_position = $2 WHERE id = 1
         )
         SELECT pg_notify($3, $4)`,
        [lastVersion, position, NOTIFY_CHANNEL, `${this.bookName} ${position}`],
      );
      // Registered before COMMIT: a notification of this very commit may be heard before COMMIT answers.
      for (const result of committed)
        this.ownCommits.set(result.position!, result.outcome as Commit);
      try {
        await client.query('COMMIT');
      } catch (error) {
        for (const result of committed) this.ownCommits.delete(result.position!);
        throw error;
      }
      this.highestVersion = Math.max(this.highestVersion, lastVersion);
      return results;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      release = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A connection that failed mid-transaction is not given back to the pool.
      client.release(release === false ? undefined : release);
    }
  }

  /**
   * Whether `txn` may commit on the state the batch has reached: every key it read has the
   * version it saw (or is still absent), no key it wrote blind was written after it started, and
   * no table it scanned or counted changed since.
   */
  private async validate(client: pg.PoolClient, txn: PostgresWriteTxn): Promise<boolean> {
    for (const [table, keys] of txn.keysToCheck()) {
      const storage = this.table(table);
      const { rows } = await client.query<{ key: unknown; version: number }>(
        `SELECT key, version FROM ${storage.relation} WHERE key = ANY($1::${storage.keyType}[])`,
        [dbKeys([...keys.keys()].filter((key) => storable(key, storage.keyType)))],
      );
      const current = new Map(rows.map((row) => [keyFrom(row.key), row.version]));
      for (const [key, seen] of keys) {
        const version = current.get(key) ?? ABSENT;
        if (seen === BLIND ? version > txn.startVersion : version !== seen) return false;
      }
    }
    if (txn.scanned.size > 0) {
      const names = [...txn.scanned.keys()];
      const { rows } = await client.query<{ storage: string; changes: string }>(
        `SELECT storage, changes FROM ${this.book}.tables WHERE storage = ANY($1::text[])`,
        [names.map((name) => this.table(name).storage)],
      );
      const counters = new Map(rows.map((row) => [row.storage, Number(row.changes)]));
      for (const [table, counter] of txn.scanned)
        if ((counters.get(this.table(table).storage) ?? 0) !== counter) return false;
    }
    return true;
  }

  /** Writes the transaction's buffered changes, index entries and counters; returns the changes. */
  /**
   * Writes the transaction's buffered records and index entries; returns the changes and the
   * tables changed (whose counters the log row's statement bumps).
   */
  private async apply(
    client: pg.PoolClient,
    txn: PostgresWriteTxn,
  ): Promise<{ changes: Change[]; written: string[] }> {
    const changes: Change[] = [];
    const { version } = txn;
    const written: string[] = [];
    for (const [table, writes] of txn.writes) {
      const storage = this.table(table);
      const keyType = storage.keyType;
      // A key the column cannot hold has no record to delete.
      const deleted = [...writes]
        .filter(([key, value]) => value === null && storable(key, keyType))
        .map(([key]) => key);
      const put = [...writes].filter(([, value]) => value !== null) as [Key, StoredValue][];
      // One statement for the records and the removal of their index entries (one round trip
      // however many indexes), one for the new index entries.
      const params: unknown[] = [];
      const param = (value: unknown): string => {
        params.push(value);
        return `$${params.length}`;
      };
      const steps: string[] = [];
      if (deleted.length > 0) {
        steps.push(
          `gone AS (DELETE FROM ${storage.relation} WHERE key = ANY(${param(dbKeys(deleted))}::${keyType}[]) RETURNING key)`,
        );
      }
      if (put.length > 0) {
        const keys = param(put.map(([key]) => dbKey(key)));
        const records = param(put.map(([, value]) => toJsonText(value)));
        steps.push(
          `put AS (INSERT INTO ${storage.relation} (key, record, version)
             SELECT u.key, u.record::jsonb, ${param(version)}::float8
               FROM unnest(${keys}::${keyType}[], ${records}::text[]) AS u(key, record)
             ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record, version = EXCLUDED.version)`,
        );
      }
      if (steps.length === 0) continue;
      if (storage.indexes.size > 0) {
        const touched = param(dbKeys([...put.map(([key]) => key), ...deleted]));
        let n = 0;
        for (const relation of storage.indexes.values())
          steps.push(
            `unindexed${n++} AS (DELETE FROM ${relation} WHERE key = ANY(${touched}::${keyType}[]))`,
          );
      }
      const { rows } = await client.query<{ key: unknown }>(
        `WITH ${steps.join(',\n')} ${deleted.length > 0 ? 'SELECT key FROM gone' : 'SELECT NULL AS key WHERE false'}`,
        params,
      );
      const gone = new Set(rows.map((row) => keyFrom(row.key)));
      if (put.length > 0 && storage.indexes.size > 0) {
        const inserts: string[] = [];
        const entryParams: unknown[] = [];
        for (const [attribute, relation] of storage.indexes) {
          const entries = new IndexRows();
          for (const [key, value] of put)
            for (const indexed of indexValuesOf(value[attribute])) entries.add(indexed, key);
          const insert = entries.insertStep(relation, keyType, entryParams);
          if (insert !== undefined) inserts.push(`indexed${inserts.length} AS (${insert})`);
        }
        if (inserts.length > 0)
          await client.query(`WITH ${inserts.join(',\n')} SELECT 1`, entryParams);
      }
      if (gone.size === 0 && put.length === 0) continue;
      for (const [key, value] of writes) {
        if (value === null) {
          if (gone.has(key)) changes.push({ table, key, type: 'delete', version });
        } else {
          changes.push({ table, key, type: 'put', value, version });
        }
      }
      written.push(storage.storage);
    }
    return { changes, written };
  }

  /** After a batch's durable commit: listeners hear of each commit, in order, then it resolves. */
  private async settle(results: readonly Result[]): Promise<void> {
    const last = results.reduce((highest, result) => Math.max(highest, result.position ?? 0), 0);
    if (last > 0) await this.deliverThrough(last);
    for (const { item, error, outcome } of results) {
      if (error !== undefined) item.reject(error);
      else item.resolve(outcome);
    }
  }

  /** Hands the commits after the last delivered one up to `position` to the listeners, in order. */
  deliverThrough(position: number): Promise<void> {
    const run = (): Promise<void> => this.catchUp(position);
    this.delivery = this.delivery.then(run, run);
    return this.delivery.catch((error: unknown) => {
      if (!this.closed) log.error('reading commits from the log failed', { err: error });
    });
  }

  private async catchUp(target: number): Promise<void> {
    while (this.lastDelivered < target) {
      if (this.listeners.size === 0 || this.closed) {
        this.lastDelivered = target;
        break;
      }
      const next = this.lastDelivered + 1;
      const own = this.ownCommits.get(next);
      if (own !== undefined) {
        this.lastDelivered = next;
        this.publish(own);
        continue;
      }
      const { rows } = await this.prepared<LogRow>(
        `SELECT position, version, changes FROM ${this.book}.log
          WHERE position > $1 AND position <= $2 ORDER BY position LIMIT ${DELIVERY_CHUNK}`,
        [this.lastDelivered, target],
      );
      if (rows.length === 0) {
        // Pruned before this process read them (a listener that lagged a whole retention).
        this.lastDelivered = target;
        break;
      }
      for (const row of rows) {
        const at = Number(row.position);
        if (at <= this.lastDelivered) continue;
        // Delivery went on meanwhile? No: it is serialized; but own commits may sit in between.
        for (let gap = this.lastDelivered + 1; gap < at; gap++) {
          const ownGap = this.ownCommits.get(gap);
          this.lastDelivered = gap;
          if (ownGap !== undefined) this.publish(ownGap);
        }
        this.lastDelivered = at;
        this.highestVersion = Math.max(this.highestVersion, row.version);
        this.publish(this.ownCommits.get(at) ?? commitFrom(row));
      }
    }
    for (const own of this.ownCommits.keys())
      if (own <= this.lastDelivered) this.ownCommits.delete(own);
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
    if (this.listeners.size === 0 && !this.closed) {
      this.pollTimer = setInterval(() => void this.poll(), this.pollIntervalMs);
      this.pollTimer.unref();
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopPolling();
    };
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** The last position in the log, from the clock row. */
  private async lastPosition(): Promise<number> {
    const { rows } = await this.prepared<{ last_position: string }>(
      `SELECT last_position FROM ${this.book}.clock WHERE id = 1`,
    );
    return Number(rows[0]?.last_position ?? 0);
  }

  private async poll(): Promise<void> {
    if (this.closed || this.listeners.size === 0) return;
    try {
      await this.deliverThrough(await this.lastPosition());
    } catch (error) {
      if (this.isOpen()) log.error('polling the commit log failed', { err: error });
    }
  }

  async refresh(): Promise<void> {
    if (this.closed) return;
    await this.deliverThrough(await this.lastPosition());
  }

  /** Listens for `NOTIFY` of commits; a dropped connection reconnects and catches up. */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.url,
      types: PG_TYPES,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    const lost = (): void => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === BROADCAST_CHANNEL && message.payload !== undefined) {
        this.heardBroadcast(message.payload);
        return;
      }
      if (message.channel !== NOTIFY_CHANNEL || message.payload === undefined) return;
      const [bookkeeping, position] = message.payload.split(' ');
      if (bookkeeping !== this.bookName) return;
      void this.deliverThrough(Number(position));
    });
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      await client.query(`LISTEN ${BROADCAST_CHANNEL}`);
    } catch (error) {
      if (this.listener === client) {
        this.listener = undefined;
        void client.end().catch(() => undefined);
        this.scheduleReconnect();
      }
      if (this.isOpen()) log.error('listening for commits failed; trying again', { err: error });
      return;
    }
    this.reconnectDelay = RECONNECT_DELAY_MS;
    // Commits made while the listener was away.
    await this.refresh().catch(() => undefined);
  }

  /**
   * Sends `payload` (at most `MAX_BROADCAST_BYTES`) to the other processes serving this database,
   * through `NOTIFY`: nothing is stored, and a process whose listener is reconnecting misses it.
   */
  async broadcast(payload: string): Promise<void> {
    if (Buffer.byteLength(payload) > MAX_BROADCAST_BYTES)
      throw new Error(`a broadcast holds at most ${MAX_BROADCAST_BYTES} bytes`);
    await this.pool.query('SELECT pg_notify($1, $2)', [
      BROADCAST_CHANNEL,
      `${this.bookName} ${this.processId} ${payload}`,
    ]);
  }

  /** Registers a listener of the other processes' broadcasts; returns the function that removes it. */
  onBroadcast(listener: (payload: string) => void): () => void {
    this.broadcastListeners.add(listener);
    return () => this.broadcastListeners.delete(listener);
  }

  private heardBroadcast(notification: string): void {
    const first = notification.indexOf(' ');
    const second = notification.indexOf(' ', first + 1);
    if (first < 0 || second < 0) return;
    if (notification.slice(0, first) !== this.bookName) return;
    if (notification.slice(first + 1, second) === this.processId) return;
    const payload = notification.slice(second + 1);
    for (const listener of this.broadcastListeners) listener(payload);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen();
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, MAX_RECONNECT_DELAY_MS);
  }

  /** The listener's connection, for tests that drop it. */
  listenerConnection(): pg.Client | undefined {
    return this.listener;
  }

  async lastVersion(): Promise<number> {
    const { rows } = await this.prepared<{ last_version: number }>(
      `SELECT last_version FROM ${this.book}.clock WHERE id = 1`,
    );
    return rows[0]?.last_version ?? 0;
  }

  async changesSince(version: number, limit: number): Promise<Commit[] | undefined> {
    // One statement, one snapshot: the clock, the pruning mark and the commits agree.
    const { rows } = await this.prepared<{
      last_version: number;
      pruned_through: number;
      position: string | null;
      version: number | null;
      changes: unknown;
    }>(
      `SELECT c.last_version, c.pruned_through, l.position, l.version, l.changes
         FROM ${this.book}.clock c
         LEFT JOIN LATERAL (
           SELECT position, version, changes FROM ${this.book}.log
            WHERE version > $1 ORDER BY version LIMIT $2
         ) l ON true
        WHERE c.id = 1
        ORDER BY l.position`,
      [version, Math.max(0, Math.floor(limit))],
    );
    const first = rows[0];
    if (first === undefined) return undefined;
    if (version > first.last_version) return undefined;
    if (first.pruned_through > version) return undefined;
    return rows
      .filter((row) => row.position !== null)
      .map((row) =>
        commitFrom({ position: row.position!, version: row.version!, changes: row.changes }),
      );
  }

  /**
   * Deletes the commits the retention no longer keeps, oldest first, a chunk per transaction; the
   * last commit always stays.
   */
  private async prune(): Promise<void> {
    if (this.pruning || this.closed) return;
    this.pruning = true;
    try {
      for (;;) {
        if (!this.isOpen()) return;
        const { rows } = await this.pool.query<{ deleted: string; through: number | null }>(
          `WITH clock AS (SELECT last_position FROM ${this.book}.clock WHERE id = 1),
                doomed AS (
                  SELECT l.position FROM ${this.book}.log l, clock
                   WHERE l.position < clock.last_position
                     AND (l.position <= clock.last_position - $1
                          OR l.version < $2)
                   ORDER BY l.position LIMIT ${PRUNE_CHUNK}),
                deleted AS (
                  DELETE FROM ${this.book}.log WHERE position IN (SELECT position FROM doomed)
                  RETURNING version),
                mark AS (
                  UPDATE ${this.book}.clock
                     SET pruned_through = GREATEST(pruned_through, (SELECT max(version) FROM deleted))
                   WHERE id = 1 AND EXISTS (SELECT 1 FROM deleted))
           SELECT count(*) AS deleted, max(version) AS through FROM deleted`,
          [this.retention.maxCommits, Date.now() - this.retention.maxAgeMs],
        );
        if (Number(rows[0]?.deleted ?? 0) < PRUNE_CHUNK) return;
      }
    } catch (error) {
      if (this.isOpen()) log.error('pruning the commit log failed', { err: error });
    } finally {
      this.pruning = false;
    }
  }

  /** Prunes the log to its retention now (the store also does so by itself, on a timer). */
  pruneLog(): Promise<void> {
    return this.prune();
  }

  /**
   * The next key of a numeric-key table: one durable statement of its own (a key handed out is
   * never handed out again, even if the work that asked runs again), above the highest key.
   */
  async nextKey(table: string): Promise<number> {
    const storage = this.table(table);
    const highest =
      storage.keyType === 'text'
        ? '0'
        : `COALESCE((SELECT floor(max(key)::numeric) FROM ${storage.relation}), 0)`;
    const { rows } = await this.pool.query<{ key: string }>(
      `UPDATE ${this.book}.keys SET next_key = GREATEST(next_key, ${highest} + 1) + 1
        WHERE storage = $1 RETURNING next_key - 1 AS key`,
      [storage.storage],
    );
    const key = rows[0]?.key;
    if (key === undefined) throw new Error(`No key counter for ${table}`);
    return Number(key);
  }

  /** A version for a transaction's own records until its commit gives them theirs. */
  private provisionalVersion(): number {
    const now = Date.now();
    return now > this.highestVersion ? now : this.highestVersion + VERSION_STEP;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopPolling();
    if (this.pruneTimer !== undefined) clearInterval(this.pruneTimer);
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    const waiters = this.buildWaiters;
    this.buildWaiters = [];
    for (const waiter of waiters)
      waiter.reject(new Error('The store closed before its indexes were built'));
    // Writes already queued commit; new ones are refused; a build stops after its batch.
    while (this.committing !== undefined) await this.committing;
    await this.builder;
    await this.delivery.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    if (listener !== undefined) await listener.end().catch(() => undefined);
    await this.pool.end();
  }
}

/** Index entries to insert into a side table, as the columns' arrays. */
class IndexRows {
  private readonly kinds: number[] = [];
  private readonly nums: number[] = [];
  private readonly strs: Buffer[] = [];
  private readonly keys: Key[] = [];

  add(value: IndexValue, key: Key): void {
    const { kind, num, str } = indexColumns(value);
    this.kinds.push(kind);
    this.nums.push(num);
    this.strs.push(str);
    this.keys.push(dbKey(key));
  }

  /** The INSERT of these entries as one step of a larger statement, its parameters appended. */
  insertStep(relation: string, keyType: string, params: unknown[]): string | undefined {
    if (this.keys.length === 0) return undefined;
    params.push(this.kinds, this.nums, this.strs, this.keys);
    const n = params.length;
    return `INSERT INTO ${relation} (kind, num, str, key)
      SELECT * FROM unnest($${n - 3}::smallint[], $${n - 2}::float8[], $${n - 1}::bytea[], $${n}::${keyType}[])`;
  }

  async insert(
    client: Queryable,
    relation: string,
    keyType: string,
    existing = false,
  ): Promise<void> {
    if (this.keys.length === 0) return;
    await client.query(
      `INSERT INTO ${relation} (kind, num, str, key)
         SELECT * FROM unnest($1::smallint[], $2::float8[], $3::bytea[], $4::${keyType}[])
       ${existing ? 'ON CONFLICT DO NOTHING' : ''}`,
      [this.kinds, this.nums, this.strs, this.keys],
    );
  }
}

/** The SQL condition of an index range on `(kind, num, str)` and its parameters. */
function indexRangeSql(range: IndexRange | undefined, params: unknown[]): string[] {
  const conditions: string[] = [];
  const bound = (value: IndexValue, operator: string): void => {
    const { kind, num, str } = indexColumns(value);
    params.push(kind, num, str);
    const n = params.length;
    conditions.push(
      `(kind, num, str) ${operator} ($${n - 2}::smallint, $${n - 1}::float8, $${n}::bytea)`,
    );
  };
  if (range?.start !== undefined) bound(range.start.value, range.start.inclusive ? '>=' : '>');
  if (range?.end !== undefined) bound(range.end.value, range.end.inclusive ? '<=' : '<');
  return conditions;
}

/**
 * The SQL conditions of a key range, or undefined when no key of the column's type lies in it. A
 * bound of another kind of value than the column's orders before or after every key (null <
 * booleans < numbers < strings): it then leaves that end open, or the range empty.
 */
function keyRangeSql(
  range: KeyRange | undefined,
  keyType: TableStorage['keyType'],
  params: unknown[],
): string[] | undefined {
  const conditions: string[] = [];
  const column = keyType === 'text' ? 3 : 2;
  const start = range?.start;
  if (start !== undefined) {
    const rank = rankOf(start.value);
    if (rank > column) return undefined;
    if (rank === column) {
      params.push(dbKey(start.value));
      conditions.push(`key ${start.inclusive ? '>=' : '>'} $${params.length}::${keyType}`);
    }
  }
  const end = range?.end;
  if (end !== undefined) {
    const rank = rankOf(end.value);
    if (rank < column) return undefined;
    if (rank === column) {
      params.push(dbKey(end.value));
      conditions.push(`key ${end.inclusive ? '<=' : '<'} $${params.length}::${keyType}`);
    }
  }
  return conditions;
}

/** Index entries in `range`, counting at most `limit`: an index-only scan of the side table. */
async function countEntries(
  store: PostgresStore,
  table: string,
  attribute: string,
  range: IndexRange | undefined,
  limit: number | undefined,
): Promise<number> {
  const index = store.index(table, attribute);
  const params: unknown[] = [];
  const conditions = indexRangeSql(range, params);
  const bounded =
    limit === undefined
      ? `SELECT count(*) AS count FROM ${index} ${where(conditions)}`
      : `SELECT count(*) AS count FROM (SELECT 1 FROM ${index} ${where(conditions)} LIMIT $${params.length + 1}) AS entries`;
  const { rows } = await store.prepared<{ count: number }>(
    bounded,
    limit === undefined ? params : [...params, Math.max(0, Math.floor(limit))],
  );
  return Number(rows[0]?.count ?? 0);
}

/**
 * Bytes of an indexed string and a key that one index entry may hold: PostgreSQL's btree keeps
 * rows of at most 2704 bytes, less the row's header and the other columns (about 50 bytes).
 */
const MAX_INDEX_ENTRY_BYTES = 2600;

/** Entries an estimate counts exactly before it asks PostgreSQL's planner instead. */
const EXACT_ESTIMATE_ENTRIES = 1000;

/**
 * The part of `range` within each kind of value (null, booleans, numbers, strings) as plain
 * conditions on one column, which PostgreSQL's statistics can estimate (a row comparison on
 * `(kind, num, str)` is estimated by its first column only).
 */
function kindSegments(
  range: IndexRange | undefined,
): { conditions: string[]; params: unknown[] }[] {
  const segments: { conditions: string[]; params: unknown[] }[] = [];
  const start =
    range?.start === undefined ? undefined : { ...range.start, ...indexColumns(range.start.value) };
  const end =
    range?.end === undefined ? undefined : { ...range.end, ...indexColumns(range.end.value) };
  for (let kind = 0; kind <= 3; kind++) {
    if (start !== undefined && start.kind > kind) continue;
    if (end !== undefined && end.kind < kind) continue;
    const params: unknown[] = [kind];
    const conditions = ['kind = $1::smallint'];
    const column = kind === 3 ? 'str' : 'num';
    const cast = kind === 3 ? 'bytea' : 'float8';
    const bound = (at: typeof start, low: boolean): boolean => {
      if (at === undefined || at.kind !== kind) return true;
      // Null is one value: a bound that excludes it leaves nothing of its kind.
      if (kind === 0) return at.inclusive;
      params.push(kind === 3 ? at.str : at.num);
      conditions.push(
        `${column} ${low ? (at.inclusive ? '>=' : '>') : at.inclusive ? '<=' : '<'} $${params.length}::${cast}`,
      );
      return true;
    };
    if (!bound(start, true) || !bound(end, false)) continue;
    segments.push({ conditions, params });
  }
  return segments;
}

function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

function firstBatchSize(options: ScanOptions | undefined): number {
  const expected = options?.expected;
  return expected === undefined
    ? POSTGRES_SCAN_BATCH
    : Math.min(Math.max(Math.ceil(expected), 1), POSTGRES_SCAN_BATCH);
}

/** Later batches double, up to the cap. */
function nextBatchSize(size: number): number {
  return Math.min(size * 2, POSTGRES_SCAN_BATCH);
}

function recordEntry(row: { key: unknown; record: unknown; version: number }): RecordEntry {
  return {
    key: keyFrom(row.key),
    value: fromJson(row.record) as StoredValue,
    version: row.version,
  };
}

/**
 * Reads of the committed state, each a query on the pool. Scans read a bounded batch per query
 * and resume after the batch's last entry: nothing is held while their consumer is suspended, so
 * a long scan may see writes committed while it runs.
 */
class PostgresReader implements ReadTxn {
  constructor(protected readonly store: PostgresStore) {}

  async get(table: string, key: Key): Promise<RecordEntry | undefined> {
    const storage = this.store.table(table);
    if (!storable(key, storage.keyType)) return undefined;
    const { rows } = await this.store.prepared<{
      key: unknown;
      record: unknown;
      version: number;
    }>(`SELECT key, record, version FROM ${storage.relation} WHERE key = $1::${storage.keyType}`, [
      dbKey(key),
    ]);
    const row = rows[0];
    return row === undefined ? undefined : { ...recordEntry(row), key };
  }

  async getMany(table: string, keys: readonly Key[]): Promise<(RecordEntry | undefined)[]> {
    const storage = this.store.table(table);
    const wanted = new Set(keys.filter((key) => storable(key, storage.keyType)));
    if (wanted.size === 0) return keys.map(() => undefined);
    const { rows } = await this.store.prepared<{
      key: unknown;
      record: unknown;
      version: number;
    }>(
      `SELECT key, record, version FROM ${storage.relation} WHERE key = ANY($1::${storage.keyType}[])`,
      [dbKeys(wanted)],
    );
    const found = new Map(rows.map((row) => [keyFrom(row.key), row]));
    return keys.map((key) => {
      const row = found.get(key);
      return row === undefined ? undefined : { ...recordEntry(row), key };
    });
  }

  async *scan(table: string, range?: KeyRange, options?: ScanOptions): Batches<RecordEntry> {
    const storage = this.store.table(table);
    const reverse = range?.reverse === true;
    let limit = firstBatchSize(options);
    let last: Key | undefined;
    for (;;) {
      const params: unknown[] = [];
      const conditions = keyRangeSql(range, storage.keyType, params);
      if (conditions === undefined) return;
      if (last !== undefined) {
        params.push(dbKey(last));
        conditions.push(`key ${reverse ? '<' : '>'} $${params.length}::${storage.keyType}`);
      }
      const { rows } = await this.store.prepared<{
        key: unknown;
        record: unknown;
        version: number;
      }>(
        `SELECT key, record, version FROM ${storage.relation} ${where(conditions)}
          ORDER BY key ${reverse ? 'DESC' : 'ASC'} LIMIT $${params.length + 1}`,
        [...params, limit],
      );
      if (rows.length === 0) return;
      const batch = rows.map(recordEntry);
      yield batch;
      if (rows.length < limit) return;
      last = batch[batch.length - 1]!.key;
      limit = nextBatchSize(limit);
    }
  }

  async *scanIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    options?: ScanOptions,
  ): Batches<IndexEntry> {
    const storage = this.store.table(table);
    const index = this.store.index(table, attribute);
    const reverse = range?.reverse === true;
    const direction = reverse ? 'DESC' : 'ASC';
    let limit = firstBatchSize(options);
    let last: IndexEntry | undefined;
    for (;;) {
      const params: unknown[] = [];
      const conditions = indexRangeSql(range, params);
      if (last !== undefined) {
        const { kind, num, str } = indexColumns(last.value);
        params.push(kind, num, str, dbKey(last.key));
        const n = params.length;
        conditions.push(
          `(kind, num, str, key) ${reverse ? '<' : '>'} ($${n - 3}::smallint, $${n - 2}::float8, $${n - 1}::bytea, $${n}::${storage.keyType})`,
        );
      }
      const { rows } = await this.store.prepared<{
        kind: number;
        num: number;
        str: Buffer;
        key: unknown;
      }>(
        `SELECT kind, num, str, key FROM ${index} ${where(conditions)}
          ORDER BY kind ${direction}, num ${direction}, str ${direction}, key ${direction}
          LIMIT $${params.length + 1}`,
        [...params, limit],
      );
      if (rows.length === 0) return;
      const batch = rows.map((row): IndexEntry => ({
        value: indexValueFrom(row.kind, row.num, row.str),
        key: keyFrom(row.key),
      }));
      yield batch;
      if (rows.length < limit) return;
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
    return countEntries(this.store, table, attribute, range, limit);
  }

  /**
   * Exact up to `EXACT_ESTIMATE_ENTRIES` entries (an index-only scan that stops there); beyond,
   * PostgreSQL's planner estimate of the range, kind by kind (its statistics of `num` and `str`
   * apply within one kind). Committed entries only, in a write transaction too: it only guides
   * the query plan.
   */
  async estimateIndex(table: string, attribute: string, range?: IndexRange): Promise<number> {
    const exact = await countEntries(
      this.store,
      table,
      attribute,
      range,
      EXACT_ESTIMATE_ENTRIES + 1,
    );
    if (exact <= EXACT_ESTIMATE_ENTRIES) return exact;
    const index = this.store.index(table, attribute);
    let estimate = 0;
    for (const segment of kindSegments(range)) {
      const { rows } = await this.store.pool.query<{
        'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }];
      }>(
        `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${index} WHERE ${segment.conditions.join(' AND ')}`,
        segment.params,
      );
      estimate += rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0;
    }
    return Math.max(exact, Math.round(estimate));
  }

  indexReady(table: string, attribute: string): boolean {
    return this.store.indexReady(table, attribute);
  }

  async count(table: string): Promise<number> {
    const { rows } = await this.store.prepared<{ count: string }>(
      `SELECT count(*) AS count FROM ${this.store.table(table).relation}`,
    );
    return Number(rows[0]?.count ?? 0);
  }

  /**
   * PostgreSQL's own estimate of the table's rows (`pg_class.reltuples`, kept by autovacuum and
   * ANALYZE), at the cost of one catalog lookup instead of a count over the whole table; before
   * the table was first analyzed, a count that stops at `ESTIMATE_COUNT_CAP`. Committed rows only,
   * in a write transaction too: it only guides the query plan.
   */
  async estimateCount(table: string): Promise<number> {
    const relation = this.store.table(table).relation;
    const { rows } = await this.store.prepared<{ estimate: string | null }>(
      'SELECT reltuples::bigint AS estimate FROM pg_class WHERE oid = $1::regclass',
      [relation],
    );
    const estimate = Number(rows[0]?.estimate ?? -1);
    if (estimate >= 0) return estimate;
    const counted = await this.store.prepared<{ count: string }>(
      `SELECT count(*) AS count FROM (SELECT 1 FROM ${relation} LIMIT ${ESTIMATE_COUNT_CAP}) AS capped`,
    );
    return Number(counted.rows[0]?.count ?? 0);
  }
}

/** Rows an estimate of a table never analyzed counts at most. */
const ESTIMATE_COUNT_CAP = 100_000;

/** The version noted for a key written without being read: checked against the start version. */
const BLIND = -2;

/**
 * An optimistic write transaction: reads of the committed state with its buffered writes laid
 * over them, recording what they saw for the commit's validation.
 */
class PostgresWriteTxn extends PostgresReader implements WriteTxn {
  /** Buffered writes by table: the record to put, or null to delete. */
  readonly writes = new Map<string, Map<Key, StoredValue | null>>();
  /** The version of every key read (ABSENT when there was none), or BLIND, as first seen. */
  readonly seen = new Map<string, Map<Key, number>>();
  /** The change counter of every table scanned or counted, as first seen. */
  readonly scanned = new Map<string, number>();
  private finished = false;
  /** Provisional until the commit gives the transaction its version. */
  version: number;

  constructor(
    store: PostgresStore,
    provisionalVersion: number,
    /** The highest version the process knew of when the work started (for blind writes). */
    readonly startVersion: number,
  ) {
    super(store);
    this.version = provisionalVersion;
  }

  finish(): void {
    this.finished = true;
  }

  wroteNothing(): boolean {
    return this.writes.size === 0;
  }

  keysToCheck(): Map<string, Map<Key, number>> {
    return this.seen;
  }

  /** Whether something the transaction read has changed in the committed state since. */
  async stale(): Promise<boolean> {
    for (const [table, keys] of this.seen) {
      const storage = this.store.table(table);
      const { rows } = await this.store.prepared<{ key: unknown; version: number }>(
        `SELECT key, version FROM ${storage.relation} WHERE key = ANY($1::${storage.keyType}[])`,
        [dbKeys([...keys.keys()].filter((key) => storable(key, storage.keyType)))],
      );
      const current = new Map(rows.map((row) => [keyFrom(row.key), row.version]));
      for (const [key, seen] of keys) {
        const version = current.get(key) ?? ABSENT;
        if (seen === BLIND ? version > this.startVersion : version !== seen) return true;
      }
    }
    for (const [table, counter] of this.scanned)
      if ((await this.store.changeCounter(table)) !== counter) return true;
    return false;
  }

  override async get(table: string, key: Key): Promise<RecordEntry | undefined> {
    const buffered = this.writes.get(table)?.get(key);
    if (buffered !== undefined)
      return buffered === null ? undefined : { key, value: buffered, version: this.version };
    const entry = await super.get(table, key);
    this.note(table, key, entry === undefined ? ABSENT : entry.version);
    return entry;
  }

  override async getMany(
    table: string,
    keys: readonly Key[],
  ): Promise<(RecordEntry | undefined)[]> {
    const buffered = this.writes.get(table);
    const unbuffered = keys.filter((key) => buffered?.get(key) === undefined);
    const committed = await super.getMany(table, unbuffered);
    const found = new Map<Key, RecordEntry | undefined>();
    unbuffered.forEach((key, i) => {
      const entry = committed[i];
      found.set(key, entry);
      this.note(table, key, entry === undefined ? ABSENT : entry.version);
    });
    return keys.map((key) => {
      const own = buffered?.get(key);
      if (own === undefined) return found.get(key);
      return own === null ? undefined : { key, value: own, version: this.version };
    });
  }

  override async *scan(
    table: string,
    range?: KeyRange,
    options?: ScanOptions,
  ): Batches<RecordEntry> {
    await this.noteScanned(table);
    const committed = super.scan(table, range, options);
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
    await this.noteScanned(table);
    const committed = super.scanIndex(table, attribute, range, options);
    const buffered = this.writes.get(table);
    yield* buffered === undefined ? committed : overlayIndex(buffered, attribute, range, committed);
  }

  override async countIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    limit?: number,
  ): Promise<number> {
    // A bounded count only compares selectivities (the planner's choice of driver): it is not a
    // read the commit must check (`types.ts`).
    if (limit === undefined) await this.noteScanned(table);
    const buffered = this.writes.get(table);
    if (buffered === undefined) return super.countIndex(table, attribute, range, limit);
    // Committed entries of rewritten records no longer count; the buffered records' entries do.
    const storage = this.store.table(table);
    const params: unknown[] = [
      dbKeys([...buffered.keys()].filter((key) => storable(key, storage.keyType))),
    ];
    const conditions = [`key = ANY($1::${storage.keyType}[])`, ...indexRangeSql(range, params)];
    const { rows } = await this.store.prepared<{ count: string }>(
      `SELECT count(*) AS count FROM ${this.store.index(table, attribute)} ${where(conditions)}`,
      params,
    );
    const stale = Number(rows[0]?.count ?? 0);
    const added = ownIndexEntries(buffered, attribute, range).length;
    const committed = await super.countIndex(
      table,
      attribute,
      range,
      limit === undefined ? undefined : limit + stale,
    );
    const count = Math.max(0, committed - stale + added);
    return limit === undefined ? count : Math.min(count, limit);
  }

  override async count(table: string): Promise<number> {
    await this.noteScanned(table);
    let count = await super.count(table);
    const buffered = this.writes.get(table);
    if (buffered !== undefined) {
      const existing = await this.committedVersions(table, [...buffered.keys()]);
      for (const [key, value] of buffered) {
        const existed = existing.has(key);
        if (value !== null && !existed) count++;
        else if (value === null && existed) count--;
      }
    }
    return count;
  }

  put(table: string, key: Key, value: StoredValue): void {
    this.checkIndexable(table, key, value);
    const writes = this.writable(table);
    if (!writes.has(key) && !this.seen.get(table)?.has(key)) this.note(table, key, BLIND);
    // Moved to the end: the commit lists a record written twice at the place of its last write.
    writes.delete(key);
    writes.set(key, value);
  }

  /**
   * A btree entry holds at most about 2.7 kB, and an index side table's entry is an indexed string
   * and the key together (each may be up to `STORE_LIMITS.maxKeyBytes`): a record whose entry would
   * not fit is refused (400, nothing written) instead of failing in PostgreSQL (a 500).
   */
  private checkIndexable(table: string, key: Key, value: StoredValue): void {
    const storage = this.store.table(table);
    if (storage.indexes.size === 0) return;
    const stored = dbKey(key);
    const keyBytes = typeof stored === 'string' ? Buffer.byteLength(stored) : 8;
    for (const attribute of storage.indexes.keys()) {
      for (const indexed of indexValuesOf(value[attribute])) {
        if (typeof indexed !== 'string') continue;
        if (keyBytes + Buffer.byteLength(indexed) <= MAX_INDEX_ENTRY_BYTES) continue;
        throw validationError([
          {
            path: attribute,
            message: `and the key together must be at most ${MAX_INDEX_ENTRY_BYTES} bytes long, the longest index entry PostgreSQL keeps (the key has ${keyBytes})`,
          },
        ]);
      }
    }
  }

  async delete(table: string, key: Key): Promise<boolean> {
    const writes = this.writable(table);
    const buffered = writes.get(key);
    let existed: boolean;
    if (buffered !== undefined) {
      existed = buffered !== null;
    } else {
      const seen = this.seen.get(table)?.get(key);
      if (seen === undefined || seen === BLIND) {
        const versions = await this.committedVersions(table, [key]);
        const version = versions.get(key) ?? ABSENT;
        if (seen === undefined) this.note(table, key, version);
        existed = version !== ABSENT;
      } else {
        existed = seen !== ABSENT;
      }
    }
    // The buffer is taken again: the work may have finished while the version was read.
    const current = this.writable(table);
    current.delete(key);
    current.set(key, null);
    return existed;
  }

  nextKey(table: string): Promise<number> {
    return this.store.nextKey(table);
  }

  /** The committed versions of `keys` (those that exist), noting the ones not seen yet. */
  private async committedVersions(table: string, keys: readonly Key[]): Promise<Map<Key, number>> {
    const storage = this.store.table(table);
    const { rows } = await this.store.prepared<{ key: unknown; version: number }>(
      `SELECT key, version FROM ${storage.relation} WHERE key = ANY($1::${storage.keyType}[])`,
      [dbKeys(keys.filter((key) => storable(key, storage.keyType)))],
    );
    const found = new Map(rows.map((row) => [keyFrom(row.key), row.version]));
    const versions = new Map<Key, number>();
    for (const key of keys) {
      const version = found.get(key);
      const seen = this.seen.get(table)?.get(key);
      if (seen === undefined || seen === BLIND) this.replaceNote(table, key, version ?? ABSENT);
      if (version !== undefined) versions.set(key, version);
    }
    return versions;
  }

  private writable(table: string): Map<Key, StoredValue | null> {
    if (this.finished) throw new Error('The write transaction is over: its work has returned');
    let writes = this.writes.get(table);
    if (writes === undefined) {
      writes = new Map();
      this.writes.set(table, writes);
    }
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

  /** A blind write's key whose version was read after all: the exact version is checked. */
  private replaceNote(table: string, key: Key, version: number): void {
    const keys = this.seen.get(table);
    if (keys?.get(key) === BLIND) keys.set(key, version);
    else this.note(table, key, version);
  }

  private async noteScanned(table: string): Promise<void> {
    // Before the scan reads anything: a commit between the two then shows as a changed counter.
    if (!this.scanned.has(table)) {
      const counter = await this.store.changeCounter(table);
      if (!this.scanned.has(table)) this.scanned.set(table, counter);
    }
  }
}
