/**
 * Your own code for the `Session` table. codegen created this file once and never changes it
 * again (regenerating after a schema change leaves it as it is): edit it freely. It is type-checked
 * against the schema, so a hook that uses an attribute the schema no longer has fails `npm run build`.
 *
 * - `beforeWrite(record, { method, previous, tables })`: runs inside the write's transaction, after
 *   validation, for every POST, PUT and PATCH (for PATCH, `record` is the merged record). Return a
 *   changed record to store that instead (it is validated again), or `refuse(status, message)`:
 *   nothing is written. It must be synchronous.
 * - `beforeDelete(previous, { tables })`: before a record is deleted; `refuse(...)` keeps it.
 * - `afterCommit(change, { tables, write })`: after the write is durable, once per changed record;
 *   it cannot change the answer (what it throws is logged). It may be async.
 * - `routes`: custom endpoints. Session is not exported, so give them absolute paths
 *   ('/reports/count' serves GET /reports/count).
 *
 * `tables` gives every table (`tables.Session.get(key)`, `.search('attr=lt=10&limit(5)')`,
 * `.create`, `.put`, `.patch`, `.delete`); inside beforeWrite and beforeDelete it is bound to the
 * same transaction, so reads see its writes and writes commit or roll back with it.
 * `refuse` and `reply` come from '../runtime/hooks.js'.
 */
import type { Database } from '../database.js';
import { defineHooks } from '../runtime/hooks.js';

export default defineHooks<Database, 'Session'>({
  // A parameter you do not use fails the build (noUnusedParameters): leave it out or name it _x.
  // beforeWrite(record, { method }) {
  //   return method === 'POST' ? record : undefined;
  // },
  // beforeDelete(previous) {
  //   console.log('deleting', previous);
  // },
  // afterCommit(change, { tables }) {
  //   console.log(change.type, change.key, tables.Session.get(change.key));
  // },
  // routes: [
  //   { method: 'GET', path: '/reports/Session-count', handler: (_request, { tables }) => tables.Session.search().length },
  // ],
});
