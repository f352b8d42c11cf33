/**
 * The front end's test harness: give schema text, expect exactly these diagnostics or a valid schema.
 * Schema text written in a test is dedented and its first (empty) line dropped, so line and column
 * numbers are those of the schema as it reads in the test.
 */
import { expect } from 'vitest';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { loadSchema } from '../../src/frontend/index.js';
import type { SchemaSource } from '../../src/frontend/index.js';

/** `[line, column, a substring of the message]`. */
export type Expected = readonly [line: number, column: number, message: string];
/** `[path, line, column, a substring of the message]`. */
export type ExpectedIn = readonly [path: string, line: number, column: number, message: string];

export const PATH = 'schema.graphql';

export function dedent(text: string): string {
  const lines = text.replace(/^[ \t]*\n/, '').split('\n');
  const indents = lines
    .filter((line) => line.trim() !== '')
    .map((line) => /^[ \t]*/.exec(line)?.[0].length ?? 0);
  const indent = Math.min(...indents);
  return lines.map((line) => line.slice(indent)).join('\n');
}

/** One file; exactly these diagnostics, in this order. */
export function expectErrors(text: string, expected: readonly Expected[]): void {
  expectErrorsIn(
    [{ path: PATH, text: dedent(text) }],
    expected.map(([line, column, message]) => [PATH, line, column, message]),
  );
}

/** Several files; exactly these diagnostics, in this order. */
export function expectErrorsIn(
  sources: readonly SchemaSource[],
  expected: readonly ExpectedIn[],
): void {
  const result = loadSchema(sources);
  const actual = result.ok
    ? []
    : result.diagnostics.map((d) => [d.path, d.line, d.column, d.message]);
  expect(actual).toEqual(
    expected.map(([path, line, column, message]) => [
      path,
      line,
      column,
      expect.stringContaining(message),
    ]),
  );
}

/** One file (dedented) or several; no diagnostics. Returns the schema. */
export function expectValid(schema: string | readonly SchemaSource[]): SchemaMeta {
  const sources = typeof schema === 'string' ? [{ path: PATH, text: dedent(schema) }] : schema;
  const result = loadSchema(sources);
  expect(result.ok ? [] : result.diagnostics).toEqual([]);
  if (!result.ok) throw new Error('unreachable: the assertion above failed');
  return result.schema;
}

/** The rule that reported each diagnostic of a schema that has errors. */
export function rulesReported(text: string): string[] {
  const result = loadSchema([{ path: PATH, text: dedent(text) }]);
  return result.ok ? [] : result.diagnostics.map((diagnostic) => diagnostic.rule);
}
