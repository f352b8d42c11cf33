import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

const USER = 'type User @table { id: ID @primaryKey }';

describe('relationship-from', () => {
  it('allows many-to-one from a single key and many-to-many from a list of keys', () => {
    expectValid(`
      ${USER}
      type Event @table {
        id: ID @primaryKey
        organizerId: ID
        organizer: User @relationship(from: organizerId)
        attendeeIds: [ID!]
        attendees: [User] @relationship(from: attendeeIds)
      }
    `);
  });

  it('refuses a from: naming no attribute, suggesting a close one', () => {
    expectErrors(
      `
      ${USER}
      type Event @table {
        id: ID @primaryKey
        organizerId: ID
        organizer: User @relationship(from: organizerID)
        host: User @relationship(from: hostKey)
      }
      `,
      [
        [
          5,
          39,
          '@relationship(from: organizerID) on "Event.organizer" names no attribute of "Event"; did you mean "organizerId"?',
        ],
        [
          6,
          34,
          '@relationship(from: hostKey) on "Event.host" names no attribute of "Event"; declare "hostKey" on "Event" to hold the User key',
        ],
      ],
    );
  });

  it('refuses a from: naming another relationship', () => {
    expectErrors(
      `
      ${USER}
      type Event @table {
        id: ID @primaryKey
        organizerId: ID
        organizer: User @relationship(from: organizerId)
        host: User @relationship(from: organizer)
      }
      `,
      [
        [
          6,
          34,
          '@relationship(from: organizer) on "Event.host" names "Event.organizer", which is itself a relationship; from: must name a stored attribute that holds the key',
        ],
      ],
    );
  });

  it('refuses a list relationship over a single key', () => {
    expectErrors(
      `
      ${USER}
      type Event @table { id: ID @primaryKey attendeeId: ID attendees: [User] @relationship(from: attendeeId) }
      `,
      [
        [
          2,
          93,
          '"Event.attendees" is a list, but its from: attribute "attendeeId" holds a single key; for many-to-many declare "attendeeId" as a list of keys (like [ID]), or make the relationship a single User',
        ],
      ],
    );
  });

  it('refuses a single relationship over a list of keys', () => {
    expectErrors(
      `
      ${USER}
      type Event @table { id: ID @primaryKey hostIds: [ID] host: User @relationship(from: hostIds) }
      `,
      [
        [
          2,
          85,
          '"Event.host" is a single User, but its from: attribute "hostIds" is a list of keys; make the relationship a list ([User]) for many-to-many, or make "hostIds" a single key',
        ],
      ],
    );
  });
});
