import { StructureKind, VariableDeclarationKind, Writers } from 'ts-morph';
import type { ImportDeclarationStructure } from 'ts-morph';
import type { SchemaMeta, TableMeta } from '../../templates/runtime/meta.js';
import { GITIGNORE_BEGIN, GITIGNORE_END } from '../output/projectFiles.js';
import type { ProjectTemplate, ProjectTemplates } from '../templates.js';
import type { FileMap, FormatShape, OutputFile } from './fileMap.js';
import { COMPUTED_PATH, emitComputedScaffold, hasComputed } from './computed.js';
import {
  clientTemplate,
  emitClientIndex,
  emitClientPackageJson,
  emitClientSchema,
  emitClientTsconfig,
  emitServerQueries,
} from './client.js';
import { emitDatabaseModule } from './database.js';
import { generatedHeader, RUNTIME_HEADER } from './header.js';
import { emitHooksIndex, emitHooksScaffold, hooksPath, hooksScaffoldShape } from './hooks.js';
import { emitOpenApi } from './openapi.js';
import { emitReadme } from './readme.js';
import { docs, literal, printSourceFile, typeImport } from './ts.js';
import { emitObjectTypeModule, emitTableModule } from './types.js';

export interface ConfigVariable {
  readonly name: string;
  readonly default: string;
  readonly description: string;
}

export interface EmitOptions {
  /** Base names of the schema files, sorted; named in every file's header. */
  readonly sources: readonly string[];
  /** The runtime's files (path relative to `templates/runtime/` → contents), copied unchanged. */
  readonly runtime: ReadonlyMap<string, string>;
  /** The client's static files (path relative to `templates/client/` → contents). */
  readonly client: ReadonlyMap<string, string>;
  /** Pinned versions of the generated server's dependencies, by package name. */
  readonly versions: Readonly<Record<string, string>>;
  /** The generated package's name. */
  readonly packageName: string;
  /** The environment variables the runtime reads, for the README. */
  readonly configVariables: readonly ConfigVariable[];
  /** The compiled `templates/project/*.hbs`. */
  readonly templates: ProjectTemplates;
  /** Scaffold files the user deleted after an earlier generation created them: those tables have no hooks. */
  readonly deletedScaffolds?: ReadonlySet<string>;
}

const RUNTIME_DEPENDENCIES = [
  'cbor-x',
  'jose',
  'lmdb',
  'msgpackr',
  'pg',
  'pino',
  'pino-pretty',
  'prom-client',
  'ws',
] as const;
const DEV_DEPENDENCIES = ['@types/node', '@types/pg', '@types/ws', 'typescript'] as const;

function pinned(
  names: readonly string[],
  versions: Readonly<Record<string, string>>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of names) {
    const version = versions[name];
    if (version === undefined)
      throw new Error(`no pinned version for the generated server's dependency ${name}`);
    result[name] = version;
  }
  return result;
}

/** JSON in the one stable format of the project files (`src/output/projectFiles.ts` prints the same). */
function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** A project template that must render JSON, re-printed in the stable format. */
function renderJson(template: ProjectTemplate, context: object, file: string): string {
  const text = template(context);
  try {
    return json(JSON.parse(text));
  } catch (error) {
    throw new Error(
      `templates/project: ${file} did not render valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

function emitPackageJson(options: EmitOptions): string {
  return renderJson(
    options.templates.packageJson,
    {
      packageName: options.packageName,
      dependencies: pinned(RUNTIME_DEPENDENCIES, options.versions),
      devDependencies: pinned(DEV_DEPENDENCIES, options.versions),
    },
    'package.json',
  );
}

/** `src/verify.ts`: `npm run verify [dataDir]` checks the store's indexes against its records. */
function emitVerify(header: string): string {
  return `${header}
import { runVerify } from './runtime/verify.js';
import { schema } from './schema.js';

process.exitCode = await runVerify(schema, process.argv.slice(2), process.env);
`;
}

/**
 * `src/convert.ts`: `npm run convert -- <Table>.<attribute> [--clear]` converts stored values that
 * an attribute's type change left behind (contract section 11).
 */
function emitConvert(header: string): string {
  return `${header}
import { runConvert } from './runtime/storedTypes.js';
import { schema } from './schema.js';

process.exitCode = await runConvert(schema, process.argv.slice(2), process.env);
`;
}

/** `src/backup.ts` and `src/restore.ts`: `npm run backup -- <file>`, `npm run restore -- <file>`. */
function emitBackupCommand(header: string, command: 'runBackup' | 'runRestore'): string {
  return `${header}
import { ${command} } from './runtime/backup.js';
import { schema } from './schema.js';

process.exitCode = ${command === 'runBackup' ? 'await ' : ''}${command}(schema, process.argv.slice(2), process.env);
`;
}

/** The user's roles file, relative to the output directory (contract section 12). */
export const ROLES_PATH = 'src/roles.ts';

/**
 * `src/users.ts`: `npm run users -- …` manages the server's users. Without a roles file (the user
 * deleted it) the server's default roles apply: the super user role `admin` alone.
 */
function emitUsers(header: string, roles: boolean): string {
  return `${header}
import { runUsersCommand } from './runtime/auth/cli.js';
${roles ? "import roles from './roles.js';\n" : ''}import { schema } from './schema.js';

process.exitCode = await runUsersCommand(schema, ${roles ? 'roles' : "{ superUser: 'admin', roles: {} }"}, process.argv.slice(2), process.env);
`;
}

/**
 * `src/roles.ts` (scaffold): created once, then the user's. A typed, commented starting point:
 * the super user role, and an example role on the schema's first exported table.
 */
export function emitRolesScaffold(schema: SchemaMeta): string {
  const table =
    schema.tables.find((candidate) => candidate.exportName !== null) ?? schema.tables[0];
  const example =
    table === undefined
      ? ''
      : `    // A role whose users may read every ${table.name} record and change none:
    // reader: { tables: { ${table.name}: { read: true } } },
`;
  return `/**
 * Who may do what on this server (the README's "Users and roles"). codegen created this file once
 * and never changes it again: edit it freely. It is type-checked against the schema, so a rule
 * that uses a table or attribute the schema no longer has fails \`npm run build\`.
 *
 * - \`superUser\`: the role whose users may do everything, managing users included.
 * - \`anonymous\`: the role of requests without credentials. Without it such requests get 401,
 *   except those from this machine while AUTHORIZE_LOCAL is on (the default when HOST is a
 *   loopback address), which act as the super user.
 * - \`roles\`: per role and table, \`read\`, \`create\`, \`update\` and \`delete\`, each \`true\` or a
 *   row rule \`(record, user) => boolean\` (user is null without credentials), and
 *   \`attributes: { name: { read: false, write: false } }\`. What a role does not grant, it does
 *   not have: a table it does not name is neither readable nor writable.
 *
 * Users: \`npm run users -- add <name> --role <role>\` (the password is read from the terminal or
 * standard input), or \`POST /auth/users\` as the super user.
 */
import type { Database } from './database.js';
import { defineRoles } from './runtime/auth/roles.js';

export default defineRoles<Database>({
  superUser: 'admin',
  roles: {
${example}  },
});
`;
}

/** `src/schema.ts`: the whole schema's metadata, assembled from the per-type modules. */
function emitSchemaModule(schema: SchemaMeta, header: string): string {
  const metaImport = (name: string, from: string): ImportDeclarationStructure => ({
    kind: StructureKind.ImportDeclaration,
    namedImports: [{ name: 'meta', alias: `${name}Meta` }],
    moduleSpecifier: from,
  });
  const list = (names: readonly { readonly name: string }[]): string =>
    `[${names.map(({ name }) => `${name}Meta`).join(', ')}]`;
  return printSourceFile(
    header,
    [
      typeImport(['SchemaMeta'], './runtime/meta.js'),
      ...schema.tables.map((table) => metaImport(table.name, `./tables/${table.name}.js`)),
      ...schema.objectTypes.map((type) => metaImport(type.name, `./types/${type.name}.js`)),
    ],
    [
      {
        kind: StructureKind.VariableStatement,
        isExported: true,
        declarationKind: VariableDeclarationKind.Const,
        docs: docs('Every table and nested type of the schema; the runtime is driven by this.'),
        declarations: [
          {
            name: 'schema',
            type: 'SchemaMeta',
            initializer: Writers.object({
              tables: list(schema.tables),
              objectTypes: list(schema.objectTypes),
            }),
          },
        ],
      },
    ],
  );
}

function tableMetaLiteral(table: TableMeta): string {
  return literal(table);
}

/**
 * The typed client in `client/` (contract section 14): a package of its own. Its static files and
 * the query builder (the server's own `query/builder.ts`) are copied; the rest is generated.
 */
function emitClient(
  schema: SchemaMeta,
  options: EmitOptions,
  header: string,
  add: (path: string, contents: string, verbatim?: boolean) => void,
): void {
  // Verbatim: JSON.stringify's layout is how prettier prints a package.json.
  add(
    'client/package.json',
    emitClientPackageJson(
      options.packageName,
      pinned(['typescript'], options.versions)['typescript']!,
    ),
    true,
  );
  add('client/tsconfig.json', emitClientTsconfig());
  const builder = options.runtime.get('query/builder.ts');
  if (builder === undefined) throw new Error('templates/runtime/query/builder.ts is missing');
  add('client/src/builder.ts', RUNTIME_HEADER + builder, true);
  for (const [path, contents] of options.client)
    add(`client/src/${path}`, RUNTIME_HEADER + clientTemplate(path, contents), true);
  add('client/src/schema.ts', emitClientSchema(schema, header));
  add('client/src/index.ts', emitClientIndex(header));
}

/** Emits every file of a generated server. Pure: the same inputs always give the same files. */
export function emitServer(schema: SchemaMeta, options: EmitOptions): FileMap {
  const header = generatedHeader({ sources: options.sources });
  const files = new Map<string, OutputFile>();
  const add = (path: string, contents: string, verbatim = false): void => {
    files.set(path, { contents, kind: 'generated', verbatim });
  };
  /** The user's files (contract section 10): written when missing, never overwritten. */
  const scaffold = (path: string, contents: string, shape?: FormatShape): void => {
    files.set(
      path,
      shape === undefined ? { contents, kind: 'scaffold' } : { contents, kind: 'scaffold', shape },
    );
  };

  /** A project file shared with the user: this is codegen's part of it (`src/output/projectFiles.ts`). */
  const shared = (path: string, contents: string): void => {
    files.set(path, { contents, kind: 'merged', verbatim: true });
  };

  shared('package.json', emitPackageJson(options));
  shared('tsconfig.json', renderJson(options.templates.tsconfig, {}, 'tsconfig.json'));
  shared('.gitignore', options.templates.gitignore({ begin: GITIGNORE_BEGIN, end: GITIGNORE_END }));
  // Verbatim: the template is written in its final form, and formatting a README of hundreds of
  // tables would cost prettier seconds.
  add('README.md', emitReadme(schema, options), true);
  // Verbatim: JSON.stringify with two-space indentation is already the stable format.
  add('openapi.json', emitOpenApi(schema, { title: options.packageName, version: '0.0.0' }), true);
  const deleted = options.deletedScaffolds ?? new Set<string>();
  const roles = !deleted.has(ROLES_PATH);
  const computed = hasComputed(schema) && !deleted.has(COMPUTED_PATH);
  add('src/main.ts', options.templates.main({ header, roles, computed }));
  add('src/verify.ts', emitVerify(header));
  add('src/convert.ts', emitConvert(header));
  add('src/users.ts', emitUsers(header, roles));
  add('src/backup.ts', emitBackupCommand(header, 'runBackup'));
  add('src/restore.ts', emitBackupCommand(header, 'runRestore'));
  scaffold(ROLES_PATH, emitRolesScaffold(schema));
  if (hasComputed(schema)) scaffold(COMPUTED_PATH, emitComputedScaffold(schema));
  add('src/schema.ts', emitSchemaModule(schema, header));
  add('src/database.ts', emitDatabaseModule(schema, header));
  const hookless = new Set(
    schema.tables.filter((table) => deleted.has(hooksPath(table))).map((table) => table.name),
  );
  add('src/hooks.ts', emitHooksIndex(schema, header, hookless));
  for (const table of schema.tables)
    scaffold(hooksPath(table), emitHooksScaffold(table), hooksScaffoldShape(table));
  for (const table of schema.tables) {
    add(`src/tables/${table.name}.ts`, emitTableModule(table, header, tableMetaLiteral(table)));
  }
  for (const type of schema.objectTypes) {
    add(`src/types/${type.name}.ts`, emitObjectTypeModule(type, header, literal(type)));
  }
  for (const [path, contents] of options.runtime) {
    add(`src/runtime/${path}`, RUNTIME_HEADER + contents, true);
  }
  add('src/queries.ts', emitServerQueries(schema, header));
  emitClient(schema, options, header, add);
  return files;
}
