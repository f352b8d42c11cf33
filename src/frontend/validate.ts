/** Validation: every rule over the parsed files, all diagnostics in one sorted list. */
import { RuleContext, SchemaIndex } from './context.js';
import { RULES } from './rules/index.js';
import { compareText } from './text.js';
import type { Diagnostic } from './types.js';

/** Runs every rule and returns all diagnostics (the given syntax ones included), sorted by location, without repeats. */
export function validate(
  schema: SchemaIndex,
  syntaxDiagnostics: readonly Diagnostic[],
): Diagnostic[] {
  const diagnostics = [...syntaxDiagnostics];
  for (const rule of RULES) rule.check(new RuleContext(schema, rule.name, diagnostics));
  return sortDiagnostics(diagnostics);
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const sorted = [...diagnostics].sort(
    (a, b) =>
      compareText(a.path, b.path) ||
      a.line - b.line ||
      a.column - b.column ||
      compareText(a.message, b.message) ||
      compareText(a.rule, b.rule),
  );
  return sorted.filter((diagnostic, index) => {
    const previous = sorted[index - 1];
    return (
      previous === undefined ||
      previous.path !== diagnostic.path ||
      previous.line !== diagnostic.line ||
      previous.column !== diagnostic.column ||
      previous.message !== diagnostic.message
    );
  });
}
