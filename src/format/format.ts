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
const PRETTIER_VERSION = (createRequire(import.meta.url)('prettier/package.json') as { version: string }).version;

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
  return sha256(JSON.stringify({ prettier: PRETTIER_VERSION, options: OPTIONS, parsers: PARSERS, generator: generatorVersion }));
}

/** Formats one file's text as the generator does (the parser is chosen by the path's extension). */
export async function formatSource(text: string, path: string): Promise<string> {
  const parser = parserFor(path);
  return parser === undefined ? text : (await prettier()).format(text, { ...OPTIONS, parser, filepath: path });
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
  formatted(path: string, unformattedHash: string): Promise<string | undefined>;
}

/** Files formatted one after the other: prettier is synchronous work, and one AST at a time keeps the heap small. */
async function formatInTurn(jobs: readonly { readonly path: string; readonly text: string }[]): Promise<string[]> {
  const results: string[] = [];
  for (const job of jobs) results.push(await formatSource(job.text, job.path));
  return results;
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
  const misses: { path: string; text: string; file: OutputFile; unformattedHash: string }[] = [];
  await Promise.all(
    [...files].map(async ([path, file]) => {
      result.set(path, file);
      if (parserFor(path) === undefined || file.verbatim) return;
      const unformattedHash = sha256(file.contents);
      const cached = await cache?.formatted(path, unformattedHash);
      if (cached === undefined) misses.push({ path, text: file.contents, file, unformattedHash });
      else result.set(path, { ...file, contents: cached, unformattedHash });
    }),
  );
  misses.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const formatted = await formatInTurn(misses);
  misses.forEach((miss, index) => result.set(miss.path, { ...miss.file, contents: formatted[index]!, unformattedHash: miss.unformattedHash }));
  // The map keeps the emitter's order, whatever order the cache answered in.
  return new Map([...files.keys()].map((path) => [path, result.get(path)!]));
}
