/**
 * Issue 16, a changed attribute type (contract section 11): records written under one schema, the
 * server restarted with `Product.code` changed from `Int` to `String` and `Product.price` from
 * `String` to `Float`. The start-up check logs the records whose values do not fit, `verify` lists
 * them, and `convert` converts or clears them through ordinary commits; later starts read nothing.
 * On LMDB and on PostgreSQL (the code is engine-independent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runServer, type RunningServer } from '../../templates/runtime/main.js';
import type { SchemaMeta } from '../../templates/runtime/meta.js';
import { useLog, linesLog } from '../../templates/runtime/log.js';
import {
  StoredTypes,
  checkRetyped,
  convertAttribute,
  runConvert,
} from '../../templates/runtime/storedTypes.js';
import { openLmdbStore } from '../../templates/runtime/store/lmdb.js';
import type { Commit } from '../../templates/runtime/store/types.js';
import { verifyStore } from '../../templates/runtime/verify.js';
import { ENGINES, stopEngines } from '../helpers/engines.js';
import { attribute as a, table } from './fixtures/meta.js';

function schemaWith(code: 'Int' | 'String', price: 'String' | 'Float'): SchemaMeta {
  return {
    tables: [
      table('Product', [
        a('id', 'ID', { primaryKey: true }),
        a('name', 'String'),
        a('code', code, { indexed: true }),
        a('price', price),
        a('sizes', code, { list: true }),
      ]),
    ],
    objectTypes: [],
  };
}

const BEFORE = schemaWith('Int', 'String');
const AFTER = schemaWith('String', 'Float');

afterAll(stopEngines);

describe('StoredTypes.fit', () => {
  const types = new StoredTypes(AFTER);
  const product = AFTER.tables[0]!;
  const attribute = (name: string) => product.attributes.find((x) => x.name === name)!;

  it('converts only what converts back to the same value', () => {
    expect(types.fit(product, attribute('code'), 12)).toEqual({ kind: 'convertible', value: '12' });
    expect(types.fit(product, attribute('code'), '12')).toEqual({ kind: 'fits' });
    expect(types.fit(product, attribute('code'), null)).toEqual({ kind: 'fits' });
    expect(types.fit(product, attribute('code'), { a: 1 })).toEqual({ kind: 'misfit' });
    expect(types.fit(product, attribute('price'), '2.5')).toEqual({
      kind: 'convertible',
      value: 2.5,
    });
    for (const lossy of ['2.50', ' 2', '0x10', '', 'cheap'])
      expect(types.fit(product, attribute('price'), lossy)).toEqual({ kind: 'misfit' });
    expect(types.fit(product, attribute('sizes'), [1, null, 3])).toEqual({
      kind: 'convertible',
      value: ['1', null, '3'],
    });
    expect(types.fit(product, attribute('sizes'), 1)).toEqual({ kind: 'misfit' });
  });

  it('converts dates to and from their ISO text', () => {
    const dated = table('Event', [
      a('id', 'ID', { primaryKey: true }),
      a('at', 'Date'),
      a('label', 'String'),
    ]);
    const eventTypes = new StoredTypes({ tables: [dated], objectTypes: [] });
    const [, at, label] = dated.attributes;
    expect(eventTypes.fit(dated, at!, '2024-08-01T10:00:00.000Z')).toEqual({
      kind: 'convertible',
      value: new Date('2024-08-01T10:00:00.000Z'),
    });
    expect(eventTypes.fit(dated, at!, new Date(0))).toEqual({ kind: 'fits' });
    expect(eventTypes.fit(dated, label!, new Date(0))).toEqual({
      kind: 'convertible',
      value: '1970-01-01T00:00:00.000Z',
    });
  });
});

for (const engine of ENGINES) {
  describe(`a changed attribute type on ${engine.name}`, () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'stored-types-'));
    let running: RunningServer | undefined;
    let lines: string[] = [];
    let env: Record<string, string> = {};

    afterEach(async () => {
      await running?.close();
      running = undefined;
      vi.restoreAllMocks();
    });
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    async function start(schema: SchemaMeta): Promise<RunningServer> {
      lines = [];
      running = await runServer(schema, {
        env: { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env },
        handleSignals: false,
        log: (line) => lines.push(line),
      });
      await running.storedTypesChecked;
      return running;
    }
    const schemaLines = () =>
      lines.filter((line) => line.startsWith('schema: ') && line.includes(' stored value'));
    const query = async (server: RunningServer, q: string) =>
      (await (await fetch(`${server.url}/Product/?${q}&select(id)`)).json()) as string[];

    /** Runs `npm run convert` in this process; resolves with its exit code and what it printed. */
    async function convert(...args: string[]): Promise<{ code: number; output: string }> {
      const printed: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
      vi.spyOn(console, 'error').mockImplementation((line: string) => printed.push(line));
      const code = await runConvert(AFTER, args, { DATA_DIR: dataDir, ...env });
      vi.restoreAllMocks();
      return { code, output: printed.join('\n') };
    }

    it('logs the records whose values do not fit, and verify lists them', async () => {
      env = await engine.env();
      const first = await start(BEFORE);
      for (const [id, body] of [
        ['p1', { code: 12, price: '2.5', sizes: [1, 2] }],
        ['p2', { code: 7, price: 'cheap' }],
        ['p3', { name: 'no code' }],
      ] as const) {
        const put = await fetch(`${first.url}/Product/${id}`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(put.status).toBe(204);
      }
      // The first start of a new store has nothing to check.
      expect(schemaLines()).toEqual([]);
      await first.close();
      // Another process opens the store first under the new schema: what changed is kept for the
      // server all the same.
      expect(await convert('Product.name')).toEqual({
        code: 0,
        output: 'Product.name (String): 0 converted, 0 cleared, 0 left',
      });

      const second = await start(AFTER);
      expect(lines.filter((line) => line.startsWith('schema: '))).toEqual([
        'schema: Product.code has 2 stored records whose values do not fit its type String (keys "p1", "p2"); conditions on Product.code do not match them until they are converted, and 2 of 2 can be converted without loss: npm run convert -- Product.code (--clear clears the others)',
        'schema: Product.price has 2 stored records whose values do not fit its type Float (keys "p1", "p2"); conditions on Product.price do not match them until they are converted, and 1 of 2 can be converted without loss: npm run convert -- Product.price (--clear clears the others)',
        'schema: Product.sizes has 1 stored record whose value does not fit its type [String] (key "p1"); conditions on Product.sizes do not match it until it is converted, and 1 of 1 can be converted without loss: npm run convert -- Product.sizes (--clear clears the others)',
      ]);
      // What the line warns of: the condition is converted to the new type, the values are not.
      expect(await query(second, 'code=12')).toEqual([]);

      if (engine.name === 'lmdb') {
        const report = await verifyStore(AFTER, dataDir);
        expect(report.ok).toBe(false);
        expect(report.problems.filter((problem) => problem.kind === 'type-mismatch')).toEqual([
          {
            kind: 'type-mismatch',
            table: 'Product',
            attribute: 'code',
            message:
              'record "p1" holds 12, which does not fit String; npm run convert -- Product.code converts it',
          },
          expect.objectContaining({ attribute: 'price' }),
          expect.objectContaining({ attribute: 'sizes' }),
          expect.objectContaining({ attribute: 'code' }),
          {
            kind: 'type-mismatch',
            table: 'Product',
            attribute: 'price',
            message:
              'record "p2" holds "cheap", which does not fit Float; it does not convert: npm run convert -- Product.price --clear clears it',
          },
        ]);
      }
    });

    it('converts what converts through ordinary commits, clears the rest when asked', async () => {
      const server = await start(AFTER);
      const seen: Commit[] = [];
      server.app.store.onCommit((commit) => seen.push(commit));

      expect(await convert('Product.code')).toEqual({
        code: 0,
        output: 'Product.code (String): 2 converted, 0 cleared, 0 left',
      });
      // The running server hears of the commit (indexes and subscribers follow it).
      await server.app.store.refresh();
      expect(seen.flatMap((commit) => commit.changes.map((change) => change.key))).toEqual([
        'p1',
        'p2',
      ]);
      expect(await query(server, 'code=12')).toEqual(['p1']);

      const price = await convert('Product.price');
      expect(price.code).toBe(1);
      expect(price.output).toBe(
        'Product.price (Float): 1 converted, 0 cleared, 1 left\n' +
          '1 record still hold values that do not fit Float (keys "p2"): run again with --clear to clear them, or write them with new values',
      );
      expect(await convert('Product.price', '--clear')).toEqual({
        code: 0,
        output: 'Product.price (Float): 0 converted, 1 cleared, 0 left',
      });
      expect((await convert('Product.sizes')).code).toBe(0);
      const p1 = await (await fetch(`${server.url}/Product/?id=p1`)).json();
      expect(p1).toEqual([{ id: 'p1', code: '12', price: 2.5, sizes: ['1', '2'] }]);
      const p2 = await (await fetch(`${server.url}/Product/?id=p2`)).json();
      expect(p2).toEqual([{ id: 'p2', code: '7' }]);
      expect(await query(server, 'price=gt=2')).toEqual(['p1']);

      if (engine.name === 'lmdb') expect((await verifyStore(AFTER, dataDir)).ok).toBe(true);
    });

    it('says once that every value fits, and reads nothing on later starts', async () => {
      await start(AFTER);
      expect(schemaLines()).toEqual([
        'schema: every stored value of Product.code fits its type String',
        'schema: every stored value of Product.price fits its type Float',
        'schema: every stored value of Product.sizes fits its type [String]',
      ]);
      await running!.close();
      running = undefined;
      await start(AFTER);
      expect(schemaLines()).toEqual([]);
    });

    it('refuses a name that is not a stored attribute, with usage', async () => {
      expect(await convert('Product.nope')).toEqual({
        code: 2,
        output:
          'Product has no stored attribute "nope"; its stored attributes are: name, code, price, sizes\n' +
          'usage: npm run convert -- <Table>.<attribute> [--clear]',
      });
      expect((await convert()).code).toBe(2);
    });
  });
}

describe('the store underneath', () => {
  const directories: string[] = [];
  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  /** A data directory whose Tag.label was an Int and is now a @unique String. */
  async function retypedTags(records: Record<string, unknown>) {
    const directory = mkdtempSync(path.join(tmpdir(), 'stored-types-store-'));
    directories.push(directory);
    const tags = (type: 'Int' | 'String'): SchemaMeta => ({
      tables: [
        table('Tag', [
          a('id', 'ID', { primaryKey: true }),
          { ...a('label', type, { indexed: true }), unique: true },
        ]),
      ],
      objectTypes: [],
    });
    const before = openLmdbStore(tags('Int'), { path: directory, log: () => {} });
    await before.write((txn) => {
      for (const [id, label] of Object.entries(records)) txn.put('Tag', id, { id, label });
    });
    await before.close();
    const schema = tags('String');
    return { schema, store: openLmdbStore(schema, { path: directory, log: () => {} }) };
  }

  it('leaves a @unique value alone when its conversion would duplicate another record', async () => {
    const { schema, store } = await retypedTags({ t1: 5, t2: '5', t3: 6 });
    try {
      const [tag] = schema.tables;
      const label = tag!.attributes[1]!;
      expect(await convertAttribute(store, schema, tag!, label, false)).toEqual({
        name: 'Tag.label',
        type: 'String',
        converted: 1,
        cleared: 0,
        left: 0,
        leftKeys: [],
        duplicates: 1,
        duplicateKeys: ['t1'],
      });
      expect((await store.read().get('Tag', 't1'))?.value).toEqual({ id: 't1', label: 5 });
      expect((await store.read().get('Tag', 't3'))?.value).toEqual({ id: 't3', label: '6' });
    } finally {
      await store.close();
    }
  });

  it('a check stopped by the server says nothing and forgets nothing', async () => {
    const { schema, store } = await retypedTags({ t1: 'a' });
    const lines: string[] = [];
    useLog(linesLog((line) => lines.push(line)));
    try {
      expect(store.retypedAttributes?.()).toEqual(['Tag.label']);
      await checkRetyped(store, schema, AbortSignal.abort());
      expect(lines).toEqual([]);
      expect(store.retypedAttributes?.()).toEqual(['Tag.label']);
      await checkRetyped(store, schema);
      expect(lines).toEqual(['schema: every stored value of Tag.label fits its type String']);
      expect(store.retypedAttributes?.()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
