import fc from 'fast-check';
import { it } from 'vitest';
import { parseQuery, executeQuery } from '../../../templates/runtime/query/index.js';
import { planQuery } from '../../../templates/runtime/query/plan.js';
import { dataArbitrary, propertySchema, queryArbitrary } from './arbitraries.js';
import { loadedStore, STORE_KINDS, tableOf } from './stores.js';

it('stats', async () => {
  const schema = propertySchema(true);
  const samples = fc.sample(fc.tuple(dataArbitrary, queryArbitrary), { numRuns: 400, seed: 42 });
  const sizes: Record<string, number> = {}; const drivers: Record<string, number> = {};
  for (const [data, q] of samples) {
    const opened = await loadedStore(STORE_KINDS[0]!, schema, data);
    const txn = opened.store.read();
    const ctx = { schema, table: tableOf(schema, q.table) };
    const query = parseQuery(q.raw, ctx);
    const n = [...executeQuery(txn, ctx, query)].length;
    const bucket = n === 0 ? '0' : n < 3 ? '1-2' : n < 10 ? '3-9' : '10+';
    sizes[bucket] = (sizes[bucket] ?? 0) + 1;
    const plan = planQuery(txn, schema, ctx.table, query);
    const d = plan.driver.kind === 'index' ? `index:${plan.driver.attribute}` : plan.driver.kind;
    drivers[d] = (drivers[d] ?? 0) + 1;
    await opened.dispose();
  }
  console.log(sizes, drivers);
  console.log(samples.slice(0, 15).map(([, q]) => q.raw));
});
