/**
 * The plain printer (src/emit/ts.ts) stands in for ts-morph on the per-table modules: it must print
 * exactly ts-morph's text (the manifest hashes the unformatted text), and leave to ts-morph what it
 * does not know.
 */
import fc from 'fast-check';
import { StructureKind, VariableDeclarationKind, Writers } from 'ts-morph';
import type {
  ImportDeclarationStructure,
  InterfaceDeclarationStructure,
  StatementStructures,
  VariableStatementStructure,
} from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { syntheticSchema } from '../../bench/syntheticSchema.js';
import {
  docs,
  literal,
  printPlainSourceFile,
  printTsMorphSourceFile,
  typeImport,
} from '../../src/emit/ts.js';
import { objectTypeModuleStructures, tableModuleStructures } from '../../src/emit/types.js';
import { loadSchema } from '../../src/frontend/index.js';
import { assertSyncProperty } from '../helpers/seed.js';

const identifier = fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,12}$/);
const typeText = fc.oneof(
  fc.constantFrom('string', 'number | null', 'Array<string | null>', 'Entity1[]', 'unknown'),
  identifier,
);
/** Doc lines with what could confuse a writer that tracks strings and comments. */
const docLine = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom("a record's key", 'a `code` span', '"quoted"', 'a/b // c', '', ' spaced ', '{ }'),
);
const docLines = fc
  .array(docLine, { maxLength: 3 })
  .map((lines) => docs(...lines.map((line) => line.replaceAll('\r', ''))));

const importStructure: fc.Arbitrary<ImportDeclarationStructure> = fc
  .record({
    names: fc.array(identifier, { minLength: 1, maxLength: 3 }),
    from: fc.stringMatching(/^\.\.?\/[A-Za-z0-9_]{1,10}\.js$/),
    typeOnly: fc.boolean(),
  })
  .map(({ names, from, typeOnly }) => ({
    ...typeImport(names, from),
    isTypeOnly: typeOnly,
  }));

const interfaceStructure: fc.Arbitrary<InterfaceDeclarationStructure> = fc.record({
  kind: fc.constant(StructureKind.Interface),
  name: identifier,
  isExported: fc.boolean(),
  docs: docLines,
  properties: fc.array(
    fc.record({
      name: identifier,
      type: typeText,
      hasQuestionToken: fc.boolean(),
      docs: docLines,
    }),
    { maxLength: 5 },
  ),
  indexSignatures: fc.array(
    fc.record({
      keyName: identifier,
      keyType: fc.constant('string'),
      returnType: typeText,
      docs: docLines,
    }),
    { maxLength: 1 },
  ),
});

/** Plain data as literal() writes it, with strings that hold quotes, backslashes and slashes. */
const data: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 12 }),
    fc.constantFrom("it's", 'a\\', '`x`', '/re/', '/* c */', '${x}'),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(identifier, tie('value'), { maxKeys: 3 }),
  ),
})).value;

const metaStatement: fc.Arbitrary<VariableStatementStructure> = fc.record({
  kind: fc.constant(StructureKind.VariableStatement),
  isExported: fc.boolean(),
  declarationKind: fc.constant(VariableDeclarationKind.Const),
  docs: docLines,
  declarations: fc.tuple(
    fc.record({ name: identifier, type: typeText, initializer: data.map(literal) }),
  ),
});

const moduleStructures = fc.record({
  imports: fc.array(importStructure, { maxLength: 4 }),
  declarations: fc
    .tuple(fc.array(interfaceStructure, { maxLength: 3 }), fc.option(metaStatement))
    .map(([interfaces, meta]): StatementStructures[] =>
      meta === null ? interfaces : [...interfaces, meta],
    ),
});

describe('the plain printer', () => {
  it("prints ts-morph's text for random imports, interfaces and a last data statement", () => {
    assertSyncProperty(
      'plain printer',
      fc.property(moduleStructures, ({ imports, declarations }) => {
        const plain = printPlainSourceFile(imports, declarations);
        expect(plain).toBeDefined();
        expect(plain).toBe(printTsMorphSourceFile(imports, declarations));
      }),
      { numRuns: 300 },
    );
  });

  it("prints ts-morph's text for every table and object type module of the synthetic schema", () => {
    const loaded = loadSchema([{ path: 'schema.graphql', text: syntheticSchema(60) }]);
    if (!loaded.ok) throw new Error('the synthetic schema does not load');
    const modules = [
      ...loaded.schema.tables.map((table) => tableModuleStructures(table, literal(table))),
      ...loaded.schema.objectTypes.map((type) => objectTypeModuleStructures(type, literal(type))),
    ];
    for (const { imports, declarations } of modules) {
      const plain = printPlainSourceFile(imports, declarations);
      expect(plain).toBeDefined();
      expect(plain).toBe(printTsMorphSourceFile(imports, declarations));
    }
    expect(modules).toHaveLength(61);
  });

  it('leaves to ts-morph what it does not print: writer functions, aliases, other statements', () => {
    const object: VariableStatementStructure = {
      kind: StructureKind.VariableStatement,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: 'x', initializer: Writers.object({ a: '1' }) }],
    };
    expect(printPlainSourceFile([], [object])).toBeUndefined();
    const aliased: ImportDeclarationStructure = {
      kind: StructureKind.ImportDeclaration,
      namedImports: [{ name: 'meta', alias: 'aMeta' }],
      moduleSpecifier: './a.js',
    };
    expect(printPlainSourceFile([aliased], [])).toBeUndefined();
    expect(
      printPlainSourceFile([], [{ kind: StructureKind.TypeAlias, name: 'T', type: 'string' }]),
    ).toBeUndefined();
    // A data statement before another declaration: its quotes could change how ts-morph indents.
    const data: VariableStatementStructure = {
      kind: StructureKind.VariableStatement,
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: 'x', initializer: "'a\\\\'" }],
    };
    expect(printPlainSourceFile([], [data, data])).toBeUndefined();
  });
});
