/**
 * Names the generated TypeScript cannot give to a type or attribute. Each type becomes an interface (and,
 * for tables, `New<T>` and `<T>Patch`) in the file `src/tables/<T>.ts`, next to the names below.
 */

/** Reserved and contextual words of TypeScript, and the primitive type names an interface cannot take. */
// prettier-ignore
export const TYPESCRIPT_RESERVED_WORDS: ReadonlySet<string> = new Set([
  'abstract', 'any', 'as', 'asserts', 'async', 'await', 'bigint', 'boolean', 'break', 'case', 'catch',
  'class', 'const', 'constructor', 'continue', 'debugger', 'declare', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'from', 'function', 'get', 'global', 'if',
  'implements', 'import', 'in', 'infer', 'instanceof', 'interface', 'is', 'keyof', 'let', 'module',
  'namespace', 'never', 'new', 'null', 'number', 'object', 'of', 'package', 'private', 'protected',
  'public', 'readonly', 'require', 'return', 'satisfies', 'set', 'static', 'string', 'super', 'switch',
  'symbol', 'this', 'throw', 'true', 'try', 'type', 'typeof', 'undefined', 'unique', 'unknown', 'var',
  'void', 'while', 'with', 'yield',
]);

/** Globals that generated code refers to (or may), which a generated interface of the same name would shadow. */
// prettier-ignore
export const TYPESCRIPT_GLOBALS: ReadonlySet<string> = new Set([
  'Array', 'BigInt', 'Boolean', 'Buffer', 'Date', 'Error', 'Function', 'JSON', 'Map', 'Math', 'NonNullable',
  'Number', 'Object', 'Omit', 'Partial', 'Pick', 'Promise', 'Readonly', 'ReadonlyArray', 'Record', 'RegExp',
  'Required', 'Set', 'String', 'Symbol', 'Uint8Array', 'URL',
]);

/** Names the generated modules declare or import themselves. */
// prettier-ignore
export const GENERATED_NAMES: ReadonlySet<string> = new Set([
  'AttributeMeta', 'Database', 'Key', 'ObjectTypeMeta', 'RelationshipMeta', 'ScalarName', 'SchemaMeta',
  'Table', 'TableMeta', 'ValueType', 'schema',
]);

/** Device names Windows refuses as file names whatever the extension or case (`Con.ts` included). */
export function isWindowsDeviceName(name: string): boolean {
  return /^(con|prn|aux|nul|com[1-9]|lpt[1-9])$/i.test(name);
}

/** Attribute names that would reach into JavaScript objects' internals when used as property keys. */
export function isReservedAttributeName(name: string): boolean {
  return name === 'constructor' || name === 'prototype' || name.startsWith('__');
}
