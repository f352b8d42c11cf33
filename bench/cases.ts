/** The HTTP cases: what each one asks the shop server, request by request. */
import { CATEGORY_COUNT, productId, randomPrice, SMALL_CATEGORY } from './dataset.js';
import { randomIndex, type Random } from './random.js';

export const HTTP_CASE_NAMES = [
  'get_one',
  'get_one_bearer',
  'query_limit20',
  'query_sorted',
  'select_rel',
  'post',
  'patch',
  'list100',
  'list100_gzip',
  'list100_br',
] as const;
export type HttpCaseName = (typeof HTTP_CASE_NAMES)[number];

/** The cases that also run at every scaling level. */
export const SCALING_CASE_NAMES: readonly HttpCaseName[] = ['get_one', 'query_limit20'];

export type HttpMethod = 'GET' | 'POST' | 'PATCH';

export interface CaseRequest {
  readonly method: HttpMethod;
  readonly path: string;
  /** A JSON body (sent with `Content-Type: application/json`). */
  readonly body?: string;
  /** Headers of the request besides the body's (credentials). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpCase {
  readonly name: HttpCaseName;
  readonly description: string;
  /** Whether requests differ from one another; a fixed request is built once, sparing the load generator. */
  readonly varies: boolean;
  /** The next request; `products` is how many products `p0…` are loaded. */
  readonly request: (random: Random, products: number) => CaseRequest;
  /** Sent with a Bearer token of `POST /auth/login` (the bench's super user's). */
  readonly bearer?: true;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export function requestHeaders(request: CaseRequest): Record<string, string> {
  return { ...(request.body === undefined ? {} : JSON_HEADERS), ...request.headers };
}

/** The bench's super user (`SUPER_USER`), whose token `get_one_bearer` sends. */
export const BENCH_USER = { username: 'bench', password: 'bench-Password-1' } as const;

function randomProductPath(random: Random, products: number): string {
  return `/Product/${productId(randomIndex(random, products))}`;
}

export const HTTP_CASES: Readonly<Record<HttpCaseName, HttpCase>> = {
  get_one: {
    name: 'get_one',
    varies: true,
    description: 'GET /Product/<random id>: one record by primary key',
    request: (random, products) => ({ method: 'GET', path: randomProductPath(random, products) }),
  },
  get_one_bearer: {
    name: 'get_one_bearer',
    varies: true,
    bearer: true,
    description:
      'GET /Product/<random id> with Authorization: Bearer <token of POST /auth/login>: get_one, authenticated',
    request: (random, products) => ({ method: 'GET', path: randomProductPath(random, products) }),
  },
  query_limit20: {
    name: 'query_limit20',
    varies: false,
    description:
      'GET /Product/?price=lt=100&inStock=true&limit(20): two indexed conditions, first 20 matches',
    request: () => ({ method: 'GET', path: '/Product/?price=lt=100&inStock=true&limit(20)' }),
  },
  query_sorted: {
    name: 'query_sorted',
    varies: false,
    description: `GET /Product/?categoryId=c3&sort(-price)&limit(20): one category (1/${CATEGORY_COUNT} of the table), top 20 by price`,
    request: () => ({ method: 'GET', path: '/Product/?categoryId=c3&sort(-price)&limit(20)' }),
  },
  select_rel: {
    name: 'select_rel',
    varies: false,
    description: `GET /Category/${SMALL_CATEGORY}?select(name,products{name,price}): a one-to-many relationship resolved and projected`,
    request: () => ({
      method: 'GET',
      path: `/Category/${SMALL_CATEGORY}?select(name,products{name,price})`,
    }),
  },
  post: {
    name: 'post',
    varies: true,
    description: 'POST /CartItem/: a new record with a generated key, committed durably',
    request: (random, products) => ({
      method: 'POST',
      path: '/CartItem/',
      body: JSON.stringify({
        productId: productId(randomIndex(random, products)),
        sessionId: `s${randomIndex(random, 10_000)}`,
        quantity: 1 + randomIndex(random, 5),
        addedAt: '2024-08-14T12:00:00.000Z',
      }),
    }),
  },
  list100: {
    name: 'list100',
    varies: false,
    description: 'GET /Product/?limit(100): 100 whole records (about 20 KB of JSON), uncompressed',
    request: () => ({ method: 'GET', path: '/Product/?limit(100)' }),
  },
  list100_gzip: {
    name: 'list100_gzip',
    varies: false,
    description: 'list100 with Accept-Encoding: gzip',
    request: () => ({
      method: 'GET',
      path: '/Product/?limit(100)',
      headers: { 'accept-encoding': 'gzip' },
    }),
  },
  list100_br: {
    name: 'list100_br',
    varies: false,
    description: 'list100 with Accept-Encoding: br',
    request: () => ({
      method: 'GET',
      path: '/Product/?limit(100)',
      headers: { 'accept-encoding': 'br' },
    }),
  },
  patch: {
    name: 'patch',
    varies: true,
    description: 'PATCH /Product/<random id>: stock and (indexed) price of an existing record',
    request: (random, products) => ({
      method: 'PATCH',
      path: randomProductPath(random, products),
      // A new price from the load's own distribution keeps the query cases' selectivity unchanged.
      body: JSON.stringify({ stockQuantity: randomIndex(random, 200), price: randomPrice(random) }),
    }),
  },
};
