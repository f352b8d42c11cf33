import { EXACTLY_INDEXED_SCALARS } from '../../../templates/runtime/store/indexValues.js';
import type { Rule } from '../context.js';
import { isScalarName } from '../dialect.js';
import { fieldType, fieldsOf, findDirective, hasDirective, isRelationship } from '../ast.js';

/**
 * `@unique` goes on a stored scalar attribute other than the primary key (which is unique
 * already), and not on a list: no two records may hold the same value, and a list holds several.
 */
export const uniqueAttributesRule: Rule = (context) => {
  for (const type of context.schema.tables) {
    for (const field of fieldsOf(type)) {
      const directive = findDirective(field, 'unique');
      if (directive === undefined) continue;
      const where = `"${type.name.value}.${field.name.value}"`;
      const shape = fieldType(field.type);
      const name = shape.named.name.value;
      if (isRelationship(field)) {
        context.report(
          directive,
          `${where} is a relationship, computed from other records and never stored, so it cannot be @unique; put @unique on the attribute that holds the key`,
        );
      } else if (hasDirective(field, 'primaryKey')) {
        context.report(
          directive,
          `${where} is the primary key, which is unique already; remove @unique`,
        );
      } else if (shape.list) {
        context.report(
          directive,
          `${where} is a list, whose values are several, so it cannot be @unique; make it a single value`,
        );
      } else if (isScalarName(name) && !EXACTLY_INDEXED_SCALARS.has(name)) {
        context.report(
          directive,
          `${where} is ${name}, whose values its index does not tell apart exactly, so it cannot be @unique; use ID, String, Int, Long, Float, Boolean or Date`,
        );
      } else if (context.schema.objectType(name) !== undefined) {
        context.report(
          directive,
          `${where} holds the object type "${name}", which cannot be compared for uniqueness; put @unique on a scalar attribute`,
        );
      }
    }
  }
};
