/**
 * The typed client (contract section 14) and the query builder's table descriptors. The client is
 * a package of its own in `client/` of every generated server: the static part is
 * `templates/client/*.ts` and the builder `templates/runtime/query/builder.ts` (the one the server
 * uses too), copied; what is generated here is the per-schema part: the wire form of each
 * exported table's records, and each table's descriptor (which attributes compare how, the
 * relationships paths may follow). The server gets descriptors of its own (`src/queries.ts`), over
 * its stored record types, for hooks' `tables.<T>.search(…)`.
 */
import type {
  AttributeMeta,
  ObjectTypeMeta,
  ScalarName,
  SchemaMeta,
  TableMeta,
} from '../../templates/runtime/meta.js';
import { storedAttributes } from '../../templates/runtime/meta.js';
import { propertyName } from './ts.js';
import { writableAttributes } from './types.js';

/** The builder's field type of each scalar (contract 5.6: which operators apply). */
const SCALAR_FIELDS: Readonly<Record<ScalarName, string>> = {
  ID: 'StringField',
  String: 'StringField',
  Int: 'NumberField',
  Long: 'NumberField',
  Float: 'NumberField',
  Boolean: 'BooleanField',
  Date: 'DateField',
  BigInt: 'BigIntField',
  Bytes: 'OpaqueField',
  Any: 'AnyField',
};

const FIELD_TYPES = [...new Set(Object.values(SCALAR_FIELDS))].sort();

function union(values: readonly string[]): string {
  return values.map((value) => `'${value}'`).join(' | ');
}

/** The field type of an attribute (a list's: its elements'). */
function fieldType(attribute: AttributeMeta): string {
  if (attribute.enum !== undefined) return `StringField<${union(attribute.enum.values)}>`;
  const type = attribute.type;
  if (type.kind === 'object') return `ObjectField<ObjectFields['${type.name}']>`;
  return SCALAR_FIELDS[type.kind === 'scalar' ? type.name : 'Any'];
}

function fieldsOf(holder: TableMeta | ObjectTypeMeta): string {
  const fields = storedAttributes(holder).map(
    (attribute) => `readonly ${propertyName(attribute.name)}: ${fieldType(attribute)};`,
  );
  return `{ ${fields.join(' ')} }`;
}

interface DescriptorOptions {
  /** The tables described (the client: exported ones only). */
  readonly tables: readonly TableMeta[];
  /** Members of a table's descriptor besides `fields` and `relationships`. */
  readonly members: (table: TableMeta) => readonly string[];
}

/** `interface Descriptors { … }` and `interface ObjectFields { … }`. */
function descriptorDeclarations(schema: SchemaMeta, options: DescriptorOptions): string {
  const described = new Set(options.tables.map((table) => table.name));
  const tables = options.tables.map((table) => {
    const relationships = table.attributes
      .filter((attribute) => attribute.relationship !== null)
      .filter((attribute) => described.has(attribute.relationship!.target))
      .map(
        (attribute) =>
          `readonly ${propertyName(attribute.name)}: ${attribute.list ? 'Many' : 'One'}<Descriptors['${attribute.relationship!.target}']>;`,
      );
    return `/** \`${table.name}\`: how its attributes compare, the relationships a path may follow, its records. */
  readonly ${table.name}: {
    ${options.members(table).join('\n    ')}
    readonly fields: ${fieldsOf(table)};
    readonly relationships: { ${relationships.join(' ')} };
  };`;
  });
  const objects = schema.objectTypes.map((type) => `readonly ${type.name}: ${fieldsOf(type)};`);
  return `/** What the query builder knows of each table, by the table's type name. */
export interface Descriptors {
  ${tables.join('\n  ')}
}

/** The attributes of each nested object type, for paths such as \`address.city\`. */
export interface ObjectFields {
  ${objects.join('\n  ')}
}
`;
}

/** The import of the builder's types that `body` uses (an unused import would not compile). */
function builderImports(from: string, body: string): string {
  const used = [...FIELD_TYPES, 'Many', 'ObjectField', 'One']
    .filter((name) => new RegExp(`\\b${name}\\b`).test(body))
    .sort();
  return used.length === 0 ? '' : `import type { ${used.join(', ')} } from '${from}';\n`;
}

/**
 * `src/queries.ts` of the server: every table's descriptor over its stored record type, which
 * `src/database.ts` hands to hooks' and routes' `tables.<T>.search(…)`.
 */
export function emitServerQueries(schema: SchemaMeta, header: string): string {
  const imports = schema.tables
    .map((table) => `import type { ${table.name} } from './tables/${table.name}.js';\n`)
    .join('');
  const body = descriptorDeclarations(schema, {
    tables: schema.tables,
    members: (table) => [`readonly record: ${table.name};`],
  });
  return `${header}
${builderImports('./runtime/query/builder.js', body)}${imports}
${body}`;
}

// ---- the client's wire types ------------------------------------------------------------------

/** How each scalar travels in JSON answers (contract sections 4 and 6). */
const WIRE_ANSWER: Readonly<Record<ScalarName, string>> = {
  ID: 'string',
  String: 'string',
  Int: 'number',
  Long: 'number',
  Float: 'number',
  Boolean: 'boolean',
  Date: 'string',
  // A bare JSON integer: JSON.parse reads it as a number (exact up to 2^53).
  BigInt: 'number',
  Bytes: 'string',
  Any: 'unknown',
};

/** What a write may send for each scalar (contract 4.1). */
const WIRE_WRITE: Readonly<Record<ScalarName, string>> = {
  ...WIRE_ANSWER,
  Date: 'string | number | Date',
  BigInt: 'bigint | number | string',
};

type Direction = 'answer' | 'write';

function wireElement(attribute: AttributeMeta, direction: Direction): string {
  if (attribute.enum !== undefined) return union(attribute.enum.values);
  const type = attribute.type;
  if (type.kind === 'object') return type.name;
  if (type.kind === 'table') return 'unknown';
  return (direction === 'answer' ? WIRE_ANSWER : WIRE_WRITE)[type.name];
}

function wireValue(attribute: AttributeMeta, direction: Direction): string {
  const element = wireElement(attribute, direction);
  if (!attribute.list) return element;
  const inner = attribute.elementNonNull || element === 'unknown' ? element : `${element} | null`;
  return `Array<${inner}>`;
}

/** A timestamp's wire form: ISO text for `String` and `Date`, epoch milliseconds otherwise. */
function timestampWire(attribute: AttributeMeta): string {
  const type = attribute.type;
  return type.kind === 'scalar' && (type.name === 'String' || type.name === 'Date')
    ? 'string'
    : 'number';
}

function member(attribute: AttributeMeta, type: string, optional: boolean, doc?: string): string {
  const description = [attribute.description, doc].filter((line) => line !== undefined);
  const comment =
    description.length === 0 ? '' : `/** ${commentText(description.join(' '))} */\n  `;
  const nullable = optional && type !== 'unknown' ? `${type} | null` : type;
  return `${comment}${propertyName(attribute.name)}${optional ? '?' : ''}: ${nullable};`;
}

/** A schema doc string as the start of a one-paragraph doc comment. */
function described(meta: { readonly description?: string }): string {
  return meta.description === undefined ? '' : `${commentText(meta.description)} `;
}

/** Text as one line of a doc comment: line breaks folded into spaces, `*\/` kept as text. */
function commentText(text: string): string {
  return text.replace(/\*\//g, '*\\/').replace(/\s*\n\s*/g, ' ');
}

const OPEN = '[attribute: string]: unknown;';

function wireInterfaces(table: TableMeta): string {
  const stored = storedAttributes(table);
  const open = table.sealed ? [] : [OPEN];
  const answer = stored.map((attribute) => {
    if (attribute.primaryKey)
      return member(attribute, wireElement(attribute, 'answer'), false, 'Primary key.');
    if (attribute.timestamp !== null)
      return member(attribute, timestampWire(attribute), false, 'Set by the server.');
    if (attribute.computed !== undefined)
      return member(
        attribute,
        wireValue(attribute, 'answer'),
        !attribute.nonNull,
        'Computed by the server (`@computed`).',
      );
    return member(attribute, wireValue(attribute, 'answer'), !attribute.nonNull);
  });
  // What the server sets itself is no part of a body (a value sent for it is overwritten).
  const writable = writableAttributes(table);
  const create = writable.map((attribute) =>
    attribute.primaryKey
      ? `${member(attribute, wireElement(attribute, 'write'), true, 'Primary key; generated by the server when absent.').replace(' | null;', ';')}`
      : member(
          attribute,
          wireValue(attribute, 'write'),
          !attribute.nonNull || attribute.default !== undefined,
        ),
  );
  const patch = writable
    .filter((attribute) => !attribute.primaryKey)
    .map((attribute) => {
      const line = member(attribute, wireValue(attribute, 'write'), true);
      return attribute.nonNull ? line.replace(' | null;', ';') : line;
    });
  const body = (lines: readonly string[]): string => [...open, ...lines].join('\n  ');
  return `/** ${described(table)}A record of \`${table.name}\` as JSON answers carry it. */
export interface ${table.name} {
  ${body(answer)}
}

/** The body that creates or replaces a \`${table.name}\` (POST, PUT). */
export interface New${table.name} {
  ${body(create)}
}

/** The body of a PATCH of a \`${table.name}\`: the attributes to change; \`null\` stores null. */
export interface ${table.name}Patch {
  ${body(patch)}
}
`;
}

function objectInterface(type: ObjectTypeMeta): string {
  const members = type.attributes.map((attribute) =>
    member(attribute, wireValue(attribute, 'answer'), !attribute.nonNull),
  );
  return `/** ${described(type)}A nested \`${type.name}\` value, as JSON carries it. */
export interface ${type.name} {
  ${members.join('\n  ')}
}
`;
}

/** The tables a client can reach: the exported ones. */
export function clientTables(schema: SchemaMeta): readonly TableMeta[] {
  return schema.tables.filter((table) => table.exportName !== null);
}

function keyWire(table: TableMeta): string {
  return WIRE_ANSWER[table.keyType] === 'number' ? 'number' : 'string';
}

/** `client/src/schema.ts`: wire types, descriptors and the table list of the schema. */
export function emitClientSchema(schema: SchemaMeta, header: string): string {
  const tables = clientTables(schema);
  const list = tables.map((table) => `${table.name}: { path: '${table.exportName!}' },`);
  const descriptors = descriptorDeclarations(schema, {
    tables,
    members: (table) => [
      `readonly path: '${table.exportName!}';`,
      `readonly key: ${keyWire(table)};`,
      `readonly record: ${table.name};`,
      `readonly create: New${table.name};`,
      `readonly patch: ${table.name}Patch;`,
    ],
  });
  return `${header}
${builderImports('./builder.js', descriptors)}import type { TableInfo } from './client.js';

${tables.map(wireInterfaces).join('\n')}
${schema.objectTypes.map(objectInterface).join('\n')}
${descriptors}
/** Every exported table's URL segment, by type name. */
export const tables: { readonly [N in keyof Descriptors]: TableInfo } = {
  ${list.join('\n  ')}
};
`;
}

/** `client/src/index.ts`: \`createClient\`, bound to this schema, and every public type. */
export function emitClientIndex(header: string): string {
  return `${header}
import { connect, type Client } from './client.js';
import type { ClientOptions } from './request.js';
import { tables, type Descriptors } from './schema.js';

export * from './schema.js';
export { ClientError } from './errors.js';
export { Query } from './builder.js';
export type { Condition, Conditions, QueryInput, Selected } from './builder.js';
export type { Client, Counted, Me, TableClient, WriteOptions } from './client.js';
export type { ClientOptions, Tokens, WebSocketConstructor } from './request.js';
export type { SubscribeOptions, Subscription, SubscriptionEvent } from './subscribe.js';

/** The client of the server at \`options.url\`: \`createClient({ url }).tables.<Table>.query(…)\`. */
export function createClient(options: ClientOptions): Client<Descriptors> {
  return connect<Descriptors>(tables, options);
}
`;
}

/** The import of the shared builder as the client templates write it in this repository. */
export const BUILDER_IMPORT = "'../runtime/query/builder.js'";

/**
 * A client template as copied into `client/src/`: its import of the builder points at the copy
 * beside it. Any other import out of `templates/client/` is a mistake of the template.
 */
export function clientTemplate(file: string, text: string): string {
  const rewritten = text.split(BUILDER_IMPORT).join("'./builder.js'");
  if (/from '\.\.\//.test(rewritten))
    throw new Error(`templates/client/${file} imports from outside templates/client/`);
  return rewritten;
}

/** `client/package.json`: a package of its own, with no dependencies (TypeScript builds it). */
export function emitClientPackageJson(packageName: string, typescript: string): string {
  return `${JSON.stringify(
    {
      name: `${packageName}-client`,
      version: '0.0.0',
      private: true,
      description: `The typed client of ${packageName}, generated by codegen from its schema.`,
      type: 'module',
      main: './dist/index.js',
      types: './dist/index.d.ts',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      files: ['dist', 'src'],
      scripts: { build: 'tsc -p tsconfig.json' },
      devDependencies: { typescript },
    },
    null,
    2,
  )}\n`;
}

/** `client/tsconfig.json`: strict, ES modules for browsers and Node, declarations for users. */
export function emitClientTsconfig(): string {
  return `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: [],
        strict: true,
        noUncheckedIndexedAccess: true,
        noImplicitOverride: true,
        noUnusedLocals: true,
        noUnusedParameters: true,
        isolatedModules: true,
        verbatimModuleSyntax: true,
        skipLibCheck: true,
        declaration: true,
        sourceMap: true,
        noEmitOnError: true,
        rootDir: 'src',
        outDir: 'dist',
      },
      include: ['src'],
    },
    null,
    2,
  )}\n`;
}
