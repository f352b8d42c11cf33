import { describe, expect, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('referential-actions', () => {
  it('takes onDelete on a relationship whose from: holds the key, one key or a list', () => {
    const schema = expectValid(`
      type A @table { id: ID @primaryKey }
      type B @table {
        id: ID @primaryKey
        aId: ID!
        a: A @relationship(from: aId, onDelete: CASCADE)
        otherId: ID
        other: A @relationship(from: otherId, onDelete: "SET_NULL")
        aIds: [ID]!
        many: [A] @relationship(from: aIds, onDelete: SET_NULL)
        keptId: ID
        kept: A @relationship(from: keptId, onDelete: RESTRICT)
        plainId: ID
        plain: A @relationship(from: plainId)
      }
    `);
    const b = schema.tables.find((table) => table.name === 'B');
    const actions = b?.attributes.map((attribute) => [
      attribute.name,
      attribute.relationship !== null && 'onDelete' in attribute.relationship
        ? attribute.relationship.onDelete
        : undefined,
    ]);
    expect(actions?.filter(([, action]) => action !== undefined)).toEqual([
      ['a', 'CASCADE'],
      ['other', 'SET_NULL'],
      ['many', 'SET_NULL'],
      ['kept', 'RESTRICT'],
    ]);
  });

  it('refuses an unknown action, onDelete with to:, and SET_NULL of a non-null key', () => {
    expectErrors(
      `
      type A @table {
        id: ID @primaryKey
        bs: [B] @relationship(to: aId, onDelete: CASCADE)
      }
      type B @table {
        id: ID @primaryKey
        aId: ID!
        a: A @relationship(from: aId, onDelete: SET_NULL)
        otherId: ID
        other: A @relationship(from: otherId, onDelete: DELETE)
      }
      `,
      [
        [
          3,
          34,
          `onDelete: on "A.bs" acts on records that hold a deleted B's key, but with to: the B records hold this one's; put onDelete: on the relationship of "B" whose from: holds the "A" key`,
        ],
        [
          8,
          43,
          'onDelete: SET_NULL on "B.a" would set "B.aId" to null, but it is non-null; make it nullable, or use RESTRICT or CASCADE',
        ],
        [
          10,
          51,
          'Argument "onDelete" of @relationship expects RESTRICT, CASCADE or SET_NULL, got DELETE',
        ],
      ],
    );
  });
});
