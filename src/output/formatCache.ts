/**
 * The format cache: formatting is most of a generation's time, and most files' unformatted text is
 * the same as last time. The manifest records, for each formatted file, the hash of its unformatted
 * text and of the formatted result (under a key: prettier's version and options, the generator's
 * version). When this run's unformatted text has the recorded hash and the file on disk still has the
 * recorded formatted hash, the disk's bytes are exactly what formatting would produce, and are used.
 * Anything else (another key, other text, a file edited, deleted or never written) is formatted again.
 */
import path from 'node:path';
import type { FormatCache } from '../format/format.js';
import { formatKey } from '../format/format.js';
import type { FormatCacheRecord } from './manifest.js';
import { MANIFEST_NAME, parseManifest, sha256 } from './manifest.js';
import { readText } from './sync.js';

/** A file's text, or undefined when it cannot be read: then it is not in the cache. */
function cachedText(file: string): string | undefined {
  try {
    return readText(file);
  } catch {
    // Sync reports real problems with the directory itself.
    return undefined;
  }
}

class ManifestFormatCache implements FormatCache {
  constructor(
    private readonly dir: string,
    private readonly record: FormatCacheRecord,
  ) {}

  formatted(file: string, unformattedHash: string): string | undefined {
    const entry = Object.hasOwn(this.record.files, file) ? this.record.files[file] : undefined;
    if (entry === undefined || entry.source !== unformattedHash) return undefined;
    const onDisk = cachedText(path.join(this.dir, file));
    return onDisk !== undefined && sha256(onDisk) === entry.formatted ? onDisk : undefined;
  }
}

/**
 * The format cache that the manifest of `dir` holds, for this generator's version; undefined when the
 * directory has no manifest, an old one without a cache, or a cache made under another key.
 */
export function openFormatCache(dir: string, generatorVersion: string): FormatCache | undefined {
  const text = cachedText(path.join(dir, MANIFEST_NAME));
  const record = text === undefined ? undefined : parseManifest(text)?.formatCache;
  if (record === undefined || record.key !== formatKey(generatorVersion)) return undefined;
  return new ManifestFormatCache(dir, record);
}
