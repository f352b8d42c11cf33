/**
 * `GET /T` (no slash): a description of the table: its name, key, attributes with their types,
 * indexes and relationships, and how many records it holds.
 */
import type { AttributeMeta, TableMeta } from '../meta.js';

export interface TableDescription {
  readonly name: string;
  readonly database: string;
  readonly table: string;
  readonly primaryKey: string;
  readonly sealed: boolean;
  readonly expiration: number | null;
  readonly attributes: readonly AttributeDescription[];
  readonly recordCount: number;
}

export interface AttributeDescription {
  readonly name: string;
  /** The GraphQL type as written in the schema: `String!`, `[ID]`, `Address`. */
  readonly type: string;
  readonly primaryKey?: true;
  readonly indexed?: true;
  readonly timestamp?: 'created' | 'updated';
  readonly relationship?: {
    readonly kind: string;
    readonly target: string;
    readonly from?: string;
    readonly to?: string;
  };
}

export function describeTable(meta: TableMeta, recordCount: number): TableDescription {
  return {
    name: meta.exportName ?? meta.name,
    database: meta.database,
    table: meta.tableName,
    primaryKey: meta.primaryKey,
    sealed: meta.sealed,
    expiration: meta.expiration,
    attributes: meta.attributes.map(describeAttribute),
    recordCount,
  };
}

function describeAttribute(attribute: AttributeMeta): AttributeDescription {
  const element = `${attribute.type.name}${attribute.list && attribute.elementNonNull ? '!' : ''}`;
  const type = `${attribute.list ? `[${element}]` : element}${attribute.nonNull ? '!' : ''}`;
  const relationship = attribute.relationship;
  return {
    name: attribute.name,
    type,
    ...(attribute.primaryKey ? { primaryKey: true as const } : {}),
    ...(attribute.indexed ? { indexed: true as const } : {}),
    ...(attribute.timestamp !== null ? { timestamp: attribute.timestamp } : {}),
    ...(relationship === null
      ? {}
      : {
          relationship:
            relationship.kind === 'one-to-many'
              ? { kind: relationship.kind, target: relationship.target, to: relationship.to }
              : { kind: relationship.kind, target: relationship.target, from: relationship.from },
        }),
  };
}
