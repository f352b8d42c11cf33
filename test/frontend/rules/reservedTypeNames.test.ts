import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('reserved-type-names', () => {
  it('allows ordinary names, including ones that merely contain a reserved word', () => {
    expectValid(
      'type DateRange @table { id: ID @primaryKey } type PromiseInfo { note: String } type Keys { k: String }',
    );
  });

  it.each([
    [
      'Promise',
      'collides with the TypeScript global "Promise" that the generated code uses; rename the type',
    ],
    ['Record', 'collides with the TypeScript global "Record"'],
    ['Uint8Array', 'collides with the TypeScript global "Uint8Array"'],
    ['Buffer', 'collides with the TypeScript global "Buffer"'],
    ['Table', 'collides with "Table" in the generated code'],
    ['SchemaMeta', 'collides with "SchemaMeta" in the generated code'],
    ['Key', 'collides with "Key" in the generated code'],
    ['schema', 'collides with "schema" in the generated code'],
    ['Date', 'is a built-in scalar'],
    ['Int', 'is a built-in scalar'],
    ['class', 'is a TypeScript reserved word'],
    ['interface', 'is a TypeScript reserved word'],
    ['Con', 'cannot be a file name on Windows (the generated src/tables/Con.ts)'],
    ['__Meta', 'starts with "__", which GraphQL reserves for itself'],
  ])('refuses the type name %s', (name, problem) => {
    expectErrors(`type ${name} @table { id: ID @primaryKey }`, [
      [1, 6, `Type name "${name}" ${problem}`],
    ]);
  });

  it('checks plain object types too', () => {
    expectErrors(
      `
      type T @table { id: ID @primaryKey }
      type Error { code: String }
      `,
      [[2, 6, 'Type name "Error" collides with the TypeScript global "Error"']],
    );
  });
});
