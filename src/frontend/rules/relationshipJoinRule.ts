import type { FieldDefinitionNode, ObjectTypeDefinitionNode } from 'graphql';
import type { Rule, RuleContext } from '../context.js';
import { fieldType, fieldsOf, isRelationship } from '../ast.js';
import { isScalarName, keyFamily } from '../dialect.js';
import {
  describe,
  relationshipFields,
  type NamedSide,
  type RelationshipField,
} from '../relationships.js';
import { didYouMean } from '../suggest.js';

/**
 * `@relationship(from: a, to: b)` joins two stored attributes, `a` of this table and `b` of the
 * target, each a scalar (or a list of one) of one family: text with text, numbers with numbers.
 */
export const relationshipJoinRule: Rule = (context) => {
  for (const relationship of relationshipFields(context.schema)) {
    const { from, to, target } = relationship;
    // A missing target is the relationship-target rule's to report.
    if (from === undefined || to === undefined || target === undefined) continue;
    const local = side(context, relationship, from, relationship.type, 'from');
    const remote = side(context, relationship, to, target, 'to');
    if (local === undefined || remote === undefined) continue;
    if (local.family !== remote.family && local.family !== 'any' && remote.family !== 'any') {
      context.report(
        to.node,
        `${describe(relationship)} joins "${relationship.type.name.value}.${from.name}" (${local.scalar}) with "${target.name.value}.${to.name}" (${remote.scalar}), whose values never equal each other; give them types of one kind (text or numbers)`,
      );
    }
  }
};

/** The scalar and its family of one side's attribute, or undefined after reporting why it cannot join. */
function side(
  context: RuleContext,
  relationship: RelationshipField,
  named: NamedSide,
  owner: ObjectTypeDefinitionNode,
  which: 'from' | 'to',
): { readonly scalar: string; readonly family: 'text' | 'number' | 'any' } | undefined {
  const ownerName = owner.name.value;
  const prefix = `@relationship(${which}: ${named.name}) on ${describe(relationship)}`;
  const attribute: FieldDefinitionNode | undefined = context.schema.field(owner, named.name);
  if (attribute === undefined) {
    const stored = fieldsOf(owner)
      .filter((field) => !isRelationship(field))
      .map((field) => field.name.value);
    const hint =
      didYouMean(named.name, stored) ?? `declare "${named.name}" on "${ownerName}" to join on`;
    context.report(named.node, `${prefix} names no attribute of "${ownerName}"; ${hint}`);
    return undefined;
  }
  if (isRelationship(attribute)) {
    context.report(
      named.node,
      `${prefix} names "${ownerName}.${named.name}", which is itself a relationship; name a stored attribute`,
    );
    return undefined;
  }
  const scalar = fieldType(attribute.type).named.name.value;
  const family = isScalarName(scalar) ? keyFamily(scalar) : null;
  if (family === null) {
    context.report(
      named.node,
      `${prefix} names "${ownerName}.${named.name}" of type ${scalar}, whose values cannot be joined on; join on ID, String, Int, Long, Float or Any attributes`,
    );
    return undefined;
  }
  return { scalar, family };
}
