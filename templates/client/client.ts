/**
 * The typed client of a generated server: one `TableClient` per exported table (`get`, `create`,
 * `put`, `patch`, `delete`, `query`, `subscribe`, `publish`), typed by the wire form of its records, and the
 * credentials calls (`login`, `logout`, `me`). `src/index.ts` binds it to the schema's tables.
 */
import { Query, queryOf, queryString } from '../runtime/query/builder.js';
import type { QueryInput, TableDescriptor } from '../runtime/query/builder.js';
import { ClientError } from './errors.js';
import { Transport } from './request.js';
import type { ClientOptions, Tokens } from './request.js';
import { subscribe } from './subscribe.js';
import type { SubscribeOptions, Subscription, SubscriptionEvent } from './subscribe.js';

/** A table as the client knows it (generated per table in `src/schema.ts`). */
export interface ClientDescriptor extends TableDescriptor {
  /** The table's URL segment. */
  readonly path: string;
  /** The primary key's type. */
  readonly key: string | number;
  /** The body of POST and PUT. */
  readonly create: object;
  /** The body of PATCH. */
  readonly patch: object;
}

/** What the client needs of a table at run time. */
export interface TableInfo {
  readonly path: string;
}

/** A page of answers with the number of all matches (`Prefer: count=exact`). */
export interface Counted<R> {
  readonly records: R[];
  readonly total: number;
}

/** A write's preconditions (contract section 6): `If-Match` / `If-None-Match`. */
export interface WriteOptions {
  /** Write only when the record is at this ETag (else 412). */
  readonly ifMatch?: string;
  /** `'*'`: create only, never replace (else 412). */
  readonly ifNoneMatch?: string;
}

/** The calls of one table. `R` is the type of each answer of a query, `D['record']` by default. */
export interface TableClient<D extends ClientDescriptor> {
  /** The record with this key, or undefined when there is none. */
  get(id: D['key']): Promise<D['record'] | undefined>;
  /** Creates a record (POST); resolves with its key (generated when the body has none). */
  create(record: D['create']): Promise<D['key']>;
  /** Creates every record in one transaction; resolves with their keys. */
  createMany(records: readonly D['create'][]): Promise<D['key'][]>;
  /** Creates or replaces the whole record (PUT). */
  put(id: D['key'], record: D['create'], options?: WriteOptions): Promise<void>;
  /** Changes these attributes (PATCH; `null` stores null), creating the record when missing. */
  patch(id: D['key'], changes: D['patch'], options?: WriteOptions): Promise<void>;
  /** Deletes the record (also when there is none). */
  delete(id: D['key'], options?: WriteOptions): Promise<void>;
  /**
   * Sends `message` (any JSON value) to the record's subscribers as a `message` event; nothing is
   * stored (`POST /T/<id>?publish`, contract 8.5).
   */
  publish(id: D['key'], message: unknown): Promise<void>;
  /** The matching records, or what the query's `select` makes of them. */
  query<R = D['record']>(query?: QueryInput<D, R>): Promise<R[]>;
  /** `query`, with the number of every match, whatever the limit. */
  count<R = D['record']>(query?: QueryInput<D, R>): Promise<Counted<R>>;
  /** Deletes every matching record in one transaction. */
  deleteMatching(query: QueryInput<D, unknown>): Promise<void>;
  /**
   * Follows a record (by key), the whole table (`null`), or a query's matches (a builder, or a
   * function building one): first the current state, then every change, reconnecting and
   * resuming after a drop. A query takes no `limit`/`offset`.
   */
  subscribe<R = D['record']>(
    target: D['key'] | Query<D, R> | ((query: Query<D>) => Query<D, R>) | null,
    handler: (event: SubscriptionEvent<R, D['key']>) => void,
    options?: SubscribeOptions,
  ): Subscription;
  /** A new query of this table: `Product.where('price', 'lt', 10)`. */
  readonly where: Query<D>['where'];
}

/** The user a request acts as (`GET /auth/me`). */
export interface Me {
  readonly username: string | null;
  readonly role: string | null;
  readonly superUser: boolean;
}

/** The client of a server whose tables `Ds` describes. */
export interface Client<Ds> {
  /** Every exported table, by its type name. */
  readonly tables: {
    readonly [N in keyof Ds]: Ds[N] extends ClientDescriptor ? TableClient<Ds[N]> : never;
  };
  /** Signs in (`POST /auth/login`): later requests carry the access token, renewed when it expires. */
  login(username: string, password: string): Promise<Tokens>;
  /** Forgets the tokens. */
  logout(): void;
  /** Who the requests act as. */
  me(): Promise<Me>;
}

/** A record's URL: the key percent-encoded, and a dot sent as `%2E` (it would name an attribute). */
function recordPath(table: TableInfo, id: string | number): string {
  return `/${table.path}/${encodeURIComponent(String(id)).replace(/\./g, '%2E')}`;
}

function preconditions(options: WriteOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.ifMatch !== undefined) headers['If-Match'] = options.ifMatch;
  if (options.ifNoneMatch !== undefined) headers['If-None-Match'] = options.ifNoneMatch;
  return headers;
}

function collection(table: TableInfo, query: string): string {
  return `/${table.path}/${query === '' ? '' : `?${query}`}`;
}

/** The total of `Content-Range: items 0-9/42` (also of an empty page, `items` star `/0`). */
function totalOf(range: string | null): number {
  const total = range === null ? null : /\/(\d+)$/.exec(range)?.[1];
  if (total === undefined || total === null)
    throw new Error('the server sent no Content-Range total for Prefer: count=exact');
  return Number(total);
}

function tableClient<D extends ClientDescriptor>(
  transport: Transport,
  table: TableInfo,
): TableClient<D> {
  return {
    async get(id) {
      const answer = await transport.request('GET', recordPath(table, id), { accept: [404] });
      return answer.status === 404 ? undefined : (answer.body as D['record']);
    },
    async create(record) {
      const answer = await transport.request('POST', `/${table.path}/`, { body: record });
      return answer.body as D['key'];
    },
    async createMany(records) {
      const answer = await transport.request('POST', `/${table.path}/`, { body: records });
      return answer.body as D['key'][];
    },
    async put(id, record, options) {
      await transport.request('PUT', recordPath(table, id), {
        body: record,
        headers: preconditions(options),
      });
    },
    async patch(id, changes, options) {
      await transport.request('PATCH', recordPath(table, id), {
        body: changes,
        headers: preconditions(options),
      });
    },
    async delete(id, options) {
      await transport.request('DELETE', recordPath(table, id), { headers: preconditions(options) });
    },
    async publish(id, message) {
      await transport.request('POST', `${recordPath(table, id)}?publish`, { body: message });
    },
    async query<R>(query?: QueryInput<D, R>) {
      const answer = await transport.request('GET', collection(table, queryString(query)));
      return answer.body as R[];
    },
    async count<R>(query?: QueryInput<D, R>) {
      const answer = await transport.request('GET', collection(table, queryString(query)), {
        headers: { Prefer: 'count=exact' },
      });
      return { records: answer.body as R[], total: totalOf(answer.headers.get('Content-Range')) };
    },
    async deleteMatching(query) {
      await transport.request('DELETE', collection(table, queryString(query)));
    },
    subscribe<R>(
      target: D['key'] | Query<D, R> | ((query: Query<D>) => Query<D, R>) | null,
      handler: (event: SubscriptionEvent<R, D['key']>) => void,
      options?: SubscribeOptions,
    ) {
      if (typeof target === 'string' || typeof target === 'number')
        return subscribe(transport, recordPath(table, target), '', handler, options);
      const query = target === null ? null : queryOf(target);
      if (query?.pages)
        throw new ClientError(
          400,
          'QUERY_UNSUPPORTED',
          'a subscription takes no limit() or offset()',
        );
      return subscribe(transport, `/${table.path}/`, query?.toString() ?? '', handler, options);
    },
    get where() {
      const query = Query.create<D>();
      return query.where.bind(query);
    },
  };
}

/** The client of the server at `options.url`, with a `TableClient` per table of `tables`. */
export function connect<Ds>(
  tables: { readonly [N in keyof Ds]: TableInfo },
  options: ClientOptions,
): Client<Ds> {
  const transport = new Transport(options);
  const clients: Record<string, unknown> = {};
  for (const [name, table] of Object.entries<TableInfo>(tables))
    clients[name] = tableClient(transport, table);
  return {
    tables: Object.freeze(clients) as Client<Ds>['tables'],
    async login(username, password) {
      const answer = await transport.request('POST', '/auth/login', {
        body: { username, password },
      });
      const { accessToken, refreshToken } = answer.body as {
        accessToken: string;
        refreshToken: string;
      };
      const tokens = { accessToken, refreshToken };
      transport.setTokens(tokens);
      return tokens;
    },
    logout() {
      transport.setTokens(null);
    },
    async me() {
      return (await transport.request('GET', '/auth/me')).body as Me;
    },
  };
}
