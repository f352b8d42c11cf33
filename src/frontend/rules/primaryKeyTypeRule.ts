import type { Rule } from '../context.js';
import { fieldType, fieldsOf, hasDirective, isRelationship } from '../ast.js';
import { isScalarName, KEY_SCALARS } from '../dialect.js';
import { oneOf } from '../text.js';

const ALLOWED = oneOf(KEY_SCALARS);

/** A primary key is a single value of a scalar that keys can be made of: ID, String, Int, Long or Float. */
export const primaryKeyTypeRule: Rule = (context) => {
  for (const type of context.schema.tables) {
    for (const field of fieldsOf(type)) {
      // A relationship as primary key is reported by the relationship-field-directives rule.
      if (!hasDirective(field, 'primaryKey') || isRelationship(field)) continue;
      const shape = fieldType(field.type);
      const name = shape.named.name.value;
      const where = `Primary key "${type.name.value}.${field.name.value}"`;
      if (shape.list) {
        context.report(field.type, `${where} is a list; a key must be a single ${ALLOWED}`);
      } else if (isScalarName(name) && !KEY_SCALARS.includes(name)) {
        context.report(
          field.type,
          `${where} has type "${name}", which cannot be a key; use ${ALLOWED}`,
        );
      } else if (context.schema.objectType(name) !== undefined) {
        context.report(
          field.type,
          `${where} has the object type "${name}", which cannot be a key; use ${ALLOWED}`,
        );
      } else if (context.schema.enums.has(name)) {
        context.report(
          field.type,
          `${where} has the enum type "${name}", which cannot be a key; use ${ALLOWED}`,
        );
      }
    }
  }
};
