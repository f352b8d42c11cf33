/**
 * The fast ways of formatting (files of one shape formatted once, files formatted on worker threads)
 * may only save time: they give exactly the bytes of a plain run, which formats every file on its
 * own, one after the other, in this thread.
 */
import { describe, expect, it } from 'vitest';
import { syntheticSchema } from '../../bench/syntheticSchema.js';
import { EXAMPLES } from '../../scripts/exampleList.js';
import type { FileMap, OutputFile } from '../../src/emit/fileMap.js';
import { emitHooksScaffold, hooksScaffoldShape } from '../../src/emit/hooks.js';
import type { FormatOptions } from '../../src/format/format.js';
import { formatFiles, formatSource } from '../../src/format/format.js';
import type { SchemaSource } from '../../src/frontend/index.js';
import { generate } from '../../src/generate.js';
import { readSchemaSources, resolveSchemaPaths } from '../../src/sources.js';
import type { TableMeta } from '../../templates/runtime/meta.js';

const PLAIN: FormatOptions = { threads: 1, shapes: false };

async function files(sources: readonly SchemaSource[], format: FormatOptions): Promise<FileMap> {
  const result = await generate(sources, { format });
  if (!result.ok) throw new Error('the schema does not load');
  return result.files;
}

/** Every file's path, bytes and recorded unformatted hash: all that reaches the disk. */
function bytes(map: FileMap): [string, string, string | undefined][] {
  return [...map].map(([path, file]) => [path, file.contents, file.unformattedHash]);
}

const SCHEMAS: readonly { name: string; sources: () => Promise<SchemaSource[]> }[] = [
  ...EXAMPLES.map((example) => ({
    name: `fixture ${example.name}`,
    sources: async () => readSchemaSources(await resolveSchemaPaths([example.fixture])),
  })),
  {
    name: 'the synthetic 200-table schema',
    sources: () => Promise.resolve([{ path: 'synthetic.graphql', text: syntheticSchema(200) }]),
  },
];

describe.each(SCHEMAS)('$name', ({ sources: load }) => {
  it('formats to the bytes of a plain run with shapes and worker threads', async () => {
    const sources = await load();
    const plain = await files(sources, PLAIN);
    expect(bytes(await files(sources, { threads: 2 }))).toEqual(bytes(plain));
    expect(bytes(await files(sources, {}))).toEqual(bytes(plain));
  });
});

const table: TableMeta = {
  name: 'Order',
  tableName: 'Order',
  database: 'data',
  exportName: 'orders',
  primaryKey: 'id',
  keyType: 'ID',
  sealed: false,
  expiration: null,
  attributes: [],
};

/** One hooks scaffold, as emitServer adds it, with the given shape. */
function scaffold(contents: string, shape = hooksScaffoldShape(table)): FileMap {
  const file: OutputFile = { contents, kind: 'scaffold', shape };
  return new Map([['src/hooks/Order.ts', file]]);
}

async function formattedScaffold(map: FileMap): Promise<string> {
  return (await formatFiles(map)).get('src/hooks/Order.ts')!.contents;
}

describe('a file of a shape', () => {
  it("is prettier's output for it, with names of every length the shapes cover", async () => {
    for (const name of [
      'A',
      'Order',
      'A_very_long_table_name_that_makes_the_line_long_1234567890',
    ]) {
      for (const exportName of [null, 'x', `${name}s`]) {
        const meta = { ...table, name, exportName };
        const contents = emitHooksScaffold(meta);
        const own = await formatSource(contents, 'src/hooks/Order.ts');
        expect(await formattedScaffold(scaffold(contents, hooksScaffoldShape(meta)))).toBe(own);
      }
    }
  });

  it('is formatted on its own when its contents are not the shape with the names put in', async () => {
    const shape = hooksScaffoldShape(table);
    const contents = emitHooksScaffold(table).replace('edit it freely', 'edit   it   freely;;');
    expect(await formattedScaffold(scaffold(contents, shape))).toBe(
      await formatSource(contents, 'src/hooks/Order.ts'),
    );
  });
});
