/**
 * The server's configuration, read from environment variables. `CONFIG_VARIABLES` is the one list
 * of them: the loader reads it, and the generator renders the generated README's table from it.
 */
import { availableParallelism } from 'node:os';

export interface ServerConfig {
  /** Processes serving requests behind the one port (1: the server's own process serves them). */
  readonly workers: number;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /**
   * The PostgreSQL database to serve (`postgres://user:password@host:port/database`); null: the
   * embedded LMDB store in `dataDir`.
   */
  readonly databaseUrl: string | null;
  /** Connections each process keeps to PostgreSQL. */
  readonly databasePoolSize: number;
  /** Largest accepted request body, in bytes (413 beyond). */
  readonly maxBodyBytes: number;
  /** Longest accepted request target (path and query), in characters (414 beyond). */
  readonly maxUrlLength: number;
  /** Time a client has to send the request headers. */
  readonly headersTimeoutMs: number;
  /** Time a client has to send the whole request, body included. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** How long a shutdown waits for in-flight requests before closing their sockets. */
  readonly shutdownTimeoutMs: number;
  /** How many records per table the GET-by-id cache holds (0 turns it off). */
  readonly recordCacheSize: number;
  /** Origins allowed by CORS: null when CORS is off, `['*']` for any origin. */
  readonly corsOrigins: readonly string[] | null;
  /** Host names the server answers for (`Host` header); null: the default for `host`. */
  readonly allowedHosts: readonly string[] | null;
  /** Bytes a real-time connection may have waiting to be sent before it is closed (1013). */
  readonly realtimeSendBufferBytes: number;
  /** Interval between pings of open WebSockets; one that missed the previous pong is cut. */
  readonly realtimePingIntervalMs: number;
  /** Interval between keep-alive comments on Server-Sent Events streams. */
  readonly sseKeepAliveMs: number;
  /** Records indexed per transaction while an index is built from existing records. */
  readonly indexBuildBatch: number;
  /** Related records one answer (one element of a streamed list) may resolve (400 beyond). */
  readonly maxResolvedRecords: number;
  /** Approximate bytes one answer (one element of a streamed list) may hold in memory (400 beyond). */
  readonly maxAnswerBytes: number;
  /** How long an answer may wait for the client to read it before the connection is cut. */
  readonly answerWriteTimeoutMs: number;
  /** List answers streamed at once; more get 503 with `Retry-After`. */
  readonly maxStreamedAnswers: number;
  /** Open HTTP connections (WebSockets included); more are refused. */
  readonly maxConnections: number;
  /** Open real-time connections (WebSockets and event streams); more are refused (1013 / 503). */
  readonly realtimeMaxConnections: number;
  /** Bytes all real-time connections together may have waiting to be sent (1013 beyond). */
  readonly realtimeTotalBufferBytes: number;
  /**
   * Requests from this machine without credentials act as the super user; null: the default,
   * which is on when `host` is a loopback address.
   */
  readonly authorizeLocal: boolean | null;
  /**
   * `GET /studio`, the data studio page (contract section 13); null: the default, which is on when
   * `host` is a loopback address (as `authorizeLocal`'s).
   */
  readonly studio: boolean | null;
  /** The secret that signs the server's tokens; null: one the server makes and keeps in its store. */
  readonly jwtSecret: string | null;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** The JWKS of an external identity provider whose tokens are accepted too; null: none. */
  readonly jwtJwksUrl: URL | null;
  /** The `iss` and `aud` an external provider's tokens must carry (null: not checked). */
  readonly jwtIssuer: string | null;
  readonly jwtAudience: string | null;
  /** The claims of an external provider's token that name the user's role and name. */
  readonly jwtRoleClaim: string;
  readonly jwtUsernameClaim: string;
  /** A super user the server creates at start when no user of that name exists. */
  readonly superUser: string | null;
  readonly superUserPassword: string | null;
  /** Failed logins per username, and per client address, within the window before 429. */
  readonly loginMaxFailures: number;
  readonly loginMaxFailuresPerAddress: number;
  readonly loginFailureWindowMs: number;
  /** Answers at least this long are compressed when the client asks (gzip, br); null: never. */
  readonly compressionMinBytes: number | null;
  /** Roles besides the super user's that may read `GET /metrics`. */
  readonly metricsRoles: readonly string[];
  /** The least severe log lines written. */
  readonly logLevel: LogLevel;
  /** JSON lines, or a form for people; null: pretty when standard output is a terminal. */
  readonly logFormat: LogFormat | null;
  /** One `info` line per answered request. */
  readonly accessLog: boolean;
}

/** Log levels, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

export interface ConfigVariable {
  readonly name: string;
  /** The default as written in the environment; empty when the variable is unset by default. */
  readonly default: string;
  readonly description: string;
}

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'PORT', default: '9926', description: 'TCP port to listen on (0 picks a free port).' },
  {
    name: 'WORKERS',
    default: '1',
    description:
      'Processes that serve requests behind the one port, sharing the data directory (`auto`: one per CPU core). The limits below apply to each of them.',
  },
  {
    name: 'HOST',
    default: '127.0.0.1',
    description: 'Interface to listen on (`0.0.0.0` for every interface).',
  },
  {
    name: 'DATA_DIR',
    default: './data',
    description:
      'Directory of the LMDB database; created when missing. Unused with `DATABASE_URL`.',
  },
  {
    name: 'DATABASE_URL',
    default: '',
    description:
      'A PostgreSQL database to serve instead of the embedded LMDB store (`postgres://user:password@host:5432/db`); several servers may serve one database.',
  },
  {
    name: 'DATABASE_POOL_SIZE',
    default: '10',
    description: 'Connections each process keeps open to PostgreSQL (with `DATABASE_URL`).',
  },
  {
    name: 'MAX_BODY_BYTES',
    default: '10485760',
    description: 'Largest request body in bytes; larger bodies get 413.',
  },
  {
    name: 'MAX_URL_LENGTH',
    default: '8192',
    description: 'Longest request URL in characters; longer URLs get 414.',
  },
  {
    name: 'HEADERS_TIMEOUT_MS',
    default: '10000',
    description: 'Time a client has to send its request headers.',
  },
  {
    name: 'REQUEST_TIMEOUT_MS',
    default: '30000',
    description: 'Time a client has to send its whole request.',
  },
  {
    name: 'KEEP_ALIVE_TIMEOUT_MS',
    default: '5000',
    description: 'How long an idle keep-alive connection stays open.',
  },
  {
    name: 'SHUTDOWN_TIMEOUT_MS',
    default: '10000',
    description:
      'On SIGTERM/SIGINT, how long in-flight requests may take before their sockets are closed.',
  },
  {
    name: 'RECORD_CACHE_SIZE',
    default: '10000',
    description:
      'Records per table kept in memory (with their JSON) for fast `GET /T/<id>`; 0 turns the cache off.',
  },
  {
    name: 'CORS_ORIGINS',
    default: '',
    description:
      'Enables CORS: `*` for any origin, or a comma-separated list of allowed origins. Off when empty. Pages of other origins cannot write or open WebSockets.',
  },
  {
    name: 'ALLOWED_HOSTS',
    default: '',
    description:
      'Host names (comma-separated, any port) that requests may name in `Host`; others get 421. `*` for any. When empty: `localhost`, `127.0.0.1` and `[::1]` if HOST is a loopback address, any host otherwise.',
  },
  {
    name: 'REALTIME_SEND_BUFFER_BYTES',
    default: '4194304',
    description:
      'Bytes a WebSocket or event stream may have waiting to be sent; a slower consumer is closed (1013).',
  },
  {
    name: 'REALTIME_PING_INTERVAL_MS',
    default: '30000',
    description:
      'Interval between pings of open WebSockets; a socket that misses a pong is closed.',
  },
  {
    name: 'SSE_KEEP_ALIVE_MS',
    default: '30000',
    description: 'Interval between keep-alive comments on event streams.',
  },
  {
    name: 'INDEX_BUILD_BATCH',
    default: '2000',
    description:
      'Records indexed per transaction when an attribute newly `@indexed` gets its index built from existing records; tables this small are indexed at start.',
  },
  {
    name: 'MAX_RESOLVED_RECORDS',
    default: '10000',
    description:
      'Related records one answer (one element of a streamed list) may read through relationships; more get 400 `ANSWER_TOO_LARGE`.',
  },
  {
    name: 'MAX_ANSWER_BYTES',
    default: '67108864',
    description:
      'Approximate bytes one answer (one element of a streamed list) may hold with its related records; more get 400 `ANSWER_TOO_LARGE`.',
  },
  {
    name: 'ANSWER_WRITE_TIMEOUT_MS',
    default: '30000',
    description:
      'How long an answer may wait for a client that does not read it before the connection is closed.',
  },
  {
    name: 'MAX_STREAMED_ANSWERS',
    default: '64',
    description:
      'List answers streamed at the same time; more get 503 `UNAVAILABLE` with `Retry-After`.',
  },
  {
    name: 'MAX_CONNECTIONS',
    default: '4096',
    description: 'Open HTTP connections (WebSockets included); more are closed at once.',
  },
  {
    name: 'REALTIME_MAX_CONNECTIONS',
    default: '1000',
    description:
      'Open WebSockets and event streams; more are refused (WebSocket close 1013, event stream 503).',
  },
  {
    name: 'REALTIME_TOTAL_BUFFER_BYTES',
    default: '67108864',
    description:
      'Bytes all WebSockets and event streams together may have waiting to be sent; past it the connection that adds to it is closed (1013).',
  },
  {
    name: 'COMPRESSION_MIN_BYTES',
    default: '1024',
    description:
      'Answers (lists included) at least this long are compressed with gzip or brotli when the client’s `Accept-Encoding` asks for it; `off` never compresses.',
  },
  {
    name: 'METRICS_ROLES',
    default: '',
    description:
      'Roles (comma-separated) that may read `GET /metrics` besides the super user’s: give a scraper’s user one of them.',
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    description:
      'The least severe log lines written: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
  },
  {
    name: 'LOG_FORMAT',
    default: '',
    description:
      'Log lines as `json` (one JSON object a line) or `pretty` (for people). When empty: `pretty` if standard output is a terminal, `json` otherwise.',
  },
  {
    name: 'ACCESS_LOG',
    default: 'true',
    description:
      'One `info` line per answered request (method, path without credentials, status, bytes, duration, user): `true` or `false`.',
  },
  {
    name: 'AUTHORIZE_LOCAL',
    default: '',
    description:
      'Requests from this machine (a loopback address, no `Forwarded`/`X-Forwarded-For`) without credentials act as the super user: `true` or `false`. When empty: on if HOST is a loopback address, off otherwise.',
  },
  {
    name: 'STUDIO',
    default: '',
    description:
      'Serves the data studio, a page for browsing and editing the data, at `/studio`: `on` or `off`. When empty: on if HOST is a loopback address, off otherwise. Its data requests go through the REST API and its authentication.',
  },
  {
    name: 'JWT_SECRET',
    default: '',
    description:
      'Secret (at least 32 bytes, plain or base64) that signs the tokens of `POST /auth/login`. When empty, the server makes one and keeps it in its store, shared by every worker and server of that store.',
  },
  {
    name: 'ACCESS_TOKEN_TTL_SECONDS',
    default: '900',
    description: 'How long an access token of `POST /auth/login` is valid.',
  },
  {
    name: 'REFRESH_TOKEN_TTL_SECONDS',
    default: '604800',
    description:
      'How long a refresh token is valid; a new password or role ends the user’s refresh tokens at once.',
  },
  {
    name: 'JWT_JWKS_URL',
    default: '',
    description:
      'Also accept Bearer tokens of an external identity provider, verified with the keys at this JWKS URL.',
  },
  {
    name: 'JWT_ISSUER',
    default: '',
    description: 'The `iss` an external provider’s tokens must carry (not checked when empty).',
  },
  {
    name: 'JWT_AUDIENCE',
    default: '',
    description: 'The `aud` an external provider’s tokens must carry (not checked when empty).',
  },
  {
    name: 'JWT_ROLE_CLAIM',
    default: 'role',
    description: 'The claim of an external provider’s token that names the user’s role.',
  },
  {
    name: 'JWT_USERNAME_CLAIM',
    default: 'sub',
    description: 'The claim of an external provider’s token that names the user.',
  },
  {
    name: 'SUPER_USER',
    default: '',
    description:
      'A super user to create at start when no user of this name exists (with `SUPER_USER_PASSWORD`).',
  },
  {
    name: 'SUPER_USER_PASSWORD',
    default: '',
    description: 'The password of `SUPER_USER` when the server creates it.',
  },
  {
    name: 'LOGIN_MAX_FAILURES',
    default: '5',
    description:
      'Failed logins (Basic or `POST /auth/login`) for one username within `LOGIN_FAILURE_WINDOW_MS`; more get 429.',
  },
  {
    name: 'LOGIN_MAX_FAILURES_PER_ADDRESS',
    default: '20',
    description: 'Failed logins from one client address within the window; more get 429.',
  },
  {
    name: 'LOGIN_FAILURE_WINDOW_MS',
    default: '900000',
    description: 'The window of the failed-login limits.',
  },
];

/** More worker processes than this would only contend for the data directory's write lock. */
const MAX_WORKERS = 64;

/** A configuration that cannot be used; its message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Reads the configuration from `env`; throws a `ConfigError` naming every invalid variable. */
export function loadConfig(env: Environment): ServerConfig {
  const problems: string[] = [];
  const text = (name: string): string => {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
    return CONFIG_VARIABLES.find((variable) => variable.name === name)?.default ?? '';
  };
  const integer = (name: string, min: number, max: number): number => {
    const raw = text(name);
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return min;
    }
    return value;
  };

  const config: ServerConfig = {
    workers: workerCount(text('WORKERS'), problems),
    port: integer('PORT', 0, 65535),
    host: text('HOST'),
    dataDir: text('DATA_DIR'),
    databaseUrl: databaseUrl(text('DATABASE_URL'), problems),
    databasePoolSize: integer('DATABASE_POOL_SIZE', 1, 1000),
    maxBodyBytes: integer('MAX_BODY_BYTES', 1, 2 ** 31),
    maxUrlLength: integer('MAX_URL_LENGTH', 64, 1 << 20),
    headersTimeoutMs: integer('HEADERS_TIMEOUT_MS', 1, 3_600_000),
    requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', 1, 3_600_000),
    keepAliveTimeoutMs: integer('KEEP_ALIVE_TIMEOUT_MS', 1, 3_600_000),
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 0, 3_600_000),
    recordCacheSize: integer('RECORD_CACHE_SIZE', 0, 10_000_000),
    corsOrigins: corsOrigins(text('CORS_ORIGINS')),
    allowedHosts: corsOrigins(text('ALLOWED_HOSTS')),
    realtimeSendBufferBytes: integer('REALTIME_SEND_BUFFER_BYTES', 1024, 2 ** 31),
    realtimePingIntervalMs: integer('REALTIME_PING_INTERVAL_MS', 10, 3_600_000),
    sseKeepAliveMs: integer('SSE_KEEP_ALIVE_MS', 10, 3_600_000),
    indexBuildBatch: integer('INDEX_BUILD_BATCH', 1, 1_000_000),
    maxResolvedRecords: integer('MAX_RESOLVED_RECORDS', 1, 100_000_000),
    maxAnswerBytes: integer('MAX_ANSWER_BYTES', 1024, 2 ** 31),
    answerWriteTimeoutMs: integer('ANSWER_WRITE_TIMEOUT_MS', 10, 3_600_000),
    maxStreamedAnswers: integer('MAX_STREAMED_ANSWERS', 1, 100_000),
    maxConnections: integer('MAX_CONNECTIONS', 1, 1_000_000),
    realtimeMaxConnections: integer('REALTIME_MAX_CONNECTIONS', 1, 1_000_000),
    realtimeTotalBufferBytes: integer('REALTIME_TOTAL_BUFFER_BYTES', 1024, 2 ** 40),
    authorizeLocal: flag('AUTHORIZE_LOCAL', text('AUTHORIZE_LOCAL'), problems),
    studio: flag('STUDIO', text('STUDIO'), problems, ['on', 'off']),
    jwtSecret: optional(text('JWT_SECRET')),
    accessTokenTtlSeconds: integer('ACCESS_TOKEN_TTL_SECONDS', 10, 31_536_000),
    refreshTokenTtlSeconds: integer('REFRESH_TOKEN_TTL_SECONDS', 10, 31_536_000),
    jwtJwksUrl: jwksUrl(text('JWT_JWKS_URL'), problems),
    jwtIssuer: optional(text('JWT_ISSUER')),
    jwtAudience: optional(text('JWT_AUDIENCE')),
    jwtRoleClaim: text('JWT_ROLE_CLAIM'),
    jwtUsernameClaim: text('JWT_USERNAME_CLAIM'),
    superUser: optional(text('SUPER_USER')),
    superUserPassword: optional(env['SUPER_USER_PASSWORD'] ?? ''),
    loginMaxFailures: integer('LOGIN_MAX_FAILURES', 1, 1_000_000),
    loginMaxFailuresPerAddress: integer('LOGIN_MAX_FAILURES_PER_ADDRESS', 1, 1_000_000),
    loginFailureWindowMs: integer('LOGIN_FAILURE_WINDOW_MS', 1000, 86_400_000),
    compressionMinBytes:
      text('COMPRESSION_MIN_BYTES').toLowerCase() === 'off'
        ? null
        : integer('COMPRESSION_MIN_BYTES', 1, 2 ** 31),
    metricsRoles: corsOrigins(text('METRICS_ROLES')) ?? [],
    logLevel: logLevel(text('LOG_LEVEL'), problems),
    logFormat: logFormat(text('LOG_FORMAT'), problems),
    accessLog: flag('ACCESS_LOG', text('ACCESS_LOG'), problems) ?? true,
  };
  if ((config.superUser === null) !== (config.superUserPassword === null)) {
    problems.push('SUPER_USER and SUPER_USER_PASSWORD must be set together');
  }
  if (config.host === '') problems.push('HOST must not be empty');
  if (config.dataDir === '') problems.push('DATA_DIR must not be empty');
  // Node rejects a request whose headers outlast the whole-request timeout; keep them ordered.
  if (problems.length === 0 && config.headersTimeoutMs > config.requestTimeoutMs) {
    problems.push('HEADERS_TIMEOUT_MS must not exceed REQUEST_TIMEOUT_MS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** `DATABASE_URL`: empty (LMDB), or a `postgres://` / `postgresql://` URL. */
function databaseUrl(raw: string, problems: string[]): string | null {
  if (raw === '') return null;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
    // The URL may hold a password: it is not repeated.
    problems.push('DATABASE_URL must be a postgres://user:password@host:port/database URL');
    return null;
  }
  return raw;
}

function optional(raw: string): string | null {
  return raw === '' ? null : raw;
}

/**
 * `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`); null when empty. `words` name the two
 * values in the message of an invalid one.
 */
function flag(
  name: string,
  raw: string,
  problems: string[],
  words: readonly [string, string] = ['true', 'false'],
): boolean | null {
  const value = raw.toLowerCase();
  if (value === '') return null;
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  problems.push(`${name} must be ${words[0]} or ${words[1]}, got "${raw}"`);
  return null;
}

function logLevel(raw: string, problems: string[]): LogLevel {
  const value = raw.toLowerCase();
  const level = LOG_LEVELS.find((known) => known === value);
  if (level === undefined) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
    return 'info';
  }
  return level;
}

function logFormat(raw: string, problems: string[]): LogFormat | null {
  const value = raw.toLowerCase();
  if (value === '') return null;
  if (value === 'json' || value === 'pretty') return value;
  problems.push(`LOG_FORMAT must be json or pretty, got "${raw}"`);
  return null;
}

/** `JWT_JWKS_URL`: empty, or an http(s) URL. */
function jwksUrl(raw: string, problems: string[]): URL | null {
  if (raw === '') return null;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // reported below
  }
  problems.push(`JWT_JWKS_URL must be an https:// (or http://) URL, got "${raw.slice(0, 200)}"`);
  return null;
}

/** `WORKERS`: `auto` (one per core) or a number of processes. */
function workerCount(raw: string, problems: string[]): number {
  if (raw.toLowerCase() === 'auto') return Math.min(MAX_WORKERS, availableParallelism());
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= 1 && value <= MAX_WORKERS) return value;
  problems.push(`WORKERS must be auto or an integer from 1 to ${MAX_WORKERS}, got "${raw}"`);
  return 1;
}

/** A comma-separated list (`CORS_ORIGINS`, `ALLOWED_HOSTS`); null when it names nothing. */
function corsOrigins(raw: string): readonly string[] | null {
  if (raw === '') return null;
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  return origins.length === 0 ? null : origins;
}
