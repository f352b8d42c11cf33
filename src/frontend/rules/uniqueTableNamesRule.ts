import type { ConstDirectiveNode, ObjectTypeDefinitionNode } from 'graphql';
import type { Rule } from '../context.js';
import { findDirective, nameArgument } from '../ast.js';
import { DEFAULT_DATABASE } from '../dialect.js';

/** No two tables are stored under the same database and table name, where their records would mix. */
export const uniqueTableNamesRule: Rule = (context) => {
  const first = new Map<
    string,
    { readonly type: ObjectTypeDefinitionNode; readonly directive: ConstDirectiveNode }
  >();
  // Only the first definition of a name counts: a duplicated type is reported once, by the unique-type-names rule.
  for (const type of context.schema.distinctTypes) {
    const directive = findDirective(type, 'table');
    if (directive === undefined) continue;
    const database = nameArgument(directive, 'database') ?? DEFAULT_DATABASE;
    const tableName = nameArgument(directive, 'table') ?? type.name.value;
    const storage = `${database}.${tableName}`;
    const earlier = first.get(storage);
    if (earlier === undefined) {
      first.set(storage, { type, directive });
      continue;
    }
    context.report(
      directive,
      `Tables "${earlier.type.name.value}" and "${type.name.value}" are both stored as table "${tableName}" in database "${database}" (the first at ${context.locate(earlier.directive)}); give one of them another @table(table: "...")`,
    );
  }
};
