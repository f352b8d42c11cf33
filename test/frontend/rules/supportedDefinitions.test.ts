import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

const TABLE = 'type T @table { id: ID @primaryKey }';

describe('supported-definitions', () => {
  it('allows object types and declarations of built-in scalars', () => {
    expectValid(`
      scalar Date
      scalar Long
      ${TABLE}
      type Address { city: String }
    `);
  });

  it('refuses a custom scalar and lists the built-in ones', () => {
    expectErrors(
      `
      scalar Email
      ${TABLE}
      `,
      [
        [
          1,
          8,
          'Custom scalar "Email" is not supported; use one of the built-in scalars: ID, String, Int, Long, Float, Boolean, Date, BigInt, Bytes, Any',
        ],
      ],
    );
  });

  it('refuses interfaces, unions and input types at their names', () => {
    expectErrors(
      `
      ${TABLE}
      interface Node { id: ID }
      union Result = T
      input NewT { id: ID }
      `,
      [
        [2, 11, 'Interface "Node" is not supported'],
        [3, 7, 'Union "Result" is not supported'],
        [4, 7, 'Input type "NewT" is not supported'],
      ],
    );
  });

  it('allows enums, and refuses one named as a built-in scalar', () => {
    expectValid(`
      type T @table { id: ID @primaryKey status: Status }
      enum Status { OPEN CLOSED }
    `);
    expectErrors(
      `
      ${TABLE}
      enum Date { TODAY }
      `,
      [[2, 6, 'Enum "Date" takes the name of a built-in scalar; rename it']],
    );
  });

  it('does not also call a field of an unsupported type unknown', () => {
    expectErrors(
      `
      type T @table { id: ID @primaryKey owner: Owner }
      union Owner = T
      `,
      [[2, 7, 'Union "Owner" is not supported']],
    );
  });

  it('refuses directive definitions, schema definitions and extensions', () => {
    expectErrors(
      `
      ${TABLE}
      directive @cache on OBJECT
      schema { query: T }
      extend type T { name: String }
      `,
      [
        [2, 12, 'Directive definition "@cache" is not supported'],
        [3, 1, 'A schema definition is not supported'],
        [
          4,
          13,
          'Extending "T" is not supported; declare all of its fields and directives in its definition',
        ],
      ],
    );
  });

  it('refuses the root operation types', () => {
    expectErrors(
      `
      ${TABLE}
      type Query { ts: [T] }
      type Mutation { add: T }
      `,
      [
        [2, 6, 'Type "Query" declares GraphQL operations, which generated servers do not serve'],
        [3, 6, 'Type "Mutation" declares GraphQL operations'],
      ],
    );
  });

  it('refuses operations and fragments', () => {
    expectErrors(
      `
      ${TABLE}
      { ts { id } }
      fragment F on T { id }
      `,
      [
        [2, 1, 'Operations and fragments do not belong in a schema file'],
        [3, 10, 'Operations and fragments do not belong in a schema file'],
      ],
    );
  });

  it('refuses implements clauses at the interface name', () => {
    expectErrors(
      `
      type T implements Node @table { id: ID @primaryKey }
      `,
      [
        [
          1,
          19,
          'Type "T" implements "Node", but interfaces are not supported; remove "implements Node"',
        ],
      ],
    );
  });
});
