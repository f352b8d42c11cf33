import type { Rule } from '../context.js';
import { isScalarName } from '../dialect.js';
import {
  GENERATED_NAMES,
  isWindowsDeviceName,
  TYPESCRIPT_GLOBALS,
  TYPESCRIPT_RESERVED_WORDS,
} from '../reservedNames.js';

/** A type name is free in the generated TypeScript: not a scalar, reserved word, global or generated name, and a valid file name. */
export const reservedTypeNamesRule: Rule = (context) => {
  for (const type of context.schema.types) {
    const name = type.name.value;
    const problem = problemWith(name);
    if (problem !== undefined)
      context.report(type.name, `Type name "${name}" ${problem}; rename the type`);
  }
};

function problemWith(name: string): string | undefined {
  if (name.startsWith('__')) return 'starts with "__", which GraphQL reserves for itself';
  if (isScalarName(name)) return 'is a built-in scalar';
  if (GENERATED_NAMES.has(name)) return `collides with "${name}" in the generated code`;
  if (TYPESCRIPT_GLOBALS.has(name))
    return `collides with the TypeScript global "${name}" that the generated code uses`;
  if (TYPESCRIPT_RESERVED_WORDS.has(name)) return 'is a TypeScript reserved word';
  if (isWindowsDeviceName(name))
    return `cannot be a file name on Windows (the generated src/tables/${name}.ts)`;
  return undefined;
}
