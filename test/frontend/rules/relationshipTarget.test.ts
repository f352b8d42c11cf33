import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('relationship-target', () => {
  it('allows a table as target, including the table itself', () => {
    expectValid(`
      type Node @table {
        id: ID @primaryKey
        parentId: ID
        parent: Node @relationship(from: parentId)
        children: [Node] @relationship(to: parentId)
      }
    `);
  });

  it('refuses a scalar type, at the type name', () => {
    expectErrors(
      `
      type Event @table {
        id: ID @primaryKey
        ownerId: ID
        owner: ID @relationship(from: ownerId)
      }
      `,
      [
        [
          4,
          10,
          'Relationship "Event.owner" has the scalar type "ID"; its type must be the related table, like "User" or "[User]"',
        ],
      ],
    );
  });

  it('refuses a plain object type', () => {
    expectErrors(
      `
      type Event @table {
        id: ID @primaryKey
        venueId: ID
        venue: Venue @relationship(from: venueId)
      }
      type Venue { id: ID name: String }
      `,
      [
        [
          4,
          10,
          'Relationship "Event.venue" points to "Venue", which is not a @table; add @table (and a @primaryKey) to "Venue", or remove @relationship',
        ],
      ],
    );
  });

  it('leaves an unknown target to the known-types rule', () => {
    expectErrors(
      `
      type Event @table { id: ID @primaryKey venueId: ID venue: Venu @relationship(from: venueId) }
      `,
      [[1, 59, 'Unknown type "Venu" for field "Event.venue"']],
    );
  });
});
