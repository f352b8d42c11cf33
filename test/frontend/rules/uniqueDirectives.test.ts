import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('unique-directives', () => {
  it('allows the same directive on different fields', () => {
    expectValid('type T @table { id: ID @primaryKey a: String @indexed b: String @indexed }');
  });

  it('refuses a repeated directive at the repetition, pointing at the first', () => {
    expectErrors(
      `
      type T @table @export @export(name: "t") {
        id: ID @primaryKey
        name: String @indexed @indexed
      }
      `,
      [
        [
          1,
          23,
          'Directive "@export" is repeated on type "T" (first at schema.graphql:1:15); keep one',
        ],
        [
          3,
          25,
          'Directive "@indexed" is repeated on field "T.name" (first at schema.graphql:3:16); keep one',
        ],
      ],
    );
  });
});
