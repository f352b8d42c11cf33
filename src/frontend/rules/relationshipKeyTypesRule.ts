import type { ConstValueNode, FieldDefinitionNode, ObjectTypeDefinitionNode } from 'graphql';
import type { ScalarName } from '../../../templates/runtime/meta.js';
import type { Rule, RuleContext } from '../context.js';
import { fieldType, isRelationship, primaryKeyOf } from '../ast.js';
import { isScalarName, keyFamily } from '../dialect.js';
import { describe, relationshipFields } from '../relationships.js';
import type { RelationshipField } from '../relationships.js';

/** The attribute that holds a relationship's keys has a type that can equal the related primary key (text keys never equal numbers). */
export const relationshipKeyTypesRule: Rule = (context) => {
  for (const relationship of relationshipFields(context.schema)) {
    const { from, to, target } = relationship;
    // Missing targets and attributes, and both sides at once, are reported by the other relationship rules.
    if (target === undefined || (from !== undefined) === (to !== undefined)) continue;
    if (from !== undefined) {
      check(
        context,
        relationship,
        from.node,
        relationship.type,
        context.schema.field(relationship.type, from.name),
        target,
      );
    } else if (to !== undefined) {
      check(
        context,
        relationship,
        to.node,
        target,
        context.schema.field(target, to.name),
        relationship.type,
      );
    }
  }
};

/** `holder` (an attribute of `holderType`) holds keys of `keyed`. */
function check(
  context: RuleContext,
  relationship: RelationshipField,
  at: ConstValueNode,
  holderType: ObjectTypeDefinitionNode,
  holder: FieldDefinitionNode | undefined,
  keyed: ObjectTypeDefinitionNode,
): void {
  if (holder === undefined || isRelationship(holder)) return;
  const key = primaryKeyOf(keyed);
  const keyScalar = key === undefined ? undefined : scalarOf(key);
  // A missing or unsuitable primary key is reported by the primary-key rules.
  if (key === undefined || keyScalar === undefined || keyFamily(keyScalar) === null) return;
  const shape = fieldType(holder.type);
  const holderTypeName = shape.named.name.value;
  const wanted = shape.list ? `[${keyScalar}]` : keyScalar;
  const holderName = `"${holderType.name.value}.${holder.name.value}"`;
  const keyName = `"${keyed.name.value}.${key.name.value}"`;
  const fix = `declare ${holderName} as ${wanted}`;
  if (!isScalarName(holderTypeName)) {
    if (context.schema.objectType(holderTypeName) === undefined) return;
    context.report(
      at,
      `${holderName} holds the keys of ${keyName} for ${describe(relationship)}, but its object type "${holderTypeName}" cannot hold a key; ${fix}`,
    );
    return;
  }
  const holderFamily = keyFamily(holderTypeName);
  if (holderFamily === null) {
    context.report(
      at,
      `${holderName} holds the keys of ${keyName} for ${describe(relationship)}, but its type ${holderTypeName} cannot hold a key; ${fix}`,
    );
    return;
  }
  const keyFamilyName = keyFamily(keyScalar);
  if (holderFamily === 'any' || keyFamilyName === 'any' || holderFamily === keyFamilyName) return;
  context.report(
    at,
    `${holderName} (${holderTypeName}) holds the keys of ${keyName} (${keyScalar}) for ${describe(relationship)}, and a ${holderFamily} value never equals a ${keyFamilyName} key; ${fix}`,
  );
}

function scalarOf(field: FieldDefinitionNode): ScalarName | undefined {
  const shape = fieldType(field.type);
  const name = shape.named.name.value;
  return !shape.list && isScalarName(name) ? name : undefined;
}
