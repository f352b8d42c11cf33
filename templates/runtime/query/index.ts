/**
 * The query language (contract section 5): what the REST layer and the real-time hub call.
 *
 *   raw query string ──parse.ts──▶ syntax tree ──coerce.ts──▶ Query (frozen, typed)
 *   Query + ReadTxn ──plan.ts──▶ driver ──execute.ts──▶ matching records ──select.ts──▶ answers
 *
 * Everything that reads the store is asynchronous; records and answers come in batches
 * (`Batches`), and a step that needs no read (a filter or select() that follows no relationship)
 * works on a whole batch at once.
 */
import type { TableMeta } from '../meta.js';
import { attributeOf } from '../meta.js';
import type { Batches, Key, ReadTxn, RecordEntry, StoredValue } from '../store/types.js';
import { coerceQuery } from './coerce.js';
import { countMatches as countAll, matchingEntries as entries } from './execute.js';
import { conditionMatches, followsRelationships, localConditionMatches } from './match.js';
import { parseSyntax } from './parse.js';
import { isKey } from './relationships.js';
import { Shaper } from './select.js';
import type { Query, QueryContext, Selection } from './types.js';

export type { Query, QueryContext } from './types.js';

/** `raw` is the URL's query string after `?`, NOT yet percent-decoded. Throws ClientError (400). */
export function parseQuery(raw: string, ctx: QueryContext): Query {
  const syntax = parseSyntax(raw, (name) => attributeOf(ctx.table, name) !== undefined);
  return coerceQuery(syntax, ctx);
}

/**
 * Matching records, shaped by select() and the time zone, in order, limit/offset applied, in
 * batches. Lazy: the store is read as the batches are asked for.
 */
export async function* executeQuery(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
): Batches<unknown> {
  const shaper = new Shaper(txn, ctx.schema, ctx.table, query, ctx.limits);
  for await (const batch of entries(txn, ctx, query)) {
    if (!shaper.reads) {
      yield batch.map((entry) => shaper.shape(entry));
      continue;
    }
    // One after the other: the shaper's answer budget is spent by one record at a time.
    const shaped: unknown[] = [];
    for (const entry of batch) shaped.push(await shaper.shapeAsync(entry));
    yield shaped;
  }
}

/**
 * The matching records themselves (key, stored value, version), in answer order, limit/offset
 * applied; for DELETE by query and for callers that shape later with `shapeRecord`. Lazy.
 */
export function matchingEntries(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
): Batches<RecordEntry> {
  return entries(txn, ctx, query);
}

/** Total number of matches ignoring limit/offset (for `Prefer: count=exact` → Content-Range). */
export function countMatches(txn: ReadTxn, ctx: QueryContext, query: Query): Promise<number> {
  return countAll(txn, ctx, query);
}

/** Whether one stored record matches the query's conditions (real-time filtered views use this). */
export async function recordMatches(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
  record: StoredValue,
): Promise<boolean> {
  const { conditions } = query;
  if (conditions === null) return true;
  const key = keyOf(ctx.table, record);
  return followsRelationships(conditions)
    ? conditionMatches(txn, conditions, key, record)
    : localConditionMatches(conditions, key, record);
}

/**
 * Apply the query's select()/time zone to one record (real-time uses this for event values).
 * `entry` gives the key and version that `$id`/`$updatedtime` read when the caller has them;
 * otherwise the key is the record's primary key attribute and the version is looked up.
 */
export async function shapeRecord(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
  record: StoredValue,
  entry?: { readonly key: Key; readonly version: number },
): Promise<unknown> {
  const key = entry?.key ?? keyOf(ctx.table, record);
  let version = entry?.version ?? null;
  if (version === null && query.select !== null && selectsVersion(query.select)) {
    version = (await txn.get(ctx.table.name, key))?.version ?? null;
  }
  const shaper = new Shaper(txn, ctx.schema, ctx.table, query, ctx.limits);
  const shaped = { key, value: record, version };
  return shaper.reads ? shaper.shapeAsync(shaped) : shaper.shape(shaped);
}

/** Resolve one relationship attribute of a record (for GET /T/<id>.<rel> and select). */
export { relationshipExposed, resolveRelationship } from './relationships.js';

function keyOf(table: TableMeta, record: StoredValue): Key {
  const key = record[table.primaryKey];
  // A record always holds its key; an empty string stands in for a malformed one, matching nothing.
  return isKey(key) ? key : '';
}

function selectsVersion(selection: Selection): boolean {
  const items = selection.kind === 'value' ? [selection.item] : selection.items;
  return items.some((item) => item.kind === 'updatedTime');
}
