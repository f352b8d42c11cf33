/**
 * What a real-time URL subscribes to (contract 8.1): `/T/<id>` a record, `/T/` the whole table,
 * `/T/?<query>` a filtered view. URLs are routed by the HTTP layer's router, so a path means the
 * same to a GET and to a subscription. Anything else is a client mistake, thrown as a
 * `ClientError`, whose message a WebSocket gets as its close reason.
 */
import { clientError } from '../http/errors.js';
import type { Route } from '../http/router.js';
import type { SchemaMeta, TableMeta } from '../meta.js';
import { parseQuery } from '../query/index.js';
import type { Query } from '../query/types.js';
import type { TableResource } from '../rest/app.js';
import type { Key } from '../store/types.js';

export type SubscriptionTarget =
  | { readonly kind: 'record'; readonly table: TableMeta; readonly key: Key }
  | { readonly kind: 'table'; readonly table: TableMeta }
  | { readonly kind: 'view'; readonly table: TableMeta; readonly query: Query };

/** The subscription a routed URL asks for; `rawQuery` is the query string without its `?`. */
export function routeTarget(
  schema: SchemaMeta,
  route: Route,
  rawQuery: string,
): SubscriptionTarget {
  switch (route.kind) {
    case 'health':
    case 'unknown':
      throw clientError('NOT_FOUND', 'No exported table at this path');
    // `/T` answers a GET with the table's description; a subscription to it can only mean the table.
    case 'describe':
    case 'collection':
      return resourceTarget(schema, route.resource, undefined, rawQuery);
    case 'record': {
      const { resource, id } = route;
      if (route.attribute !== undefined) {
        throw clientError(
          'QUERY_UNSUPPORTED',
          `Subscribe to the whole record /${resource.meta.exportName}/${id}, not to one attribute`,
        );
      }
      const key = resource.table.parseKey(id);
      if (key === undefined) {
        throw clientError(
          'INVALID_KEY',
          `"${id.slice(0, 100)}" cannot be a key of ${resource.meta.name}`,
        );
      }
      return resourceTarget(schema, resource, key, rawQuery);
    }
  }
}

/** The subscription to one record (`key`) of an exported table, or to the table or a view of it. */
export function resourceTarget(
  schema: SchemaMeta,
  resource: TableResource,
  key: Key | undefined,
  rawQuery: string,
): SubscriptionTarget {
  const table = resource.meta;
  if (key !== undefined) {
    if (rawQuery !== '') {
      throw clientError(
        'QUERY_UNSUPPORTED',
        `A record subscription takes no query; subscribe to /${table.exportName}/?${table.primaryKey}==<id>&… for a shaped one`,
      );
    }
    return { kind: 'record', table, key };
  }
  if (rawQuery === '') return { kind: 'table', table };
  const query = parseQuery(rawQuery, { schema, table });
  // A view is kept current change by change; a window of it (limit, offset) could not be.
  if (query.limit !== null || query.offset > 0) {
    throw clientError(
      'QUERY_UNSUPPORTED',
      'limit and offset do not apply to a subscription, which follows every match',
    );
  }
  return { kind: 'view', table, query };
}
