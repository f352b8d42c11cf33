import { StructureKind, VariableDeclarationKind, Writers } from 'ts-morph';
import type { ImportDeclarationStructure } from 'ts-morph';
import type { SchemaMeta, TableMeta } from '../../templates/runtime/meta.js';
import type { FormatShape } from './fileMap.js';
import { docs, printSourceFile, typeImport } from './ts.js';

/** The user's hooks file of a table, relative to the output directory. */
export function hooksPath(table: TableMeta): string {
  return `src/hooks/${table.name}.ts`;
}

/**
 * `src/hooks.ts` (generated): gathers the tables' hooks files so that `main.ts` can hand them to
 * the server. Typed as `Hooks<Database>`, so hooks that no longer fit the schema fail to compile.
 * A table in `hookless` (its hooks file was deleted by the user) has no hooks, and no import.
 */
export function emitHooksIndex(
  schema: SchemaMeta,
  header: string,
  hookless: ReadonlySet<string> = new Set(),
): string {
  const tables = schema.tables.filter((table) => !hookless.has(table.name));
  const members: Record<string, string> = {};
  for (const table of tables) members[table.name] = `${table.name}Hooks`;
  return printSourceFile(
    header,
    [
      typeImport(['Database'], './database.js'),
      typeImport(['Hooks'], './runtime/hooks.js'),
      ...tables.map((table): ImportDeclarationStructure => ({
        kind: StructureKind.ImportDeclaration,
        defaultImport: `${table.name}Hooks`,
        moduleSpecifier: `./hooks/${table.name}.js`,
      })),
    ],
    [
      {
        kind: StructureKind.VariableStatement,
        isExported: true,
        declarationKind: VariableDeclarationKind.Const,
        docs: docs(
          "Every table's hooks, from `src/hooks/<Table>.ts`: those files are yours to edit, and codegen",
          'never changes them once created. A table whose file you deleted has no hooks.',
        ),
        declarations: [
          {
            name: 'hooks',
            type: 'Hooks<Database>',
            initializer: Writers.object(members),
          },
        ],
      },
    ],
  );
}

/**
 * The scaffold of `table` as a template (see FormatShape): the scaffold of a table whose name and
 * export name are placeholders of their lengths. The table's name and export name are the only things
 * of the table the scaffold shows, so every table with names of the same lengths has the same shape;
 * a schema's scaffolds are formatted a few times instead of once per table.
 */
export function hooksScaffoldShape(table: TableMeta): FormatShape {
  // Letters the scaffold's own text does not contain (src/format/format.ts checks that it does not).
  const name = 'Q'.repeat(table.name.length);
  const exportName = table.exportName === null ? null : 'J'.repeat(table.exportName.length);
  return {
    key: `hooks scaffold: name ${name.length}, export name ${exportName?.length ?? 'none'}`,
    text: emitHooksScaffold({ ...table, name, exportName }),
    holes: [
      [name, table.name],
      ...(exportName === null ? [] : [[exportName, table.exportName!] as const]),
    ],
  };
}

/**
 * `src/hooks/<Table>.ts` (scaffold): created once, then the user's. A typed, commented starting
 * point: every hook is shown, none is active.
 */
export function emitHooksScaffold(table: TableMeta): string {
  const url = table.exportName === null ? null : `/${table.exportName}`;
  const routeExample =
    url === null
      ? `//   { method: 'GET', path: '/reports/${table.name}-count', handler: async (_request, { tables }) => (await tables.${table.name}.search()).length },`
      : `//   { method: 'GET', path: 'count', handler: async (_request, { tables }) => (await tables.${table.name}.search()).length },`;
  const routeLine =
    url === null
      ? ` * - \`routes\`: custom endpoints. ${table.name} is not exported, so give them absolute paths`
      : ` * - \`routes\`: custom endpoints. A relative path is under ${url}/ ('count' serves GET ${url}/count),`;
  const routeLine2 =
    url === null
      ? ` *   ('/reports/count' serves GET /reports/count).`
      : ` *   an absolute one ('/reports/count') is served as it is.`;
  return `/**
 * Your own code for the \`${table.name}\` table. codegen created this file once and never changes it
 * again (regenerating after a schema change leaves it as it is): edit it freely. It is type-checked
 * against the schema, so a hook that uses an attribute the schema no longer has fails \`npm run build\`.
 *
 * - \`beforeWrite(record, { method, previous, tables })\`: runs inside the write's transaction, after
 *   validation, for every POST, PUT and PATCH (for PATCH, \`record\` is the merged record). Return a
 *   changed record to store that instead (it is validated again), or \`refuse(status, message)\`:
 *   nothing is written. It may be async and await anything; if another write changes what it read
 *   before the write commits, the whole write runs again (so leave what cannot be done twice to
 *   afterCommit).
 * - \`beforeDelete(previous, { tables })\`: before a record is deleted; \`refuse(...)\` keeps it.
 * - \`afterCommit(change, { tables, write })\`: after the write is durable, once per changed record;
 *   it cannot change the answer (what it throws is logged). It may be async.
${routeLine}
${routeLine2}
 *
 * \`tables\` gives every table (\`await tables.${table.name}.get(key)\`, \`.search('attr=lt=10&limit(5)')\`,
 * \`.create\`, \`.put\`, \`.patch\`, \`.delete\`, all asynchronous: await them); inside beforeWrite and
 * beforeDelete it is bound to the same transaction, so reads see its writes and writes commit or
 * roll back with it.
 * \`refuse\` and \`reply\` come from '../runtime/hooks.js'.
 */
import type { Database } from '../database.js';
import { defineHooks } from '../runtime/hooks.js';

export default defineHooks<Database, '${table.name}'>({
  // A parameter you do not use fails the build (noUnusedParameters): leave it out or name it _x.
  // beforeWrite(record, { method }) {
  //   return method === 'POST' ? record : undefined;
  // },
  // beforeDelete(previous) {
  //   console.log('deleting', previous);
  // },
  // async afterCommit(change, { tables }) {
  //   console.log(change.type, change.key, await tables.${table.name}.get(change.key));
  // },
  // routes: [
  ${routeExample}
  // ],
});
`;
}
