/**
 * The query language (contract section 5): what the REST layer and the real-time hub call.
 *
 *   raw query string ──parse.ts──▶ syntax tree ──coerce.ts──▶ Query (frozen, typed)
 *   Query + ReadTxn ──plan.ts──▶ driver ──execute.ts──▶ matching records ──select.ts──▶ answers
 */
import type { TableMeta } from '../meta.js';
import { attributeOf } from '../meta.js';
import type { Key, ReadTxn, RecordEntry, StoredValue } from '../store/types.js';
import { coerceQuery } from './coerce.js';
import { countMatches as countAll, matchingEntries as entries } from './execute.js';
import { conditionMatches } from './match.js';
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

/** Matching records, shaped by select() and the time zone, in order, limit/offset applied. Lazy. */
export function* executeQuery(txn: ReadTxn, ctx: QueryContext, query: Query): Generator<unknown> {
  const shaper = new Shaper(txn, ctx.schema, ctx.table, query, ctx.limits);
  for (const entry of entries(txn, ctx, query)) yield shaper.shape(entry);
}

/**
 * The matching records themselves (key, stored value, version), in answer order, limit/offset
 * applied; for DELETE by query and for callers that shape later with `shapeRecord`. Lazy.
 */
export function matchingEntries(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
): Iterable<RecordEntry> {
  return entries(txn, ctx, query);
}

/** Total number of matches ignoring limit/offset (for `Prefer: count=exact` → Content-Range). */
export function countMatches(txn: ReadTxn, ctx: QueryContext, query: Query): number {
  return countAll(txn, ctx, query);
}

/** Whether one stored record matches the query's conditions (real-time filtered views use this). */
export function recordMatches(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
  record: StoredValue,
): boolean {
  if (query.conditions === null) return true;
  return conditionMatches(txn, query.conditions, keyOf(ctx.table, record), record);
}

/**
 * Apply the query's select()/time zone to one record (real-time uses this for event values).
 * `entry` gives the key and version that `$id`/`$updatedtime` read when the caller has them;
 * otherwise the key is the record's primary key attribute and the version is looked up.
 */
export function shapeRecord(
  txn: ReadTxn,
  ctx: QueryContext,
  query: Query,
  record: StoredValue,
  entry?: { readonly key: Key; readonly version: number },
): unknown {
  const key = entry?.key ?? keyOf(ctx.table, record);
  let version = entry?.version ?? null;
  if (version === null && query.select !== null && selectsVersion(query.select)) {
    version = txn.get(ctx.table.name, key)?.version ?? null;
  }
  return new Shaper(txn, ctx.schema, ctx.table, query, ctx.limits).shape({
    key,
    value: record,
    version,
  });
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
