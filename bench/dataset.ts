/**
 * The shop data set the cases run against, loaded through the server's own bulk path
 * (`POST /<Table>/` with a JSON array, one transaction per batch).
 *
 * Products `p0…p{n-1}` spread over categories `c0…c9`, price uniform in 1–500, 70 % in stock; plus a
 * category `small` holding 50 products of its own (`ps0…`), so that a relationship select has an
 * answer of a few KB instead of a tenth of the table.
 */
import { randomIndex, seededRandom, type Random } from './random.js';

export const CATEGORY_COUNT = 10;
export const SMALL_CATEGORY = 'small';
export const SMALL_CATEGORY_PRODUCTS = 50;
export const BATCH_SIZE = 1_000;

export interface ProductRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly price: number;
  readonly categoryId: string;
  readonly inStock: boolean;
  readonly stockQuantity: number;
  readonly imageUrl: string;
  readonly createdAt: string;
}

export function productId(index: number): string {
  return `p${index}`;
}

/** A price in 1–500 with cents, uniformly distributed. */
export function randomPrice(random: Random): number {
  return Math.round((1 + random() * 499) * 100) / 100;
}

function product(id: string, index: number, categoryId: string, random: Random): ProductRecord {
  const inStock = random() < 0.7;
  return {
    id,
    name: `Product ${index}`,
    description: `A sturdy, well made item number ${index}, chosen for everyday use.`,
    price: randomPrice(random),
    categoryId,
    inStock,
    stockQuantity: inStock ? 1 + randomIndex(random, 200) : 0,
    imageUrl: `https://images.example.com/products/${index}.jpg`,
    createdAt: new Date(Date.UTC(2024, 0, 1) + index * 60_000).toISOString(),
  };
}

/** Products `p{from}…p{to-1}`; the same records for the same seed whatever the batching. */
export function products(from: number, to: number, seed: number): ProductRecord[] {
  const records: ProductRecord[] = [];
  for (let index = from; index < to; index++) {
    // One generator per record keeps a record independent of where a load started.
    const random = seededRandom(seed * 1_000_003 + index);
    records.push(
      product(productId(index), index, `c${randomIndex(random, CATEGORY_COUNT)}`, random),
    );
  }
  return records;
}

function smallCategoryProducts(seed: number): ProductRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: SMALL_CATEGORY_PRODUCTS }, (_, index) =>
    product(`ps${index}`, index, SMALL_CATEGORY, random),
  );
}

function categories(): { id: string; name: string; description: string }[] {
  const ids = [
    ...Array.from({ length: CATEGORY_COUNT }, (_, index) => `c${index}`),
    SMALL_CATEGORY,
  ];
  return ids.map((id) => ({
    id,
    name: `Category ${id}`,
    description: `Everything filed under ${id}.`,
  }));
}

async function postArray(
  baseUrl: string,
  table: string,
  records: readonly object[],
): Promise<void> {
  const response = await fetch(`${baseUrl}/${table}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(records),
  });
  const body = await response.text();
  if (response.status !== 201) {
    throw new Error(
      `bulk load: POST /${table}/ of ${records.length} records answered ${response.status}: ${body.slice(0, 500)}`,
    );
  }
}

/** The categories and the small category's products: loaded once, before any product. */
export async function loadFixedRecords(baseUrl: string, seed: number): Promise<void> {
  await postArray(baseUrl, 'Category', categories());
  await postArray(baseUrl, 'Product', smallCategoryProducts(seed));
}

/** Loads products `p{from}…p{to-1}` in batches; returns the seconds it took. */
export async function loadProducts(
  baseUrl: string,
  from: number,
  to: number,
  seed: number,
): Promise<number> {
  const started = performance.now();
  for (let start = from; start < to; start += BATCH_SIZE) {
    await postArray(baseUrl, 'Product', products(start, Math.min(start + BATCH_SIZE, to), seed));
  }
  return (performance.now() - started) / 1000;
}
