import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('embedded-tables', () => {
  it('allows a table type on a relationship field and a plain type on any field', () => {
    expectValid(`
      type User @table { id: ID @primaryKey address: Address }
      type Event @table { id: ID @primaryKey ownerId: ID owner: User @relationship(from: ownerId) }
      type Address { city: String }
    `);
  });

  it('refuses a table type on a field without @relationship', () => {
    expectErrors(
      `
      type User @table { id: ID @primaryKey }
      type Event @table {
        id: ID @primaryKey
        owner: User
        guests: [User!]
      }
      `,
      [
        [
          4,
          10,
          'Field "Event.owner" has the table type "User" but no @relationship; add @relationship(from: <attribute holding the User key>), or use a plain object type to store the value inside the record',
        ],
        [5, 12, 'Field "Event.guests" has the table type "User" but no @relationship'],
      ],
    );
  });

  it('checks plain object types too', () => {
    expectErrors(
      `
      type User @table { id: ID @primaryKey }
      type Address { resident: User }
      `,
      [[2, 26, 'Field "Address.resident" has the table type "User" but no @relationship']],
    );
  });
});
