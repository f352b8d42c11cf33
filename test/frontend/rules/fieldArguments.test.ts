import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('field-arguments', () => {
  it('allows fields without arguments', () => {
    expectValid('type T @table { id: ID @primaryKey name: String }');
  });

  it('refuses a field with arguments, at the first argument', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey
        name(locale: String, fallback: Boolean): String
      }
      `,
      [
        [
          3,
          8,
          'Field "T.name" has arguments, which are not supported (an attribute is stored data, not a resolver); remove "(locale: ...)"',
        ],
      ],
    );
  });

  it('checks plain object types too', () => {
    expectErrors(
      `
      type T @table { id: ID @primaryKey }
      type Address { city(short: Boolean): String }
      `,
      [[2, 21, 'Field "Address.city" has arguments']],
    );
  });
});
