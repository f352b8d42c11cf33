/**
 * Compiles each committed generated example once, so that end-to-end tests can start it as a
 * separate process (`node dist/main.js`) the way a user would after `npm run build`. An example
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
  const results = await Promise.all(
    names.map(async (name) => ({
      name,
      result: await execa('node', [TSC, '-p', path.join(examples, name, 'tsconfig.json')], {
        cwd: ROOT,
        reject: false,
        all: true,
      }),
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
