/**
 * Every rule has a fixture under fixtures/invalid/<rule-name>/ with one mistake (two files for the
 * cross-file cases); loading it reports exactly that mistake, from that rule, at that file:line:col.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchema } from '../../src/frontend/index.js';
import type { SchemaSource } from '../../src/frontend/index.js';
import { RULES } from '../../src/frontend/rules/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const INVALID = 'fixtures/invalid';

/** The fixture's files as the CLI would pass them: paths relative to the repository root. */
function fixture(name: string): SchemaSource[] {
  const directory = `${INVALID}/${name}`;
  return readdirSync(path.join(ROOT, directory))
    .filter((file) => file.endsWith('.graphql'))
    .map((file) => ({
      path: `${directory}/${file}`,
      text: readFileSync(path.join(ROOT, directory, file), 'utf8'),
    }));
}

/** `file:line:col message` of each diagnostic, with the rule that reported it. */
function load(
  name: string,
): Array<{ readonly where: string; readonly message: string; readonly rule: string }> {
  const result = loadSchema(fixture(name));
  if (result.ok) return [];
  return result.diagnostics.map((d) => ({
    where: `${d.path}:${d.line}:${d.column}`,
    message: d.message,
    rule: d.rule,
  }));
}

/** The one diagnostic of each single-mistake fixture: `[file:line:col, message]`. */
const EXPECTED: Readonly<Record<string, readonly [string, string]>> = {
  syntax: ['schema.graphql:4:13', 'Syntax Error: Expected ":", found Name "String".'],
  'supported-definitions': [
    'schema.graphql:1:7',
    'Union "EventOwner" is not supported; use a plain object type or Any for the attributes that use it',
  ],
  'tables-required': [
    'schema.graphql:2:6',
    'The schema declares no @table type, so there is nothing to serve; add @table and a @primaryKey field to a type, like "type Product @table @export { id: ID @primaryKey }"',
  ],
  'unique-type-names': [
    'types.graphql:6:6',
    'Type "Product" is already defined at fixtures/invalid/unique-type-names/tables.graphql:1:6; rename one of them or merge their fields',
  ],
  'reserved-type-names': [
    'schema.graphql:6:6',
    'Type name "Record" collides with the TypeScript global "Record" that the generated code uses; rename the type',
  ],
  'generated-name-collisions': [
    'schema.graphql:6:6',
    'Type name "NewProduct" collides with the interface "NewProduct", the create body generated for table "Product"; rename the type',
  ],
  'unique-field-names': [
    'schema.graphql:5:3',
    'Field "User.email" is already declared at fixtures/invalid/unique-field-names/schema.graphql:3:3; remove or rename one of them',
  ],
  'reserved-attribute-names': [
    'schema.graphql:4:3',
    'Attribute name "constructor" on "User" is reserved (JavaScript objects use it internally, and GraphQL reserves names starting with "__"); rename the field',
  ],
  'field-arguments': [
    'schema.graphql:3:8',
    'Field "User.name" has arguments, which are not supported (an attribute is stored data, not a resolver); remove "(locale: ...)"',
  ],
  'known-types': [
    'schema.graphql:3:10',
    'Unknown type "Strng" for field "Event.title"; did you mean "String"?',
  ],
  'nested-lists': [
    'schema.graphql:3:10',
    'Field "Board.cells" is a list of lists, which is not supported; use a list of a plain object type that holds the inner list, or Any',
  ],
  'embedded-tables': [
    'schema.graphql:7:14',
    'Field "Event.organizer" has the table type "User" but no @relationship; add @relationship(from: <attribute holding the User key>), or use a plain object type to store the value inside the record',
  ],
  'known-directives': [
    'schema.graphql:3:17',
    'Unknown directive "@index" on field "Event.title"; did you mean "@indexed"?',
  ],
  'directive-arguments': [
    'schema.graphql:1:33',
    'Argument "expiration" of @table expects a whole number of seconds greater than 0, got "1h"',
  ],
  'default-values': [
    'schema.graphql:3:30',
    'The default of "Product.stock" (Int) is "none", not an integer (Int)',
  ],
  'referential-actions': [
    'schema.graphql:8:58',
    'onDelete: SET_NULL on "Post.author" would set "Post.authorId" to null, but it is non-null; make it nullable, or use RESTRICT or CASCADE',
  ],
  'computed-attributes': [
    'schema.graphql:4:35',
    'The from: of "Post.summary" is not a JavaScript expression (Expression expected.)',
  ],
  'unique-attributes': [
    'schema.graphql:3:20',
    '"User.emails" is a list, whose values are several, so it cannot be @unique; make it a single value',
  ],
  'unique-directives': [
    'schema.graphql:3:26',
    'Directive "@indexed" is repeated on field "Event.title" (first at fixtures/invalid/unique-directives/schema.graphql:3:17); keep one',
  ],
  'table-only-directives': [
    'schema.graphql:7:16',
    'Directive "@indexed" on field "Venue.name" needs a table, but "Venue" is a plain object type (stored inside records); add @table to "Venue" or remove @indexed',
  ],
  'primary-key': [
    'schema.graphql:1:6',
    'Type "Event" is a @table but has no @primaryKey; mark one field with @primaryKey',
  ],
  'primary-key-type': [
    'schema.graphql:2:12',
    'Primary key "Flag.enabled" has type "Boolean", which cannot be a key; use ID, String, Int, Long or Float',
  ],
  'indexed-attributes': [
    'schema.graphql:2:22',
    '"Event.id" is the primary key, which the table is already keyed by; remove @indexed',
  ],
  timestamps: [
    'schema.graphql:3:14',
    '@createdTime on "Event.createdAt" cannot hold a time in type "Boolean"; declare it as one of String, Date, Int, Long, Float or Any',
  ],
  'unique-table-names': [
    'schema.graphql:5:21',
    'Tables "Product" and "ProductArchive" are both stored as table "Product" in database "data" (the first at fixtures/invalid/unique-table-names/schema.graphql:1:14); give one of them another @table(table: "...")',
  ],
  'unique-export-names': [
    'b.graphql:1:23',
    'Tables "Product" and "ProductV2" are both exported as "/Product/" (the first at fixtures/invalid/unique-export-names/a.graphql:1:21); give one of them another name with @export(name: "...")',
  ],
  'relationship-arguments': [
    'schema.graphql:8:19',
    '@relationship on "Event.organizer" needs from: or to:; use from: <attribute of Event holding the User key> or to: <attribute of User holding the Event key>',
  ],
  'relationship-join': [
    'schema.graphql:9:51',
    '"Event.owner" joins "Event.ownerEmail" (String) with "User.age" (Int), whose values never equal each other; give them types of one kind (text or numbers)',
  ],
  'relationship-target': [
    'schema.graphql:8:10',
    'Relationship "Event.venue" points to "Venue", which is not a @table; add @table (and a @primaryKey) to "Venue", or remove @relationship',
  ],
  'relationship-from': [
    'schema.graphql:8:39',
    '@relationship(from: organizer_id) on "Event.organizer" names no attribute of "Event"; did you mean "organizerId"?',
  ],
  'relationship-to': [
    'schema.graphql:3:13',
    '@relationship(to: categoryId) on "Category.products" is one-to-many, so the field must be a list: [Product]; to link a single Product, use from: <attribute of Category holding its key>',
  ],
  'relationship-key-types': [
    'schema.graphql:8:39',
    '"Event.organizerId" (Int) holds the keys of "User.id" (ID) for "Event.organizer", and a number value never equals a text key; declare "Event.organizerId" as ID',
  ],
  'relationship-field-directives': [
    'schema.graphql:8:52',
    'Relationship "Event.organizer" cannot be @indexed: its value is computed, never stored; index the attribute that holds the key ("organizerId") instead',
  ],
};

describe('invalid fixtures', () => {
  it('exist for every rule (and for syntax errors), and for nothing else', () => {
    const directories = readdirSync(path.join(ROOT, INVALID))
      .filter((name) => name !== 'multiple-mistakes')
      .sort();
    const expected = ['syntax', ...RULES.map((rule) => rule.name)].sort();
    expect(directories).toEqual(expected);
    expect(Object.keys(EXPECTED).sort()).toEqual(expected);
  });

  it.each(Object.entries(EXPECTED))(
    '%s: reports its one mistake at file:line:col',
    (name, [where, message]) => {
      expect(load(name)).toEqual([{ where: `${INVALID}/${name}/${where}`, message, rule: name }]);
    },
  );

  it('reports two different mistakes of one file in one run', () => {
    const file = `${INVALID}/multiple-mistakes/schema.graphql`;
    expect(load('multiple-mistakes')).toEqual([
      {
        where: `${file}:2:6`,
        message: 'Type "Event" is a @table but has no @primaryKey; mark one field with @primaryKey',
        rule: 'primary-key',
      },
      {
        where: `${file}:4:10`,
        message: 'Unknown type "Strng" for field "Event.title"; did you mean "String"?',
        rule: 'known-types',
      },
    ]);
  });
});
