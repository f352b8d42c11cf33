import { createHash } from 'node:crypto';
import type { FileMap } from '../emit/fileMap.js';
import { sortedPaths } from '../emit/fileMap.js';

/** The file in the output directory that records what the generator owns there. */
export const MANIFEST_NAME = '.codegen-manifest.json';

export interface Manifest {
  readonly generator: 'codegen';
  readonly version: string;
  /** Generated files: path → sha256 of the contents written. */
  readonly files: Readonly<Record<string, string>>;
  /** Files created once for the user to edit; never overwritten. */
  readonly scaffold: readonly string[];
}

export function sha256(contents: string): string {
  return createHash('sha256').update(contents).digest('hex');
}

export function buildManifest(files: FileMap, version: string): Manifest {
  const generated: Record<string, string> = {};
  const scaffold: string[] = [];
  for (const path of sortedPaths(files)) {
    const file = files.get(path)!;
    if (file.kind === 'scaffold') scaffold.push(path);
    else generated[path] = sha256(file.contents);
  }
  return { generator: 'codegen', version, files: generated, scaffold };
}

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
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
  if (candidate.generator !== 'codegen' || typeof candidate.files !== 'object' || candidate.files === null) return undefined;
  return {
    generator: 'codegen',
    version: typeof candidate.version === 'string' ? candidate.version : 'unknown',
    // Only entries that map a path to a digest; anything else is not ours.
    files: Object.fromEntries(
      Object.entries(candidate.files).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    ),
    scaffold: Array.isArray(candidate.scaffold) ? candidate.scaffold.filter((path): path is string => typeof path === 'string') : [],
  };
}
