import { Kind } from 'graphql';
import type { Rule } from '../context.js';
import { fieldType, findArgument } from '../ast.js';
import { describe, relationshipFields } from '../relationships.js';

/**
 * `onDelete:` sits on a relationship whose `from:` holds the related record's key (only then does
 * deleting that record leave something pointing at nothing), and `SET_NULL` needs a `from:`
 * attribute that may be null.
 */
export const referentialActionsRule: Rule = (context) => {
  for (const relationship of relationshipFields(context.schema)) {
    const argument = findArgument(relationship.directive, 'onDelete');
    if (argument === undefined) continue;
    const { from, to, type, targetName } = relationship;
    if (from === undefined && to !== undefined) {
      context.report(
        argument,
        `onDelete: on ${describe(relationship)} acts on records that hold a deleted ${targetName}'s key, but with to: the ${targetName} records hold this one's; put onDelete: on the relationship of "${targetName}" whose from: holds the "${type.name.value}" key`,
      );
      continue;
    }
    if (from !== undefined && to !== undefined) {
      context.report(
        argument,
        `onDelete: on ${describe(relationship)} needs the related record's key in from:, but a join of from: and to: holds no key; remove onDelete:, or link by from: alone`,
      );
      continue;
    }
    // Neither side: the relationship-arguments rule says so.
    if (from === undefined) continue;
    const action =
      argument.value.kind === Kind.STRING || argument.value.kind === Kind.ENUM
        ? argument.value.value
        : undefined;
    if (action !== 'SET_NULL') continue;
    const attribute = context.schema.field(type, from.name);
    if (attribute === undefined) continue;
    const shape = fieldType(attribute.type);
    if (shape.nonNull && !shape.list) {
      context.report(
        argument.value,
        `onDelete: SET_NULL on ${describe(relationship)} would set "${type.name.value}.${from.name}" to null, but it is non-null; make it nullable, or use RESTRICT or CASCADE`,
      );
    }
  }
};
