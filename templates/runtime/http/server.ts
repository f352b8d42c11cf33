/**
 * The HTTP server: routes each request (routes are precomputed from the schema), answers it, and
 * drains in-flight requests on shutdown. The real-time module plugs in through one hook,
 * `RealtimeHandler`: it receives upgrade requests and GETs that ask for `text/event-stream`.
 */
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { guardedReads } from '../auth/guardedTxn.js';
import { TOKEN_PARAMETER } from '../auth/index.js';
import type { Access } from '../auth/policy.js';
import { answerAuth, type AuthEndpointHost } from '../auth/routes.js';
import { ClientError } from '../errors.js';
import { log } from '../log.js';
import type { App, TableResource } from '../rest/app.js';
import {
  COLLECTION_METHODS,
  createRecords,
  deleteRecords,
  listRecords,
} from '../rest/collectionRequests.js';
import { answerCustomRoute } from '../rest/customRoutes.js';
import { describeTable } from '../rest/describe.js';
import {
  ATTRIBUTE_METHODS,
  RECORD_METHODS,
  deleteRecord,
  getAttribute,
  getRecord,
  getShapedRecord,
  patchRecord,
  publishMessage,
  putRecord,
} from '../rest/recordRequests.js';
import { takeResumption } from '../realtime/target.js';
import type { Key } from '../store/types.js';
import { Studio, studioEnabled } from '../studio/serve.js';
import { logAccess } from './accessLog.js';
import { CorsPolicy } from './cors.js';
import { clientError, errorBody, storeExhausted } from './errors.js';
import { contentEtag } from './etag.js';
import { Exchange, type ServerState } from './exchange.js';
import { acceptsEventStream, CONTENT_TYPES, negotiate, type Format } from './negotiate.js';
import { OriginGuard } from './origin.js';
import { Router, type Route } from './router.js';

/** `POST /T/<id>?publish`: the query that makes a POST of a record a message (contract 8.5). */
const PUBLISH_PARAMETER = 'publish';

/** What the real-time module (WebSocket, Server-Sent Events) is handed by the HTTP server. */
export interface RealtimeHandler {
  /**
   * A WebSocket upgrade request, authenticated (`access`): the server's `upgrade` event is this
   * module's alone.
   */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, access: Access): void;
  /**
   * A GET (or HEAD) of `/T/`, `/T/?…` or `/T/<id>` whose `Accept` asks for `text/event-stream`,
   * authenticated (`access`).
   */
  eventStream(
    request: IncomingMessage,
    response: ServerResponse,
    target: EventStreamTarget,
    access: Access,
  ): void;
  /** Ends every subscription; called first on shutdown. */
  close(): Promise<void>;
}

export interface EventStreamTarget {
  readonly resource: TableResource;
  /** The record subscribed to, for `/T/<id>`; undefined for the table. */
  readonly key?: Key;
  /** The raw query string of `/T/?…` ('' when none). */
  readonly query: string;
}

const DESCRIBE_METHODS = 'GET, HEAD, OPTIONS';
/** The methods of the server's own read-only paths (`/health`, `/openapi`). */
const SERVER_PATH_METHODS = 'GET, HEAD, OPTIONS';
const ACCEPTED_TYPES = [
  'application/json',
  'application/cbor',
  'application/x-msgpack',
  'text/csv',
];
/** How often node checks the header and request timeouts of open connections. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

export class HttpServer implements ServerState, AuthEndpointHost {
  readonly server: Server;
  readonly cors: CorsPolicy | null;
  private readonly guard: OriginGuard;
  private readonly router: Router;
  private inFlight = 0;
  /** List answers being streamed (`MAX_STREAMED_ANSWERS`). */
  private streams = 0;
  private shutdownDone: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  private readonly openApiDocument: { readonly body: Buffer; readonly etag: string } | undefined;
  /** The data studio at `/studio` (`STUDIO`); null when it is off. */
  private readonly studio: Studio | null;
  /** Each answer, and each WebSocket once closed, gets an access-log line. */
  private readonly accessLog: boolean;

  constructor(
    private readonly app: App,
    private readonly realtime?: RealtimeHandler,
    /** The OpenAPI document served at `/openapi`, as its bytes. */
    openApi?: Buffer,
  ) {
    this.openApiDocument =
      openApi === undefined ? undefined : { body: openApi, etag: contentEtag(openApi) };
    const config = app.config;
    this.accessLog = config.accessLog && log.enabled('info');
    this.studio = studioEnabled(config) ? new Studio(app.schema) : null;
    this.router = new Router(app.resources);
    this.cors = config.corsOrigins === null ? null : new CorsPolicy(config.corsOrigins);
    this.guard = new OriginGuard(config.allowedHosts, config.host, this.cors);
    this.server = createServer(
      {
        headersTimeout: config.headersTimeoutMs,
        requestTimeout: config.requestTimeoutMs,
        keepAliveTimeout: config.keepAliveTimeoutMs,
        connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
        // Long URLs are answered with 414 by us, not 431 by node's header limit.
        maxHeaderSize: Math.max(16 * 1024, config.maxUrlLength + 8 * 1024),
      },
      this.onRequest,
    );
    // Beyond this many open sockets, node closes new connections as they arrive.
    this.server.maxConnections = config.maxConnections;
    if (realtime) {
      this.server.on('upgrade', (request, socket, head) => {
        const started = performance.now();
        const sentBefore = request.socket.bytesWritten;
        const entry = {
          status: 101,
          user: null as string | null,
          address: request.socket.remoteAddress,
        };
        if (this.accessLog) {
          socket.once('close', () =>
            logAccess({
              request,
              ...entry,
              bytes: request.socket.bytesWritten - sentBefore,
              ms: performance.now() - started,
            }),
          );
        }
        const refusal = this.guard.refusal(request, true);
        if (refusal !== undefined) {
          entry.status = refusal.status;
          refuseUpgrade(socket, refusal.status, errorBody(refusal.code, refusal.message));
          return;
        }
        // Credentials are checked before the handshake: a client without them gets a 401.
        const mark = request.url?.indexOf('?') ?? -1;
        const token = mark < 0 ? undefined : tokenParameter(request.url!.slice(mark + 1));
        socket.on('error', () => {}); // the client may go while it is authenticated
        this.authenticate(request, token).then(
          (access) => {
            entry.user = access.user?.username ?? null;
            if (!socket.destroyed) realtime.upgrade(request, socket, head, access);
          },
          (error: unknown) => {
            if (!(error instanceof ClientError)) {
              log.error('authenticating a WebSocket upgrade failed', { err: error });
              entry.status = 500;
              refuseUpgrade(socket, 500, errorBody('INTERNAL_ERROR', 'internal error'));
              return;
            }
            entry.status = error.status;
            refuseUpgrade(
              socket,
              error.status,
              errorBody(error.code, error.message, error.details),
              error.headers,
            );
          },
        );
      });
    }
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (at most `shutdownTimeoutMs`),
   * then closes every socket.
   */
  close(): Promise<void> {
    this.shutdownDone ??= this.shutdown();
    return this.shutdownDone;
  }

  get closing(): boolean {
    return this.shutdownDone !== undefined;
  }

  get answerWriteTimeoutMs(): number {
    return this.app.config.answerWriteTimeoutMs;
  }

  get compressionMinBytes(): number | null {
    return this.app.config.compressionMinBytes;
  }

  openStream(): boolean {
    if (this.streams >= this.app.config.maxStreamedAnswers) return false;
    this.streams++;
    return true;
  }

  closeStream(): void {
    this.streams--;
  }

  private async shutdown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await this.realtime?.close();
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.app.config.shutdownTimeoutMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.server.closeAllConnections();
    await closed;
  }

  private onResponseClose(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.drained?.();
  }

  private readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    this.inFlight++;
    const started = performance.now();
    // Read for the access log only: both are calls into the socket, on every request.
    const sentBefore = this.accessLog ? request.socket.bytesWritten : 0;
    const address = this.accessLog ? request.socket.remoteAddress : undefined;
    const exchange = new Exchange(request, response, this);
    response.once('close', () => {
      this.onResponseClose();
      const ms = performance.now() - started;
      this.app.metrics.request(
        exchange.metricsTable,
        request.method ?? 'GET',
        response.statusCode,
        ms / 1000,
      );
      if (this.accessLog) {
        logAccess({
          request,
          status: response.statusCode,
          bytes: request.socket.bytesWritten - sentBefore,
          ms,
          user: exchange.user,
          address,
        });
      }
    });
    try {
      const answered = this.dispatch(exchange);
      if (answered !== undefined) answered.catch((error: unknown) => exchange.sendError(error));
    } catch (error) {
      exchange.sendError(error);
    }
  };

  /** The access of the request: authenticated by `app.auth`, the super user's without it. */
  async authenticate(exchange: Exchange | IncomingMessage, token?: string): Promise<Access> {
    return this.accessOf(exchange, token);
  }

  /** `authenticate`, answered at once when no credentials need checking (a known token, none). */
  private accessOf(exchange: Exchange | IncomingMessage, token?: string): Access | Promise<Access> {
    const auth = this.app.auth;
    const request = exchange instanceof Exchange ? exchange.request : exchange;
    return auth === null ? this.app.localAccess : auth.authenticate(request, token);
  }

  private dispatch(exchange: Exchange): Promise<void> | void {
    const refusal = this.guard.refusal(exchange.request, false);
    if (refusal !== undefined) throw refusal;
    const url = exchange.request.url ?? '/';
    if (url.length > this.app.config.maxUrlLength) {
      throw clientError(
        'URL_TOO_LONG',
        `The URL is longer than the limit of ${this.app.config.maxUrlLength} characters`,
      );
    }
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    const query = mark < 0 ? '' : url.slice(mark + 1);
    const custom = this.app.customRoutes.match(path);
    if (custom !== undefined) {
      exchange.metricsTable = '(custom)';
      return this.authenticated(exchange, query, (access) =>
        answerCustomRoute(
          this.app.tableSet,
          this.app.config.maxBodyBytes,
          exchange,
          custom,
          path,
          query,
          access,
        ),
      );
    }
    const route = this.router.match(path);
    exchange.metricsTable = metricsTableOf(route);
    switch (route.kind) {
      case 'record':
        return this.authenticated(exchange, query, (access) =>
          this.record(exchange, route, query, access),
        );
      case 'collection':
        return this.authenticated(exchange, query, (access) =>
          this.collection(exchange, route.resource, route.format, query, access),
        );
      case 'describe':
        return this.authenticated(exchange, query, (access) =>
          this.describe(exchange, route.resource, query, access),
        );
      case 'health':
        return this.health(exchange);
      case 'openapi':
        return this.openApi(exchange);
      case 'metrics':
        return this.authenticated(exchange, query, (access) => this.metrics(exchange, access));
      case 'studio':
        if (this.studio === null) break;
        return this.studio.answer(this, exchange, route.asset);
      case 'auth':
        if (this.app.auth === null) break;
        return answerAuth(this.app.auth, this, exchange, route.rest, this.app.config.maxBodyBytes);
      case 'unknown':
        break;
    }
    throw clientError('NOT_FOUND', `Nothing is served at ${path.slice(0, 200)}`);
  }

  /**
   * Runs `answer` with the request's access. An event stream may carry its token as the URL's
   * `access_token` parameter (an `EventSource` cannot set headers).
   */
  private authenticated(
    exchange: Exchange,
    query: string,
    answer: (access: Access) => Promise<void> | void,
  ): Promise<void> | void {
    // A preflight carries no credentials, and its answer (the methods) tells nothing of the data.
    if (exchange.request.method === 'OPTIONS') return answer(this.app.nobody);
    const token = this.wantsEventStream(exchange) ? tokenParameter(query) : undefined;
    exchange.vary('Authorization');
    const access = this.accessOf(exchange, token);
    if (access instanceof Promise) {
      return access.then((known) => {
        exchange.user = known.user?.username ?? null;
        return answer(known);
      });
    }
    exchange.user = access.user?.username ?? null;
    return answer(access);
  }

  private record(
    exchange: Exchange,
    route: Extract<Route, { kind: 'record' }>,
    query: string,
    access: Access,
  ): Promise<void> | void {
    const method = exchange.request.method;
    const { resource, id, attribute } = route;
    const allow = attribute === undefined ? RECORD_METHODS : ATTRIBUTE_METHODS;
    if (method === 'OPTIONS') return this.options(exchange, allow);
    // The token of an event stream is no part of its query.
    if (this.wantsEventStream(exchange)) query = withoutTokenParameter(query);
    if (method === 'POST' && query === PUBLISH_PARAMETER && attribute === undefined)
      return publishMessage(this.app, exchange, resource, id, access);
    // A record's event stream takes `resume=` (contract 8.3), as its WebSocket does, and no query.
    const asked = this.wantsEventStream(exchange)
      ? takeResumption(resource.meta, query).rawQuery
      : query;
    if (asked !== '') {
      if (
        attribute !== undefined ||
        (method !== 'GET' && method !== 'HEAD') ||
        this.wantsEventStream(exchange)
      ) {
        throw clientError(
          'QUERY_UNSUPPORTED',
          'Only a GET of a whole record takes a query (select() and timezone=); query the table at its collection URL',
          { position: 0 },
        );
      }
      return getShapedRecord(
        this.app,
        exchange,
        resource,
        id,
        query,
        this.format(exchange, route.format),
        access,
      );
    }
    if (attribute !== undefined) {
      if (method !== 'GET' && method !== 'HEAD')
        return this.methodNotAllowed(exchange, ATTRIBUTE_METHODS);
      return getAttribute(
        this.app,
        exchange,
        resource,
        id,
        attribute,
        this.format(exchange, route.format),
        access,
      );
    }
    switch (method) {
      case 'GET':
      case 'HEAD':
        if (this.wantsEventStream(exchange)) {
          const key = resource.table.parseKey(id);
          if (key === undefined) {
            throw clientError(
              'INVALID_KEY',
              `"${id.slice(0, 100)}" cannot be a key of ${resource.meta.name}`,
            );
          }
          return this.realtime?.eventStream(
            exchange.request,
            exchange.response,
            { resource, key, query },
            access,
          );
        }
        return getRecord(
          this.app,
          exchange,
          resource,
          id,
          this.format(exchange, route.format),
          access,
        );
      case 'PUT':
        return putRecord(
          this.app,
          exchange,
          resource,
          id,
          () => this.format(exchange, route.format),
          access,
        );
      case 'PATCH':
        return patchRecord(
          this.app,
          exchange,
          resource,
          id,
          () => this.format(exchange, route.format),
          access,
        );
      case 'DELETE':
        return deleteRecord(exchange, resource, id, this.format(exchange, route.format), access);
      default:
        return this.methodNotAllowed(exchange, RECORD_METHODS);
    }
  }

  private collection(
    exchange: Exchange,
    resource: TableResource,
    suffix: Format | undefined,
    query: string,
    access: Access,
  ): Promise<void> | void {
    switch (exchange.request.method) {
      case 'GET':
      case 'HEAD':
        if (this.wantsEventStream(exchange)) {
          return this.realtime?.eventStream(
            exchange.request,
            exchange.response,
            { resource, query: withoutTokenParameter(query) },
            access,
          );
        }
        return listRecords(
          this.app,
          exchange,
          resource,
          query,
          this.format(exchange, suffix),
          access,
        );
      case 'POST':
        if (query !== '')
          throw clientError('QUERY_UNSUPPORTED', 'POST takes no query', { position: 0 });
        return createRecords(this.app, exchange, resource, this.format(exchange, suffix), access);
      case 'DELETE':
        return deleteRecords(
          this.app,
          exchange,
          resource,
          query,
          this.format(exchange, suffix),
          access,
        );
      case 'OPTIONS':
        return this.options(exchange, COLLECTION_METHODS);
      default:
        return this.methodNotAllowed(exchange, COLLECTION_METHODS);
    }
  }

  private async describe(
    exchange: Exchange,
    resource: TableResource,
    query: string,
    access: Access,
  ): Promise<void> {
    const method = exchange.request.method;
    if (method === 'OPTIONS') return this.options(exchange, DESCRIBE_METHODS);
    if (method !== 'GET' && method !== 'HEAD')
      return this.methodNotAllowed(exchange, DESCRIBE_METHODS);
    if (query !== '')
      throw clientError('QUERY_UNSUPPORTED', 'The table description takes no query', {
        position: 0,
      });
    const format = this.format(exchange, undefined);
    access.require(resource.meta, 'read');
    const txn = guardedReads(this.app.store.read(), access);
    const count = await exchange.timed(() => txn.count(resource.meta.name));
    exchange.sendValue(
      200,
      format,
      describeTable(resource.meta, count, access.table(resource.meta.name).hidden),
    );
  }

  /**
   * The OpenAPI document generated with the server (`openapi.json`), as written: 200 with a
   * content ETag (304 for `If-None-Match`), 404 when the server was started without one.
   */
  private openApi(exchange: Exchange): void {
    const method = exchange.request.method;
    if (method === 'OPTIONS') return this.options(exchange, SERVER_PATH_METHODS);
    if (method !== 'GET' && method !== 'HEAD')
      return this.methodNotAllowed(exchange, SERVER_PATH_METHODS);
    const document = this.openApiDocument;
    if (document === undefined) {
      throw clientError('NOT_FOUND', 'This server was started without an OpenAPI document');
    }
    exchange.sendFixed(CONTENT_TYPES.json, document.body, document.etag);
  }

  /**
   * The metrics in Prometheus' text format, for the super user and `METRICS_ROLES` (and requests
   * this machine lets in, which act as the super user).
   */
  private async metrics(exchange: Exchange, access: Access): Promise<void> {
    const method = exchange.request.method;
    if (method === 'OPTIONS') return this.options(exchange, SERVER_PATH_METHODS);
    if (method !== 'GET' && method !== 'HEAD')
      return this.methodNotAllowed(exchange, SERVER_PATH_METHODS);
    if (!access.superUser && !this.app.config.metricsRoles.includes(access.role.name)) {
      throw access.forbidden('read the metrics (METRICS_ROLES)');
    }
    const text = await this.app.metrics.text();
    exchange.send(
      200,
      ['Content-Type', this.app.metrics.contentType, 'Cache-Control', 'no-store'],
      text,
    );
  }

  /** 200 when the store can be read and written, 503 otherwise. */
  private async health(exchange: Exchange): Promise<void> {
    const method = exchange.request.method;
    if (method === 'OPTIONS') return this.options(exchange, SERVER_PATH_METHODS);
    if (method !== 'GET' && method !== 'HEAD')
      return this.methodNotAllowed(exchange, SERVER_PATH_METHODS);
    const format = this.format(exchange, undefined);
    try {
      const store = this.app.store;
      const first = this.app.schema.tables[0];
      if (first !== undefined) await exchange.timed(() => store.read().count(first.name));
      // A transaction that writes nothing still runs, and fails once the store is closed.
      await exchange.timed(() => store.write(() => true));
    } catch (error) {
      log.error('health check failed', { err: error });
      throw (
        storeExhausted(error) ?? clientError('UNAVAILABLE', 'The store cannot be read or written')
      );
    }
    exchange.sendValue(200, format, { status: 'ok' });
  }

  options(exchange: Exchange, allow: string): void {
    const headers = ['Allow', allow];
    if (this.cors !== null) headers.push(...this.cors.preflightHeaders(exchange.request, allow));
    exchange.send(204, headers);
  }

  methodNotAllowed(exchange: Exchange, allow: string): void {
    const method = exchange.request.method ?? '';
    exchange.sendError(
      clientError('METHOD_NOT_ALLOWED', `${method} is not allowed here; allowed: ${allow}`, {
        allow: allow.split(', '),
      }),
      ['Allow', allow],
    );
  }

  /** The answer's format: the URL suffix, else the `Accept` header; 406 when nothing fits. */
  private format(exchange: Exchange, suffix: Format | undefined): Format {
    if (suffix !== undefined) return suffix;
    exchange.vary('Accept');
    const format = negotiate(exchange.request.headers.accept);
    if (format === null) {
      throw clientError(
        'NOT_ACCEPTABLE',
        `None of the accepted types can be sent; available: ${ACCEPTED_TYPES.join(', ')}`,
        {
          available: ACCEPTED_TYPES,
        },
      );
    }
    return format;
  }

  private wantsEventStream(exchange: Exchange): boolean {
    const accept = exchange.request.headers.accept;
    return (
      this.realtime !== undefined &&
      accept !== undefined &&
      accept.includes('text/event-stream') &&
      acceptsEventStream(accept)
    );
  }
}

/** What a request of `route` is counted under in the metrics. */
function metricsTableOf(route: Route): string {
  switch (route.kind) {
    case 'record':
    case 'collection':
    case 'describe':
      return route.resource.meta.name;
    case 'auth':
      return '/auth';
    case 'unknown':
      return '(none)';
    default:
      return `/${route.kind}`;
  }
}

/** The `access_token` of a query string, percent-decoded; undefined when it has none. */
export function tokenParameter(query: string): string | undefined {
  if (!query.includes(`${TOKEN_PARAMETER}=`)) return undefined;
  for (const part of query.split('&')) {
    if (!part.startsWith(`${TOKEN_PARAMETER}=`)) continue;
    try {
      return decodeURIComponent(part.slice(TOKEN_PARAMETER.length + 1));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The query string without its `access_token` parameter. */
export function withoutTokenParameter(query: string): string {
  if (!query.includes(`${TOKEN_PARAMETER}=`)) return query;
  return query
    .split('&')
    .filter((part) => !part.startsWith(`${TOKEN_PARAMETER}=`))
    .join('&');
}

/** Answers an upgrade request that is refused, before any WebSocket exists, and closes it. */
function refuseUpgrade(
  socket: Duplex,
  status: number,
  body: string,
  headers: readonly string[] = [],
): void {
  const reason = STATUS_CODES[status] ?? 'Error';
  socket.on('error', () => {}); // the client may be gone already; nothing more to tell it
  let extra = '';
  for (let i = 0; i + 1 < headers.length; i += 2) extra += `${headers[i]}: ${headers[i + 1]}\r\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
