/**
 * Who may do what in the shop (the README's "Users and roles"); codegen created this file once and
 * never changes it again. The seed's stories:
 *
 * - visitors (no credentials) browse the catalogue: products and categories, without the stock
 *   count, which is the shop's own business;
 * - customers browse the same way, and keep a cart: they read, add, change and remove their own
 *   cart items only, those whose `sessionId` is their username;
 * - staff manage the catalogue (products and categories) and see every cart, but change none;
 * - admin, the super user, may do everything, managing users included.
 */
import type { Database } from './database.js';
import type { AuthUser } from './runtime/auth/roles.js';
import { defineRoles } from './runtime/auth/roles.js';

/** A cart item is its customer's: its `sessionId` is their username. */
const ownItem = (item: { readonly sessionId?: string | null }, user: AuthUser | null): boolean =>
  user !== null && item.sessionId === user.username;

const catalogue = {
  Product: { read: true, attributes: { stockQuantity: { read: false, write: false } } },
  Category: { read: true },
} as const;

export default defineRoles<Database>({
  superUser: 'admin',
  anonymous: 'visitor',
  roles: {
    visitor: { tables: catalogue },
    customer: {
      tables: {
        ...catalogue,
        CartItem: { read: ownItem, create: ownItem, update: ownItem, delete: ownItem },
      },
    },
    staff: {
      tables: {
        Product: { read: true, create: true, update: true, delete: true },
        Category: { read: true, create: true, update: true, delete: true },
        CartItem: { read: true },
      },
    },
  },
});
