import { describe, it } from 'vitest';
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

  it('refuses @relationship with both, at to:', () => {
    expectErrors(
      `
      type User @table { id: ID @primaryKey eventId: ID }
      type Event @table {
        id: ID @primaryKey
        ownerId: ID
        owner: [User] @relationship(from: ownerId, to: eventId)
      }
      `,
      [
        [
          5,
          46,
          '@relationship on "Event.owner" has both from: and to:; keep from: if "Event" holds the key, or to: if the target holds it',
        ],
      ],
    );
  });
});
