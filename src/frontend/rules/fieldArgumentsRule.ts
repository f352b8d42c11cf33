import type { Rule } from '../context.js';
import { fieldsOf } from '../ast.js';

/** Fields take no arguments: an attribute is stored data, not a resolver. */
export const fieldArgumentsRule: Rule = (context) => {
  for (const type of context.schema.types) {
    for (const field of fieldsOf(type)) {
      const first = field.arguments?.[0];
      if (first === undefined) continue;
      context.report(
        first,
        `Field "${type.name.value}.${field.name.value}" has arguments, which are not supported (an attribute is stored data, not a resolver); remove "(${first.name.value}: ...)"`,
      );
    }
  }
};
