import { StructureKind, VariableDeclarationKind } from 'ts-morph';
import type {
  ImportDeclarationStructure,
  IndexSignatureDeclarationStructure,
  InterfaceDeclarationStructure,
  OptionalKind,
  PropertySignatureStructure,
  StatementStructures,
  VariableStatementStructure,
} from 'ts-morph';
import type {
  AttributeMeta,
  ObjectTypeMeta,
  ScalarName,
  TableMeta,
} from '../../templates/runtime/meta.js';
import { docs, printSourceFile, propertyName, typeImport } from './ts.js';

/** TypeScript types of scalars as the server holds them (JSON renders Dates as ISO strings). */
const SCALAR_TYPES: Readonly<Record<ScalarName, string>> = {
  ID: 'string',
  String: 'string',
  Int: 'number',
  Long: 'number',
  Float: 'number',
  Boolean: 'boolean',
  Date: 'Date',
  BigInt: 'bigint',
  Bytes: 'Uint8Array',
  Any: 'unknown',
};

/** The stored form of a timestamp attribute follows its declared type (contract section 2). */
function timestampType(attribute: AttributeMeta): string {
  if (attribute.type.kind === 'scalar' && attribute.type.name === 'String') return 'string';
  if (attribute.type.kind === 'scalar' && attribute.type.name === 'Date') return 'Date';
  return 'number';
}

function elementType(attribute: AttributeMeta): string {
  // An enum's values, as a union of string literals (GraphQL names need no escaping).
  if (attribute.enum !== undefined)
    return attribute.enum.values.map((value) => `'${value}'`).join(' | ');
  const type = attribute.type;
  return type.kind === 'scalar' ? SCALAR_TYPES[type.name] : type.name;
}

/** The value type of an attribute, without the optional/null wrapper of the attribute itself. */
export function valueType(attribute: AttributeMeta): string {
  const element = elementType(attribute);
  if (!attribute.list) return element;
  if (attribute.elementNonNull || element === 'unknown')
    return element.includes(' | ') ? `Array<${element}>` : `${element}[]`;
  return `Array<${element} | null>`;
}

function isOptional(attribute: AttributeMeta): boolean {
  return !attribute.nonNull;
}

type Property = OptionalKind<PropertySignatureStructure>;

function property(
  name: string,
  type: string,
  optional: boolean,
  doc: readonly string[] = [],
): Property {
  return {
    name: propertyName(name),
    type,
    hasQuestionToken: optional,
    docs: docs(...doc),
  };
}

/** A doc comment's lines: the schema's doc string first, when there is one, then `doc`. */
function described(
  meta: { readonly description?: string },
  ...doc: readonly string[]
): readonly string[] {
  return meta.description === undefined ? doc : [meta.description, ...doc];
}

/** `name: T` or `name?: T | null` for a stored attribute. */
function declaredProperty(attribute: AttributeMeta, optionalKey = false): Property {
  const type = valueType(attribute);
  const doc = described(attribute);
  if (isOptional(attribute))
    return property(attribute.name, type === 'unknown' ? type : `${type} | null`, true, doc);
  return property(attribute.name, type, optionalKey, doc);
}

function relationshipDoc(attribute: AttributeMeta): string[] {
  const relationship = attribute.relationship!;
  const how =
    relationship.kind === 'one-to-many'
      ? `\`${relationship.target}\` records whose \`${relationship.to}\` holds this record's key`
      : relationship.kind === 'join'
        ? `${attribute.list ? '' : 'the first of the '}\`${relationship.target}\` records whose \`${relationship.to}\` holds this record's \`${relationship.from}\``
        : relationship.kind === 'many-to-many'
          ? `the \`${relationship.target}\` records whose keys are in \`${relationship.from}\``
          : `the \`${relationship.target}\` record whose key is in \`${relationship.from}\``;
  return [
    `Relationship (${relationship.kind}): ${how}.`,
    'Present only when a query selects it; never written.',
  ];
}

/** `[attribute: string]: unknown`: the members of a table that is not `@sealed`. */
function openMembers(
  table: TableMeta,
  doc: readonly string[] = [],
): OptionalKind<IndexSignatureDeclarationStructure>[] {
  return table.sealed
    ? []
    : [
        {
          keyName: 'attribute',
          keyType: 'string',
          returnType: 'unknown',
          docs: docs(...doc),
        },
      ];
}

function exportedInterface(
  name: string,
  doc: readonly string[],
  properties: readonly Property[],
  indexSignatures: readonly OptionalKind<IndexSignatureDeclarationStructure>[] = [],
): InterfaceDeclarationStructure {
  return {
    kind: StructureKind.Interface,
    name,
    isExported: true,
    docs: docs(...doc),
    properties: [...properties],
    indexSignatures: [...indexSignatures],
  };
}

/** The interface of a stored record: what GET returns and what hooks receive. */
function recordInterface(table: TableMeta): InterfaceDeclarationStructure {
  const properties = table.attributes.map((attribute): Property => {
    if (attribute.primaryKey)
      return property(
        attribute.name,
        elementType(attribute),
        false,
        described(attribute, 'Primary key.'),
      );
    if (attribute.relationship) {
      const target = attribute.relationship.target;
      return property(
        attribute.name,
        attribute.list ? `${target}[]` : target,
        true,
        described(attribute, ...relationshipDoc(attribute)),
      );
    }
    if (attribute.computed !== undefined) {
      // Always stored (null when the function returns it), so present in every record.
      const type = valueType(attribute);
      return {
        ...property(
          attribute.name,
          attribute.nonNull || type === 'unknown' ? type : `${type} | null`,
          false,
          described(attribute, ...computedDoc(attribute)),
        ),
        isReadonly: true,
      };
    }
    if (attribute.timestamp) {
      const doc =
        attribute.timestamp === 'created'
          ? 'Set by the server when the record is created.'
          : 'Set by the server on every write.';
      return property(attribute.name, timestampType(attribute), false, described(attribute, doc));
    }
    return declaredProperty(attribute);
  });
  return exportedInterface(
    table.name,
    described(table, `A record of the \`${table.name}\` table, as stored and returned.`),
    properties,
    openMembers(table, ['The table is not @sealed: undeclared attributes are stored as given.']),
  );
}

/** A computed attribute's doc lines: where its value comes from. */
function computedDoc(attribute: AttributeMeta): string[] {
  const from = attribute.computed?.from;
  return [
    'Computed on every write by its function in `src/computed.ts`; never written by clients.',
    ...(from === undefined ? [] : [`From: \`${from}\``]),
  ];
}

/**
 * Attributes a client may write: everything but relationships, server-set timestamps and
 * computed attributes.
 */
export function writableAttributes(table: TableMeta): AttributeMeta[] {
  return table.attributes.filter(
    (attribute) => !attribute.relationship && !attribute.timestamp && !attribute.computed,
  );
}

function createInterface(table: TableMeta): InterfaceDeclarationStructure {
  const properties = writableAttributes(table).map((attribute) =>
    attribute.primaryKey
      ? property(
          attribute.name,
          elementType(attribute),
          true,
          described(attribute, 'Primary key; generated by the server when absent.'),
        )
      : declaredProperty(attribute),
  );
  return exportedInterface(
    `New${table.name}`,
    [`The body that creates or replaces a \`${table.name}\` (POST, PUT).`],
    properties,
    openMembers(table),
  );
}

function patchInterface(table: TableMeta): InterfaceDeclarationStructure {
  const properties = writableAttributes(table)
    .filter((attribute) => !attribute.primaryKey)
    .map((attribute) => {
      const type = valueType(attribute);
      return property(
        attribute.name,
        attribute.nonNull || type === 'unknown' ? type : `${type} | null`,
        true,
        described(attribute),
      );
    });
  return exportedInterface(
    `${table.name}Patch`,
    [`The body of a PATCH of a \`${table.name}\`: the attributes to change; \`null\` stores null.`],
    properties,
    openMembers(table),
  );
}

/** Imports of the other types (tables or object types) that a type's attributes refer to. */
function typeImports(
  attributes: readonly AttributeMeta[],
  self: string,
  fromDir: 'tables' | 'types',
): ImportDeclarationStructure[] {
  const directories = new Map<string, 'tables' | 'types'>();
  for (const { type } of attributes) {
    if (type.kind !== 'scalar' && type.name !== self)
      directories.set(type.name, type.kind === 'table' ? 'tables' : 'types');
  }
  return [...directories.keys()].sort().map((name) => {
    const dir = directories.get(name)!;
    return typeImport([name], dir === fromDir ? `./${name}.js` : `../${dir}/${name}.js`);
  });
}

/** `export const meta: <type> = <literal>;` */
function metaStatement(
  type: string,
  metaLiteral: string,
  doc: readonly string[] = [],
): VariableStatementStructure {
  return {
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: docs(...doc),
    declarations: [{ name: 'meta', type, initializer: metaLiteral }],
  };
}

/** The structures of a module: its imports and its declarations (see printSourceFile). */
export interface ModuleStructures {
  readonly imports: readonly ImportDeclarationStructure[];
  readonly declarations: readonly StatementStructures[];
}

/** The structures of `src/tables/<T>.ts`: the record, create and patch interfaces, and the table's metadata. */
export function tableModuleStructures(table: TableMeta, metaLiteral: string): ModuleStructures {
  return {
    imports: [
      typeImport(['TableMeta'], '../runtime/meta.js'),
      ...typeImports(table.attributes, table.name, 'tables'),
    ],
    declarations: [
      recordInterface(table),
      createInterface(table),
      patchInterface(table),
      metaStatement('TableMeta', metaLiteral, [
        `Metadata of \`${table.name}\`: what the runtime knows about its attributes, indexes and relationships.`,
      ]),
    ],
  };
}

/** `src/tables/<T>.ts`. */
export function emitTableModule(table: TableMeta, header: string, metaLiteral: string): string {
  const { imports, declarations } = tableModuleStructures(table, metaLiteral);
  return printSourceFile(header, imports, declarations);
}

/** The structures of `src/types/<T>.ts`: the interface of a plain object type used for nested values. */
export function objectTypeModuleStructures(
  type: ObjectTypeMeta,
  metaLiteral: string,
): ModuleStructures {
  return {
    imports: [
      typeImport(['ObjectTypeMeta'], '../runtime/meta.js'),
      ...typeImports(type.attributes, type.name, 'types'),
    ],
    declarations: [
      exportedInterface(
        type.name,
        described(type, `A nested \`${type.name}\` value, stored inside the records that hold it.`),
        type.attributes.map((attribute) => declaredProperty(attribute)),
      ),
      metaStatement('ObjectTypeMeta', metaLiteral),
    ],
  };
}

/** `src/types/<T>.ts`. */
export function emitObjectTypeModule(
  type: ObjectTypeMeta,
  header: string,
  metaLiteral: string,
): string {
  const { imports, declarations } = objectTypeModuleStructures(type, metaLiteral);
  return printSourceFile(header, imports, declarations);
}
