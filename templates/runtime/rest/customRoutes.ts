/**
 * The user's custom endpoints (contract section 10), declared as `routes` in the hooks of a table.
 * A relative path is under the table's URL (`/Product/<path>`), an absolute one is served as it is;
 * `:name` segments match any one segment. A path that a custom route claims is answered by the
 * custom routes alone, for every method (405 for those it has no handler for), before the tables'
 * own routing: `/Product/low-stock` is then no longer the record `low-stock`.
 */
import { decodeBody, readBody } from '../http/body.js';
import { clientError } from '../http/errors.js';
import type { Exchange } from '../http/exchange.js';
import { negotiate } from '../http/negotiate.js';
import { isReply, type RouteMethod, type RouteRequest } from '../hooks.js';
import type { Access } from '../auth/policy.js';
import type { SchemaMeta, TableMeta } from '../meta.js';
import type { RuntimeHooks, RuntimeRoute, TableSet } from '../tableSet.js';

const METHODS: ReadonlySet<string> = new Set<RouteMethod>([
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
]);
const SEGMENT = /^(?::[A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9._~!$'*+,;=@-]+)$/;

/** The routes of one path pattern, by method. */
interface PathRoutes {
  /** Literal segments as text, parameters as `:name`. */
  readonly segments: readonly string[];
  readonly handlers: Map<RouteMethod, RuntimeRoute>;
  /** The `Allow` header: its methods, HEAD with GET, and OPTIONS. */
  allow: string;
}

export interface RouteMatch {
  readonly routes: PathRoutes;
  readonly params: Readonly<Record<string, string>>;
}

export class CustomRoutes {
  /** Patterns by their first segment, which is always literal. */
  private readonly byFirstSegment = new Map<string, PathRoutes[]>();

  /** Throws, before the server starts, for a route that is malformed or collides with another. */
  constructor(schema: SchemaMeta, hooks: RuntimeHooks) {
    const exported = new Set<string>();
    for (const table of schema.tables)
      if (table.exportName !== null) exported.add(table.exportName);
    for (const table of schema.tables) {
      for (const route of hooks[table.name]?.routes ?? []) {
        const where = `the route ${route.method} ${JSON.stringify(route.path)} of ${table.name}`;
        this.add(routeSegments(table, route, exported, where), route, where);
      }
    }
  }

  /** The custom route that claims `path` (the raw path, without its query), if any. */
  match(path: string): RouteMatch | undefined {
    if (this.byFirstSegment.size === 0) return undefined;
    const slash = path.indexOf('/', 1);
    const candidates = this.byFirstSegment.get(slash < 0 ? path.slice(1) : path.slice(1, slash));
    if (candidates === undefined) return undefined;
    const segments = path.slice(1).split('/');
    for (const routes of candidates) {
      const params = matchSegments(routes.segments, segments);
      if (params !== undefined) return { routes, params };
    }
    return undefined;
  }

  private add(segments: readonly string[], route: RuntimeRoute, where: string): void {
    const shape = segments.map((segment) => (segment.startsWith(':') ? ':' : segment)).join('/');
    const list = this.byFirstSegment.get(segments[0]!) ?? [];
    this.byFirstSegment.set(segments[0]!, list);
    let routes = list.find(
      (candidate) =>
        candidate.segments.map((segment) => (segment.startsWith(':') ? ':' : segment)).join('/') ===
        shape,
    );
    if (routes === undefined) {
      routes = { segments, handlers: new Map(), allow: '' };
      // Literal segments win over parameters: more literal patterns are tried first.
      list.push(routes);
      list.sort((a, b) => literalCount(b.segments) - literalCount(a.segments));
    } else if (routes.segments.join('/') !== segments.join('/')) {
      throw new Error(
        `${where}: its parameters are named differently from another route of the same path`,
      );
    }
    if (routes.handlers.has(route.method)) throw new Error(`${where} is declared twice`);
    routes.handlers.set(route.method, route);
    const methods = [...routes.handlers.keys()];
    routes.allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  }
}

/** Answers a request that a custom route claims. */
export async function answerCustomRoute(
  tables: TableSet,
  maxBodyBytes: number,
  exchange: Exchange,
  match: RouteMatch,
  path: string,
  rawQuery: string,
  access: Access,
): Promise<void> {
  const { routes, params } = match;
  const method = exchange.request.method ?? 'GET';
  if (method === 'OPTIONS') {
    exchange.send(204, ['Allow', routes.allow]);
    return;
  }
  const route = routes.handlers.get((method === 'HEAD' ? 'GET' : method) as RouteMethod);
  if (route === undefined) {
    exchange.sendError(
      clientError('METHOD_NOT_ALLOWED', `${method} is not allowed here; allowed: ${routes.allow}`, {
        allow: routes.allow.split(', '),
      }),
      ['Allow', routes.allow],
    );
    return;
  }
  if (!mayCall(route, access)) throw access.forbidden(`call ${method} ${path.slice(0, 200)}`);
  const format = negotiate(exchange.request.headers.accept);
  if (format === null) {
    throw clientError('NOT_ACCEPTABLE', 'None of the accepted types can be sent', {
      available: ['application/json', 'application/cbor', 'application/x-msgpack', 'text/csv'],
    });
  }
  let body: Promise<unknown> | undefined;
  const request: RouteRequest = {
    method: route.method,
    path,
    params,
    query: new URLSearchParams(rawQuery),
    headers: exchange.request.headers,
    user: access.user,
    role: access.role.name,
    body: () => {
      body ??= readBody(exchange.request, maxBodyBytes).then((bytes) =>
        decodeBody(bytes, exchange.request.headers['content-type']),
      );
      return body;
    },
  };
  const result: unknown = await route.handler(request, tables.serverContext(access.user));
  if (isReply(result)) {
    const headers = Object.entries(result.headers).flat();
    if (result.body === undefined) exchange.send(result.status, headers);
    else exchange.sendValue(result.status, format, result.body, headers);
  } else if (result === undefined) {
    exchange.send(204, []);
  } else {
    exchange.sendValue(200, format, result);
  }
}

/**
 * Whether the route's `roles` let this access call it: absent, only the super user; `'*'`, any
 * request (one without credentials too, when it is let in at all); a list, those roles and the
 * super user.
 */
function mayCall(route: RuntimeRoute, access: Access): boolean {
  if (access.superUser || route.roles === '*') return true;
  return route.roles !== undefined && route.roles.includes(access.role.name);
}

/** The segments of a route's full path, after checking that the route can be served. */
function routeSegments(
  table: TableMeta,
  route: RuntimeRoute,
  exported: ReadonlySet<string>,
  where: string,
): string[] {
  if (!METHODS.has(route.method)) {
    throw new Error(`${where}: the method must be one of ${[...METHODS].join(', ')}`);
  }
  if (typeof route.handler !== 'function') throw new Error(`${where} has no handler function`);
  let path = route.path;
  if (!path.startsWith('/')) {
    if (table.exportName === null) {
      throw new Error(
        `${where}: ${table.name} is not exported, so its routes need an absolute path`,
      );
    }
    path = `/${table.exportName}/${path}`;
  }
  const segments = path.slice(1).split('/');
  const [first, second] = segments;
  if (
    path === '/health' ||
    path === '/openapi' ||
    path === '/metrics' ||
    first === 'auth' ||
    // `/T` describes a table and `/T/` lists it.
    (exported.has(first!) && (segments.length === 1 || (segments.length === 2 && second === '')))
  ) {
    throw new Error(`${where}: ${path} is already served by the server itself`);
  }
  const bad = segments.find((segment) => !SEGMENT.test(segment));
  if (bad !== undefined) {
    throw new Error(
      `${where}: "${bad}" is not a path segment (letters, digits, -._~ and the like, or :name)`,
    );
  }
  if (first!.startsWith(':')) throw new Error(`${where}: the first segment must be literal`);
  if (segments.length === 2 && exported.has(first!) && second!.startsWith(':')) {
    throw new Error(`${where}: it would take every record URL of /${first}/`);
  }
  return segments;
}

/** The parameters when `segments` (raw, percent-encoded) match the pattern; undefined otherwise. */
function matchSegments(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index += 1) {
    const expected = pattern[index]!;
    const actual = decodeSegment(segments[index]!);
    if (actual === undefined) return undefined;
    if (expected.startsWith(':')) {
      if (actual === '') return undefined;
      params[expected.slice(1)] = actual;
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string | undefined {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function literalCount(segments: readonly string[]): number {
  return segments.filter((segment) => !segment.startsWith(':')).length;
}
