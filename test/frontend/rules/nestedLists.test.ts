import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('nested-lists', () => {
  it('allows one level of list in every non-null form', () => {
    expectValid('type T @table { id: ID @primaryKey a: [Int] b: [Int!] c: [Int]! d: [Int!]! }');
  });

  it('refuses a list of lists at the field type', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey
        matrix: [[Float!]!]
      }
      `,
      [
        [
          3,
          11,
          'Field "T.matrix" is a list of lists, which is not supported; use a list of a plain object type that holds the inner list, or Any',
        ],
      ],
    );
  });
});
