/**
 * The catalogue of error codes: every error answer carries one of these stable codes, with the
 * status it always has. Clients may branch on the code; the message is for people.
 * Every module of the runtime raises client mistakes through `clientError(code, …)`.
 */
import { ClientError } from '../errors.js';
import { WriteConflictError } from '../store/types.js';

export const ERROR_CODES = {
  /** The URL could not be decoded (malformed percent-encoding). */
  BAD_URL: 400,
  /** The client stopped sending the request before its end (it may never see this answer). */
  REQUEST_ABORTED: 400,
  /** A write without a body. */
  BODY_REQUIRED: 400,
  /** The body could not be decoded in its content type (JSON, CBOR, MessagePack). */
  MALFORMED_BODY: 400,
  /** The body decoded, but is not a record (object), or for POST an array of records. */
  BODY_NOT_RECORD: 400,
  /** A record broke the schema; `problems` lists each one with its path. */
  VALIDATION_FAILED: 400,
  /** The key in the URL does not fit the table's key type, or is too long to store. */
  INVALID_KEY: 400,
  /** The query string is malformed; the message says where. */
  QUERY_SYNTAX: 400,
  /** The query names an attribute the table does not declare; `attributes` lists the declared ones. */
  QUERY_UNKNOWN_ATTRIBUTE: 400,
  /** A query value does not convert to its attribute's type. */
  QUERY_INVALID_VALUE: 400,
  /** The query uses a form this server does not support on this resource. */
  QUERY_UNSUPPORTED: 400,
  /** The query exceeds a limit (nesting depth, number of terms, list values). */
  QUERY_TOO_COMPLEX: 400,
  /**
   * The answer would resolve more related records (`MAX_RESOLVED_RECORDS`) or hold more bytes
   * (`MAX_ANSWER_BYTES`) than one answer may; `limit` names the variable, `max` its value.
   */
  ANSWER_TOO_LARGE: 400,
  /**
   * The request needs credentials, or its credentials are wrong, expired or of no user;
   * `WWW-Authenticate` names the schemes the server takes (Basic, Bearer).
   */
  UNAUTHENTICATED: 401,
  /** The request's role may not do this (contract section 12); `role` names the role. */
  FORBIDDEN: 403,
  /**
   * Too many failed logins for this username or from this address (`LOGIN_MAX_FAILURES`);
   * `Retry-After` says when to try again.
   */
  TOO_MANY_ATTEMPTS: 429,
  /** `POST /auth/users` of a username that exists already. */
  USER_EXISTS: 409,
  /** No resource at this path (unknown or unexported table, unknown route). */
  NOT_FOUND: 404,
  /** The resource exists but not this method; the `Allow` header lists the methods it has. */
  METHOD_NOT_ALLOWED: 405,
  /** The `Accept` header names no format this server can send. */
  NOT_ACCEPTABLE: 406,
  /** POST of a record whose key already exists. */
  RECORD_EXISTS: 409,
  /**
   * A write would give a `@unique` attribute a value another record holds; `attribute` names it and
   * `key` that record. Nothing was written.
   */
  UNIQUE_VIOLATION: 409,
  /**
   * A DELETE of a record that another record still holds through a relationship with
   * `onDelete: RESTRICT`; `table` names that record's table and `key` the record (when the
   * request may see it). Nothing was deleted.
   */
  RECORD_REFERENCED: 409,
  /**
   * POST without a key on a numeric-key table whose next generated key would leave the key type's
   * range (`Int`: 2^31 - 1; `Long`, `Float`: 2^53 - 1); the client may still send a key.
   */
  KEY_SPACE_EXHAUSTED: 409,
  /**
   * The write ran into other writes of the same records every time it was run (`runs` says how
   * many); nothing was written, and sending it again is safe.
   */
  WRITE_CONFLICT: 409,
  /** `If-Match` names a version that is no longer current; nothing was written. */
  PRECONDITION_FAILED: 412,
  /** A browser page of another origin may not write or open a WebSocket (`CORS_ORIGINS`). */
  ORIGIN_NOT_ALLOWED: 403,
  /** The body is larger than the server accepts (`MAX_BODY_BYTES`). */
  PAYLOAD_TOO_LARGE: 413,
  /** The URL is longer than the server accepts (`MAX_URL_LENGTH`). */
  URL_TOO_LONG: 414,
  /** The body's `Content-Type` is not JSON, CBOR or MessagePack. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The `Host` header names a host this server does not answer for (`ALLOWED_HOSTS`). */
  HOST_NOT_ALLOWED: 421,
  /** A bug or a failed store; logged with its stack on the server. */
  INTERNAL_ERROR: 500,
  /**
   * The server cannot serve the request now (shutting down, store unavailable, too many streamed
   * answers or real-time connections); `Retry-After` says when to ask again when it is known.
   */
  UNAVAILABLE: 503,
  /**
   * A store resource ran out (LMDB readers, map size, …); `Retry-After` says when to ask again.
   * Nothing was written.
   */
  STORE_EXHAUSTED: 503,
  /**
   * The query needs an index that is still being built from existing records (an attribute newly
   * `@indexed`); `Retry-After` says when to ask again.
   */
  INDEX_BUILDING: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A client mistake with its catalogued status; `details` become extra members of the JSON body. */
export function clientError(
  code: ErrorCode,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): ClientError {
  return new ClientError(ERROR_CODES[code], code, message, details);
}

/** The JSON body of an error answer: `{"error": message, "code": code, ...details}`. */
export function errorBody(
  code: string,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): string {
  return JSON.stringify({ error: message, code, ...details });
}

/** The 409 for a write that met conflicts on every run; undefined for any other error. */
export function writeConflict(error: unknown): ClientError | undefined {
  if (!(error instanceof WriteConflictError)) return undefined;
  return clientError('WRITE_CONFLICT', error.message, { runs: error.runs });
}

/** LMDB's codes for a resource of the environment that ran out (lmdb.h, MDB_MAP_FULL and on). */
const EXHAUSTED_STORE_CODES: ReadonlyMap<number, string> = new Map([
  [-30792, 'MDB_MAP_FULL'],
  [-30791, 'MDB_DBS_FULL'],
  [-30790, 'MDB_READERS_FULL'],
  [-30789, 'MDB_TLS_FULL'],
  [-30788, 'MDB_TXN_FULL'],
  [-30787, 'MDB_CURSOR_FULL'],
  [-30786, 'MDB_PAGE_FULL'],
  [-30785, 'MDB_MAP_RESIZED'],
]);

/** Seconds a client is asked to wait after a store resource ran out. */
const STORE_RETRY_AFTER_SECONDS = 1;

/**
 * The 503 for an error of the store that says one of its resources ran out (readers, map size, …),
 * or undefined for any other error. Such a failure passes when the load does, so it is the
 * client's to retry, not a bug of the server's (500).
 */
export function storeExhausted(error: unknown): ClientError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const name =
    (typeof code === 'number' ? EXHAUSTED_STORE_CODES.get(code) : undefined) ??
    [...EXHAUSTED_STORE_CODES.values()].find((candidate) => error.message.startsWith(candidate));
  if (name === undefined) return undefined;
  return clientError(
    'STORE_EXHAUSTED',
    `The store is out of a resource (${name}); try again shortly`,
    {
      resource: name,
      retryAfter: STORE_RETRY_AFTER_SECONDS,
    },
  );
}
