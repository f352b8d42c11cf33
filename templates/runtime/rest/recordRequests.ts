/**
 * Requests on one record: `/T/<id>` (GET, HEAD, PUT, PATCH, DELETE), `/T/<id>.<attribute>`
 * (GET, HEAD), and `POST /T/<id>?publish`, a message to its subscribers. Contract section 4;
 * ETags and preconditions per section 6.
 */
import { guardedReads } from '../auth/guardedTxn.js';
import type { Access } from '../auth/policy.js';
import { readBody, decodeBody } from '../http/body.js';
import { contentEtag, etagOf, ifMatchHolds, noneMatchHits, versionEtags } from '../http/etag.js';
import { encodeValue } from '../http/encode.js';
import { prefers } from '../http/prefer.js';
import { clientError } from '../http/errors.js';
import type { Exchange } from '../http/exchange.js';
import { CONTENT_TYPES, type Format } from '../http/negotiate.js';
import { STORE_LIMITS } from '../store/limits.js';
import type { Key, StoredValue } from '../store/types.js';
import type { WriteOptions, WrittenEntry } from '../table.js';
import { isPlainObject } from '../validate.js';
import { visibleColumns, type App, type TableResource } from './app.js';
import {
  parseQuery,
  relationshipExposed,
  resolveRelationship,
  shapeRecord,
} from '../query/index.js';
import { RecordCache } from './recordCache.js';

export const RECORD_METHODS = 'GET, HEAD, PUT, PATCH, DELETE, OPTIONS';
export const ATTRIBUTE_METHODS = 'GET, HEAD, OPTIONS';

/**
 * GET/HEAD of a whole record: 200 with its strong ETag (the version, the format folded in for
 * formats other than JSON), 304 when `If-None-Match` matches, 404. A record the role may not see
 * is a 404 too; one with attributes it may not read is answered without them, tagged by a digest
 * of that answer.
 */
export async function getRecord(
  app: App,
  exchange: Exchange,
  resource: TableResource,
  id: string,
  format: Format,
  access: Access,
): Promise<void> {
  access.require(resource.meta, 'read');
  const key = resource.table.parseKey(id);
  if (key === undefined) {
    exchange.send(404, []);
    return;
  }
  // Other workers' (or, on PostgreSQL, other servers') commits reach this cache through the log:
  // read the log's end first, so that a write another process acknowledged is never answered
  // with the record it replaced.
  if (app.config.workers > 1 || app.config.databaseUrl !== null)
    await exchange.timed(() => app.store.refresh());
  let cached = resource.cache.get(key);
  if (cached === undefined) {
    const entry = await exchange.timed(() => resource.table.getEntry(key));
    if (entry !== undefined) cached = resource.cache.remember(key, entry.version, entry.record);
  }
  if (cached?.record === undefined) {
    exchange.send(404, []);
    return;
  }
  const policy = access.table(resource.meta.name);
  if (!policy.readsAll) {
    if (!access.visible(resource.meta.name, cached.record)) {
      exchange.send(404, []);
      return;
    }
    const shown = access.strip(resource.meta.name, cached.record);
    sendTagged(exchange, format, shown, visibleColumns(resource, access));
    return;
  }
  const etag = format === 'json' ? cached.etag : etagOf(cached.version, format);
  const ifNoneMatch = exchange.request.headers['if-none-match'];
  if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, etag)) {
    exchange.send(304, ['ETag', etag]);
    return;
  }
  if (format === 'json') {
    exchange.send(
      200,
      ['Content-Type', CONTENT_TYPES.json, 'ETag', etag],
      RecordCache.json(cached),
    );
    return;
  }
  exchange.sendValue(200, format, cached.record, ['ETag', etag], resource.columns);
}

/**
 * Sends an answer computed from the store (a shaped record, an attribute) with a strong ETag that
 * is a digest of its bytes, or 304 when `If-None-Match` names that tag.
 */
function sendTagged(
  exchange: Exchange,
  format: Format,
  value: unknown,
  columns?: readonly string[],
): void {
  const body = encodeValue(format, value, columns);
  const etag = contentEtag(body);
  const ifNoneMatch = exchange.request.headers['if-none-match'];
  if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, etag)) {
    exchange.send(304, ['ETag', etag]);
    return;
  }
  exchange.send(200, ['Content-Type', CONTENT_TYPES[format], 'ETag', etag], body);
}

/**
 * GET/HEAD of one record shaped by the query's `select()` and `timezone=`
 * (`/Category/c1?select(name,products{name,price})`). Conditions, sort and limits select records,
 * so on a record URL they are refused rather than ignored.
 */
export async function getShapedRecord(
  app: App,
  exchange: Exchange,
  resource: TableResource,
  id: string,
  rawQuery: string,
  format: Format,
  access: Access,
): Promise<void> {
  access.require(resource.meta, 'read');
  const ctx = { schema: app.schema, table: resource.meta, limits: app.config };
  const query = parseQuery(rawQuery, ctx);
  access.checkQuery(resource.meta, query);
  if (
    query.conditions !== null ||
    query.sort.length > 0 ||
    query.limit !== null ||
    query.offset > 0
  ) {
    throw clientError(
      'QUERY_UNSUPPORTED',
      'A record URL takes only select() and timezone=; query the table at its collection URL to filter, sort or limit',
      { position: 0 },
    );
  }
  const key = resource.table.parseKey(id);
  const txn = guardedReads(app.store.read(), access);
  const entry =
    key === undefined ? undefined : await exchange.timed(() => resource.table.getEntry(key, txn));
  if (key === undefined || entry === undefined) {
    exchange.send(404, []);
    return;
  }
  const shaped = await exchange.timed(() =>
    shapeRecord(txn, ctx, query, entry.record, { key, version: entry.version }),
  );
  sendTagged(exchange, format, shaped);
}

/**
 * GET/HEAD of one attribute of a record; a relationship attribute is resolved to its record(s).
 * Tagged like a shaped record (a digest of the answer), so `If-None-Match` answers 304.
 */
export async function getAttribute(
  app: App,
  exchange: Exchange,
  resource: TableResource,
  id: string,
  name: string,
  format: Format,
  access: Access,
): Promise<void> {
  access.require(resource.meta, 'read');
  access.checkAttribute(resource.meta, name);
  const key = resource.table.parseKey(id);
  const txn = guardedReads(app.store.read(), access);
  const entry =
    key === undefined ? undefined : await exchange.timed(() => resource.table.getEntry(key, txn));
  if (entry === undefined) {
    exchange.send(404, []);
    return;
  }
  const attribute = resource.meta.attributes.find((candidate) => candidate.name === name);
  // A relationship into a table without @export is not readable here (contract section 4).
  const value =
    attribute?.relationship != null && relationshipExposed(app.schema, attribute)
      ? await exchange.timed(() =>
          resolveRelationship(txn, app.schema, resource.meta, attribute, entry.record, app.config),
        )
      : Object.hasOwn(entry.record, name)
        ? (entry.record[name] ?? null)
        : null;
  sendTagged(exchange, format, value);
}

/**
 * PUT: create or replace the whole record. 204 with the new `ETag`; with
 * `Prefer: return=representation`, the stored record (201 when it was created, else 200).
 * `format` is asked for only then, so a write without that preference is never a 406.
 */
export async function putRecord(
  app: App,
  exchange: Exchange,
  resource: TableResource,
  id: string,
  format: () => Format,
  access: Access,
): Promise<void> {
  const key = keyForWrite(resource, id);
  const answerFormat = prefers(exchange.request.headers.prefer, 'return', 'representation')
    ? format()
    : null;
  const body = await recordBody(app, exchange);
  const written = await exchange.timed(() =>
    resource.table.put(key, body, { ...preconditionOf(exchange), access }),
  );
  sendWritten(exchange, resource, written, answerFormat, access);
}

/**
 * PATCH: merge top-level attributes into the record, creating it when missing. Answers as PUT
 * does: 204 with the new `ETag`, or the stored record when `Prefer: return=representation`.
 */
export async function patchRecord(
  app: App,
  exchange: Exchange,
  resource: TableResource,
  id: string,
  format: () => Format,
  access: Access,
): Promise<void> {
  const key = keyForWrite(resource, id);
  const answerFormat = prefers(exchange.request.headers.prefer, 'return', 'representation')
    ? format()
    : null;
  const body = await recordBody(app, exchange);
  const written = await exchange.timed(() =>
    resource.table.patch(key, body, { ...preconditionOf(exchange), access }),
  );
  sendWritten(exchange, resource, written, answerFormat, access);
}

/**
 * The answer of a PUT or PATCH. The stored record is returned as its role may read it; one it may
 * not read at all is not returned (204, as without the preference).
 */
function sendWritten(
  exchange: Exchange,
  resource: TableResource,
  written: WrittenEntry<StoredValue>,
  format: Format | null,
  access: Access,
): void {
  const name = resource.meta.name;
  if (format === null || !access.visible(name, written.record)) {
    exchange.send(204, ['ETag', etagOf(written.version)]);
    return;
  }
  exchange.sendValue(
    written.created ? 201 : 200,
    format,
    access.strip(name, written.record),
    ['ETag', etagOf(written.version, format), 'Preference-Applied', 'return=representation'],
    visibleColumns(resource, access),
  );
}

/** DELETE: 200 `true`, whether or not the record existed. */
export async function deleteRecord(
  exchange: Exchange,
  resource: TableResource,
  id: string,
  format: Format,
  access: Access,
): Promise<void> {
  access.require(resource.meta, 'delete');
  const key = resource.table.parseKey(id);
  const options = { ...preconditionOf(exchange), access };
  if (key === undefined) {
    // No record can have this key; only a precondition can make that an error.
    if (options.precondition) throw preconditionFailed();
  } else {
    await exchange.timed(() => resource.table.delete(key, options));
  }
  exchange.sendValue(200, format, true);
}

/**
 * `POST /T/<id>?publish` (contract 8.5): the body, any JSON (or CBOR, MessagePack) value, goes to
 * the record's subscribers as a `"type": "message"` event; nothing is stored. 204. The role must
 * be allowed to update every record of the table.
 */
export async function publishMessage(
  app: App,
  exchange: Exchange,
  resource: TableResource,
  id: string,
  access: Access,
): Promise<void> {
  const name = resource.meta.name;
  if (access.table(name).update !== true)
    throw access.forbidden(`publish messages to ${name} records (it needs update on every record)`);
  const key = keyForWrite(resource, id);
  const value = decodeBody(
    await readBody(exchange.request, app.config.maxBodyBytes),
    exchange.request.headers['content-type'],
  );
  app.messages.publish(name, key, value);
  exchange.send(204, []);
}

function keyForWrite(resource: TableResource, id: string): Key {
  const key = resource.table.parseKey(id);
  if (key === undefined) {
    const shown = id.length > 100 ? `${id.slice(0, 100)}…` : id;
    const reason =
      Buffer.byteLength(id) > STORE_LIMITS.maxKeyBytes
        ? `it must be at most ${STORE_LIMITS.maxKeyBytes} bytes long, the longest primary key the store keeps`
        : `its key type is ${resource.meta.keyType}`;
    throw clientError(
      'INVALID_KEY',
      `"${shown}" cannot be a key of ${resource.meta.name}: ${reason}`,
    );
  }
  return key;
}

/** The request's body as a record (an object), or a 400. */
async function recordBody(app: App, exchange: Exchange): Promise<StoredValue> {
  const body = decodeBody(
    await readBody(exchange.request, app.config.maxBodyBytes),
    exchange.request.headers['content-type'],
  );
  if (!isPlainObject(body)) {
    throw clientError(
      'BODY_NOT_RECORD',
      'The body must be a record: a JSON (or CBOR, MessagePack) object',
    );
  }
  return body;
}

/**
 * The write's precondition, when the request has one: `If-Match` (the record exists at one of
 * these versions) and `If-None-Match` (`*`: the record does not exist; tags: it is at none of
 * them).
 */
function preconditionOf(exchange: Exchange): WriteOptions {
  const ifMatch = exchange.request.headers['if-match'];
  const ifNoneMatch = exchange.request.headers['if-none-match'];
  if (ifMatch === undefined && ifNoneMatch === undefined) return {};
  return {
    precondition: (version) => {
      // The version's tag in any format names it: a tag read as CBOR guards a JSON write too.
      const etags = version === undefined ? undefined : versionEtags(version);
      if (ifMatch !== undefined && !ifMatchHolds(ifMatch, etags)) return false;
      return ifNoneMatch === undefined || etags === undefined || !noneMatchHits(ifNoneMatch, etags);
    },
  };
}

function preconditionFailed() {
  return clientError('PRECONDITION_FAILED', 'If-Match cannot hold: the record does not exist');
}
