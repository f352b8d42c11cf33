/**
 * The roles file compiled against the schema, and `Access`: what one request may do. Every path
 * that reads or writes records for a client asks its `Access` (contract section 12):
 *
 * - reads go through `guardedReads(txn, access)` (`guardedTxn.ts`), a view of the store in which the
 *   records a role may not see do not exist and the attributes it may not read are absent: record
 *   and attribute GETs, lists and their counts, relationships followed by `select()` and by
 *   conditions, table descriptions, and subscriptions' initial states;
 * - queries are checked first (`checkQuery`): a condition, `sort()` or `select()` that names an
 *   attribute the role may not read, or follows a relationship it may not, is refused (403);
 * - writes are checked by the table (`table.ts`): the body's attributes before the transaction,
 *   the row rules inside it;
 * - events are filtered by `visible` and shaped by `strip` (`realtime/`).
 */
import { ClientError } from '../errors.js';
import { log } from '../log.js';
import type { SchemaMeta, TableMeta } from '../meta.js';
import type { Condition, Hop, Query, SelectItem } from '../query/types.js';
import type { StoredValue } from '../store/types.js';
import type { AuthUser, RuntimeRoles } from './roles.js';

export type Operation = 'read' | 'create' | 'update' | 'delete';

type Rule = true | false | ((record: StoredValue, user: AuthUser | null) => boolean);

/** One role's permissions on one table. */
export interface TablePolicy {
  readonly read: Rule;
  readonly create: Rule;
  readonly update: Rule;
  readonly delete: Rule;
  /** Attributes the role may not read. */
  readonly hidden: ReadonlySet<string>;
  /** Attributes the role may not write. */
  readonly readOnly: ReadonlySet<string>;
  /** Whether reads of the table pass unchanged: every record, every attribute. */
  readonly readsAll: boolean;
}

const NOTHING: TablePolicy = {
  read: false,
  create: false,
  update: false,
  delete: false,
  hidden: new Set(),
  readOnly: new Set(),
  readsAll: false,
};

const EVERYTHING: TablePolicy = {
  read: true,
  create: true,
  update: true,
  delete: true,
  hidden: new Set(),
  readOnly: new Set(),
  readsAll: true,
};

/** A role as the runtime checks it. */
export class RolePolicy {
  constructor(
    readonly name: string,
    readonly superUser: boolean,
    private readonly tables: ReadonlyMap<string, TablePolicy>,
  ) {}

  table(name: string): TablePolicy {
    if (this.superUser) return EVERYTHING;
    return this.tables.get(name) ?? NOTHING;
  }
}

/** The roles file, checked against the schema. */
export class Policy {
  readonly superUser: RolePolicy;
  readonly anonymous: RolePolicy | null;
  private readonly roles = new Map<string, RolePolicy>();

  /** Throws an Error naming every mistake of the roles file (a role or table that does not exist…). */
  constructor(schema: SchemaMeta, config: RuntimeRoles) {
    const problems: string[] = [];
    if (typeof config.superUser !== 'string' || !ROLE_NAME.test(config.superUser)) {
      problems.push('superUser must name a role (letters, digits, "_", "-", ".")');
    }
    this.superUser = new RolePolicy(config.superUser, true, new Map());
    this.roles.set(config.superUser, this.superUser);
    for (const [name, definition] of Object.entries(config.roles)) {
      if (!ROLE_NAME.test(name)) {
        problems.push(`role "${name}" must be named with letters, digits, "_", "-" and "."`);
        continue;
      }
      if (name === config.superUser) {
        problems.push(
          `role "${name}" is the super user role, which has every permission: remove it from roles`,
        );
        continue;
      }
      this.roles.set(name, compileRole(schema, name, definition.tables, problems));
    }
    if (config.anonymous !== undefined && !this.roles.has(config.anonymous)) {
      problems.push(`anonymous names the role "${config.anonymous}", which roles does not define`);
    }
    if (config.anonymous === config.superUser) {
      problems.push('anonymous cannot be the super user role: anyone could do anything');
    }
    if (problems.length > 0) {
      throw new Error(`src/roles.ts: ${problems.join('; ')}`);
    }
    this.anonymous =
      config.anonymous === undefined ? null : (this.roles.get(config.anonymous) ?? null);
  }

  /** The role of this name, or undefined when the roles file does not define it. */
  role(name: string): RolePolicy | undefined {
    return this.roles.get(name);
  }

  /** Every role name, the super user's first. */
  roleNames(): string[] {
    return [...this.roles.keys()];
  }
}

const ROLE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const OPERATIONS: readonly Operation[] = ['read', 'create', 'update', 'delete'];

function compileRole(
  schema: SchemaMeta,
  role: string,
  tables: Readonly<Record<string, unknown>>,
  problems: string[],
): RolePolicy {
  const compiled = new Map<string, TablePolicy>();
  for (const [tableName, permissions] of Object.entries(tables)) {
    const table = schema.tables.find((candidate) => candidate.name === tableName);
    if (table === undefined) {
      problems.push(`role "${role}" names the table ${tableName}, which the schema does not have`);
      continue;
    }
    if (permissions === undefined) continue;
    if (typeof permissions !== 'object' || permissions === null) {
      problems.push(`role "${role}": the permissions of ${tableName} must be an object`);
      continue;
    }
    const given = permissions as Record<string, unknown>;
    const rules: Partial<Record<Operation, Rule>> = {};
    for (const operation of OPERATIONS) {
      rules[operation] = ruleOf(
        given[operation],
        `role "${role}": ${tableName}.${operation}`,
        problems,
      );
    }
    const hidden = new Set<string>();
    const readOnly = new Set<string>();
    const attributes = given.attributes;
    if (attributes !== undefined) {
      for (const [name, permission] of Object.entries(attributes as Record<string, unknown>)) {
        if (!table.attributes.some((attribute) => attribute.name === name)) {
          problems.push(
            `role "${role}" names the attribute ${tableName}.${name}, which the schema does not declare`,
          );
          continue;
        }
        if (name === table.primaryKey) {
          problems.push(
            `role "${role}": the primary key ${tableName}.${name} cannot be hidden or read-only`,
          );
          continue;
        }
        const { read, write } = (permission ?? {}) as { read?: unknown; write?: unknown };
        if (read === false) hidden.add(name);
        if (write === false) readOnly.add(name);
      }
    }
    const read = rules.read ?? false;
    compiled.set(tableName, {
      read,
      create: rules.create ?? false,
      update: rules.update ?? false,
      delete: rules.delete ?? false,
      hidden,
      readOnly,
      readsAll: read === true && hidden.size === 0,
    });
  }
  return new RolePolicy(role, false, compiled);
}

function ruleOf(value: unknown, where: string, problems: string[]): Rule {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  if (typeof value === 'function') return value as Rule;
  problems.push(`${where} must be true, false or a function of the record and the user`);
  return false;
}

/** A request's principal: its user (null without credentials) and the role it acts in. */
export class Access {
  constructor(
    /** The schema the relationships of checked queries lead through. */
    private readonly schema: SchemaMeta,
    readonly user: AuthUser | null,
    readonly role: RolePolicy,
  ) {}

  get superUser(): boolean {
    return this.role.superUser;
  }

  table(name: string): TablePolicy {
    return this.role.table(name);
  }

  /** Whether the role may do `operation` on some records of `table` (403 when not). */
  allows(table: string, operation: Operation): boolean {
    return this.role.table(table)[operation] !== false;
  }

  /** Refuses (403) an operation the role may not do on any record of the table. */
  require(table: TableMeta, operation: Operation): void {
    if (!this.allows(table.name, operation))
      throw this.forbidden(`${operation} ${table.name} records`);
  }

  /** Whether the role may do `operation` on this record. */
  permits(table: string, operation: Operation, record: StoredValue): boolean {
    const rule = this.role.table(table)[operation];
    if (typeof rule === 'boolean') return rule;
    try {
      return rule(record, this.user) === true;
    } catch (error) {
      // A rule that throws grants nothing; the mistake is the server's, so it is logged.
      log.error(`the ${operation} rule of role "${this.role.name}" on ${table} threw`, {
        err: error,
      });
      return false;
    }
  }

  /** Whether the role may read this record of `table`. */
  visible(table: string, record: StoredValue): boolean {
    return this.permits(table, 'read', record);
  }

  /** The record without the attributes the role may not read (the record itself when none). */
  strip(table: string, record: StoredValue): StoredValue {
    const hidden = this.role.table(table).hidden;
    if (hidden.size === 0) return record;
    let stripped: StoredValue | undefined;
    for (const name of hidden) {
      if (!Object.hasOwn(record, name)) continue;
      stripped ??= { ...record };
      delete stripped[name];
    }
    return stripped ?? record;
  }

  /**
   * Refuses (403) a query that names what the role may not read: a hidden attribute in a
   * condition, `sort()` or `select()`, or a relationship into a table it may not read (or whose
   * joining attribute it may not read). Rows the role may not see are left to the guarded reads.
   */
  checkQuery(table: TableMeta, query: Query): void {
    if (this.superUser) return;
    if (query.conditions !== null) this.checkCondition(table, query.conditions);
    for (const key of query.sort)
      this.checkPath(key.hops, table, key.target.attribute.name, key.path);
    const selection = query.select;
    if (selection !== null) {
      const items = selection.kind === 'value' ? [selection.item] : selection.items;
      this.checkSelection(table, items);
    }
  }

  /** Refuses (403) reading the attribute `name` of `table`, a relationship's target included. */
  checkAttribute(table: TableMeta, name: string): void {
    if (this.superUser) return;
    const attribute = table.attributes.find((candidate) => candidate.name === name);
    if (this.table(table.name).hidden.has(name)) throw this.forbidden(`read ${table.name}.${name}`);
    const relationship = attribute?.relationship;
    if (relationship == null) return;
    this.checkHop({ attribute: attribute!, from: table, to: this.tableMeta(relationship.target) });
  }

  /** Refuses (403) a body that writes attributes the role may not write. */
  checkBody(table: TableMeta, body: StoredValue): void {
    const readOnly = this.table(table.name).readOnly;
    if (readOnly.size === 0) return;
    const names = [...readOnly].filter((name) => Object.hasOwn(body, name));
    if (names.length > 0)
      throw this.forbidden(`write ${names.map((name) => `${table.name}.${name}`).join(', ')}`);
  }

  /** The 403 for something the role may not do (`action`: "read Product records"). */
  forbidden(action: string): ClientError {
    const who =
      this.user === null ? 'A request without credentials' : `User "${this.user.username}"`;
    return new ClientError(
      403,
      'FORBIDDEN',
      `${who} (role "${this.role.name}") may not ${action}`,
      {
        role: this.role.name,
      },
    );
  }

  private checkCondition(table: TableMeta, condition: Condition): void {
    if (condition.kind !== 'comparison') {
      for (const child of condition.children) this.checkCondition(table, child);
      return;
    }
    this.checkPath(condition.hops, table, condition.target.attribute.name, condition.path);
  }

  private checkPath(hops: readonly Hop[], table: TableMeta, name: string, path: string): void {
    this.checkHops(hops, path);
    this.checkNamed(hops.at(-1)?.to ?? table, name, path);
  }

  private checkHops(hops: readonly Hop[], path: string): void {
    for (const hop of hops) {
      this.checkNamed(hop.from, hop.attribute.name, path);
      this.checkHop(hop);
    }
  }

  /** A relationship the role may follow: its target readable, its joining attributes too. */
  private checkHop(hop: Hop): void {
    const relationship = hop.attribute.relationship!;
    if (!this.allows(hop.to.name, 'read')) {
      throw this.forbidden(
        `read ${hop.to.name} records (through ${hop.from.name}.${hop.attribute.name})`,
      );
    }
    if (relationship.kind === 'join') {
      this.checkNamed(hop.from, relationship.from, `${hop.from.name}.${hop.attribute.name}`);
      this.checkNamed(hop.to, relationship.to, `${hop.from.name}.${hop.attribute.name}`);
    } else if (relationship.kind === 'one-to-many') {
      this.checkNamed(hop.to, relationship.to, `${hop.from.name}.${hop.attribute.name}`);
    } else {
      this.checkNamed(hop.from, relationship.from, `${hop.from.name}.${hop.attribute.name}`);
    }
  }

  private checkNamed(table: TableMeta, name: string, path: string): void {
    if (this.table(table.name).hidden.has(name)) {
      throw this.forbidden(`read ${table.name}.${name}${path === name ? '' : ` (in ${path})`}`);
    }
  }

  private checkSelection(table: TableMeta, items: readonly SelectItem[]): void {
    for (const item of items) {
      if (item.kind !== 'attribute') continue;
      this.checkNamed(table, item.name, item.name);
      const attribute = item.attribute;
      const relationship = attribute?.relationship;
      if (relationship == null) {
        // A nested object's items are its own attributes, not a table's: nothing more to check.
        continue;
      }
      const target = this.tableMeta(relationship.target);
      this.checkHop({ attribute: attribute!, from: table, to: target });
      if (item.nested !== null) this.checkSelection(target, item.nested.items);
    }
  }

  private tableMeta(name: string): TableMeta {
    const table = this.schema.tables.find((candidate) => candidate.name === name);
    if (table === undefined)
      throw new Error(`A relationship leads to ${name}, which the schema does not have`);
    return table;
  }
}
