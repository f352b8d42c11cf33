/**
 * Requests on a table's records: `/T/` and `/T/?<query>` (GET, HEAD, POST, DELETE).
 * Contract section 4: lists are streamed; POST creates one record or, from an array, several in
 * one transaction; DELETE with a query deletes every match in one transaction.
 */
import { guardedReads } from '../auth/guardedTxn.js';
import type { Access } from '../auth/policy.js';
import { decodeBody, readBody } from '../http/body.js';
import { clientError } from '../http/errors.js';
import type { Exchange } from '../http/exchange.js';
import type { Format } from '../http/negotiate.js';
import { prefers } from '../http/prefer.js';
import { streamList } from '../http/stream.js';
import type { StoredValue } from '../store/types.js';
import { isPlainObject } from '../validate.js';
import { visibleColumns, type App, type TableResource } from './app.js';
import { collectionQuery } from './collection.js';

export const COLLECTION_METHODS = 'GET, HEAD, POST, DELETE, OPTIONS';

/** GET/HEAD: the matching records (all of them, in key order, without a query), streamed. */
export async function listRecords(
  app: App,
  exchange: Exchange,
  resource: TableResource,
  rawQuery: string,
  format: Format,
  access: Access,
): Promise<void> {
  access.require(resource.meta, 'read');
  const query = collectionQuery(
    { schema: app.schema, table: resource.meta, limits: app.config },
    rawQuery,
    access,
  );
  // Records the role may not see are not there: neither answered, nor counted, nor matched.
  const txn = guardedReads(app.store.read(), access);
  // `Prefer: count=exact` asks for the number of all matches in `Content-Range` [harper 5].
  const headers = prefers(exchange.request.headers.prefer, 'count', 'exact')
    ? ['Content-Range', await exchange.timed(() => query.contentRange(txn))]
    : [];
  await streamList(
    exchange,
    format,
    query.results(txn),
    query.columns ?? visibleColumns(resource, access),
    headers,
  );
}

/** POST: creates a record (201, `Location`, the key) or, for an array, every record (201, the keys). */
export async function createRecords(
  app: App,
  exchange: Exchange,
  resource: TableResource,
  format: Format,
  access: Access,
): Promise<void> {
  const body = decodeBody(
    await readBody(exchange.request, app.config.maxBodyBytes),
    exchange.request.headers['content-type'],
  );
  if (Array.isArray(body)) {
    const records = body as StoredValue[];
    const keys = await exchange.timed(() => resource.table.createMany(records, access));
    exchange.sendValue(201, format, keys);
    return;
  }
  if (!isPlainObject(body)) {
    throw clientError('BODY_NOT_RECORD', 'POST takes a record (an object) or an array of records');
  }
  // The bare id, a reference relative to the collection's URL [harper]; built inside the
  // transaction, so that a record whose answer cannot be written is not committed either.
  let location = '';
  const key = await exchange.timed(() =>
    resource.table.create(
      body,
      (created) => {
        location = encodeURIComponent(String(created));
      },
      access,
    ),
  );
  exchange.sendValue(201, format, key, ['Location', location]);
}

/** DELETE: deletes every matching record in one transaction; 200 `true`. */
export async function deleteRecords(
  app: App,
  exchange: Exchange,
  resource: TableResource,
  rawQuery: string,
  format: Format,
  access: Access,
): Promise<void> {
  access.require(resource.meta, 'delete');
  const query = collectionQuery({ schema: app.schema, table: resource.meta }, rawQuery, access);
  await exchange.timed(() =>
    resource.table.deleteMatching((txn) => query.keys(guardedReads(txn, access)), access),
  );
  exchange.sendValue(200, format, true);
}
