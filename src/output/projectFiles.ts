/**
 * The generated server's project files (`package.json`, `tsconfig.json`, `.gitignore`) belong to
 * the user; codegen owns only some of their content and merges it into what is on disk:
 *
 * - `package.json`: `name`, `type`, `engines`, and its own entries of `scripts`, `dependencies` and
 *   `devDependencies`. Every other key and entry is the user's. `version`, `private` and
 *   `description` are written when the file is created and are the user's from then on.
 * - `tsconfig.json`: each of its `compilerOptions` and `include`; every other option and key is the
 *   user's.
 * - `.gitignore`: the lines between its `# codegen: begin` and `# codegen: end` markers.
 *
 * A file whose owned content already matches is left exactly as it is (byte for byte); otherwise the
 * owned content is overlaid (in place where a key exists, appended where it does not) and the file is
 * printed in one stable format: JSON with two-space indentation, dependencies sorted by name as npm
 * sorts them. The result depends only on the file on disk and on codegen's content.
 */

/** Raised when a project file on disk cannot be merged (e.g. it is not valid JSON); nothing is written. */
export class ProjectFileError extends Error {
  override name = 'ProjectFileError';
}

/** The paths whose content is merged rather than owned whole. */
export const MERGED_FILES: ReadonlySet<string> = new Set([
  'package.json',
  'tsconfig.json',
  '.gitignore',
]);

export interface MergeResult {
  /** The file as it should be on disk. */
  readonly contents: string;
  /** Whether what is on disk already holds codegen's content (then `contents` is the disk's, unchanged). */
  readonly upToDate: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const PACKAGE_OWNED_KEYS = ['name', 'type', 'engines'] as const;
const PACKAGE_OWNED_ENTRIES = ['scripts', 'dependencies', 'devDependencies'] as const;
const SORTED_ENTRIES: ReadonlySet<string> = new Set(['dependencies', 'devDependencies']);

export const GITIGNORE_BEGIN =
  '# codegen: begin (these lines are managed by codegen; add yours outside this block)';
export const GITIGNORE_END = '# codegen: end';

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function same(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function printJson(value: Json): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function parseObject(path: string, text: string): JsonObject {
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch (error) {
    throw new ProjectFileError(
      `${path} is not valid JSON (${(error as Error).message}); codegen merges its own settings into it, ` +
        'so fix the file (comments are not supported) or delete it to have it created again',
    );
  }
  if (!isObject(value))
    throw new ProjectFileError(`${path} must hold a JSON object; fix it or delete it`);
  return value;
}

/** `target` with `key` set to `value`: in place when present, appended otherwise. */
function withKey(target: JsonObject, key: string, value: Json): JsonObject {
  return { ...target, [key]: value };
}

function sortedByKey(object: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** The object at `key` of `existing` with every entry of `owned` overlaid. */
function overlayEntries(
  existing: Json | undefined,
  owned: JsonObject,
  sorted: boolean,
): JsonObject {
  let merged: JsonObject = isObject(existing) ? existing : {};
  for (const [name, value] of Object.entries(owned)) merged = withKey(merged, name, value);
  return sorted ? sortedByKey(merged) : merged;
}

function ownedObject(value: Json | undefined): JsonObject {
  return isObject(value) ? value : {};
}

function mergePackageJson(
  owned: JsonObject,
  existing: JsonObject,
): { merged: JsonObject; upToDate: boolean } {
  let merged = existing;
  let upToDate = true;
  for (const key of PACKAGE_OWNED_KEYS) {
    if (owned[key] === undefined) continue;
    if (!same(existing[key], owned[key])) upToDate = false;
    merged = withKey(merged, key, owned[key]);
  }
  for (const key of PACKAGE_OWNED_ENTRIES) {
    const entries = ownedObject(owned[key]);
    const current = ownedObject(existing[key]);
    if (Object.entries(entries).some(([name, value]) => !same(current[name], value)))
      upToDate = false;
    merged = withKey(merged, key, overlayEntries(existing[key], entries, SORTED_ENTRIES.has(key)));
  }
  return { merged, upToDate };
}

function mergeTsconfig(
  owned: JsonObject,
  existing: JsonObject,
): { merged: JsonObject; upToDate: boolean } {
  const options = ownedObject(owned.compilerOptions);
  const current = ownedObject(existing.compilerOptions);
  let upToDate = Object.entries(options).every(([name, value]) => same(current[name], value));
  let merged = withKey(
    existing,
    'compilerOptions',
    overlayEntries(existing.compilerOptions, options, false),
  );
  for (const [key, value] of Object.entries(owned)) {
    if (key === 'compilerOptions') continue;
    if (!same(existing[key], value)) upToDate = false;
    merged = withKey(merged, key, value);
  }
  return { merged, upToDate };
}

/** The lines of `.gitignore` codegen owns: `owned` as it is emitted, without the markers. */
function ownedLines(owned: string): string[] {
  return owned
    .split('\n')
    .filter((line) => line !== '' && line !== GITIGNORE_BEGIN && line !== GITIGNORE_END);
}

function mergeGitignore(owned: string, existing: string): MergeResult {
  const block = [GITIGNORE_BEGIN, ...ownedLines(owned), GITIGNORE_END];
  const lines = existing.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const begin = lines.indexOf(GITIGNORE_BEGIN);
  const end = begin === -1 ? -1 : lines.indexOf(GITIGNORE_END, begin);
  let result: string[];
  if (begin !== -1 && end !== -1) {
    if (same(lines.slice(begin, end + 1), block)) return { contents: existing, upToDate: true };
    result = [...lines.slice(0, begin), ...block, ...lines.slice(end + 1)];
  } else {
    // No block yet (a file the user wrote, or one from before the block existed): the block goes
    // first, and the user's lines that repeat one of its entries are taken into it.
    const entries = new Set(block);
    result = [...block, ...lines.filter((line) => !entries.has(line))];
  }
  return { contents: `${result.join('\n')}\n`, upToDate: false };
}

/**
 * Merges codegen's `owned` content of `path` into `existing` (the file on disk; undefined when
 * there is none, and then the file is `owned` itself).
 */
export function mergeProjectFile(
  path: string,
  owned: string,
  existing: string | undefined,
): MergeResult {
  if (existing === undefined) return { contents: owned, upToDate: false };
  if (path === '.gitignore') return mergeGitignore(owned, existing);
  const ownedJson = parseObject(`codegen's own ${path}`, owned);
  const existingJson = parseObject(path, existing);
  const { merged, upToDate } =
    path === 'package.json'
      ? mergePackageJson(ownedJson, existingJson)
      : mergeTsconfig(ownedJson, existingJson);
  return upToDate ? { contents: existing, upToDate } : { contents: printJson(merged), upToDate };
}
