/**
 * Your own code for the `Product` table. codegen created this file once and never changes it
 * again (regenerating after a schema change leaves it as it is): edit it freely. It is type-checked
 * against the schema, so a hook that uses an attribute the schema no longer has fails `npm run build`.
 *
 * The shop's rule: `inStock` always says whether any stock is left, whoever writes the product
 * and however (POST, PUT, PATCH of either attribute, or another hook). Products whose stock is
 * not counted (no `stockQuantity`) keep the `inStock` they are given.
 */
import type { Database } from '../database.js';
import { defineHooks } from '../runtime/hooks.js';

export default defineHooks<Database, 'Product'>({
  beforeWrite(product) {
    // For a PATCH, `product` is already merged with the stored record: both attributes are here.
    if (product.stockQuantity === undefined || product.stockQuantity === null) return;
    return { ...product, inStock: product.stockQuantity > 0 };
  },
});
