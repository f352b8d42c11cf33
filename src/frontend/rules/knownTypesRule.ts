import { SCALAR_NAMES } from '../../../templates/runtime/meta.js';
import type { Rule } from '../context.js';
import { fieldType, fieldsOf } from '../ast.js';
import { isScalarName } from '../dialect.js';
import { didYouMean } from '../suggest.js';

/** Every field's type is a built-in scalar or an object type defined in one of the schema files. */
export const knownTypesRule: Rule = (context) => {
  const { schema } = context;
  // A name may be defined in a file that did not parse; saying it is unknown would be a false alarm.
  if (!schema.complete) return;
  const candidates = [...SCALAR_NAMES, ...schema.distinctTypes.map((type) => type.name.value)];
  for (const type of schema.types) {
    for (const field of fieldsOf(type)) {
      const named = fieldType(field.type).named;
      const name = named.name.value;
      // Definitions of unsupported kinds (enums, interfaces, ...) are reported where they are defined.
      if (isScalarName(name) || schema.declaredNames.has(name)) continue;
      const hint =
        didYouMean(name, candidates) ??
        `use a built-in scalar (${SCALAR_NAMES.join(', ')}) or define "type ${name}"`;
      context.report(
        named,
        `Unknown type "${name}" for field "${type.name.value}.${field.name.value}"; ${hint}`,
      );
    }
  }
};
