import type { Rule } from '../context.js';
import { fieldsOf } from '../ast.js';
import { isReservedAttributeName } from '../reservedNames.js';

/** An attribute name is safe as a property key: not `constructor`, `prototype` or anything starting with `__` (`__proto__` included). */
export const reservedAttributeNamesRule: Rule = (context) => {
  for (const type of context.schema.types) {
    for (const field of fieldsOf(type)) {
      const name = field.name.value;
      if (!isReservedAttributeName(name)) continue;
      context.report(
        field.name,
        `Attribute name "${name}" on "${type.name.value}" is reserved (JavaScript objects use it internally, and GraphQL reserves names starting with "__"); rename the field`,
      );
    }
  }
};
