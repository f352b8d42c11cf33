import { describe, expect, it } from 'vitest';
import { loadSchema } from '../../src/frontend/index.js';
import type { SchemaSource } from '../../src/frontend/index.js';
import { expectErrorsIn, expectValid } from './harness.js';

describe('loadSchema', () => {
  it('merges several files into one schema, with references across them', () => {
    const schema = expectValid([
      {
        path: 'users.graphql',
        text: 'type User @table @export { id: ID @primaryKey events: [Event] @relationship(to: ownerId) }',
      },
      {
        path: 'events.graphql',
        text: 'type Event @table @export { id: ID @primaryKey ownerId: ID place: Place }',
      },
      { path: 'types.graphql', text: 'type Place { name: String }' },
    ]);
    expect(schema.tables.map((t) => t.name)).toEqual(['Event', 'User']);
    expect(schema.objectTypes.map((t) => t.name)).toEqual(['Place']);
  });

  it('reports a syntax error as a diagnostic and still validates the other files', () => {
    expectErrorsIn(
      [
        {
          path: 'b.graphql',
          text: 'type Event @table {\n  id: ID @primaryKey\n  title: String @index\n}',
        },
        { path: 'a.graphql', text: 'type User @table {\n  id ID\n}' },
      ],
      [
        ['a.graphql', 2, 6, 'Syntax Error: Expected ":", found Name "ID".'],
        [
          'b.graphql',
          3,
          17,
          'Unknown directive "@index" on field "Event.title"; did you mean "@indexed"?',
        ],
      ],
    );
  });

  it('accepts a file holding only comments next to others', () => {
    expectValid([
      { path: 'notes.graphql', text: '# tables live in schema.graphql\n' },
      { path: 'schema.graphql', text: 'type T @table { id: ID @primaryKey }' },
    ]);
  });

  it('reports every error of every file in one run, sorted by path, line and column, whatever the file order', () => {
    const z: SchemaSource = {
      path: 'z.graphql',
      text: 'type Z @table { id: ID @primaryKey a: Nope b: Nope }',
    };
    const a: SchemaSource = {
      path: 'a.graphql',
      text: 'type A @table {\n  id: Boolean @primaryKey\n}\ntype B @table { id: ID }',
    };
    const mn: SchemaSource = {
      path: 'm/n.graphql',
      text: 'type M @table @export(name: "A") { id: ID @primaryKey }\ntype N @table @export(name: "A") { id: ID @primaryKey }',
    };
    const expected = [
      ['a.graphql', 2, 7, 'Primary key "A.id" has type "Boolean"'],
      ['a.graphql', 4, 6, 'Type "B" is a @table but has no @primaryKey'],
      ['m/n.graphql', 2, 15, 'Tables "M" and "N" are both exported as "/A/"'],
      ['z.graphql', 1, 39, 'Unknown type "Nope" for field "Z.a"'],
      ['z.graphql', 1, 47, 'Unknown type "Nope" for field "Z.b"'],
    ] as const;
    expectErrorsIn([z, a, mn], expected);
    expectErrorsIn([mn, a, z], expected);
    expectErrorsIn([a, z, mn], expected);
  });

  it('returns frozen diagnostics', () => {
    const result = loadSchema([{ path: 'a.graphql', text: 'type A @table { id: ID }' }]);
    if (result.ok) throw new Error('expected diagnostics');
    expect(Object.isFrozen(result.diagnostics)).toBe(true);
    expect(Object.isFrozen(result.diagnostics[0])).toBe(true);
  });

  it('validates and builds 200 tables with relationships', () => {
    const types = Array.from({ length: 200 }, (_, index) => {
      const previous = index === 0 ? 199 : index - 1;
      return `type T${index} @table @export {
        id: ID @primaryKey
        name: String @indexed
        parentId: ID @indexed
        parent: T${previous} @relationship(from: parentId)
        children: [T${(index + 1) % 200}] @relationship(to: parentId)
        address: Address
      }`;
    });
    const schema = expectValid([
      { path: 'tables.graphql', text: types.join('\n') },
      { path: 'types.graphql', text: 'type Address { city: String }' },
    ]);
    expect(schema.tables).toHaveLength(200);
    expect(schema.tables[0]?.attributes.map((a) => a.relationship?.kind ?? null)).toEqual([
      null,
      null,
      null,
      'many-to-one',
      'one-to-many',
      null,
    ]);
  });
});
