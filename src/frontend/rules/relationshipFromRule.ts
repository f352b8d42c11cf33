import type { Rule } from '../context.js';
import { fieldType, fieldsOf, isRelationship } from '../ast.js';
import { describe, relationshipFields } from '../relationships.js';
import { didYouMean } from '../suggest.js';

/** `from:` names a stored attribute of the same table, a list of keys exactly when the relationship is a list. */
export const relationshipFromRule: Rule = (context) => {
  for (const relationship of relationshipFields(context.schema)) {
    const { from, type, targetName } = relationship;
    // With both sides given, the relationship-arguments rule asks to keep one; checking either would guess.
    if (from === undefined || relationship.to !== undefined) continue;
    const typeName = type.name.value;
    const prefix = `@relationship(from: ${from.name}) on ${describe(relationship)}`;
    const attribute = context.schema.field(type, from.name);
    if (attribute === undefined) {
      const stored = fieldsOf(type)
        .filter((field) => !isRelationship(field))
        .map((field) => field.name.value);
      const hint =
        didYouMean(from.name, stored) ??
        `declare "${from.name}" on "${typeName}" to hold the ${targetName} key`;
      context.report(from.node, `${prefix} names no attribute of "${typeName}"; ${hint}`);
      continue;
    }
    if (isRelationship(attribute)) {
      context.report(
        from.node,
        `${prefix} names "${typeName}.${from.name}", which is itself a relationship; from: must name a stored attribute that holds the key`,
      );
      continue;
    }
    const keysAreList = fieldType(attribute.type).list;
    if (relationship.list && !keysAreList) {
      context.report(
        from.node,
        `${describe(relationship)} is a list, but its from: attribute "${from.name}" holds a single key; for many-to-many declare "${from.name}" as a list of keys (like [ID]), or make the relationship a single ${targetName}`,
      );
    } else if (!relationship.list && keysAreList) {
      context.report(
        from.node,
        `${describe(relationship)} is a single ${targetName}, but its from: attribute "${from.name}" is a list of keys; make the relationship a list ([${targetName}]) for many-to-many, or make "${from.name}" a single key`,
      );
    }
  }
};
