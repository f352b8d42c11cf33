/**
 * `npm run users -- <command>`: the server's users, managed from the command line (contract
 * section 12). It opens the same store as the server (`DATA_DIR`, or `DATABASE_URL`), also while
 * the server runs: a running server hears of the change through the store's commit log.
 *
 *   npm run users -- add <name> --role <role>    a new user; the password is asked for
 *   npm run users -- passwd <name>               a new password
 *   npm run users -- role <name> <role>          a new role
 *   npm run users -- remove <name>
 *   npm run users -- list
 *
 * The password is read from the terminal (twice, not shown), or from the first line of standard
 * input when it is not a terminal (`echo "$PASSWORD" | npm run users -- add …`); never from the
 * command line, where other users of the machine could see it.
 */
import { createInterface } from 'node:readline';
import type { SchemaMeta } from '../meta.js';
import { openStoreBeside } from '../store/beside.js';
import type { Store } from '../store/types.js';
import { MAX_PASSWORD_BYTES } from './passwords.js';
import { Policy } from './policy.js';
import { runtimeRoles, type RolesConfig } from './roles.js';
import { NoSuchUserError, usernameProblem, UserDirectory } from './users.js';

const USAGE = `usage: npm run users -- <command>
  add <name> --role <role>   add a user (the password is read from the terminal or stdin)
  passwd <name>              set a user's password
  role <name> <role>         set a user's role
  remove <name>              remove a user
  list                       list the users and their roles`;

/** Runs the command; resolves with the exit code. */
export async function runUsersCommand<DB>(
  schema: SchemaMeta,
  roles: RolesConfig<DB>,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<number> {
  const [command, ...rest] = args;
  let policy: Policy;
  try {
    policy = new Policy(schema, runtimeRoles(roles));
  } catch (error) {
    return fail(error);
  }
  const parsed = parseArguments(command, rest, policy);
  if (typeof parsed === 'string') {
    console.error(`${parsed}\n${USAGE}`);
    return 2;
  }
  let store: Store | undefined;
  let users: UserDirectory | undefined;
  try {
    // The password first: nothing is opened for a command that cannot go on.
    const password =
      parsed.kind === 'add' || parsed.kind === 'passwd' ? await readPassword(input) : undefined;
    store = await openStoreBeside(schema, env);
    users = await UserDirectory.open(store);
    switch (parsed.kind) {
      case 'add':
        await users.add(parsed.name, password!, parsed.role);
        console.log(`added ${parsed.name} (role ${parsed.role})`);
        break;
      case 'passwd':
        await users.update(parsed.name, { password: password! });
        console.log(`changed the password of ${parsed.name}`);
        break;
      case 'role':
        await users.update(parsed.name, { role: parsed.role });
        console.log(`${parsed.name} now has the role ${parsed.role}`);
        break;
      case 'remove':
        if (!(await users.remove(parsed.name)))
          throw new NoSuchUserError(`There is no user "${parsed.name}"`);
        console.log(`removed ${parsed.name}`);
        break;
      case 'list':
        for (const user of users.list()) console.log(`${user.username}\t${user.role}`);
        break;
    }
    return 0;
  } catch (error) {
    return fail(error);
  } finally {
    users?.close();
    await store?.close();
  }
}

type Parsed =
  | { readonly kind: 'add'; readonly name: string; readonly role: string }
  | { readonly kind: 'passwd'; readonly name: string }
  | { readonly kind: 'role'; readonly name: string; readonly role: string }
  | { readonly kind: 'remove'; readonly name: string }
  | { readonly kind: 'list' };

/** The command, or why it is wrong. */
function parseArguments(
  command: string | undefined,
  rest: readonly string[],
  policy: Policy,
): Parsed | string {
  const roleProblem = (role: string | undefined): string | undefined =>
    role === undefined
      ? 'a role is needed'
      : policy.role(role) === undefined
        ? `"${role}" is not a role of src/roles.ts; the roles are ${policy.roleNames().join(', ')}`
        : undefined;
  const name = rest[0];
  const nameProblem = name === undefined ? 'a username is needed' : usernameProblem(name);
  switch (command) {
    case 'add': {
      const flag = rest.indexOf('--role');
      const role = flag < 0 ? undefined : rest[flag + 1];
      const extra = rest.filter((_, i) => i !== 0 && i !== flag && i !== flag + 1);
      if (nameProblem !== undefined) return nameProblem;
      if (extra.length > 0) return `unexpected ${extra.join(' ')}`;
      const problem = roleProblem(role);
      if (problem !== undefined) return problem;
      return { kind: 'add', name: name!, role: role! };
    }
    case 'passwd':
    case 'remove':
      if (nameProblem !== undefined) return nameProblem;
      if (rest.length > 1) return `unexpected ${rest.slice(1).join(' ')}`;
      return { kind: command, name: name! };
    case 'role': {
      if (nameProblem !== undefined) return nameProblem;
      const problem = roleProblem(rest[1]);
      if (problem !== undefined) return problem;
      if (rest.length > 2) return `unexpected ${rest.slice(2).join(' ')}`;
      return { kind: 'role', name: name!, role: rest[1]! };
    }
    case 'list':
      if (rest.length > 0) return `unexpected ${rest.join(' ')}`;
      return { kind: 'list' };
    case undefined:
      return 'a command is needed';
    default:
      return `unknown command "${command}"`;
  }
}

/** The password: asked twice on a terminal, else the first line of `input`. */
async function readPassword(input: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<string> {
  if (input.isTTY === true) {
    const first = await ask(input, 'password: ');
    const second = await ask(input, 'again: ');
    if (first !== second) throw new Error('the two passwords differ');
    return checked(first);
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return checked(line);
  }
  throw new Error('no password on standard input');
}

/** Asks on the terminal without showing what is typed (raw mode: nothing is echoed). */
function ask(input: NodeJS.ReadableStream & { isTTY?: boolean }, prompt: string): Promise<string> {
  const tty = input as NodeJS.ReadStream;
  process.stdout.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error): void => {
      tty.setRawMode(false);
      tty.pause();
      tty.off('data', onData);
      process.stdout.write('\n');
      if (error === undefined) resolve(typed);
      else reject(error);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const character of String(chunk)) {
        if (character === '\r' || character === '\n') return done();
        if (character === '\u0003' || character === '\u0004') return done(new Error('cancelled'));
        if (character === '\u007f' || character === '\b') typed = typed.slice(0, -1);
        else typed += character;
      }
    };
    tty.setRawMode(true);
    tty.resume();
    tty.on('data', onData);
  });
}

function checked(password: string): string {
  if (password === '') throw new Error('the password is empty');
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES)
    throw new Error(`the password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  return password;
}

function fail(error: unknown): number {
  console.error(`users: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
