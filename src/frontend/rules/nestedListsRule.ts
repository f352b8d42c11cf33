import type { Rule } from '../context.js';
import { fieldType, fieldsOf } from '../ast.js';

/** A field is at most one list deep (`[T]`), the shape that attributes, indexes and validation know. */
export const nestedListsRule: Rule = (context) => {
  for (const type of context.schema.types) {
    for (const field of fieldsOf(type)) {
      if (fieldType(field.type).listDepth <= 1) continue;
      context.report(
        field.type,
        `Field "${type.name.value}.${field.name.value}" is a list of lists, which is not supported; use a list of a plain object type that holds the inner list, or Any`,
      );
    }
  }
};
