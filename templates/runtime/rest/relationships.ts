/**
 * Resolving a relationship attribute into the related record(s), for `GET /T/<id>.<relationship>`.
 */
import type { AttributeMeta, SchemaMeta } from '../meta.js';
import { indexValueOf } from '../store/indexValues.js';
import type { Key, ReadTxn, StoredValue } from '../store/types.js';

/**
 * The value of a relationship attribute of `record`: the related record (or null) for
 * many-to-one, the related records for many-to-many and one-to-many.
 */
export function resolveRelationship(
  schema: SchemaMeta,
  attribute: AttributeMeta,
  record: StoredValue,
  txn: ReadTxn,
): StoredValue | StoredValue[] | null {
  const relationship = attribute.relationship;
  if (relationship === null) throw new Error(`${attribute.name} is not a relationship`);
  const target = relationship.target;
  switch (relationship.kind) {
    case 'many-to-one': {
      const key = record[relationship.from];
      if (!isKey(key)) return null;
      return txn.get(target, key)?.value ?? null;
    }
    case 'many-to-many': {
      const keys = record[relationship.from];
      if (!Array.isArray(keys)) return [];
      const related: StoredValue[] = [];
      for (const key of keys) {
        if (!isKey(key)) continue;
        const entry = txn.get(target, key);
        if (entry !== undefined) related.push(entry.value);
      }
      return related;
    }
    case 'one-to-many': {
      const key = record[relationship.localKey];
      if (!isKey(key)) return [];
      const targetMeta = schema.tables.find((table) => table.name === target);
      const foreign = targetMeta?.attributes.find((candidate) => candidate.name === relationship.to);
      if (foreign?.indexed) {
        const bound = { value: key, inclusive: true };
        const related: StoredValue[] = [];
        for (const entry of txn.scanIndex(target, relationship.to, { start: bound, end: bound })) {
          const found = txn.get(target, entry.key);
          if (found !== undefined) related.push(found.value);
        }
        return related;
      }
      // Without an index on the foreign key, every target record is looked at.
      const related: StoredValue[] = [];
      for (const entry of txn.scan(target)) {
        const foreignValue = entry.value[relationship.to];
        const holds = Array.isArray(foreignValue)
          ? foreignValue.some((element) => indexValueOf(element) === key)
          : indexValueOf(foreignValue) === key;
        if (holds) related.push(entry.value);
      }
      return related;
    }
  }
}

function isKey(value: unknown): value is Key {
  return typeof value === 'string' || typeof value === 'number';
}
