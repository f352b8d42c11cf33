import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('unique-field-names', () => {
  it('allows the same field name in different types', () => {
    expectValid(
      'type T @table { id: ID @primaryKey name: String } type U @table { id: ID @primaryKey name: String }',
    );
  });

  it('refuses a field declared twice, at the second, pointing at the first', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey
        name: String
        name: String @indexed
      }
      `,
      [
        [
          4,
          3,
          'Field "T.name" is already declared at schema.graphql:3:3; remove or rename one of them',
        ],
      ],
    );
  });

  it('checks plain object types too', () => {
    expectErrors(
      `
      type T @table { id: ID @primaryKey }
      type Address { city: String city: String }
      `,
      [[2, 29, 'Field "Address.city" is already declared at schema.graphql:2:16']],
    );
  });
});
