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

/**
 * A file whose text is one template's, with a few names put in: `contents` is `text` with every
 * placeholder of `holes` replaced by its value, each value as long as its placeholder. Prettier lays
 * out by widths, never by letters, so every file of one `key` formats like `text` with the same names
 * put in; the formatter formats each key's `text` once (see src/format/format.ts, which checks all of
 * this before relying on it).
 */
export interface FormatShape {
  /** Equal for files whose `text` is the same. */
  readonly key: string;
  readonly text: string;
  readonly holes: readonly (readonly [placeholder: string, value: string])[];
}

export interface OutputFile {
  readonly contents: string;
  readonly kind: FileKind;
  /** Already in its final form (the runtime's files, which the repository keeps formatted): not reformatted. */
  readonly verbatim?: boolean;
  /** Set by the formatter on each file it formats: the sha256 of the text before formatting (the format cache's key). */
  readonly unformattedHash?: string;
  /** Set by emitters whose output is a template with names put in: formatted once per shape. */
  readonly shape?: FormatShape;
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
