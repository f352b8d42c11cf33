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

/** Formats every file in memory, before anything is compared with or written to the disk. */
export async function formatFiles(files: FileMap): Promise<FileMap> {
  const entries = await Promise.all(
    [...files].map(async ([path, file]): Promise<[string, OutputFile]> => {
      const parser = parserFor(path);
      if (parser === undefined) return [path, file];
      const contents = await prettier.format(file.contents, { ...OPTIONS, parser, filepath: path });
      return [path, { ...file, contents }];
    }),
  );
  return new Map(entries);
}
