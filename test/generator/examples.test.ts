import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate, type GenerateResult } from '../../src/generate.js';
import { checkOutput } from '../../src/output/sync.js';
import { GENERATOR_VERSION } from '../../src/packageRoot.js';
import { resolveSchemaPaths, readSchemaSources } from '../../src/sources.js';
import { EXAMPLES } from '../../scripts/exampleList.js';

async function generateExample(
  fixture: string,
  packageName: string,
  reverse = false,
): Promise<GenerateResult> {
  const paths = await resolveSchemaPaths([fixture]);
  const sources = await readSchemaSources(reverse ? [...paths].reverse() : paths);
  return generate(sources, { packageName });
}

function contents(result: GenerateResult): Record<string, string> {
  if (!result.ok)
    throw new Error(`schema errors: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return Object.fromEntries([...result.files].map(([file, output]) => [file, output.contents]));
}

describe.each(EXAMPLES)('generated-examples/$name', (example) => {
  it('matches what the generator produces from its fixture (run `npm run examples` to refresh)', async () => {
    const result = await generateExample(example.fixture, example.packageName);
    if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
    expect(checkOutput(example.out, result.files, GENERATOR_VERSION)).toEqual({
      stale: [],
      missing: [],
      extra: [],
    });
  });

  it('is deterministic: twice, and with the schema files in another order, byte-identical', async () => {
    const first = contents(await generateExample(example.fixture, example.packageName));
    const second = contents(await generateExample(example.fixture, example.packageName));
    const reversed = contents(await generateExample(example.fixture, example.packageName, true));
    expect(second).toEqual(first);
    expect(reversed).toEqual(first);
  });
});

describe('kitchen-sink', () => {
  it('is made of several schema files and names them all in its headers', async () => {
    const kitchen = EXAMPLES.find((example) => example.name === 'kitchen-sink')!;
    expect(
      (await resolveSchemaPaths([kitchen.fixture])).map((file) => path.basename(file)),
    ).toEqual(['tables.graphql', 'types.graphql']);
    const files = contents(await generateExample(kitchen.fixture, kitchen.packageName));
    expect(files['src/tables/Post.ts']).toContain('from tables.graphql, types.graphql');
  });
});
