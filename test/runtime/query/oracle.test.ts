/**
 * Property tests: on random records and random queries, the engine (parser, planner, drivers,
 * executor, shaper) gives exactly the answers of the naive oracle, on both stores and on a schema
 * with and without secondary indexes. The oracle reads the raw query string with its own parser
 * (`test/helpers/oracleQuery.ts`) wherever that parser covers the query (everything but
 * `select()`, `timezone=` and type prefixes), so a parser bug shows; the second property
 * interleaves creates, updates and deletes with queries, so stale index entries show. Seeds:
 * `TEST_SEED` (test/helpers/seed.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SchemaMeta } from '../../../templates/runtime/meta.js';
import {
  countMatches,
  executeQuery,
  matchingEntries,
  parseQuery,
  recordMatches,
} from '../../../templates/runtime/query/index.js';
import type { Query } from '../../../templates/runtime/query/types.js';
import type { Key, ReadTxn, StoredValue } from '../../../templates/runtime/store/types.js';
import { Oracle } from '../../helpers/oracle.js';
import { oracleQuery, OracleUnsupported } from '../../helpers/oracleQuery.js';
import { assertProperty } from '../../helpers/seed.js';
import {
  dataArbitrary,
  itemFieldsArbitrary,
  propertySchema,
  withoutAbsentAttributes,
  queryArbitrary,
  type PropertyQuery,
} from './arbitraries.js';
import { collect, loadedStore, snapshotOf, STORE_KINDS, tableOf } from './stores.js';

/** How many queries the oracle read with its own parser (the rest: with the engine's). */
const parsedBy = { oracle: 0, engine: 0 };

/** The oracle's reading of `raw`: its own parser's, or the engine's where its parser stops. */
function oracleReading(schema: SchemaMeta, tableName: string, raw: string, engine: Query): Query {
  try {
    const own = oracleQuery(schema, tableName, raw);
    parsedBy.oracle += 1;
    return own;
  } catch (error) {
    if (!(error instanceof OracleUnsupported)) throw error;
    parsedBy.engine += 1;
    return engine;
  }
}

/** A stable text form of an answer, for comparing answers as multisets. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return `${item}n`;
    if (item instanceof Date) return `date:${item.toISOString()}`;
    return item;
  });
}

function multiset(values: readonly unknown[]): string[] {
  return values.map(canonical).sort();
}

async function check(
  txn: ReadTxn,
  schema: SchemaMeta,
  oracle: Oracle,
  { table: tableName, raw }: PropertyQuery,
): Promise<void> {
  const ctx = { schema, table: tableOf(schema, tableName) };
  const query: Query = parseQuery(raw, ctx);
  const reading = oracleReading(schema, tableName, raw, query);
  const expected = oracle.answers(tableName, reading);
  const actual = await collect(executeQuery(txn, ctx, query));
  const matches = oracle.matches(tableName, reading);

  const keys = (await collect(matchingEntries(txn, ctx, query))).map((entry) => entry.key);
  expect(new Set(keys).size, 'a record answered twice').toBe(keys.length);
  expect(await countMatches(txn, ctx, query), 'countMatches').toBe(matches.length);

  expect(
    { sorted: query.sort.length > 0, offset: query.offset, limit: query.limit },
    `page of ${raw}`,
  ).toEqual({
    sorted: reading.sort.length > 0,
    offset: reading.offset,
    limit: reading.limit,
  });
  if (query.sort.length > 0) {
    expect(actual, raw).toEqual(expected);
  } else if (query.limit === null && query.offset === 0) {
    expect(multiset(actual)).toEqual(multiset(expected));
  } else {
    // Without a sort, which matches a page holds is the engine's choice; how many is not.
    const all = oracle.answers(tableName, { ...reading, offset: 0, limit: null });
    const size = Math.max(0, Math.min(query.limit ?? Infinity, matches.length - query.offset));
    expect(actual).toHaveLength(size);
    const remaining = multiset(all);
    for (const answer of multiset(actual)) {
      const index = remaining.indexOf(answer);
      expect(index, `answer ${answer} is not a match`).toBeGreaterThanOrEqual(0);
      remaining.splice(index, 1);
    }
  }

  for (const record of oracle.matches(tableName, { ...reading, conditions: null })) {
    expect(
      await recordMatches(txn, ctx, query, record.value),
      `recordMatches(${String(record.key)}) for ${raw}`,
    ).toBe(reading.conditions === null || oracle.holds(reading.conditions, record));
  }
}

describe.each(STORE_KINDS)('the engine agrees with the oracle on the $name store', (kind) => {
  it.each([true, false])('with secondary indexes: %s', async (indexed) => {
    const schema = propertySchema(indexed);
    await assertProperty(
      'the engine agrees with the oracle',
      fc.asyncProperty(
        dataArbitrary,
        fc.array(queryArbitrary, { minLength: 1, maxLength: 6 }),
        async (data, queries) => {
          const opened = await loadedStore(kind, schema, data);
          try {
            const txn = opened.read();
            const oracle = new Oracle(schema, await snapshotOf(txn, schema));
            for (const query of queries) await check(txn, schema, oracle, query);
          } finally {
            await opened.dispose();
          }
        },
      ),
      // QUERY_PROPERTY_RUNS raises the count for a longer search than the suite's default.
      {
        numRuns: Number(
          process.env.QUERY_PROPERTY_RUNS ??
            (kind.name === 'memory' ? 300 : kind.name === 'lmdb' ? 80 : 40),
        ),
      },
    );
    // The oracle's own parser must have read a good share of the queries, or it checks nothing.
    expect(parsedBy.oracle, JSON.stringify(parsedBy)).toBeGreaterThan(parsedBy.engine * 4);
  });
});

/** One step of the interleaved property: a write (applied to the store and the model) or a query. */
type Step =
  | { readonly op: 'create'; readonly fields: Record<string, unknown> }
  | { readonly op: 'update'; readonly pick: number; readonly fields: Record<string, unknown> }
  | { readonly op: 'delete'; readonly pick: number }
  | { readonly op: 'query'; readonly query: PropertyQuery };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: itemFieldsArbitrary.map((fields) => ({ op: 'create' as const, fields })),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(fc.nat(), itemFieldsArbitrary)
      .map(([pick, fields]) => ({ op: 'update' as const, pick, fields })),
    weight: 3,
  },
  { arbitrary: fc.nat().map((pick) => ({ op: 'delete' as const, pick })), weight: 1 },
  { arbitrary: queryArbitrary.map((query) => ({ op: 'query' as const, query })), weight: 3 },
);

describe.each(STORE_KINDS)('after creates, updates and deletes, on the $name store', (kind) => {
  it.each([true, false])(
    'the engine still agrees with the oracle (indexes: %s)',
    async (indexed) => {
      const schema = propertySchema(indexed);
      await assertProperty(
        'the engine agrees with the oracle across writes',
        fc.asyncProperty(
          dataArbitrary,
          fc.array(stepArbitrary, { minLength: 4, maxLength: 12 }),
          async (data, steps) => {
            const opened = await loadedStore(kind, schema, data);
            // The model: what the store must hold, kept by this test alone.
            const items = new Map<Key, StoredValue>(
              data.Item.map((value) => [value['id'] as Key, value]),
            );
            let created = 0;
            try {
              for (const step of steps) {
                const keys = [...items.keys()];
                if (step.op === 'create') {
                  const key = `new${created++}`;
                  const value = withoutAbsentAttributes({ id: key, ...step.fields });
                  await opened.write((txn) => txn.put('Item', key, value));
                  items.set(key, value);
                } else if (step.op === 'update' && keys.length > 0) {
                  // An update replaces some attributes, removes the ones that come absent, keeps the rest.
                  const key = keys[step.pick % keys.length]!;
                  const next: Record<string, unknown> = { ...items.get(key) };
                  for (const [name, value] of Object.entries(step.fields)) {
                    if (value === undefined) delete next[name];
                    else next[name] = value;
                  }
                  const value = withoutAbsentAttributes(next);
                  await opened.write((txn) => txn.put('Item', key, value));
                  items.set(key, value);
                } else if (step.op === 'delete' && keys.length > 0) {
                  const key = keys[step.pick % keys.length]!;
                  expect(await opened.write((txn) => txn.delete('Item', key))).toBe(true);
                  items.delete(key);
                } else if (step.op === 'query') {
                  const txn = opened.read();
                  const stored = await snapshotOf(txn, schema);
                  // The store holds exactly the model (so the oracle's data is not the engine's word alone).
                  const held = (stored.get('Item') ?? []).map(
                    ({ key, value }) => [key, value] as const,
                  );
                  expect(new Map(held)).toEqual(items);
                  await check(txn, schema, new Oracle(schema, stored), step.query);
                }
              }
            } finally {
              await opened.dispose();
            }
          },
        ),
        {
          numRuns: Number(
            process.env.QUERY_PROPERTY_RUNS ??
              (kind.name === 'memory' ? 100 : kind.name === 'lmdb' ? 15 : 10),
          ),
        },
      );
    },
    180_000,
  );
});
