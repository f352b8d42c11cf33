/**
 * The data studio (contract section 13): `GET /studio` serves a page for browsing, querying and
 * editing the data from a browser, and `/studio/<asset>` its script, stylesheet and the list of
 * exported tables. None of them holds data, so none needs credentials; every data request the
 * page makes goes through the REST API and its authentication (a request of this machine acts as
 * the super user while `AUTHORIZE_LOCAL` is on; otherwise the page signs in with
 * `POST /auth/login`).
 *
 * Every answer carries a strict Content-Security-Policy (the page runs the server's own script and
 * stylesheet only, connects to the server only, and may not be framed), `X-Content-Type-Options:
 * nosniff` and `Referrer-Policy: no-referrer`, and a content ETag (304 for `If-None-Match`).
 * `STUDIO` turns it on or off; off, `/studio` is an unknown path (404).
 *
 * The script is `client.ts`, compiled with the server: this module reads the compiled
 * `client.js` beside it once, at start.
 */
import { readFileSync } from 'node:fs';
import type { ServerConfig } from '../config.js';
import { clientError } from '../http/errors.js';
import { contentEtag } from '../http/etag.js';
import type { Exchange } from '../http/exchange.js';
import { isLoopback } from '../http/origin.js';
import { graphqlType, type AttributeMeta, type SchemaMeta, type TableMeta } from '../meta.js';
import { STUDIO_CSS, STUDIO_HTML } from './page.js';

export const STUDIO_METHODS = 'GET, HEAD, OPTIONS';

export const STUDIO_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS: readonly string[] = [
  'Content-Security-Policy',
  STUDIO_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options',
  'nosniff',
  'Referrer-Policy',
  'no-referrer',
];

/** `STUDIO`, or by default: on when the server listens on a loopback address only. */
export function studioEnabled(config: Pick<ServerConfig, 'studio' | 'host'>): boolean {
  return config.studio ?? isLoopback(config.host);
}

/** What the server does for the studio's paths besides them (OPTIONS and 405 its own way). */
export interface StudioHost {
  options(exchange: Exchange, allow: string): void;
  methodNotAllowed(exchange: Exchange, allow: string): void;
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly etag: string;
}

/** An exported table as the page shows it (`/studio/tables.json`). */
export interface StudioTable {
  /** The URL segment. */
  readonly name: string;
  readonly primaryKey: string;
  readonly attributes: readonly StudioAttribute[];
}

export interface StudioAttribute {
  readonly name: string;
  /** The GraphQL type as written in the schema: `String!`, `[ID]`, `Category`. */
  readonly type: string;
  readonly primaryKey?: true;
  readonly indexed?: true;
  readonly unique?: true;
  readonly timestamp?: 'created' | 'updated';
  /** `table` is the related table's URL segment. */
  readonly relationship?: {
    readonly kind: string;
    readonly table: string;
    readonly from?: string;
    readonly to?: string;
  };
}

export class Studio {
  private readonly assets = new Map<string, Asset>();

  /** `script`: the compiled `client.js`; undefined when it cannot be read (its URL then answers 404). */
  constructor(schema: SchemaMeta, script: Buffer | undefined = readScript()) {
    const add = (name: string, type: string, body: Buffer): void => {
      this.assets.set(name, { type, body, etag: contentEtag(body) });
    };
    add('', 'text/html; charset=utf-8', Buffer.from(STUDIO_HTML));
    add('studio.css', 'text/css; charset=utf-8', Buffer.from(STUDIO_CSS));
    if (script !== undefined) add('studio.js', 'text/javascript; charset=utf-8', script);
    add(
      'tables.json',
      'application/json',
      Buffer.from(JSON.stringify({ tables: studioTables(schema) })),
    );
  }

  /** Answers `/studio` (`asset` '') or `/studio/<asset>`. */
  answer(host: StudioHost, exchange: Exchange, name: string): void {
    const method = exchange.request.method;
    if (method === 'OPTIONS') return host.options(exchange, STUDIO_METHODS);
    if (method !== 'GET' && method !== 'HEAD')
      return host.methodNotAllowed(exchange, STUDIO_METHODS);
    // `/studio/` is the page too.
    const asset = this.assets.get(name);
    if (asset === undefined) {
      const message =
        name === 'studio.js'
          ? "The studio's script (studio/client.js) was not built with this server; build it with npm run build"
          : `Nothing is served at /studio/${name.slice(0, 200)}`;
      exchange.sendError(clientError('NOT_FOUND', message), [...SECURITY_HEADERS]);
      return;
    }
    exchange.sendFixed(asset.type, asset.body, asset.etag, [
      ...SECURITY_HEADERS,
      'Cache-Control',
      'no-cache',
    ]);
  }
}

/** The exported tables, their attributes and relationships into exported tables. */
export function studioTables(schema: SchemaMeta): StudioTable[] {
  const segments = new Map<string, string>();
  for (const table of schema.tables) {
    if (table.exportName !== null) segments.set(table.name, table.exportName);
  }
  return schema.tables
    .filter((table): table is TableMeta & { exportName: string } => table.exportName !== null)
    .map((table) => ({
      name: table.exportName,
      primaryKey: table.primaryKey,
      attributes: table.attributes.flatMap((attribute) => {
        const shown = studioAttribute(attribute, segments);
        return shown === undefined ? [] : [shown];
      }),
    }));
}

/** An attribute as the page shows it; undefined for a relationship into an unexported table. */
function studioAttribute(
  attribute: AttributeMeta,
  segments: ReadonlyMap<string, string>,
): StudioAttribute | undefined {
  const type = graphqlType(attribute);
  const relationship = attribute.relationship;
  let related: StudioAttribute['relationship'];
  if (relationship !== null) {
    const table = segments.get(relationship.target);
    // Relationships into tables without @export do not exist for clients (contract section 4).
    if (table === undefined) return undefined;
    related = {
      kind: relationship.kind,
      table,
      ...('from' in relationship ? { from: relationship.from } : {}),
      ...('to' in relationship ? { to: relationship.to } : {}),
    };
  }
  return {
    name: attribute.name,
    type,
    ...(attribute.primaryKey ? { primaryKey: true as const } : {}),
    ...(attribute.indexed ? { indexed: true as const } : {}),
    ...(attribute.unique === true ? { unique: true as const } : {}),
    ...(attribute.timestamp === null ? {} : { timestamp: attribute.timestamp }),
    ...(related === undefined ? {} : { relationship: related }),
  };
}

/**
 * The compiled script beside this module (`client.js`), without its source map comment (the map
 * is not served); undefined when there is none (the server runs from its TypeScript sources).
 */
function readScript(): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(new URL('./client.js', import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
  return Buffer.from(text.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n'));
}
