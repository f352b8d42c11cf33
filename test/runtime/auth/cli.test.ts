/**
 * `npm run users` (contract section 12), run in-process on a data directory: each command, what it
 * prints, and the mistakes it refuses with exit 2 (arguments) or 1 (the store), never reading a
 * password from the command line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runUsersCommand } from '../../../templates/runtime/auth/cli.js';
import { UserDirectory, withSystemTables } from '../../../templates/runtime/auth/users.js';
import { verifyPassword } from '../../../templates/runtime/auth/passwords.js';
import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import { shopSchema } from '../fixtures/schemas.js';

const ROLES = { superUser: 'admin', roles: { staff: { tables: {} } } };

describe('npm run users', () => {
  let dataDir: string;
  let printed: string[];
  let errors: string[];

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'users-cli-'));
    printed = [];
    errors = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
  });

  afterAll(() => {
    vi.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const run = (args: string[], input = '') =>
    runUsersCommand(shopSchema, ROLES, args, { DATA_DIR: dataDir }, Readable.from([input]));

  const stored = async (username: string) => {
    const store = openLmdbStore(withSystemTables(shopSchema), { path: dataDir, log: () => {} });
    const users = await UserDirectory.open(store);
    const user = users.get(username);
    users.close();
    await store.close();
    return user;
  };

  it('adds, lists, changes and removes users', async () => {
    expect(await run(['add', 'ann', '--role', 'staff'], 'ann-Pass-1\n')).toBe(0);
    expect(printed.pop()).toBe('added ann (role staff)');
    const ann = await stored('ann');
    expect(ann?.role).toBe('staff');
    expect(await verifyPassword('ann-Pass-1', ann!.passwordHash)).toBe(true);

    expect(await run(['passwd', 'ann'], 'ann-Pass-2\n')).toBe(0);
    const changed = await stored('ann');
    expect(await verifyPassword('ann-Pass-2', changed!.passwordHash)).toBe(true);
    expect(changed!.generation).not.toBe(ann!.generation);

    expect(await run(['role', 'ann', 'admin'])).toBe(0);
    expect(await run(['list'])).toBe(0);
    expect(printed.pop()).toBe('ann\tadmin');
    expect(await run(['remove', 'ann'])).toBe(0);
    expect(await stored('ann')).toBeUndefined();
  });

  it('refuses mistakes with a sentence, changing nothing', async () => {
    expect(await run(['add', 'bob', '--role', 'owner'], 'x\n')).toBe(2);
    expect(errors.pop()).toContain(
      '"owner" is not a role of src/roles.ts; the roles are admin, staff',
    );
    expect(await run(['add', 'bad name', '--role', 'staff'], 'x\n')).toBe(2);
    expect(await run(['add', 'bob', '--role', 'staff', 'bob-Pass-1'], 'x\n')).toBe(2);
    expect(errors.pop()).toContain('unexpected bob-Pass-1');
    expect(await run(['add', 'bob', '--role', 'staff'], '\n')).toBe(1);
    expect(errors.pop()).toBe('users: the password is empty');
    expect(await stored('bob')).toBeUndefined();
    expect(await run(['remove', 'nobody'])).toBe(1);
    expect(errors.pop()).toBe('users: There is no user "nobody"');
    expect(await run(['add', 'cat', '--role', 'staff'], 'cat-Pass-1\n')).toBe(0);
    expect(await run(['add', 'cat', '--role', 'staff'], 'cat-Pass-1\n')).toBe(1);
    expect(errors.pop()).toBe('users: The user "cat" exists already');
    expect(await run(['frobnicate'])).toBe(2);
  });
});
