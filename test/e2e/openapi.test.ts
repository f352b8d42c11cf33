/**
 * A running shop server's answers against its committed OpenAPI document: each answer's status is
 * one the operation documents, each header the document promises for it is sent, an error's
 * `code` is among the codes listed for its status, and JSON bodies match the response schemas.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  startGeneratedServer,
  type GeneratedServer,
} from '../helpers/generatedServer.js';

interface Response {
  $ref?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: Record<string, unknown> }>;
}

const OPENAPI = JSON.parse(
  readFileSync(path.join(REPO_ROOT, 'generated-examples', 'shop', 'openapi.json'), 'utf8'),
) as {
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
  components: { responses: Record<string, Response> };
};
const ajv = new Ajv2020({ strict: false });
addFormats.default(ajv);

/**
 * Checks one answer against the document: its status is listed for the operation (not only the
 * catch-all `default`), the headers the document lists for it are all sent (the requests below
 * are those they apply to: `Content-Range` with `Prefer: count=exact`, `Location` for one record),
 * and its body fits the response's JSON schema (for an error, the `code` values of that status).
 */
async function conforms(template: string, method: string, answer: globalThis.Response) {
  let response = OPENAPI.paths[template]?.[method]?.responses[String(answer.status)];
  expect(response, `${method} ${template} documents ${answer.status}`).toBeDefined();
  if (response!.$ref !== undefined)
    response = OPENAPI.components.responses[response!.$ref.split('/').pop()!];
  for (const name of Object.keys(response!.headers ?? {}))
    expect(
      answer.headers.get(name),
      `${method} ${template} ${answer.status} sends ${name}`,
    ).not.toBeNull();
  const text = await answer.text();
  const schema = response!.content?.['application/json']?.schema;
  if (schema === undefined || text === '') return text;
  const body: unknown = JSON.parse(text);
  const validate = ajv.compile({ ...schema, components: OPENAPI.components });
  expect(validate(body), `${text} fits: ${JSON.stringify(validate.errors)}`).toBe(true);
  return body;
}

describe('a running server answers as its OpenAPI document says', () => {
  let server: GeneratedServer;
  let url: string;
  beforeAll(async () => {
    server = await startGeneratedServer('shop');
    url = server.url;
  });
  afterAll(async () => {
    await server.dispose();
  });

  const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
    method,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

  it('writes and reads records with the ETag, Location and Content-Range it documents', async () => {
    const created = await fetch(
      `${url}/Product/`,
      json('POST', { id: 'oa1', name: 'Lamp', price: 12 }),
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('oa1');
    await conforms('/Product/', 'post', created);

    const put = await fetch(`${url}/Product/oa2`, json('PUT', { name: 'Desk', price: 80 }));
    expect(put.status).toBe(204);
    await conforms('/Product/{id}', 'put', put);
    const patched = await fetch(
      `${url}/Product/oa2`,
      json('PATCH', { price: 75 }, { Prefer: 'return=representation' }),
    );
    expect(patched.status).toBe(200);
    expect(await conforms('/Product/{id}', 'patch', patched)).toMatchObject({ price: 75 });

    const got = await fetch(`${url}/Product/oa2`);
    expect(got.status).toBe(200);
    const etag = got.headers.get('etag')!;
    await conforms('/Product/{id}', 'get', got);
    const unchanged = await fetch(`${url}/Product/oa2`, { headers: { 'If-None-Match': etag } });
    expect(unchanged.status).toBe(304);
    await conforms('/Product/{id}', 'get', unchanged);

    const attribute = await fetch(`${url}/Product/oa2.price`);
    expect(attribute.status).toBe(200);
    await conforms('/Product/{id}.{attribute}', 'get', attribute);

    const counted = await fetch(`${url}/Product/?price=ge=10&limit(1)`, {
      headers: { Prefer: 'count=exact' },
    });
    expect(counted.status).toBe(200);
    expect(counted.headers.get('content-range')).toBe('items 0-0/2');
    await conforms('/Product/', 'get', counted);
  });

  it('answers errors with a code the document lists for the operation and status', async () => {
    const again = await fetch(`${url}/Product/`, json('POST', { id: 'oa1', name: 'Lamp' }));
    expect(again.status).toBe(409);
    expect(await conforms('/Product/', 'post', again)).toMatchObject({ code: 'RECORD_EXISTS' });

    const stale = await fetch(
      `${url}/Product/oa1`,
      json('PATCH', { price: 1 }, { 'If-Match': '"not-the-version"' }),
    );
    expect(stale.status).toBe(412);
    expect(await conforms('/Product/{id}', 'patch', stale)).toMatchObject({
      code: 'PRECONDITION_FAILED',
    });

    const unknown = await fetch(`${url}/Product/?colour=red`);
    expect(unknown.status).toBe(400);
    expect(await conforms('/Product/', 'get', unknown)).toMatchObject({
      code: 'QUERY_UNKNOWN_ATTRIBUTE',
    });

    const noPublish = await fetch(`${url}/Product/oa1`, json('POST', { hello: 1 }));
    expect(noPublish.status).toBe(405);
    expect(await conforms('/Product/{id}', 'post', noPublish)).toMatchObject({
      code: 'METHOD_NOT_ALLOWED',
    });
    const published = await fetch(`${url}/Product/oa1?publish`, json('POST', { hello: 1 }));
    expect(published.status).toBe(204);
    await conforms('/Product/{id}', 'post', published);
  });

  it('answers a GET with Accept: text/event-stream in the content type it documents', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${url}/Product/oa1`, {
      headers: { Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const documented = OPENAPI.paths['/Product/{id}']?.['get']?.responses['200']?.content;
    expect(Object.keys(documented ?? {})).toContain('text/event-stream');
    controller.abort();
  });
});
