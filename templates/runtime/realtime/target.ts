/**
 * What a real-time URL subscribes to (contract 8.1): `/T/<id>` a record, `/T/` the whole table,
 * `/T/?<query>` a filtered view. URLs are routed by the HTTP layer's router, so a path means the
 * same to a GET and to a subscription. Anything else is a client mistake, thrown as a
 * `ClientError`, whose message a WebSocket gets as its close reason.
 */
import type { Access } from '../auth/policy.js';
import { clientError } from '../http/errors.js';
import type { Route } from '../http/router.js';
import type { SchemaMeta, TableMeta } from '../meta.js';
import { parseQuery } from '../query/index.js';
import type { Query } from '../query/types.js';
import type { TableResource } from '../rest/app.js';
import type { Key } from '../store/types.js';

/**
 * Where a reconnecting client left off (contract 8.3): `after` is the version of the last event
 * it received after the initial state (or of the `ready` event), null when it holds nothing yet.
 * A subscription with a resumption ends its initial part with a `ready` event.
 */
export interface Resumption {
  readonly after: number | null;
}

export type SubscriptionTarget = (
  | { readonly kind: 'record'; readonly table: TableMeta; readonly key: Key }
  | { readonly kind: 'table'; readonly table: TableMeta }
  | {
      readonly kind: 'view';
      readonly table: TableMeta;
      readonly query: Query;
      /**
       * The subscriber's access when it may not read every record and attribute the view covers:
       * the view then reads, matches and sends only what it may (contract section 12).
       */
      readonly access?: Access;
    }
) & {
  /** Absent: the client gets the initial state and then the changes, as Harper sends them. */
  readonly resume?: Resumption;
};

/** The reserved query parameter of a subscription URL that names where the client left off. */
const RESUME_PARAMETER = 'resume';
const VERSION_TEXT = /^\d{1,16}(?:\.\d{1,6})?$/;

/**
 * Takes `resume=<version>` out of a subscription's query string (a declared attribute of that
 * name wins, as with every reserved parameter). `resume=` with no version asks for the initial
 * state and the `ready` event.
 */
export function takeResumption(
  table: TableMeta,
  rawQuery: string,
): { readonly rawQuery: string; readonly resume?: Resumption } {
  if (
    rawQuery === '' ||
    table.attributes.some((attribute) => attribute.name === RESUME_PARAMETER)
  ) {
    return { rawQuery };
  }
  const parts = rawQuery.split('&');
  const index = parts.findIndex(
    (part) => part === RESUME_PARAMETER || part.startsWith(`${RESUME_PARAMETER}=`),
  );
  if (index < 0) return { rawQuery };
  return {
    rawQuery: parts.filter((_, other) => other !== index).join('&'),
    resume: parseResumption(parts[index]!.slice(RESUME_PARAMETER.length + 1)),
  };
}

/** A resumption from a version as a client sends it (`resume=` or `Last-Event-ID`). */
export function parseResumption(text: string): Resumption {
  const trimmed = text.trim();
  if (trimmed === '') return { after: null };
  if (!VERSION_TEXT.test(trimmed)) {
    throw clientError(
      'QUERY_INVALID_VALUE',
      `The version to resume after must be the version of an event (digits, perhaps with a fraction), not "${trimmed.slice(0, 40)}"`,
    );
  }
  return { after: Number(trimmed) };
}

/** The subscription a routed URL asks for; `rawQuery` is the query string without its `?`. */
export function routeTarget(
  schema: SchemaMeta,
  route: Route,
  rawQuery: string,
): SubscriptionTarget {
  switch (route.kind) {
    case 'health':
    case 'openapi':
    case 'metrics':
    case 'studio':
    case 'auth':
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
  const taken = takeResumption(table, rawQuery);
  const resumption = taken.resume === undefined ? {} : { resume: taken.resume };
  return { ...targetOf(schema, table, key, taken.rawQuery), ...resumption };
}

/**
 * The target as `access` may follow it: refused (403) when the role may not read the table or
 * the query names what it may not read. A record or table subscription of a role that may not see
 * every record or attribute becomes a view (of the one key, or of every record) that applies its
 * rules: a record it may not see is not sent, and one that stops being visible leaves the view
 * with a `delete`.
 */
export function restrictTarget(target: SubscriptionTarget, access: Access): SubscriptionTarget {
  if (access.superUser) return target;
  const table = target.table;
  access.require(table, 'read');
  if (target.kind === 'view') {
    access.checkQuery(table, target.query);
    return { ...target, access };
  }
  if (access.table(table.name).readsAll) return target;
  const query = target.kind === 'record' ? keyQuery(table, target.key) : EVERY_RECORD;
  const resume = target.resume === undefined ? {} : { resume: target.resume };
  return { kind: 'view', table, query, access, ...resume };
}

const EVERY_RECORD: Query = {
  conditions: null,
  select: null,
  sort: [],
  offset: 0,
  limit: null,
  timezone: null,
};

/** The query whose one match is the record with this key. */
function keyQuery(table: TableMeta, key: Key): Query {
  const attribute = table.attributes.find((candidate) => candidate.name === table.primaryKey)!;
  return {
    ...EVERY_RECORD,
    conditions: {
      kind: 'comparison',
      path: table.primaryKey,
      hops: [],
      target: { attribute, nested: [], isKey: true },
      operator: 'eq',
      values: [key],
      bounds: null,
      instant: false,
      position: 0,
    },
  };
}

function targetOf(
  schema: SchemaMeta,
  table: TableMeta,
  key: Key | undefined,
  rawQuery: string,
): SubscriptionTarget {
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
