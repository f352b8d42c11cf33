import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { comparePaths } from './emit/fileMap.js';
import { PACKAGE_ROOT } from './packageRoot.js';

const RUNTIME_DIR = path.join(PACKAGE_ROOT, 'templates', 'runtime');
const CLIENT_DIR = path.join(PACKAGE_ROOT, 'templates', 'client');

/** The `.ts` files of a template directory (tests left out): relative POSIX path → contents. */
async function loadSources(directory: string): Promise<ReadonlyMap<string, string>> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const files = entries
    .filter(
      (entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'),
    )
    .map((entry) =>
      path.relative(directory, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'),
    )
    .sort(comparePaths);
  const sources = new Map<string, string>();
  for (const file of files) sources.set(file, await readFile(path.join(directory, file), 'utf8'));
  return sources;
}

/** Reads the runtime that is copied into every generated server: relative POSIX path → contents. */
export function loadRuntime(): Promise<ReadonlyMap<string, string>> {
  return loadSources(RUNTIME_DIR);
}

/**
 * Reads the static part of the generated client (`templates/client/`), copied into every
 * generated server's `client/src/`: relative POSIX path → contents.
 */
export function loadClientTemplates(): Promise<ReadonlyMap<string, string>> {
  return loadSources(CLIENT_DIR);
}

const PROJECT_DIR = path.join(PACKAGE_ROOT, 'templates', 'project');

/** A compiled `templates/project/*.hbs` file: renders its context to text. */
export type ProjectTemplate = (context: object) => string;

/** The fixed-shape text files of a generated server, as handlebars templates. */
export interface ProjectTemplates {
  readonly packageJson: ProjectTemplate;
  readonly tsconfig: ProjectTemplate;
  readonly gitignore: ProjectTemplate;
  readonly main: ProjectTemplate;
  readonly readme: ProjectTemplate;
}

const PROJECT_FILES: Readonly<Record<keyof ProjectTemplates, string>> = {
  packageJson: 'package.json.hbs',
  tsconfig: 'tsconfig.json.hbs',
  gitignore: 'gitignore.hbs',
  main: 'main.ts.hbs',
  readme: 'README.md.hbs',
};

let projectTemplates: Promise<ProjectTemplates> | undefined;

async function compileProjectTemplates(): Promise<ProjectTemplates> {
  // A handlebars environment of our own: its helpers do not leak into (or from) other users of the package.
  const handlebars = Handlebars.create();
  handlebars.registerHelper('json', (value: unknown) => JSON.stringify(value));
  const compiled: Partial<Record<keyof ProjectTemplates, ProjectTemplate>> = {};
  for (const [name, file] of Object.entries(PROJECT_FILES) as [keyof ProjectTemplates, string][]) {
    const source = await readFile(path.join(PROJECT_DIR, file), 'utf8');
    // Not HTML: nothing is escaped. Strict: a variable the context lacks is an error, not an empty string.
    const template = handlebars.compile(source, { noEscape: true, strict: true });
    compiled[name] = (context) => template(context);
  }
  return compiled as ProjectTemplates;
}

/** The project templates, read and compiled once per process. */
export function loadProjectTemplates(): Promise<ProjectTemplates> {
  projectTemplates ??= compileProjectTemplates();
  return projectTemplates;
}
