/**
 * The only module that touches the output directory: it compares a formatted FileMap with the
 * disk, and either reports the differences (`--check`) or writes them. It owns only what its
 * manifest lists: a file it did not generate is never overwritten or deleted.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileMap } from '../emit/fileMap.js';
import { comparePaths, sortedPaths } from '../emit/fileMap.js';
import {
  buildManifest,
  MANIFEST_NAME,
  parseManifest,
  serializeManifest,
  sha256,
} from './manifest.js';
import type { Manifest } from './manifest.js';
import { mergeProjectFile, ProjectFileError } from './projectFiles.js';

/** Raised when the output directory cannot be used; nothing has been written. */
export class OutputError extends Error {
  override name = 'OutputError';
}

export interface CheckReport {
  /** On disk with other contents than generation would produce. */
  readonly stale: readonly string[];
  /** Would be generated, but not on disk. */
  readonly missing: readonly string[];
  /** Generated earlier (listed in the manifest), no longer produced, still on disk. */
  readonly extra: readonly string[];
}

export interface WriteReport {
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
  /** Generated earlier and no longer produced, but edited since: left in place. */
  readonly keptEdited: readonly string[];
}

/** A file's text, or undefined when it does not exist. */
export function readText(file: string): string | undefined {
  try {
    // Synchronous: for hundreds of small files a blocking read costs a tenth of a promise-based one.
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function isNonEmptyDirectory(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'ENOTDIR') throw new OutputError(`${dir} exists and is not a directory`);
    throw error;
  }
}

/** A manifest path is trusted only when it stays inside the output directory. */
function safeRelative(relative: string): boolean {
  return relative !== '' && !path.isAbsolute(relative) && !relative.split(/[\\/]/).includes('..');
}

function readManifest(dir: string): Manifest | undefined {
  const text = readText(path.join(dir, MANIFEST_NAME));
  return text === undefined ? undefined : parseManifest(text);
}

interface ExpectedFile {
  readonly contents: string;
  readonly scaffold: boolean;
  /** A project file the user shares: `contents` is codegen's part, merged into the disk's. */
  readonly merged?: boolean;
}

/** Everything generation would put on disk, the manifest included. */
function expectedFiles(files: FileMap, version: string): Map<string, ExpectedFile> {
  const expected = new Map<string, ExpectedFile>();
  for (const file of sortedPaths(files)) {
    const output = files.get(file)!;
    expected.set(file, {
      contents: output.contents,
      scaffold: output.kind === 'scaffold',
      merged: output.kind === 'merged',
    });
  }
  expected.set(MANIFEST_NAME, {
    contents: serializeManifest(buildManifest(files, version)),
    scaffold: false,
  });
  return expected;
}

/** Merges codegen's part of a shared project file into the one on disk (`projectFiles.ts`). */
function mergeShared(
  file: string,
  contents: string,
  actual: string | undefined,
): { contents: string; upToDate: boolean } {
  try {
    return mergeProjectFile(file, contents, actual);
  } catch (error) {
    if (error instanceof ProjectFileError) throw new OutputError(error.message);
    throw error;
  }
}

/**
 * What every file must hold on disk: shared project files merged with the user's part. Computed
 * before anything is written, so that a project file that cannot be merged changes nothing.
 */
function resolveExpected(
  root: string,
  expected: Map<string, ExpectedFile>,
): Map<string, ExpectedFile> {
  const resolved = new Map<string, ExpectedFile>();
  for (const [file, entry] of expected) {
    if (!entry.merged) {
      resolved.set(file, entry);
      continue;
    }
    const merged = mergeShared(file, entry.contents, readText(path.join(root, file)));
    resolved.set(file, { contents: merged.contents, scaffold: false });
  }
  return resolved;
}

/** Files the previous generation made that this one does not. */
function previousOnly(previous: Manifest | undefined, files: FileMap): string[] {
  if (!previous) return [];
  return Object.keys(previous.files)
    .filter((file) => safeRelative(file) && !files.has(file))
    .sort(comparePaths);
}

/**
 * A scaffold file is created once: when an earlier generation created it (its manifest lists it)
 * and it is gone, the user deleted it, and it stays deleted (contract section 10).
 */
function createdBefore(previous: Manifest | undefined, file: string): boolean {
  return previous?.scaffold.includes(file) ?? false;
}

/** The scaffold files that an earlier generation created in `dir` and that the user has deleted since. */
export function deletedScaffolds(dir: string): ReadonlySet<string> {
  const deleted = new Set<string>();
  // A path that is not a directory has no manifest; writing or checking it reports that.
  let manifest: Manifest | undefined;
  try {
    manifest = readManifest(dir);
  } catch {
    manifest = undefined;
  }
  for (const file of manifest?.scaffold ?? []) {
    if (safeRelative(file) && readText(path.join(dir, file)) === undefined) deleted.add(file);
  }
  return deleted;
}

/** Compares the directory with what generation would produce; writes nothing. */
export function checkOutput(dir: string, files: FileMap, version: string): CheckReport {
  const previous = readManifest(dir);
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [file, { contents, scaffold, merged }] of expectedFiles(files, version)) {
    const actual = readText(path.join(dir, file));
    if (actual === undefined) {
      if (!(scaffold && createdBefore(previous, file))) missing.push(file);
    } else if (merged) {
      // Only codegen's part counts: what the user added never makes a project file stale.
      if (!mergeShared(file, contents, actual).upToDate) stale.push(file);
    } else if (!scaffold && actual !== contents) stale.push(file);
  }
  const extra: string[] = [];
  for (const file of previousOnly(previous, files)) {
    if (readText(path.join(dir, file)) !== undefined) extra.push(file);
  }
  return { stale, missing, extra };
}

function writeAtomically(file: string, contents: string): void {
  // Synchronous, like readText: a cold generation writes hundreds of small files.
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.codegen-${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

/** Removes now-empty directories from `file`'s directory up to (not including) `root`. */
async function pruneEmptyDirectories(root: string, file: string): Promise<void> {
  let dir = path.dirname(file);
  while (dir.startsWith(root + path.sep)) {
    if ((await readdir(dir)).length > 0) return;
    await rmdir(dir);
    dir = path.dirname(dir);
  }
}

/**
 * Brings the directory in line with `files`: writes what is new or changed, creates scaffold files
 * that were never created (a deleted one stays deleted), and removes files that an earlier generation made and this one does not (unless
 * the user has edited them since). Refuses a non-empty directory without a manifest unless `force`.
 */
export async function writeOutput(
  dir: string,
  files: FileMap,
  version: string,
  options: { readonly force: boolean },
): Promise<WriteReport> {
  const root = path.resolve(dir);
  const previous = readManifest(root);
  if (!previous && !options.force && (await isNonEmptyDirectory(root))) {
    throw new OutputError(
      `${dir} is not empty and was not generated by codegen (it has no ${MANIFEST_NAME}); ` +
        'choose an empty or new directory, or pass --force to write into it anyway',
    );
  }
  if (previous === undefined) {
    const info = await stat(root).catch(() => undefined);
    if (info && !info.isDirectory()) throw new OutputError(`${dir} exists and is not a directory`);
  }

  const written: string[] = [];
  const unchanged: string[] = [];
  const expected = resolveExpected(root, expectedFiles(files, version));
  for (const [file, { contents, scaffold }] of expected) {
    if (file === MANIFEST_NAME) continue;
    const target = path.join(root, file);
    const actual = readText(target);
    if (actual === contents || (scaffold && actual !== undefined)) {
      unchanged.push(file);
      continue;
    }
    if (scaffold && createdBefore(previous, file)) continue;
    writeAtomically(target, contents);
    written.push(file);
  }

  const removed: string[] = [];
  const keptEdited: string[] = [];
  for (const file of previousOnly(previous, files)) {
    const target = path.join(root, file);
    const actual = readText(target);
    if (actual === undefined) continue;
    if (sha256(actual) !== previous!.files[file]) {
      keptEdited.push(file);
      continue;
    }
    await rm(target);
    await pruneEmptyDirectories(root, target);
    removed.push(file);
  }

  // The manifest goes last: if generation is interrupted, the next run still knows the old files.
  const manifest = expected.get(MANIFEST_NAME)!.contents;
  if (readText(path.join(root, MANIFEST_NAME)) !== manifest) {
    writeAtomically(path.join(root, MANIFEST_NAME), manifest);
    written.push(MANIFEST_NAME);
  }
  return { written, unchanged, removed, keptEdited };
}
