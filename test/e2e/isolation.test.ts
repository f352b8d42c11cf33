/**
 * The end-to-end tests talk to generated servers running as separate processes, and to nothing
 * else: no module under test/e2e may load the runtime (`templates/runtime`) in-process, directly or
 * through a helper, so that an e2e test can never pass on the runtime while the generated server is
 * broken. Type-only imports are erased by the compiler and allowed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/generatedServer.js';

const E2E = path.join(REPO_ROOT, 'test', 'e2e');
const RUNTIME = path.join(REPO_ROOT, 'templates', 'runtime') + path.sep;

/** Relative module specifiers that `file` loads at run time (static, re-exports and dynamic imports). */
export function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const statement =
    /^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const match of source.matchAll(statement)) {
    if (match[2] !== undefined) continue; // `import type … from` / `export type … from`
    const specifier = match[3] ?? match[4] ?? match[5];
    if (specifier?.startsWith('.')) specifiers.push(specifier);
  }
  return specifiers;
}

/** Every repository file `entry` loads, transitively, mapped to the chain of imports that reaches it. */
function loadedFiles(entry: string): Map<string, string[]> {
  const reached = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (file.startsWith(RUNTIME)) continue;
    for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
      const target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
      // A specifier that names no file is text inside a string (code the generator emits), not an import.
      if (reached.has(target) || !existsSync(target)) continue;
      reached.set(target, [...reached.get(file)!, target]);
      queue.push(target);
    }
  }
  return reached;
}

describe('test/e2e', () => {
  it('recognises what loads a module and what does not', () => {
    expect(
      runtimeImports(
        [
          "import { a } from '../x.js';",
          "import type { B } from '../y.js';",
          "export { c } from './z.js';",
          "export type { D } from './w.js';",
          "import 'node:fs';",
          "import './side.js';",
          "const m = await import('./late.js');",
          "import {\n  e,\n  f,\n} from './multi.js';",
        ].join('\n'),
      ),
    ).toEqual(['../x.js', './z.js', './side.js', './late.js', './multi.js']);
  });

  const files = readdirSync(E2E).filter((name) => name.endsWith('.ts'));
  it.each(files)('%s does not load templates/runtime in-process', (name) => {
    const chains = [...loadedFiles(path.join(E2E, name))]
      .filter(([file]) => file.startsWith(RUNTIME))
      .map(([, chain]) => chain.map((file) => path.relative(REPO_ROOT, file)).join(' → '));
    expect(chains).toEqual([]);
  });
});
