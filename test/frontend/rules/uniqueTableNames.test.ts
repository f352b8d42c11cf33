import { describe, it } from 'vitest';
import { expectErrors, expectErrorsIn, expectValid } from '../harness.js';

describe('unique-table-names', () => {
  it('allows the same table name in different databases', () => {
    expectValid(`
      type A @table(table: "items", database: "one") { id: ID @primaryKey }
      type B @table(table: "items", database: "two") { id: ID @primaryKey }
    `);
  });

  it('refuses two tables stored under one name, also through the defaults', () => {
    expectErrors(
      `
      type Item @table { id: ID @primaryKey }
      type LegacyItem @table(table: "Item", database: "data") { id: ID @primaryKey }
      `,
      [
        [
          2,
          17,
          'Tables "Item" and "LegacyItem" are both stored as table "Item" in database "data" (the first at schema.graphql:1:11); give one of them another @table(table: "...")',
        ],
      ],
    );
  });

  it('finds the clash across files', () => {
    expectErrorsIn(
      [
        { path: 'b.graphql', text: 'type B @table(table: shared) { id: ID @primaryKey }' },
        { path: 'a.graphql', text: 'type A @table(table: shared) { id: ID @primaryKey }' },
      ],
      [
        [
          'b.graphql',
          1,
          8,
          'Tables "A" and "B" are both stored as table "shared" in database "data" (the first at a.graphql:1:8)',
        ],
      ],
    );
  });
});
