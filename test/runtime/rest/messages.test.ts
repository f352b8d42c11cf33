/**
 * Issue 16: every error message reads as a sentence. Representative mistakes from each part of the
 * catalogue (query syntax, values, attributes, keys, bodies, negotiation), each with the code and
 * message it must answer; every message must also pass the sentence check below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combinedSchema } from '../fixtures/schemas.js';
import { startServer, type TestServer } from '../helpers/server.js';

interface Mistake {
  readonly request: [
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ];
  readonly code: string;
  /** The exact message, or a pattern it matches. */
  readonly message: string | RegExp;
}

const longKey = 'k'.repeat(2000);

const MISTAKES: readonly Mistake[] = [
  {
    request: ['GET', '/Product/?limit(-1)'],
    code: 'QUERY_SYNTAX',
    message:
      "limit() takes a non-negative integer, such as 10, and '-1' is not one (at character 6 of the query)",
  },
  {
    request: ['GET', '/Product/?limit()'],
    code: 'QUERY_SYNTAX',
    message: 'limit() needs a non-negative integer here, such as 10 (at character 6 of the query)',
  },
  {
    request: ['GET', '/Product/?limit=-3'],
    code: 'QUERY_SYNTAX',
    message:
      "limit= takes a non-negative integer, such as 10, and '-3' is not one (at character 6 of the query)",
  },
  {
    request: ['PUT', `/Product/${longKey}`, { name: 'x' }],
    code: 'INVALID_KEY',
    message: `"${'k'.repeat(100)}…" cannot be a key of Product: it must be at most 1900 bytes long, the longest primary key the store keeps`,
  },
  {
    request: ['POST', '/Product/', { id: longKey, name: 'x' }],
    code: 'VALIDATION_FAILED',
    message:
      'Invalid record: id must be at most 1900 bytes long, the longest primary key the store keeps',
  },
  {
    request: ['POST', '/Product/', { id: '', name: 'x' }],
    code: 'VALIDATION_FAILED',
    message: 'Invalid record: id must not be empty, since it is the primary key',
  },
  {
    request: ['GET', '/Product/?name=a)'],
    code: 'QUERY_SYNTAX',
    message: "This ')' closes no open group (at character 6 of the query)",
  },
  {
    request: ['GET', '/Product/?(name=a'],
    code: 'QUERY_SYNTAX',
    message: "The '(' is never closed (at character 0 of the query)",
  },
  {
    request: ['GET', '/Product/?()'],
    code: 'QUERY_SYNTAX',
    message: /^A condition inside this group is empty/,
  },
  {
    request: ['GET', '/Product/?select(name'],
    code: 'QUERY_SYNTAX',
    message:
      "A ')' is needed to close select(), but the query ends here (at character 11 of the query)",
  },
  {
    request: ['GET', '/Product/?limit(5,2)'],
    code: 'QUERY_SYNTAX',
    message: /^limit\(5,2\) ends before it starts/,
  },
  {
    request: ['GET', '/Product/?name=%zz'],
    code: 'QUERY_SYNTAX',
    message: /^The percent-escape '%zz' is malformed/,
  },
  {
    request: ['GET', '/Product/?frob()'],
    code: 'QUERY_SYNTAX',
    message: /^The query language has no function 'frob\(\)'/,
  },
  {
    request: ['GET', '/Product/?price!5'],
    code: 'QUERY_SYNTAX',
    message: /^A '!' must be followed by '='/,
  },
  {
    request: ['GET', '/Product/?price=gt=abc'],
    code: 'QUERY_INVALID_VALUE',
    message: /^The value 'abc' does not fit 'price', which expects /,
  },
  {
    request: ['GET', '/Product/?price='],
    code: 'QUERY_INVALID_VALUE',
    message: "An empty value does not fit 'price', which expects Float (a number)",
  },
  {
    request: ['GET', '/Product/?price=gt='],
    code: 'QUERY_INVALID_VALUE',
    message: /^An empty value does not fit 'price', which expects Float/,
  },
  {
    request: ['GET', '/Product/?nope=1'],
    code: 'QUERY_UNKNOWN_ATTRIBUTE',
    message: /^Product has no attribute 'nope'/,
  },
  {
    request: ['GET', '/Product/?timezone=Mars/Base'],
    code: 'QUERY_INVALID_VALUE',
    message: /^There is no time zone/,
  },
  {
    request: ['PUT', '/Product/p1', [1, 2]],
    code: 'BODY_NOT_RECORD',
    message: /^The body must be a record/,
  },
  {
    request: ['GET', '/Product/p1', undefined, { Accept: 'image/png' }],
    code: 'NOT_ACCEPTABLE',
    message: /^None of the accepted types/,
  },
];

/**
 * A sentence here: starts with a capital, a quote, or a query word such as `limit()`/`sort=`; has
 * no empty quoted value (`not ''`) and no doubled subject (`id the primary key`).
 */
function expectSentence(message: string): void {
  expect(message).toMatch(/^(?:[A-Z'"]|[a-z]+(?:\(|=))/);
  expect(message).not.toMatch(/''/);
  expect(message).not.toMatch(/^\S+ (?:the|a) /);
  expect(message).not.toMatch(/\s{2}|[,;:]$/);
}

describe('error messages read as sentences (issue 16)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(combinedSchema);
    await server.send('PUT', '/Product/p1', { name: 'Pen' });
  });
  afterAll(async () => {
    await server.dispose();
  });

  for (const mistake of MISTAKES) {
    const [method, path] = mistake.request;
    it(`${method} ${path.slice(0, 60)} answers ${mistake.code} in a sentence`, async () => {
      const [, , body, headers] = mistake.request;
      const response = await server.send(method, path, body, headers);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const answer = (await response.json()) as { error: string; code: string };
      expect(answer.code).toBe(mistake.code);
      if (typeof mistake.message === 'string') expect(answer.error).toBe(mistake.message);
      else expect(answer.error).toMatch(mistake.message);
      expectSentence(answer.error);
    });
  }
});
