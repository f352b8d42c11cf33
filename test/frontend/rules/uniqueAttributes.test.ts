import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('unique-attributes', () => {
  it('allows @unique on stored scalar attributes', () => {
    expectValid(
      'type T @table { id: ID @primaryKey email: String @unique code: Int @unique @indexed }',
    );
  });

  it('refuses @unique on the primary key, a list, an object and a relationship', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey @unique
        tags: [String] @unique
        address: Address @unique
        otherId: ID
        other: T @relationship(from: otherId) @unique
        blob: Bytes @unique
      }
      type Address { city: String }
      `,
      [
        [2, 22, '"T.id" is the primary key, which is unique already; remove @unique'],
        [
          3,
          18,
          '"T.tags" is a list, whose values are several, so it cannot be @unique; make it a single value',
        ],
        [
          4,
          20,
          '"T.address" holds the object type "Address", which cannot be compared for uniqueness; put @unique on a scalar attribute',
        ],
        [
          6,
          41,
          '"T.other" is a relationship, computed from other records and never stored, so it cannot be @unique; put @unique on the attribute that holds the key',
        ],
        [
          7,
          15,
          '"T.blob" is Bytes, whose values its index does not tell apart exactly, so it cannot be @unique; use ID, String, Int, Long, Float, Boolean or Date',
        ],
      ],
    );
  });
});
