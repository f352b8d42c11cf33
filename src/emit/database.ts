import { StructureKind } from 'ts-morph';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { docs, printSourceFile, typeImport } from './ts.js';

/**
 * `src/database.ts`: the `Database` interface, one typed `Table` per table. The hooks in
 * `src/hooks/` are written against it, so a schema change that breaks one fails to compile.
 */
export function emitDatabaseModule(schema: SchemaMeta, header: string): string {
  return printSourceFile(
    header,
    [
      typeImport(['Descriptors'], './queries.js'),
      typeImport(['Table'], './runtime/table.js'),
      ...schema.tables.map((table) =>
        typeImport(
          [table.name, `New${table.name}`, `${table.name}Patch`],
          `./tables/${table.name}.js`,
        ),
      ),
    ],
    [
      {
        kind: StructureKind.Interface,
        name: 'Database',
        isExported: true,
        docs: docs(
          'Every table of the schema, typed. Hooks (`src/hooks/`) are typed against it: `context.tables`',
          'gives each table by this name, and `defineHooks<Database, Name>` checks a table exists.',
        ),
        properties: schema.tables.map((table) => ({
          name: table.name,
          isReadonly: true,
          type: `Table<${table.name}, New${table.name}, ${table.name}Patch, Descriptors['${table.name}']>`,
          docs: docs(
            `The \`${table.name}\` table: its records, create bodies, patches and query descriptor.`,
          ),
        })),
      },
    ],
  );
}
