import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AttributeMeta, ScalarName, TableMeta } from '../../templates/runtime/meta.js';
import { loadSchema } from '../../src/frontend/index.js';
import type { SchemaSource } from '../../src/frontend/index.js';
import { expectValid } from './harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The seed articles' schemas, as committed in fixtures/ (verbatim copies of the articles' text). */
function fixture(...parts: string[]): SchemaSource {
  const file = path.join('fixtures', ...parts);
  return { path: file, text: readFileSync(path.join(ROOT, file), 'utf8') };
}

const NONE: Omit<AttributeMeta, 'name' | 'type'> = {
  list: false,
  nonNull: false,
  elementNonNull: false,
  primaryKey: false,
  indexed: false,
  timestamp: null,
  relationship: null,
};

function scalar(name: string, type: ScalarName, extra: Partial<AttributeMeta> = {}): AttributeMeta {
  return { name, type: { kind: 'scalar', name: type }, ...NONE, ...extra };
}

function table(name: string, attributes: AttributeMeta[]): TableMeta {
  return {
    name,
    tableName: name,
    database: 'data',
    exportName: name,
    primaryKey: 'id',
    keyType: 'ID',
    sealed: false,
    expiration: null,
    attributes,
  };
}

const key = scalar('id', 'ID', { primaryKey: true });

describe('buildSchema', () => {
  it('builds the calendar seed: many-to-one and many-to-many relationships', () => {
    const schema = expectValid([fixture('calendar', 'schema.graphql')]);
    expect(schema).toEqual({
      tables: [
        table('Availability', [
          key,
          scalar('userId', 'ID', { indexed: true }),
          scalar('dayOfWeek', 'Int', { indexed: true }),
          scalar('startTime', 'String', { indexed: true }),
          scalar('endTime', 'String', { indexed: true }),
          scalar('isAvailable', 'Boolean', { indexed: true }),
        ]),
        table('Event', [
          key,
          scalar('title', 'String', { indexed: true }),
          scalar('startTime', 'String', { indexed: true }),
          scalar('endTime', 'String', { indexed: true }),
          scalar('organizerId', 'ID', { indexed: true }),
          {
            name: 'organizer',
            type: { kind: 'table', name: 'User' },
            ...NONE,
            relationship: {
              kind: 'many-to-one',
              target: 'User',
              from: 'organizerId',
              targetKey: 'id',
            },
          },
          scalar('attendeeIds', 'ID', { list: true, indexed: true }),
          {
            name: 'attendees',
            type: { kind: 'table', name: 'User' },
            ...NONE,
            list: true,
            relationship: {
              kind: 'many-to-many',
              target: 'User',
              from: 'attendeeIds',
              targetKey: 'id',
            },
          },
          scalar('status', 'String', { indexed: true }),
          scalar('createdAt', 'String', { timestamp: 'created' }),
        ]),
        table('User', [
          key,
          scalar('email', 'String', { indexed: true }),
          scalar('name', 'String'),
          scalar('timezone', 'String'),
          scalar('createdAt', 'String', { timestamp: 'created' }),
        ]),
      ],
      objectTypes: [],
    });
  });

  it('builds the shop seed: one-to-many resolved to the local key', () => {
    const schema = expectValid([fixture('shop', 'schema.graphql')]);
    expect(schema.tables.map((t) => t.name)).toEqual(['CartItem', 'Category', 'Product']);
    const [cartItem, category, product] = schema.tables;
    expect(category).toEqual(
      table('Category', [
        key,
        scalar('name', 'String', { indexed: true }),
        scalar('description', 'String'),
        {
          name: 'products',
          type: { kind: 'table', name: 'Product' },
          ...NONE,
          list: true,
          relationship: {
            kind: 'one-to-many',
            target: 'Product',
            to: 'categoryId',
            localKey: 'id',
          },
        },
      ]),
    );
    expect(product?.attributes.find((a) => a.name === 'category')?.relationship).toEqual({
      kind: 'many-to-one',
      target: 'Category',
      from: 'categoryId',
      targetKey: 'id',
    });
    expect(cartItem?.attributes.map((a) => [a.name, a.relationship?.kind ?? null])).toEqual([
      ['id', null],
      ['productId', null],
      ['sessionId', null],
      ['quantity', null],
      ['addedAt', null],
      ['product', 'many-to-one'],
    ]);
  });

  it('reads every table option, key type, nullability form and plain object type', () => {
    const schema = expectValid(`
      type Author @table(table: "authors", database: "library", expiration: 3600, scanInterval: 60) @export(name: "writers") @sealed {
        id: Long! @primaryKey
        tags: [String!]! @indexed
        aliases: [String]
        address: Address
        updated: Date @updatedTime
        posts: [Post] @relationship(to: authorIds)
      }
      type Post @table { slug: String @primaryKey authorIds: [Long] }
      type Address { city: String! geo: Geo }
      type Geo { lat: Float lng: Float }
    `);
    const [author, post] = schema.tables;
    expect(author).toMatchObject({
      name: 'Author',
      tableName: 'authors',
      database: 'library',
      exportName: 'writers',
      primaryKey: 'id',
      keyType: 'Long',
      sealed: true,
      expiration: 3600,
      scanInterval: 60,
    });
    expect(author?.attributes).toEqual([
      scalar('id', 'Long', { primaryKey: true, nonNull: true }),
      scalar('tags', 'String', { list: true, nonNull: true, elementNonNull: true, indexed: true }),
      scalar('aliases', 'String', { list: true }),
      { name: 'address', type: { kind: 'object', name: 'Address' }, ...NONE },
      scalar('updated', 'Date', { timestamp: 'updated' }),
      {
        name: 'posts',
        type: { kind: 'table', name: 'Post' },
        ...NONE,
        list: true,
        relationship: { kind: 'one-to-many', target: 'Post', to: 'authorIds', localKey: 'id' },
      },
    ]);
    expect(post).toMatchObject({
      tableName: 'Post',
      database: 'data',
      exportName: null,
      primaryKey: 'slug',
      keyType: 'String',
      sealed: false,
      expiration: null,
    });
    expect(schema.objectTypes).toEqual([
      {
        name: 'Address',
        attributes: [
          scalar('city', 'String', { nonNull: true }),
          { name: 'geo', type: { kind: 'object', name: 'Geo' }, ...NONE },
        ],
      },
      { name: 'Geo', attributes: [scalar('lat', 'Float'), scalar('lng', 'Float')] },
    ]);
  });

  it('loads the kitchen-sink fixture, whose types span two files', () => {
    const schema = expectValid([
      fixture('kitchen-sink', 'tables.graphql'),
      fixture('kitchen-sink', 'types.graphql'),
    ]);
    expect(schema.tables.map((t) => t.name)).toEqual([
      'Author',
      'Counter',
      'Post',
      'Session',
      'Tag',
    ]);
    expect(schema.objectTypes.map((t) => t.name)).toEqual(['Address', 'GeoPoint']);
  });

  it('gives the same schema whatever the order of the files', () => {
    const files = [
      fixture('kitchen-sink', 'tables.graphql'),
      fixture('kitchen-sink', 'types.graphql'),
    ];
    const forward = loadSchema(files);
    const backward = loadSchema([...files].reverse());
    expect(forward.ok).toBe(true);
    expect(JSON.stringify(backward)).toBe(JSON.stringify(forward));
  });

  it('sorts tables and object types by name, keeping attributes in declaration order', () => {
    const schema = expectValid(
      'type b { z: Int a: Int } type Zebra @table { id: ID @primaryKey } type Ant @table { zz: ID @primaryKey aa: Int } type B2 { x: Int }',
    );
    expect(schema.tables.map((t) => [t.name, t.attributes.map((a) => a.name)])).toEqual([
      ['Ant', ['zz', 'aa']],
      ['Zebra', ['id']],
    ]);
    expect(schema.objectTypes.map((t) => t.name)).toEqual(['B2', 'b']);
  });

  it('returns deeply frozen data', () => {
    const schema = expectValid([fixture('calendar', 'schema.graphql')]);
    const event = schema.tables.find((t) => t.name === 'Event');
    const organizer = event?.attributes.find((a) => a.name === 'organizer');
    for (const value of [
      schema,
      schema.tables,
      event,
      event?.attributes,
      organizer,
      organizer?.type,
      organizer?.relationship,
    ]) {
      expect(Object.isFrozen(value)).toBe(true);
    }
    expect(() => (schema.tables as TableMeta[]).push(table('X', []))).toThrow(TypeError);
  });
});

describe('doc strings', () => {
  it('become the descriptions of tables, object types and attributes, absent where none is written', () => {
    const schema = expectValid(`
      """
        A product for sale.
      """
      type Product @table @export {
        "The SKU." id: ID @primaryKey
        name: String
        "Where it is kept." place: Place
      }
      "A place." type Place { shelf: Int }
    `);
    const product = schema.tables[0]!;
    expect(product.description).toBe('A product for sale.');
    expect(product.attributes.map((attribute) => attribute.description)).toEqual([
      'The SKU.',
      undefined,
      'Where it is kept.',
    ]);
    expect('description' in product.attributes[1]!).toBe(false);
    expect(schema.objectTypes[0]!.description).toBe('A place.');
  });
});
