/**
 * The query language's client errors. Every malformed or meaningless query is a 400 that says what
 * is wrong and, when it can be pointed at, where: `position` is the 0-based offset into the raw
 * (not yet percent-decoded) query string. The codes are those of the REST catalogue
 * (`http/errors.ts`), which lists every code a client can meet.
 *
 * | code                    | details                                          | when                                                     |
 * |-------------------------|--------------------------------------------------|----------------------------------------------------------|
 * | QUERY_SYNTAX            | position                                         | unbalanced groups, `&` and `|` mixed in a group, unknown |
 * |                         |                                                  | operator or function, malformed select/sort/limit, a     |
 * |                         |                                                  | call or parameter given twice, a bad percent-escape      |
 * | QUERY_UNKNOWN_ATTRIBUTE | position, attribute, table, attributes (declared)| a condition, sort or select names no declared attribute  |
 * | QUERY_INVALID_VALUE     | position, attribute, value, expected             | a value does not convert to the attribute's type; also   |
 * |                         | (timezone for an unknown zone)                   | `timezone=` naming no IANA zone                          |
 * | QUERY_UNSUPPORTED       | position, attribute, operator                    | an operator that does not apply to the attribute's type  |
 * |                         |                                                  | (`=sw=` on a number), a path ending at a relationship,   |
 * |                         |                                                  | a sort by an object                                      |
 * | QUERY_TOO_COMPLEX       | position, limit                                  | nesting deeper than 32, over 1000 terms or list values   |
 *
 * All are status 400.
 */
import { ClientError } from '../errors.js';

export const QUERY_ERROR_CODES = [
  'QUERY_SYNTAX',
  'QUERY_UNKNOWN_ATTRIBUTE',
  'QUERY_INVALID_VALUE',
  'QUERY_UNSUPPORTED',
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
  return queryError('QUERY_SYNTAX', `${message} (at character ${position} of the query)`, {
    position,
  });
}
