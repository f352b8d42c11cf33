import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Options } from 'prettier';
import type { FileMap, FormatShape, OutputFile } from '../emit/fileMap.js';

/** Fixed options: generated output never depends on the user's own prettier configuration. */
const OPTIONS = {
  printWidth: 100,
  singleQuote: true,
  trailingComma: 'all',
  semi: true,
  endOfLine: 'lf',
} as const satisfies Options;

/** The prettier this generator formats with: its version is part of the format cache's key. */
const PRETTIER_VERSION = (
  createRequire(import.meta.url)('prettier/package.json') as { version: string }
).version;

let prettierModule: Promise<typeof import('prettier')> | undefined;

/** Prettier is loaded on first use: a run whose every file comes from the format cache never loads it. */
function prettier(): Promise<typeof import('prettier')> {
  prettierModule ??= import('prettier');
  return prettierModule;
}

/** The parser for each extension formatted; files with any other extension are written as emitted. */
const PARSERS = { '.ts': 'typescript', '.json': 'json', '.md': 'markdown' } as const;

function parserFor(path: string): string | undefined {
  const extension = Object.keys(PARSERS).find((candidate) => path.endsWith(candidate));
  return extension === undefined ? undefined : PARSERS[extension as keyof typeof PARSERS];
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Everything besides a file's text and path that decides how it is formatted: prettier's version, the
 * options, the parsers, and the generator's version. A format cache entry is only good under the same key.
 */
export function formatKey(generatorVersion: string): string {
  return sha256(
    JSON.stringify({
      prettier: PRETTIER_VERSION,
      options: OPTIONS,
      parsers: PARSERS,
      generator: generatorVersion,
    }),
  );
}

/** Formats one file's text as the generator does (the parser is chosen by the path's extension). */
export async function formatSource(text: string, path: string): Promise<string> {
  const parser = parserFor(path);
  return parser === undefined ? text : formatJob(jobFor(path, text, parser));
}

/**
 * Results of an earlier formatting that stand in for running prettier again (the output directory's
 * manifest keeps them; see src/output/formatCache.ts).
 */
export interface FormatCache {
  /**
   * The formatted text of `path` when text with the hash `unformattedHash` was formatted for it before,
   * under the same key, and that result is still at hand byte for byte; otherwise undefined.
   */
  formatted(path: string, unformattedHash: string): string | undefined;
}

/** Prettier's options for one file (the parser is chosen by the path's extension). */
interface FormatJob {
  readonly path: string;
  readonly text: string;
  readonly options: Options;
}

function jobFor(path: string, text: string, parser: string): FormatJob {
  return { path, text, options: { ...OPTIONS, parser, filepath: path } };
}

async function formatJob(job: FormatJob): Promise<string> {
  return (await prettier()).format(job.text, job.options);
}

/**
 * How `formatFiles` spreads its work. `threads` is how many threads format (the main thread and
 * `threads - 1` workers); 1 formats everything in this thread. Undefined: chosen by the amount of work.
 */
export interface FormatOptions {
  readonly threads?: number;
  /** False: every file is formatted on its own, shapes or not (the plain run the shapes must equal). */
  readonly shapes?: boolean;
}

/**
 * Below this many files to format, workers cost more than they save: each one starts, loads prettier
 * and warms it up before its first file is done, which a few files do not repay.
 */
const PARALLEL_MIN_FILES = 40;

/** Enough threads for a large generation; each one more costs another warm-up of prettier. */
const MAX_THREADS = 4;

/**
 * Threads pay only on cores nobody else uses: on a busy machine (measured: 2 cores, load average
 * 6–17) two threads took 20–70 % longer than one and 1.4 s more CPU, since they only compete for the
 * same cores and each warms up its own prettier. So workers are used for the cores that the last
 * minute's load average leaves idle, and one thread formats on a machine without an idle core.
 */
function threadsFor(jobs: number, options: FormatOptions): number {
  if (options.threads !== undefined) return Math.max(1, Math.floor(options.threads));
  if (jobs < PARALLEL_MIN_FILES) return 1;
  const idleCores = Math.floor(availableParallelism() - loadavg()[0]!);
  return Math.max(1, Math.min(MAX_THREADS, idleCores));
}

/**
 * A worker's program, evaluated as a script: it formats each job it is sent with the prettier at
 * `workerData` (the generator's own copy, by file URL: the worker resolves nothing itself) and sends
 * back the text or the error's message.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// The package's CommonJS entry (what require.resolve finds): its exports are the namespace's default.
const prettier = import(workerData).then((module) => module.default);
parentPort.on('message', async ({ id, text, options }) => {
  try {
    parentPort.postMessage({ id, formatted: await (await prettier).format(text, options) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

const PRETTIER_URL = pathToFileURL(createRequire(import.meta.url).resolve('prettier')).href;

type WorkerReply =
  | { readonly id: number; readonly formatted: string }
  | { readonly id: number; readonly error: string };

/** One worker thread that formats the jobs it is given, one at a time. */
class FormatWorker {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, workerData: PRETTIER_URL });
  private pending: { resolve(text: string): void; reject(error: Error): void } | undefined;

  constructor() {
    this.worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending;
      this.pending = undefined;
      if ('error' in reply) pending?.reject(new Error(reply.error));
      else pending?.resolve(reply.formatted);
    });
    this.worker.on('error', (error) => {
      this.pending?.reject(error);
      this.pending = undefined;
    });
  }

  format(job: FormatJob): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ id: 0, text: job.text, options: job.options });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** In this thread, one file after the other: one AST at a time keeps the heap small. */
async function formatInThread(jobs: readonly FormatJob[]): Promise<string[]> {
  const results: string[] = [];
  for (const job of jobs) results.push(await formatJob(job));
  return results;
}

/**
 * Formats `jobs` on `threads` threads: this one and `threads - 1` workers, each taking the next job
 * from one queue when done with its last, so that a thread given large files takes fewer of them.
 * Results are by index: the order of the files never depends on which thread formatted them.
 */
async function formatInParallel(jobs: readonly FormatJob[], threads: number): Promise<string[]> {
  const results: string[] = new Array<string>(jobs.length);
  let next = 0;
  const workers = Array.from({ length: threads - 1 }, () => new FormatWorker());
  const drain = async (format: (job: FormatJob) => Promise<string>): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await format(jobs[index]!);
    }
  };
  try {
    await Promise.all([
      ...workers.map((worker) => drain((job) => worker.format(job))),
      // Prettier's work is synchronous: between two files this thread lets the workers' replies in,
      // or they would wait, idle, until it ran out of files.
      drain(async (job) => {
        const formatted = await formatJob(job);
        await yieldToEventLoop();
        return formatted;
      }),
    ]);
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
  }
  return results;
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

function fill(text: string, holes: FormatShape['holes']): string {
  let filled = text;
  for (const [placeholder, value] of holes) filled = filled.replaceAll(placeholder, value);
  return filled;
}

/**
 * Names that print as wide as they are long and need no escaping in a string or a comment; a name
 * with anything else in it (a wide character, a quote) may make prettier lay out differently.
 */
const PLAIN_NAME = /^[A-Za-z0-9_$-]+$/;

/**
 * Whether each placeholder of `holes` is a run of one letter that `text` has nowhere else, so that
 * putting the values in replaces exactly the placeholders, in `text` and in prettier's output for it.
 */
function placeholdersAreExact(text: string, holes: FormatShape['holes']): boolean {
  const letters = new Set<string>();
  for (const [placeholder] of holes) {
    const letter = placeholder[0];
    if (letter === undefined || placeholder !== letter.repeat(placeholder.length)) return false;
    if (letters.has(letter)) return false;
    letters.add(letter);
    if (occurrences(text, letter) !== placeholder.length * occurrences(text, placeholder))
      return false;
  }
  return true;
}

/**
 * Whether `contents` is `shape`'s text with its names put in, in a way that formatting the shape's
 * text and then putting the names in gives exactly prettier's output for `contents`: plain names as
 * long as their placeholders, placeholders that cannot be confused with the rest of the text.
 */
function shapeFits(shape: FormatShape, contents: string): boolean {
  return (
    shape.holes.every(
      ([placeholder, value]) => value.length === placeholder.length && PLAIN_NAME.test(value),
    ) &&
    placeholdersAreExact(shape.text, shape.holes) &&
    fill(shape.text, shape.holes) === contents
  );
}

/**
 * Prettier's output for a file of `shape`, from prettier's output for the shape's text; undefined
 * when prettier moved, dropped or repeated a placeholder (then the file is formatted on its own).
 */
function fromShape(shape: FormatShape, formattedShape: string): string | undefined {
  const kept =
    placeholdersAreExact(formattedShape, shape.holes) &&
    shape.holes.every(
      ([placeholder]) =>
        occurrences(formattedShape, placeholder) === occurrences(shape.text, placeholder),
    );
  return kept ? fill(formattedShape, shape.holes) : undefined;
}

/** A file to format: on its own (`job`), or through its shape's job. */
interface Miss {
  readonly path: string;
  readonly file: OutputFile;
  readonly parser: string;
  readonly unformattedHash: string;
  readonly job: number;
  readonly shape?: FormatShape;
}

/**
 * Formats every file in memory, before anything is compared with or written to the disk. Files marked
 * verbatim (the runtime) are kept as they are: the repository keeps them formatted. Each formatted
 * file records the hash of its unformatted text (`unformattedHash`), the format cache's key for the
 * next run; a file the cache knows is taken from it instead of being formatted again, which gives the
 * same bytes. Files of one shape (see FormatShape) are formatted once for all. Many files are
 * formatted on several threads (see `FormatOptions`): each file's text is prettier's output for it
 * whichever thread ran prettier.
 */
export async function formatFiles(
  files: FileMap,
  cache?: FormatCache,
  options: FormatOptions = {},
): Promise<FileMap> {
  const result = new Map<string, OutputFile>();
  const jobs: FormatJob[] = [];
  const shapeJobs = new Map<string, number>();
  const misses: Miss[] = [];
  const addJob = (path: string, text: string, parser: string): number =>
    jobs.push(jobFor(path, text, parser)) - 1;
  for (const [path, file] of files) {
    result.set(path, file);
    const parser = parserFor(path);
    if (parser === undefined || file.verbatim) continue;
    const unformattedHash = sha256(file.contents);
    const cached = cache?.formatted(path, unformattedHash);
    if (cached !== undefined) {
      result.set(path, { ...file, contents: cached, unformattedHash });
      continue;
    }
    const shape = options.shapes !== false ? file.shape : undefined;
    if (shape !== undefined && shapeFits(shape, file.contents)) {
      const key = `${parser}\n${shape.key}\n${shape.text}`;
      let job = shapeJobs.get(key);
      if (job === undefined) shapeJobs.set(key, (job = addJob(path, shape.text, parser)));
      misses.push({ path, file, parser, unformattedHash, job, shape });
    } else
      misses.push({
        path,
        file,
        parser,
        unformattedHash,
        job: addJob(path, file.contents, parser),
      });
  }
  const threads = threadsFor(jobs.length, options);
  const formatted =
    threads === 1 ? await formatInThread(jobs) : await formatInParallel(jobs, threads);
  for (const miss of misses) {
    const text = formatted[miss.job]!;
    const contents =
      miss.shape === undefined
        ? text
        : (fromShape(miss.shape, text) ??
          (await formatJob(jobFor(miss.path, miss.file.contents, miss.parser))));
    result.set(miss.path, { ...miss.file, contents, unformattedHash: miss.unformattedHash });
  }
  return result;
}
