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
import { buildManifest, MANIFEST_NAME, parseManifest, serializeManifest, sha256 } from './manifest.js';
import type { Manifest } from './manifest.js';

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

async function readText(file: string): Promise<string | undefined> {
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

async function readManifest(dir: string): Promise<Manifest | undefined> {
  const text = await readText(path.join(dir, MANIFEST_NAME));
  return text === undefined ? undefined : parseManifest(text);
}

/** Everything generation would put on disk, the manifest included. */
function expectedFiles(files: FileMap, version: string): Map<string, { contents: string; scaffold: boolean }> {
  const expected = new Map<string, { contents: string; scaffold: boolean }>();
  for (const file of sortedPaths(files)) {
    const output = files.get(file)!;
    expected.set(file, { contents: output.contents, scaffold: output.kind === 'scaffold' });
  }
  expected.set(MANIFEST_NAME, { contents: serializeManifest(buildManifest(files, version)), scaffold: false });
  return expected;
}

/** Files the previous generation made that this one does not. */
function previousOnly(previous: Manifest | undefined, files: FileMap): string[] {
  if (!previous) return [];
  return Object.keys(previous.files)
    .filter((file) => safeRelative(file) && !files.has(file))
    .sort(comparePaths);
}

/** Compares the directory with what generation would produce; writes nothing. */
export async function checkOutput(dir: string, files: FileMap, version: string): Promise<CheckReport> {
  const stale: string[] = [];
  const missing: string[] = [];
  for (const [file, { contents, scaffold }] of expectedFiles(files, version)) {
    const actual = await readText(path.join(dir, file));
    if (actual === undefined) missing.push(file);
    else if (!scaffold && actual !== contents) stale.push(file);
  }
  const extra: string[] = [];
  for (const file of previousOnly(await readManifest(dir), files)) {
    if ((await readText(path.join(dir, file))) !== undefined) extra.push(file);
  }
  return { stale, missing, extra };
}

async function writeAtomically(file: string, contents: string): Promise<void> {
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
 * that are missing, and removes files that an earlier generation made and this one does not (unless
 * the user has edited them since). Refuses a non-empty directory without a manifest unless `force`.
 */
export async function writeOutput(
  dir: string,
  files: FileMap,
  version: string,
  options: { readonly force: boolean },
): Promise<WriteReport> {
  const root = path.resolve(dir);
  const previous = await readManifest(root);
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
  const expected = expectedFiles(files, version);
  for (const [file, { contents, scaffold }] of expected) {
    if (file === MANIFEST_NAME) continue;
    const target = path.join(root, file);
    const actual = await readText(target);
    if (actual === contents || (scaffold && actual !== undefined)) {
      unchanged.push(file);
      continue;
    }
    await writeAtomically(target, contents);
    written.push(file);
  }

  const removed: string[] = [];
  const keptEdited: string[] = [];
  for (const file of previousOnly(previous, files)) {
    const target = path.join(root, file);
    const actual = await readText(target);
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
  if ((await readText(path.join(root, MANIFEST_NAME))) !== manifest) {
    await writeAtomically(path.join(root, MANIFEST_NAME), manifest);
    written.push(MANIFEST_NAME);
  }
  return { written, unchanged, removed, keptEdited };
}
