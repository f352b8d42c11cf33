/**
 * `GET /T` (no slash): a description of the table: its name, key, attributes with their types,
 * indexes and relationships, and how many records it holds. Each attribute carries Harper's fields
 * (`type` as Harper writes it, `array` with `elements` for a list, `nullable`, `isPrimaryKey`,
 * `indexed`, `relationship: {from | to}`), so Harper's tools read it, and ours beside them
 * (`graphqlType` as written in the schema, `primaryKey`, `timestamp`, the relationship's `kind`
 * and `target`).
 */
import { graphqlType, type AttributeMeta, type EnumMeta, type TableMeta } from '../meta.js';

export interface TableDescription {
  readonly name: string;
  readonly database: string;
  readonly table: string;
  readonly primaryKey: string;
  readonly sealed: boolean;
  readonly expiration: number | null;
  /** The type's doc string in the schema, when it has one. */
  readonly description?: string;
  readonly attributes: readonly AttributeDescription[];
  readonly recordCount: number;
}

export interface AttributeDescription {
  readonly name: string;
  /** Harper's type: the type's name (`String`, `Address`), or `array` for a list. */
  readonly type: string;
  /** Harper's element type of a list: `{"type": "String", "nullable"?: false}`. */
  readonly elements?: { readonly type: string; readonly nullable?: false };
  /** Harper's mark of a non-null attribute (`T!`). */
  readonly nullable?: false;
  /** Harper's mark of the primary key. */
  readonly isPrimaryKey?: true;
  /** The GraphQL type as written in the schema: `String!`, `[ID]`, `Address`. */
  readonly graphqlType: string;
  readonly primaryKey?: true;
  readonly indexed?: true;
  /** `@unique`. */
  readonly unique?: true;
  /** `@default(value:)`, in JSON form. */
  readonly default?: unknown;
  /** The enum type whose values the attribute holds (`type` is then `String`). */
  readonly enum?: EnumMeta;
  readonly timestamp?: 'created' | 'updated';
  /** `@computed`: set by the server on every write, never by clients. */
  readonly computed?: true;
  /** `@computed(from:)`: the expression its function started as. */
  readonly from?: string;
  /** `@computed(version:)`. */
  readonly version?: number;
  readonly relationship?: {
    readonly kind: string;
    readonly target: string;
    readonly from?: string;
    readonly to?: string;
    /** `@relationship(onDelete:)`. */
    readonly onDelete?: string;
  };
  /** The field's doc string in the schema, when it has one. */
  readonly description?: string;
}

/**
 * `hidden`: attributes the asking role may not read, left out; `recordCount` counts what it may
 * see.
 */
export function describeTable(
  meta: TableMeta,
  recordCount: number,
  hidden: ReadonlySet<string> = new Set(),
): TableDescription {
  return {
    name: meta.exportName ?? meta.name,
    database: meta.database,
    table: meta.tableName,
    primaryKey: meta.primaryKey,
    sealed: meta.sealed,
    expiration: meta.expiration,
    ...(meta.description === undefined ? {} : { description: meta.description }),
    attributes: meta.attributes
      .filter((attribute) => !hidden.has(attribute.name))
      .map(describeAttribute),
    recordCount,
  };
}

function describeAttribute(attribute: AttributeMeta): AttributeDescription {
  const relationship = attribute.relationship;
  return {
    name: attribute.name,
    ...(attribute.list
      ? {
          type: 'array',
          elements: {
            type: attribute.type.name,
            ...(attribute.elementNonNull ? { nullable: false as const } : {}),
          },
        }
      : { type: attribute.type.name }),
    ...(attribute.nonNull ? { nullable: false as const } : {}),
    ...(attribute.primaryKey ? { isPrimaryKey: true as const } : {}),
    graphqlType: graphqlType(attribute),
    ...(attribute.primaryKey ? { primaryKey: true as const } : {}),
    ...(attribute.indexed ? { indexed: true as const } : {}),
    ...(attribute.unique === true ? { unique: true as const } : {}),
    ...(attribute.default === undefined ? {} : { default: attribute.default }),
    ...(attribute.enum === undefined ? {} : { enum: attribute.enum }),
    ...(attribute.timestamp !== null ? { timestamp: attribute.timestamp } : {}),
    ...(attribute.computed === undefined
      ? {}
      : {
          computed: true as const,
          ...(attribute.computed.from === undefined ? {} : { from: attribute.computed.from }),
          version: attribute.computed.version,
        }),
    ...(relationship === null
      ? {}
      : {
          relationship: {
            kind: relationship.kind,
            target: relationship.target,
            ...('from' in relationship ? { from: relationship.from } : {}),
            ...('to' in relationship ? { to: relationship.to } : {}),
            ...('onDelete' in relationship && relationship.onDelete !== undefined
              ? { onDelete: relationship.onDelete }
              : {}),
          },
        }),
    ...(attribute.description === undefined ? {} : { description: attribute.description }),
  };
}
