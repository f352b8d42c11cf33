/** `npm run format`: formats the runtime and client templates the way generated files are formatted. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatSource } from '../src/format/format.js';
import { PACKAGE_ROOT } from '../src/packageRoot.js';
import { loadClientTemplates, loadRuntime } from '../src/templates.js';

let changed = 0;
const directories = [
  ['runtime', await loadRuntime()],
  ['client', await loadClientTemplates()],
] as const;
for (const [directory, files] of directories) {
  for (const file of files.keys()) {
    const target = path.join(PACKAGE_ROOT, 'templates', directory, file);
    const text = await readFile(target, 'utf8');
    const formatted = await formatSource(text, file);
    if (formatted !== text) {
      await writeFile(target, formatted);
      changed += 1;
    }
  }
}
console.log(`formatted ${changed} template file(s)`);
