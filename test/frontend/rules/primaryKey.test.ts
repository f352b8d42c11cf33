import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('primary-key', () => {
  it('allows one @primaryKey on any field of a table, and none on a plain type', () => {
    expectValid(`
      type T @table { name: String sku: String! @primaryKey }
      type Address { city: String }
    `);
  });

  it('refuses a table with no @primaryKey, at the type name', () => {
    expectErrors(
      `
      type Event @table {
        id: ID
        title: String
      }
      `,
      [[1, 6, 'Type "Event" is a @table but has no @primaryKey; mark one field with @primaryKey']],
    );
  });

  it('refuses a table with two, at the second, pointing at the first', () => {
    expectErrors(
      `
      type Event @table {
        id: ID @primaryKey
        slug: String @primaryKey
        code: String @primaryKey
      }
      `,
      [
        [
          3,
          16,
          'Type "Event" has a second @primaryKey on "slug" (the first is on "id" at schema.graphql:2:3); a table has exactly one primary key, remove one @primaryKey',
        ],
        [
          4,
          16,
          'Type "Event" has a second @primaryKey on "code" (the first is on "id" at schema.graphql:2:3)',
        ],
      ],
    );
  });
});
