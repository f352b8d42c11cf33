import type { FieldDefinitionNode, ObjectTypeDefinitionNode } from 'graphql';
import { Kind } from 'graphql';
import type { Rule } from '../context.js';
import { fieldsOf, findArgument, findDirective, hasDirective, isRelationship } from '../ast.js';
import { parseExpression } from '../expressions.js';

/** Directives that say who sets an attribute's value, which a computed attribute's function does. */
const EXCLUSIVE = [
  ['primaryKey', 'the primary key, which identifies the record'],
  ['createdTime', 'set by the server when the record is created'],
  ['updatedTime', 'set by the server on every write'],
  [
    'default',
    'given a default for writes that leave it out, but a computed value is never left out',
  ],
  [
    'unique',
    'refused a duplicate value, but a computed value comes from your function, not from the write, and a rebuild could not refuse one',
  ],
] as const;

/**
 * `@computed` (or `@computed(from: "…", version: N)`) goes on a stored attribute that the server
 * sets from the rest of the record: not the key, a timestamp, a relationship, nor with `@default`
 * or `@unique`; `from:` is one JavaScript expression that reads only attributes the record stores.
 */
export const computedAttributesRule: Rule = (context) => {
  for (const type of context.schema.tables) {
    for (const field of fieldsOf(type)) {
      const directive = findDirective(field, 'computed');
      if (directive === undefined) continue;
      const where = `"${type.name.value}.${field.name.value}"`;
      if (isRelationship(field)) {
        context.report(
          directive,
          `${where} is a relationship, read from other records, so it cannot be @computed; compute a stored attribute instead`,
        );
        continue;
      }
      const clash = EXCLUSIVE.find(([name]) => hasDirective(field, name));
      if (clash !== undefined) {
        context.report(
          findDirective(field, clash[0]) ?? directive,
          `${where} is @computed, so its function sets it; it cannot also be @${clash[0]} (${clash[1]})`,
        );
        continue;
      }
      const from = findArgument(directive, 'from')?.value;
      // A value of the wrong kind is the directive-arguments rule's to report.
      if (from?.kind !== Kind.STRING) continue;
      const parsed = parseExpression(from.value);
      if ('problem' in parsed) {
        context.report(from, `The from: of ${where} is ${parsed.problem}`);
        continue;
      }
      for (const { name } of parsed.names) {
        const problem = unreadable(type, field, name);
        if (problem !== undefined) {
          context.report(from, `The from: of ${where} reads "${name}", ${problem}`);
          break;
        }
      }
    }
  }
};

/** Why the function of `field` cannot read the attribute `name`, or undefined when it can. */
function unreadable(
  type: ObjectTypeDefinitionNode,
  field: FieldDefinitionNode,
  name: string,
): string | undefined {
  const read = fieldsOf(type).find((candidate) => candidate.name.value === name);
  if (read === undefined) return undefined;
  if (read === field)
    return 'the attribute itself; a computed attribute is computed from the others';
  if (isRelationship(read))
    return 'a relationship, which the record does not store; read the attribute that holds its key';
  if (hasDirective(read, 'computed'))
    return 'which is computed too; a computed attribute is computed from the attributes the record stores';
  return undefined;
}
