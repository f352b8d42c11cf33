/**
 * What a write accepts (contract section 4.1). A validator checks a body against its table's
 * declared attributes, collects every problem (each with its path, like `address.city` or
 * `tags[2]`), and returns the record in its stored form: dates as `Date`, big integers as
 * `bigint`, bytes as buffers. No silent coercion: `"3"` is not an `Int`.
 */
import type { AttributeMeta, ObjectTypeMeta, ScalarName, SchemaMeta, TableMeta } from './meta.js';
import { clientError } from './http/errors.js';
import type { ClientError } from './errors.js';
import {
  bigintWithinLimit,
  integerTextWithinLimit,
  MAX_BIGINT_DIGITS,
  STORE_LIMITS,
} from './store/limits.js';
import type { Key, StoredValue } from './store/types.js';

export interface Problem {
  /** Where the problem is: `price`, `address.city`, `tags[2]`, `[3].name` in a list of records. */
  readonly path: string;
  readonly message: string;
}

/**
 * `create` (POST): the whole record, its key optional (generated when absent).
 * `replace` (PUT): the whole record; the key comes from the URL, so one in the body is ignored.
 * `patch` (PATCH): only the attributes present are checked; the key comes from the URL.
 */
export type WriteKind = 'create' | 'replace' | 'patch';

/** Deeper values are refused: encoders and decoders recurse, and no record needs this depth. */
const MAX_DEPTH = 64;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_LIMIT = 2 ** 53;
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/;
/** A UTF-16 surrogate that is not half of a pair: text that no UTF-8 encoding can hold. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const INTEGER_TEXT = /^-?\d+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The shape of a value to check: an attribute of a table or of a nested object type. */
type ValueShape = Pick<
  AttributeMeta,
  'name' | 'type' | 'list' | 'nonNull' | 'elementNonNull' | 'indexed' | 'enum'
>;

export class RecordValidator {
  private readonly attributes: ReadonlyMap<string, AttributeMeta>;
  private readonly required: readonly AttributeMeta[];
  private readonly objectTypes: ReadonlyMap<string, ObjectTypeMeta>;
  /** `@default` values in stored form, by attribute (contract section 2). */
  private readonly defaults: ReadonlyMap<string, unknown>;

  constructor(
    schema: SchemaMeta,
    private readonly table: TableMeta,
  ) {
    this.attributes = new Map(table.attributes.map((attribute) => [attribute.name, attribute]));
    this.required = table.attributes.filter(
      (attribute) =>
        attribute.nonNull &&
        !attribute.primaryKey &&
        attribute.timestamp === null &&
        attribute.computed === undefined &&
        attribute.relationship === null,
    );
    this.objectTypes = new Map(
      schema.objectTypes.map((objectType) => [objectType.name, objectType]),
    );
    const defaults = new Map<string, unknown>();
    for (const attribute of table.attributes) {
      if (attribute.default === undefined) continue;
      const problems: Problem[] = [];
      const stored = this.checkValue(attribute, attribute.default, attribute.name, 0, problems);
      // codegen checked the default against the type; one that does not fit is a bug of its.
      if (problems.length > 0)
        throw new Error(`The default of ${table.name}.${attribute.name} does not fit its type`);
      defaults.set(attribute.name, stored);
    }
    this.defaults = defaults;
  }

  /**
   * `record` with the defaults of the attributes it leaves out (each a copy of its own): what a
   * POST, a PUT and a PATCH that creates the record store.
   */
  withDefaults(record: StoredValue): StoredValue {
    if (this.defaults.size === 0) return record;
    let filled: StoredValue | undefined;
    for (const [name, value] of this.defaults) {
      if (record[name] !== undefined) continue;
      filled ??= { ...record };
      filled[name] = structuredClone(value);
    }
    return filled ?? record;
  }

  /** The record in stored form, or throws one 400 (`VALIDATION_FAILED`) listing every problem. */
  validate(body: unknown, kind: WriteKind): StoredValue {
    const problems: Problem[] = [];
    const record = this.check(body, kind, '', problems);
    if (problems.length > 0 || record === undefined) throw validationError(problems);
    return record;
  }

  /**
   * Checks one body, adding its problems (paths prefixed by `at`) to `problems`. Returns the
   * stored form (without server-set timestamps), or undefined when the body is not an object.
   */
  check(body: unknown, kind: WriteKind, at: string, problems: Problem[]): StoredValue | undefined {
    if (!isPlainObject(body)) {
      problems.push({ path: at, message: `must be a record (an object), got ${describe(body)}` });
      return undefined;
    }
    const record: StoredValue = {};
    for (const name of Object.keys(body)) {
      const value = body[name];
      const path = at === '' ? name : `${at}.${name}`;
      if (name === '__proto__') {
        problems.push({ path, message: 'is a reserved name and cannot be an attribute' });
        continue;
      }
      if (!wellFormed(name, path, problems)) continue;
      const attribute = this.attributes.get(name);
      if (attribute === undefined) {
        if (this.table.sealed) {
          problems.push({
            path,
            message: `is not declared by ${this.table.name}, which is @sealed`,
          });
        } else {
          record[name] = storable(value, path, 0, problems);
        }
        continue;
      }
      if (attribute.relationship !== null) {
        problems.push({
          path,
          message: `is a relationship, computed when read, and cannot be written${relationshipHint(attribute)}`,
        });
        continue;
      }
      // The server sets timestamps and computed attributes on every write; whatever the client
      // sent is overwritten.
      if (attribute.timestamp !== null || attribute.computed !== undefined) continue;
      if (attribute.primaryKey) {
        // On PUT and PATCH the URL's key wins over the body's.
        if (kind !== 'create') continue;
        const key = checkKey(this.table, value, path, problems);
        if (key !== undefined) record[name] = key;
        continue;
      }
      record[name] = this.checkValue(attribute, value, path, 0, problems);
    }
    if (kind === 'patch') return record;
    // An attribute left out takes its default; one without a default that is required is missing.
    problems.push(
      ...this.missingRequired(body, at).filter(
        (problem) => !this.defaults.has(lastName(problem.path)),
      ),
    );
    return this.withDefaults(record);
  }

  /** A problem for each required attribute that `record` lacks. */
  missingRequired(record: Readonly<Record<string, unknown>>, at = ''): Problem[] {
    return this.required
      .filter((attribute) => record[attribute.name] === undefined)
      .map((attribute) => ({
        path: at === '' ? attribute.name : `${at}.${attribute.name}`,
        message: 'is required',
      }));
  }

  /**
   * A computed attribute's value in stored form, or the problems that keep it from being one
   * (the function of `src/computed.ts` returned a value of another type).
   */
  computedValue(
    attribute: AttributeMeta,
    value: unknown,
  ): { readonly value: unknown } | { readonly problems: readonly Problem[] } {
    const problems: Problem[] = [];
    const stored = this.checkValue(attribute, value, attribute.name, 0, problems);
    return problems.length > 0 ? { problems } : { value: stored };
  }

  /** Adds a problem when `key` cannot be a key of this table. */
  checkKeyValue(key: unknown, problems: Problem[]): void {
    checkKey(this.table, key, this.table.primaryKey, problems);
  }

  /**
   * The stored form of `value` as `attribute` of this table (dates as `Date`, big integers as
   * `bigint`), or undefined when it does not fit the attribute's type: what the check of stored
   * values after a type change asks (contract section 11).
   */
  storedForm(attribute: AttributeMeta, value: unknown): { readonly value: unknown } | undefined {
    const problems: Problem[] = [];
    const stored = this.checkValue(attribute, value, attribute.name, 0, problems);
    return problems.length === 0 ? { value: stored } : undefined;
  }

  private checkValue(
    shape: ValueShape,
    value: unknown,
    path: string,
    depth: number,
    problems: Problem[],
  ): unknown {
    if (value === null) {
      if (shape.nonNull) problems.push({ path, message: `must not be null (${typeName(shape)})` });
      return null;
    }
    if (value === undefined) {
      problems.push({ path, message: `has no value; expected ${typeName(shape)}` });
      return undefined;
    }
    if (depth > MAX_DEPTH) {
      problems.push({ path, message: `is nested more than ${MAX_DEPTH} levels deep` });
      return undefined;
    }
    if (shape.list) {
      if (!Array.isArray(value)) {
        problems.push({
          path,
          message: `must be a list (${typeName(shape)}), got ${describe(value)}`,
        });
        return undefined;
      }
      return value.map((element: unknown, i) => {
        const elementPath = `${path}[${i}]`;
        if (element === null) {
          if (shape.elementNonNull)
            problems.push({ path: elementPath, message: 'must not be null' });
          return null;
        }
        return this.checkSingle(shape, element, elementPath, depth + 1, problems);
      });
    }
    return this.checkSingle(shape, value, path, depth, problems);
  }

  /** One non-null value of the shape's element type. */
  private checkSingle(
    shape: ValueShape,
    value: unknown,
    path: string,
    depth: number,
    problems: Problem[],
  ): unknown {
    const type = shape.type;
    if (type.kind === 'object')
      return this.checkObject(type.name, value, path, depth + 1, problems);
    if (type.kind === 'table') {
      problems.push({ path, message: 'is a relationship and cannot be written' });
      return undefined;
    }
    // `ID` also takes a list of strings [harper].
    if (type.name === 'ID' && !shape.list && Array.isArray(value)) {
      return value.map((element: unknown, i) => {
        const scalar = checkScalar('ID', element, `${path}[${i}]`, problems);
        if (shape.indexed) checkIndexable(scalar, `${path}[${i}]`, problems);
        return scalar;
      });
    }
    if (type.name === 'Any') return storable(value, path, depth, problems);
    const scalar = checkScalar(type.name, value, path, problems);
    if (
      shape.enum !== undefined &&
      typeof scalar === 'string' &&
      !shape.enum.values.includes(scalar)
    ) {
      problems.push({
        path,
        message: `must be one of ${shape.enum.values.join(', ')} (${shape.enum.name}), got ${describe(value)}`,
      });
      return undefined;
    }
    if (shape.indexed) checkIndexable(scalar, path, problems);
    return scalar;
  }

  private checkObject(
    typeName: string,
    value: unknown,
    path: string,
    depth: number,
    problems: Problem[],
  ): unknown {
    const objectType = this.objectTypes.get(typeName);
    if (!isPlainObject(value)) {
      problems.push({ path, message: `must be an object (${typeName}), got ${describe(value)}` });
      return undefined;
    }
    if (objectType === undefined) {
      // The generator only emits known object types; treat an unknown one as open.
      return storable(value, path, depth, problems);
    }
    const result: StoredValue = {};
    const declared = new Map(objectType.attributes.map((attribute) => [attribute.name, attribute]));
    for (const name of Object.keys(value)) {
      const fieldPath = `${path}.${name}`;
      const attribute = declared.get(name);
      if (name === '__proto__') {
        problems.push({
          path: fieldPath,
          message: 'is a reserved name and cannot be an attribute',
        });
      } else if (!wellFormed(name, fieldPath, problems)) {
        continue;
      } else if (attribute === undefined) {
        if (this.table.sealed) {
          problems.push({
            path: fieldPath,
            message: `is not declared by ${typeName} (${this.table.name} is @sealed)`,
          });
        } else {
          result[name] = storable(value[name], fieldPath, depth + 1, problems);
        }
      } else {
        result[name] = this.checkValue(attribute, value[name], fieldPath, depth + 1, problems);
      }
    }
    // A nested object is written whole (PATCH replaces it), so its required fields always apply.
    for (const attribute of objectType.attributes) {
      if (attribute.nonNull && value[attribute.name] === undefined) {
        problems.push({ path: `${path}.${attribute.name}`, message: 'is required' });
      }
    }
    return result;
  }
}

/** The 400 for a list of problems: the first one in the message, all of them in `problems`. */
export function validationError(problems: readonly Problem[]): ClientError {
  const first = problems[0];
  const summary =
    first === undefined
      ? 'it does not fit the schema'
      : `${first.path || 'the record'} ${first.message}`;
  const more =
    problems.length > 1
      ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`
      : '';
  return clientError('VALIDATION_FAILED', `Invalid record: ${summary}${more}`, { problems });
}

/** Checks a primary key value against the table's key type; returns it, or undefined with a problem. */
export function checkKey(
  table: TableMeta,
  value: unknown,
  path: string,
  problems: Problem[],
): Key | undefined {
  if (value === null || value === undefined) {
    problems.push({ path, message: 'must not be null, since it is the primary key' });
    return undefined;
  }
  if (isNumericKeyType(table.keyType)) {
    const key = checkScalar(table.keyType, value, path, problems);
    return typeof key === 'number' ? key : undefined;
  }
  if (typeof value === 'string' && !wellFormed(value, path, problems)) return undefined;
  if (typeof value !== 'string') {
    problems.push({
      path,
      message: `must be a string (${table.keyType}, the primary key's type), got ${describe(value)}`,
    });
    return undefined;
  }
  if (value === '') {
    problems.push({ path, message: 'must not be empty, since it is the primary key' });
    return undefined;
  }
  if (Buffer.byteLength(value) > STORE_LIMITS.maxKeyBytes) {
    problems.push({
      path,
      message: `must be at most ${STORE_LIMITS.maxKeyBytes} bytes long, the longest primary key the store keeps`,
    });
    return undefined;
  }
  return value;
}

/** Key types whose keys are numbers (generated as increasing integers). */
export function isNumericKeyType(keyType: ScalarName): boolean {
  return keyType === 'Int' || keyType === 'Long' || keyType === 'Float';
}

function checkScalar(name: ScalarName, value: unknown, path: string, problems: Problem[]): unknown {
  const fail = (expected: string): undefined => {
    problems.push({ path, message: `must be ${expected}, got ${describe(value)}` });
    return undefined;
  };
  switch (name) {
    case 'ID':
    case 'String':
      if (typeof value !== 'string') return fail(`a string (${name})`);
      return wellFormed(value, path, problems) ? value : undefined;
    case 'Boolean':
      return typeof value === 'boolean' ? value : fail('a boolean (Boolean)');
    // -0 is stored as 0: the two are one number to every reader, but two keys to an index.
    case 'Int': {
      const number = numberOf(value);
      return Number.isInteger(number) && number >= INT_MIN && number <= INT_MAX
        ? number + 0
        : fail('an integer within 32 bits (Int)');
    }
    case 'Long': {
      const number = numberOf(value);
      return Number.isInteger(number) && Math.abs(number) <= LONG_LIMIT
        ? number + 0
        : fail('an integer within ±2^53 (Long)');
    }
    case 'Float': {
      // A Float is approximate by nature: an integer literal too long for a double is rounded.
      const number = typeof value === 'bigint' ? Number(value) : numberOf(value);
      return Number.isFinite(number) ? number + 0 : fail('a finite number (Float)');
    }
    case 'Date':
      return (
        dateOf(value) ?? fail('an existing date as ISO 8601 text or epoch milliseconds (Date)')
      );
    case 'BigInt': {
      // Checked before any conversion: big integers cost more than linear time to convert. A
      // number beyond 2^53 has already lost digits: only an exact one (or text) is taken.
      const big =
        typeof value === 'bigint'
          ? value
          : typeof value === 'number' && Number.isSafeInteger(value)
            ? BigInt(value)
            : typeof value === 'string' && INTEGER_TEXT.test(value) && integerTextWithinLimit(value)
              ? BigInt(value)
              : undefined;
      if (big !== undefined && bigintWithinLimit(big)) return big;
      return fail(
        `an integer of at most ${MAX_BIGINT_DIGITS} digits, or a string of them (BigInt)`,
      );
    }
    case 'Bytes':
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string' && BASE64.test(value)) return Buffer.from(value, 'base64');
      return fail('binary data or a base64 string (Bytes)');
    case 'Any':
      return value;
  }
}

/**
 * A number from a JSON number, or from a 64-bit integer that CBOR and MessagePack decode as a
 * bigint (a wire artifact, not a coercion); NaN for anything else.
 */
function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' && value >= -BigInt(LONG_LIMIT) && value <= BigInt(LONG_LIMIT))
    return Number(value);
  return Number.NaN;
}

/**
 * A date from a `Date`, an ISO 8601 string (UTC when it names no zone) or whole epoch
 * milliseconds. A day, hour or minute that does not exist (`2024-02-30`, `T24:00`) is refused
 * rather than rolled over into the next one.
 */
export function dateOf(value: unknown): Date | undefined {
  let date: Date;
  if (value instanceof Date) date = value;
  else if (typeof value === 'number') {
    if (!Number.isInteger(value)) return undefined;
    date = new Date(value);
  } else if (typeof value === 'string') {
    const match = ISO_DATE.exec(value);
    if (!match || !existingDateTime(match)) return undefined;
    // A date-time without a zone is UTC, whatever zone the server runs in.
    date = new Date(match[7] === undefined && value.includes('T') ? `${value}Z` : value);
  } else return undefined;
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Whether the fields of an `ISO_DATE` match name a day of the calendar and a time of a day. */
function existingDateTime(match: RegExpExecArray): boolean {
  const field = (index: number): number => Number(match[index] ?? '0');
  const [year, month, day] = [field(1), field(2), field(3)];
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    field(4) <= 23 &&
    field(5) <= 59 &&
    field(6) <= 59 &&
    field(8) <= 23 &&
    field(9) <= 59
  );
}

/** Adds a problem when `text` holds a lone surrogate (it has no UTF-8 form, so it is not text). */
function wellFormed(text: string, path: string, problems: Problem[]): boolean {
  if (!LONE_SURROGATE.test(text)) return true;
  problems.push({
    path,
    message: 'holds a lone UTF-16 surrogate: it is not well-formed Unicode text',
  });
  return false;
}

function checkIndexable(value: unknown, path: string, problems: Problem[]): void {
  if (typeof value === 'string' && value.length * 3 > STORE_LIMITS.maxKeyBytes) {
    if (Buffer.byteLength(value) > STORE_LIMITS.maxKeyBytes) {
      problems.push({
        path,
        message: `is indexed and longer than the ${STORE_LIMITS.maxKeyBytes} bytes an index holds`,
      });
    }
  }
}

/**
 * A value the store can keep (JSON's values, dates, big integers and bytes) in its stored form:
 * `-0` becomes 0 and objects become plain own-property copies; anything else adds a problem.
 */
function storable(value: unknown, path: string, depth: number, problems: Problem[]): unknown {
  if (depth > MAX_DEPTH) {
    problems.push({ path, message: `is nested more than ${MAX_DEPTH} levels deep` });
    return undefined;
  }
  switch (typeof value) {
    case 'string':
      wellFormed(value, path, problems);
      return value;
    case 'boolean':
      return value;
    case 'bigint':
      if (!bigintWithinLimit(value))
        problems.push({
          path,
          message: `must be an integer of at most ${MAX_BIGINT_DIGITS} digits`,
        });
      return value;
    case 'number':
      if (!Number.isFinite(value))
        problems.push({ path, message: `must be a finite number, got ${value}` });
      return value + 0;
    case 'object':
      if (value === null || value instanceof Uint8Array) return value;
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) problems.push({ path, message: 'is an invalid date' });
        return value;
      }
      if (Array.isArray(value)) {
        return value.map((element: unknown, i) =>
          storable(element, `${path}[${i}]`, depth + 1, problems),
        );
      }
      if (isPlainObject(value)) {
        const copy: StoredValue = {};
        for (const name of Object.keys(value)) {
          const namePath = `${path}.${name}`;
          if (name === '__proto__')
            problems.push({ path: namePath, message: 'is a reserved name' });
          else if (wellFormed(name, namePath, problems))
            copy[name] = storable(value[name], namePath, depth + 1, problems);
        }
        return copy;
      }
      problems.push({ path, message: `holds a value that cannot be stored (${describe(value)})` });
      return undefined;
    default:
      problems.push({ path, message: `holds a value that cannot be stored (${describe(value)})` });
      return undefined;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function typeName(shape: ValueShape): string {
  const element = shape.enum?.name ?? shape.type.name;
  const bang = shape.nonNull ? '!' : '';
  return shape.list ? `[${element}${shape.elementNonNull ? '!' : ''}]${bang}` : `${element}${bang}`;
}

function relationshipHint(attribute: AttributeMeta): string {
  const relationship = attribute.relationship;
  if (relationship === null || relationship.kind === 'one-to-many') return '';
  return `; write ${relationship.from} instead`;
}

/** A short description of a value for messages: its type, and the value itself when short. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (value instanceof Uint8Array) return 'binary data';
  switch (typeof value) {
    case 'string':
      return value.length <= 40 ? `the string ${JSON.stringify(value)}` : 'a string';
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'bigint':
      return bigintWithinLimit(value) ? `integer ${value.toString()}` : 'an integer too large';
    case 'object':
      // An object made by Object.create(null) has no constructor, whatever its type says.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      return isPlainObject(value) ? 'an object' : `a ${value.constructor?.name ?? 'value'}`;
    default:
      return typeof value;
  }
}

/** The attribute a problem's path ends with (`[2].name` → `name`). */
function lastName(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? path : path.slice(dot + 1);
}
