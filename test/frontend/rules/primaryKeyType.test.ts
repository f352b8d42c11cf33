import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('primary-key-type', () => {
  it.each(['ID', 'String', 'Int', 'Long', 'Float', 'ID!', 'Int!'])('allows a %s key', (type) => {
    expectValid(`type T @table { key: ${type} @primaryKey }`);
  });

  it.each(['Boolean', 'Date', 'BigInt', 'Bytes', 'Any'])('refuses a %s key', (type) => {
    expectErrors(`type T @table { key: ${type} @primaryKey }`, [
      [
        1,
        22,
        `Primary key "T.key" has type "${type}", which cannot be a key; use ID, String, Int, Long or Float`,
      ],
    ]);
  });

  it('refuses a list key', () => {
    expectErrors('type T @table { keys: [ID] @primaryKey }', [
      [
        1,
        23,
        'Primary key "T.keys" is a list; a key must be a single ID, String, Int, Long or Float',
      ],
    ]);
  });

  it('refuses an object key', () => {
    expectErrors('type T @table { key: Compound @primaryKey } type Compound { a: ID b: ID }', [
      [1, 22, 'Primary key "T.key" has the object type "Compound", which cannot be a key'],
    ]);
  });
});
