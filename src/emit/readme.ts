/**
 * The generated server's README (`templates/project/README.md.hbs`): what it serves, a reference
 * per table whose `curl` examples run in order against a fresh server, the query language, the
 * real-time URLs and events, the hooks API and every environment variable. This module computes
 * what depends on the schema (sample records, example requests); the template holds the prose.
 */
import {
  graphqlType,
  storedAttributes,
  type AttributeMeta,
  type ObjectTypeMeta,
  type ReferentialAction,
  type SchemaMeta,
  type TableMeta,
} from '../../templates/runtime/meta.js';
import type { EmitOptions } from './server.js';

const BASE = 'http://127.0.0.1:9926';

type Sample = null | boolean | number | string | Sample[] | { [name: string]: Sample };

function code(text: string): string {
  return `\`${text.replaceAll('|', '\\|')}\``;
}

function relationshipSummary(attribute: AttributeMeta): string {
  const relationship = attribute.relationship!;
  switch (relationship.kind) {
    case 'many-to-one':
      return `${code(attribute.name)} → one ${relationship.target} (by ${code(relationship.from)}${onDeleteNote(relationship.onDelete)})`;
    case 'many-to-many':
      return `${code(attribute.name)} → many ${relationship.target} (by the keys in ${code(relationship.from)}${onDeleteNote(relationship.onDelete)})`;
    case 'one-to-many':
      return `${code(attribute.name)} → many ${relationship.target} (whose ${code(relationship.to)} is this key)`;
    case 'join':
      return `${code(attribute.name)} → ${attribute.list ? 'many' : 'one'} ${relationship.target} (whose ${code(relationship.to)} holds this ${code(relationship.from)})`;
  }
}

/** What deleting the related record does, in the README's words (contract section 2). */
function onDeleteNote(action: ReferentialAction | undefined): string {
  switch (action) {
    case undefined:
      return '';
    case 'RESTRICT':
      return '; its delete is refused while this holds it';
    case 'CASCADE':
      return '; deleting it deletes this';
    case 'SET_NULL':
      return '; deleting it takes its key out of this';
  }
}

/** A line saying that a table's records expire, or nothing. */
function expirationNote(table: TableMeta): string {
  return table.expiration === null
    ? ''
    : ` (records expire ${table.expiration} s after their last write)`;
}

function tableRow(table: TableMeta): string {
  const endpoint = table.exportName === null ? 'not exported' : code(`/${table.exportName}/`);
  const indexed = table.attributes
    .filter((attribute) => attribute.indexed)
    .map((attribute) => code(attribute.name));
  const relationships = table.attributes
    .filter((attribute) => attribute.relationship)
    .map(relationshipSummary);
  return `| ${table.name}${expirationNote(table)} | ${endpoint} | ${code(table.primaryKey)} (${table.keyType}) | ${indexed.join(', ') || '—'} | ${relationships.join('; ') || '—'} |`;
}

function isNumeric(name: string): boolean {
  return name === 'Int' || name === 'Long' || name === 'Float';
}

/** The key of a table's example record: `1` for numeric keys, `product-1` otherwise. */
function sampleKey(table: TableMeta): string | number {
  return isNumeric(table.keyType) ? 1 : `${table.name.toLowerCase()}-1`;
}

/** The attribute a many-to-one or many-to-many relationship of `table` keys by `name`, if any. */
function foreignKeyTarget(table: TableMeta | ObjectTypeMeta, name: string): string | undefined {
  for (const attribute of table.attributes) {
    const relationship = attribute.relationship;
    if (
      relationship !== null &&
      (relationship.kind === 'many-to-one' || relationship.kind === 'many-to-many') &&
      relationship.from === name
    ) {
      return relationship.target;
    }
  }
  return undefined;
}

class Samples {
  constructor(private readonly schema: SchemaMeta) {}

  private table(name: string): TableMeta | undefined {
    return this.schema.tables.find((table) => table.name === name);
  }

  /** One value of an attribute's element type. */
  private element(
    owner: TableMeta | ObjectTypeMeta,
    attribute: AttributeMeta,
    variant: number,
    depth: number,
  ): Sample {
    const target = foreignKeyTarget(owner, attribute.name);
    const targetTable = target === undefined ? undefined : this.table(target);
    if (targetTable !== undefined) return sampleKey(targetTable);
    const type = attribute.type;
    if (type.kind === 'object') {
      const objectType = this.schema.objectTypes.find((candidate) => candidate.name === type.name);
      return objectType === undefined || depth > 4 ? {} : this.object(objectType, depth + 1);
    }
    if (type.kind === 'table') return null;
    const values = attribute.enum?.values;
    if (values !== undefined) return values[variant % values.length] ?? null;
    switch (type.name) {
      case 'ID':
      case 'String':
        return `${variant === 0 ? 'example' : 'changed'}-${attribute.name.toLowerCase()}`;
      case 'Int':
      case 'Long':
      case 'BigInt':
        return variant === 0 ? 1 : 2;
      case 'Float':
        return variant === 0 ? 9.5 : 12.5;
      case 'Boolean':
        return variant === 0;
      case 'Date':
        return variant === 0 ? '2024-08-01T09:00:00.000Z' : '2024-08-02T09:00:00.000Z';
      case 'Bytes':
        return 'aGVsbG8=';
      case 'Any':
        return variant === 0 ? 'example' : 'changed';
    }
  }

  value(
    owner: TableMeta | ObjectTypeMeta,
    attribute: AttributeMeta,
    variant = 0,
    depth = 0,
  ): Sample {
    const element = this.element(owner, attribute, variant, depth);
    return attribute.list ? [element] : element;
  }

  /** A nested object with its required attributes. */
  private object(type: ObjectTypeMeta, depth: number): { [name: string]: Sample } {
    const result: { [name: string]: Sample } = {};
    for (const attribute of type.attributes) {
      if (attribute.nonNull && attribute.relationship === null)
        result[attribute.name] = this.value(type, attribute, 0, depth);
    }
    return result;
  }
}

/** Attributes a client writes: stored, not server-set nor computed. */
function writable(table: TableMeta): AttributeMeta[] {
  return table.attributes.filter(
    (attribute) =>
      attribute.relationship === null &&
      attribute.timestamp === null &&
      attribute.computed === undefined,
  );
}

/** Attributes the example record fills: the key, the required ones, the indexed ones and the relationships' keys. */
function filled(table: TableMeta): AttributeMeta[] {
  return writable(table).filter(
    (attribute) =>
      attribute.primaryKey ||
      attribute.nonNull ||
      attribute.indexed ||
      foreignKeyTarget(table, attribute.name) !== undefined,
  );
}

function shellJson(value: Sample): string {
  return `'${JSON.stringify(value)}'`;
}

function scalarOf(attribute: AttributeMeta): string | undefined {
  return attribute.type.kind === 'scalar' ? attribute.type.name : undefined;
}

interface TableView {
  readonly name: string;
  readonly collection: string;
  readonly recordPattern: string;
  readonly attributePattern: string;
  readonly description: string;
  readonly attributes: string;
  readonly createNote: string;
  readonly writes: readonly string[];
  readonly queries: readonly string[];
  readonly watchAndDelete: readonly string[];
}

function queryExamples(
  table: TableMeta,
  record: Record<string, Sample>,
  samples: Samples,
  schema: SchemaMeta,
): string[] {
  const url = `${BASE}/${table.exportName}/`;
  const queries: string[] = [];
  const indexedScalars = table.attributes.filter(
    (attribute) =>
      attribute.indexed &&
      !attribute.list &&
      attribute.relationship === null &&
      attribute.timestamp === null,
  );
  const numeric = indexedScalars.find((attribute) => isNumeric(scalarOf(attribute) ?? ''));
  const text = indexedScalars.find(
    (attribute) => scalarOf(attribute) === 'String' || scalarOf(attribute) === 'ID',
  );
  if (numeric !== undefined) {
    const value = record[numeric.name];
    queries.push(
      `curl '${url}?${numeric.name}=ge=${queryText(value)}&sort(-${numeric.name})&limit(10)'   # comparison on an indexed attribute, sorted, at most 10`,
    );
  }
  if (text !== undefined) {
    const value = queryText(record[text.name]);
    queries.push(`curl '${url}?${text.name}=${value}'   # equality`);
    queries.push(`curl '${url}?${text.name}=sw=${value.slice(0, 4)}&limit(5)'   # starts with`);
  }
  if (numeric === undefined && text === undefined)
    queries.push(`curl '${url}?sort(${table.primaryKey})&limit(10)'`);
  const shown = writable(table)
    .filter((attribute) => !attribute.primaryKey)
    .slice(0, 2)
    .map((attribute) => attribute.name);
  queries.push(
    `curl '${url}?select(${[table.primaryKey, ...shown].join(',')})&limit(10)'   # only some attributes`,
  );
  const relationship = table.attributes.find((attribute) => attribute.relationship !== null);
  if (relationship !== undefined) {
    const target = schema.tables.find(
      (candidate) => candidate.name === relationship.relationship!.target,
    );
    const targetAttribute =
      target === undefined
        ? undefined
        : writable(target).find(
            (attribute) =>
              !attribute.primaryKey && !attribute.list && scalarOf(attribute) !== undefined,
          );
    const projection =
      targetAttribute === undefined ? '' : `{${target!.primaryKey},${targetAttribute.name}}`;
    // -g: curl would otherwise read `{a,b}` as a pattern of several URLs.
    queries.push(
      `curl -g '${url}?select(${table.primaryKey},${relationship.name}${projection})'   # a relationship, resolved (-g: curl would read {…} as several URLs)`,
    );
    if (target !== undefined && targetAttribute !== undefined) {
      const value = samples.value(target, targetAttribute);
      queries.push(
        `curl '${url}?${relationship.name}.${targetAttribute.name}=${queryText(value)}'   # a condition through the relationship`,
      );
    }
  }
  queries.push(
    `curl -i -H 'Prefer: count=exact' '${url}?limit(5)'   # Content-Range gives the total`,
  );
  return queries;
}

/** The record a table's examples create: see `filled`. */
function sampleRecord(table: TableMeta, samples: Samples): Record<string, Sample> {
  const record: Record<string, Sample> = {};
  for (const attribute of filled(table)) {
    record[attribute.name] = attribute.primaryKey
      ? sampleKey(table)
      : samples.value(table, attribute);
  }
  return record;
}

function tableView(table: TableMeta, samples: Samples, schema: SchemaMeta): TableView {
  const collection = `/${table.exportName}/`;
  const key = sampleKey(table);
  const recordUrl = `${BASE}${collection}${key}`;
  const record = sampleRecord(table, samples);
  const json = "-H 'Content-Type: application/json'";
  const readable = writable(table).find((attribute) => !attribute.primaryKey);
  const patched = writable(table).find(
    (attribute) =>
      !attribute.primaryKey &&
      attribute.type.kind === 'scalar' &&
      foreignKeyTarget(table, attribute.name) === undefined,
  );
  const replacement: Record<string, Sample> = Object.fromEntries(
    Object.entries(record).filter(([name]) => name !== table.primaryKey),
  );
  const writes = [
    `curl -i -X POST ${BASE}${collection} ${json} -d ${shellJson(record)}   # 201; without "${table.primaryKey}" the server picks the key`,
    `curl ${recordUrl}`,
    ...(readable === undefined ? [] : [`curl ${recordUrl}.${readable.name}   # one attribute`]),
    ...(patched === undefined
      ? []
      : [
          `curl -X PATCH ${recordUrl} ${json} -d ${shellJson({ [patched.name]: samples.value(table, patched, 1) })}   # 204; changes only ${patched.name}`,
        ]),
    `curl -X PUT ${recordUrl} ${json} -d ${shellJson(replacement)}   # 204; replaces the whole record`,
    `curl ${BASE}/${table.exportName}   # describes the table`,
  ];
  const watchAndDelete = [
    `curl -N -H 'Accept: text/event-stream' ${recordUrl}   # the record, then each change of it`,
    `curl -X DELETE ${recordUrl}   # 200 true`,
  ];
  // A required attribute with a default may be left out.
  const required = writable(table).filter(
    (attribute) => attribute.nonNull && !attribute.primaryKey && attribute.default === undefined,
  );
  const attributes = table.attributes.map((attribute) => {
    const written = graphqlType(attribute);
    const notes = [
      attribute.primaryKey ? 'key' : '',
      attribute.indexed ? 'indexed' : '',
      attribute.unique === true ? 'unique' : '',
      attribute.enum === undefined ? '' : `one of ${attribute.enum.values.join(', ')}`,
      attribute.default === undefined ? '' : `default ${JSON.stringify(attribute.default)}`,
      attribute.timestamp === null ? '' : `set by the server (${attribute.timestamp})`,
      attribute.computed === undefined ? '' : 'computed by `src/computed.ts`',
      attribute.relationship === null ? '' : `relationship to ${attribute.relationship.target}`,
    ].filter((note) => note !== '');
    return `${code(attribute.name)} ${written}${notes.length === 0 ? '' : ` (${notes.join(', ')})`}`;
  });
  return {
    name: table.name,
    collection,
    recordPattern: `/${table.exportName}/<${table.primaryKey}>`,
    attributePattern: `/${table.exportName}/<${table.primaryKey}>.<attribute>`,
    description: `/${table.exportName}`,
    attributes: attributes.join(', '),
    createNote:
      required.length === 0
        ? 'no attribute is required'
        : `required: ${required.map((attribute) => code(attribute.name)).join(', ')}`,
    writes,
    queries: queryExamples(table, record, samples, schema),
    watchAndDelete,
  };
}

function hooksExample(table: TableMeta | undefined): string {
  const name = table?.name ?? 'T';
  const text =
    table === undefined
      ? undefined
      : writable(table).find(
          (attribute) =>
            !attribute.primaryKey && !attribute.list && scalarOf(attribute) === 'String',
        );
  const body =
    text === undefined
      ? ['  beforeWrite(record) {', '    return record;', '  },']
      : [
          '  beforeWrite(record) {',
          `    if (record.${text.name} === 'forbidden') refuse(400, 'this ${text.name} is not allowed');`,
          `    // An attribute set to undefined is left out: a blank ${text.name} is not stored.`,
          `    return { ...record, ${text.name}: record.${text.name}?.trim() || undefined };`,
          '  },',
        ];
  return [
    "import type { Database } from '../database.js';",
    "import { defineHooks, refuse } from '../runtime/hooks.js';",
    '',
    `export default defineHooks<Database, '${name}'>({`,
    ...body,
    '});',
  ].join('\n');
}

/**
 * The README's client example: a query of the first exported table on one of its own attributes
 * (an indexed one when there is one), through a relationship's select when it has one, a count
 * and a subscription. Only calls the generated client's types accept.
 */
function clientExample(table: TableMeta | undefined, packageName: string): string {
  if (table === undefined) return '';
  const comparable = storedAttributes(table).filter(
    (attribute) =>
      !attribute.primaryKey &&
      attribute.enum === undefined &&
      attribute.type.kind === 'scalar' &&
      ['String', 'Int', 'Long', 'Float'].includes(attribute.type.name),
  );
  const attribute = comparable.find((candidate) => candidate.indexed) ?? comparable[0];
  const condition =
    attribute === undefined
      ? ''
      : attribute.type.kind === 'scalar' && attribute.type.name === 'String'
        ? `.where('${attribute.name}', 'sw', 'A')`
        : `.where('${attribute.name}', 'lt', 100)`;
  const relationship = table.attributes.find(
    (candidate) => candidate.relationship !== null && candidate.relationship.kind === 'many-to-one',
  );
  const items = [
    `'${table.primaryKey}'`,
    ...(attribute === undefined ? [] : [`'${attribute.name}'`]),
    ...(relationship?.relationship?.kind === 'many-to-one'
      ? [`{ ${relationship.name}: ['${relationship.relationship.targetKey}'] }`]
      : []),
  ];
  const sort = attribute === undefined ? '' : `.sort('-${attribute.name}')`;
  return [
    `import WebSocket from 'ws'; // Node 20 only: browsers have WebSocket`,
    `import { ClientError, createClient } from '${packageName}-client';`,
    '',
    `const server = createClient({ url: 'http://127.0.0.1:9926', WebSocket });`,
    `const { ${table.name} } = server.tables;`,
    '',
    `const page = await ${table.name}.count((q) =>`,
    `  q${condition}${sort}.limit(10).select(${items.join(', ')}),`,
    ');',
    'console.log(page.total, page.records);',
    '',
    `const live = ${table.name}.subscribe((q) => q${condition}, (event) => console.log(event.type, event));`,
    'live.close();',
    '',
    'try {',
    `  await ${table.name}.query('nope=1');`,
    '} catch (error) {',
    "  if (error instanceof ClientError) console.log(error.status, error.code); // 400 'QUERY_UNKNOWN_ATTRIBUTE'",
    '}',
  ].join('\n');
}

/** The generated server's README. */
export function emitReadme(schema: SchemaMeta, options: EmitOptions): string {
  const samples = new Samples(schema);
  const exported = schema.tables.filter((table) => table.exportName !== null);
  const first = exported[0];
  const config = options.configVariables.map(
    (variable) =>
      `| ${code(variable.name)} | ${variable.default === '' ? '—' : code(variable.default)} | ${variable.description} |`,
  );
  const eventRecord = first === undefined ? { id: 'example-1' } : sampleRecord(first, samples);
  return options.templates.readme({
    sources: options.sources.join(', '),
    sourceList: options.sources.map(code).join(', '),
    packageName: options.packageName,
    tableRows: schema.tables.map(tableRow),
    hasExported: exported.length > 0,
    tables: exported.map((table) => tableView(table, samples, schema)),
    eventExample: JSON.stringify(
      {
        id: first === undefined ? 'example-1' : sampleKey(first),
        type: 'put',
        value: eventRecord,
        version: 1722502800000,
        localTime: 1722502800000,
      },
      null,
      2,
    ),
    websocketExample: `ws://127.0.0.1:9926/${first?.exportName ?? 'T'}/`,
    configRows: config,
    hooksExample: hooksExample(first),
    computedAttributes: schema.tables.flatMap((table) =>
      table.attributes
        .filter((attribute) => attribute.computed !== undefined)
        .map((attribute) => {
          const from = attribute.computed!.from;
          return `\`${table.name}.${attribute.name}\` ${graphqlType(attribute)}${from === undefined ? '' : `, from \`${from}\``}, version ${attribute.computed!.version}`;
        }),
    ),
    clientExample: clientExample(first, options.packageName),
    hasObjectTypes: schema.objectTypes.length > 0,
  });
}

/** A sample value as it is written in a query string. */
function queryText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return value === undefined ? '' : JSON.stringify(value);
}
