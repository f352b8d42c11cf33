/**
 * The schema front end: schema files in, a validated and frozen `SchemaMeta` (or every diagnostic) out.
 *
 *   sources ──parse──▶ documents ──validate (rules/)──▶ diagnostics
 *                          └──buildSchema──▶ SchemaMeta
 */
import { buildSchema } from './buildSchema.js';
import { SchemaIndex } from './context.js';
import { deepFreeze } from './freeze.js';
import { parseSources } from './parse.js';
import { compareText } from './text.js';
import type { LoadResult, SchemaSource } from './types.js';
import { validate } from './validate.js';

export { formatDiagnostic } from './formatDiagnostic.js';
export type { Diagnostic, LoadResult, SchemaSource } from './types.js';

/**
 * Parses, validates and builds the schema from several files merged into one. Reports every error of
 * every file in one run, sorted by path, line and column. The result does not depend on the order of
 * `sources`.
 */
export function loadSchema(sources: readonly SchemaSource[]): LoadResult {
  // Files in path order make "first definition" and every other order independent of how they were given.
  const ordered = [...sources].sort(
    (a, b) => compareText(a.path, b.path) || compareText(a.text, b.text),
  );
  const parsed = parseSources(ordered);
  const schema = new SchemaIndex(parsed.files, parsed.diagnostics.length === 0);
  const diagnostics = validate(schema, parsed.diagnostics);
  const errors = diagnostics.filter((diagnostic) => diagnostic.warning !== true);
  if (errors.length > 0) return deepFreeze({ ok: false, diagnostics: errors });
  const warnings = diagnostics.filter((diagnostic) => diagnostic.warning === true);
  return deepFreeze({ ok: true, schema: buildSchema(schema), warnings });
}
