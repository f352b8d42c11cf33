/**
 * Routing, precomputed from the schema: the first path segment names an exported table, the rest
 * is a record id (percent-decoded, so `%2F` puts a slash in an id), optionally followed by
 * `.<attribute>` and/or a format suffix (`.json`, `.cbor`, `.msgpack`, `.csv`).
 */
import type { TableResource } from '../rest/app.js';
import { clientError } from './errors.js';
import { formatOfSuffix, type Format } from './negotiate.js';

export type Route =
  | { readonly kind: 'health' }
  /** `/openapi`: the server's OpenAPI document. */
  | { readonly kind: 'openapi' }
  /** `/metrics`: the server's metrics, for Prometheus. */
  | { readonly kind: 'metrics' }
  /**
   * `/studio` and `/studio/<asset>`: the data studio's page and its assets (contract section 13);
   * `asset` is the path after `/studio/`, '' for the page itself.
   */
  | { readonly kind: 'studio'; readonly asset: string }
  /** `/auth/…`: logins, tokens and users (contract section 12); `rest` is the path after `/auth/`. */
  | { readonly kind: 'auth'; readonly rest: string }
  /** `/T`: the table's description. */
  | { readonly kind: 'describe'; readonly resource: TableResource }
  /** `/T/`: the table's records (a query selects some). */
  | {
      readonly kind: 'collection';
      readonly resource: TableResource;
      readonly format: Format | undefined;
    }
  /** `/T/<id>` or `/T/<id>.<attribute>`. */
  | {
      readonly kind: 'record';
      readonly resource: TableResource;
      readonly id: string;
      readonly attribute: string | undefined;
      readonly format: Format | undefined;
    }
  | { readonly kind: 'unknown' };

const HEALTH: Route = { kind: 'health' };
const OPENAPI: Route = { kind: 'openapi' };
const METRICS: Route = { kind: 'metrics' };
const STUDIO: Route = { kind: 'studio', asset: '' };
const UNKNOWN: Route = { kind: 'unknown' };

export class Router {
  private readonly describeRoutes = new Map<string, Route>();
  private readonly collectionRoutes = new Map<string, Route>();

  constructor(private readonly resources: ReadonlyMap<string, TableResource>) {
    for (const [segment, resource] of resources) {
      this.describeRoutes.set(segment, { kind: 'describe', resource });
      this.collectionRoutes.set(segment, { kind: 'collection', resource, format: undefined });
    }
  }

  /** The route of a path (without its query string); throws 400 for malformed percent-encoding. */
  match(path: string): Route {
    if (path.charCodeAt(0) !== 47 /* / */) return UNKNOWN;
    const slash = path.indexOf('/', 1);
    if (slash < 0) {
      const segment = path.slice(1);
      // The server's own paths win over a table exported under the same name (codegen refuses one).
      if (segment === 'health') return HEALTH;
      if (segment === 'openapi') return OPENAPI;
      if (segment === 'metrics') return METRICS;
      if (segment === 'studio') return STUDIO;
      return this.describeRoutes.get(segment) ?? UNKNOWN;
    }
    const first = path.slice(1, slash);
    if (first === 'auth') return { kind: 'auth', rest: path.slice(slash + 1) };
    if (first === 'studio') return { kind: 'studio', asset: path.slice(slash + 1) };
    const resource = this.resources.get(first);
    if (resource === undefined) return UNKNOWN;
    if (slash === path.length - 1)
      return this.collectionRoutes.get(path.slice(1, slash)) ?? UNKNOWN;
    return recordRoute(resource, path.slice(slash + 1));
  }
}

function recordRoute(resource: TableResource, rest: string): Route {
  let format: Format | undefined;
  let attribute: string | undefined;
  let id = rest;
  let dot = id.lastIndexOf('.');
  if (dot >= 0) {
    format = formatOfSuffix(id.slice(dot + 1));
    if (format !== undefined) {
      id = id.slice(0, dot);
      dot = id.lastIndexOf('.');
    }
    // A dot that belongs to the id itself can be sent as %2E.
    if (dot > 0 && resource.attributeNames.has(id.slice(dot + 1))) {
      attribute = id.slice(dot + 1);
      id = id.slice(0, dot);
    }
  }
  if (id === '')
    return attribute === undefined ? { kind: 'collection', resource, format } : UNKNOWN;
  return { kind: 'record', resource, id: decodeSegment(id), attribute, format };
}

function decodeSegment(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw clientError('BAD_URL', `The URL holds malformed percent-encoding: ${text.slice(0, 100)}`);
  }
}
