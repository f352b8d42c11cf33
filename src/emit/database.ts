import { StructureKind } from 'ts-morph';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { docs, printSourceFile, typeImport } from './ts.js';

/**
 * `src/database.ts`: the `Database` interface, one typed `Table` per table. The hooks in
 * `src/hooks/` are written against it, so a schema change that breaks one fails to compile.
 */
export function emitDatabaseModule(schema: SchemaMeta, header: string): string {
  const computed = schema.tables
    .map((table) => ({
      table,
      names: table.attributes.filter((a) => a.computed !== undefined).map(({ name }) => name),
    }))
    .filter(({ names }) => names.length > 0);
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
      ...(computed.length === 0
        ? []
        : [
            {
              kind: StructureKind.Interface as const,
              name: 'Computed',
              isExported: true,
              docs: docs(
                "Each table's `@computed` attributes: `src/computed.ts` gives a function for each,",
                'and `defineComputed<Database, Computed>` checks that none is missing.',
              ),
              properties: computed.map(({ table, names }) => ({
                name: table.name,
                isReadonly: true,
                type: names.map((name) => `'${name}'`).join(' | '),
              })),
            },
          ]),
    ],
  );
}
