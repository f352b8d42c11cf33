import { describe, expect, it } from 'vitest';
import { formatSource } from '../../src/format/format.js';
import { loadClientTemplates, loadProjectTemplates, loadRuntime } from '../../src/templates.js';

describe('templates/runtime', () => {
  it('is kept formatted, so generated servers can copy it verbatim (run `npm run format` to fix)', async () => {
    const unformatted: string[] = [];
    for (const [file, text] of await loadRuntime()) {
      if ((await formatSource(text, file)) !== text) unformatted.push(file);
    }
    expect(unformatted).toEqual([]);
  });
});

describe('templates/client', () => {
  it('is kept formatted, so generated clients can copy it verbatim (run `npm run format` to fix)', async () => {
    const unformatted: string[] = [];
    for (const [file, text] of await loadClientTemplates()) {
      if ((await formatSource(text, file)) !== text) unformatted.push(file);
    }
    expect(unformatted).toEqual([]);
  });
});

describe('templates/project', () => {
  it('are compiled once and strict: a variable the context lacks is an error, not an empty string', async () => {
    const templates = await loadProjectTemplates();
    expect(await loadProjectTemplates()).toBe(templates);
    expect(() => templates.main({})).toThrow(/"header" not defined/);
    expect(templates.main({ header: '// header\n' })).toMatch(
      /^\/\/ header\n[\s\S]*await serve\(schema, \{ hooks, openApi: new URL\('..\/openapi.json', import.meta.url\) \}\);\n$/,
    );
  });

  it('do not escape: the output is not HTML', async () => {
    const { packageJson } = await loadProjectTemplates();
    const text = packageJson({ packageName: 'a&b<c>', dependencies: {}, devDependencies: {} });
    expect((JSON.parse(text) as { name: string }).name).toBe('a&b<c>');
  });
});
