/**
 * Following `@relationship` attributes from one record to the records it relates to: many-to-one
 * (`from` holds one key), many-to-many (`from` holds a list of keys) and one-to-many (records of
 * the target whose `to` attribute holds this record's key).
 */
import type { AttributeMeta, SchemaMeta, TableMeta } from '../meta.js';
import { attributeOf } from '../meta.js';
import { STORE_LIMITS } from '../store/limits.js';
import type { Key, ReadTxn, RecordEntry, StoredValue } from '../store/types.js';
import { AnswerBudget, type AnswerLimits } from './budget.js';
import { comparable, compareValues } from './values.js';

/** The related records of `record` through `attribute`, in relationship order. */
export function* relatedEntries(
  txn: ReadTxn,
  target: TableMeta,
  attribute: AttributeMeta,
  key: Key,
  record: StoredValue,
): Generator<RecordEntry> {
  const relationship = attribute.relationship;
  if (relationship === null) return;
  switch (relationship.kind) {
    case 'many-to-one': {
      const foreignKey = record[relationship.from];
      if (isStorableKey(foreignKey)) {
        const entry = txn.get(target.name, foreignKey);
        if (entry !== undefined) yield entry;
      }
      return;
    }
    case 'many-to-many': {
      const foreignKeys = record[relationship.from];
      if (!Array.isArray(foreignKeys)) return;
      for (const foreignKey of foreignKeys) {
        if (!isStorableKey(foreignKey)) continue;
        const entry = txn.get(target.name, foreignKey);
        if (entry !== undefined) yield entry;
      }
      return;
    }
    case 'one-to-many':
      yield* referencingEntries(txn, target, relationship.to, key);
  }
}

/** Records of `target` whose attribute `to` (a key or a list of keys) holds `key`, in key order. */
function* referencingEntries(
  txn: ReadTxn,
  target: TableMeta,
  to: string,
  key: Key,
): Generator<RecordEntry> {
  const foreignKey = attributeOf(target, to);
  // An index still being built does not hold every record yet: scan instead.
  if (foreignKey?.indexed === true && (txn.indexReady?.(target.name, to) ?? true)) {
    let previous: Key | undefined;
    const point = { value: key, inclusive: true };
    for (const { key: relatedKey } of txn.scanIndex(target.name, to, {
      start: point,
      end: point,
    })) {
      // An index holds each (value, key) pair once, but guard against a store that repeats it.
      if (previous !== undefined && compareValues(previous, relatedKey) === 0) continue;
      previous = relatedKey;
      const entry = txn.get(target.name, relatedKey);
      if (entry !== undefined) yield entry;
    }
    return;
  }
  for (const entry of txn.scan(target.name)) {
    if (holdsKey(entry.value[to], key)) yield entry;
  }
}

function holdsKey(value: unknown, key: Key): boolean {
  if (Array.isArray(value)) return value.some((element) => holdsKey(element, key));
  const candidate = comparable(value);
  return (
    candidate !== undefined &&
    candidate !== null &&
    typeof candidate === typeof key &&
    compareValues(candidate, key) === 0
  );
}

export function isKey(value: unknown): value is Key {
  return typeof value === 'string' || (typeof value === 'number' && !Number.isNaN(value));
}

/** A value that can be a stored record's key (the store refuses to look up longer ones). */
function isStorableKey(value: unknown): value is Key {
  if (typeof value === 'string')
    return Buffer.byteLength(value, 'utf8') <= STORE_LIMITS.maxKeyBytes;
  return isKey(value);
}

export function targetTable(schema: SchemaMeta, attribute: AttributeMeta): TableMeta {
  const name = attribute.relationship?.target;
  const table = schema.tables.find((candidate) => candidate.name === name);
  if (table === undefined)
    throw new Error(`Relationship '${attribute.name}' names an unknown table '${String(name)}'`);
  return table;
}

/** Whether clients may follow `attribute`: its target table has `@export` (contract section 4). */
export function relationshipExposed(schema: SchemaMeta, attribute: AttributeMeta): boolean {
  return targetTable(schema, attribute).exportName !== null;
}

/**
 * The value of a relationship attribute: the related record (or null) for many-to-one, the list
 * of related records for the to-many kinds. Records are returned as stored; more than the answer's
 * budget (`limits`) is refused with 400 `ANSWER_TOO_LARGE`.
 */
export function resolveRelationship(
  txn: ReadTxn,
  schema: SchemaMeta,
  table: TableMeta,
  attribute: AttributeMeta,
  record: StoredValue,
  limits?: AnswerLimits,
): StoredValue | StoredValue[] | null {
  const budget = new AnswerBudget(limits);
  const relationship = attribute.relationship;
  if (relationship === null)
    throw new Error(`'${attribute.name}' of ${table.name} is not a relationship`);
  const key = record[table.primaryKey];
  const target = targetTable(schema, attribute);
  const values: StoredValue[] = [];
  if (relationship.kind === 'one-to-many' && !isKey(key)) return values;
  for (const entry of relatedEntries(txn, target, attribute, key as Key, record)) {
    budget.resolved(entry.value);
    if (relationship.kind === 'many-to-one') return entry.value;
    values.push(entry.value);
  }
  return relationship.kind === 'many-to-one' ? null : values;
}
