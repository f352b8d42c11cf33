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

interface Operation {
  parameters?: { $ref?: string; name?: string; in?: string; required?: boolean }[];
  responses: Record<string, Record<string, unknown>>;
}
interface Document {
  info: { description: string };
  paths: Record<string, Record<string, unknown>>;
  components: {
    parameters: Record<string, { name: string; in: string }>;
    headers: Record<string, unknown>;
    responses: Record<
      string,
      { description: string; content: Record<string, { schema: unknown }> }
    >;
  };
}

async function documentOf(fixture: string): Promise<Document> {
  return JSON.parse(await openapiOf(fixture)) as Document;
}

function operation(document: Document, template: string, method: string): Operation {
  const found = document.paths[template]?.[method] as Operation | undefined;
  if (found === undefined) throw new Error(`no ${method} ${template}`);
  return found;
}

/** The response of `status`, through its reference to `components.responses` if it has one. */
function responseOf(document: Document, found: Operation, status: string) {
  const response = found.responses[status];
  const reference = response?.['$ref'];
  return typeof reference === 'string'
    ? document.components.responses[reference.split('/').pop()!]
    : (response as Document['components']['responses'][string] | undefined);
}

/** The `code` values the error answer of `status` lists. */
function codesOf(document: Document, found: Operation, status: string): unknown {
  const schema = responseOf(document, found, status)?.content['application/json']?.schema as
    { properties?: { code?: { enum?: unknown; const?: unknown } } } | undefined;
  return schema?.properties?.code?.enum ?? schema?.properties?.code?.const;
}

describe('headers', () => {
  it('takes If-Match, If-None-Match and Prefer on the writes that honour them', async () => {
    const document = await documentOf('shop');
    const refs = (found: Operation) => (found.parameters ?? []).map((p) => p.$ref);
    const put = operation(document, '/Product/{id}', 'put');
    expect(refs(put)).toEqual([
      '#/components/parameters/PreferReturn',
      '#/components/parameters/IfMatch',
      '#/components/parameters/IfNoneMatchWrite',
    ]);
    expect(document.components.parameters['IfMatch']).toMatchObject({
      name: 'If-Match',
      in: 'header',
    });
    expect(refs(operation(document, '/Product/', 'get'))).toContain(
      '#/components/parameters/PreferCount',
    );
    // A POST to the collection has no precondition (the runtime reads none there).
    expect(refs(operation(document, '/Product/', 'post'))).toEqual([]);
    expect(put.responses['412']).toBeDefined();
    expect(operation(document, '/Product/', 'post').responses['412']).toBeUndefined();
  });

  it('answers ETag, Content-Range, Location and Retry-After where the server sends them', async () => {
    const document = await documentOf('shop');
    const get = operation(document, '/Product/{id}', 'get');
    expect(get.responses['200']?.['headers']).toEqual({
      ETag: { $ref: '#/components/headers/ETag' },
    });
    expect(get.responses['304']?.['headers']).toEqual({
      ETag: { $ref: '#/components/headers/ETag' },
    });
    expect(operation(document, '/Product/{id}', 'patch').responses['204']?.['headers']).toEqual({
      ETag: { $ref: '#/components/headers/ETag' },
    });
    expect(operation(document, '/Product/', 'get').responses['200']?.['headers']).toEqual({
      'Content-Range': { $ref: '#/components/headers/Content-Range' },
    });
    expect(operation(document, '/Product/', 'post').responses['201']?.['headers']).toEqual({
      Location: { $ref: '#/components/headers/Location' },
    });
    const busy = responseOf(document, operation(document, '/Product/', 'get'), '503');
    expect(busy).toMatchObject({
      headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } },
    });
    expect(Object.keys(document.components.headers).sort()).toEqual([
      'Content-Range',
      'ETag',
      'Location',
      'Preference-Applied',
      'Retry-After',
      'WWW-Authenticate',
    ]);
  });
});

describe('error answers', () => {
  it('list, per status, the codes of the catalogue that the operation can answer', async () => {
    const document = await documentOf('kitchen-sink');
    // Author: a Long key and a @unique email.
    const create = operation(document, '/authors/', 'post');
    expect(codesOf(document, create, '409')).toEqual([
      'RECORD_EXISTS',
      'UNIQUE_VIOLATION',
      'KEY_SPACE_EXHAUSTED',
      'WRITE_CONFLICT',
    ]);
    expect(codesOf(document, create, '401')).toBe('UNAUTHENTICATED');
    expect(codesOf(document, create, '403')).toEqual(['FORBIDDEN', 'ORIGIN_NOT_ALLOWED']);
    const query = operation(document, '/authors/', 'get');
    expect(codesOf(document, query, '400')).toEqual([
      'BAD_URL',
      'QUERY_SYNTAX',
      'QUERY_UNKNOWN_ATTRIBUTE',
      'QUERY_INVALID_VALUE',
      'QUERY_UNSUPPORTED',
      'QUERY_TOO_COMPLEX',
      'ANSWER_TOO_LARGE',
    ]);
    expect(codesOf(document, query, '503')).toEqual([
      'UNAVAILABLE',
      'STORE_EXHAUSTED',
      'INDEX_BUILDING',
    ]);
    expect(query.responses['409']).toBeUndefined();
    expect(query.responses['default']).toEqual({ $ref: '#/components/responses/Error' });
  });

  it('list RECORD_REFERENCED on deletes when the schema has a RESTRICT relationship', async () => {
    const result = await generate([
      {
        path: 'schema.graphql',
        text: `type Writer @table @export { id: ID @primaryKey }
type Book @table @export {
  id: ID @primaryKey
  writerId: ID @indexed
  writer: Writer @relationship(from: writerId, onDelete: RESTRICT)
}`,
      },
    ]);
    if (!result.ok) throw new Error('schema errors');
    const document = JSON.parse(result.files.get('openapi.json')!.contents) as Document;
    expect(codesOf(document, operation(document, '/Writer/{id}', 'delete'), '409')).toEqual([
      'RECORD_REFERENCED',
      'WRITE_CONFLICT',
    ]);
    expect(codesOf(document, operation(document, '/Writer/', 'delete'), '409')).toEqual([
      'RECORD_REFERENCED',
      'WRITE_CONFLICT',
    ]);
  });

  it('leave out the codes a table cannot cause', async () => {
    const document = await documentOf('shop');
    // Product: an ID key, nothing @unique, and no RESTRICT relationship in the shop.
    expect(codesOf(document, operation(document, '/Product/', 'post'), '409')).toEqual([
      'RECORD_EXISTS',
      'WRITE_CONFLICT',
    ]);
    expect(codesOf(document, operation(document, '/Product/{id}', 'delete'), '409')).toEqual([
      'WRITE_CONFLICT',
    ]);
  });
});

describe('attribute, publish and real-time URLs', () => {
  it('describe /T/{id}.{attribute} with GET and HEAD, its attribute one of the table', async () => {
    const document = await documentOf('shop');
    const item = document.paths['/Product/{id}.{attribute}'] as {
      parameters: { name: string; schema: { enum?: string[] } }[];
      get: Operation;
      head: Operation;
    };
    expect(item.parameters.map((p) => p.name)).toEqual(['id', 'attribute']);
    expect(item.parameters[1]?.schema.enum).toContain('category');
    expect(item.parameters[1]?.schema.enum).toContain('price');
    expect(item.get.responses['200']?.['headers']).toBeDefined();
    expect(item.head.responses['304']).toBeDefined();
  });

  it('describe POST /T/{id}?publish as a POST with a required publish parameter', async () => {
    const document = await documentOf('shop');
    const publish = operation(document, '/Product/{id}', 'post');
    expect(publish.parameters).toEqual([
      expect.objectContaining({ name: 'publish', in: 'query', required: true }),
    ]);
    expect(codesOf(document, publish, '405')).toEqual(['METHOD_NOT_ALLOWED']);
    expect(Object.keys(publish.responses)).toContain('204');
  });

  it('give the GETs of /T/ and /T/{id} an event-stream answer, and name the WebSocket URLs', async () => {
    const document = await documentOf('shop');
    for (const template of ['/Product/', '/Product/{id}']) {
      const found = operation(document, template, 'get');
      const content = found.responses['200']?.['content'] as Record<string, { schema: unknown }>;
      expect(Object.keys(content)).toEqual(['application/json', 'text/event-stream']);
      expect(JSON.stringify(content['text/event-stream'])).toMatch(/Last-Event-ID.*resume=/);
      expect((found.parameters ?? []).map((p) => p.$ref)).toEqual(
        expect.arrayContaining([
          '#/components/parameters/LastEventId',
          '#/components/parameters/Resume',
        ]),
      );
      expect(document.paths[template]?.['x-websocket']).toMatch(/^ws:\/\/host\/Product\//);
    }
    expect(document.info.description).toMatch(/OpenAPI cannot describe a WebSocket/);
  });
});
