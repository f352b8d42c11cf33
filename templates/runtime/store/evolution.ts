/**
 * Schema evolution (contract section 11): what changed between the schema a data directory was
 * last served with and the one the server was generated from. The store keeps the schema it last
 * served in its data directory and reports these changes when it opens; indexes are the only
 * thing it acts on (built or dropped, see the store). Existing records are never rewritten, so
 * each message says what that means for them. Engine-independent: plain metadata in, text out.
 */
import type { AttributeMeta, SchemaMeta, TableMeta } from '../meta.js';

/** The schema as kept in a data directory: plain JSON of the generated `SchemaMeta`. */
export function serializeSchema(schema: SchemaMeta): string {
  return JSON.stringify(schema);
}

/** The stored schema, or undefined when there is none (a new data directory) or it is unreadable. */
export function parseStoredSchema(stored: unknown): SchemaMeta | undefined {
  if (typeof stored !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(stored);
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      !Array.isArray((parsed as SchemaMeta).tables)
    )
      return undefined;
    return parsed as SchemaMeta;
  } catch {
    return undefined;
  }
}

/**
 * The changes from `previous` to `current` that matter to stored data, one message each, in a
 * stable order. Index changes are left out: the store reports what it does about them.
 */
export function describeSchemaChanges(previous: SchemaMeta, current: SchemaMeta): string[] {
  const messages: string[] = [];
  // The server's own tables (`$User`: names a schema cannot give) are not the user's to hear of.
  const own = (table: TableMeta): boolean => table.name.startsWith('$');
  previous = { ...previous, tables: previous.tables.filter((table) => !own(table)) };
  current = { ...current, tables: current.tables.filter((table) => !own(table)) };
  const before = new Map(previous.tables.map((table) => [table.name, table]));
  const after = new Map(current.tables.map((table) => [table.name, table]));
  for (const table of current.tables) {
    const old = before.get(table.name);
    if (old === undefined) {
      const moved = previous.tables.find((candidate) => storageOf(candidate) === storageOf(table));
      messages.push(
        moved === undefined
          ? `table ${table.name} is new`
          : `table ${moved.name} is now the type ${table.name}; its records are kept (same storage ${storageOf(table)})`,
      );
      continue;
    }
    messages.push(...tableChanges(old, table));
  }
  for (const table of previous.tables) {
    if (
      after.has(table.name) ||
      current.tables.some((candidate) => storageOf(candidate) === storageOf(table))
    )
      continue;
    messages.push(
      `table ${table.name} was removed; its records stay in the data directory (storage ${storageOf(table)}) but are no longer served`,
    );
  }
  return messages;
}

function tableChanges(old: TableMeta, table: TableMeta): string[] {
  const name = table.name;
  const messages: string[] = [];
  if (storageOf(old) !== storageOf(table)) {
    messages.push(
      `table ${name} is now stored as ${storageOf(table)} instead of ${storageOf(old)}: it starts empty, and the records stored as ${storageOf(old)} are not moved`,
    );
  }
  if (old.primaryKey !== table.primaryKey || old.keyType !== table.keyType) {
    messages.push(
      `the key of ${name} is now ${table.primaryKey} (${table.keyType}) instead of ${old.primaryKey} (${old.keyType}): existing records keep the keys they were stored under`,
    );
  }
  if (!old.sealed && table.sealed) {
    messages.push(
      `${name} is now @sealed: undeclared attributes already stored stay in their records`,
    );
  }
  if (old.exportName !== table.exportName) {
    messages.push(
      table.exportName === null
        ? `${name} is no longer exported`
        : `${name} is now served at /${table.exportName}/${old.exportName === null ? '' : ` instead of /${old.exportName}/`}`,
    );
  }
  const oldAttributes = new Map(old.attributes.map((attribute) => [attribute.name, attribute]));
  for (const attribute of table.attributes) {
    if (attribute.relationship !== null || attribute.primaryKey) continue;
    const previous = oldAttributes.get(attribute.name);
    const label = `${name}.${attribute.name}`;
    if (previous === undefined || previous.relationship !== null) {
      // A new computed attribute is computed for every record at start (computed.ts says so).
      if (attribute.computed !== undefined) continue;
      messages.push(
        attribute.nonNull
          ? `${label} is new and required: existing records do not have it until they are written again`
          : `${label} is new: existing records do not have it`,
      );
      continue;
    }
    if (valueText(previous) !== valueText(attribute)) {
      messages.push(
        `${label} is now ${typeText(attribute)} instead of ${typeText(previous)}: stored values are not converted; the server checks them once it listens and logs the records whose values do not fit`,
      );
    } else if (!previous.nonNull && attribute.nonNull) {
      messages.push(
        `${label} is now required: existing records without it keep lacking it until they are written again`,
      );
    }
  }
  const current = new Set(table.attributes.map((attribute) => attribute.name));
  for (const attribute of old.attributes) {
    if (attribute.relationship !== null || attribute.primaryKey || current.has(attribute.name))
      continue;
    messages.push(
      table.sealed
        ? `${name}.${attribute.name} was removed: existing records keep their values, which are no longer validated`
        : `${name}.${attribute.name} was removed: existing records keep their values, now undeclared attributes`,
    );
  }
  return messages;
}

function storageOf(table: TableMeta): string {
  return `${table.database}.${table.tableName}`;
}

/** The attribute's type as the schema writes it: `Int`, `[String!]!`, `Address`. */
function typeText(attribute: AttributeMeta): string {
  return attribute.nonNull ? `${valueText(attribute)}!` : valueText(attribute);
}

/** The type of the attribute's values, whether or not it is required: `Int`, `[String!]`. */
function valueText(attribute: AttributeMeta): string {
  const element = attribute.type.name;
  return attribute.list ? `[${element}${attribute.elementNonNull ? '!' : ''}]` : element;
}

/**
 * The attributes (`Table.attribute`) whose stored values may no longer fit their declared type:
 * those of `known` (kept in the data directory from earlier starts) that the schema still declares,
 * and those whose type changed from `previous` to `current`. The server checks them when it starts
 * and forgets one once none of its stored values is left over (contract section 11). Sorted.
 */
export function retypedAttributes(
  previous: SchemaMeta | undefined,
  current: SchemaMeta,
  known: readonly string[],
): string[] {
  const names = new Set<string>();
  const checked = new Map<string, AttributeMeta>();
  for (const table of current.tables) {
    if (table.name.startsWith('$')) continue;
    for (const attribute of table.attributes) {
      if (storesValues(attribute)) checked.set(`${table.name}.${attribute.name}`, attribute);
    }
  }
  for (const name of known) if (checked.has(name)) names.add(name);
  for (const table of previous?.tables ?? []) {
    for (const attribute of table.attributes) {
      const name = `${table.name}.${attribute.name}`;
      const now = checked.get(name);
      if (now !== undefined && storesValues(attribute) && valueText(attribute) !== valueText(now))
        names.add(name);
    }
  }
  return [...names].sort();
}

/** The list `retypedAttributes` keeps in the data directory, from its stored form (JSON text). */
export function parseRetyped(stored: unknown): string[] {
  if (typeof stored !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed)
      ? parsed.filter((name): name is string => typeof name === 'string')
      : [];
  } catch {
    return [];
  }
}

/**
 * Whether the attribute holds values that writes give it: not the key, a relationship (computed
 * when read) or a timestamp (the server sets it).
 */
export function storesValues(attribute: AttributeMeta): boolean {
  return !attribute.primaryKey && attribute.relationship === null && attribute.timestamp === null;
}
