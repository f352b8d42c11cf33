/**
 * What a real-time URL subscribes to (contract 8.1): `/T/<id>` a record, `/T/` the whole table,
 * `/T/?<query>` a filtered view. URLs are routed by the HTTP layer's router, so a path means the
 * same thing to a GET and to a subscription. Anything else is a client mistake, thrown as a
 * `ClientError`, whose message a WebSocket gets as its close reason.
 */
import { clientError } from '../http/errors.js';
import type { Route } from '../http/router.js';
import type { SchemaMeta, TableMeta } from '../meta.js';
import { parseQuery } from '../query/index.js';
import type { Query } from '../query/types.js';
import type { Key } from '../store/types.js';

export type SubscriptionTarget =
  | { readonly kind: 'record'; readonly table: TableMeta; readonly key: Key }
  | { readonly kind: 'table'; readonly table: TableMeta }
  | { readonly kind: 'view'; readonly table: TableMeta; readonly query: Query };

/** The subscription a routed URL asks for; `rawQuery` is the query string without its `?`. */
export function subscriptionTarget(schema: SchemaMeta, route: Route, rawQuery: string): SubscriptionTarget {
  switch (route.kind) {
    case 'health':
    case 'unknown':
      throw clientError('NOT_FOUND', 'No exported table at this path');
    case 'describe':
    case 'collection': {
      const table = route.resource.meta;
      if (rawQuery === '') return { kind: 'table', table };
      const query = parseQuery(rawQuery, { schema, table });
      // A view is kept current change by change; a window of it (limit, offset) could not be.
      if (query.limit !== null || query.offset > 0) {
        throw clientError('QUERY_UNSUPPORTED', 'limit and offset do not apply to a subscription, which follows every match');
      }
      return { kind: 'view', table, query };
    }
    case 'record': {
      const table = route.resource.meta;
      if (route.attribute !== undefined) {
        throw clientError('QUERY_UNSUPPORTED', `Subscribe to the record /${table.exportName}/${route.id}, not to one attribute`);
      }
      if (rawQuery !== '') {
        throw clientError(
          'QUERY_UNSUPPORTED',
          `A record subscription takes no query; subscribe to /${table.exportName}/?${table.primaryKey}==<id>&… instead`,
        );
      }
      const key = route.resource.table.parseKey(route.id);
      if (key === undefined) {
        throw clientError('INVALID_KEY', `"${route.id}" cannot be a key of ${table.name}, whose key is ${table.keyType}`);
      }
      return { kind: 'record', table, key };
    }
  }
}
