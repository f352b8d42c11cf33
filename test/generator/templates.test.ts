import { describe, expect, it } from 'vitest';
import { formatSource } from '../../src/format/format.js';
import { loadRuntime } from '../../src/templates.js';

describe('templates/runtime', () => {
  it('is kept formatted, so generated servers can copy it verbatim (run `npm run format` to fix)', async () => {
    const unformatted: string[] = [];
    for (const [file, text] of await loadRuntime()) {
      if ((await formatSource(text, file)) !== text) unformatted.push(file);
    }
    expect(unformatted).toEqual([]);
  });
});
