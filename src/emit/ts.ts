/**
 * TypeScript source files built from ts-morph structures (interfaces, imports, variables), and the
 * few pieces that structures leave to text: property names and plain-data literals.
 */
import { IndentationText, NewLineKind, Project, QuoteKind, StructureKind } from 'ts-morph';
import type {
  ImportDeclarationStructure,
  JSDocStructure,
  OptionalKind,
  StatementStructures,
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
 * every other generated file.
 */
export function printSourceFile(
  header: string,
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
  return header === '' ? text : `${header}\n${text}`;
}
