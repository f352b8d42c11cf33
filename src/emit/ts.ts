/** Small builders for TypeScript source text: names, literals and comments, always escaped correctly. */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property name as it may appear in an interface or object literal. */
export function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** A JSDoc block for the given lines (nothing for no lines). */
export function docComment(lines: readonly string[]): string {
  if (lines.length === 0) return '';
  const body = lines.map((line) => ` * ${line.replaceAll('*/', '*\\/')}`).join('\n');
  return lines.length === 1 ? `/** ${lines[0]!.replaceAll('*/', '*\\/')} */\n` : `/**\n${body}\n */\n`;
}

/**
 * A TypeScript expression for plain data (objects, arrays, strings, numbers, booleans, null), with
 * unquoted keys where possible. Object keys keep their insertion order, which the IR fixes.
 */
export function literal(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  switch (typeof value) {
    case 'string':
      return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'object': {
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([key, item]) => `${propertyName(key)}: ${literal(item)}`,
      );
      return `{ ${entries.join(', ')} }`;
    }
    default:
      throw new TypeError(`cannot write a ${typeof value} as a literal`);
  }
}
