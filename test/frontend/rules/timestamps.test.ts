import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('timestamps', () => {
  it.each(['String', 'Date', 'Int', 'Long', 'Float', 'Any', 'String!'])(
    'allows @createdTime and @updatedTime on %s',
    (type) => {
      expectValid(
        `type T @table { id: ID @primaryKey created: ${type} @createdTime updated: ${type} @updatedTime }`,
      );
    },
  );

  it.each(['Boolean', 'ID', 'BigInt', 'Bytes'])(
    'refuses @createdTime on %s, at the type',
    (type) => {
      expectErrors(`type T @table { id: ID @primaryKey at: ${type} @createdTime }`, [
        [
          1,
          40,
          `@createdTime on "T.at" cannot hold a time in type "${type}"; declare it as one of String, Date, Int, Long, Float or Any`,
        ],
      ]);
    },
  );

  it('refuses a list', () => {
    expectErrors('type T @table { id: ID @primaryKey at: [Date] @updatedTime }', [
      [
        1,
        40,
        '@updatedTime on "T.at" needs a single time, not a list; declare it as one of String, Date, Int, Long, Float or Any',
      ],
    ]);
  });

  it('refuses an object type', () => {
    expectErrors(
      'type T @table { id: ID @primaryKey at: Stamp @createdTime } type Stamp { ms: Long }',
      [[1, 40, '@createdTime on "T.at" cannot hold a time in type "Stamp"']],
    );
  });

  it('refuses both on one attribute', () => {
    expectErrors('type T @table { id: ID @primaryKey at: Date @createdTime @updatedTime }', [
      [1, 58, '"T.at" has both @createdTime and @updatedTime; use two attributes, one for each'],
    ]);
  });
});
