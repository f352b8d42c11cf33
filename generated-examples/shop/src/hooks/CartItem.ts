/**
 * Your own code for the `CartItem` table. codegen created this file once and never changes it
 * again (regenerating after a schema change leaves it as it is): edit it freely. It is type-checked
 * against the schema, so a hook that uses an attribute the schema no longer has fails `npm run build`.
 *
 * The shop's rule, from the seed article ("validate stock levels ... in the same process"): a cart
 * item never asks for more of a product than is in stock. The product is read in the write's own
 * transaction, so the check and the write see the same stock; a refusal answers 409 and writes
 * nothing. Items for a product this server does not hold, or whose stock it does not count (no
 * `stockQuantity`), are not checked.
 */
import type { Database } from '../database.js';
import { defineHooks, refuse } from '../runtime/hooks.js';

export default defineHooks<Database, 'CartItem'>({
  async beforeWrite(item, { tables }) {
    if (item.productId === undefined || item.productId === null) return;
    const product = await tables.Product.get(item.productId);
    const available = product?.stockQuantity;
    if (product === undefined || available === undefined || available === null) return;
    const wanted = item.quantity ?? 0;
    if (wanted > available) {
      refuse(
        409,
        `Only ${available} of ${product.name ?? product.id} in stock; the cart asks for ${wanted}`,
        'INSUFFICIENT_STOCK',
      );
    }
  },
});
