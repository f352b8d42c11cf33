import type { Rule } from '../context.js';
import { fieldsOf, isTable } from '../ast.js';
import { DIRECTIVES } from '../dialect.js';

/** Every directive but `@table` itself describes a table or one of its attributes, so a plain object type uses none. */
export const tableOnlyDirectivesRule: Rule = (context) => {
  for (const type of context.schema.types) {
    if (isTable(type)) continue;
    const typeName = type.name.value;
    for (const directive of type.directives ?? []) {
      // Misplaced and unknown directives are the known-directives rule's to report.
      if (DIRECTIVES.get(directive.name.value)?.location !== 'type') continue;
      context.report(
        directive,
        `Directive "@${directive.name.value}" on type "${typeName}" needs a table; add @table to "${typeName}" or remove @${directive.name.value}`,
      );
    }
    for (const field of fieldsOf(type)) {
      for (const directive of field.directives ?? []) {
        if (DIRECTIVES.get(directive.name.value)?.location !== 'field') continue;
        context.report(
          directive,
          `Directive "@${directive.name.value}" on field "${typeName}.${field.name.value}" needs a table, but "${typeName}" is a plain object type (stored inside records); add @table to "${typeName}" or remove @${directive.name.value}`,
        );
      }
    }
  }
};
