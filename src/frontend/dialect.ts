/**
 * Harper's schema dialect as the front end understands it: the directives, their arguments and where
 * they go, and which scalars may hold keys and times (docs/contract.md section 2).
 */
import { SCALAR_NAMES } from '../../templates/runtime/meta.js';
import type { ScalarName } from '../../templates/runtime/meta.js';

/** What a directive argument accepts. */
export type ArgumentKind =
  /** A storage name (`@table(table:, database:)`) or URL segment (`@export(name:)`). */
  | 'segment'
  /** The name of an attribute (`@relationship(from:, to:)`), written bare or as a string. */
  | 'attribute'
  /** A whole number of seconds greater than zero (`@table(expiration:)`). */
  | 'seconds'
  /** A value of the attribute's own type (`@default(value:)`), checked by its own rule. */
  | 'value'
  /** `true` or `false` (`@export(rest:)`). */
  | 'boolean'
  /** What deleting a related record does (`@relationship(onDelete:)`): one of `REFERENTIAL_ACTIONS`. */
  | 'action'
  /** A JavaScript expression over the record's attributes (`@computed(from:)`), checked by its own rule. */
  | 'expression'
  /** A whole number, 0 or more (`@computed(version:)`). */
  | 'version';

export interface DirectiveSpec {
  readonly name: string;
  /** Directives on a type describe the table; directives on a field describe an attribute. */
  readonly location: 'type' | 'field';
  /** Argument names in the order the signature is printed. */
  readonly arguments: ReadonlyMap<string, ArgumentKind>;
  /** How the directive is written, for messages: `@table(table: String, ...)`. */
  readonly signature: string;
  /**
   * Arguments Harper documents that mean nothing to a generated server: accepted, with a warning
   * that says why (argument → the warning's explanation).
   */
  readonly ignored: ReadonlyMap<string, string>;
}

/** An argument's name, kind, and for one a generated server ignores, the warning's explanation. */
type ArgumentSpec = readonly [name: string, kind: ArgumentKind, ignored?: string];

const PRINTED_KINDS: Readonly<Record<ArgumentKind, string>> = {
  segment: 'String',
  attribute: 'String',
  seconds: 'Int',
  value: '<the attribute type>',
  boolean: 'Boolean',
  action: 'RESTRICT | CASCADE | SET_NULL',
  expression: 'String',
  version: 'Int',
};

function directive(
  name: string,
  location: 'type' | 'field',
  args: readonly ArgumentSpec[],
): DirectiveSpec {
  const printedArgs = args.map(([argument, kind]) => `${argument}: ${PRINTED_KINDS[kind]}`);
  const ignored = new Map<string, string>();
  for (const [argument, , explanation] of args) {
    if (explanation !== undefined) ignored.set(argument, explanation);
  }
  return {
    name,
    location,
    arguments: new Map(args.map(([argument, kind]) => [argument, kind])),
    signature: printedArgs.length === 0 ? `@${name}` : `@${name}(${printedArgs.join(', ')})`,
    ignored,
  };
}

export const DIRECTIVES: ReadonlyMap<string, DirectiveSpec> = new Map(
  [
    directive('table', 'type', [
      ['table', 'segment'],
      ['database', 'segment'],
      ['expiration', 'seconds'],
      [
        'eviction',
        'seconds',
        'it tells Harper how long to keep a caching table’s expired records; a generated server has no caching tables',
      ],
      ['scanInterval', 'seconds'],
      [
        'audit',
        'boolean',
        'Harper’s audit log is not kept; a generated server’s commit log (contract section 8) records each change for real-time clients and workers',
      ],
      [
        'replicate',
        'boolean',
        'Harper’s replication between its nodes does not apply; a generated server shares one store between its workers, or many servers share one PostgreSQL database',
      ],
    ]),
    directive('export', 'type', [
      ['name', 'segment'],
      ['rest', 'boolean'],
      [
        'mqtt',
        'boolean',
        'a generated server serves REST, WebSocket and Server-Sent Events, not MQTT',
      ],
    ]),
    directive('sealed', 'type', []),
    directive('primaryKey', 'field', []),
    directive('indexed', 'field', []),
    directive('unique', 'field', []),
    directive('default', 'field', [['value', 'value']]),
    directive('relationship', 'field', [
      ['from', 'attribute'],
      ['to', 'attribute'],
      ['onDelete', 'action'],
    ]),
    directive('computed', 'field', [
      ['from', 'expression'],
      ['version', 'version'],
    ]),
    directive('createdTime', 'field', []),
    directive('updatedTime', 'field', []),
  ].map((spec) => [spec.name, spec]),
);

/** What deleting a record does to the records whose `@relationship(from:)` holds its key. */
export const REFERENTIAL_ACTIONS = ['RESTRICT', 'CASCADE', 'SET_NULL'] as const;

const SCALARS: ReadonlySet<string> = new Set(SCALAR_NAMES);

export function isScalarName(name: string): name is ScalarName {
  return SCALARS.has(name);
}

/** Scalars a primary key may have: the runtime generates UUIDs for the text ones, integers for the numeric ones. */
export const KEY_SCALARS: readonly ScalarName[] = ['ID', 'String', 'Int', 'Long', 'Float'];

/** Scalars that can hold a server-set time (contract section 2: ISO string, date, or epoch milliseconds). */
export const TIME_SCALARS: readonly ScalarName[] = [
  'String',
  'Date',
  'Int',
  'Long',
  'Float',
  'Any',
];

/**
 * Keys compare equal only within one family: a text key never equals a number. `Any` holds either.
 * Scalars outside both families cannot hold a key.
 */
export function keyFamily(scalar: ScalarName): 'text' | 'number' | 'any' | null {
  switch (scalar) {
    case 'ID':
    case 'String':
      return 'text';
    case 'Int':
    case 'Long':
    case 'Float':
      return 'number';
    case 'Any':
      return 'any';
    default:
      return null;
  }
}

/** Types whose fields are GraphQL operations; a generated server serves REST, not GraphQL operations. */
export const ROOT_OPERATION_TYPES: ReadonlySet<string> = new Set([
  'Query',
  'Mutation',
  'Subscription',
]);

/** The database of a table without `@table(database:)`. */
export const DEFAULT_DATABASE = 'data';

/** Characters allowed in table, database and export names: they become storage names and URL segments. */
export const SEGMENT_PATTERN = /^[A-Za-z0-9_-]+$/;

/** A GraphQL name: what `@relationship(from:, to:)` must hold to name an attribute. */
export const ATTRIBUTE_NAME_PATTERN = /^[_A-Za-z][_0-9A-Za-z]*$/;
