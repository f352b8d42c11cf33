import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { docComment } from './ts.js';

/**
 * `src/database.ts`: the `Database` interface, one typed `Table` per table. The hooks in
 * `src/hooks/` are written against it, so a schema change that breaks one fails to compile.
 */
export function emitDatabaseModule(schema: SchemaMeta, header: string): string {
  const imports = schema.tables.map(
    (table) => `import type { ${table.name}, New${table.name}, ${table.name}Patch } from './tables/${table.name}.js';`,
  );
  const members = schema.tables.map(
    (table) =>
      `${docComment([`The \`${table.name}\` table: its records, create bodies and patches.`])}` +
      `readonly ${table.name}: Table<${table.name}, New${table.name}, ${table.name}Patch>;`,
  );
  return `${header}
import type { Table } from './runtime/table.js';
${imports.join('\n')}

${docComment([
  'Every table of the schema, typed. Hooks (`src/hooks/`) are typed against it: `context.tables`',
  'gives each table by this name, and `defineHooks<Database, Name>` checks a table exists.',
])}export interface Database {
${members.join('\n')}
}
`;
}
