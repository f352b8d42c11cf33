/**
 * The output of emission: relative path → file. Emitters are pure functions that return one of
 * these; only `src/output/` reads or writes the disk.
 */

/**
 * - `generated`: owned by the generator; rewritten on every generation, removed when no longer produced.
 * - `scaffold`: created once for the user to edit (extension points); never overwritten or reported stale.
 * - `merged`: a project file the user shares (`package.json`, `tsconfig.json`, `.gitignore`): the
 *   contents are codegen's part, merged into the file on disk (`src/output/projectFiles.ts`).
 */
export type FileKind = 'generated' | 'scaffold' | 'merged';

export interface OutputFile {
  readonly contents: string;
  readonly kind: FileKind;
  /** Already in its final form (the runtime's files, which the repository keeps formatted): not reformatted. */
  readonly verbatim?: boolean;
  /** Set by the formatter on each file it formats: the sha256 of the text before formatting (the format cache's key). */
  readonly unformattedHash?: string;
}

/** Relative POSIX paths to files. Iterate with `sortedPaths` for a stable order. */
export type FileMap = ReadonlyMap<string, OutputFile>;

export function sortedPaths(files: FileMap): string[] {
  return [...files.keys()].sort(comparePaths);
}

/** Byte-wise path order, independent of the locale. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
