/**
 * The typed table: every write of a record goes through here (REST, and later user hooks), so
 * validation, server-set timestamps, key generation and preconditions apply in one place.
 * Generated code declares each table as e.g. `Table<Product, NewProduct, ProductPatch>`.
 */
import { randomUUID } from 'node:crypto';
import { clientError } from './http/errors.js';
import type { AttributeMeta, SchemaMeta, TableMeta } from './meta.js';
import { STORE_LIMITS } from './store/limits.js';
import type { Key, ReadTxn, Store, StoredValue, WriteTxn } from './store/types.js';
import { isNumericKeyType, RecordValidator, validationError, type Problem } from './validate.js';

export interface TableEntry<Rec> {
  readonly record: Rec;
  /** The version of the record: the commit time of its last write, in epoch milliseconds. */
  readonly version: number;
}

export interface WriteOptions {
  /**
   * A precondition on the record's current version (undefined when it does not exist), checked
   * inside the write's transaction; when it fails the write is refused with 412 (`If-Match`).
   */
  readonly precondition?: (currentVersion: number | undefined) => boolean;
}

const INTEGER_KEY = /^-?\d{1,16}$/;
const NUMBER_KEY = /^-?\d{1,16}(?:\.\d{1,16})?$/;

export class Table<Rec extends object, Create extends object, Patch extends object> {
  readonly name: string;
  private readonly validator: RecordValidator;
  private readonly createdTime: readonly AttributeMeta[];
  private readonly updatedTime: readonly AttributeMeta[];
  private readonly numericKeys: boolean;

  constructor(
    schema: SchemaMeta,
    readonly meta: TableMeta,
    private readonly store: Store,
  ) {
    this.name = meta.name;
    this.validator = new RecordValidator(schema, meta);
    this.createdTime = meta.attributes.filter((attribute) => attribute.timestamp === 'created');
    this.updatedTime = meta.attributes.filter((attribute) => attribute.timestamp === 'updated');
    this.numericKeys = isNumericKeyType(meta.keyType);
  }

  /** The record with this key, as stored. */
  get(key: Key): Rec | undefined {
    return this.getEntry(key)?.record;
  }

  getEntry(key: Key, txn: ReadTxn = this.store.read()): TableEntry<Rec> | undefined {
    const entry = txn.get(this.name, key);
    // Validation on every write guarantees that stored values have the record's shape.
    return entry === undefined ? undefined : { record: entry.value as unknown as Rec, version: entry.version };
  }

  /** Creates a record; its key is generated unless the body has one. Resolves with the key. */
  async create(body: Create): Promise<Key> {
    const record = this.validator.validate(body, 'create');
    return this.store.write((txn) => this.insert(txn, record));
  }

  /** Creates every record in one transaction, or none (every problem of every record in one 400). */
  async createMany(bodies: readonly Create[]): Promise<Key[]> {
    const problems: Problem[] = [];
    const records = bodies
      .map((body, i) => this.validator.check(body, 'create', `[${i}]`, problems))
      .filter((record): record is StoredValue => record !== undefined);
    if (problems.length > 0) throw validationError(problems);
    return this.store.write((txn) => records.map((record) => this.insert(txn, record)));
  }

  /** Creates or replaces the whole record; the key given here wins over one in the body. */
  async put(key: Key, body: Create, options: WriteOptions = {}): Promise<void> {
    this.checkKey(key);
    const record = this.validator.validate(body, 'replace');
    await this.store.write((txn) => {
      const current = this.current(txn, key, options);
      const now = Date.now();
      const stored: StoredValue = { [this.meta.primaryKey]: key, ...record };
      this.stamp(stored, now, current);
      txn.put(this.name, key, stored);
    });
  }

  /**
   * Merges the body's top-level attributes into the record (nested objects are replaced whole;
   * null stores null). A missing record is created, with its key and created time.
   */
  async patch(key: Key, body: Patch, options: WriteOptions = {}): Promise<void> {
    this.checkKey(key);
    const changes = this.validator.validate(body, 'patch');
    await this.store.write((txn) => {
      const current = this.current(txn, key, options);
      const stored: StoredValue = { [this.meta.primaryKey]: key, ...current, ...changes };
      if (current === undefined) {
        // A record created by PATCH must still be a whole record.
        const missing = this.validator.missingRequired(stored);
        if (missing.length > 0) throw validationError(missing);
      }
      this.stamp(stored, Date.now(), current);
      txn.put(this.name, key, stored);
    });
  }

  /** Deletes the record; resolves with whether it existed. */
  async delete(key: Key, options: WriteOptions = {}): Promise<boolean> {
    return this.store.write((txn) => {
      this.current(txn, key, options);
      return txn.delete(this.name, key);
    });
  }

  /** Deletes, in one transaction, every record whose key `select` yields; resolves with how many. */
  async deleteMatching(select: (txn: ReadTxn) => Iterable<Key>): Promise<number> {
    return this.store.write((txn) => {
      // Collect first: deleting while a cursor walks the same table would move it.
      const keys = [...select(txn)];
      let deleted = 0;
      for (const key of keys) if (txn.delete(this.name, key)) deleted++;
      return deleted;
    });
  }

  /**
   * The key named by URL text: a number for numeric key types, the text itself otherwise.
   * Undefined when the text cannot be a key of this table (no record can have it).
   */
  parseKey(text: string): Key | undefined {
    if (text === '') return undefined;
    if (this.numericKeys) {
      if (!(this.meta.keyType === 'Float' ? NUMBER_KEY : INTEGER_KEY).test(text)) return undefined;
      const key = Number(text);
      if (this.meta.keyType === 'Int' && (key < -(2 ** 31) || key >= 2 ** 31)) return undefined;
      return Number.isFinite(key) ? key : undefined;
    }
    if (text.length * 3 > STORE_LIMITS.maxKeyBytes && Buffer.byteLength(text) > STORE_LIMITS.maxKeyBytes) {
      return undefined;
    }
    return text;
  }

  private insert(txn: WriteTxn, record: StoredValue): Key {
    const given = record[this.meta.primaryKey] as Key | undefined;
    let key: Key;
    if (given !== undefined) {
      if (txn.get(this.name, given) !== undefined) {
        throw clientError('RECORD_EXISTS', `${this.name} ${JSON.stringify(given)} already exists; use PUT to replace it`, {
          id: given,
        });
      }
      key = given;
    } else {
      key = this.numericKeys ? txn.nextKey(this.name) : randomUUID();
    }
    const stored: StoredValue = { [this.meta.primaryKey]: key, ...record };
    this.stamp(stored, Date.now(), undefined);
    txn.put(this.name, key, stored);
    return key;
  }

  /** The record's current value, after checking the write's precondition against its version. */
  private current(txn: WriteTxn, key: Key, options: WriteOptions): StoredValue | undefined {
    const entry = txn.get(this.name, key);
    if (options.precondition && !options.precondition(entry?.version)) {
      throw clientError(
        'PRECONDITION_FAILED',
        entry === undefined
          ? `${this.name} ${JSON.stringify(key)} does not exist, so If-Match cannot hold`
          : `${this.name} ${JSON.stringify(key)} has changed since that version; fetch it again`,
      );
    }
    return entry?.value;
  }

  /** Sets `@createdTime` (kept from the previous version when there is one) and `@updatedTime`. */
  private stamp(record: StoredValue, now: number, previous: StoredValue | undefined): void {
    for (const attribute of this.createdTime) {
      const kept = previous?.[attribute.name];
      record[attribute.name] = kept !== undefined && kept !== null ? kept : timeValue(attribute, now);
    }
    for (const attribute of this.updatedTime) record[attribute.name] = timeValue(attribute, now);
  }

  /** Refuses a key that cannot be stored (wrong type, too long), before any transaction. */
  private checkKey(key: Key): void {
    const problems: Problem[] = [];
    this.validator.checkKeyValue(key, problems);
    const problem = problems[0];
    if (problem !== undefined) throw clientError('INVALID_KEY', `Invalid key for ${this.name}: ${problem.message}`);
  }
}

/** A timestamp in the form its attribute's type stores (contract section 2). */
function timeValue(attribute: AttributeMeta, now: number): unknown {
  if (attribute.type.kind === 'scalar') {
    if (attribute.type.name === 'String') return new Date(now).toISOString();
    if (attribute.type.name === 'Date') return new Date(now);
  }
  return now;
}
