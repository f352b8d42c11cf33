/**
 * Property tests: on random records and random queries, the engine (planner, drivers, executor,
 * shaper) gives exactly the answers of the naive oracle, on both stores and on a schema with and
 * without secondary indexes.
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
import type { ReadTxn } from '../../../templates/runtime/store/types.js';
import { Oracle, snapshot } from '../../helpers/oracle.js';
import {
  dataArbitrary,
  propertySchema,
  queryArbitrary,
  type PropertyQuery,
} from './arbitraries.js';
import { loadedStore, STORE_KINDS, tableOf } from './stores.js';

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

function check(
  txn: ReadTxn,
  schema: SchemaMeta,
  oracle: Oracle,
  { table: tableName, raw }: PropertyQuery,
): void {
  const ctx = { schema, table: tableOf(schema, tableName) };
  const query: Query = parseQuery(raw, ctx);
  const expected = oracle.answers(tableName, query);
  const actual = [...executeQuery(txn, ctx, query)];
  const matches = oracle.matches(tableName, query);

  const keys = [...matchingEntries(txn, ctx, query)].map((entry) => entry.key);
  expect(new Set(keys).size, 'a record answered twice').toBe(keys.length);
  expect(countMatches(txn, ctx, query), 'countMatches').toBe(matches.length);

  if (query.sort.length > 0) {
    expect(actual).toEqual(expected);
  } else if (query.limit === null && query.offset === 0) {
    expect(multiset(actual)).toEqual(multiset(expected));
  } else {
    // Without a sort, which matches a page holds is the engine's choice; how many is not.
    const all = oracle.answers(tableName, { ...query, offset: 0, limit: null });
    const size = Math.max(0, Math.min(query.limit ?? Infinity, matches.length - query.offset));
    expect(actual).toHaveLength(size);
    const remaining = multiset(all);
    for (const answer of multiset(actual)) {
      const index = remaining.indexOf(answer);
      expect(index, `answer ${answer} is not a match`).toBeGreaterThanOrEqual(0);
      remaining.splice(index, 1);
    }
  }

  for (const record of oracle.matches(tableName, { ...query, conditions: null })) {
    expect(
      recordMatches(txn, ctx, query, record.value),
      `recordMatches(${String(record.key)})`,
    ).toBe(query.conditions === null || oracle.holds(query.conditions, record));
  }
}

describe.each(STORE_KINDS)('the engine agrees with the oracle on the $name store', (kind) => {
  it.each([true, false])('with secondary indexes: %s', async (indexed) => {
    const schema = propertySchema(indexed);
    await fc.assert(
      fc.asyncProperty(
        dataArbitrary,
        fc.array(queryArbitrary, { minLength: 1, maxLength: 6 }),
        async (data, queries) => {
          const opened = await loadedStore(kind, schema, data);
          try {
            const txn = opened.store.read();
            const oracle = new Oracle(schema, snapshot(txn, schema));
            for (const query of queries) check(txn, schema, oracle, query);
          } finally {
            await opened.dispose();
          }
        },
      ),
      // QUERY_PROPERTY_RUNS raises the count for a longer search than the suite's default.
      { numRuns: Number(process.env.QUERY_PROPERTY_RUNS ?? (kind.name === 'lmdb' ? 80 : 300)) },
    );
  });
});
