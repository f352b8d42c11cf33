/**
 * The typed table: every write of a record goes through here (REST, and writes made by user
 * hooks), so validation, server-set timestamps, key generation, preconditions and the user's
 * `beforeWrite`/`beforeDelete` hooks apply in one place. Each write runs in one `WriteSession`
 * of the table set (`tableSet.ts`), which also runs `afterCommit` hooks once it has committed.
 * Generated code declares each table as e.g. `Table<Product, NewProduct, ProductPatch>`.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Access } from './auth/policy.js';
import { computedAttributes } from './computed.js';
import { ClientError } from './errors.js';
import { clientError } from './http/errors.js';
import type { AttributeMeta, ReferentialAction, SchemaMeta, TableMeta } from './meta.js';
import { indexValueOf } from './store/indexValues.js';
import { STORE_LIMITS } from './store/limits.js';
import { otherHolder } from './store/unique.js';
import { queryString, type AnyQueryInput, type TableDescriptor } from './query/builder.js';
import { matchingEntries, parseQuery } from './query/index.js';
import { holdsKey, referencingEntries } from './query/relationships.js';
import { compareValues } from './query/values.js';
import type {
  Batches,
  Key,
  ReadTxn,
  RecordEntry,
  Store,
  StoredValue,
  WriteTxn,
} from './store/types.js';
import { TableSet, type AnyTable, type RuntimeTableHooks, type WriteSession } from './tableSet.js';
import {
  isNumericKeyType,
  isPlainObject,
  RecordValidator,
  validationError,
  type Problem,
} from './validate.js';

export interface TableEntry<Rec> {
  readonly record: Rec;
  /** The version of the record: the commit time of its last write, in epoch milliseconds. */
  readonly version: number;
}

/** What a PUT or PATCH wrote: the stored record, its new version, and whether it was created. */
export interface WrittenEntry<Rec> extends TableEntry<Rec> {
  readonly created: boolean;
}

/** What a PUT or PATCH wrote, before its commit gave it a version. */
type Written<Rec> = Omit<WrittenEntry<Rec>, 'version'>;

export interface WriteOptions {
  /**
   * A precondition on the record's current version (undefined when it does not exist), checked
   * inside the write's transaction; when it fails the write is refused with 412 (`If-Match`).
   */
  readonly precondition?: (currentVersion: number | undefined) => boolean;
  /**
   * The access of the request the write is made for (contract section 12): its role's
   * permissions, row rules and read-only attributes are checked. Absent for the server's own
   * writes (hooks), which may write anything.
   */
  readonly access?: Access;
}

/** A relationship that holds this table's keys and says what deleting one of its records does. */
interface Referrer {
  /** The table holding the keys. */
  readonly table: AnyTable;
  /** The relationship attribute's name, for messages. */
  readonly relationship: string;
  /** The attribute holding the key (or a list of keys). */
  readonly from: string;
  readonly action: ReferentialAction;
}

const INTEGER_KEY = /^-?\d{1,16}$/;
/** The largest key generated for each numeric key type: beyond it, a key could not be read back. */
const MAX_GENERATED_KEY: Readonly<Partial<Record<string, number>>> = {
  Int: 2 ** 31 - 1,
  Long: Number.MAX_SAFE_INTEGER,
  Float: Number.MAX_SAFE_INTEGER,
};
const NUMBER_KEY = /^-?\d{1,16}(?:\.\d{1,16})?$/;

/**
 * A table of the server. `Query` is its query builder descriptor (`src/queries.ts`): it types the
 * builders that hooks' `search` accepts, and is never read at run time.
 */
export class Table<
  Rec extends object,
  Create extends object,
  Patch extends object,
  Query extends TableDescriptor = TableDescriptor,
> {
  /** Ties the table to its query descriptor (never set). */
  declare readonly descriptor?: Query;
  readonly name: string;
  private readonly validator: RecordValidator;
  private readonly createdTime: readonly AttributeMeta[];
  private readonly updatedTime: readonly AttributeMeta[];
  private readonly numericKeys: boolean;
  /** `@computed` attributes: set on every write by the functions of `src/computed.ts`. */
  private readonly computed: readonly AttributeMeta[];
  /** `@unique` attributes: a write checks their index for another record with its value. */
  private readonly uniques: readonly AttributeMeta[];
  private readonly tables: TableSet;
  private readonly hooks: RuntimeTableHooks | undefined;
  private referrersFound: readonly Referrer[] | undefined;

  /** `tables`: the set this table belongs to, with the user's hooks (a set of its own by default). */
  constructor(
    private readonly schema: SchemaMeta,
    readonly meta: TableMeta,
    private readonly store: Store,
    tables?: TableSet,
  ) {
    this.name = meta.name;
    this.validator = new RecordValidator(schema, meta);
    this.createdTime = meta.attributes.filter((attribute) => attribute.timestamp === 'created');
    this.updatedTime = meta.attributes.filter((attribute) => attribute.timestamp === 'updated');
    this.numericKeys = isNumericKeyType(meta.keyType);
    this.uniques = meta.attributes.filter((attribute) => attribute.unique === true);
    this.computed = computedAttributes(meta);
    this.tables = tables ?? new TableSet(schema, store);
    this.tables.add(this as unknown as AnyTable);
    this.hooks = this.tables.hooksOf(meta.name);
  }

  /** The record with this key, as stored; a value that cannot be a key of this table is a 400. */
  async get(key: Key): Promise<Rec | undefined> {
    this.checkKey(key);
    return (await this.getEntry(key))?.record;
  }

  /** `get` for code that hands over any value (hooks): refuses one that cannot be a key (400). */
  async getChecked(key: unknown, txn: ReadTxn): Promise<Rec | undefined> {
    this.checkKey(key);
    return (await this.getEntry(key as Key, txn))?.record;
  }

  async getEntry(key: Key, txn: ReadTxn = this.store.read()): Promise<TableEntry<Rec> | undefined> {
    const entry = await txn.get(this.name, key);
    // Validation on every write guarantees that stored values have the record's shape.
    return entry === undefined
      ? undefined
      : { record: entry.value as unknown as Rec, version: entry.version };
  }

  /**
   * Creates a record; its key is generated unless the body has one. Resolves with the key.
   * `prepare` runs with the key inside the transaction (building the answer, say): when it throws,
   * nothing is committed. A transaction that met a conflict runs again, so `prepare` may run more
   * than once: the last run's call is the one that counts.
   */
  async create(body: Create, prepare?: (key: Key) => void, access?: Access): Promise<Key> {
    this.checkAccess(access, 'create', body);
    const record = this.validator.validate(body, 'create');
    return this.tables.write(async (session) => {
      const key = await this.insert(session, record, access);
      prepare?.(key);
      return key;
    }, access?.user ?? null);
  }

  /** Creates every record in one transaction, or none (every problem of every record in one 400). */
  async createMany(bodies: readonly Create[], access?: Access): Promise<Key[]> {
    for (const body of bodies) this.checkAccess(access, 'create', body);
    const problems: Problem[] = [];
    const records = bodies
      .map((body, i) => this.validator.check(body, 'create', `[${i}]`, problems))
      .filter((record): record is StoredValue => record !== undefined);
    if (problems.length > 0) throw validationError(problems);
    return this.tables.write(async (session) => {
      const keys: Key[] = [];
      // One after the other: a later record may depend on an earlier one's key or hooks.
      for (const record of records) keys.push(await this.insert(session, record, access));
      return keys;
    }, access?.user ?? null);
  }

  /**
   * Creates or replaces the whole record; the key given here wins over one in the body. Resolves
   * with the record as stored and its new version.
   */
  async put(key: Key, body: Create, options: WriteOptions = {}): Promise<WrittenEntry<Rec>> {
    this.checkKey(key);
    this.checkAccess(options.access, 'write', body);
    const record = this.validator.validate(body, 'replace');
    const { value, version } = await this.tables.writeCommitted(
      (session) => this.replace(session, key, record, options),
      options.access?.user ?? null,
    );
    return { ...value, version: writtenVersion(version) };
  }

  /**
   * Merges the body's top-level attributes into the record (nested objects are replaced whole;
   * null stores null). A missing record is created, with its key and created time. Resolves with
   * the record as stored and its new version.
   */
  async patch(key: Key, body: Patch, options: WriteOptions = {}): Promise<WrittenEntry<Rec>> {
    this.checkKey(key);
    this.checkAccess(options.access, 'write', body);
    const changes = this.validator.validate(body, 'patch');
    const { value, version } = await this.tables.writeCommitted(
      (session) => this.merge(session, key, changes, options),
      options.access?.user ?? null,
    );
    return { ...value, version: writtenVersion(version) };
  }

  /** Deletes the record; resolves with whether it existed. */
  async delete(key: Key, options: WriteOptions = {}): Promise<boolean> {
    this.checkKey(key);
    options.access?.require(this.meta, 'delete');
    return this.tables.write(
      (session) => this.remove(session, key, options),
      options.access?.user ?? null,
    );
  }

  /**
   * Deletes, in one transaction, every record whose key `select` yields; resolves with how many.
   * With `access`, `select` reads what its role may see, and one record it may not delete
   * refuses the whole delete (403): nothing is deleted.
   */
  async deleteMatching(select: (txn: ReadTxn) => Batches<Key>, access?: Access): Promise<number> {
    access?.require(this.meta, 'delete');
    const options: WriteOptions = access === undefined ? {} : { access };
    return this.tables.write(async (session) => {
      // Collect first: deleting while a scan walks the same table would move it.
      const keys: Key[] = [];
      for await (const batch of select(session.txn)) keys.push(...batch);
      let deleted = 0;
      for (const key of keys) if (await this.remove(session, key, options)) deleted++;
      return deleted;
    }, access?.user ?? null);
  }

  /** POST inside a session's transaction (a write made by a hook): validated, hooks run. */
  async createIn(session: WriteSession, body: StoredValue): Promise<Key> {
    session.checkOpen();
    return this.insert(session, this.validator.validate(body, 'create'));
  }

  /** PUT inside a session's transaction. */
  async putIn(session: WriteSession, key: Key, body: StoredValue): Promise<void> {
    session.checkOpen();
    this.checkKey(key);
    await this.replace(session, key, this.validator.validate(body, 'replace'), {});
  }

  /** PATCH inside a session's transaction. */
  async patchIn(session: WriteSession, key: Key, body: StoredValue): Promise<void> {
    session.checkOpen();
    this.checkKey(key);
    await this.merge(session, key, this.validator.validate(body, 'patch'), {});
  }

  /** DELETE inside a session's transaction; returns whether the record existed. */
  async deleteIn(session: WriteSession, key: Key): Promise<boolean> {
    session.checkOpen();
    this.checkKey(key);
    return this.remove(session, key, {});
  }

  /**
   * The whole records matching `input` (the REST query language, as after `?`, or a query
   * builder, which compiles to it), read in `txn`.
   */
  async search(txn: ReadTxn, input: AnyQueryInput): Promise<Rec[]> {
    const query = queryString(input);
    // The server's own code may follow relationships into tables that clients cannot reach.
    const context = { schema: this.schema, table: this.meta, internal: true };
    const parsed = parseQuery(query, context);
    if (parsed.select !== null)
      throw new Error(`search() returns whole records; remove select() from "${query}"`);
    const records: Rec[] = [];
    for await (const batch of matchingEntries(txn, context, parsed)) {
      for (const entry of batch) records.push(entry.value as unknown as Rec);
    }
    return records;
  }

  /**
   * The key named by URL text: a number for numeric key types, the text itself otherwise.
   * Undefined when the text cannot be a key of this table (no record can have it).
   */
  parseKey(text: string): Key | undefined {
    if (text === '') return undefined;
    if (this.numericKeys) {
      if (!(this.meta.keyType === 'Float' ? NUMBER_KEY : INTEGER_KEY).test(text)) return undefined;
      // `-0` names the key 0: one number, which must not become two keys in the store.
      const key = Number(text) + 0;
      if (this.meta.keyType === 'Int' && (key < -(2 ** 31) || key >= 2 ** 31)) return undefined;
      // Beyond 2^53 a number is rounded (…993 reads as …992): such a text names no Long key.
      if (
        this.meta.keyType === 'Long' &&
        (Math.abs(key) > 2 ** 53 || BigInt(text) !== BigInt(key))
      ) {
        return undefined;
      }
      return Number.isFinite(key) ? key : undefined;
    }
    if (
      text.length * 3 > STORE_LIMITS.maxKeyBytes &&
      Buffer.byteLength(text) > STORE_LIMITS.maxKeyBytes
    ) {
      return undefined;
    }
    return text;
  }

  private async insert(session: WriteSession, record: StoredValue, access?: Access): Promise<Key> {
    const txn = session.txn;
    const given = record[this.meta.primaryKey] as Key | undefined;
    let key: Key;
    if (given !== undefined) {
      if ((await txn.get(this.name, given)) !== undefined) {
        throw clientError(
          'RECORD_EXISTS',
          `${this.name} ${JSON.stringify(given)} already exists; use PUT to replace it`,
          {
            id: given,
          },
        );
      }
      key = given;
    } else {
      key = this.numericKeys ? await this.generatedKey(txn) : randomUUID();
    }
    await this.write(
      session,
      key,
      { [this.meta.primaryKey]: key, ...record },
      undefined,
      'POST',
      access,
    );
    return key;
  }

  /** The next generated numeric key; 409 once it would leave the key type's range. */
  private async generatedKey(txn: WriteTxn): Promise<number> {
    const key = await txn.nextKey(this.name);
    const max = MAX_GENERATED_KEY[this.meta.keyType] ?? Number.MAX_SAFE_INTEGER;
    if (key <= max) return key;
    throw clientError(
      'KEY_SPACE_EXHAUSTED',
      `${this.name} has no ${this.meta.keyType} key left to generate: keys are generated above the highest one, and the next would exceed ${max}; send the key in the body`,
      { limit: max },
    );
  }

  private async replace(
    session: WriteSession,
    key: Key,
    record: StoredValue,
    options: WriteOptions,
  ): Promise<Written<Rec>> {
    const current = await this.current(session.txn, key, options);
    const access = options.access;
    if (access !== undefined) this.checkPrevious(access, key, current);
    const stored = await this.write(
      session,
      key,
      { [this.meta.primaryKey]: key, ...record, ...keptFrom(access, this.name, record, current) },
      current,
      'PUT',
      access,
    );
    return { record: stored as unknown as Rec, created: current === undefined };
  }

  private async merge(
    session: WriteSession,
    key: Key,
    changes: StoredValue,
    options: WriteOptions,
  ): Promise<Written<Rec>> {
    const current = await this.current(session.txn, key, options);
    if (options.access !== undefined) this.checkPrevious(options.access, key, current);
    let merged: StoredValue = { [this.meta.primaryKey]: key, ...current, ...changes };
    if (current === undefined) {
      // A record created by PATCH takes the defaults of what the body leaves out.
      merged = this.validator.withDefaults(merged);
      // A record created by PATCH must still be a whole record.
      const missing = this.validator.missingRequired(merged);
      if (missing.length > 0) throw validationError(missing);
    }
    const stored = await this.write(session, key, merged, current, 'PATCH', options.access);
    return { record: stored as unknown as Rec, created: current === undefined };
  }

  /** Stamps the record's timestamps, runs `beforeWrite`, and writes the result, which it returns. */
  private async write(
    session: WriteSession,
    key: Key,
    record: StoredValue,
    previous: StoredValue | undefined,
    method: 'POST' | 'PUT' | 'PATCH',
    access?: Access,
  ): Promise<StoredValue> {
    const now = Date.now();
    this.stamp(record, now, previous);
    this.compute(record);
    const stored = this.hooks?.beforeWrite
      ? await this.beforeWrite(session, key, record, previous, method, now)
      : record;
    // A hook that awaited may have outlived its transaction (a promise nobody waited for).
    session.checkOpen();
    // The row rule judges the record as it will be stored, after the hooks.
    const operation = previous === undefined ? 'create' : 'update';
    if (access !== undefined && !access.permits(this.name, operation, stored)) {
      throw access.forbidden(
        `${operation} ${this.name} ${JSON.stringify(key)} as it would be stored`,
      );
    }
    if (this.uniques.length > 0) await this.checkUnique(session.txn, key, stored);
    session.txn.put(this.name, key, stored);
    if (this.hooks?.afterCommit) session.recordPut(this.name, key, stored, previous);
    return stored;
  }

  /**
   * Runs the user's `beforeWrite`. It sees the record (and the previous one) frozen: a change it
   * makes must come back as its result, which is validated like a client's body.
   */
  private async beforeWrite(
    session: WriteSession,
    key: Key,
    record: StoredValue,
    previous: StoredValue | undefined,
    method: 'POST' | 'PUT' | 'PATCH',
    now: number,
  ): Promise<StoredValue> {
    // Called on the hooks object, so a hook written as a method keeps its `this`.
    const hooks = this.hooks!;
    const context = {
      method,
      previous: previous === undefined ? undefined : deepFreeze(previous),
      tables: session.tables,
      user: session.user,
    };
    const result = await session.runHook(this.name, key, 'beforeWrite', () =>
      hooks.beforeWrite!(deepFreeze(record), context),
    );
    if (result === undefined) return record;
    // `{ ...record, tags: undefined }` means "without tags": an attribute set to undefined is absent.
    const returned = withoutUndefined(result);
    const returnedKey = isPlainObject(returned) ? returned[this.meta.primaryKey] : undefined;
    if (returnedKey !== undefined && returnedKey !== key) {
      throw new Error(
        `beforeWrite of ${this.name} changed the key of ${JSON.stringify(key)}; a hook cannot change keys`,
      );
    }
    let checked: StoredValue;
    try {
      checked = this.validator.validate(returned, 'replace');
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      throw new ClientError(
        error.status,
        error.code,
        `beforeWrite of ${this.name} returned an invalid record: ${error.message}`,
        error.details,
      );
    }
    const stored: StoredValue = { [this.meta.primaryKey]: key, ...checked };
    this.stamp(stored, now, previous);
    this.compute(stored);
    return stored;
  }

  /**
   * Sets the computed attributes from the rest of the record (timestamps set), with the functions
   * of `src/computed.ts`. Each function sees the record frozen and without computed attributes. A
   * function that throws fails the write as a hook that throws does (its `refuse(...)` is the
   * answer; anything else a 500, logged), and so does a value that does not fit the attribute's
   * type: the code is wrong, not the request.
   */
  private compute(record: StoredValue): void {
    if (this.computed.length === 0) return;
    const input: StoredValue = { ...record };
    for (const attribute of this.computed) delete input[attribute.name];
    deepFreeze(input);
    for (const attribute of this.computed) {
      record[attribute.name] = this.computedValue(attribute, input);
    }
  }

  private computedValue(attribute: AttributeMeta, input: StoredValue): unknown {
    const label = `${this.name}.${attribute.name}`;
    const compute = this.hooks?.computed?.[attribute.name];
    if (compute === undefined) {
      throw new Error(`${label} is @computed, but the server was given no function for it`);
    }
    let result: unknown;
    try {
      result = compute(input);
    } catch (error) {
      if (error instanceof ClientError) throw error;
      throw new Error(
        `The function of ${label} (src/computed.ts) threw: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    // A function that returns nothing leaves the attribute null.
    const checked = this.validator.computedValue(attribute, result === undefined ? null : result);
    if ('problems' in checked) {
      const problem = checked.problems[0]!;
      throw new Error(
        `The function of ${label} (src/computed.ts) returned a value that does not fit its type: ${problem.path} ${problem.message}`,
      );
    }
    return checked.value;
  }

  /**
   * Computes the record's computed attributes again inside `txn` (the server does this when their
   * `version:` changes, see computed.ts) and writes it when a value changed; resolves with whether
   * it did. No hook runs and no timestamp moves: the record's own data did not change.
   */
  async recompute(txn: WriteTxn, key: Key): Promise<boolean> {
    const entry = await txn.get(this.name, key);
    if (entry === undefined) return false;
    const record: StoredValue = { ...entry.value };
    try {
      this.compute(record);
    } catch (error) {
      throw new Error(
        `${this.name} ${JSON.stringify(key)}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    if (
      this.computed.every((attribute) =>
        isDeepStrictEqual(record[attribute.name], entry.value[attribute.name]),
      )
    )
      return false;
    txn.put(this.name, key, record);
    return true;
  }

  /**
   * Refuses (409) a record whose `@unique` attributes hold a value another record holds. The walk
   * of the index is a range read of the transaction: a concurrent write of the same value makes one
   * of the two run again, and then see the other (contract section 12 of the store: phantoms).
   */
  private async checkUnique(txn: WriteTxn, key: Key, record: StoredValue): Promise<void> {
    for (const attribute of this.uniques) {
      const value = record[attribute.name];
      const indexed = indexValueOf(value);
      if (indexed === undefined || indexed === null) continue;
      if (txn.indexReady?.(this.name, attribute.name) === false) {
        throw clientError(
          'INDEX_BUILDING',
          `${this.name}.${attribute.name} is @unique and its index is still being built, so a write of it cannot be checked yet; try again shortly`,
          { index: `${this.name}.${attribute.name}`, retryAfter: 1 },
        );
      }
      const other = await otherHolder(txn, this.name, attribute.name, indexed, key);
      if (other !== undefined) {
        throw clientError(
          'UNIQUE_VIOLATION',
          `${this.name} ${JSON.stringify(other.key)} already has ${attribute.name} ${JSON.stringify(value)}, which is @unique; choose another value`,
          { attribute: attribute.name, key: other.key },
        );
      }
    }
  }

  /**
   * Deletes the record when it exists, after the user's `beforeDelete`, with what the
   * relationships that hold its key say a delete does (`onDelete`), in the same transaction.
   */
  private async remove(session: WriteSession, key: Key, options: WriteOptions): Promise<boolean> {
    const hooks = this.hooks;
    const access = options.access;
    const ruled = access !== undefined && access.table(this.name).delete !== true;
    const referrers = this.referrers();
    if (
      options.precondition === undefined &&
      !ruled &&
      !hooks?.beforeDelete &&
      !hooks?.afterCommit &&
      referrers.length === 0
    ) {
      return session.txn.delete(this.name, key);
    }
    const current = await this.current(session.txn, key, options);
    if (current === undefined) return false;
    if (access !== undefined && !access.permits(this.name, 'delete', current)) {
      throw access.forbidden(`delete ${this.name} ${JSON.stringify(key)}`);
    }
    if (hooks?.beforeDelete) {
      const previous = deepFreeze(current);
      await session.runHook(this.name, key, 'beforeDelete', () =>
        hooks.beforeDelete!(previous, { tables: session.tables, user: session.user }),
      );
      session.checkOpen();
    }
    await this.refuseIfReferenced(session, key, referrers, access);
    await session.txn.delete(this.name, key);
    await this.releaseReferences(session, key, referrers);
    if (hooks?.afterCommit) session.recordDelete(this.name, key, current);
    return true;
  }

  /** The relationships (of any table) whose `from:` holds this table's keys and that have `onDelete`. */
  private referrers(): readonly Referrer[] {
    this.referrersFound ??= [...this.tables.all()].flatMap((table) =>
      table.meta.attributes.flatMap((attribute): Referrer[] => {
        const relationship = attribute.relationship;
        if (relationship === null) return [];
        if (relationship.kind === 'one-to-many' || relationship.kind === 'join') return [];
        if (relationship.target !== this.name || relationship.onDelete === undefined) return [];
        return [
          {
            table,
            relationship: attribute.name,
            from: relationship.from,
            action: relationship.onDelete,
          },
        ];
      }),
    );
    return this.referrersFound;
  }

  /**
   * 409 `RECORD_REFERENCED` when a record holds `key` through a relationship with
   * `onDelete: RESTRICT` (a record that holds its own key does not count). The referencing
   * record's key is named when the request may see that record.
   */
  private async refuseIfReferenced(
    session: WriteSession,
    key: Key,
    referrers: readonly Referrer[],
    access: Access | undefined,
  ): Promise<void> {
    for (const referrer of referrers) {
      if (referrer.action !== 'RESTRICT') continue;
      for await (const batch of referencingEntries(
        session.txn,
        referrer.table.meta,
        referrer.from,
        key,
      )) {
        const holder = batch.find(
          (entry) => referrer.table.name !== this.name || compareValues(entry.key, key) !== 0,
        );
        if (holder === undefined) continue;
        const shown = access === undefined || access.visible(referrer.table.name, holder.value);
        const which = shown ? ` ${JSON.stringify(holder.key)}` : '';
        throw clientError(
          'RECORD_REFERENCED',
          `${this.name} ${JSON.stringify(key)} is still referenced by ${referrer.table.name}${which} (${referrer.table.name}.${referrer.relationship} has onDelete: RESTRICT); delete or change that record first`,
          shown ? { table: referrer.table.name, key: holder.key } : { table: referrer.table.name },
        );
      }
    }
  }

  /**
   * After `key`'s record is deleted: deletes the records that hold it through `onDelete: CASCADE`
   * (with their own hooks and actions) and takes it out of those that hold it through
   * `onDelete: SET_NULL` (null, or out of a list of keys), as PATCHes made by the server.
   */
  private async releaseReferences(
    session: WriteSession,
    key: Key,
    referrers: readonly Referrer[],
  ): Promise<void> {
    for (const referrer of referrers) {
      if (referrer.action === 'RESTRICT') continue;
      // Collect first: writing while an index walk goes over the same range would move it.
      const holders: RecordEntry[] = [];
      for await (const batch of referencingEntries(
        session.txn,
        referrer.table.meta,
        referrer.from,
        key,
      ))
        holders.push(...batch);
      for (const holder of holders) {
        if (referrer.action === 'CASCADE') {
          await referrer.table.remove(session, holder.key, {});
          continue;
        }
        const held = holder.value[referrer.from];
        const released = Array.isArray(held)
          ? held.filter((element) => !holdsKey(element, key))
          : null;
        const changes = referrer.table.validator.validate({ [referrer.from]: released }, 'patch');
        await referrer.table.merge(session, holder.key, changes, {});
      }
    }
  }

  /** The record's current value, after checking the write's precondition against its version. */
  private async current(
    txn: WriteTxn,
    key: Key,
    options: WriteOptions,
  ): Promise<StoredValue | undefined> {
    const entry = await txn.get(this.name, key);
    if (options.precondition && !options.precondition(entry?.version)) {
      throw clientError(
        'PRECONDITION_FAILED',
        entry === undefined
          ? `${this.name} ${JSON.stringify(key)} does not exist, so If-Match cannot hold`
          : `${this.name} ${JSON.stringify(key)} exists at version "${entry.version}", which the request's If-Match or If-None-Match does not allow; fetch it again`,
      );
    }
    return entry?.value;
  }

  /** Sets `@createdTime` (kept from the previous version when there is one) and `@updatedTime`. */
  private stamp(record: StoredValue, now: number, previous: StoredValue | undefined): void {
    for (const attribute of this.createdTime) {
      const kept = previous?.[attribute.name];
      record[attribute.name] =
        kept !== undefined && kept !== null ? kept : timeValue(attribute, now);
    }
    for (const attribute of this.updatedTime) record[attribute.name] = timeValue(attribute, now);
  }

  /**
   * Before the transaction: refuses (403) a write the role may not make on any record of the table
   * (`write`: PUT and PATCH, which create or update), or whose body holds attributes it may not
   * write.
   */
  private checkAccess(
    access: Access | undefined,
    operation: 'create' | 'write',
    body: object,
  ): void {
    if (access === undefined || access.superUser) return;
    if (operation === 'create') access.require(this.meta, 'create');
    else if (!access.allows(this.name, 'create') && !access.allows(this.name, 'update')) {
      throw access.forbidden(`write ${this.name} records`);
    }
    if (isPlainObject(body)) access.checkBody(this.meta, body);
  }

  /** Inside the transaction: the role may change the record as it is stored now (or create it). */
  private checkPrevious(access: Access, key: Key, current: StoredValue | undefined): void {
    if (current === undefined) {
      if (!access.allows(this.name, 'create'))
        throw access.forbidden(`create ${this.name} records`);
    } else if (!access.permits(this.name, 'update', current)) {
      throw access.forbidden(`update ${this.name} ${JSON.stringify(key)}`);
    }
  }

  /** `key` when it can be a key of this table; 400 `INVALID_KEY` otherwise. */
  checkedKey(key: unknown): Key {
    this.checkKey(key);
    return key as Key;
  }

  /** Refuses a key that cannot be stored (wrong type, too long), before any transaction. */
  private checkKey(key: unknown): void {
    const problems: Problem[] = [];
    this.validator.checkKeyValue(key, problems);
    const problem = problems[0];
    if (problem !== undefined)
      throw clientError(
        'INVALID_KEY',
        `This cannot be a key of ${this.name}: it ${problem.message}`,
      );
  }
}

/**
 * What a PUT keeps of the stored record: the attributes its role may not read or not write, when
 * the body leaves them out (a role cannot send back what it cannot see, and must not erase it).
 */
function keptFrom(
  access: Access | undefined,
  table: string,
  body: StoredValue,
  current: StoredValue | undefined,
): StoredValue {
  if (access === undefined || current === undefined) return {};
  const { hidden, readOnly } = access.table(table);
  if (hidden.size === 0 && readOnly.size === 0) return {};
  const kept: StoredValue = {};
  for (const name of [...hidden, ...readOnly]) {
    if (!Object.hasOwn(body, name) && Object.hasOwn(current, name)) kept[name] = current[name];
  }
  return kept;
}

/** The version of a commit that stored a record (a transaction that writes always commits one). */
function writtenVersion(version: number | undefined): number {
  if (version === undefined) throw new Error('A write that stored a record committed nothing');
  return version;
}

/**
 * Freezes a record and the objects and arrays in it, so that hook code cannot change what is about
 * to be stored behind the validator's back. Binary values are left alone (they cannot be frozen).
 */
function deepFreeze<T>(value: T): T {
  if (
    typeof value !== 'object' ||
    value === null ||
    Object.isFrozen(value) ||
    ArrayBuffer.isView(value)
  )
    return value;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
  return value;
}

/** A timestamp in the form its attribute's type stores (contract section 2). */
function timeValue(attribute: AttributeMeta, now: number): unknown {
  if (attribute.type.kind === 'scalar') {
    if (attribute.type.name === 'String') return new Date(now).toISOString();
    if (attribute.type.name === 'Date') return new Date(now);
  }
  return now;
}

/**
 * A hook's record without its `undefined`-valued properties, in nested objects too (array elements
 * are kept: an `undefined` element is still refused by validation). Values that are not plain
 * objects or arrays are returned as they are.
 */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (!isPlainObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    // defineProperty: an own `__proto__` stays a property (and is then refused by validation).
    if (item !== undefined) {
      Object.defineProperty(result, name, {
        value: withoutUndefined(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return result;
}
