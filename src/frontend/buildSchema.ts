/** Building the IR: a valid set of schema files becomes one `SchemaMeta` (docs/contract.md section 2). */
import { Kind } from 'graphql';
import type { FieldDefinitionNode, ObjectTypeDefinitionNode, StringValueNode } from 'graphql';
import type {
  AttributeMeta,
  ComputedMeta,
  ObjectTypeMeta,
  RelationshipMeta,
  SchemaMeta,
  TableMeta,
  ValueType,
} from '../../templates/runtime/meta.js';
import {
  fieldType,
  fieldsOf,
  findArgument,
  findDirective,
  hasDirective,
  isTable,
  nameArgument,
  primaryKeyOf,
  restExport,
} from './ast.js';
import type { SchemaIndex } from './context.js';
import { defaultValueOf, enumDefaultOf } from './defaults.js';
import { DEFAULT_DATABASE, isScalarName, REFERENTIAL_ACTIONS } from './dialect.js';
import { compareText } from './text.js';

/**
 * The IR of a schema that passed validation. Tables and object types are sorted by name, attributes keep
 * their declaration order. Throws only when given a schema that validation would have refused (a bug).
 */
export function buildSchema(schema: SchemaIndex): SchemaMeta {
  const types = [...schema.distinctTypes].sort((a, b) => compareText(a.name.value, b.name.value));
  return {
    tables: types.filter(isTable).map((type) => tableMeta(schema, type)),
    objectTypes: types.filter((type) => !isTable(type)).map((type) => objectTypeMeta(schema, type)),
  };
}

function tableMeta(schema: SchemaIndex, type: ObjectTypeDefinitionNode): TableMeta {
  const name = type.name.value;
  const table = findDirective(type, 'table');
  const exported = restExport(type);
  const expiration = table === undefined ? undefined : findArgument(table, 'expiration')?.value;
  const scanInterval = table === undefined ? undefined : findArgument(table, 'scanInterval')?.value;
  const key = primaryKeyOf(type);
  const keyType = key === undefined ? undefined : fieldType(key.type).named.name.value;
  if (key === undefined || keyType === undefined || !isScalarName(keyType)) {
    throw new Error(`Table "${name}" reached the IR builder without a valid primary key`);
  }
  return {
    name,
    tableName: nameArgument(table, 'table') ?? name,
    database: nameArgument(table, 'database') ?? DEFAULT_DATABASE,
    exportName: exported === undefined ? null : (nameArgument(exported, 'name') ?? name),
    primaryKey: key.name.value,
    keyType,
    sealed: hasDirective(type, 'sealed'),
    expiration: expiration?.kind === Kind.INT ? Number(expiration.value) : null,
    ...(expiration?.kind === Kind.INT && scanInterval?.kind === Kind.INT
      ? { scanInterval: Number(scanInterval.value) }
      : {}),
    attributes: fieldsOf(type).map((field) => attributeMeta(schema, type, field)),
    ...descriptionOf(type),
  };
}

function objectTypeMeta(schema: SchemaIndex, type: ObjectTypeDefinitionNode): ObjectTypeMeta {
  return {
    name: type.name.value,
    attributes: fieldsOf(type).map((field) => attributeMeta(schema, type, field)),
    ...descriptionOf(type),
  };
}

/** `{ description }` from a definition's doc string (`"""…"""` or `"…"`), or nothing without one. */
function descriptionOf(node: { readonly description?: StringValueNode | undefined }): {
  description?: string;
} {
  const text = node.description?.value.trim();
  return text === undefined || text === '' ? {} : { description: text };
}

function attributeMeta(
  schema: SchemaIndex,
  owner: ObjectTypeDefinitionNode,
  field: FieldDefinitionNode,
): AttributeMeta {
  const shape = fieldType(field.type);
  const primaryKey = hasDirective(field, 'primaryKey');
  const unique = !primaryKey && hasDirective(field, 'unique');
  const typeName = shape.named.name.value;
  const values = schema.enums.get(typeName);
  return {
    name: field.name.value,
    // An enum's values are strings: stored, indexed, compared and queried as a String.
    type: values === undefined ? valueType(schema, typeName) : { kind: 'scalar', name: 'String' },
    list: shape.list,
    nonNull: shape.nonNull,
    elementNonNull: shape.list && shape.elementNonNull,
    primaryKey,
    // The table is keyed by its primary key; an index of it would repeat the table.
    // A unique attribute is indexed: its uniqueness is checked in its index.
    indexed: !primaryKey && (unique || hasDirective(field, 'indexed')),
    ...(unique ? { unique: true as const } : {}),
    ...(values === undefined ? {} : { enum: { name: typeName, values } }),
    ...defaultOf(field, typeName, shape.list, values),
    ...computedOf(field),
    timestamp: hasDirective(field, 'createdTime')
      ? 'created'
      : hasDirective(field, 'updatedTime')
        ? 'updated'
        : null,
    relationship: hasDirective(field, 'relationship')
      ? relationshipMeta(schema, owner, field)
      : null,
    ...descriptionOf(field),
  };
}

function valueType(schema: SchemaIndex, name: string): ValueType {
  if (isScalarName(name)) return { kind: 'scalar', name };
  return schema.table(name) !== undefined ? { kind: 'table', name } : { kind: 'object', name };
}

function relationshipMeta(
  schema: SchemaIndex,
  owner: ObjectTypeDefinitionNode,
  field: FieldDefinitionNode,
): RelationshipMeta {
  const directive = findDirective(field, 'relationship');
  const shape = fieldType(field.type);
  const target = shape.named.name.value;
  const from = nameArgument(directive, 'from');
  const to = nameArgument(directive, 'to');
  if (from !== undefined && to !== undefined) return { kind: 'join', target, from, to };
  if (from !== undefined) {
    const targetKey = keyName(schema.table(target), target);
    const given = nameArgument(directive, 'onDelete');
    const onDelete = REFERENTIAL_ACTIONS.find((action) => action === given);
    const actions = onDelete === undefined ? {} : { onDelete };
    return shape.list
      ? { kind: 'many-to-many', target, from, targetKey, ...actions }
      : { kind: 'many-to-one', target, from, targetKey, ...actions };
  }
  if (to !== undefined)
    return { kind: 'one-to-many', target, to, localKey: keyName(owner, owner.name.value) };
  throw new Error(
    `Relationship "${owner.name.value}.${field.name.value}" reached the IR builder with neither from: nor to:`,
  );
}

function keyName(table: ObjectTypeDefinitionNode | undefined, name: string): string {
  const key = table === undefined ? undefined : primaryKeyOf(table);
  if (key === undefined)
    throw new Error(`Table "${name}" reached the IR builder without a primary key`);
  return key.name.value;
}

/** `@computed(from:, version:)` as the metadata keeps it (`computed`), when the field has one. */
function computedOf(field: FieldDefinitionNode): { readonly computed?: ComputedMeta } {
  const directive = findDirective(field, 'computed');
  if (directive === undefined) return {};
  const from = findArgument(directive, 'from')?.value;
  const version = findArgument(directive, 'version')?.value;
  return {
    computed: {
      ...(from?.kind === Kind.STRING ? { from: from.value } : {}),
      version: version?.kind === Kind.INT ? Number(version.value) : 0,
    },
  };
}

/** `@default(value:)` as the metadata keeps it (`default`), when the field has one. */
function defaultOf(
  field: FieldDefinitionNode,
  typeName: string,
  list: boolean,
  enumValues: readonly string[] | undefined,
): { readonly default?: unknown } {
  const given = findDirective(field, 'default')?.arguments?.find(
    (argument) => argument.name.value === 'value',
  );
  if (given === undefined) return {};
  if (enumValues !== undefined) {
    const converted = enumDefaultOf(given.value, enumValues, list);
    return 'value' in converted ? { default: converted.value } : {};
  }
  if (!isScalarName(typeName)) return {};
  const converted = defaultValueOf(given.value, typeName, list);
  // The default-values rule has refused every value that does not convert.
  return 'value' in converted ? { default: converted.value } : {};
}
