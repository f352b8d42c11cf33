/**
 * Compiles each committed generated example once, so that end-to-end tests can start it as a
 * separate process (`node dist/main.js`) the way a user would after `npm run build`.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

export default async function setup(): Promise<void> {
  const examples = path.join(ROOT, 'generated-examples');
  if (!existsSync(examples)) return;
  const names = readdirSync(examples).filter((name) => existsSync(path.join(examples, name, 'tsconfig.json')));
  await Promise.all(
    // A compile error is reported by the type-check test, not here, so that every other test still runs.
    names.map((name) => execa('node', [TSC, '-p', path.join(examples, name, 'tsconfig.json')], { cwd: ROOT, reject: false })),
  );
}
