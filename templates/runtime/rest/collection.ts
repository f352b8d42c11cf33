/**
 * The seam between the REST layer and the query language: `GET /T/?…` and `DELETE /T/?…` call
 * `collectionQuery` and nothing else. For now it understands the plain `attr=value` equalities
 * (joined by `&`) that the seed articles use; anything else is a 400 saying so. The query
 * language module (templates/runtime/query/) replaces the body of `collectionQuery`.
 */
import { clientError } from '../http/errors.js';
import type { AttributeMeta, SchemaMeta, TableMeta } from '../meta.js';
import { indexValueOf } from '../store/indexValues.js';
import type { IndexValue, Key, ReadTxn, StoredValue } from '../store/types.js';
import { dateOf } from '../validate.js';

export interface CollectionContext {
  readonly schema: SchemaMeta;
  readonly table: TableMeta;
}

/** A parsed query, ready to run against any read (or write) transaction. */
export interface CollectionQuery {
  /** The answer's values, in answer order: records, or whatever the query shapes them into. Lazy. */
  results(txn: ReadTxn): Iterable<unknown>;
  /** The keys of the matching records, for DELETE. Lazy. */
  keys(txn: ReadTxn): Iterable<Key>;
  /** CSV columns when the query decides them (a projection); undefined for whole records. */
  readonly columns?: readonly string[];
}

interface Equality {
  readonly attribute: AttributeMeta;
  /** The value as it is ordered in an index (dates as epoch milliseconds). */
  readonly value: IndexValue;
}

/** Parses `rawQuery` (the URL's query string, still percent-encoded); throws a 400 when it cannot. */
export function collectionQuery(context: CollectionContext, rawQuery: string): CollectionQuery {
  const conditions = parseEqualities(context.table, rawQuery);
  const name = context.table.name;
  const driver = conditions.find((condition) => condition.attribute.indexed);
  const matches = function* (txn: ReadTxn): Iterable<{ key: Key; value: StoredValue }> {
    if (driver === undefined) {
      // No indexed condition: a full scan in key order, filtered.
      for (const entry of txn.scan(name)) if (matchesAll(entry.value, conditions)) yield entry;
      return;
    }
    const bound = { value: driver.value, inclusive: true };
    for (const { key } of txn.scanIndex(name, driver.attribute.name, { start: bound, end: bound })) {
      const entry = txn.get(name, key);
      if (entry !== undefined && matchesAll(entry.value, conditions)) yield entry;
    }
  };
  return {
    *results(txn) {
      for (const entry of matches(txn)) yield entry.value;
    },
    *keys(txn) {
      for (const entry of matches(txn)) yield entry.key;
    },
  };
}

function parseEqualities(table: TableMeta, rawQuery: string): Equality[] {
  const conditions: Equality[] = [];
  let offset = 0;
  for (const term of rawQuery.split('&')) {
    const at = offset;
    offset += term.length + 1;
    if (term === '') continue;
    const equals = term.indexOf('=');
    const rawName = equals < 0 ? term : term.slice(0, equals);
    const rawValue = equals < 0 ? '' : term.slice(equals + 1);
    if (equals <= 0 || /[=<>!()[\]|*,]/.test(rawName + rawValue) || rawName.endsWith('!')) {
      throw clientError(
        'QUERY_UNSUPPORTED',
        `Only attr=value conditions joined by & are supported here; "${term.slice(0, 100)}" at character ${at} is not one`,
        { position: at },
      );
    }
    const attributeName = decode(rawName, at);
    const attribute = table.attributes.find((candidate) => candidate.name === attributeName);
    if (attribute === undefined) {
      const declared = table.attributes.filter((candidate) => candidate.relationship === null).map((a) => a.name);
      throw clientError(
        'QUERY_UNKNOWN_ATTRIBUTE',
        `${table.name} has no attribute "${attributeName}"; its attributes are ${declared.join(', ')}`,
        { attribute: attributeName, attributes: declared },
      );
    }
    if (attribute.relationship !== null || attribute.type.kind !== 'scalar') {
      throw clientError('QUERY_UNSUPPORTED', `Conditions on ${attribute.name} are not supported yet`, { position: at });
    }
    conditions.push({ attribute, value: typedValue(attribute, decode(rawValue, at + equals + 1)) });
  }
  return conditions;
}

/** Converts a value to the attribute's declared type (strict: the text is taken literally). */
function typedValue(attribute: AttributeMeta, text: string): IndexValue {
  const invalid = (expected: string) =>
    clientError(
      'QUERY_INVALID_VALUE',
      `"${text.slice(0, 100)}" is not a valid value for ${attribute.name}: expected ${expected}`,
      { attribute: attribute.name, value: text },
    );
  if (attribute.type.kind !== 'scalar') throw invalid('a scalar');
  switch (attribute.type.name) {
    case 'Int':
    case 'Long': {
      const number = Number(text);
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(number)) throw invalid(`an integer (${attribute.type.name})`);
      return number;
    }
    case 'Float': {
      const number = Number(text);
      if (text.trim() === '' || !Number.isFinite(number)) throw invalid('a number (Float)');
      return number;
    }
    case 'BigInt':
      if (!/^-?\d+$/.test(text)) throw invalid('an integer (BigInt)');
      return Number(text);
    case 'Boolean': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalid('true or false (Boolean)');
      return lower === 'true';
    }
    case 'Date': {
      const date = /^-?\d+$/.test(text) ? new Date(Number(text)) : dateOf(text);
      if (date === undefined || Number.isNaN(date.getTime())) {
        throw invalid('an ISO 8601 date or epoch milliseconds (Date)');
      }
      return date.getTime();
    }
    case 'Bytes':
      throw invalid('a condition on another attribute: Bytes cannot be compared');
    default:
      return text;
  }
}

function matchesAll(record: StoredValue, conditions: readonly Equality[]): boolean {
  for (const condition of conditions) {
    const value = record[condition.attribute.name];
    const matched = Array.isArray(value)
      ? value.some((element) => indexValueOf(element) === condition.value)
      : indexValueOf(value) === condition.value && value !== undefined;
    if (!matched) return false;
  }
  return true;
}

function decode(text: string, position: number): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw clientError('QUERY_SYNTAX', `Malformed percent-encoding at character ${position}`, { position });
  }
}
