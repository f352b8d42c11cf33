import { describe, expect, it } from 'vitest';
import { HTTP_CASES, HTTP_CASE_NAMES } from '../../bench/cases.js';
import { products } from '../../bench/dataset.js';
import { parseOptions, UsageError } from '../../bench/options.js';
import { seededRandom } from '../../bench/random.js';

describe('the product data set', () => {
  const all = products(0, 20_000, 1);

  it('is the same records whatever the batches it is loaded in', () => {
    expect([...products(0, 7_000, 1), ...products(7_000, 20_000, 1)]).toEqual(all);
    expect(products(0, 100, 2)).not.toEqual(products(0, 100, 1));
  });

  it('has the promised shape: ids p0…, ten categories, prices 1–500, about 70 % in stock', () => {
    expect(all.map((product) => product.id).slice(0, 3)).toEqual(['p0', 'p1', 'p2']);
    expect(new Set(all.map((product) => product.categoryId))).toEqual(
      new Set(Array.from({ length: 10 }, (_, index) => `c${index}`)),
    );
    expect(Math.min(...all.map((product) => product.price))).toBeGreaterThanOrEqual(1);
    expect(Math.max(...all.map((product) => product.price))).toBeLessThanOrEqual(500);
    const inStock = all.filter((product) => product.inStock).length / all.length;
    expect(inStock).toBeGreaterThan(0.67);
    expect(inStock).toBeLessThan(0.73);
    // The query cases' selectivity rests on a uniform price: about a fifth under 100.
    const cheap = all.filter((product) => product.price < 100).length / all.length;
    expect(cheap).toBeGreaterThan(0.18);
    expect(cheap).toBeLessThan(0.22);
  });
});

describe('the cases', () => {
  it('ask for products that exist, and write bodies the shop schema accepts', () => {
    const random = seededRandom(5);
    for (let round = 0; round < 200; round++) {
      const one = HTTP_CASES.get_one.request(random, 300);
      expect(Number(/^\/Product\/p(\d+)$/.exec(one.path)?.[1])).toBeLessThan(300);
      const post = HTTP_CASES.post.request(random, 300);
      expect(post).toMatchObject({ method: 'POST', path: '/CartItem/' });
      const item = JSON.parse(post.body ?? '') as Record<string, unknown>;
      expect(Object.keys(item).sort()).toEqual(['addedAt', 'productId', 'quantity', 'sessionId']);
      expect(Number.isInteger(item.quantity)).toBe(true);
      const patch = HTTP_CASES.patch.request(random, 300);
      expect(patch.method).toBe('PATCH');
      expect(Object.keys(JSON.parse(patch.body ?? '') as object).sort()).toEqual([
        'price',
        'stockQuantity',
      ]);
    }
  });

  it('say truthfully whether their requests vary', () => {
    for (const name of HTTP_CASE_NAMES) {
      const httpCase = HTTP_CASES[name];
      const random = seededRandom(9);
      const requests = new Set(
        Array.from({ length: 20 }, () => JSON.stringify(httpCase.request(random, 100_000))),
      );
      expect(requests.size > 1, name).toBe(httpCase.varies);
    }
  });
});

describe('the command line', () => {
  it('defaults to 100k products with a 10k scaling level, 50 connections, 10 s cases', () => {
    const options = parseOptions([], '/repo');
    expect(options).toMatchObject({
      products: 100_000,
      scalingLevels: [10_000, 100_000],
      connections: 50,
      durationSeconds: 10,
    });
    expect(options.resultsDir).toBe('/repo/bench/results');
  });

  it('--quick runs 10k products only, with short cases; --large adds 1M', () => {
    expect(parseOptions(['--quick'], '/repo')).toMatchObject({
      products: 10_000,
      scalingLevels: [10_000],
      durationSeconds: 1.5,
    });
    expect(parseOptions(['--large'], '/repo').scalingLevels).toEqual([10_000, 100_000, 1_000_000]);
  });

  it('rejects unknown options, unknown cases and nonsense numbers as usage errors', () => {
    expect(() => parseOptions(['--fast'], '/repo')).toThrow(UsageError);
    expect(() => parseOptions(['--cases', 'get_one,get_all'], '/repo')).toThrow(
      /unknown case "get_all"/,
    );
    expect(() => parseOptions(['--products', '1e3.5'], '/repo')).toThrow(UsageError);
    expect(() => parseOptions(['--duration', '0'], '/repo')).toThrow(UsageError);
  });
});
