/**
 * The application a running server is made of: the schema, the store, the typed tables and the
 * REST resources of the exported ones. The HTTP layer, and the real-time module, work from this.
 */
import type { Auth } from '../auth/index.js';
import { Access, RolePolicy } from '../auth/policy.js';
import type { ServerConfig } from '../config.js';
import { Metrics } from '../metrics.js';
import { MessageBus } from '../realtime/messages.js';
import type { SchemaMeta, TableMeta } from '../meta.js';
import type { Store, StoredValue } from '../store/types.js';
import { Table } from '../table.js';
import { TableSet, type RuntimeHooks } from '../tableSet.js';
import { CustomRoutes } from './customRoutes.js';
import { RecordCache, writeThrough } from './recordCache.js';

/** A table as the REST layer handles it, its records untyped (validation guards their shape). */
export type AnyTable = Table<StoredValue, StoredValue, StoredValue>;

/** An exported table: what `/<exportName>/…` serves. */
export interface TableResource {
  readonly meta: TableMeta;
  readonly table: AnyTable;
  /** Names that `/T/<id>.<name>` reads: every declared attribute, relationships included. */
  readonly attributeNames: ReadonlySet<string>;
  /** CSV columns for records: the stored attributes, in declaration order. */
  readonly columns: readonly string[];
  /** Recently read or written records, for `GET /T/<id>`. */
  readonly cache: RecordCache;
}

export interface App {
  readonly schema: SchemaMeta;
  readonly store: Store;
  readonly config: ServerConfig;
  /** Every table by type name, exported or not. */
  readonly tables: ReadonlyMap<string, AnyTable>;
  /** Exported tables by their URL segment. */
  readonly resources: ReadonlyMap<string, TableResource>;
  /** The tables with the user's hooks: what hook code and custom endpoints work with. */
  readonly tableSet: TableSet;
  /** The user's custom endpoints, answered before the tables' own routes. */
  readonly customRoutes: CustomRoutes;
  /** Who requests are made by (contract section 12); null: every request acts as the super user. */
  readonly auth: Auth | null;
  /** The access of a request of this machine let in without credentials (`AUTHORIZE_LOCAL`). */
  readonly localAccess: Access;
  /** An access that may do nothing (for answers that need none, such as CORS preflights). */
  readonly nobody: Access;
  /** What `GET /metrics` reports (contract section 13). */
  readonly metrics: Metrics;
  /** Messages published to records' subscribers (contract 8.5), in this process and the others. */
  readonly messages: MessageBus;
}

/**
 * `hooks`: the user's hooks by table name (contract section 10); throws for a malformed route.
 * `auth`: authentication and the roles; without it, every request may do everything.
 */
export function createApp(
  schema: SchemaMeta,
  store: Store,
  config: ServerConfig,
  hooks: RuntimeHooks = {},
  auth: Auth | null = null,
): App {
  const customRoutes = new CustomRoutes(schema, hooks);
  const messages = new MessageBus();
  const tableSet = new TableSet(schema, store, hooks, messages);
  const tables = new Map<string, AnyTable>();
  const resources = new Map<string, TableResource>();
  const caches = new Map<string, RecordCache>();
  for (const meta of schema.tables) {
    const table: AnyTable = new Table(schema, meta, store, tableSet);
    tables.set(meta.name, table);
    if (meta.exportName === null) continue;
    // A cached record of an expiring table would outlive its expiry: such tables read the store.
    const cache = new RecordCache(meta.expiration === null ? config.recordCacheSize : 0);
    caches.set(meta.name, cache);
    resources.set(meta.exportName, {
      cache,
      meta,
      table,
      attributeNames: new Set(meta.attributes.map((attribute) => attribute.name)),
      columns: meta.attributes
        .filter((attribute) => attribute.relationship === null)
        .map((attribute) => attribute.name),
    });
  }
  if (config.recordCacheSize > 0) store.onCommit(writeThrough(caches));
  const localAccess =
    auth?.local ?? new Access(schema, null, new RolePolicy('super user', true, new Map()));
  const nobody = new Access(schema, null, new RolePolicy('nobody', false, new Map()));
  return {
    schema,
    store,
    config,
    tables,
    resources,
    tableSet,
    customRoutes,
    auth,
    localAccess,
    nobody,
    metrics: new Metrics(schema, store),
    messages,
  };
}

/** The CSV columns of whole records, without those the role may not read. */
export function visibleColumns(resource: TableResource, access: Access): readonly string[] {
  const hidden = access.table(resource.meta.name).hidden;
  return hidden.size === 0
    ? resource.columns
    : resource.columns.filter((column) => !hidden.has(column));
}
