/**
 * The server's log (contract section 13), written with pino: one JSON object a line, or a form for
 * people on a terminal (pino-pretty); `LOG_LEVEL` sets the least severe line written.
 *
 * A process has one log: every module writes through `log`, which `runServer` points at the log
 * its configuration asks for (`useLog`). Errors go in a line's `err` field (message, stack, code).
 * No line holds a request's body or headers, a password, a token or a secret: request lines show
 * the URL without its `access_token` parameter.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import PinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config.js';

/** What a line says besides its message. */
export type LogFields = Readonly<Record<string, unknown>>;

export type LineLevel = Exclude<LogLevel, 'silent'>;

export interface Log {
  fatal(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** Lines of `level` are written (callers skip building a line nobody reads). */
  enabled(level: LineLevel): boolean;
  /**
   * Takes no more lines, and resolves once every line logged so far is written (or after
   * `CLOSE_TIMEOUT_MS`, when standard output takes no more): the process exits after it.
   */
  close(): Promise<void>;
}

export interface LogOptions {
  readonly level: LogLevel;
  /** null: pretty when standard output is a terminal, JSON otherwise. */
  readonly format: LogFormat | null;
}

/** Longest a line waits in the buffer before it is written. */
const FLUSH_INTERVAL_MS = 100;

/** How long an exit waits for standard output to take the last lines. */
const CLOSE_TIMEOUT_MS = 2000;

/** A log written to standard output. */
export function createLog(options: LogOptions): Log {
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const settings: LoggerOptions = {
    level: options.level,
    // `"level":"info"`, what people and log collectors read without a table; the time in epoch
    // milliseconds (pino's own form: an ISO time costs a tenth of a request's CPU, measured).
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.epochTime,
  };
  if (format === 'pretty') {
    const pretty = PinoPretty({
      colorize: process.stdout.isTTY,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
    });
    // Written as they are logged: nothing is left to write at the end.
    return pinoLog(pino(settings, pretty), () => Promise.resolve());
  }
  // Asynchronous writes of at least 8 KiB, or what there is every 100 ms: a write per line would
  // cost a busy server more than the rest of its requests' work.
  const destination = pino.destination({
    dest: 1,
    sync: false,
    minLength: 8192,
    periodicFlush: FLUSH_INTERVAL_MS,
  });
  return pinoLog(pino(settings, destination), () => ended(destination));
}

/** Ends `destination` once what it holds is written. */
function ended(destination: ReturnType<typeof pino.destination>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    destination.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    destination.end();
  });
}

function pinoLog(logger: Logger, end: () => Promise<void>): Log {
  let closed = false;
  const write =
    (level: LineLevel) =>
    (message: string, fields?: LogFields): void => {
      if (closed) return;
      if (fields === undefined) logger[level](message);
      else logger[level](fields, message);
    };
  return {
    fatal: write('fatal'),
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    enabled: (level) => logger.isLevelEnabled(level),
    close: () => {
      closed = true;
      return end();
    },
  };
}

const SEVERITY: Readonly<Record<LogLevel, number>> = {
  fatal: 60,
  error: 50,
  warn: 40,
  info: 30,
  debug: 20,
  trace: 10,
  silent: Infinity,
};

/**
 * A log that hands each line's text to `write` (tests, and embedders with a log of their own): the
 * message, then the error's message when the line has one.
 */
export function linesLog(write: (line: string) => void, level: LogLevel = 'info'): Log {
  const line =
    (lineLevel: LineLevel) =>
    (message: string, fields?: LogFields): void => {
      if (SEVERITY[lineLevel] < SEVERITY[level]) return;
      const error = fields?.['err'];
      write(error === undefined ? message : `${message}: ${errorText(error)}`);
    };
  return {
    fatal: line('fatal'),
    error: line('error'),
    warn: line('warn'),
    info: line('info'),
    debug: line('debug'),
    enabled: (lineLevel) => SEVERITY[lineLevel] >= SEVERITY[level],
    close: () => Promise.resolve(),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

let current: Log | undefined;

/** Points the process's log at `target` (the server does, at start). */
export function useLog(target: Log): void {
  current = target;
}

/** Until the server sets one, a JSON log at `info`, made on first use. */
function target(): Log {
  current ??= createLog({ level: 'info', format: null });
  return current;
}

/** The process's log. */
export const log: Log = {
  fatal: (message, fields) => target().fatal(message, fields),
  error: (message, fields) => target().error(message, fields),
  warn: (message, fields) => target().warn(message, fields),
  info: (message, fields) => target().info(message, fields),
  debug: (message, fields) => target().debug(message, fields),
  enabled: (level) => target().enabled(level),
  close: () => target().close(),
};
