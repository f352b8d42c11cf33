import type { Rule } from '../context.js';
import { fieldType, fieldsOf, findDirective, isRelationship } from '../ast.js';
import { isScalarName, TIME_SCALARS } from '../dialect.js';
import { oneOf } from '../text.js';

/** `@createdTime` / `@updatedTime` go on a single attribute whose type can hold a time, and not both on one. */
export const timestampsRule: Rule = (context) => {
  for (const type of context.schema.tables) {
    for (const field of fieldsOf(type)) {
      const created = findDirective(field, 'createdTime');
      const updated = findDirective(field, 'updatedTime');
      const directive = created ?? updated;
      // Relationship fields are the relationship-field-directives rule's to report.
      if (directive === undefined || isRelationship(field)) continue;
      const where = `"${type.name.value}.${field.name.value}"`;
      if (created !== undefined && updated !== undefined) {
        context.report(
          updated,
          `${where} has both @createdTime and @updatedTime; use two attributes, one for each`,
        );
      }
      const shape = fieldType(field.type);
      const name = shape.named.name.value;
      const fix = `declare it as one of ${oneOf(TIME_SCALARS)}`;
      if (shape.list) {
        context.report(
          field.type,
          `@${directive.name.value} on ${where} needs a single time, not a list; ${fix}`,
        );
      } else if (
        isScalarName(name)
          ? !TIME_SCALARS.includes(name)
          : context.schema.objectType(name) !== undefined || context.schema.enums.has(name)
      ) {
        context.report(
          field.type,
          `@${directive.name.value} on ${where} cannot hold a time in type "${name}"; ${fix}`,
        );
      }
    }
  }
};
