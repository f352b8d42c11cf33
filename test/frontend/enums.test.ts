import { describe, expect, it } from 'vitest';
import { valueType } from '../../src/emit/types.js';
import { expectErrors, expectValid } from './harness.js';

describe('enum types', () => {
  it('make attributes that hold one of their values as a String, typed as a union of them', () => {
    const schema = expectValid(`
      enum Status { DRAFT PUBLISHED }
      type Post @table {
        id: ID @primaryKey
        status: Status! @indexed @unique @default(value: DRAFT)
        history: [Status!] @default(value: [DRAFT, "PUBLISHED"])
        maybe: [Status]
      }
    `);
    const [, status, history, maybe] = schema.tables[0]!.attributes;
    expect(status).toMatchObject({
      type: { kind: 'scalar', name: 'String' },
      enum: { name: 'Status', values: ['DRAFT', 'PUBLISHED'] },
      indexed: true,
      unique: true,
      default: 'DRAFT',
    });
    expect(history?.default).toEqual(['DRAFT', 'PUBLISHED']);
    expect(valueType(status!)).toBe("'DRAFT' | 'PUBLISHED'");
    expect(valueType(history!)).toBe("Array<'DRAFT' | 'PUBLISHED'>");
    expect(valueType(maybe!)).toBe("Array<'DRAFT' | 'PUBLISHED' | null>");
  });

  it('refuse a default that is not one of the values, a key and a timestamp of an enum type', () => {
    expectErrors(
      `
      enum Status { DRAFT PUBLISHED }
      type Post @table {
        id: Status @primaryKey
        status: Status @default(value: GONE)
        history: [Status] @default(value: [DRAFT, 3])
        at: Status @createdTime
      }
      `,
      [
        [3, 7, 'Primary key "Post.id" has the enum type "Status", which cannot be a key'],
        [
          4,
          34,
          'The default of "Post.status" (Status) is GONE, not one of its values (DRAFT, PUBLISHED)',
        ],
        [5, 37, 'The default of "Post.history" (Status) is 3, not one of its values'],
        [6, 7, '@createdTime on "Post.at" cannot hold a time in type "Status"'],
      ],
    );
  });
});
