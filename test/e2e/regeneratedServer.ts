/**
 * For the end-to-end tests of hooks and schema evolution: a copy of a committed generated server
 * under `test/.tmp/` (inside the repository, so that it resolves this repository's node_modules),
 * regenerated from a changed schema with the CLI (the real `bin/codegen.js`, so `npm run build`
 * first), compiled, and started as a separate process.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { REPO_ROOT } from '../helpers/generatedServer.js';

const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const CODEGEN = path.join(REPO_ROOT, 'bin', 'codegen.js');
const LISTENING = /listening on (http:\/\/[^\s"]+)/;

/** A fresh directory under `test/.tmp/`. */
export async function workDirectory(name: string): Promise<string> {
  const dir = path.join(REPO_ROOT, 'test', '.tmp', `${name}-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Copies `generated-examples/<example>` into `target`, as a user's committed server (no build output). */
export async function copyExample(example: string, target: string): Promise<void> {
  const source = path.join(REPO_ROOT, 'generated-examples', example);
  await cp(source, target, {
    recursive: true,
    filter: (file) =>
      !['dist', 'node_modules', 'data'].includes(
        path.relative(source, file).split(path.sep)[0] ?? '',
      ),
  });
}

/**
 * Runs the CLI (`node bin/codegen.js`, the compiled generator, as a process) on `schema` (its text)
 * into `out`; throws unless it succeeds.
 */
export async function regenerate(out: string, schema: string, packageName: string): Promise<void> {
  const schemaFile = path.join(path.dirname(out), 'schema.graphql');
  await writeFile(schemaFile, schema);
  const result = await execa('node', [CODEGEN, schemaFile, '-o', out, '--name', packageName], {
    cwd: path.dirname(out),
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0)
    throw new Error(`codegen exited with ${String(result.exitCode)}:\n${result.all}`);
}

/** `npm run build` of a generated server: its own tsc, its own strict tsconfig. */
export async function build(dir: string): Promise<void> {
  const result = await execa('node', [TSC, '-p', path.join(dir, 'tsconfig.json')], {
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0)
    throw new Error(`the generated server does not compile:\n${result.all}`);
}

export interface ServerProcess {
  readonly url: string;
  readonly process: ResultPromise;
  /** Everything the server has printed so far. */
  output(): string;
  /** Resolves once the server's output matches `pattern` (rejects if it exits first). */
  printed(pattern: RegExp): Promise<void>;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | undefined>;
  /** SIGKILL: the process dies at once, as in a crash. */
  kill(): Promise<void>;
}

/** Starts `node dist/main.js` in `dir` on a free port over `dataDir`. */
export async function startServer(
  dir: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = execa('node', ['dist/main.js'], {
    cwd: dir,
    env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env },
    all: true,
    reject: false,
    buffer: false,
  });
  let output = '';
  child.all.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timeout = setTimeout(
      () => reject(new Error(`the server did not start in time:\n${output}`)),
      60_000,
    );
    const listening = (): void => {
      const match = LISTENING.exec(output);
      if (match === null) return;
      clearTimeout(timeout);
      child.all.off('data', listening);
      resolve(match[1]!);
    };
    child.all.on('data', listening);
    void child.then((result) => {
      clearTimeout(timeout);
      reject(new Error(`the server exited (${result.exitCode}) before listening:\n${output}`));
    });
  });
  const printed = (pattern: RegExp): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const seen = (): void => {
        if (!pattern.test(output)) return;
        child.all.off('data', seen);
        resolve();
      };
      child.all.on('data', seen);
      seen();
      void child.then(() => {
        if (!pattern.test(output))
          reject(new Error(`the server exited without printing ${String(pattern)}:\n${output}`));
      });
    });
  return {
    url,
    process: child,
    output: () => output,
    printed,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return (await child).exitCode;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await child;
    },
  };
}

export function sendJson(url: string, method: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}
