/**
 * Who may do what (contract section 12): the types of the user's roles file, `src/roles.ts`, a
 * file codegen creates once and never touches again, type-checked against the schema like the
 * hooks. A role names, per table, whether its users may read, create, update and delete records
 * (`true`, or a row rule: a function of the record and the user), and which attributes they may
 * not read or write. What a role does not grant it does not have: a table it does not name is
 * neither readable nor writable, and a permission it leaves out is `false`.
 */
import type { RecordOf } from '../hooks.js';

/** The user a request is made by, as hooks, custom routes and row rules see them. */
export interface AuthUser {
  readonly username: string;
  readonly role: string;
}

/**
 * A row rule: whether `user` may read (create, update, delete) `record`. `user` is null for a
 * request without credentials (the anonymous role). It must be a pure, synchronous function of its
 * arguments: it runs for every record a request reads, and for every event a subscriber is sent.
 */
export type RowRule<Rec> = (record: Readonly<Rec>, user: AuthUser | null) => boolean;

/** `true`: every record; `false` (or absent): none; a function: the records it returns true for. */
export type Permission<Rec> = boolean | RowRule<Rec>;

/** What a role may do with one attribute; both default to true. */
export interface AttributePermission {
  /** false: never returned, and refused (403) in conditions, `sort()` and `select()`. */
  readonly read?: boolean;
  /** false: a body that holds the attribute is refused (403); PUT keeps its stored value. */
  readonly write?: boolean;
}

export interface TablePermissions<Rec> {
  /** GET of records, attributes, lists and the table's description; subscriptions. */
  readonly read?: Permission<Rec>;
  /** POST, and PUT or PATCH of a record that does not exist; the rule sees the record to store. */
  readonly create?: Permission<Rec>;
  /** PUT and PATCH of an existing record; the rule must hold for the stored and the new record. */
  readonly update?: Permission<Rec>;
  /** DELETE of a record, and of every match of a query (refused whole if one may not go). */
  readonly delete?: Permission<Rec>;
  /** Attributes this role may not read or write; every other attribute it may. */
  readonly attributes?: { readonly [A in keyof Rec]?: AttributePermission };
}

/** One role: what its users may do with each table (a table left out: nothing). */
export interface RoleDefinition<DB> {
  readonly tables: { readonly [N in keyof DB]?: TablePermissions<RecordOf<DB, N>> };
}

export interface RolesConfig<DB> {
  /**
   * The role whose users may do everything, manage users included (`/auth/users`). It is not
   * defined in `roles`: it has every permission.
   */
  readonly superUser: string;
  /**
   * The role of requests without credentials, one of `roles`. Absent: such requests are refused
   * with 401 (unless they come from this machine and `AUTHORIZE_LOCAL` is on).
   */
  readonly anonymous?: string;
  /** Every other role, by name. */
  readonly roles: { readonly [role: string]: RoleDefinition<DB> };
}

/**
 * Declares the roles: `export default defineRoles<Database>({ superUser: 'admin', roles: { … } })`.
 * It returns its argument; its type parameter is what types the rules.
 */
export function defineRoles<DB>(config: RolesConfig<DB>): RolesConfig<DB> {
  return config;
}

/** The roles as the runtime reads them, untyped (the generated types are let go once, here). */
export interface RuntimeRoles {
  readonly superUser: string;
  readonly anonymous?: string;
  readonly roles: Readonly<Record<string, RuntimeRoleDefinition>>;
}

export interface RuntimeRoleDefinition {
  readonly tables: Readonly<Record<string, RuntimeTablePermissions | undefined>>;
}

export interface RuntimeTablePermissions {
  readonly read?: RuntimePermission;
  readonly create?: RuntimePermission;
  readonly update?: RuntimePermission;
  readonly delete?: RuntimePermission;
  readonly attributes?: Readonly<Record<string, AttributePermission | undefined>>;
}

export type RuntimePermission = boolean | ((record: never, user: AuthUser | null) => boolean);

export function runtimeRoles<DB>(roles: RolesConfig<DB>): RuntimeRoles {
  return roles;
}
