import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('known-directives', () => {
  it('allows every directive of the dialect in its place', () => {
    expectValid(`
      type User @table(table: "users", database: "app", expiration: 60) @export(name: "users") @sealed {
        id: ID @primaryKey
        email: String @indexed
        createdAt: String @createdTime
        updatedAt: String @updatedTime
        posts: [Post] @relationship(to: authorId)
      }
      type Post @table { id: ID @primaryKey authorId: ID }
    `);
  });

  it('refuses an unknown directive and suggests the one meant', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primarykey @index
      }
      `,
      [
        [1, 6, 'Type "T" is a @table but has no @primaryKey'],
        [2, 10, 'Unknown directive "@primarykey" on field "T.id"; did you mean "@primaryKey"?'],
        [2, 22, 'Unknown directive "@index" on field "T.id"; did you mean "@indexed"?'],
      ],
    );
  });

  it('lists the directives allowed on a type when nothing is close', () => {
    expectErrors(
      `
      type T @table @cacheControl { id: ID @primaryKey }
      `,
      [
        [
          1,
          15,
          'Unknown directive "@cacheControl" on type "T"; directives allowed here: @table, @export, @sealed',
        ],
      ],
    );
  });

  it('refuses a field directive on a type and a type directive on a field', () => {
    expectErrors(
      `
      type T @table @indexed {
        id: ID @primaryKey @export
      }
      `,
      [
        [
          1,
          15,
          'Directive "@indexed" cannot be used on type "T"; it belongs on a field (after the field type)',
        ],
        [
          2,
          22,
          'Directive "@export" cannot be used on field "T.id"; it belongs on a type (after the type name)',
        ],
      ],
    );
  });
});
