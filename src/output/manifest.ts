import type { FileMap } from '../emit/fileMap.js';
import { sortedPaths } from '../emit/fileMap.js';
import { formatKey, sha256 } from '../format/format.js';

export { sha256 };

/** The file in the output directory that records what the generator owns there. */
export const MANIFEST_NAME = '.codegen-manifest.json';

/** One formatted file: the hash of its text before formatting and of the formatted text. */
export interface FormatCacheEntry {
  readonly source: string;
  readonly formatted: string;
}

/**
 * What formatting produced last time, so that text that has not changed since is not formatted again
 * (see src/output/formatCache.ts). Entries are only good under the same `key` (prettier's version, its
 * options and the generator's version: `formatKey`).
 */
export interface FormatCacheRecord {
  readonly key: string;
  readonly files: Readonly<Record<string, FormatCacheEntry>>;
}

export interface Manifest {
  readonly generator: 'codegen';
  readonly version: string;
  /** Generated files: path → sha256 of the contents written. */
  readonly files: Readonly<Record<string, string>>;
  /** Files created once for the user to edit; never overwritten. */
  readonly scaffold: readonly string[];
  /** Absent in manifests written before the cache existed, and when nothing was formatted: no cache. */
  readonly formatCache?: FormatCacheRecord;
}

export function buildManifest(files: FileMap, version: string): Manifest {
  const generated: Record<string, string> = {};
  const scaffold: string[] = [];
  const formatted: Record<string, FormatCacheEntry> = {};
  for (const path of sortedPaths(files)) {
    const file = files.get(path)!;
    const hash = sha256(file.contents);
    if (file.kind === 'scaffold') scaffold.push(path);
    else generated[path] = hash;
    if (file.unformattedHash !== undefined)
      formatted[path] = { source: file.unformattedHash, formatted: hash };
  }
  const manifest: Manifest = { generator: 'codegen', version, files: generated, scaffold };
  return Object.keys(formatted).length === 0
    ? manifest
    : { ...manifest, formatCache: { key: formatKey(version), files: formatted } };
}

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The format cache of a parsed manifest, or undefined when it has none or one of another shape (then: no cache). */
function parseFormatCache(value: unknown): FormatCacheRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { key, files } = value as { key?: unknown; files?: unknown };
  if (typeof key !== 'string' || typeof files !== 'object' || files === null) return undefined;
  // No prototype: a path is a key like any other, `__proto__` included.
  const entries = Object.create(null) as Record<string, FormatCacheEntry>;
  for (const [path, entry] of Object.entries(files)) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { source, formatted } = entry as { source?: unknown; formatted?: unknown };
    if (
      typeof source === 'string' &&
      SHA256.test(source) &&
      typeof formatted === 'string' &&
      SHA256.test(formatted)
    ) {
      entries[path] = { source, formatted };
    }
  }
  return { key, files: entries };
}

/** Parses a manifest; returns undefined when the text is not one of ours. */
export function parseManifest(text: string): Manifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as { readonly [K in keyof Manifest]?: unknown };
  if (
    candidate.generator !== 'codegen' ||
    typeof candidate.files !== 'object' ||
    candidate.files === null
  )
    return undefined;
  const formatCache = parseFormatCache(candidate.formatCache);
  return {
    generator: 'codegen',
    version: typeof candidate.version === 'string' ? candidate.version : 'unknown',
    // Only entries that map a path to a digest; anything else is not ours.
    files: Object.fromEntries(
      Object.entries(candidate.files).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    ),
    scaffold: Array.isArray(candidate.scaffold)
      ? candidate.scaffold.filter((path): path is string => typeof path === 'string')
      : [],
    ...(formatCache === undefined ? {} : { formatCache }),
  };
}
