/**
 * TypeScript source files built from ts-morph structures (interfaces, imports, variables), and the
 * few pieces that structures leave to text: property names and plain-data literals.
 */
import { IndentationText, NewLineKind, Project, QuoteKind, StructureKind } from 'ts-morph';
import type {
  ImportDeclarationStructure,
  IndexSignatureDeclarationStructure,
  InterfaceDeclarationStructure,
  JSDocStructure,
  OptionalKind,
  PropertySignatureStructure,
  StatementStructures,
  VariableStatementStructure,
} from 'ts-morph';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property name as it may appear in an interface or object literal. */
export function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/**
 * JSDoc of the given lines, as a structure's `docs`; a comment terminator in a line cannot end the
 * comment early. No lines, no comment.
 */
export function docs(...lines: readonly string[]): OptionalKind<JSDocStructure>[] {
  if (lines.length === 0) return [];
  return [
    {
      description: lines.map((line) => line.replaceAll('*/', '*\\/')).join('\n'),
    },
  ];
}

/** `import type { names } from 'from';` */
export function typeImport(names: readonly string[], from: string): ImportDeclarationStructure {
  return {
    kind: StructureKind.ImportDeclaration,
    isTypeOnly: true,
    namedImports: [...names],
    moduleSpecifier: from,
  };
}

/**
 * A TypeScript expression for plain data (objects, arrays, strings, numbers, booleans, null), with
 * unquoted keys where possible. Object keys keep their insertion order, which the IR fixes.
 */
export function literal(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  switch (typeof value) {
    case 'string':
      return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'object': {
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([key, item]) => `${propertyName(key)}: ${literal(item)}`,
      );
      return `{ ${entries.join(', ')} }`;
    }
    default:
      throw new TypeError(`cannot write a ${typeof value} as a literal`);
  }
}

/** One in-memory project for every file printed: nothing is read from or written to the disk. */
let project: Project | undefined;

function printer(): Project {
  project ??= new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: {
      indentationText: IndentationText.TwoSpaces,
      newLineKind: NewLineKind.LineFeed,
      quoteKind: QuoteKind.Single,
      useTrailingCommas: true,
    },
  });
  return project;
}

/**
 * The text of a source file: `header` (comment lines, kept as they are), the imports, then the
 * declarations, a blank line between each part. Not yet formatted: it goes through prettier with
 * every other generated file. The text is ts-morph's printing of the structures, byte for byte (the
 * format cache and the manifest hash it); the common structures of the per-table modules are printed
 * here directly (`printPlainSourceFile`), which is several times cheaper than a ts-morph source file.
 */
export function printSourceFile(
  header: string,
  imports: readonly ImportDeclarationStructure[],
  declarations: readonly StatementStructures[],
): string {
  const text =
    printPlainSourceFile(imports, declarations) ?? printTsMorphSourceFile(imports, declarations);
  return header === '' ? text : `${header}\n${text}`;
}

/** ts-morph's printing of the structures, through an in-memory source file. */
export function printTsMorphSourceFile(
  imports: readonly ImportDeclarationStructure[],
  declarations: readonly StatementStructures[],
): string {
  const [first, ...rest] = declarations;
  const statements: StatementStructures[] =
    imports.length === 0 || first === undefined
      ? [...imports, ...declarations]
      : [...imports, { ...first, leadingTrivia: (writer) => writer.blankLineIfLastNot() }, ...rest];
  const project = printer();
  const file = project.createSourceFile('/generated.ts', { statements }, { overwrite: true });
  const text = file.getFullText();
  project.removeSourceFile(file);
  return text;
}

/*
 * The plain printer prints what ts-morph prints for a subset of structures: type-only named imports,
 * exported interfaces of properties and index signatures, and one-declaration variable statements,
 * with JSDoc descriptions. Anything else (another key set, a writer function, a name or type that
 * ts-morph's writer could read as the start of a string, comment or regular expression, which changes
 * how it indents) is left to ts-morph: `printPlainSourceFile` returns undefined. test/generator/
 * plainPrinter.test.ts compares the two printers on generated schemas and on random structures.
 */

/** Names, types and module specifiers made only of characters that ts-morph's writer writes as is. */
const PLAIN_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const PLAIN_TYPE = /^[A-Za-z0-9_$<>|[\], .]+$/;
const PLAIN_SPECIFIER = /^[A-Za-z0-9_$./@-]+$/;

/** True when every key of `structure` whose value is not undefined is one of `keys`. */
function onlyKeys(structure: object, keys: readonly string[]): boolean {
  return Object.entries(structure).every(
    ([key, value]) => value === undefined || keys.includes(key),
  );
}

/** The JSDoc lines ts-morph writes for `docs`, unindented; undefined when not plain. */
function plainDocs(docs: unknown): string[] | undefined {
  if (docs === undefined) return [];
  if (!Array.isArray(docs)) return undefined;
  const lines: string[] = [];
  for (const doc of docs as unknown[]) {
    if (typeof doc !== 'object' || doc === null || !onlyKeys(doc, ['description']))
      return undefined;
    const description = (doc as { description?: unknown }).description ?? '';
    if (typeof description !== 'string' || description.includes('\r') || description.includes('*/'))
      return undefined;
    const parts = description.split('\n');
    if (parts.length <= 1) {
      const open = `/** ${description}`;
      lines.push(`${open}${open.endsWith(' ') ? '' : ' '}*/`);
      continue;
    }
    lines.push('/**');
    for (const part of parts[0] === '' ? parts.slice(1) : parts)
      lines.push(part === '' ? ' *' : ` * ${part}`);
    lines.push(' */');
  }
  return lines;
}

function plainImport(structure: ImportDeclarationStructure): string | undefined {
  const named = structure.namedImports;
  if (
    !onlyKeys(structure, ['kind', 'isTypeOnly', 'namedImports', 'moduleSpecifier']) ||
    !Array.isArray(named) ||
    named.length === 0 ||
    !named.every((name) => typeof name === 'string' && PLAIN_NAME.test(name)) ||
    !PLAIN_SPECIFIER.test(structure.moduleSpecifier)
  )
    return undefined;
  const type = structure.isTypeOnly === true ? ' type' : '';
  return `import${type} { ${(named as string[]).join(', ')} } from '${structure.moduleSpecifier}';`;
}

function plainType(type: unknown): string | undefined {
  if (type === undefined) return '';
  return typeof type === 'string' && PLAIN_TYPE.test(type) ? `: ${type}` : undefined;
}

/** The lines of an interface member (docs, then the member), unindented. */
function plainMember(
  member:
    OptionalKind<PropertySignatureStructure> | OptionalKind<IndexSignatureDeclarationStructure>,
  kind: 'property' | 'index',
): string[] | undefined {
  const docs = plainDocs(member.docs);
  if (docs === undefined) return undefined;
  if (kind === 'property') {
    const property = member as OptionalKind<PropertySignatureStructure>;
    const type = plainType(property.type);
    if (
      !onlyKeys(property, ['kind', 'name', 'type', 'hasQuestionToken', 'docs']) ||
      !PLAIN_NAME.test(property.name) ||
      type === undefined
    )
      return undefined;
    return [...docs, `${property.name}${property.hasQuestionToken === true ? '?' : ''}${type};`];
  }
  const index = member as OptionalKind<IndexSignatureDeclarationStructure>;
  const keyName = index.keyName ?? 'key';
  const keyType = index.keyType ?? 'string';
  const returnType = plainType(index.returnType);
  if (
    !onlyKeys(index, ['kind', 'keyName', 'keyType', 'returnType', 'docs']) ||
    !PLAIN_NAME.test(keyName) ||
    !PLAIN_TYPE.test(keyType) ||
    returnType === undefined
  )
    return undefined;
  return [...docs, `[${keyName}: ${keyType}]${returnType};`];
}

function plainInterface(structure: InterfaceDeclarationStructure): string | undefined {
  const docs = plainDocs(structure.docs);
  if (
    docs === undefined ||
    !onlyKeys(structure, ['kind', 'name', 'isExported', 'docs', 'properties', 'indexSignatures']) ||
    !PLAIN_NAME.test(structure.name)
  )
    return undefined;
  const members: string[] = [];
  for (const index of structure.indexSignatures ?? []) {
    const lines = plainMember(index, 'index');
    if (lines === undefined) return undefined;
    members.push(...lines);
  }
  for (const property of structure.properties ?? []) {
    const lines = plainMember(property, 'property');
    if (lines === undefined) return undefined;
    members.push(...lines);
  }
  const exported = structure.isExported === true ? 'export ' : '';
  return [
    ...docs,
    `${exported}interface ${structure.name} {`,
    ...members.map((line) => `  ${line}`),
    '}',
  ].join('\n');
}

function plainVariableStatement(structure: VariableStatementStructure): string | undefined {
  const docs = plainDocs(structure.docs);
  const [declaration, ...others] = structure.declarations;
  if (
    docs === undefined ||
    !onlyKeys(structure, ['kind', 'isExported', 'declarationKind', 'docs', 'declarations']) ||
    declaration === undefined ||
    others.length > 0 ||
    !onlyKeys(declaration, ['kind', 'name', 'type', 'initializer']) ||
    !PLAIN_NAME.test(declaration.name)
  )
    return undefined;
  const type = plainType(declaration.type);
  const initializer = declaration.initializer;
  // The initializer (a data literal) may hold anything in its strings: it is only plain on one line.
  if (
    type === undefined ||
    (initializer !== undefined &&
      (typeof initializer !== 'string' || initializer.trim() === '' || /[\r\n]/.test(initializer)))
  )
    return undefined;
  const exported = structure.isExported === true ? 'export ' : '';
  const kind = structure.declarationKind ?? 'let';
  const value = initializer === undefined ? '' : ` = ${initializer}`;
  return [...docs, `${exported}${kind} ${declaration.name}${type}${value};`].join('\n');
}

/**
 * ts-morph's text for the structures when all of them are in the plain subset, else undefined. Parts
 * are separated as ts-morph's statement printer does: a blank line before an interface, after a
 * closing brace and between the imports and the declarations, otherwise a line break.
 */
export function printPlainSourceFile(
  imports: readonly ImportDeclarationStructure[],
  declarations: readonly StatementStructures[],
): string | undefined {
  const parts: string[] = [];
  for (const structure of imports) {
    const text = plainImport(structure);
    if (text === undefined) return undefined;
    parts.push(parts.length === 0 ? text : `\n${text}`);
  }
  for (const [index, structure] of declarations.entries()) {
    if (typeof structure !== 'object') return undefined;
    const text =
      structure.kind === StructureKind.Interface
        ? plainInterface(structure)
        : structure.kind === StructureKind.VariableStatement
          ? plainVariableStatement(structure)
          : undefined;
    // A variable statement is printed through a hanging indent: only the last one may hold an
    // initializer whose quotes ts-morph's writer could misread, since nothing is printed after it.
    if (text === undefined) return undefined;
    if (
      structure.kind === StructureKind.VariableStatement &&
      index < declarations.length - 1 &&
      structure.declarations[0]?.initializer !== undefined
    )
      return undefined;
    const blank =
      (index === 0 && imports.length > 0) ||
      structure.kind === StructureKind.Interface ||
      parts.at(-1)?.endsWith('}') === true;
    parts.push(parts.length === 0 ? text : blank ? `\n\n${text}` : `\n${text}`);
  }
  return parts.length === 0 ? '' : `${parts.join('')}\n`;
}
