/**
 * Type-checks the user's own code in the output directory (their hooks files, and their other files
 * under `src/` that import generated code) against freshly generated files, before or without
 * writing them: a ts-morph project whose file system is the disk with the generated files laid over
 * it. Contract sections 1 and 10.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { Project, ts } from 'ts-morph';
import type { FileSystemHost, RuntimeDirEntry } from 'ts-morph';
import type { FileMap } from '../emit/fileMap.js';
import { comparePaths } from '../emit/fileMap.js';
import type { Diagnostic, SchemaSource } from '../frontend/index.js';
import { MANIFEST_NAME, parseManifest, sha256 } from './manifest.js';
import type { Manifest } from './manifest.js';

export interface UserCodeReport {
  /** Errors in the user's code, paths relative to the cwd, sorted. */
  readonly diagnostics: readonly Diagnostic[];
  /** The text of every file a diagnostic names, for the code frames. */
  readonly sources: readonly SchemaSource[];
  /** The user's files that were type-checked, relative to the output directory. */
  readonly checked: readonly string[];
  /** Why nothing was type-checked although there is user code, if so. */
  readonly skipped?: string;
}

const TYPESCRIPT_FILE = /\.(ts|tsx|mts|cts)$/;
const HOOKS_DIR = 'src/hooks/';
/** `defineHooks<Database, 'Tag'>`: the table a hooks file is for. */
const DEFINE_HOOKS = /defineHooks\s*<\s*Database\s*,\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\1\s*>/;

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** TypeScript files under `dir/src` on the disk, relative to `dir` (POSIX separators), sorted. */
function sourceFilesOnDisk(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    let entries;
    try {
      entries = readdirSync(path.join(dir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(child);
      else if (entry.isFile() && TYPESCRIPT_FILE.test(entry.name) && !entry.name.endsWith('.d.ts'))
        found.push(child);
    }
  };
  walk('src');
  return found.sort(comparePaths);
}

/** The generated file that a relative import specifier of `from` names, if any (`./x.js` is `./x.ts`). */
function importsGenerated(from: string, text: string, generated: ReadonlySet<string>): boolean {
  return ts.preProcessFile(text, true, false).importedFiles.some(({ fileName }) => {
    if (!fileName.startsWith('.')) return false;
    const target = path.posix
      .join(path.posix.dirname(from), fileName)
      .replace(/\.(m|c)?js$/, '.$1ts');
    return (
      generated.has(target) || generated.has(`${target}.ts`) || generated.has(`${target}/index.ts`)
    );
  });
}

/** Whether the generated server's type packages can be found from `dir` (the user ran `npm install`). */
function typesInstalled(dir: string): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'node_modules', '@types', 'node', 'package.json')))
      return true;
    if (path.dirname(current) === current) return false;
  }
}

/**
 * The disk as it will be after writing `files` into `root`: generated files are read from memory,
 * files an earlier generation made and this one drops are gone, everything else is the disk's.
 * Read-only: the project never saves.
 */
class OverlayFileSystem implements FileSystemHost {
  readonly #files = new Map<string, string | null>();
  readonly #directories = new Set<string>();

  constructor(root: string, overlay: ReadonlyMap<string, string | null>) {
    for (const [relative, contents] of overlay) {
      const file = path.join(root, relative);
      this.#files.set(file, contents);
      if (contents === null) continue;
      for (
        let dir = path.dirname(file);
        dir.startsWith(root) && !this.#directories.has(dir);
        dir = path.dirname(dir)
      ) {
        this.#directories.add(dir);
      }
    }
  }

  isCaseSensitive(): boolean {
    return process.platform !== 'win32' && process.platform !== 'darwin';
  }

  readFileSync(file: string): string {
    const overlaid = this.#files.get(path.resolve(file));
    if (overlaid === null) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return overlaid ?? readFileSync(file, 'utf8');
  }

  /* eslint-disable @typescript-eslint/require-await --
   * ts-morph's FileSystemHost asks for promise-returning methods beside the synchronous ones; `async`
   * turns a synchronous throw into the rejection a caller expects. */
  async readFile(file: string): Promise<string> {
    return this.readFileSync(file);
  }

  fileExistsSync(file: string): boolean {
    const overlaid = this.#files.get(path.resolve(file));
    if (overlaid !== undefined) return overlaid !== null;
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  }

  async fileExists(file: string): Promise<boolean> {
    return this.fileExistsSync(file);
  }

  directoryExistsSync(dir: string): boolean {
    if (this.#directories.has(path.resolve(dir))) return true;
    try {
      return statSync(dir).isDirectory();
    } catch {
      return false;
    }
  }

  async directoryExists(dir: string): Promise<boolean> {
    return this.directoryExistsSync(dir);
  }

  readDirSync(dir: string): RuntimeDirEntry[] {
    const resolved = path.resolve(dir);
    const entries = new Map<string, RuntimeDirEntry>();
    try {
      for (const entry of readdirSync(resolved, { withFileTypes: true })) {
        const full = path.join(resolved, entry.name);
        if (this.#files.get(full) === null) continue;
        entries.set(full, {
          name: full,
          isFile: entry.isFile(),
          isDirectory: entry.isDirectory(),
          isSymlink: entry.isSymbolicLink(),
        });
      }
    } catch {
      // A directory that only the generated files make.
    }
    for (const [file, contents] of this.#files) {
      if (contents !== null && path.dirname(file) === resolved)
        entries.set(file, { name: file, isFile: true, isDirectory: false, isSymlink: false });
    }
    for (const sub of this.#directories) {
      if (path.dirname(sub) === resolved)
        entries.set(sub, { name: sub, isFile: false, isDirectory: true, isSymlink: false });
    }
    return [...entries.values()].sort((a, b) => comparePaths(a.name, b.name));
  }

  realpathSync(file: string): string {
    try {
      return realpathSync(file);
    } catch {
      return path.resolve(file);
    }
  }

  getCurrentDirectory(): string {
    return process.cwd();
  }

  globSync(): string[] {
    // The project adds its files one by one (skipAddingFilesFromTsConfig); nothing globs.
    return [];
  }

  async glob(): Promise<string[]> {
    return [];
  }

  #readOnly(): never {
    throw new Error('the type-check of user code never writes to the disk');
  }

  delete = async (): Promise<void> => this.#readOnly();
  deleteSync = (): void => this.#readOnly();
  writeFile = async (): Promise<void> => this.#readOnly();
  writeFileSync = (): void => this.#readOnly();
  mkdir = async (): Promise<void> => this.#readOnly();
  mkdirSync = (): void => this.#readOnly();
  move = async (): Promise<void> => this.#readOnly();
  moveSync = (): void => this.#readOnly();
  copy = async (): Promise<void> => this.#readOnly();
  copySync = (): void => this.#readOnly();
  /* eslint-enable @typescript-eslint/require-await */
}

/** One-based line and column of `offset` in `text`. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split(/\r\n|[\n\r]/);
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function messageText(diagnostic: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  return `${text
    .split('\n')
    .map((line) => line.trim())
    .join(' ')} (TS${diagnostic.code})`;
}

/**
 * Type-checks the user's code in `dir` against `files` (what generation produces, formatted).
 * `tables` are the schema's table names; `cwd` is what diagnostic paths are relative to.
 */
export function checkUserCode(
  dir: string,
  files: FileMap,
  tables: ReadonlySet<string>,
  cwd: string,
): UserCodeReport {
  const root = path.resolve(dir);
  const manifestText = readOptional(path.join(root, MANIFEST_NAME));
  const previous = manifestText === undefined ? undefined : parseManifest(manifestText);
  const generated = new Set(
    [...files].filter(([, file]) => file.kind === 'generated').map(([file]) => file),
  );
  const display = (relative: string): string =>
    path.relative(cwd, path.join(root, relative)).split(path.sep).join('/');

  const diagnostics: Diagnostic[] = [];
  const sources: SchemaSource[] = [];
  const roots: string[] = [];
  for (const file of sourceFilesOnDisk(root)) {
    if (generated.has(file)) continue;
    // Made by an earlier generation and no longer produced: writing removes it (or warns).
    if (previous?.files[file] !== undefined) continue;
    const text = readOptional(path.join(root, file));
    if (text === undefined) continue;
    const scaffold = files.get(file);
    if (scaffold?.kind === 'scaffold') {
      if (text !== scaffold.contents) roots.push(file);
      continue;
    }
    if (file.startsWith(HOOKS_DIR)) {
      const named = DEFINE_HOOKS.exec(text);
      const ownTable = path.posix.basename(file).replace(TYPESCRIPT_FILE, '');
      const table = named?.[2] ?? (previous?.scaffold.includes(file) ? ownTable : undefined);
      if (table !== undefined && !tables.has(table)) {
        const at =
          named === null
            ? { line: 1, column: 1 }
            : position(text, named.index + named[0].indexOf(named[1]!));
        diagnostics.push({
          path: display(file),
          ...at,
          message: `${file} belongs to table ${table}, which the schema no longer has: delete it or move its code`,
          rule: 'removed-table-hooks',
        });
        sources.push({ path: display(file), text });
        continue;
      }
    }
    if (file.startsWith(HOOKS_DIR) || importsGenerated(file, text, generated)) roots.push(file);
  }
  if (roots.length === 0) return { diagnostics, sources, checked: [] };
  if (!typesInstalled(root)) {
    return {
      diagnostics,
      sources,
      checked: [],
      skipped: `its dependencies are not installed (run npm install in ${display('.')})`,
    };
  }

  try {
    const found = typecheck(root, files, previous, roots, generated, cwd);
    return {
      diagnostics: sorted([...diagnostics, ...found.diagnostics]),
      sources: [...sources, ...found.sources],
      checked: roots,
    };
  } catch (error) {
    // A failure of the check itself must not stop generation: say so, and let `npm run build` tell.
    return {
      diagnostics,
      sources,
      checked: [],
      skipped: `the type-check failed (${String(error)})`,
    };
  }
}

/** Runs the compiler over `roots` (and the hooks index) in the overlaid project; adds its errors. */
function typecheck(
  root: string,
  files: FileMap,
  previous: Manifest | undefined,
  roots: readonly string[],
  generated: ReadonlySet<string>,
  cwd: string,
): Pick<UserCodeReport, 'diagnostics' | 'sources'> {
  const diagnostics: Diagnostic[] = [];
  const overlay = new Map<string, string | null>();
  for (const [file, output] of files) {
    // A scaffold is created when it never was; one the user deleted stays deleted (sync.ts).
    const created =
      output.kind === 'scaffold' &&
      !previous?.scaffold.includes(file) &&
      readOptional(path.join(root, file)) === undefined;
    if (output.kind === 'generated' || created) overlay.set(file, output.contents);
  }
  for (const file of Object.keys(previous?.files ?? {})) {
    const onDisk = files.has(file) ? undefined : readOptional(path.join(root, file));
    if (onDisk !== undefined && sha256(onDisk) === previous!.files[file]) overlay.set(file, null);
  }
  const project = new Project({
    fileSystem: new OverlayFileSystem(root, overlay),
    tsConfigFilePath: path.join(root, 'tsconfig.json'),
    skipAddingFilesFromTsConfig: true,
  });
  // The hooks index is generated, but its errors come from the hooks files it imports.
  const checked = generated.has('src/hooks.ts') ? [...roots, 'src/hooks.ts'] : roots;
  const sourceFiles = checked.map((file) => project.addSourceFileAtPath(path.join(root, file)));
  const program = project.getProgram().compilerObject;
  const found: ts.Diagnostic[] = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
  ];
  for (const sourceFile of sourceFiles) {
    const compiled = program.getSourceFile(sourceFile.getFilePath());
    if (compiled === undefined) continue;
    found.push(
      ...program.getSyntacticDiagnostics(compiled),
      ...program.getSemanticDiagnostics(compiled),
    );
  }
  const framed = new Map<string, string>();
  for (const diagnostic of found) {
    if (diagnostic.category !== ts.DiagnosticCategory.Error) continue;
    if (diagnostic.file === undefined || diagnostic.start === undefined) {
      diagnostics.push({
        path: '',
        line: 0,
        column: 0,
        message: messageText(diagnostic),
        rule: 'typescript',
      });
      continue;
    }
    const shown = path.relative(cwd, diagnostic.file.fileName).split(path.sep).join('/');
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    diagnostics.push({
      path: shown,
      line: line + 1,
      column: character + 1,
      message: messageText(diagnostic),
      rule: 'typescript',
    });
    framed.set(shown, diagnostic.file.text);
  }
  return { diagnostics, sources: [...framed].map(([shown, text]) => ({ path: shown, text })) };
}

function sorted(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      comparePaths(a.path, b.path) ||
      a.line - b.line ||
      a.column - b.column ||
      comparePaths(a.message, b.message),
  );
}
