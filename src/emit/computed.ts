import type { AttributeMeta, SchemaMeta, TableMeta } from '../../templates/runtime/meta.js';
import { graphqlType } from '../../templates/runtime/meta.js';
import { parseExpression, readFromRecord } from '../frontend/expressions.js';
import { propertyName } from './ts.js';

/** The user's computed attributes file, relative to the output directory (contract section 10). */
export const COMPUTED_PATH = 'src/computed.ts';

/** Whether the schema has computed attributes (and so the server a `src/computed.ts`). */
export function hasComputed(schema: SchemaMeta): boolean {
  return schema.tables.some((table) => computedOf(table).length > 0);
}

function computedOf(table: TableMeta): readonly AttributeMeta[] {
  return table.attributes.filter((attribute) => attribute.computed !== undefined);
}

/**
 * The function an attribute starts with: its `from:` expression over the record, `() => null`
 * for a nullable one without `from:`, and for a required one without `from:`, none (a comment
 * says what to write: the compiler reports the missing function until it is written).
 */
function entry(table: TableMeta, attribute: AttributeMeta): string {
  const name = propertyName(attribute.name);
  const from = attribute.computed?.from;
  if (from !== undefined) {
    const parsed = parseExpression(from);
    // The computed-attributes rule refused every from: that does not parse.
    if ('problem' in parsed)
      throw new Error(`${table.name}.${attribute.name}: from: ${parsed.problem}`);
    const stored = new Set(
      table.attributes
        .filter((other) => other.relationship === null && other.computed === undefined)
        .map((other) => other.name),
    );
    const reads = parsed.names.some((used) => stored.has(used.name));
    const body = readFromRecord(from, parsed, stored, 'record').trim();
    // An arrow function's body that starts with `{` is a block, not an object: parenthesize it.
    return `    ${name}: (${reads ? 'record' : ''}) => ${body.startsWith('{') ? `(${body})` : body},\n`;
  }
  if (!attribute.nonNull)
    return `    // ${graphqlType(attribute)}: compute it from the record, (record) => …; null until you do.\n    ${name}: () => null,\n`;
  return `    // ${graphqlType(attribute)} is required and has no from: in the schema, so the build fails
    // until you write its function here: ${name}: (record) => …,\n`;
}

/**
 * `src/computed.ts` (scaffold): created once, then the user's. One typed function per computed
 * attribute, starting as the schema's `from:` expression.
 */
export function emitComputedScaffold(schema: SchemaMeta): string {
  const tables = schema.tables
    .filter((table) => computedOf(table).length > 0)
    .map(
      (table) =>
        `  ${propertyName(table.name)}: {\n${computedOf(table)
          .map((attribute) => entry(table, attribute))
          .join('')}  },\n`,
    )
    .join('');
  return `/**
 * The functions of the schema's \`@computed\` attributes (the README's "Computed attributes").
 * codegen created this file once and never changes it again: edit it freely. Each function gets
 * the record about to be stored (its key, timestamps and every other attribute, but no computed
 * one) and returns the attribute's value; the server stores it with the record on every write,
 * so it is returned, filtered, sorted and indexed like any attribute. A function that throws
 * fails the write (\`refuse(status, message)\` from './runtime/hooks.js' chooses the answer).
 *
 * It is type-checked against the schema: an attribute made \`@computed\` later must be added here
 * (the build says which), and a function must return the attribute's type. After changing a
 * function, raise the attribute's \`version:\` in the schema: the server then computes it again
 * for every stored record when it starts.
 */
import type { Computed, Database } from './database.js';
import { defineComputed } from './runtime/computed.js';

export default defineComputed<Database, Computed>({
${tables}});
`;
}
