import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { comparePaths } from './emit/fileMap.js';
import type { SchemaSource } from './frontend/index.js';

/** A problem with the command line's schema arguments (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

const SCHEMA_EXTENSIONS = ['.graphql', '.gql', '.graphqls'];

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

/** Expands files, directories (their schema files) and globs into a sorted list of file paths. */
export async function resolveSchemaPaths(
  args: readonly string[],
  cwd = process.cwd(),
): Promise<string[]> {
  const found = new Set<string>();
  for (const arg of args) {
    if (isDynamicPattern(arg)) {
      const matches = await glob(arg, { cwd, onlyFiles: true, expandDirectories: false });
      if (matches.length === 0) throw new UsageError(`no schema files match ${arg}`);
      for (const match of matches) found.add(toPosix(path.normalize(match)));
      continue;
    }
    const info = await stat(path.resolve(cwd, arg)).catch(() => undefined);
    if (!info) throw new UsageError(`schema file not found: ${arg}`);
    if (info.isDirectory()) {
      const patterns = SCHEMA_EXTENSIONS.map((extension) => `*${extension}`);
      const matches = await glob(patterns, { cwd: path.resolve(cwd, arg), onlyFiles: true });
      if (matches.length === 0)
        throw new UsageError(
          `no schema files (${SCHEMA_EXTENSIONS.join(', ')}) in directory ${arg}`,
        );
      for (const match of matches) found.add(toPosix(path.normalize(path.join(arg, match))));
      continue;
    }
    found.add(toPosix(path.normalize(arg)));
  }
  return [...found].sort(comparePaths);
}

export async function readSchemaSources(
  paths: readonly string[],
  cwd = process.cwd(),
): Promise<SchemaSource[]> {
  return Promise.all(
    paths.map(async (file) => ({
      path: file,
      text: await readFile(path.resolve(cwd, file), 'utf8'),
    })),
  );
}
