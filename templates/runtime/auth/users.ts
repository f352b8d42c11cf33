/**
 * The server's users (contract section 12): records of a system table that the store keeps beside
 * the schema's tables on every engine, never exported and never answered with its password hashes.
 * Each process keeps every user in memory, loaded at start and kept current by the store's
 * commits (its own, other workers', other servers' on the same database), so authenticating a
 * request reads no store.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { COMPUTED_TABLE } from '../computed.js';
import type { AttributeMeta, SchemaMeta, TableMeta } from '../meta.js';
import type { Commit, Store, StoredValue } from '../store/types.js';
import { hashPassword } from './passwords.js';

function stringAttribute(name: string, primaryKey = false): AttributeMeta {
  return {
    name,
    type: { kind: 'scalar', name: 'String' },
    list: false,
    nonNull: true,
    elementNonNull: false,
    primaryKey,
    indexed: false,
    timestamp: null,
    relationship: null,
  };
}

/** Harper keeps its users in `system.hdb_user`; so do we (a schema cannot declare the `system` database's tables). */
export const USER_TABLE: TableMeta = {
  name: '$User',
  tableName: 'hdb_user',
  database: 'system',
  exportName: null,
  primaryKey: 'username',
  keyType: 'String',
  sealed: true,
  expiration: null,
  attributes: [
    stringAttribute('username', true),
    stringAttribute('role'),
    stringAttribute('passwordHash'),
    { ...stringAttribute('generation'), type: { kind: 'scalar', name: 'Long' } },
  ],
};

/** Secrets the server made for itself (the key that signs its tokens, when `JWT_SECRET` is unset). */
export const SECRET_TABLE: TableMeta = {
  name: '$Secret',
  tableName: 'hdb_secret',
  database: 'system',
  exportName: null,
  primaryKey: 'name',
  keyType: 'String',
  sealed: true,
  expiration: null,
  attributes: [stringAttribute('name', true), stringAttribute('value')],
};

/** The schema the store is opened with: the generated one and the system tables. */
export function withSystemTables(schema: SchemaMeta): SchemaMeta {
  return { ...schema, tables: [...schema.tables, USER_TABLE, SECRET_TABLE, COMPUTED_TABLE] };
}

export interface StoredUser {
  readonly username: string;
  readonly role: string;
  readonly passwordHash: string;
  /**
   * Changes whenever the password or the role changes (and differs for a user removed and added
   * again): refresh tokens and cached Basic credentials name it, and stop working when it changes.
   */
  readonly generation: number;
}

const USERNAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/** Why `name` cannot be a username, or undefined when it can. */
export function usernameProblem(name: string): string | undefined {
  return USERNAME.test(name)
    ? undefined
    : `"${name.slice(0, 64)}" cannot be a username: use 1 to 64 letters, digits, "_", ".", "@" and "-"`;
}

export class UserExistsError extends Error {}
export class NoSuchUserError extends Error {}

export class UserDirectory {
  private readonly users = new Map<string, StoredUser>();
  private readonly stopListening: () => void;

  private constructor(private readonly store: Store) {
    this.stopListening = store.onCommit((commit) => this.apply(commit));
  }

  /** Loads every user of `store` and follows its commits from then on. */
  static async open(store: Store): Promise<UserDirectory> {
    const directory = new UserDirectory(store);
    for await (const batch of store.read().scan(USER_TABLE.name)) {
      for (const entry of batch) {
        const user = storedUser(entry.value);
        if (user !== undefined) directory.users.set(user.username, user);
      }
    }
    return directory;
  }

  get size(): number {
    return this.users.size;
  }

  get(username: string): StoredUser | undefined {
    return this.users.get(username);
  }

  /** Every user, by name. */
  list(): StoredUser[] {
    return [...this.users.values()].sort((a, b) => (a.username < b.username ? -1 : 1));
  }

  /** Adds a user; `UserExistsError` when one of that name exists. */
  async add(username: string, password: string, role: string): Promise<StoredUser> {
    const user: StoredUser = {
      username,
      role,
      passwordHash: await hashPassword(password),
      generation: newGeneration(),
    };
    await this.store.write(async (txn) => {
      if ((await txn.get(USER_TABLE.name, username)) !== undefined) {
        throw new UserExistsError(`The user "${username}" exists already`);
      }
      txn.put(USER_TABLE.name, username, { ...user });
    });
    return user;
  }

  /** Changes a user's password and/or role; `NoSuchUserError` when there is no such user. */
  async update(
    username: string,
    changes: { readonly password?: string; readonly role?: string },
  ): Promise<StoredUser> {
    const passwordHash =
      changes.password === undefined ? undefined : await hashPassword(changes.password);
    const { value } = await this.store.write(async (txn) => {
      const current = storedUser((await txn.get(USER_TABLE.name, username))?.value);
      if (current === undefined) throw new NoSuchUserError(`There is no user "${username}"`);
      const updated: StoredUser = {
        username,
        role: changes.role ?? current.role,
        passwordHash: passwordHash ?? current.passwordHash,
        generation: newGeneration(),
      };
      txn.put(USER_TABLE.name, username, { ...updated });
      return updated;
    });
    return value;
  }

  /** Removes a user; resolves with whether there was one. */
  async remove(username: string): Promise<boolean> {
    const { value } = await this.store.write((txn) => txn.delete(USER_TABLE.name, username));
    return value;
  }

  close(): void {
    this.stopListening();
  }

  private apply(commit: Commit): void {
    for (const change of commit.changes) {
      if (change.table !== USER_TABLE.name) continue;
      const user = change.type === 'put' ? storedUser(change.value) : undefined;
      if (user === undefined) this.users.delete(String(change.key));
      else this.users.set(user.username, user);
    }
  }
}

/**
 * The secret named `name`, made (32 random bytes) and kept by the first process that asks for it:
 * every worker and every server of one database signs with the same one.
 */
export async function storedSecret(store: Store, name: string): Promise<Uint8Array> {
  const { value } = await store.write(async (txn) => {
    const current = (await txn.get(SECRET_TABLE.name, name))?.value.value;
    if (typeof current === 'string') return current;
    const made = randomBytes(32).toString('base64');
    txn.put(SECRET_TABLE.name, name, { name, value: made });
    return made;
  });
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function storedUser(value: StoredValue | undefined): StoredUser | undefined {
  if (value === undefined) return undefined;
  const { username, role, passwordHash, generation } = value;
  if (
    typeof username !== 'string' ||
    typeof role !== 'string' ||
    typeof passwordHash !== 'string' ||
    typeof generation !== 'number'
  )
    return undefined;
  return { username, role, passwordHash, generation };
}

function newGeneration(): number {
  return randomInt(2 ** 47);
}
