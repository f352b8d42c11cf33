/**
 * The query language's client errors. Every malformed or meaningless query is a 400 that says what
 * is wrong and, when it can be pointed at, where: `position` is the 0-based offset into the raw
 * (not yet percent-decoded) query string.
 *
 * Codes (stable; the REST layer's catalogue in `http/errors.ts` lists them):
 *
 * | code                 | status | details                                   | when                                            |
 * |----------------------|--------|-------------------------------------------|-------------------------------------------------|
 * | INVALID_QUERY        | 400    | position                                  | syntax: unbalanced groups, mixed `&`/`|`, bad    |
 * |                      |        |                                           | operator, bad select/sort/limit, repeated call  |
 * | UNKNOWN_ATTRIBUTE    | 400    | position, attribute, table, declared[]    | a condition/sort/select names no declared attr  |
 * | INVALID_VALUE        | 400    | position, attribute, value, expected      | a value does not convert to the attribute type  |
 * | INVALID_OPERATOR     | 400    | position, attribute, operator             | operator not applicable to the attribute's type |
 * | UNKNOWN_TIMEZONE     | 400    | position, timezone                        | `timezone=` names no IANA zone                  |
 * | QUERY_TOO_COMPLEX    | 400    | position, limit                           | depth > 32, > 1000 terms, > 1000 list values    |
 */
import { ClientError } from '../errors.js';

export const QUERY_ERROR_CODES = [
  'INVALID_QUERY',
  'UNKNOWN_ATTRIBUTE',
  'INVALID_VALUE',
  'INVALID_OPERATOR',
  'UNKNOWN_TIMEZONE',
  'QUERY_TOO_COMPLEX',
] as const;

export type QueryErrorCode = (typeof QUERY_ERROR_CODES)[number];

/** The limits of section 5.4 of the contract. */
export const QUERY_LIMITS = {
  /** Nesting of groups, of select projections and of relationship paths. */
  maxDepth: 32,
  /** Conditions, select items and sort keys together. */
  maxTerms: 1000,
  /** Values of one `=in=`/`=out=` list. */
  maxListValues: 1000,
} as const;

export function queryError(
  code: QueryErrorCode,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): ClientError {
  return new ClientError(400, code, message, details);
}

/** A syntax error at one character of the raw query string. */
export function syntaxError(message: string, position: number): ClientError {
  return queryError('INVALID_QUERY', `${message} (at character ${position} of the query)`, { position });
}
