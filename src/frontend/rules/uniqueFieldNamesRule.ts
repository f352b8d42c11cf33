import type { Rule } from '../context.js';
import { fieldsOf } from '../ast.js';
import type { FieldDefinitionNode } from 'graphql';

/** Each field name appears once in its type. */
export const uniqueFieldNamesRule: Rule = (context) => {
  for (const type of context.schema.types) {
    const first = new Map<string, FieldDefinitionNode>();
    for (const field of fieldsOf(type)) {
      const earlier = first.get(field.name.value);
      if (earlier === undefined) {
        first.set(field.name.value, field);
        continue;
      }
      context.report(
        field.name,
        `Field "${type.name.value}.${field.name.value}" is already declared at ${context.locate(earlier.name)}; remove or rename one of them`,
      );
    }
  }
};
