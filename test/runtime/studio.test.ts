/**
 * The data studio's paths (contract section 13), in-process: the page and its assets with their
 * security headers and ETags, the methods, `STUDIO` on and off and its default, the tables list;
 * and the browser script's types: `client.ts` compiles against TypeScript's DOM library alone,
 * and the DOM has everything `dom.ts` declares of it. (`test/e2e/studio.test.ts` drives the page
 * in a browser.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../templates/runtime/config.js';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import {
  STUDIO_CONTENT_SECURITY_POLICY,
  studioEnabled,
  studioTables,
} from '../../templates/runtime/studio/serve.js';
import { attribute as a, table } from './fixtures/meta.js';
import { shopSchema } from './fixtures/schemas.js';
import { startServer, type TestServer } from './helpers/server.js';

const STUDIO_DIR = path.resolve(import.meta.dirname, '..', '..', 'templates', 'runtime', 'studio');

describe('the studio on a loopback server (on by default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(shopSchema);
  });
  afterAll(() => server.dispose());

  it('serves the page with a strict Content-Security-Policy and no inline script or style', async () => {
    for (const url of ['/studio', '/studio/']) {
      const response = await server.fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await response.text();
      expect(html).toContain('<script type="module" src="/studio/studio.js"></script>');
      expect(html).toContain('<link rel="stylesheet" href="/studio/studio.css" />');
      // Every <script> names its source; no style attribute or element, no inline handler.
      expect(html.match(/<script\b[^>]*>/g)).toEqual([
        '<script type="module" src="/studio/studio.js">',
      ]);
      expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    }
  });

  it('serves the stylesheet, with the same headers, and ETag revalidation (304)', async () => {
    const response = await server.fetch('/studio/studio.css', {
      headers: { 'Accept-Encoding': 'identity' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(STUDIO_CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"h[\w-]+"$/);
    const again = await server.fetch('/studio/studio.css', {
      headers: { 'Accept-Encoding': 'identity', 'If-None-Match': etag! },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    const gzipped = await server.fetch('/studio/studio.css', {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.headers.get('etag')).toBe(etag!.replace(/"$/, '+gzip"'));
    const revalidated = await server.fetch('/studio/studio.css', {
      headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': gzipped.headers.get('etag')! },
    });
    expect(revalidated.status).toBe(304);
  });

  it('answers HEAD and OPTIONS, and 405 with Allow for other methods', async () => {
    const head = await server.fetch('/studio', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(100);
    const options = await server.fetch('/studio/studio.css', { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const refused = await server.fetch('/studio', { method });
      expect(refused.status).toBe(405);
      expect(refused.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      expect(await refused.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
  });

  it('lists the exported tables with their attributes for the page', async () => {
    const response = await server.fetch('/studio/tables.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const { tables } = (await response.json()) as { tables: { name: string }[] };
    expect(tables.map((listed) => listed.name)).toEqual(['CartItem', 'Category', 'Product']);
    expect(tables[2]).toMatchObject({
      name: 'Product',
      primaryKey: 'id',
      attributes: expect.arrayContaining([
        { name: 'id', type: 'ID', primaryKey: true },
        { name: 'price', type: 'Float', indexed: true },
        {
          name: 'category',
          type: 'Category',
          relationship: { kind: 'many-to-one', table: 'Category', from: 'categoryId' },
        },
      ]),
    });
  });

  it('answers 404 for an unknown asset; from TypeScript sources the script is not built', async () => {
    const unknown = await server.fetch('/studio/nothing.js');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
    // This in-process server runs templates/runtime/*.ts, which has no compiled client.js beside it.
    const script = await server.fetch('/studio/studio.js');
    expect(script.status).toBe(404);
    expect(((await script.json()) as { error: string }).error).toContain('npm run build');
  });
});

describe('STUDIO', () => {
  it('off: /studio is an unknown path', async () => {
    const server = await startServer(shopSchema, { STUDIO: 'off' });
    try {
      for (const url of ['/studio', '/studio/studio.css', '/studio/tables.json']) {
        const response = await server.fetch(url);
        expect(response.status).toBe(404);
        expect(await response.json()).toMatchObject({
          code: 'NOT_FOUND',
          error: `Nothing is served at ${url}`,
        });
      }
    } finally {
      await server.dispose();
    }
  });

  it('defaults to on for a loopback HOST and off for any other, as AUTHORIZE_LOCAL does', () => {
    for (const [host, on] of [
      ['127.0.0.1', true],
      ['localhost', true],
      ['::1', true],
      ['0.0.0.0', false],
      ['192.168.1.10', false],
    ] as const) {
      expect(studioEnabled(loadConfig({ HOST: host }))).toBe(on);
    }
    expect(studioEnabled(loadConfig({ HOST: '0.0.0.0', STUDIO: 'on' }))).toBe(true);
    expect(studioEnabled(loadConfig({ HOST: '127.0.0.1', STUDIO: 'off' }))).toBe(false);
    expect(() => loadConfig({ STUDIO: 'maybe' })).toThrow('STUDIO must be on or off, got "maybe"');
  });
});

describe('the tables list', () => {
  it('leaves out unexported tables and relationships into them, and names tables by URL', () => {
    const schema: SchemaMeta = {
      tables: [
        table(
          'Book',
          [
            a('id', 'Int', { primaryKey: true }),
            a('tags', 'String', { list: true, elementNonNull: true, nonNull: true }),
            a('ownerId', 'ID'),
            a('owner', null, {
              relationship: {
                kind: 'many-to-one',
                target: 'Owner',
                from: 'ownerId',
                targetKey: 'id',
              },
            }),
            a('added', 'Date', { timestamp: 'created' }),
          ],
          { exportName: 'books' },
        ),
        table('Owner', [a('id', 'ID', { primaryKey: true })], { exportName: null }),
      ],
      objectTypes: [],
    };
    expect(studioTables(schema)).toEqual([
      {
        name: 'books',
        primaryKey: 'id',
        attributes: [
          { name: 'id', type: 'Int', primaryKey: true },
          { name: 'tags', type: '[String!]!' },
          { name: 'ownerId', type: 'ID' },
          { name: 'added', type: 'Date', timestamp: 'created' },
        ],
      },
    ]);
  });
});

describe("the browser script's types", () => {
  /** Diagnostics of compiling `roots` (and `virtual` files) with the DOM library and no Node types. */
  function browserDiagnostics(roots: string[], virtual: Record<string, string> = {}): string[] {
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      types: [],
      strict: true,
      noUncheckedIndexedAccess: true,
      noUnusedLocals: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      noEmit: true,
    };
    const base = ts.createCompilerHost(options);
    const host: ts.CompilerHost = {
      ...base,
      fileExists: (name) => name in virtual || base.fileExists(name),
      readFile: (name) => virtual[name] ?? base.readFile(name),
      getSourceFile: (name, language, ...rest) =>
        name in virtual
          ? ts.createSourceFile(name, virtual[name]!, language)
          : base.getSourceFile(name, language, ...rest),
    };
    const program = ts.createProgram([...roots, ...Object.keys(virtual)], options, host);
    return ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  }

  const check = (declared: string): Record<string, string> => ({
    [path.join(STUDIO_DIR, 'domCheck.ts')]:
      `import type { BrowserGlobals } from './dom.js';\n${declared}\n`,
  });

  it('client.ts compiles for a browser: the DOM library, no Node types', () => {
    expect(browserDiagnostics([path.join(STUDIO_DIR, 'client.ts')])).toEqual([]);
  });

  it("the DOM's globals are what dom.ts declares of them", () => {
    expect(
      browserDiagnostics([], check('export const globals: BrowserGlobals = globalThis;')),
    ).toEqual([]);
    // The check bites: a declaration the DOM does not fit is refused.
    expect(
      browserDiagnostics(
        [],
        check(
          "export const wrong: BrowserGlobals['document'] & { getElementById(id: string): number } = globalThis.document;",
        ),
      ).length,
    ).toBeGreaterThan(0);
  });

  it('client.ts builds no markup from text and references no library', () => {
    const source = readFileSync(path.join(STUDIO_DIR, 'client.ts'), 'utf8');
    expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(source).not.toMatch(/\/\/\/\s*<reference/);
    expect(source).not.toMatch(/from 'node:/);
  });
});
