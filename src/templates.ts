import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { comparePaths } from './emit/fileMap.js';
import { PACKAGE_ROOT } from './packageRoot.js';

const RUNTIME_DIR = path.join(PACKAGE_ROOT, 'templates', 'runtime');

/** Reads the runtime that is copied into every generated server: relative POSIX path → contents. */
export async function loadRuntime(): Promise<ReadonlyMap<string, string>> {
  const entries = await readdir(RUNTIME_DIR, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => path.relative(RUNTIME_DIR, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort(comparePaths);
  const runtime = new Map<string, string>();
  for (const file of files) runtime.set(file, await readFile(path.join(RUNTIME_DIR, file), 'utf8'));
  return runtime;
}
