import type { Rule } from '../context.js';
import { fieldType, fieldsOf, findArgument, findDirective } from '../ast.js';

/**
 * `@relationship` names at least one side of the link: `from:` (this table holds the key), `to:`
 * (the target holds it), or both (two attributes joined, neither a key).
 */
export const relationshipArgumentsRule: Rule = (context) => {
  for (const type of context.schema.tables) {
    for (const field of fieldsOf(type)) {
      const directive = findDirective(field, 'relationship');
      if (directive === undefined) continue;
      const from = findArgument(directive, 'from');
      const to = findArgument(directive, 'to');
      const where = `"${type.name.value}.${field.name.value}"`;
      if (from === undefined && to === undefined) {
        const target = fieldType(field.type).named.name.value;
        context.report(
          directive,
          `@relationship on ${where} needs from: or to:; use from: <attribute of ${type.name.value} holding the ${target} key> or to: <attribute of ${target} holding the ${type.name.value} key>`,
        );
      }
    }
  }
};
