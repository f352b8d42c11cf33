/**
 * Who may do what on this server (the README's "Users and roles"). codegen created this file once
 * and never changes it again: edit it freely. It is type-checked against the schema, so a rule
 * that uses a table or attribute the schema no longer has fails `npm run build`.
 *
 * - `superUser`: the role whose users may do everything, managing users included.
 * - `anonymous`: the role of requests without credentials. Without it such requests get 401,
 *   except those from this machine while AUTHORIZE_LOCAL is on (the default when HOST is a
 *   loopback address), which act as the super user.
 * - `roles`: per role and table, `read`, `create`, `update` and `delete`, each `true` or a
 *   row rule `(record, user) => boolean` (user is null without credentials), and
 *   `attributes: { name: { read: false, write: false } }`. What a role does not grant, it does
 *   not have: a table it does not name is neither readable nor writable.
 *
 * Users: `npm run users -- add <name> --role <role>` (the password is read from the terminal or
 * standard input), or `POST /auth/users` as the super user.
 */
import type { Database } from './database.js';
import { defineRoles } from './runtime/auth/roles.js';

export default defineRoles<Database>({
  superUser: 'admin',
  roles: {
    // A role whose users may read every Author record and change none:
    // reader: { tables: { Author: { read: true } } },
  },
});
