/**
 * Schema metadata: the description of tables and attributes that the generator derives from the
 * GraphQL schema. The generator's intermediate representation uses these exact types, and every
 * generated server embeds one `SchemaMeta` literal that the runtime reads. Plain, frozen data only.
 */

/** The scalar types of Harper's schema dialect. */
export type ScalarName =
  'ID' | 'String' | 'Int' | 'Long' | 'Float' | 'Boolean' | 'Date' | 'BigInt' | 'Bytes' | 'Any';

export const SCALAR_NAMES: readonly ScalarName[] = [
  'ID',
  'String',
  'Int',
  'Long',
  'Float',
  'Boolean',
  'Date',
  'BigInt',
  'Bytes',
  'Any',
];

/** The type of an attribute value, or of each element when the attribute is a list. */
export type ValueType =
  | { readonly kind: 'scalar'; readonly name: ScalarName }
  /** A nested value of a plain (non-table) object type, stored inside the record. */
  | { readonly kind: 'object'; readonly name: string }
  /** A record of another table; only ever the type of a relationship attribute. */
  | { readonly kind: 'table'; readonly name: string };

/**
 * How an attribute relates its record to records of another table.
 *
 * - `many-to-one`: `from` (an attribute of this table) holds the key of one target record.
 * - `many-to-many`: `from` (a list attribute of this table) holds the keys of target records.
 * - `one-to-many`: target records whose attribute `to` holds this record's key.
 * - `join`: target records whose attribute `to` holds a value of this record's attribute `from`.
 */
export type RelationshipMeta =
  | {
      readonly kind: 'many-to-one';
      /** Name of the target table's type. */
      readonly target: string;
      /** Attribute of this table holding the target's key. */
      readonly from: string;
      /** The target table's primary key attribute. */
      readonly targetKey: string;
      /** What deleting the target record does to this one (absent: nothing, as in Harper). */
      readonly onDelete?: ReferentialAction;
    }
  | {
      readonly kind: 'many-to-many';
      readonly target: string;
      /** List attribute of this table holding the targets' keys. */
      readonly from: string;
      readonly targetKey: string;
      /** What deleting a target record does to this one (absent: nothing, as in Harper). */
      readonly onDelete?: ReferentialAction;
    }
  | {
      /**
       * `@relationship(from: a, to: b)`: records of the target whose `b` holds a value of this
       * record's `a` (each of its values, for a list), neither being a key. A list field holds
       * every such record in key order, a single one the first of them.
       */
      readonly kind: 'join';
      readonly target: string;
      /** Attribute of this table whose value (or values) is looked for. */
      readonly from: string;
      /** Attribute of the target table that holds it (it may be a list). */
      readonly to: string;
    }
  | {
      readonly kind: 'one-to-many';
      readonly target: string;
      /** Attribute of the target table holding this record's key (it may be a list). */
      readonly to: string;
      /** This table's primary key attribute. */
      readonly localKey: string;
    };

/**
 * `@relationship(from:, onDelete:)` [ext]: deleting a record that others' `from` attribute names is
 * refused (`RESTRICT`), deletes them too (`CASCADE`), or takes its key out of them (`SET_NULL`:
 * null, or out of a list of keys), in the same transaction.
 */
export type ReferentialAction = 'RESTRICT' | 'CASCADE' | 'SET_NULL';

export interface AttributeMeta {
  readonly name: string;
  /** The value type; for a list attribute, the type of each element. */
  readonly type: ValueType;
  /** `[T]`: the value is an array of `type`. */
  readonly list: boolean;
  /** `T!` or `[T]!`: the attribute must be present and not null. */
  readonly nonNull: boolean;
  /** `[T!]`: elements of a list may not be null. False for non-list attributes. */
  readonly elementNonNull: boolean;
  readonly primaryKey: boolean;
  /** `@indexed` (the primary key is not listed as indexed: the table itself is keyed by it). */
  readonly indexed: boolean;
  /**
   * `@unique` [ext]: no two records hold the same non-null value (a write that would is a 409);
   * a unique attribute is always `indexed`. Absent when false.
   */
  readonly unique?: true;
  /**
   * `@default(value:)` [ext]: the value (in JSON form) the attribute takes when a POST or a PUT, or
   * a PATCH that creates the record, leaves it out. Absent when there is none.
   */
  readonly default?: unknown;
  /**
   * A GraphQL `enum` type: the value (each element, for a list) is one of `values`, held as a
   * string (`type` is `String`). Absent for other types.
   */
  readonly enum?: EnumMeta;
  /**
   * `@computed` [harper]: the server sets the value on every write, from the rest of the record,
   * with the function of `src/computed.ts`; what a client sends for it is overwritten. Absent on
   * stored attributes that clients write.
   */
  readonly computed?: ComputedMeta;
  /** `@createdTime` / `@updatedTime`. */
  readonly timestamp: 'created' | 'updated' | null;
  /** Present on `@relationship` attributes, which are computed and never stored. */
  readonly relationship: RelationshipMeta | null;
  /** The field's doc string in the schema. Absent when it has none. */
  readonly description?: string;
}

/** How a computed attribute is computed (`@computed(from:, version:)`). */
export interface ComputedMeta {
  /** `from:`, the JavaScript expression the function of `src/computed.ts` started as. */
  readonly from?: string;
  /**
   * `version:` (0 without one): when it changes, the server computes the attribute again for
   * every stored record when it starts (contract section 11).
   */
  readonly version: number;
}

/** An enum type of the schema. */
export interface EnumMeta {
  readonly name: string;
  /** Its values, in declaration order. */
  readonly values: readonly string[];
}

export interface ObjectTypeMeta {
  /** Name of a plain object type used for nested values. */
  readonly name: string;
  readonly attributes: readonly AttributeMeta[];
  /** The type's doc string in the schema. Absent when it has none. */
  readonly description?: string;
}

export interface TableMeta {
  /** The GraphQL type name; also the name of the generated interface. */
  readonly name: string;
  /** Storage name of the table (`@table(table:)`, default: the type name). */
  readonly tableName: string;
  /** `@table(database:)`, default `data`. */
  readonly database: string;
  /** URL segment when exported (`@export(name:)`, default the type name); null without `@export`. */
  readonly exportName: string | null;
  /** Name of the primary key attribute. */
  readonly primaryKey: string;
  /** Type of the primary key; decides how keys are generated (UUID v4 or increasing integers). */
  readonly keyType: ScalarName;
  /** `@sealed`: writes holding undeclared attributes are refused. */
  readonly sealed: boolean;
  /** `@table(expiration:)` in seconds, or null. */
  readonly expiration: number | null;
  /**
   * `@table(scanInterval:)` in seconds: how often expired records are removed. Absent: a quarter
   * of `expiration`.
   */
  readonly scanInterval?: number;
  /** Every declared attribute, in declaration order, relationship attributes included. */
  readonly attributes: readonly AttributeMeta[];
  /** The type's doc string in the schema. Absent when it has none. */
  readonly description?: string;
}

export interface SchemaMeta {
  /** Tables in a stable order (by type name). */
  readonly tables: readonly TableMeta[];
  /** Plain object types in a stable order (by type name). */
  readonly objectTypes: readonly ObjectTypeMeta[];
}

/** The attribute's type as the schema writes it: `String!`, `[ID]`, `Address`, `Status`. */
export function graphqlType(attribute: AttributeMeta): string {
  const named = attribute.enum?.name ?? attribute.type.name;
  const element = `${named}${attribute.list && attribute.elementNonNull ? '!' : ''}`;
  return `${attribute.list ? `[${element}]` : element}${attribute.nonNull ? '!' : ''}`;
}

/** Finds an attribute by name. */
export function attributeOf(
  table: TableMeta | ObjectTypeMeta,
  name: string,
): AttributeMeta | undefined {
  return table.attributes.find((attribute) => attribute.name === name);
}

/**
 * The value a record (or nested object) holds under `name`: its own property only, so that names
 * such as `constructor` or `toString` never read `Object.prototype`.
 */
export function ownValue(holder: object, name: string): unknown {
  return Object.hasOwn(holder, name) ? (holder as Record<string, unknown>)[name] : undefined;
}

/** Attributes that are stored in records (everything but relationship attributes). */
export function storedAttributes(table: TableMeta | ObjectTypeMeta): readonly AttributeMeta[] {
  return table.attributes.filter((attribute) => attribute.relationship === null);
}
