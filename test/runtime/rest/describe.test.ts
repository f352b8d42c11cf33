/** `GET /T`'s description carries the schema's doc strings (contract section 4). */
import { describe, expect, it } from 'vitest';
import { describeTable } from '../../../templates/runtime/rest/describe.js';
import { loadFixtureSchema } from '../../helpers/fixtureSchema.js';
import { attribute as a, table } from '../fixtures/meta.js';

describe('describeTable', () => {
  it('gives the table and its attributes the doc strings the schema has, and nothing where it has none', async () => {
    const schema = await loadFixtureSchema('kitchen-sink');
    const author = schema.tables.find((table) => table.name === 'Author')!;
    const description = describeTable(author, 3);
    expect(description.description).toMatch(/^Someone who writes posts\./);
    const byName = new Map(description.attributes.map((attribute) => [attribute.name, attribute]));
    expect(byName.get('name')?.description).toBe("The name shown on the author's posts.");
    expect(byName.get('bio')).not.toHaveProperty('description');
    const post = describeTable(
      schema.tables.find((table) => table.name === 'Post')!,
      0,
    );
    expect(post).not.toHaveProperty('description');
    // A hidden attribute's doc string goes with it.
    const hidden = describeTable(author, 3, new Set(['name']));
    expect(hidden.attributes.map((attribute) => attribute.name)).not.toContain('name');
  });

  it("gives every attribute Harper's fields beside ours: the key, indexes, lists and both relationship forms", () => {
    const shop = {
      tables: [
        table('Category', [
          a('id', 'ID', { primaryKey: true }),
          a('tags', 'String', { list: true, nonNull: true, elementNonNull: true }),
          a('products', null, {
            list: true,
            relationship: {
              kind: 'one-to-many',
              target: 'Product',
              to: 'categoryId',
              localKey: 'id',
            },
          }),
        ]),
        table('Product', [
          a('id', 'ID', { primaryKey: true }),
          a('categoryId', 'ID', { indexed: true }),
          a('category', null, {
            relationship: {
              kind: 'many-to-one',
              target: 'Category',
              from: 'categoryId',
              targetKey: 'id',
            },
          }),
        ]),
      ],
    };
    const [category, product] = shop.tables.map((meta) => describeTable(meta, 0).attributes);
    expect(category).toEqual([
      { name: 'id', type: 'ID', isPrimaryKey: true, graphqlType: 'ID', primaryKey: true },
      {
        name: 'tags',
        type: 'array',
        elements: { type: 'String', nullable: false },
        nullable: false,
        graphqlType: '[String!]!',
      },
      {
        name: 'products',
        type: 'array',
        elements: { type: 'Product' },
        graphqlType: '[Product]',
        relationship: { kind: 'one-to-many', target: 'Product', to: 'categoryId' },
      },
    ]);
    expect(product).toEqual([
      { name: 'id', type: 'ID', isPrimaryKey: true, graphqlType: 'ID', primaryKey: true },
      { name: 'categoryId', type: 'ID', graphqlType: 'ID', indexed: true },
      {
        name: 'category',
        type: 'Category',
        graphqlType: 'Category',
        relationship: { kind: 'many-to-one', target: 'Category', from: 'categoryId' },
      },
    ]);
  });
});
