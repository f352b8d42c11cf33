import * as prettier from 'prettier';
import type { FileMap, OutputFile } from '../emit/fileMap.js';

/** Fixed options: generated output never depends on the user's own prettier configuration. */
const OPTIONS: prettier.Options = {
  printWidth: 100,
  singleQuote: true,
  trailingComma: 'all',
  semi: true,
  endOfLine: 'lf',
};

function parserFor(path: string): string | undefined {
  if (path.endsWith('.ts')) return 'typescript';
  if (path.endsWith('.json')) return 'json';
  if (path.endsWith('.md')) return 'markdown';
  return undefined;
}

/** Formats one file's text as the generator does (the parser is chosen by the path's extension). */
export async function formatSource(text: string, path: string): Promise<string> {
  const parser = parserFor(path);
  return parser === undefined ? text : prettier.format(text, { ...OPTIONS, parser, filepath: path });
}

/**
 * Formats every file in memory, before anything is compared with or written to the disk. Files marked
 * verbatim (the runtime) are kept as they are: the repository keeps them formatted.
 */
export async function formatFiles(files: FileMap): Promise<FileMap> {
  const entries = await Promise.all(
    [...files].map(async ([path, file]): Promise<[string, OutputFile]> => {
      const parser = parserFor(path);
      if (parser === undefined || file.verbatim) return [path, file];
      return [path, { ...file, contents: await formatSource(file.contents, path) }];
    }),
  );
  return new Map(entries);
}
