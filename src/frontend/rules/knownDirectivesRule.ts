import type { ConstDirectiveNode } from 'graphql';
import type { Rule, RuleContext } from '../context.js';
import { fieldsOf } from '../ast.js';
import { DIRECTIVES } from '../dialect.js';
import { didYouMean } from '../suggest.js';

const TYPE_DIRECTIVES = [...DIRECTIVES.values()]
  .filter((spec) => spec.location === 'type')
  .map((spec) => `@${spec.name}`);
const FIELD_DIRECTIVES = [...DIRECTIVES.values()]
  .filter((spec) => spec.location === 'field')
  .map((spec) => `@${spec.name}`);

/** Every directive is one of the dialect's, used where it belongs: table directives on types, attribute directives on fields. */
export const knownDirectivesRule: Rule = (context) => {
  for (const type of context.schema.types) {
    const where = `type "${type.name.value}"`;
    for (const directive of type.directives ?? []) check(context, directive, 'type', where);
    for (const field of fieldsOf(type)) {
      const fieldWhere = `field "${type.name.value}.${field.name.value}"`;
      for (const directive of field.directives ?? [])
        check(context, directive, 'field', fieldWhere);
    }
  }
};

function check(
  context: RuleContext,
  directive: ConstDirectiveNode,
  location: 'type' | 'field',
  where: string,
): void {
  const name = directive.name.value;
  const spec = DIRECTIVES.get(name);
  const allowedHere = location === 'type' ? TYPE_DIRECTIVES : FIELD_DIRECTIVES;
  if (spec === undefined) {
    const hint =
      didYouMean(`@${name}`, [...TYPE_DIRECTIVES, ...FIELD_DIRECTIVES]) ??
      `directives allowed here: ${allowedHere.join(', ')}`;
    context.report(directive, `Unknown directive "@${name}" on ${where}; ${hint}`);
    return;
  }
  if (spec.location !== location) {
    const belongs =
      spec.location === 'type' ? 'a type (after the type name)' : 'a field (after the field type)';
    context.report(
      directive,
      `Directive "@${name}" cannot be used on ${where}; it belongs on ${belongs}`,
    );
  }
}
