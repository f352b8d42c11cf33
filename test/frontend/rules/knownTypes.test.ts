import { describe, it } from 'vitest';
import { SCALAR_NAMES } from '../../../templates/runtime/meta.js';
import { expectErrors, expectErrorsIn, expectValid } from '../harness.js';

describe('known-types', () => {
  it('allows every built-in scalar, lists and non-null forms, and types from another file', () => {
    const fields = SCALAR_NAMES.map((name, index) => `f${index}: ${name}`).join('\n');
    expectValid(
      `type T @table {\nid: ID @primaryKey\n${fields}\nlist: [String!]!\naddress: Address\n}\ntype Address { city: String }`,
    );
    expectValid([
      { path: 'a.graphql', text: 'type T @table { id: ID @primaryKey address: Address }' },
      { path: 'b.graphql', text: 'type Address { city: String }' },
    ]);
  });

  it('refuses an unknown type at its name, suggesting a close one', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey
        name: Strin
        tags: [Sting!]!
        home: Adress
      }
      type Address { city: String }
      `,
      [
        [3, 9, 'Unknown type "Strin" for field "T.name"; did you mean "String"?'],
        [4, 10, 'Unknown type "Sting" for field "T.tags"; did you mean "String"?'],
        [5, 9, 'Unknown type "Adress" for field "T.home"; did you mean "Address"?'],
      ],
    );
  });

  it('says how to fix a name with nothing close', () => {
    expectErrors('type T @table { id: ID @primaryKey money: Decimal }', [
      [
        1,
        43,
        'Unknown type "Decimal" for field "T.money"; use a built-in scalar (ID, String, Int, Long, Float, Boolean, Date, BigInt, Bytes, Any) or define "type Decimal"',
      ],
    ]);
  });

  it('does not call a name unknown when another file failed to parse (it may be defined there)', () => {
    expectErrorsIn(
      [
        { path: 'a.graphql', text: 'type T @table { id: ID @primaryKey address: Address }' },
        { path: 'b.graphql', text: 'type Address { city: String' },
      ],
      [['b.graphql', 1, 28, 'Syntax Error: Expected Name, found <EOF>.']],
    );
  });
});
