import { describe, expect, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('computed-attributes', () => {
  it('accepts @computed bare, with from: and with version:, kept in the metadata', () => {
    const schema = expectValid(`
      type Post @table {
        id: ID @primaryKey
        title: String!
        author: String
        tags: [String]
        summary: String @computed(from: "title + ' by ' + author")
        lastName: String @computed
        titleLength: Int! @computed(from: "title.length", version: 3) @indexed
        upper: [String] @computed(from: "(tags ?? []).map((title) => title.toUpperCase())", version: 0)
      }
    `);
    const computed = Object.fromEntries(
      schema.tables[0]!.attributes.map((attribute) => [attribute.name, attribute.computed]),
    );
    expect(computed).toEqual({
      id: undefined,
      title: undefined,
      author: undefined,
      tags: undefined,
      summary: { from: "title + ' by ' + author", version: 0 },
      lastName: { version: 0 },
      titleLength: { from: 'title.length', version: 3 },
      upper: { from: '(tags ?? []).map((title) => title.toUpperCase())', version: 0 },
    });
    expect(schema.tables[0]!.attributes.find((a) => a.name === 'titleLength')?.indexed).toBe(true);
  });

  it('refuses it where the server or the schema sets the value otherwise', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey @computed
        made: Long @createdTime @computed
        changed: Date @computed @updatedTime
        other: O @relationship(from: id) @computed
        count: Int @computed @default(value: 1)
        code: String @computed @unique
      }
      type O @table {
        id: ID @primaryKey
      }
      `,
      [
        [2, 10, '"T.id" is @computed, so its function sets it; it cannot also be @primaryKey'],
        [3, 14, '"T.made" is @computed, so its function sets it; it cannot also be @createdTime'],
        [
          4,
          27,
          '"T.changed" is @computed, so its function sets it; it cannot also be @updatedTime',
        ],
        [5, 36, '"T.other" is a relationship, read from other records, so it cannot be @computed'],
        [6, 24, '"T.count" is @computed, so its function sets it; it cannot also be @default'],
        [7, 26, 'it cannot also be @unique (refused a duplicate value'],
      ],
    );
  });

  it('refuses a from: that is not one expression, or reads what the record does not store', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey
        title: String
        a: String @computed(from: "title +")
        b: String @computed(from: "title); (title")
        c: String @computed(from: "title; title")
        d: String @computed(from: "d + title")
        e: String @computed(from: "a")
        f: String @computed(from: "o.name")
        o: O @relationship(from: id)
        g: String @computed(from: 7)
        h: String @computed(version: -1)
        i: String @computed(from: "  ")
      }
      type O @table {
        id: ID @primaryKey
        name: String
      }
      `,
      [
        [4, 29, 'The from: of "T.a" is not a JavaScript expression (Expression expected.)'],
        [5, 29, 'The from: of "T.b" is not one JavaScript expression'],
        [6, 29, 'The from: of "T.c" is not a JavaScript expression'],
        [7, 29, 'The from: of "T.d" reads "d", the attribute itself'],
        [8, 29, 'The from: of "T.e" reads "a", which is computed too'],
        [9, 29, 'The from: of "T.f" reads "o", a relationship, which the record does not store'],
        [11, 29, 'Argument "from" of @computed expects a JavaScript expression in a string, got 7'],
        [12, 32, 'Argument "version" of @computed expects a whole number, 0 or more, got -1'],
        [13, 29, 'The from: of "T.i" is empty'],
      ],
    );
  });

  it('refuses it on a plain object type', () => {
    expectErrors(
      `
      type T @table {
        id: ID @primaryKey
        place: Place
      }
      type Place {
        city: String
        label: String @computed(from: "city")
      }
      `,
      [[7, 17, 'Directive "@computed" on field "Place.label" needs a table']],
    );
  });
});
