/** `npm run format`: formats the runtime templates the way generated files are formatted. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatSource } from '../src/format/format.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { loadRuntime } from '../src/templates.js';

let changed = 0;
for (const file of (await loadRuntime()).keys()) {
  const target = path.join(PACKAGE_ROOT, 'templates', 'runtime', file);
  const text = await readFile(target, 'utf8');
  const formatted = await formatSource(text, file);
  if (formatted !== text) {
    await writeFile(target, formatted);
    changed += 1;
  }
}
console.log(`formatted ${changed} template file(s)`);
