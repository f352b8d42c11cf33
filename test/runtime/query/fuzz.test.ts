/**
 * No query string, however mangled, makes the engine fail with anything but a 400 ClientError
 * with a stable code and a position inside the query: random strings over the language's
 * characters, and valid queries with characters inserted, deleted or replaced. A query that
 * parses also runs, and its count agrees with its answers. Seed: `TEST_SEED` (test/helpers/seed.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientError } from '../../../templates/runtime/errors.js';
import {
  countMatches,
  executeQuery,
  matchingEntries,
  parseQuery,
} from '../../../templates/runtime/query/index.js';
import type { QueryContext, Query } from '../../../templates/runtime/query/types.js';
import type { Key, ReadTxn } from '../../../templates/runtime/store/types.js';
import { assertProperty } from '../../helpers/seed.js';
import { QUERY_ERROR_CODES } from '../../../templates/runtime/query/errors.js';
import { dataArbitrary, propertySchema, queryArbitrary } from './arbitraries.js';
import { collect, loadedStore, STORE_KINDS, tableOf, type OpenedStore } from './stores.js';

const schema = propertySchema(true);

/** The keys of every match, without offset and limit. */
async function matchingKeys(txn: ReadTxn, ctx: QueryContext, query: Query): Promise<Key[]> {
  const entries = await collect(matchingEntries(txn, ctx, { ...query, offset: 0, limit: null }));
  return entries.map((entry) => entry.key);
}
const PIECES = [
  '&',
  '|',
  '(',
  ')',
  '[',
  ']',
  '=',
  '==',
  '!=',
  '<',
  '>',
  '=gt=',
  '=in=',
  '=lt=',
  '&=lt=',
  '&lt=',
  ',',
  '*',
  ':',
  '.',
  '{',
  '}',
  '$id',
  'select(',
  'sort(',
  'limit(',
  'sort=',
  'limit=',
  'offset=',
  'timezone=',
  'null',
  'number:',
  'date:',
  'string:',
  'boolean:',
  'name',
  'price',
  'tags',
  'when',
  'owner.name',
  'friends.name',
  'id',
  'extra',
  'stamp',
  'items.name',
  'nope',
  '1',
  '-2.5',
  'a',
  '2024-08-15',
  'T10:00',
  'Z',
  '%',
  '%2',
  '%26',
  '%28',
  '%3D',
  '%3C',
  '%C3%A9',
  '%FF',
  '%zz',
  '😀',
  ' ',
  '+',
  '-',
  'America/New_York',
  'Mars/Base',
];

const mangled = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 14 }).map((pieces) => pieces.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .tuple(
      queryArbitrary,
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.constantFrom('insert', 'delete', 'replace'),
          fc.constantFrom(...PIECES),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([query, edits]) => {
      let raw = query.raw;
      for (const [at, edit, piece] of edits) {
        const index = raw.length === 0 ? 0 : at % (raw.length + 1);
        if (edit === 'insert') raw = raw.slice(0, index) + piece + raw.slice(index);
        else if (edit === 'delete') raw = raw.slice(0, index) + raw.slice(index + 1 + (at % 3));
        else raw = raw.slice(0, index) + piece + raw.slice(index + piece.length);
      }
      return raw;
    }),
);

describe.each(STORE_KINDS)('mangled queries on the $name store', (kind) => {
  let opened: OpenedStore;

  beforeAll(async () => {
    const [data] = fc.sample(dataArbitrary, { numRuns: 1, seed: 7 });
    opened = await loadedStore(kind, schema, data!);
  });

  afterAll(async () => {
    await opened.dispose();
  });

  it('answer or fail with a 400 that points inside the query', async () => {
    await assertProperty(
      'mangled queries',
      fc.asyncProperty(mangled, fc.constantFrom('Item', 'Owner'), async (raw, tableName) => {
        const ctx = { schema, table: tableOf(schema, tableName) };
        let query;
        try {
          query = parseQuery(raw, ctx);
        } catch (error) {
          expect(error).toBeInstanceOf(ClientError);
          const clientError = error as ClientError;
          expect(clientError.status).toBe(400);
          expect(QUERY_ERROR_CODES).toContain(clientError.code);
          // Every query error carries a position (contract 5.6), an offset into the raw string.
          const { position } = clientError.details;
          expect(Number.isInteger(position), `${clientError.code} without a position: ${raw}`).toBe(
            true,
          );
          expect(position).toBeGreaterThanOrEqual(0);
          expect(position).toBeLessThanOrEqual(raw.length);
          return;
        }
        const txn = opened.read();
        const answers = await collect(executeQuery(txn, ctx, query));
        // The count is of every match: the unpaged answers, each record once; the page is its slice.
        const unpaged = await matchingKeys(txn, ctx, query);
        expect(new Set(unpaged).size, 'a record answered twice').toBe(unpaged.length);
        expect(await countMatches(txn, ctx, query)).toBe(unpaged.length);
        const pageSize = Math.max(
          0,
          Math.min(query.limit ?? Infinity, unpaged.length - query.offset),
        );
        expect(answers).toHaveLength(pageSize);
      }),
      { numRuns: kind.name === 'memory' ? 2000 : kind.name === 'lmdb' ? 500 : 300 },
    );
  });
});
