/** `GET /T`'s description carries the schema's doc strings (contract section 4). */
import { describe, expect, it } from 'vitest';
import { describeTable } from '../../../templates/runtime/rest/describe.js';
import { loadFixtureSchema } from '../../helpers/fixtureSchema.js';

describe('describeTable', () => {
  it('gives the table and its attributes the doc strings the schema has, and nothing where it has none', async () => {
    const schema = await loadFixtureSchema('kitchen-sink');
    const author = schema.tables.find((table) => table.name === 'Author')!;
    const description = describeTable(author, 3);
    expect(description.description).toMatch(/^Someone who writes posts\./);
    const byName = new Map(description.attributes.map((attribute) => [attribute.name, attribute]));
    expect(byName.get('name')?.description).toBe("The name shown on the author's posts.");
    expect(byName.get('bio')).not.toHaveProperty('description');
    const post = describeTable(
      schema.tables.find((table) => table.name === 'Post')!,
      0,
    );
    expect(post).not.toHaveProperty('description');
    // A hidden attribute's doc string goes with it.
    const hidden = describeTable(author, 3, new Set(['name']));
    expect(hidden.attributes.map((attribute) => attribute.name)).not.toContain('name');
  });
});
