import { describe, expect, it } from 'vitest';
import { loadSchema } from '../../../src/frontend/index.js';
import { expectErrors, expectValid } from '../harness.js';

describe('default-values', () => {
  it('allows a default of the attribute type, kept in JSON form', () => {
    const text = `type T @table {
      id: ID @primaryKey
      name: String! @default(value: "unnamed")
      count: Int @default(value: 0)
      big: BigInt @default(value: 123456789012345678901234567890)
      price: Float @default(value: 9)
      on: Boolean @default(value: true)
      since: Date @default(value: "2024-01-01T00:00:00.000Z")
      tags: [String] @default(value: ["new"])
      extra: Any @default(value: { a: [1, "b"] })
    }`;
    expectValid(text);
    const loaded = loadSchema([{ path: 'schema.graphql', text }]);
    if (!loaded.ok) throw new Error('does not load');
    const defaults = Object.fromEntries(
      loaded.schema.tables[0]!.attributes.map((attribute) => [attribute.name, attribute.default]),
    );
    expect(defaults).toEqual({
      id: undefined,
      name: 'unnamed',
      count: 0,
      big: '123456789012345678901234567890',
      price: 9,
      on: true,
      since: '2024-01-01T00:00:00.000Z',
      tags: ['new'],
      extra: { a: [1, 'b'] },
    });
  });

  it('refuses a value of another type, null, and defaults the server sets or computes', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey @default(value: "x")
        count: Int @default(value: "none")
        small: Int @default(value: 3000000000)
        tags: [String] @default(value: "a")
        gone: String @default(value: null)
        at: String @createdTime @default(value: "x")
        when: Date @default(value: "tomorrow")
        none: String @default
      }
      `,
      [
        [2, 22, '"T.id" is the primary key, generated when absent; it takes no @default'],
        [3, 30, 'The default of "T.count" (Int) is "none", not an integer (Int)'],
        [
          4,
          30,
          'The default of "T.small" (Int) is 3000000000, not an integer within the bounds of Int',
        ],
        [5, 34, 'The default of "T.tags" (String list) is "a": a list attribute takes a list'],
        [6, 32, 'The default of "T.gone" (String) is null, which is no default: remove @default'],
        [7, 27, '"T.at" is set by the server on every write; it takes no @default'],
        [
          8,
          30,
          'The default of "T.when" (Date) is "tomorrow", not an ISO-8601 date or epoch milliseconds',
        ],
        [9, 16, '@default on "T.none" needs a value: @default(value: …)'],
      ],
    );
  });
});
