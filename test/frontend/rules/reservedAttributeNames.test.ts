import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('reserved-attribute-names', () => {
  it('allows names that only resemble reserved ones, and TypeScript keywords (valid property names)', () => {
    expectValid(
      'type T @table { id: ID @primaryKey constructorName: String proto_: String class: String _private: Int }',
    );
  });

  it.each(['constructor', 'prototype', '__proto__', '__typename', '__meta'])(
    'refuses the attribute name %s',
    (name) => {
      expectErrors(`type T @table { id: ID @primaryKey ${name}: String }`, [
        [
          1,
          36,
          `Attribute name "${name}" on "T" is reserved (JavaScript objects use it internally, and GraphQL reserves names starting with "__"); rename the field`,
        ],
      ]);
    },
  );

  it('checks plain object types too', () => {
    expectErrors(
      `
      type T @table { id: ID @primaryKey }
      type Address { prototype: String }
      `,
      [[2, 16, 'Attribute name "prototype" on "Address" is reserved']],
    );
  });
});
