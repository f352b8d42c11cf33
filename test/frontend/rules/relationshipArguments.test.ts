import { describe, expect, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('relationship-arguments', () => {
  it('allows from: alone and to: alone', () => {
    expectValid(`
      type User @table { id: ID @primaryKey events: [Event] @relationship(to: ownerId) }
      type Event @table { id: ID @primaryKey ownerId: ID owner: User @relationship(from: ownerId) }
    `);
  });

  it('refuses @relationship with neither, at the directive', () => {
    expectErrors(
      `
      type User @table { id: ID @primaryKey }
      type Event @table {
        id: ID @primaryKey
        owner: User @relationship
      }
      `,
      [
        [
          4,
          15,
          '@relationship on "Event.owner" needs from: or to:; use from: <attribute of Event holding the User key> or to: <attribute of User holding the Event key>',
        ],
      ],
    );
  });

  it('takes both from: and to: as a join of two attributes', () => {
    const schema = expectValid(`
      type User @table { id: ID @primaryKey email: String @indexed }
      type Event @table {
        id: ID @primaryKey
        ownerEmail: String
        owner: User @relationship(from: ownerEmail, to: email)
        owners: [User] @relationship(from: ownerEmail, to: email)
      }
    `);
    const event = schema.tables.find((table) => table.name === 'Event');
    expect(event?.attributes.find((attribute) => attribute.name === 'owner')?.relationship).toEqual(
      {
        kind: 'join',
        target: 'User',
        from: 'ownerEmail',
        to: 'email',
      },
    );
  });
});
