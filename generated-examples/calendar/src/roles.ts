/**
 * Who may do what in the calendar (the README's "Users and roles"); codegen created this file once
 * and never changes it again. The seed's story is a user's own calendar: a member's username is
 * the `id` of their `User` record, and
 *
 * - they read and change their own `User` record, no one else's;
 * - they read the events they organize or attend, create events they organize, and change or
 *   cancel only those;
 * - they keep their own availability;
 * - admin, the super user, may do everything, managing users included.
 *
 * There is no anonymous role: a request without credentials gets 401.
 */
import type { Database } from './database.js';
import type { AuthUser } from './runtime/auth/roles.js';
import { defineRoles } from './runtime/auth/roles.js';

const me = (user: AuthUser | null, id: string | null | undefined): boolean =>
  user !== null && id === user.username;

export default defineRoles<Database>({
  superUser: 'admin',
  roles: {
    member: {
      tables: {
        User: { read: (u, user) => me(user, u.id), update: (u, user) => me(user, u.id) },
        Event: {
          read: (event, user) =>
            me(user, event.organizerId) ||
            (user !== null && (event.attendeeIds ?? []).includes(user.username)),
          create: (event, user) => me(user, event.organizerId),
          update: (event, user) => me(user, event.organizerId),
          delete: (event, user) => me(user, event.organizerId),
        },
        Availability: {
          read: (slot, user) => me(user, slot.userId),
          create: (slot, user) => me(user, slot.userId),
          update: (slot, user) => me(user, slot.userId),
          delete: (slot, user) => me(user, slot.userId),
        },
      },
    },
  },
});
