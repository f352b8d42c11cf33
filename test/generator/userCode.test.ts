/**
 * The user's own code is type-checked against freshly generated files (contract sections 1 and 10):
 * the real CLI (`node bin/codegen.js`, built by `npm test`) run as a process, as a user runs it. The
 * servers are generated under `test/.tmp/` so that they resolve this repository's node_modules (their
 * type packages), as a server whose dependencies are installed does.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/generatedServer.js';

const CLI = path.join(REPO_ROOT, 'bin', 'codegen.js');
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const WORK = path.join(REPO_ROOT, 'test', '.tmp', `user-code-${process.pid}`);

interface Run {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/** Writes `schema` into `dir/schema.graphql` and runs `codegen schema.graphql -o server ...args` in `dir`. */
async function codegen(dir: string, schema: string, ...args: string[]): Promise<Run> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'schema.graphql'), schema);
  const result = await execa('node', [CLI, 'schema.graphql', '-o', 'server', ...args], {
    cwd: dir,
    reject: false,
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

async function typecheck(
  server: string,
): Promise<{ exitCode: number | undefined; output: string }> {
  const result = await execa('node', [TSC, '--noEmit', '-p', path.join(server, 'tsconfig.json')], {
    reject: false,
    all: true,
  });
  return { exitCode: result.exitCode, output: result.all };
}

const PRODUCT_HOOK = `import type { Database } from '../database.js';
import { defineHooks } from '../runtime/hooks.js';

export default defineHooks<Database, 'Product'>({
  beforeWrite(product) {
    return { ...product, inStock: (product.stockQuantity ?? 0) > 0 };
  },
});
`;

let shop: string;

beforeAll(async () => {
  shop = await readFile(path.join(REPO_ROOT, 'fixtures', 'shop', 'schema.graphql'), 'utf8');
});
afterAll(async () => {
  await rm(WORK, { recursive: true, force: true });
});

describe('a schema change that breaks a hook', () => {
  const dir = path.join(WORK, 'broken');
  const withoutStock = (): string => shop.replace('  stockQuantity: Int\n', '');

  it("is reported at the hook's path:line:col with a code frame, exit 2, and the files are still written", async () => {
    expect((await codegen(dir, shop)).exitCode).toBe(0);
    await writeFile(path.join(dir, 'server', 'src', 'hooks', 'Product.ts'), PRODUCT_HOOK);
    const unrelated = await codegen(
      dir,
      shop.replace('imageUrl: String', 'imageUrl: String\n  sku: String'),
    );
    expect(unrelated).toMatchObject({ exitCode: 0, stderr: '' });

    const run = await codegen(dir, withoutStock());
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(
      "server/src/hooks/Product.ts:6:44 error Property 'stockQuantity' does not exist on type",
    );
    expect(run.stderr).toContain(
      '> 6 |     return { ...product, inStock: (product.stockQuantity ?? 0) > 0 };',
    );
    expect(run.stderr).toMatch(/\n {4}\| {44}\^\n/);
    expect(run.stderr).toContain(
      'your code does not compile against the schema (1 error in server/src/hooks/Product.ts)',
    );
    expect(run.stdout).toMatch(/3 tables → server: \d+ written/);
    expect(
      await readFile(path.join(dir, 'server', 'src', 'tables', 'Product.ts'), 'utf8'),
    ).not.toContain('stockQuantity');
  });

  it('makes --check exit 1 and list it, although every generated file is up to date', async () => {
    const run = await codegen(dir, withoutStock(), '--check');
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      'server is up to date, but your code does not compile against the schema (1 error in server/src/hooks/Product.ts)',
    );
    expect(run.stderr).toContain(
      "server/src/hooks/Product.ts:6:44 error Property 'stockQuantity' does not exist",
    );
  });

  it('is not looked for with --no-typecheck', async () => {
    expect(await codegen(dir, withoutStock(), '--no-typecheck')).toMatchObject({
      exitCode: 0,
      stderr: '',
    });
  });

  it('is found in a file of the user that imports generated code, outside src/hooks/', async () => {
    const report = `import type { Product } from './tables/Product.js';\n\nexport const stock = (product: Product): number => product.stockQuantity;\n`;
    await writeFile(
      path.join(dir, 'server', 'src', 'hooks', 'Product.ts'),
      PRODUCT_HOOK.replaceAll('stockQuantity', 'price'),
    );
    await writeFile(path.join(dir, 'server', 'src', 'report.ts'), report);
    const run = await codegen(dir, withoutStock());
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(
      "server/src/report.ts:3:52 error Type 'unknown' is not assignable to type 'number'.",
    );
    expect(run.stderr).not.toContain('hooks/Product.ts:');
  });
});

describe('the hooks file of a removed table', () => {
  const dir = path.join(WORK, 'removed');
  const withoutCart = (): string => shop.slice(0, shop.indexOf('type CartItem'));
  const message =
    'server/src/hooks/CartItem.ts:27:38 error src/hooks/CartItem.ts belongs to table CartItem, which the schema no longer has: delete it or move its code';

  it('gets its own message with what to do, in generation (exit 2) and --check (exit 1)', async () => {
    expect((await codegen(dir, shop)).exitCode).toBe(0);
    const run = await codegen(dir, withoutCart());
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('TS2344');
    const check = await codegen(dir, withoutCart(), '--check');
    expect(check.exitCode).toBe(1);
    expect(check.stderr).toContain(message);
  });

  it('is no error once the user deleted it', async () => {
    await rm(path.join(dir, 'server', 'src', 'hooks', 'CartItem.ts'));
    expect(await codegen(dir, withoutCart())).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await codegen(dir, withoutCart(), '--check')).toMatchObject({ exitCode: 0, stderr: '' });
  });
});

describe('a deleted hooks file', () => {
  const dir = path.join(WORK, 'deleted');
  const server = path.join(dir, 'server');
  const category = path.join(server, 'src', 'hooks', 'Category.ts');

  it('is not an error for generation or --check, is not created again, and the server compiles without it', async () => {
    expect((await codegen(dir, shop)).exitCode).toBe(0);
    await rm(category);
    const run = await codegen(dir, shop);
    expect(run).toMatchObject({ exitCode: 0, stderr: '' });
    expect(existsSync(category)).toBe(false);
    expect(await readFile(path.join(server, 'src', 'hooks.ts'), 'utf8')).not.toContain('Category');
    const check = await codegen(dir, shop, '--check');
    expect(check).toMatchObject({ exitCode: 0, stderr: '' });
    expect(check.stdout).not.toContain('missing');
    expect(await typecheck(server)).toEqual({ exitCode: 0, output: '' });
  });

  it('stays deleted when the schema changes, while a new table gets its scaffold', async () => {
    const run = await codegen(dir, `${shop}\ntype Tag @table @export {\n  id: ID @primaryKey\n}\n`);
    expect(run).toMatchObject({ exitCode: 0, stderr: '' });
    expect(existsSync(category)).toBe(false);
    expect(existsSync(path.join(server, 'src', 'hooks', 'Tag.ts'))).toBe(true);
    expect(await readFile(path.join(server, 'src', 'hooks.ts'), 'utf8')).toContain(
      "import TagHooks from './hooks/Tag.js';",
    );
    expect(await typecheck(server)).toEqual({ exitCode: 0, output: '' });
  });
});

describe('a schema change that breaks the roles file', () => {
  const dir = path.join(WORK, 'roles');

  it("is reported at the roles file's line, like a hook's, and a good roles file compiles", async () => {
    expect((await codegen(dir, shop)).exitCode).toBe(0);
    const roles = path.join(dir, 'server', 'src', 'roles.ts');
    await writeFile(
      roles,
      `import type { Database } from './database.js';
import { defineRoles } from './runtime/auth/roles.js';

export default defineRoles<Database>({
  superUser: 'admin',
  roles: {
    staff: {
      tables: {
        Product: { read: (product) => (product.stockQuantity ?? 0) > 0, attributes: { imageUrl: { read: false } } },
      },
    },
  },
});
`,
    );
    expect(await codegen(dir, shop)).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await typecheck(path.join(dir, 'server'))).exitCode).toBe(0);

    // The rule reads an attribute the schema drops; the attribute list names another.
    const run = await codegen(
      dir,
      shop.replace('  stockQuantity: Int\n', '').replace('  imageUrl: String\n', ''),
    );
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(
      "server/src/roles.ts:9:48 error Property 'stockQuantity' does not exist",
    );
    expect(run.stderr).toContain(
      "server/src/roles.ts:9:87 error Object literal may only specify known properties, and 'imageUrl'",
    );
  });
});
