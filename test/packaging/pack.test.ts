/**
 * The generator as a user gets it: `npm pack`, installed into a fresh project outside this
 * repository, `npx codegen` there, then the generated server installed, type-checked, started and
 * asked over HTTP. Dependencies come from the npm cache (or the registry).
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type Options } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/generatedServer.js';

const INSTALL = ['--prefer-offline', '--no-audit', '--no-fund'];
const LISTENING = /listening on (http:\/\/[^\s"]+)/;

let work: string;

/** Runs a command; throws with everything it printed unless it succeeds. */
async function sh(file: string, args: readonly string[], options: Options): Promise<string> {
  const result = await execa(file, args, { ...options, all: true, reject: false });
  const output = String(result.all ?? '');
  if (result.exitCode !== 0)
    throw new Error(`${file} ${args.join(' ')} exited with ${result.exitCode}:\n${output}`);
  return output;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'codegen-packaging-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the packed generator, installed in a fresh project', () => {
  it(
    'generates a server that installs, type-checks, starts and answers',
    { timeout: 300_000 },
    async () => {
      // `npm test` has just built dist/; pack without running `prepare` again beside the other tests.
      const packed = JSON.parse(
        await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
          cwd: REPO_ROOT,
        }),
      ) as { filename: string; files: { path: string }[] }[];
      const tarball = path.join(work, packed[0]!.filename);
      const packedFiles = packed[0]!.files.map((file) => file.path);
      expect(packedFiles).toEqual(
        expect.arrayContaining([
          'bin/codegen.js',
          'templates/project/README.md.hbs',
          'templates/runtime/main.ts',
        ]),
      );

      const project = path.join(work, 'project');
      await mkdir(project);
      await writeFile(
        path.join(project, 'package.json'),
        `${JSON.stringify({ name: 'my-project', private: true }, null, 2)}\n`,
      );
      await cp(
        path.join(REPO_ROOT, 'fixtures', 'shop', 'schema.graphql'),
        path.join(project, 'schema.graphql'),
      );
      await sh('npm', ['install', '--save-dev', ...INSTALL, tarball], { cwd: project });
      const installed = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as {
        devDependencies: object;
      };
      expect(Object.keys(installed.devDependencies)).toEqual(['harper-schema-codegen']);

      // npx runs the project's own bin: nothing is fetched.
      const generated = await sh(
        'npx',
        ['--no-install', 'codegen', 'schema.graphql', '-o', 'server'],
        { cwd: project },
      );
      expect(generated).toMatch(/codegen: 3 tables → server: \d+ written/);
      const server = path.join(project, 'server');
      expect(existsSync(path.join(server, 'src', 'runtime', 'main.ts'))).toBe(true);

      await sh('npm', ['install', ...INSTALL], { cwd: server });
      await sh('npm', ['run', 'build'], { cwd: server });
      expect(existsSync(path.join(server, 'dist', 'main.js.map'))).toBe(true);

      const dataDir = path.join(work, 'data');
      const child = execa('node', ['--enable-source-maps', 'dist/main.js'], {
        cwd: server,
        env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
        all: true,
        reject: false,
        buffer: false,
      });
      try {
        let output = '';
        const url = await new Promise<string>((resolve, reject) => {
          child.all.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            const match = LISTENING.exec(output);
            if (match) resolve(match[1]!);
          });
          void child.then((result) =>
            reject(
              new Error(`the server exited (${result.exitCode}) before listening:\n${output}`),
            ),
          );
        });
        expect((await fetch(`${url}/health`)).status).toBe(200);
        const created = await fetch(`${url}/Category/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ id: 'lamps', name: 'Lamps' }),
        });
        expect(created.status).toBe(201);
        const read = await fetch(`${url}/Category/lamps`);
        expect(read.status).toBe(200);
        expect(await read.json()).toEqual({ id: 'lamps', name: 'Lamps' });
      } finally {
        child.kill('SIGTERM');
        expect((await child).exitCode).toBe(0);
      }
    },
  );
});
