import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/generate.js';

const FIXTURES = ['calendar', 'shop', 'kitchen-sink'];

async function openapiOf(fixture: string): Promise<string> {
  const directory = path.join(import.meta.dirname, '..', '..', 'fixtures', fixture);
  const names = (await readdir(directory)).filter((name) => name.endsWith('.graphql')).sort();
  const sources = await Promise.all(
    names.map(async (name) => {
      const file = path.join(directory, name);
      return { path: file, text: await readFile(file, 'utf8') };
    }),
  );
  const result = await generate(sources);
  if (!result.ok) throw new Error(`${fixture} has schema errors`);
  const document = result.files.get('openapi.json');
  if (document === undefined) throw new Error('no openapi.json generated');
  return document.contents;
}

describe('openapi.json', () => {
  for (const fixture of FIXTURES) {
    it(`is a valid OpenAPI 3.1 document for ${fixture}, the same on every generation`, async () => {
      const text = await openapiOf(fixture);
      const result = await new Validator().validate(text);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(await openapiOf(fixture)).toBe(text);
    });
  }
});

describe('doc strings', () => {
  it('describe the schemas of the tables, object types and attributes they are written on', async () => {
    const document = JSON.parse(await openapiOf('kitchen-sink')) as {
      components: {
        schemas: Record<
          string,
          { description?: string; properties: Record<string, { description?: string }> }
        >;
      };
    };
    const { Author, Address, Post } = document.components.schemas;
    expect(Author?.description).toMatch(/^Someone who writes posts\./);
    expect(Author?.properties['name']?.description).toBe("The name shown on the author's posts.");
    // A doc string comes before what the document says of the attribute itself.
    expect(document.components.schemas['AuthorCreate']?.properties['email']?.description).toMatch(
      /^Where the author is reached; no two authors share one/,
    );
    expect(Address?.description).toBe('A postal address, stored inside the records that hold it.');
    expect(Post?.description).toBeUndefined();
    expect(Post?.properties['title']?.description).toBeUndefined();
  });
});
