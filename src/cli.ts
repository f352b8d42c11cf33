/**
 * `codegen <schema files or globs...> [-o dir] [--check] [--watch] [--force] [--no-typecheck]`
 * Exit codes: 0 success, 1 `--check` found differences (or your code does not compile), 2 schema
 * errors, bad usage, or your code does not compile against the files just written.
 */
import { watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { isDynamicPattern } from 'tinyglobby';
import type { SchemaMeta } from '../templates/runtime/meta.js';
import type { FileMap } from './emit/fileMap.js';
import { formatDiagnostic } from './frontend/index.js';
import { DEFAULT_PACKAGE_NAME, generate } from './generate.js';
import { openFormatCache } from './output/formatCache.js';
import { checkOutput, deletedScaffolds, OutputError, writeOutput } from './output/sync.js';
import type { UserCodeReport } from './output/userCode.js';
import { checkUserCode } from './output/userCode.js';
import { GENERATOR_VERSION } from './packageRoot.js';
import { readSchemaSources, resolveSchemaPaths, UsageError } from './sources.js';

export const EXIT_OK = 0;
export const EXIT_DIFFERENCES = 1;
export const EXIT_ERRORS = 2;

export interface CliOptions {
  readonly out: string;
  readonly check: boolean;
  readonly watch: boolean;
  readonly force: boolean;
  readonly name?: string;
  /** Type-check the user's code against the new files (`--no-typecheck` turns it off). */
  readonly typecheck?: boolean;
}

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

const DEFAULT_IO: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
};

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Prints the errors in the user's code (stderr, with code frames, like schema errors) and a note when
 * it could not be checked; returns the files that do not compile (paths relative to the cwd).
 */
function reportUserCode(userCode: UserCodeReport | undefined, label: string, io: Io): string[] {
  if (userCode === undefined) return [];
  if (userCode.skipped !== undefined) {
    io.stderr(`codegen: note: your code in ${label} was not type-checked: ${userCode.skipped}\n`);
  }
  for (const diagnostic of userCode.diagnostics)
    io.stderr(`${formatDiagnostic(diagnostic, userCode.sources)}\n\n`);
  return [
    ...new Set(userCode.diagnostics.map((diagnostic) => diagnostic.path || '(compiler options)')),
  ];
}

function userCodeSummary(userCode: UserCodeReport, failing: readonly string[]): string {
  const errors = plural(userCode.diagnostics.length, 'error');
  return `your code does not compile against the schema (${errors} in ${failing.join(', ')})`;
}

function reportCheck(
  out: string,
  label: string,
  files: FileMap,
  tables: string,
  io: Io,
  userCode?: UserCodeReport,
): number {
  const report = checkOutput(out, files, GENERATOR_VERSION);
  const differences = [
    ...report.stale.map((file) => `  stale    ${file}`),
    ...report.missing.map((file) => `  missing  ${file}`),
    ...report.extra.map((file) => `  extra    ${file}`),
  ];
  const failing = reportUserCode(userCode, label, io);
  if (failing.length > 0) {
    const where = differences.length === 0 ? `${label} is up to date, but ` : '';
    if (differences.length > 0) {
      io.stdout(
        `codegen: ${label} does not match the schema; run codegen to regenerate it:\n${differences.join('\n')}\n`,
      );
    }
    io.stdout(`codegen: ${where}${userCodeSummary(userCode!, failing)}; fix it\n`);
    return EXIT_DIFFERENCES;
  }
  if (differences.length === 0) {
    io.stdout(`codegen: ${label} is up to date (${tables}, ${plural(files.size + 1, 'file')})\n`);
    return EXIT_OK;
  }
  io.stdout(
    `codegen: ${label} does not match the schema; run codegen to regenerate it:\n${differences.join('\n')}\n`,
  );
  return EXIT_DIFFERENCES;
}

async function reportWrite(
  out: string,
  label: string,
  files: FileMap,
  tables: string,
  options: { readonly force: boolean; readonly started: number },
  io: Io,
  userCode?: UserCodeReport,
): Promise<number> {
  const report = await writeOutput(out, files, GENERATOR_VERSION, { force: options.force });
  for (const file of report.keptEdited) {
    io.stderr(
      `codegen: warning: ${file} is no longer generated but was edited by hand, so it was left in place\n`,
    );
  }
  const summary =
    report.written.length === 0 && report.removed.length === 0
      ? `nothing changed (${plural(report.unchanged.length, 'file')} up to date)`
      : `${report.written.length} written, ${report.unchanged.length} unchanged, ${report.removed.length} removed`;
  io.stdout(
    `codegen: ${tables} → ${label}: ${summary} in ${Math.round(performance.now() - options.started)} ms\n`,
  );
  const failing = reportUserCode(userCode, label, io);
  if (failing.length === 0) return EXIT_OK;
  io.stderr(
    `codegen: ${userCodeSummary(userCode!, failing)}; the files were written: fix your code, ` +
      'then run codegen again or npm run build\n',
  );
  return EXIT_ERRORS;
}

/**
 * The generated package's default name: the output directory's name, made a valid npm package name,
 * so that regenerating (or `--check`ing) a directory needs no more than its path.
 */
export function packageNameFor(out: string): string {
  const name = path
    .basename(out)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '')
    .slice(0, 214);
  return name === '' ? DEFAULT_PACKAGE_NAME : name;
}

/** An error from the file system (a path that cannot be read or written), as opposed to a bug. */
function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/** One generation (or check). Returns the exit code; never throws for user mistakes. */
export async function runOnce(
  schemaArgs: readonly string[],
  options: CliOptions,
  io: Io = DEFAULT_IO,
): Promise<number> {
  const started = performance.now();
  try {
    const paths = await resolveSchemaPaths(schemaArgs, io.cwd);
    const sources = await readSchemaSources(paths, io.cwd);
    const out = path.resolve(io.cwd, options.out);
    const formatCache = openFormatCache(out, GENERATOR_VERSION);
    const result = await generate(sources, {
      packageName: options.name ?? packageNameFor(out),
      deletedScaffolds: deletedScaffolds(out),
      formatCache,
    });
    if (!result.ok) {
      for (const diagnostic of result.diagnostics)
        io.stderr(`${formatDiagnostic(diagnostic, sources)}\n\n`);
      io.stderr(
        `codegen: ${plural(result.diagnostics.length, 'error')} in the schema; nothing was written\n`,
      );
      return EXIT_ERRORS;
    }
    for (const warning of result.warnings) io.stderr(`${formatDiagnostic(warning, sources)}\n\n`);
    for (const warning of unexportedRelationships(result.schema))
      io.stderr(`codegen: warning: ${warning}\n`);
    const tables = plural(result.schema.tables.length, 'table');
    const tableNames = new Set(result.schema.tables.map((table) => table.name));
    const userCode =
      options.typecheck === false
        ? undefined
        : checkUserCode(out, result.files, tableNames, io.cwd);
    return options.check
      ? reportCheck(out, options.out, result.files, tables, io, userCode)
      : await reportWrite(
          out,
          options.out,
          result.files,
          tables,
          { force: options.force, started },
          io,
          userCode,
        );
  } catch (error) {
    if (error instanceof UsageError || error instanceof OutputError) {
      io.stderr(`codegen: ${error.message}\n`);
      return EXIT_ERRORS;
    }
    if (isFileSystemError(error)) {
      io.stderr(
        `codegen: cannot ${error.syscall} ${error.path ?? ''}: ${error.code ?? error.message}\n`,
      );
      return EXIT_ERRORS;
    }
    throw error;
  }
}

/**
 * Relationships of exported tables into tables without `@export`: clients cannot follow them
 * (contract section 4), which the schema's author may not expect.
 */
export function unexportedRelationships(schema: SchemaMeta): string[] {
  const exported = new Set(
    schema.tables.filter((table) => table.exportName !== null).map((table) => table.name),
  );
  const warnings: string[] = [];
  for (const table of schema.tables) {
    if (!exported.has(table.name)) continue;
    for (const attribute of table.attributes) {
      const target = attribute.relationship?.target;
      if (target !== undefined && !exported.has(target)) {
        warnings.push(
          `${table.name}.${attribute.name} relates to ${target}, which has no @export: clients cannot select, filter or sort on it`,
        );
      }
    }
  }
  return warnings;
}

/** The leading path segments of a glob that contain no pattern characters (`.` if none). */
function staticBase(pattern: string): string {
  const segments = pattern.split('/');
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (/[*?[\]{}()!]/.test(segment)) break;
    fixed.push(segment);
  }
  return fixed.join('/') || '.';
}

/** Regenerates whenever a schema file changes; keeps running through schema errors. */
async function runWatch(
  schemaArgs: readonly string[],
  options: CliOptions,
  io: Io,
): Promise<never> {
  await runOnce(schemaArgs, options, io);
  const directories = new Set<string>();
  for (const file of await resolveSchemaPaths(schemaArgs, io.cwd).catch(() => [] as string[])) {
    directories.add(path.dirname(path.resolve(io.cwd, file)));
  }
  // A glob may match files that do not exist yet: watch the directory its static part names.
  for (const arg of schemaArgs) {
    const resolved = path.resolve(io.cwd, arg);
    if (isDynamicPattern(arg)) directories.add(path.resolve(io.cwd, staticBase(arg)));
    else if ((await stat(resolved).catch(() => undefined))?.isDirectory())
      directories.add(resolved);
  }
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running
        .then(async () => {
          io.stdout('codegen: schema changed, regenerating\n');
          await runOnce(schemaArgs, options, io);
        })
        // A bug in one generation must not stop the watcher.
        .catch((error: unknown) => io.stderr(`codegen: generation failed: ${String(error)}\n`));
    }, 100);
  };
  for (const dir of directories) {
    watch(dir, (_event, name) => {
      if (name === null || /\.(graphql|gql|graphqls)$/.test(name)) schedule();
    });
  }
  io.stdout(
    `codegen: watching ${[...directories].map((dir) => path.relative(io.cwd, dir) || '.').join(', ')} (Ctrl-C to stop)\n`,
  );
  return new Promise<never>(() => {});
}

export async function main(argv: readonly string[], io: Io = DEFAULT_IO): Promise<number> {
  const program = new Command()
    .name('codegen')
    .description('Generate a standalone, typed TypeScript server from Harper GraphQL schema files.')
    .version(GENERATOR_VERSION)
    .argument(
      '<schemas...>',
      'schema files, directories or globs (several files are merged into one schema)',
    )
    .option('-o, --out <dir>', 'output directory', './server')
    .option(
      '--check',
      'write nothing; exit 1 and list the files that differ from what generation would produce',
      false,
    )
    .option('--watch', 'regenerate whenever a schema file changes', false)
    .option('--force', 'write into a non-empty directory that codegen did not generate', false)
    .option(
      '--no-typecheck',
      'do not type-check your own code (hooks, your files under src/) against the generated code',
    )
    .option(
      '--name <package>',
      'name of the generated package (package.json "name"; default: the output directory\'s name)',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_ERRORS;
    throw error;
  }
  const options = program.opts<CliOptions>();
  if (options.check && options.watch) {
    io.stderr('codegen: --check and --watch cannot be combined\n');
    return EXIT_ERRORS;
  }
  if (options.watch) return runWatch(program.processedArgs[0] as string[], options, io);
  return runOnce(program.processedArgs[0] as string[], options, io);
}
