import { Kind, print } from 'graphql';
import type { ConstDirectiveNode, ConstValueNode } from 'graphql';
import type { Rule, RuleContext } from '../context.js';
import { fieldsOf, nameArgument } from '../ast.js';
import {
  ATTRIBUTE_NAME_PATTERN,
  DIRECTIVES,
  REFERENTIAL_ACTIONS,
  SEGMENT_PATTERN,
} from '../dialect.js';
import type { ArgumentKind, DirectiveSpec } from '../dialect.js';
import { didYouMean } from '../suggest.js';

/** Where the server keeps its users (templates/runtime/auth/users.ts), as Harper does. */
const SYSTEM_DATABASE = 'system';

/**
 * Directive arguments are the declared ones, each given once, with a value of the right kind; one
 * that only Harper's cluster or storage reads is accepted with a warning.
 */
export const directiveArgumentsRule: Rule = (context) => {
  for (const type of context.schema.types) {
    for (const directive of type.directives ?? []) check(context, directive);
    for (const field of fieldsOf(type)) {
      for (const directive of field.directives ?? []) check(context, directive);
    }
  }
};

function check(context: RuleContext, directive: ConstDirectiveNode): void {
  const spec = DIRECTIVES.get(directive.name.value);
  // Unknown directives are reported by the known-directives rule; their arguments mean nothing.
  if (spec === undefined) return;
  const seen = new Set<string>();
  for (const argument of directive.arguments ?? []) {
    const name = argument.name.value;
    const kind = spec.arguments.get(name);
    if (kind === undefined) {
      context.report(
        argument,
        `Unknown argument "${name}" on @${spec.name}; ${accepted(name, spec)}`,
      );
      continue;
    }
    if (seen.has(name)) {
      context.report(argument, `Argument "${name}" is given twice on @${spec.name}; keep one`);
      continue;
    }
    seen.add(name);
    const problem = valueProblem(kind, argument.value);
    if (problem === undefined && spec.name === 'table' && name === 'database') {
      const database = nameArgument(directive, name);
      if (database?.toLowerCase() === SYSTEM_DATABASE) {
        context.report(
          argument.value,
          `The database "${database}" holds the server's own tables (its users, as Harper's does); put the table in another database`,
        );
        continue;
      }
    }
    if (problem !== undefined) {
      context.report(
        argument.value,
        `Argument "${name}" of @${spec.name} expects ${problem}, got ${print(argument.value)}`,
      );
      continue;
    }
    const ignored = spec.ignored.get(name);
    if (ignored !== undefined)
      context.warn(argument, `@${spec.name}(${name}:) is ignored: ${ignored}`);
    if (spec.name === 'table' && name === 'scanInterval' && !hasArgument(directive, 'expiration'))
      context.warn(
        argument,
        '@table(scanInterval:) is ignored: it says how often expired records are removed, and without expiration no record expires',
      );
  }
}

/** Whether the directive gives the argument `name` (anywhere in its list). */
function hasArgument(directive: ConstDirectiveNode, name: string): boolean {
  return (directive.arguments ?? []).some((argument) => argument.name.value === name);
}

function accepted(name: string, spec: DirectiveSpec): string {
  if (spec.arguments.size === 0) return `@${spec.name} takes no arguments`;
  return didYouMean(name, spec.arguments.keys()) ?? `it accepts ${spec.signature}`;
}

/** What the value should have been, or undefined when it is fine. */
function valueProblem(kind: ArgumentKind, value: ConstValueNode): string | undefined {
  switch (kind) {
    case 'segment': {
      const text = value.kind === Kind.STRING || value.kind === Kind.ENUM ? value.value : undefined;
      if (text !== undefined && SEGMENT_PATTERN.test(text)) return undefined;
      return 'a name made of letters, digits, "_" or "-" (it becomes a storage name or URL segment)';
    }
    case 'attribute': {
      const text = value.kind === Kind.STRING || value.kind === Kind.ENUM ? value.value : undefined;
      if (text !== undefined && ATTRIBUTE_NAME_PATTERN.test(text)) return undefined;
      return 'the name of an attribute, like organizerId';
    }
    case 'seconds': {
      if (
        value.kind === Kind.INT &&
        Number.isSafeInteger(Number(value.value)) &&
        Number(value.value) > 0
      )
        return undefined;
      return 'a whole number of seconds greater than 0';
    }
    case 'value':
      // Checked against the attribute's type by the default-values rule.
      return undefined;
    case 'boolean':
      return value.kind === Kind.BOOLEAN ? undefined : 'true or false';
    case 'action': {
      const text = value.kind === Kind.STRING || value.kind === Kind.ENUM ? value.value : undefined;
      if (text !== undefined && (REFERENTIAL_ACTIONS as readonly string[]).includes(text))
        return undefined;
      return REFERENTIAL_ACTIONS.join(', ').replace(/, (?=[^,]*$)/, ' or ');
    }
    case 'expression':
      // Checked as JavaScript by the computed-attributes rule.
      return value.kind === Kind.STRING ? undefined : 'a JavaScript expression in a string';
    case 'version':
      return value.kind === Kind.INT &&
        Number.isSafeInteger(Number(value.value)) &&
        Number(value.value) >= 0
        ? undefined
        : 'a whole number, 0 or more';
  }
}
