/** The schema metadata of a fixture, built by the real front end (what a generated server embeds). */
import path from 'node:path';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { loadSchema } from '../../src/frontend/index.js';
import { readSchemaSources, resolveSchemaPaths } from '../../src/sources.js';
import { REPO_ROOT } from './generatedServer.js';

export async function loadFixtureSchema(name: string): Promise<SchemaMeta> {
  const sources = await readSchemaSources(
    await resolveSchemaPaths([path.join(REPO_ROOT, 'fixtures', name)]),
  );
  const result = loadSchema(sources);
  if (!result.ok)
    throw new Error(
      `fixture ${name} has schema errors: ${result.diagnostics.map((d) => d.message).join('; ')}`,
    );
  return result.schema;
}
