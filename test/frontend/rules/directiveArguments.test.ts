import { describe, expect, it } from 'vitest';
import { loadSchema } from '../../../src/frontend/index.js';
import { dedent, expectErrors, expectValid, PATH } from '../harness.js';

/** The warnings of a valid schema, as `[line, column, message]`. */
function warningsOf(text: string): [number, number, string][] {
  const result = loadSchema([{ path: PATH, text: dedent(text) }]);
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return result.warnings.map((warning) => [warning.line, warning.column, warning.message]);
}

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
        [
          1,
          35,
          'Unknown argument "path" on @export; it accepts @export(name: String, rest: Boolean, mqtt: Boolean)',
        ],
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

  it('accepts the arguments only Harper’s cluster and storage read, each with a warning saying why', () => {
    expect(
      warningsOf(`
      type T @table(audit: true, replicate: false, eviction: 60, scanInterval: 30, expiration: 120)
        @export(mqtt: true) {
        id: ID @primaryKey
      }
    `),
    ).toEqual([
      [
        1,
        15,
        expect.stringMatching(/^@table\(audit:\) is ignored: Harper’s audit log is not kept/),
      ],
      [1, 28, expect.stringMatching(/^@table\(replicate:\) is ignored: /)],
      [1, 46, expect.stringMatching(/^@table\(eviction:\) is ignored: .*no caching tables/)],
      [
        2,
        11,
        '@export(mqtt:) is ignored: a generated server serves REST, WebSocket and Server-Sent Events, not MQTT',
      ],
    ]);
    expect(warningsOf('type T @table @export { id: ID @primaryKey }')).toEqual([]);
  });

  it('takes scanInterval as how often expired records are removed, and warns of it without expiration', () => {
    expect(
      warningsOf('type T @table(expiration: 60, scanInterval: 5) { id: ID @primaryKey }'),
    ).toEqual([]);
    expect(warningsOf('type T @table(scanInterval: 5) { id: ID @primaryKey }')).toEqual([
      [
        1,
        15,
        '@table(scanInterval:) is ignored: it says how often expired records are removed, and without expiration no record expires',
      ],
    ]);
  });

  it('still checks the values of the arguments it ignores', () => {
    expectErrors(
      `
      type T @table(audit: "yes", eviction: 0) @export(rest: 1) { id: ID @primaryKey }
      `,
      [
        [1, 22, 'Argument "audit" of @table expects true or false, got "yes"'],
        [
          1,
          39,
          'Argument "eviction" of @table expects a whole number of seconds greater than 0, got 0',
        ],
        [1, 56, 'Argument "rest" of @export expects true or false, got 1'],
      ],
    );
  });

  it('keeps a table exported with @export(rest: false) off every path, its name free for another', () => {
    const schema = expectValid(`
      type Hidden @table @export(name: "things", rest: false) { id: ID @primaryKey }
      type Shown @table @export(name: "things", rest: true) { id: ID @primaryKey }
    `);
    expect(schema.tables.map((table) => [table.name, table.exportName])).toEqual([
      ['Hidden', null],
      ['Shown', 'things'],
    ]);
  });

  it('refuses the system database, where the server keeps its users', () => {
    expectErrors(
      `
      type A @table(database: "system") { id: ID @primaryKey }
      type B @table(database: System, table: "hdb_user") { id: ID @primaryKey }
      `,
      [
        [
          1,
          25,
          'The database "system" holds the server\'s own tables (its users, as Harper\'s does); put the table in another database',
        ],
        [2, 25, 'The database "System" holds the server\'s own tables'],
      ],
    );
  });
});
