import { describe, expect, it } from 'vitest';
import { loadSchema } from '../../../src/frontend/index.js';
import { expectErrors, expectErrorsIn, expectValid } from '../harness.js';

describe('tables-required', () => {
  it('allows a schema with one table', () => {
    expectValid('type T @table { id: ID @primaryKey }');
  });

  it('refuses a schema without tables, at the first type', () => {
    expectErrors(
      `
      # only nested types so far
      type Address { city: String }
      `,
      [
        [
          2,
          6,
          'The schema declares no @table type, so there is nothing to serve; add @table and a @primaryKey field to a type',
        ],
      ],
    );
  });

  it('refuses an empty file at its start', () => {
    expectErrorsIn(
      [{ path: 'empty.graphql', text: '# nothing yet\n' }],
      [['empty.graphql', 1, 1, 'The schema declares no @table type']],
    );
  });

  it('refuses to load no files at all', () => {
    const result = loadSchema([]);
    expect(result.ok ? [] : result.diagnostics.map((d) => [d.path, d.message])).toEqual([
      ['', 'No schema files were given; pass at least one .graphql file'],
    ]);
  });

  it('stays silent when a file did not parse (the table may be in it)', () => {
    expectErrorsIn(
      [
        { path: 'a.graphql', text: 'type Address { city: String }' },
        { path: 'b.graphql', text: 'type T @table {' },
      ],
      [['b.graphql', 1, 16, 'Syntax Error']],
    );
  });
});
