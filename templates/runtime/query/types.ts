/**
 * A parsed, typed query: frozen data that the planner, the executor, the real-time hub and the
 * select shaper read. It refers to the schema's own metadata objects, so it is only meaningful for
 * the table it was parsed against.
 */
import type { AttributeMeta, SchemaMeta, TableMeta } from '../meta.js';
import type { AnswerLimits } from './budget.js';

export interface QueryContext {
  readonly schema: SchemaMeta;
  readonly table: TableMeta;
  /**
   * The query comes from the server's own code (a hook's `search`), not from a client: it may
   * follow relationships into tables without `@export`, which clients cannot reach.
   */
  readonly internal?: boolean;
  /** The budget of one answer (`MAX_RESOLVED_RECORDS`, `MAX_ANSWER_BYTES`); the defaults when absent. */
  readonly limits?: AnswerLimits;
}

/**
 * Comparison operators after parsing: every surface form (`==`, `=eq=`, `<`, `=lte=`, `==abc*`, …)
 * maps to one of these. `ne` and `out` are exactly the negations of `eq` and `in`. `between` is a
 * chained range (`a=gt=x&=lt=y`): one value (one element of a list) within both bounds.
 */
export type Operator =
  'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'sw' | 'ew' | 'ct' | 'in' | 'out' | 'between';

/** Which bounds of a `between` are included; its values are [lower, upper]. */
export interface RangeBounds {
  readonly lowerInclusive: boolean;
  readonly upperInclusive: boolean;
}

/** A condition value converted to the compared attribute's type (dates as epoch milliseconds). */
export type ConditionValue = null | boolean | number | string | bigint;

/** One relationship followed by a condition path such as `organizer.name`. */
export interface Hop {
  /** The relationship attribute, on `from`. */
  readonly attribute: AttributeMeta;
  readonly from: TableMeta;
  /** The related table. */
  readonly to: TableMeta;
}

/** What a comparison reads in the table that its hops lead to. */
export interface Target {
  /** The top-level attribute (the primary key attribute when `isKey`). */
  readonly attribute: AttributeMeta;
  /** Attributes inside nested object values, outermost first (`address.city` → [city]). */
  readonly nested: readonly AttributeMeta[];
  /** The comparison is on the primary key, which is read from the record's key. */
  readonly isKey: boolean;
}

export interface Comparison {
  readonly kind: 'comparison';
  /** The path as written, for messages (`attendees.name`). */
  readonly path: string;
  /** Relationships followed from the queried table, outermost first; empty for a local attribute. */
  readonly hops: readonly Hop[];
  readonly target: Target;
  readonly operator: Operator;
  /** One value, the list of `in`/`out`, or [lower, upper] of `between`. */
  readonly values: readonly ConditionValue[];
  /** Set exactly when the operator is `between`. */
  readonly bounds: RangeBounds | null;
  /**
   * The values are instants (epoch ms) compared with date-time strings of a `String` attribute:
   * a zone-less date read in the query's time zone, or a `date:` value.
   */
  readonly instant: boolean;
  /** Offset of the condition in the raw query string. */
  readonly position: number;
}

export interface Junction {
  readonly kind: 'and' | 'or';
  readonly children: readonly Condition[];
}

export type Condition = Comparison | Junction;

/** One item of a `select(...)`. */
export type SelectItem =
  | {
      readonly kind: 'attribute';
      readonly name: string;
      /** Declared attribute, or null for an undeclared attribute of an open table. */
      readonly attribute: AttributeMeta | null;
      /** `name{...}`: projection of a related record or nested object. */
      readonly nested: ObjectSelection | null;
    }
  | { readonly kind: 'all' }
  | { readonly kind: 'id' }
  | { readonly kind: 'updatedTime' };

export interface ObjectSelection {
  readonly kind: 'object';
  readonly items: readonly SelectItem[];
}

/**
 * The shape of each answer: `select(a)` a bare value, `select(a,b)` / `select(a,)` an object,
 * `select([a,b])` an array of values.
 */
export type Selection =
  | { readonly kind: 'value'; readonly item: SelectItem }
  | ObjectSelection
  | { readonly kind: 'array'; readonly items: readonly SelectItem[] };

export interface SortKey {
  readonly path: string;
  readonly hops: readonly Hop[];
  readonly target: Target;
  readonly descending: boolean;
}

export interface Query {
  /** The condition tree, or null when every record matches. */
  readonly conditions: Condition | null;
  /** null: records as stored. */
  readonly select: Selection | null;
  readonly sort: readonly SortKey[];
  /** Matches skipped before the first answer. */
  readonly offset: number;
  /** Maximum number of answers after the offset, or null for all. */
  readonly limit: number | null;
  /** IANA zone of `timezone=`, or null. */
  readonly timezone: string | null;
}
