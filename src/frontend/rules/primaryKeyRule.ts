import type { FieldDefinitionNode } from 'graphql';
import type { Rule } from '../context.js';
import { fieldsOf, findDirective, isRelationship } from '../ast.js';

/** A `@table` type marks exactly one stored field with `@primaryKey`. */
export const primaryKeyRule: Rule = (context) => {
  for (const type of context.schema.tables) {
    const typeName = type.name.value;
    let first: FieldDefinitionNode | undefined;
    for (const field of fieldsOf(type)) {
      const directive = findDirective(field, 'primaryKey');
      // A relationship marked @primaryKey is the relationship-field-directives rule's to report.
      if (directive === undefined || isRelationship(field)) continue;
      if (first === undefined) {
        first = field;
        continue;
      }
      context.report(
        directive,
        `Type "${typeName}" has a second @primaryKey on "${field.name.value}" (the first is on "${first.name.value}" at ${context.locate(first.name)}); a table has exactly one primary key, remove one @primaryKey`,
      );
    }
    if (first === undefined) {
      context.report(
        type.name,
        `Type "${typeName}" is a @table but has no @primaryKey; mark one field with @primaryKey`,
      );
    }
  }
};
