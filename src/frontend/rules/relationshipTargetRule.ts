import type { Rule } from '../context.js';
import { fieldType, fieldsOf, isRelationship } from '../ast.js';
import { isScalarName } from '../dialect.js';

/** A relationship field's type is the related `@table` type (or a list of it). */
export const relationshipTargetRule: Rule = (context) => {
  for (const type of context.schema.tables) {
    for (const field of fieldsOf(type)) {
      if (!isRelationship(field)) continue;
      const named = fieldType(field.type).named;
      const target = named.name.value;
      const where = `Relationship "${type.name.value}.${field.name.value}"`;
      if (isScalarName(target)) {
        context.report(
          named,
          `${where} has the scalar type "${target}"; its type must be the related table, like "User" or "[User]"`,
        );
        continue;
      }
      const targetType = context.schema.objectType(target);
      // Unknown names are the known-types rule's to report.
      if (targetType === undefined || context.schema.table(target) !== undefined) continue;
      context.report(
        named,
        `${where} points to "${target}", which is not a @table; add @table (and a @primaryKey) to "${target}", or remove @relationship`,
      );
    }
  }
};
