import { describe, expect, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('directive-arguments', () => {
  it('accepts names as strings or bare, and a positive expiration', () => {
    const schema = expectValid(`
      type T @table(table: t_v2, database: "my-db", expiration: 3600) @export(name: "things") {
        id: ID @primaryKey
        parentId: ID
        parent: T @relationship(from: "parentId")
      }
    `);
    const table = schema.tables[0];
    if (table === undefined) throw new Error('no table');
    expect([table.tableName, table.database, table.exportName, table.expiration]).toEqual([
      't_v2',
      'my-db',
      'things',
      3600,
    ]);
  });

  it('refuses an unknown argument, suggesting a close one', () => {
    expectErrors(
      `
      type T @table(tabel: "x") @export(path: "x") { id: ID @primaryKey }
      `,
      [
        [1, 15, 'Unknown argument "tabel" on @table; did you mean "table"?'],
        [1, 35, 'Unknown argument "path" on @export; it accepts @export(name: String)'],
      ],
    );
  });

  it('refuses arguments on directives that take none', () => {
    expectErrors(
      `
      type T @table @sealed(strict: true) { id: ID @primaryKey(auto: true) }
      `,
      [
        [1, 23, 'Unknown argument "strict" on @sealed; @sealed takes no arguments'],
        [1, 58, 'Unknown argument "auto" on @primaryKey; @primaryKey takes no arguments'],
      ],
    );
  });

  it('refuses an argument given twice', () => {
    expectErrors(
      `
      type T @table(table: "a", table: "b") { id: ID @primaryKey }
      `,
      [[1, 27, 'Argument "table" is given twice on @table; keep one']],
    );
  });

  it('refuses values of the wrong kind, at the value', () => {
    expectErrors(
      `
      type T @table(expiration: "60", database: 5) @export(name: "a/b") {
        id: ID @primaryKey
        parentId: ID
        parent: T @relationship(from: 12)
      }
      `,
      [
        [
          1,
          27,
          'Argument "expiration" of @table expects a whole number of seconds greater than 0, got "60"',
        ],
        [1, 43, 'Argument "database" of @table expects a name made of letters, digits, "_" or "-"'],
        [
          1,
          60,
          'Argument "name" of @export expects a name made of letters, digits, "_" or "-" (it becomes a storage name or URL segment), got "a/b"',
        ],
        [
          4,
          33,
          'Argument "from" of @relationship expects the name of an attribute, like organizerId, got 12',
        ],
      ],
    );
  });

  it('refuses an expiration of zero or below', () => {
    expectErrors('type T @table(expiration: 0) { id: ID @primaryKey }', [
      [
        1,
        27,
        'Argument "expiration" of @table expects a whole number of seconds greater than 0, got 0',
      ],
    ]);
  });

  it('refuses an attribute name that is not a GraphQL name', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey
        children: [T] @relationship(to: "parent id")
      }
      `,
      [[3, 35, 'Argument "to" of @relationship expects the name of an attribute']],
    );
  });
});
