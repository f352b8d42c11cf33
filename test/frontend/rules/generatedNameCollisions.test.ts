import { describe, it } from 'vitest';
import { expectErrors, expectValid } from '../harness.js';

describe('generated-name-collisions', () => {
  it('allows New<T> and <T>Patch when T is not a table', () => {
    expectValid(`
      type Order @table { id: ID @primaryKey item: Product }
      type Product { name: String }
      type NewProduct { name: String }
      type ProductPatch { name: String }
    `);
  });

  it('refuses a type named like the create or patch body of a table', () => {
    expectErrors(
      `
      type Product @table { id: ID @primaryKey }
      type NewProduct { name: String }
      type ProductPatch { name: String }
      `,
      [
        [
          2,
          6,
          'Type name "NewProduct" collides with the interface "NewProduct", the create body generated for table "Product"; rename the type',
        ],
        [
          3,
          6,
          'Type name "ProductPatch" collides with the interface "ProductPatch", the patch body generated for table "Product"',
        ],
      ],
    );
  });

  it('refuses a collision even when the colliding type is a table itself, in either order', () => {
    expectErrors(
      `
      type NewA @table { id: ID @primaryKey }
      type A @table { id: ID @primaryKey }
      `,
      [
        [
          1,
          6,
          'Type name "NewA" collides with the interface "NewA", the create body generated for table "A"',
        ],
      ],
    );
  });

  it('refuses type names that differ only in case, at the second', () => {
    expectErrors(
      `
      type Item @table { id: ID @primaryKey }
      type ITEM { name: String }
      `,
      [
        [
          2,
          6,
          'Type name "ITEM" differs from "Item" (at schema.graphql:1:6) only in case, so their generated files would clash on case-insensitive file systems; rename one of them',
        ],
      ],
    );
  });
});
