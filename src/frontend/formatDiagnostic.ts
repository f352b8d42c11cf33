/**
 * Printing a diagnostic for a terminal: `path:LINE:COL error <message>` (`warning` for a warning)
 * and a code frame with a caret.
 */
import type { Diagnostic, SchemaSource } from './types.js';

/**
 * `path:LINE:COL error <message>`, then the line with one line of context either side, a line-number
 * gutter, `>` marking the line, and a caret under the column. No colours. Without the source text
 * (or for a diagnostic about no file) only the first line.
 */
export function formatDiagnostic(diagnostic: Diagnostic, sources: readonly SchemaSource[]): string {
  const { path, line, column, message } = diagnostic;
  const severity = diagnostic.warning === true ? 'warning' : 'error';
  if (path === '') return `${severity} ${message}`;
  const header = `${path}:${line}:${column} ${severity} ${message}`;
  const source = sources.find((candidate) => candidate.path === path);
  if (source === undefined) return header;
  // The same line terminators as graphql-js, so that line numbers agree with its locations.
  const lines = source.text.split(/\r\n|[\n\r]/);
  const target = lines[line - 1];
  if (target === undefined) return header;
  const first = Math.max(1, line - 1);
  const last = Math.min(lines.length, line + 1);
  const width = String(last).length;
  const frame: string[] = [header];
  for (let number = first; number <= last; number += 1) {
    const marker = number === line ? '>' : ' ';
    frame.push(
      `${marker} ${String(number).padStart(width)} | ${lines[number - 1] ?? ''}`.trimEnd(),
    );
  }
  // Tabs stay tabs under the caret so that it lines up however wide the terminal draws them.
  const indent = target.slice(0, column - 1).replace(/[^\t]/g, ' ');
  frame.splice(line - first + 2, 0, `  ${' '.repeat(width)} | ${indent}^`);
  return frame.join('\n');
}
