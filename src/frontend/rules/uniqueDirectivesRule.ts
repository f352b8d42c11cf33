import type { ConstDirectiveNode } from 'graphql';
import type { Rule, RuleContext } from '../context.js';
import { fieldsOf } from '../ast.js';

/** A directive appears at most once on a type or field. */
export const uniqueDirectivesRule: Rule = (context) => {
  for (const type of context.schema.types) {
    check(context, type.directives ?? [], `type "${type.name.value}"`);
    for (const field of fieldsOf(type)) {
      check(context, field.directives ?? [], `field "${type.name.value}.${field.name.value}"`);
    }
  }
};

function check(
  context: RuleContext,
  directives: readonly ConstDirectiveNode[],
  where: string,
): void {
  const first = new Map<string, ConstDirectiveNode>();
  for (const directive of directives) {
    const name = directive.name.value;
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, directive);
      continue;
    }
    context.report(
      directive,
      `Directive "@${name}" is repeated on ${where} (first at ${context.locate(earlier)}); keep one`,
    );
  }
}
