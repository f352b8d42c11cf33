import type { Rule } from '../context.js';
import { fieldType, fieldsOf, findDirective, hasDirective, isRelationship } from '../ast.js';

/** `@indexed` goes on stored scalar attributes other than the primary key (which keys the table already). */
export const indexedAttributesRule: Rule = (context) => {
  for (const type of context.schema.tables) {
    for (const field of fieldsOf(type)) {
      const directive = findDirective(field, 'indexed');
      // Relationship fields are the relationship-field-directives rule's to report.
      if (directive === undefined || isRelationship(field)) continue;
      const where = `"${type.name.value}.${field.name.value}"`;
      if (hasDirective(field, 'primaryKey')) {
        context.report(
          directive,
          `${where} is the primary key, which the table is already keyed by; remove @indexed`,
        );
        continue;
      }
      const name = fieldType(field.type).named.name.value;
      if (context.schema.objectType(name) !== undefined) {
        context.report(
          directive,
          `${where} holds the object type "${name}", whose values cannot be index keys; index a scalar attribute instead`,
        );
      }
    }
  }
};
