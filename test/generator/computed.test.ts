/**
 * `src/computed.ts` (contract section 10): the user's functions of the `@computed` attributes,
 * created once with each function's first body (the schema's `from:` read from the record, or
 * `null`), never overwritten, and type-checked against the schema: a missing function or one that
 * returns another type fails codegen's check of the user's code. Generated into `test/.tmp/` so
 * that the generated server resolves this repository's node_modules.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { generate } from '../../src/generate.js';
import { REPO_ROOT } from '../helpers/generatedServer.js';

const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const WORK = path.join(REPO_ROOT, 'test', '.tmp', `generator-computed-${process.pid}`);

const SCHEMA = `type Post @table @export {
  id: ID @primaryKey
  title: String!
  author: String
  summary: String! @computed(from: "title + ' by ' + (author ?? 'nobody')")
  label: String @computed
  size: Int @computed(from: "title.length", version: 2) @indexed
  tags: [String]
  tagList: [String] @computed(from: "{ title, list: tags }.list")
}
`;

/** Generates `schema` into `name` under WORK; resolves with codegen's exit code and what it printed. */
async function generateInto(
  name: string,
  schema: string,
): Promise<{ readonly code: number; readonly stderr: string; readonly server: string }> {
  const dir = path.join(WORK, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'schema.graphql'), schema);
  let stderr = '';
  const code = await main(
    [path.join(dir, 'schema.graphql'), '-o', path.join(dir, 'server'), '--name', 'posts'],
    { cwd: dir, stdout: () => {}, stderr: (text) => (stderr += text) },
  );
  return { code, stderr, server: path.join(dir, 'server') };
}

/** `npm run build`'s type-check of the generated server. */
async function build(server: string): Promise<{ exitCode: number | undefined; output: string }> {
  const result = await execa('node', [TSC, '--noEmit', '-p', server], { reject: false, all: true });
  return { exitCode: result.exitCode, output: result.all };
}

afterAll(async () => {
  await rm(WORK, { recursive: true, force: true });
});

describe('src/computed.ts', () => {
  it('starts each function as the from: expression over the record, or null', async () => {
    const result = await generate([{ path: 'schema.graphql', text: SCHEMA }], {
      packageName: 'posts',
    });
    if (!result.ok) throw new Error('the schema does not load');
    const scaffold = result.files.get('src/computed.ts');
    expect(scaffold?.kind).toBe('scaffold');
    const text = scaffold?.contents ?? '';
    expect(text).toContain('export default defineComputed<Database, Computed>({');
    expect(text).toContain(
      "summary: (record) => record.title + ' by ' + (record.author ?? 'nobody'),",
    );
    expect(text).toContain('label: () => null,');
    expect(text).toContain('size: (record) => record.title.length,');
    expect(text).toContain(
      'tagList: (record) => ({ title: record.title, list: record.tags }).list,',
    );
    expect(result.files.get('src/database.ts')?.contents).toContain(
      "readonly Post: 'summary' | 'label' | 'size' | 'tagList';",
    );
    expect(result.files.get('src/main.ts')?.contents).toContain(
      "import computed from './computed.js';",
    );
    expect(result.files.get('src/tables/Post.ts')?.contents).toContain('readonly summary: string;');
    // A schema without computed attributes has no such file.
    const plain = await generate(
      [{ path: 'schema.graphql', text: 'type T @table { id: ID @primaryKey }' }],
      { packageName: 'plain' },
    );
    if (!plain.ok) throw new Error('the schema does not load');
    expect(plain.files.has('src/computed.ts')).toBe(false);
    expect(plain.files.get('src/main.ts')?.contents).not.toContain('computed');
  });

  it('compiles as generated, and is never overwritten once edited', async () => {
    const first = await generateInto('kept', SCHEMA);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(await build(first.server)).toEqual({ exitCode: 0, output: '' });
    const file = path.join(first.server, 'src', 'computed.ts');
    const edited = (await readFile(file, 'utf8')).replace(
      'label: () => null,',
      'label: (record) => record.title.toUpperCase(),',
    );
    await writeFile(file, edited);
    const again = await generateInto('kept', SCHEMA.replace('title.length', 'title.length * 2'));
    expect(again.code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(edited);
  });

  it('fails the build while a required attribute without from: has no function', async () => {
    const result = await generateInto(
      'required',
      SCHEMA.replace('label: String @computed', 'label: String! @computed'),
    );
    // A new scaffold is not checked by codegen (it wrote it); the build checks it.
    expect(result.code).toBe(0);
    const file = path.join(result.server, 'src', 'computed.ts');
    expect(await readFile(file, 'utf8')).toContain(
      '// String! is required and has no from: in the schema, so the build fails',
    );
    const built = await build(result.server);
    expect(built.exitCode).toBe(2);
    expect(built.output).toContain('src/computed.ts(');
    expect(built.output).toContain("Property 'label' is missing");
  });

  it('fails it for an attribute made @computed later, and for a function of another type', async () => {
    const first = await generateInto('later', SCHEMA);
    expect(first.code).toBe(0);
    const later = await generateInto(
      'later',
      SCHEMA.replace('  tags: [String]\n', '  tags: [String]\n  extra: String @computed\n'),
    );
    expect(later.code).toBe(2);
    expect(later.stderr).toContain("Property 'extra' is missing");
    const file = path.join(first.server, 'src', 'computed.ts');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(
        'size: (record) => record.title.length,',
        'size: (record) => record.title,',
      ),
    );
    const wrong = await generateInto('later', SCHEMA);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("Type 'string' is not assignable to type 'number'");
  });
});
