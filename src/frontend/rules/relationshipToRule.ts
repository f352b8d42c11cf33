import type { Rule } from '../context.js';
import { fieldsOf, isRelationship } from '../ast.js';
import { describe, relationshipFields } from '../relationships.js';
import { didYouMean } from '../suggest.js';

/** `to:` sits on a list field and names a stored attribute of the target table. */
export const relationshipToRule: Rule = (context) => {
  for (const relationship of relationshipFields(context.schema)) {
    const { to, target, targetName } = relationship;
    // With both sides given, the relationship-arguments rule asks to keep one; checking either would guess.
    if (to === undefined || relationship.from !== undefined) continue;
    const typeName = relationship.type.name.value;
    const prefix = `@relationship(to: ${to.name}) on ${describe(relationship)}`;
    if (!relationship.list) {
      context.report(
        relationship.field.type,
        `${prefix} is one-to-many, so the field must be a list: [${targetName}]; to link a single ${targetName}, use from: <attribute of ${typeName} holding its key>`,
      );
    }
    // A target that is not a table is the relationship-target rule's to report.
    if (target === undefined) continue;
    const attribute = context.schema.field(target, to.name);
    if (attribute === undefined) {
      const stored = fieldsOf(target)
        .filter((field) => !isRelationship(field))
        .map((field) => field.name.value);
      const hint =
        didYouMean(to.name, stored) ??
        `declare "${to.name}" on "${targetName}" to hold the ${typeName} key`;
      context.report(to.node, `${prefix} names no attribute of "${targetName}"; ${hint}`);
    } else if (isRelationship(attribute)) {
      context.report(
        to.node,
        `${prefix} names "${targetName}.${to.name}", which is itself a relationship; to: must name a stored attribute of "${targetName}" that holds the ${typeName} key`,
      );
    }
  }
};
