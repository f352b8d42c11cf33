/**
 * The user's extension files (contract sections 1 and 10): a typed hooks file per table, created
 * once and never touched again, and typed so that a schema change that breaks a hook is a compile
 * error. The compiling tests generate into `test/.tmp/` so that the generated server resolves this
 * repository's node_modules.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { generate } from '../../src/generate.js';
import { readSchemaSources, resolveSchemaPaths } from '../../src/sources.js';
import { REPO_ROOT } from '../helpers/generatedServer.js';

const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const WORK = path.join(REPO_ROOT, 'test', '.tmp', `generator-hooks-${process.pid}`);
const SHOP_SCHEMA = path.join(REPO_ROOT, 'fixtures', 'shop', 'schema.graphql');

async function shopFiles() {
  const result = await generate(await readSchemaSources(await resolveSchemaPaths([SHOP_SCHEMA])), {
    packageName: 'shop-server',
  });
  if (!result.ok) throw new Error('the shop fixture has schema errors');
  return result.files;
}

/**
 * Generates `schema` (text) into `name` under WORK; returns the output directory. `exitCode` is 2
 * when the user's code no longer compiles against it (the files are written all the same).
 */
async function generateInto(name: string, schema: string, exitCode = 0): Promise<string> {
  const dir = path.join(WORK, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'schema.graphql'), schema);
  const code = await main(
    [path.join(dir, 'schema.graphql'), '-o', path.join(dir, 'server'), '--name', 'shop-server'],
    {
      cwd: dir,
      stdout: () => {},
      stderr: (text) => (exitCode === 0 ? process.stderr.write(text) : undefined),
    },
  );
  expect(code).toBe(exitCode);
  return path.join(dir, 'server');
}

async function typecheck(dir: string): Promise<{ exitCode: number | undefined; output: string }> {
  const result = await execa('node', [TSC, '--noEmit', '-p', path.join(dir, 'tsconfig.json')], {
    reject: false,
    all: true,
  });
  return { exitCode: result.exitCode, output: result.all };
}

let shopSchema: string;

beforeAll(async () => {
  shopSchema = await readFile(SHOP_SCHEMA, 'utf8');
});
afterAll(async () => {
  await rm(WORK, { recursive: true, force: true });
});

describe('the generated extension files', () => {
  it('are a hooks scaffold per table, the typed Database and the hooks index, passed to the server', async () => {
    const files = await shopFiles();
    for (const table of ['CartItem', 'Category', 'Product']) {
      const scaffold = files.get(`src/hooks/${table}.ts`);
      expect(scaffold?.kind).toBe('scaffold');
      expect(scaffold?.contents).toContain(`export default defineHooks<Database, '${table}'>({`);
      expect(scaffold?.contents).not.toContain('Do not edit');
    }
    expect(files.get('src/database.ts')).toMatchObject({ kind: 'generated' });
    expect(files.get('src/database.ts')?.contents).toContain(
      "readonly Product: Table<Product, NewProduct, ProductPatch, Descriptors['Product']>;",
    );
    expect(files.get('src/hooks.ts')).toMatchObject({ kind: 'generated' });
    expect(files.get('src/hooks.ts')?.contents).toContain(
      "import ProductHooks from './hooks/Product.js';",
    );
    expect(files.get('src/hooks.ts')?.contents).toContain(
      'export const hooks: Hooks<Database> = {',
    );
    expect(files.get('src/main.ts')?.contents).toContain(
      "await serve(schema, { hooks, roles, openApi: new URL('../openapi.json', import.meta.url) });",
    );
    expect(files.get('src/main.ts')?.contents).toContain("import roles from './roles.js';");
    expect(files.get('src/roles.ts')).toMatchObject({ kind: 'scaffold' });
    expect(files.get('src/roles.ts')?.contents).toContain('export default defineRoles<Database>({');
    expect(files.get('src/users.ts')?.contents).toContain(
      'process.exitCode = await runUsersCommand(schema, roles, process.argv.slice(2), process.env);',
    );
  });

  it('are never overwritten once edited, and --check does not report them', async () => {
    const server = await generateInto('kept', shopSchema);
    const hooksFile = path.join(server, 'src', 'hooks', 'Product.ts');
    const edited = `${await readFile(hooksFile, 'utf8')}\n// my own note\n`;
    await writeFile(hooksFile, edited);
    await generateInto(
      'kept',
      shopSchema.replace('imageUrl: String', 'imageUrl: String\n  sku: String'),
    );
    expect(await readFile(hooksFile, 'utf8')).toBe(edited);
    const check = await main(
      [path.join(WORK, 'kept', 'schema.graphql'), '-o', server, '--name', 'shop-server', '--check'],
      { cwd: WORK, stdout: () => {}, stderr: () => {} },
    );
    expect(check).toBe(0);
  });
});

describe('hooks are type-checked against the schema', () => {
  const productHook = `import type { Database } from '../database.js';
import { defineHooks } from '../runtime/hooks.js';

export default defineHooks<Database, 'Product'>({
  beforeWrite(product) {
    return { ...product, inStock: (product.stockQuantity ?? 0) > 0 };
  },
});
`;

  it('compiles a hook that uses the attributes the schema declares', async () => {
    const server = await generateInto('declared', shopSchema);
    await writeFile(path.join(server, 'src', 'hooks', 'Product.ts'), productHook);
    expect(await typecheck(server)).toEqual({ exitCode: 0, output: '' });
  });

  it('fails to compile a hook that uses an attribute the schema no longer has', async () => {
    const server = await generateInto('removed', shopSchema);
    await writeFile(path.join(server, 'src', 'hooks', 'Product.ts'), productHook);
    await generateInto('removed', shopSchema.replace('  stockQuantity: Int\n', ''), 2);
    const result = await typecheck(server);
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toMatch(
      /src\/hooks\/Product\.ts\(\d+,\d+\): error TS\d+: .*'stockQuantity'/,
    );
  });

  it('fails to compile undeclared and relationship attributes, which hooks do not see', async () => {
    const server = await generateInto('undeclared', shopSchema);
    await writeFile(
      path.join(server, 'src', 'hooks', 'Product.ts'),
      `import type { Database } from '../database.js';
import { defineHooks } from '../runtime/hooks.js';

export default defineHooks<Database, 'Product'>({
  async beforeWrite(product, { tables }) {
    await tables.Product.patch(product.id, { stockQuantty: 1 });
    return { ...product, name: String(product.category) + String(product.colour) };
  },
});
`,
    );
    const { exitCode, output } = await typecheck(server);
    expect(exitCode).not.toBe(0);
    expect(output).toMatch(/'stockQuantty' does not exist/);
    expect(output).toMatch(/'category' does not exist/);
    expect(output).toMatch(/'colour' does not exist/);
  });

  it('fails to compile the hooks file of a table the schema no longer has', async () => {
    const server = await generateInto('table-removed', shopSchema);
    const withoutCart = shopSchema.slice(0, shopSchema.indexOf('type CartItem'));
    await generateInto('table-removed', withoutCart, 2);
    const result = await typecheck(server);
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toMatch(/src\/hooks\/CartItem\.ts\(\d+,\d+\): error TS\d+: .*"CartItem"/);
  });
});
