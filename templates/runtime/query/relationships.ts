/**
 * Following `@relationship` attributes from one record to the records it relates to: many-to-one
 * (`from` holds one key), many-to-many (`from` holds a list of keys), one-to-many (records of
 * the target whose `to` attribute holds this record's key) and joins (records of the target whose
 * `to` holds a value of this record's `from`).
 */
import type { AttributeMeta, SchemaMeta, TableMeta } from '../meta.js';
import { attributeOf } from '../meta.js';
import { indexValuesOf } from '../store/indexValues.js';
import { STORE_LIMITS } from '../store/limits.js';
import type { Batches, Key, ReadTxn, RecordEntry, StoredValue } from '../store/types.js';
import { AnswerBudget, type AnswerLimits } from './budget.js';
import { comparable, compareValues } from './values.js';

/** The related records of `record` through `attribute`, in relationship order, in batches. */
export async function* relatedEntries(
  txn: ReadTxn,
  target: TableMeta,
  attribute: AttributeMeta,
  key: Key,
  record: StoredValue,
): Batches<RecordEntry> {
  const relationship = attribute.relationship;
  if (relationship === null) return;
  switch (relationship.kind) {
    case 'many-to-one': {
      const foreignKey = record[relationship.from];
      if (isStorableKey(foreignKey)) {
        const entry = await txn.get(target.name, foreignKey);
        if (entry !== undefined) yield [entry];
      }
      return;
    }
    case 'many-to-many': {
      const foreignKeys = record[relationship.from];
      if (!Array.isArray(foreignKeys)) return;
      const keys = foreignKeys.filter(isStorableKey);
      if (keys.length === 0) return;
      const found = present(await txn.getMany(target.name, keys));
      if (found.length > 0) yield found;
      return;
    }
    case 'one-to-many':
      yield* referencingEntries(txn, target, relationship.to, key);
      return;
    case 'join':
      yield* joinedEntries(txn, target, relationship.to, record[relationship.from]);
  }
}

/**
 * Records of `target` whose attribute `to` holds one of the values `held` is (a value, or a list
 * of them), each once, in key order.
 */
async function* joinedEntries(
  txn: ReadTxn,
  target: TableMeta,
  to: string,
  held: unknown,
): Batches<RecordEntry> {
  const values = [...new Set(indexValuesOf(held).filter(isKey))];
  if (values.length === 0) return;
  if (values.length === 1) {
    yield* referencingEntries(txn, target, to, values[0]!);
    return;
  }
  const found = new Map<Key, RecordEntry>();
  for (const value of values) {
    for await (const batch of referencingEntries(txn, target, to, value))
      for (const entry of batch) found.set(entry.key, entry);
  }
  if (found.size > 0) yield [...found.values()].sort((a, b) => compareValues(a.key, b.key));
}

/** Records of `target` whose attribute `to` (a key or a list of keys) holds `key`, in key order. */
export async function* referencingEntries(
  txn: ReadTxn,
  target: TableMeta,
  to: string,
  key: Key,
): Batches<RecordEntry> {
  const foreignKey = attributeOf(target, to);
  // An index still being built does not hold every record yet: scan instead.
  if (foreignKey?.indexed === true && (txn.indexReady?.(target.name, to) ?? true)) {
    let previous: Key | undefined;
    const point = { value: key, inclusive: true };
    for await (const batch of txn.scanIndex(target.name, to, { start: point, end: point })) {
      const keys: Key[] = [];
      for (const { key: relatedKey } of batch) {
        // An index holds each (value, key) pair once, but guard against a store that repeats it.
        if (previous !== undefined && compareValues(previous, relatedKey) === 0) continue;
        previous = relatedKey;
        keys.push(relatedKey);
      }
      if (keys.length === 0) continue;
      const found = present(await txn.getMany(target.name, keys));
      if (found.length > 0) yield found;
    }
    return;
  }
  for await (const batch of txn.scan(target.name)) {
    const found = batch.filter((entry) => holdsKey(entry.value[to], key));
    if (found.length > 0) yield found;
  }
}

function present(entries: readonly (RecordEntry | undefined)[]): RecordEntry[] {
  return entries.filter((entry): entry is RecordEntry => entry !== undefined);
}

/** Whether `value` (a key, or a list of keys) holds `key`. */
export function holdsKey(value: unknown, key: Key): boolean {
  if (Array.isArray(value)) return value.some((element) => holdsKey(element, key));
  const candidate = comparable(value);
  return (
    candidate !== undefined &&
    candidate !== null &&
    typeof candidate === typeof key &&
    compareValues(candidate, key) === 0
  );
}

/**
 * Whether the relationship holds one related record (or none) rather than a list: many-to-one,
 * and a join on a single field.
 */
export function isSingle(attribute: AttributeMeta): boolean {
  const kind = attribute.relationship?.kind;
  return kind === 'many-to-one' || (kind === 'join' && !attribute.list);
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
export async function resolveRelationship(
  txn: ReadTxn,
  schema: SchemaMeta,
  table: TableMeta,
  attribute: AttributeMeta,
  record: StoredValue,
  limits?: AnswerLimits,
): Promise<StoredValue | StoredValue[] | null> {
  const budget = new AnswerBudget(limits);
  const relationship = attribute.relationship;
  if (relationship === null)
    throw new Error(`'${attribute.name}' of ${table.name} is not a relationship`);
  const key = record[table.primaryKey];
  const target = targetTable(schema, attribute);
  const values: StoredValue[] = [];
  if (relationship.kind === 'one-to-many' && !isKey(key)) return values;
  const single = isSingle(attribute);
  for await (const batch of relatedEntries(txn, target, attribute, key as Key, record)) {
    for (const entry of batch) {
      budget.resolved(entry.value);
      if (single) return entry.value;
      values.push(entry.value);
    }
  }
  return single ? null : values;
}
