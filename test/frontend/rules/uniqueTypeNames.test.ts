import { describe, it } from 'vitest';
import { expectErrors, expectErrorsIn, expectValid } from '../harness.js';

describe('unique-type-names', () => {
  it('allows distinct names across files, and a built-in scalar declared twice', () => {
    expectValid([
      { path: 'a.graphql', text: 'scalar Date\ntype A @table { id: ID @primaryKey b: B }' },
      { path: 'b.graphql', text: 'scalar Date\ntype B { at: Date }' },
    ]);
  });

  it('refuses a second definition in one file, pointing at the first', () => {
    expectErrors(
      `
      type T @table { id: ID @primaryKey }
      type T { name: String }
      `,
      [
        [
          2,
          6,
          'Type "T" is already defined at schema.graphql:1:6; rename one of them or merge their fields',
        ],
      ],
    );
  });

  it('refuses a definition repeated in another file, at the file that sorts second', () => {
    const first = { path: 'a/types.graphql', text: 'type Address { city: String }' };
    const second = {
      path: 'b/tables.graphql',
      text: 'type T @table { id: ID @primaryKey }\n\ntype Address { street: String }',
    };
    const expected = [
      ['b/tables.graphql', 3, 6, 'Type "Address" is already defined at a/types.graphql:1:6'],
    ] as const;
    expectErrorsIn([first, second], expected);
    expectErrorsIn([second, first], expected);
  });

  it('counts definitions of other kinds too', () => {
    expectErrors(
      `
      type T @table { id: ID @primaryKey }
      enum T { A }
      `,
      [[2, 6, 'Type "T" is already defined at schema.graphql:1:6']],
    );
  });
});
