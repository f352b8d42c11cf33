import { describe, it } from 'vitest';
import { expectErrors } from '../harness.js';

describe('relationship-join', () => {
  it('refuses a join on a missing, computed-from-others or unjoinable attribute, or across kinds', () => {
    expectErrors(
      `
      type User @table {
        id: ID @primaryKey
        email: String
        age: Int
        active: Boolean
        events: [Event] @relationship(to: ownerId)
      }
      type Event @table {
        id: ID @primaryKey
        ownerId: ID
        ownerEmail: String
        a: User @relationship(from: ownerMail, to: email)
        b: User @relationship(from: ownerEmail, to: events)
        c: User @relationship(from: ownerEmail, to: active)
        d: User @relationship(from: ownerEmail, to: age)
      }
      `,
      [
        [
          12,
          31,
          '@relationship(from: ownerMail) on "Event.a" names no attribute of "Event"; did you mean "ownerEmail" or "ownerId"?',
        ],
        [
          13,
          47,
          '@relationship(to: events) on "Event.b" names "User.events", which is itself a relationship; name a stored attribute',
        ],
        [
          14,
          47,
          '@relationship(to: active) on "Event.c" names "User.active" of type Boolean, whose values cannot be joined on; join on ID, String, Int, Long, Float or Any attributes',
        ],
        [
          15,
          47,
          '"Event.d" joins "Event.ownerEmail" (String) with "User.age" (Int), whose values never equal each other; give them types of one kind (text or numbers)',
        ],
      ],
    );
  });
});
