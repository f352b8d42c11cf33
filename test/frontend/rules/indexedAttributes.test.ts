import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('indexed-attributes', () => {
  it('allows @indexed on scalars and lists of scalars', () => {
    expectValid(
      'type T @table { id: ID @primaryKey a: String @indexed b: [ID] @indexed c: Date @indexed d: Any @indexed }',
    );
  });

  it('refuses @indexed on the primary key', () => {
    expectErrors('type T @table { id: ID @primaryKey @indexed }', [
      [1, 36, '"T.id" is the primary key, which the table is already keyed by; remove @indexed'],
    ]);
  });

  it('refuses @indexed on an object-typed attribute', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey
        address: Address @indexed
      }
      type Address { city: String }
      `,
      [
        [
          3,
          20,
          '"T.address" holds the object type "Address", whose values cannot be index keys; index a scalar attribute instead',
        ],
      ],
    );
  });
});
