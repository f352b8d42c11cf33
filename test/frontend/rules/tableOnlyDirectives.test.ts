import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('table-only-directives', () => {
  it('allows a plain object type without directives', () => {
    expectValid(`
      type T @table { id: ID @primaryKey address: Address }
      type Address { city: String street: String }
    `);
  });

  it('refuses @export and @sealed on a plain object type', () => {
    expectErrors(
      `
      type T @table { id: ID @primaryKey }
      type Address @export @sealed { city: String }
      `,
      [
        [
          2,
          14,
          'Directive "@export" on type "Address" needs a table; add @table to "Address" or remove @export',
        ],
        [2, 22, 'Directive "@sealed" on type "Address" needs a table'],
      ],
    );
  });

  it('refuses attribute directives on the fields of a plain object type', () => {
    expectErrors(
      `
      type T @table { id: ID @primaryKey }
      type Address {
        id: ID @primaryKey
        city: String @indexed
        seen: String @createdTime
      }
      `,
      [
        [
          3,
          10,
          'Directive "@primaryKey" on field "Address.id" needs a table, but "Address" is a plain object type (stored inside records); add @table to "Address" or remove @primaryKey',
        ],
        [4, 16, 'Directive "@indexed" on field "Address.city" needs a table'],
        [5, 16, 'Directive "@createdTime" on field "Address.seen" needs a table'],
      ],
    );
  });

  it('refuses @relationship on the field of a plain object type, and only once', () => {
    expectErrors(
      `
      type T @table { id: ID @primaryKey }
      type Address { ownerId: ID owner: T @relationship(from: ownerId) }
      `,
      [[2, 37, 'Directive "@relationship" on field "Address.owner" needs a table']],
    );
  });
});
