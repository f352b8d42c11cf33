/**
 * Generates the shop fixture's server with the generator's own CLI and compiles it, the way a user
 * would. It is generated inside the repository (`bench/.work/shop` by default, git-ignored) so that
 * its imports of lmdb, ws, … resolve to the repository's node_modules without an install.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { codegen } from './codegenCli.js';

const run = promisify(execFile);

export interface BuiltServer {
  readonly dir: string;
  /** `dist/main.js` of the compiled server. */
  readonly entry: string;
  /** Whether it was compiled in this run (false: an identical build was already there). */
  readonly compiled: boolean;
}

/** A digest of every file the build reads, so that an unchanged server is not compiled again. */
async function sourceDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const visit = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) await visit(child);
      else {
        hash.update(`${child}\0`);
        hash.update(await readFile(path.join(dir, child)));
      }
    }
  };
  await visit('src');
  for (const file of ['tsconfig.json', 'package.json'])
    hash.update(await readFile(path.join(dir, file)));
  return hash.digest('hex');
}

export async function buildShopServer(repoRoot: string, workDir: string): Promise<BuiltServer> {
  const dir = path.join(workDir, 'shop');
  await mkdir(workDir, { recursive: true });
  const schema = path.join(repoRoot, 'fixtures', 'shop', 'schema.graphql');
  const generated = await codegen(repoRoot, [schema, '-o', dir, '--name', 'shop-bench-server']);
  if (generated.exitCode !== 0)
    throw new Error(
      `generating the shop server failed (exit ${generated.exitCode}):\n${generated.output}`,
    );

  const entry = path.join(dir, 'dist', 'main.js');
  const stampFile = path.join(workDir, 'shop.build-stamp');
  const digest = await sourceDigest(dir);
  const stamp = existsSync(stampFile) ? await readFile(stampFile, 'utf8') : '';
  if (stamp === digest && existsSync(entry)) return { dir, entry, compiled: false };

  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await run(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    throw new Error(
      `compiling the generated shop server failed:\n${failure.stdout ?? ''}${failure.stderr ?? String(error)}`,
      { cause: error },
    );
  }
  await writeFile(stampFile, digest);
  return { dir, entry, compiled: true };
}
