/**
 * Computed attributes (`@computed`, contract section 2): attributes the server sets on every write
 * from the rest of the record, with the user's functions of `src/computed.ts` (contract section
 * 10). The value is stored with the record, so every read path (GET, conditions, sort, select,
 * indexes, subscriptions) treats it as any stored attribute.
 *
 * When a computed attribute is new, or its `version:` changed, the server computes it again for
 * every stored record when it starts (contract section 11), in batches, before it listens; a
 * system table remembers the version each attribute was last computed at, written only once the
 * whole table is done, so a start that stops halfway computes it again the next time.
 */
import type { RecordOf } from './hooks.js';
import type { AttributeMeta, SchemaMeta, TableMeta } from './meta.js';
import type { Key, Store, StoredValue } from './store/types.js';
import type { AnyTable, RuntimeHooks } from './tableSet.js';

/**
 * The functions of the computed attributes, by table and attribute. `C` names each table's
 * computed attributes (the generated `Computed` interface of `src/database.ts`). A function gets
 * the record as it is about to be stored, without its computed attributes (key, timestamps and
 * every other attribute set), and returns the attribute's value; for a nullable attribute,
 * `undefined` too (an optional attribute read as it is), stored as null.
 */
export type ComputedFunctions<DB, C> = {
  readonly [N in keyof C & keyof DB]: {
    readonly [A in C[N] & keyof RecordOf<DB, N>]: (
      record: Readonly<Omit<RecordOf<DB, N>, C[N] & keyof RecordOf<DB, N>>>,
    ) => RecordOf<DB, N>[A] | (null extends RecordOf<DB, N>[A] ? undefined : never);
  };
};

/**
 * Declares the computed attributes' functions: `export default defineComputed<Database,
 * Computed>({ … })`. It returns its argument; its type parameters are what type the functions.
 */
export function defineComputed<DB, C>(
  functions: ComputedFunctions<DB, C>,
): ComputedFunctions<DB, C> {
  return functions;
}

/** The functions as the runtime calls them, untyped: by table, then attribute. */
export type RuntimeComputed = Readonly<
  Record<string, Readonly<Record<string, (record: never) => unknown>> | undefined>
>;

/** One function as the runtime calls it. */
export type ComputeFunction = (record: Readonly<StoredValue>) => unknown;

/** Keeps, per computed attribute, the `version:` its stored values were computed at. */
export const COMPUTED_TABLE: TableMeta = {
  name: '$Computed',
  tableName: 'hdb_computed',
  database: 'system',
  exportName: null,
  primaryKey: 'attribute',
  keyType: 'String',
  sealed: true,
  expiration: null,
  attributes: [
    {
      name: 'attribute',
      type: { kind: 'scalar', name: 'String' },
      list: false,
      nonNull: true,
      elementNonNull: false,
      primaryKey: true,
      indexed: false,
      timestamp: null,
      relationship: null,
    },
    {
      name: 'version',
      type: { kind: 'scalar', name: 'Long' },
      list: false,
      nonNull: true,
      elementNonNull: false,
      primaryKey: false,
      indexed: false,
      timestamp: null,
      relationship: null,
    },
  ],
};

/** The computed attributes of a table, in declaration order. */
export function computedAttributes(table: TableMeta): readonly AttributeMeta[] {
  return table.attributes.filter((attribute) => attribute.computed !== undefined);
}

/**
 * The hooks with each table's computed functions beside them (`computed`), as the tables read
 * them. Refuses (throws) when a computed attribute has no function: the generated `src/computed.ts`
 * is type-checked to have one for each, so only hand-written wiring can miss one.
 */
export function withComputed(
  schema: SchemaMeta,
  hooks: RuntimeHooks,
  computed: RuntimeComputed,
): RuntimeHooks {
  const result: Record<string, RuntimeHooks[string]> = { ...hooks };
  for (const table of schema.tables) {
    const attributes = computedAttributes(table);
    if (attributes.length === 0) continue;
    const functions: Record<string, ComputeFunction> = {};
    for (const attribute of attributes) {
      const compute = computed[table.name]?.[attribute.name];
      if (typeof compute !== 'function') {
        throw new Error(
          `${table.name}.${attribute.name} is @computed, but src/computed.ts gives no function for it; add ${table.name}: { ${attribute.name}: (record) => … }`,
        );
      }
      functions[attribute.name] = compute as ComputeFunction;
    }
    result[table.name] = { ...hooks[table.name], computed: functions };
  }
  return result;
}

export interface RecomputeOptions {
  /** Records computed per write transaction. */
  readonly batch: number;
  readonly log: (line: string) => void;
}

/**
 * Computes again, for every stored record, the computed attributes that are new or whose
 * `version:` changed since the values were computed, then records their versions. Each batch is
 * one transaction that writes only the records whose values change (their index entries with
 * them, and a commit that subscribers hear of). A function that throws for a stored record stops
 * it: the error names the record.
 */
export async function recomputeChanged(
  tables: Iterable<AnyTable>,
  store: Store,
  options: RecomputeOptions,
): Promise<void> {
  for (const table of tables) {
    const attributes = computedAttributes(table.meta);
    if (attributes.length === 0) continue;
    const stale: {
      readonly label: string;
      readonly from: number | undefined;
      readonly to: number;
    }[] = [];
    const read = store.read();
    for (const attribute of attributes) {
      const label = `${table.name}.${attribute.name}`;
      const stored = (await read.get(COMPUTED_TABLE.name, label))?.value.version;
      const kept = typeof stored === 'number' ? stored : undefined;
      const version = attribute.computed!.version;
      if (kept !== version) stale.push({ label, from: kept, to: version });
    }
    if (stale.length === 0) continue;
    const started = Date.now();
    const total = await read.count(table.name);
    options.log(
      `computing ${stale
        .map(({ label, from, to }) =>
          from === undefined
            ? `${label} (new, version ${to})`
            : `${label} (version ${from} → ${to})`,
        )
        .join(', ')} for the ${total} records of ${table.name}`,
    );
    let changed = 0;
    let after: Key | undefined;
    for (;;) {
      const keys = await nextKeys(store, table.name, after, options.batch);
      if (keys.length === 0) break;
      const { value } = await store.write(async (txn) => {
        let written = 0;
        for (const key of keys) if (await table.recompute(txn, key)) written++;
        return written;
      });
      changed += value;
      after = keys[keys.length - 1];
    }
    await store.write((txn) => {
      for (const { label, to } of stale)
        txn.put(COMPUTED_TABLE.name, label, { attribute: label, version: to });
    });
    options.log(
      `computed ${stale.map(({ label }) => label).join(', ')}: ${changed} of ${total} records changed (${Date.now() - started} ms)`,
    );
  }
}

/** Up to `count` keys of `table` after `after`, in key order. */
async function nextKeys(
  store: Store,
  table: string,
  after: Key | undefined,
  count: number,
): Promise<Key[]> {
  const keys: Key[] = [];
  const range = after === undefined ? undefined : { start: { value: after, inclusive: false } };
  for await (const batch of store.read().scan(table, range, { expected: count })) {
    for (const entry of batch) {
      keys.push(entry.key);
      if (keys.length === count) return keys;
    }
  }
  return keys;
}
