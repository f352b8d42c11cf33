import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('relationship-field-directives', () => {
  it('allows directives on the attribute that holds the key', () => {
    expectValid(`
      type User @table { id: ID @primaryKey }
      type Event @table { id: ID @primaryKey ownerId: ID @indexed owner: User @relationship(from: ownerId) }
    `);
  });

  it('refuses @indexed, naming the attribute to index instead', () => {
    expectErrors(
      `
      type User @table { id: ID @primaryKey events: [Event] @relationship(to: ownerId) @indexed }
      type Event @table {
        id: ID @primaryKey
        ownerId: ID
        owner: User @relationship(from: ownerId) @indexed
      }
      `,
      [
        [
          1,
          82,
          'Relationship "User.events" cannot be @indexed: its value is computed, never stored; index the attribute that holds the key ("Event.ownerId") instead',
        ],
        [
          5,
          44,
          'Relationship "Event.owner" cannot be @indexed: its value is computed, never stored; index the attribute that holds the key ("ownerId") instead',
        ],
      ],
    );
  });

  it('refuses @primaryKey and timestamps', () => {
    expectErrors(
      `
      type User @table { id: ID @primaryKey }
      type Event @table {
        id: ID @primaryKey
        ownerId: ID
        owner: User @relationship(from: ownerId) @primaryKey @createdTime
      }
      `,
      [
        [
          5,
          44,
          'Relationship "Event.owner" cannot be the primary key: its value is computed from other records, never stored; put @primaryKey on a stored attribute',
        ],
        [
          5,
          56,
          'Relationship "Event.owner" cannot carry @createdTime: its value is computed, never stored; put @createdTime on a stored attribute',
        ],
      ],
    );
  });
});
