import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadSchema } from '../../src/frontend/index.js';
import type { Diagnostic, SchemaSource } from '../../src/frontend/index.js';

function diagnosticsOf(sources: readonly SchemaSource[]): readonly Diagnostic[] {
  const result = loadSchema(sources);
  return result.ok ? [] : result.diagnostics;
}

describe('formatDiagnostic', () => {
  it('prints path:line:col, the message, and a code frame with a caret under the column', () => {
    const sources = [
      {
        path: 'schemas/calendar.graphql',
        text: 'type Event @table {\n  id: ID @primaryKey\n  title: Strng\n}\n',
      },
    ];
    const [diagnostic] = diagnosticsOf(sources);
    if (diagnostic === undefined) throw new Error('expected a diagnostic');
    expect(formatDiagnostic(diagnostic, sources)).toMatchInlineSnapshot(`
      "schemas/calendar.graphql:3:10 error Unknown type "Strng" for field "Event.title"; did you mean "String"?
        2 |   id: ID @primaryKey
      > 3 |   title: Strng
          |          ^
        4 | }"
    `);
  });

  it('shows no line before the first, widens the gutter for two-digit lines, and keeps tabs under the caret', () => {
    const first = { path: 'a.graphql', text: 'type A @table { id: Strng @primaryKey }' };
    const tenth = {
      path: 'b.graphql',
      text: `${'\n'.repeat(9)}type B @table {\n\tid: ID @primaryKey\n\tat: Boolean @createdTime\n}`,
    };
    const [atFirstLine, atTenthLine] = diagnosticsOf([first, tenth]);
    if (atFirstLine === undefined || atTenthLine === undefined)
      throw new Error('expected two diagnostics');
    expect(formatDiagnostic(atFirstLine, [first, tenth])).toBe(
      [
        'a.graphql:1:21 error Unknown type "Strng" for field "A.id"; did you mean "String"?',
        '> 1 | type A @table { id: Strng @primaryKey }',
        '    |                     ^',
      ].join('\n'),
    );
    expect(formatDiagnostic(atTenthLine, [first, tenth]).split('\n').slice(1)).toEqual([
      '  11 | \tid: ID @primaryKey',
      '> 12 | \tat: Boolean @createdTime',
      '     | \t    ^',
      '  13 | }',
    ]);
  });

  it('prints the first line alone when the source is not given', () => {
    const diagnostic: Diagnostic = {
      path: 'gone.graphql',
      line: 2,
      column: 3,
      message: 'Something is wrong',
      rule: 'syntax',
    };
    expect(formatDiagnostic(diagnostic, [])).toBe('gone.graphql:2:3 error Something is wrong');
  });

  it('formats syntax errors the same way', () => {
    const sources = [{ path: 'broken.graphql', text: 'type Event @table {\n  id ID\n}' }];
    const [diagnostic] = diagnosticsOf(sources);
    if (diagnostic === undefined) throw new Error('expected a diagnostic');
    expect(formatDiagnostic(diagnostic, sources)).toBe(
      [
        'broken.graphql:2:6 error Syntax Error: Expected ":", found Name "ID".',
        '  1 | type Event @table {',
        '> 2 |   id ID',
        '    |      ^',
        '  3 | }',
      ].join('\n'),
    );
  });
});
