/**
 * The seam between the REST layer and the query language: `GET /T/?…` and `DELETE /T/?…` call
 * `collectionQuery` and nothing else; the language itself (contract section 5) lives in
 * `templates/runtime/query/`.
 */
import type { Access } from '../auth/policy.js';
import type { SchemaMeta, TableMeta } from '../meta.js';
import { countMatches, executeQuery, matchingEntries, parseQuery } from '../query/index.js';
import type { AnswerLimits } from '../query/budget.js';
import type { Query } from '../query/types.js';
import type { Batches, Key, ReadTxn } from '../store/types.js';

export interface CollectionContext {
  readonly schema: SchemaMeta;
  readonly table: TableMeta;
  /** The budget of one answer element; the defaults when absent. */
  readonly limits?: AnswerLimits;
}

/** A parsed query, ready to run against any read (or write) transaction. */
export interface CollectionQuery {
  /** The answer's values, in answer order: records, or whatever the query shapes them into. */
  results(txn: ReadTxn): Batches<unknown>;
  /** The keys of the matching records, for DELETE. */
  keys(txn: ReadTxn): Batches<Key>;
  /** CSV columns when the query decides them (a projection); undefined for whole records. */
  readonly columns?: readonly string[];
  /** `Content-Range: items <first>-<last>/<total>` of the answer, for `Prefer: count=exact`. */
  contentRange(txn: ReadTxn): Promise<string>;
}

/**
 * Parses `rawQuery` (the URL's query string, still percent-encoded); throws a 400 when it cannot,
 * and a 403 when it names what `access` may not read.
 */
export function collectionQuery(
  context: CollectionContext,
  rawQuery: string,
  access?: Access,
): CollectionQuery {
  const query = parseQuery(rawQuery, context);
  access?.checkQuery(context.table, query);
  const hidden = access?.table(context.table.name).hidden ?? new Set<string>();
  const columns = columnsOf(context.table, query, hidden);
  return {
    results: (txn) => executeQuery(txn, context, query),
    async *keys(txn) {
      for await (const batch of matchingEntries(txn, context, query)) {
        yield batch.map((entry) => entry.key);
      }
    },
    ...(columns === undefined ? {} : { columns }),
    async contentRange(txn) {
      const total = await countMatches(txn, context, query);
      const answered = Math.max(0, Math.min(query.limit ?? Infinity, total - query.offset));
      // An empty answer has no first and last item: the unsatisfied form of RFC 9110.
      return answered === 0
        ? `items */${total}`
        : `items ${query.offset}-${query.offset + answered - 1}/${total}`;
    },
  };
}

/** The columns of an object projection: its attributes, with the stored ones for `*`. */
function columnsOf(
  table: TableMeta,
  query: Query,
  hidden: ReadonlySet<string>,
): readonly string[] | undefined {
  if (query.select?.kind !== 'object') return undefined;
  const columns: string[] = [];
  for (const item of query.select.items) {
    if (item.kind === 'all')
      columns.push(
        ...table.attributes
          .filter((attribute) => attribute.relationship === null && !hidden.has(attribute.name))
          .map((attribute) => attribute.name),
      );
    else if (item.kind === 'id') columns.push('$id');
    else if (item.kind === 'updatedTime') columns.push('$updatedtime');
    else columns.push(item.name);
  }
  return [...new Set(columns)];
}
