/**
 * Compiles each committed generated example once, so that end-to-end tests can start it as a
 * separate process (`node dist/main.js`) the way a user would after `npm run build`, and its
 * typed client (`client/`, to `client/dist/`), which the client's tests load as a user would. An example
 * that does not compile fails the whole run here, with the compiler's output: the end-to-end tests
 * have no other server to fall back on.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

export default async function setup(): Promise<void> {
  const examples = path.join(ROOT, 'generated-examples');
  const names = readdirSync(examples).filter((name) =>
    existsSync(path.join(examples, name, 'tsconfig.json')),
  );
  if (names.length === 0)
    throw new Error(`no generated examples under ${examples} (run \`npm run examples\`)`);
  const projects = names.flatMap((name) => [
    { name, tsconfig: path.join(examples, name, 'tsconfig.json') },
    { name: `${name}/client`, tsconfig: path.join(examples, name, 'client', 'tsconfig.json') },
  ]);
  const results = await Promise.all(
    projects
      .filter(({ tsconfig }) => existsSync(tsconfig))
      .map(async ({ name, tsconfig }) => ({
        name,
        result: await execa('node', [TSC, '-p', tsconfig], { cwd: ROOT, reject: false, all: true }),
      })),
  );
  const failed = results.filter(({ result }) => result.exitCode !== 0);
  if (failed.length > 0) {
    throw new Error(
      failed
        .map(
          ({ name, result }) =>
            `generated-examples/${name} does not compile (tsc exited ${String(result.exitCode)}):\n${result.all}`,
        )
        .join('\n\n'),
    );
  }
}
