import type { Rule } from '../context.js';
import { fieldType, fieldsOf, isRelationship } from '../ast.js';

/** A field whose type is a table links records through `@relationship`; records of a table are never stored inside other records. */
export const embeddedTablesRule: Rule = (context) => {
  for (const type of context.schema.types) {
    for (const field of fieldsOf(type)) {
      if (isRelationship(field)) continue;
      const named = fieldType(field.type).named;
      const target = named.name.value;
      if (context.schema.table(target) === undefined) continue;
      context.report(
        named,
        `Field "${type.name.value}.${field.name.value}" has the table type "${target}" but no @relationship; add @relationship(from: <attribute holding the ${target} key>), or use a plain object type to store the value inside the record`,
      );
    }
  }
};
