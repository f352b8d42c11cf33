import { describe, it } from 'vitest';
import { expectErrors, expectErrorsIn, expectValid } from '../harness.js';

describe('relationship-to', () => {
  it('allows to: on a list field, naming a single key or a list of keys of the target', () => {
    expectValid(`
      type Category @table { id: ID @primaryKey products: [Product] @relationship(to: categoryId) }
      type Tag @table { id: ID @primaryKey products: [Product!]! @relationship(to: tagIds) }
      type Product @table { id: ID @primaryKey categoryId: ID tagIds: [ID] }
    `);
  });

  it('refuses to: on a single field, at the field type', () => {
    expectErrors(
      `
      type Category @table {
        id: ID @primaryKey
        product: Product @relationship(to: categoryId)
      }
      type Product @table { id: ID @primaryKey categoryId: ID }
      `,
      [
        [
          3,
          12,
          '@relationship(to: categoryId) on "Category.product" is one-to-many, so the field must be a list: [Product]; to link a single Product, use from: <attribute of Category holding its key>',
        ],
      ],
    );
  });

  it('refuses a to: naming no attribute of the target, across files', () => {
    expectErrorsIn(
      [
        {
          path: 'category.graphql',
          text: 'type Category @table {\n  id: ID @primaryKey\n  products: [Product] @relationship(to: owner)\n}',
        },
        {
          path: 'product.graphql',
          text: 'type Product @table { id: ID @primaryKey categoryId: ID }',
        },
      ],
      [
        [
          'category.graphql',
          3,
          41,
          '@relationship(to: owner) on "Category.products" names no attribute of "Product"; declare "owner" on "Product" to hold the Category key',
        ],
      ],
    );
  });

  it('suggests a close attribute of the target', () => {
    expectErrors(
      `
      type Category @table { id: ID @primaryKey products: [Product] @relationship(to: categoryID) }
      type Product @table { id: ID @primaryKey categoryId: ID }
      `,
      [[1, 81, 'names no attribute of "Product"; did you mean "categoryId"?']],
    );
  });

  it('refuses a to: naming a relationship of the target', () => {
    expectErrors(
      `
      type Category @table { id: ID @primaryKey products: [Product] @relationship(to: category) }
      type Product @table { id: ID @primaryKey categoryId: ID category: Category @relationship(from: categoryId) }
      `,
      [
        [
          1,
          81,
          '@relationship(to: category) on "Category.products" names "Product.category", which is itself a relationship; to: must name a stored attribute of "Product" that holds the Category key',
        ],
      ],
    );
  });
});
