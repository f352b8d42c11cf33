import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Options } from 'prettier';
import type { FileMap, OutputFile } from '../emit/fileMap.js';

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
  return parser === undefined
    ? text
    : formatJob({ path, text, options: { ...OPTIONS, parser, filepath: path } });
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

async function formatJob(job: FormatJob): Promise<string> {
  return (await prettier()).format(job.text, job.options);
}

/**
 * Formats every file in memory, before anything is compared with or written to the disk. Files marked
 * verbatim (the runtime) are kept as they are: the repository keeps them formatted. Each formatted
 * file records the hash of its unformatted text (`unformattedHash`), the format cache's key for the
 * next run; a file the cache knows is taken from it instead of being formatted again, which gives the
 * same bytes.
 */
export async function formatFiles(files: FileMap, cache?: FormatCache): Promise<FileMap> {
  const result = new Map<string, OutputFile>();
  const misses: { job: FormatJob; file: OutputFile; unformattedHash: string }[] = [];
  for (const [path, file] of files) {
    result.set(path, file);
    const parser = parserFor(path);
    if (parser === undefined || file.verbatim) continue;
    const unformattedHash = sha256(file.contents);
    const cached = cache?.formatted(path, unformattedHash);
    if (cached !== undefined) result.set(path, { ...file, contents: cached, unformattedHash });
    else
      misses.push({
        job: { path, text: file.contents, options: { ...OPTIONS, parser, filepath: path } },
        file,
        unformattedHash,
      });
  }
  // One file after the other: prettier is synchronous work, and one AST at a time keeps the heap small.
  for (const miss of misses) {
    result.set(miss.job.path, {
      ...miss.file,
      contents: await formatJob(miss.job),
      unformattedHash: miss.unformattedHash,
    });
  }
  return result;
}
