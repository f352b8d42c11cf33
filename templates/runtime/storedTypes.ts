/**
 * Stored values that no longer fit the schema (contract section 11). Records are never rewritten
 * when an attribute's type changes (`Int` → `String`), so the ones stored before keep their
 * old-typed values, which the new type's conditions do not match. This module finds them (the
 * check on start, `npm run verify`) and converts them (`npm run convert`): a value converts when
 * nothing is lost (`"12"` → 12, 12 → `"12"`, an ISO date text → a date, a date → its ISO text);
 * the others are cleared on request or reported. Engine-independent: it reads and writes through
 * the store's interface, so indexes, the commit log and subscribers see ordinary commits.
 */
import { isDeepStrictEqual } from 'node:util';
import { log } from './log.js';
import { graphqlType, type AttributeMeta, type SchemaMeta, type TableMeta } from './meta.js';
import { storesValues } from './store/evolution.js';
import { openStoreBeside } from './store/beside.js';
import { indexValueOf } from './store/indexValues.js';
import { otherHolder } from './store/unique.js';
import type { Key, Store, StoredValue, WriteTxn } from './store/types.js';
import { RecordValidator } from './validate.js';

/** How a stored value stands to its attribute's declared type. */
export type Fit =
  | { readonly kind: 'fits' }
  /** It does not fit as stored, but `value` (its stored form in the new type) says the same. */
  | { readonly kind: 'convertible'; readonly value: unknown }
  /** Nothing of the new type says the same: it can only be cleared. */
  | { readonly kind: 'misfit' };

const FITS: Fit = { kind: 'fits' };
const MISFIT: Fit = { kind: 'misfit' };

/** Keys of the records that do not fit, listed in a log line or a command's output. */
export const SAMPLE_KEYS = 5;

/** Checks stored values against the schema, with one validator per table. */
export class StoredTypes {
  private readonly validators = new Map<string, RecordValidator>();

  constructor(private readonly schema: SchemaMeta) {}

  /** The attributes of `table` whose stored values are checked (see `storesValues`). */
  checkedAttributes(table: TableMeta): AttributeMeta[] {
    return table.attributes.filter(storesValues);
  }

  /** How `value`, stored in `attribute` of `table`, fits the attribute's type. Absent values fit. */
  fit(table: TableMeta, attribute: AttributeMeta, value: unknown): Fit {
    if (value === null || value === undefined) return FITS;
    const validator = this.validatorOf(table);
    const stored = validator.storedForm(attribute, value);
    if (stored !== undefined) {
      // `===` as well: -0 is stored as 0, which is no change to convert.
      return stored.value === value || isDeepStrictEqual(stored.value, value)
        ? FITS
        : { kind: 'convertible', value: stored.value };
    }
    const converted = convertValue(attribute, value);
    if (converted === undefined) return MISFIT;
    const again = validator.storedForm(attribute, converted);
    return again === undefined ? MISFIT : { kind: 'convertible', value: again.value };
  }

  private validatorOf(table: TableMeta): RecordValidator {
    let validator = this.validators.get(table.name);
    if (validator === undefined) {
      validator = new RecordValidator(this.schema, table);
      this.validators.set(table.name, validator);
    }
    return validator;
  }
}

/**
 * `value` written in the attribute's type when that loses nothing (converting it back gives the
 * same value), else undefined. The validator's own conversions (ISO text to a date, an integer to
 * a `BigInt`, base64 to bytes) need nothing here; these are the ones a write never makes.
 */
function convertValue(attribute: AttributeMeta, value: unknown): unknown {
  if (attribute.type.kind !== 'scalar') return undefined;
  const name = attribute.type.name;
  if (attribute.list !== Array.isArray(value)) return undefined;
  if (Array.isArray(value)) {
    const elements = value.map((element: unknown) =>
      element === null ? null : convertScalar(name, element),
    );
    return elements.includes(undefined) ? undefined : elements;
  }
  return convertScalar(name, value);
}

function convertScalar(name: string, value: unknown): unknown {
  switch (name) {
    case 'String':
    case 'ID':
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
      return undefined;
    case 'Int':
    case 'Long':
    case 'Float': {
      if (typeof value !== 'string') return undefined;
      const number = Number(value);
      // Only the number's own text: `"12"`, not `"12.0"`, `" 12"` or `"0x0c"`.
      return value !== '' && String(number) === value ? number : undefined;
    }
    case 'Boolean':
      return value === 'true' ? true : value === 'false' ? false : undefined;
    default:
      return undefined;
  }
}

/** The records of one attribute whose values do not fit its type. */
export interface Misfits {
  /** `Table.attribute`. */
  readonly name: string;
  /** The attribute's type as the schema writes it (`String`, `[Int]`). */
  readonly type: string;
  readonly count: number;
  /** How many of them convert without loss. */
  readonly convertible: number;
  /** The first few keys (`SAMPLE_KEYS`). */
  readonly keys: readonly Key[];
}

/**
 * Reads every record of the tables that `names` (`Table.attribute`) name, in the store's batches
 * (nothing is held open between two), and counts the values of those attributes that do not fit.
 * Names the schema does not declare are left out. Undefined when `signal` aborted the reading.
 */
export async function findMisfits(
  store: Store,
  schema: SchemaMeta,
  names: readonly string[],
  signal?: AbortSignal,
): Promise<Misfits[] | undefined> {
  const types = new StoredTypes(schema);
  const found: Misfits[] = [];
  for (const { table, attributes } of targetsOf(schema, names)) {
    const counts = attributes.map((attribute) => ({
      attribute,
      count: 0,
      convertible: 0,
      keys: [] as Key[],
    }));
    for await (const batch of store.read().scan(table.name)) {
      if (signal?.aborted === true) return undefined;
      for (const entry of batch) {
        for (const tally of counts) {
          const fit = types.fit(table, tally.attribute, entry.value[tally.attribute.name]);
          if (fit.kind === 'fits') continue;
          tally.count++;
          if (fit.kind === 'convertible') tally.convertible++;
          if (tally.keys.length < SAMPLE_KEYS) tally.keys.push(entry.key);
        }
      }
    }
    for (const tally of counts) {
      found.push({
        name: `${table.name}.${tally.attribute.name}`,
        type: graphqlType(tally.attribute),
        count: tally.count,
        convertible: tally.convertible,
        keys: tally.keys,
      });
    }
  }
  return found;
}

/** The tables and attributes `names` (`Table.attribute`) name, in schema order. */
function targetsOf(
  schema: SchemaMeta,
  names: readonly string[],
): { table: TableMeta; attributes: AttributeMeta[] }[] {
  const targets: { table: TableMeta; attributes: AttributeMeta[] }[] = [];
  for (const table of schema.tables) {
    const attributes = table.attributes.filter(
      (attribute) => storesValues(attribute) && names.includes(`${table.name}.${attribute.name}`),
    );
    if (attributes.length > 0) targets.push({ table, attributes });
  }
  return targets;
}

/** The start-up report of one attribute's misfits: a line for the log. */
export function misfitLine(misfits: Misfits): string {
  const one = misfits.count === 1;
  const keys = misfits.keys.map((key) => JSON.stringify(key)).join(', ');
  const more = misfits.count > misfits.keys.length ? ', …' : '';
  return (
    `schema: ${misfits.name} has ${misfits.count} stored record${one ? ' whose value does' : 's whose values do'} not fit its type ${misfits.type} ` +
    `(key${one ? '' : 's'} ${keys}${more}); conditions on ${misfits.name} do not match ${one ? 'it until it is' : 'them until they are'} converted, ` +
    `and ${misfits.convertible} of ${misfits.count} can be converted without loss: npm run convert -- ${misfits.name} (--clear clears the others)`
  );
}

/**
 * The check on start: reads the records of every attribute whose type changed while records were
 * stored (`Store.retypedAttributes`), logs a line for each that holds values of another type, and
 * forgets the ones that hold none, so that later starts read nothing. `signal` stops it between
 * two batches (the server is stopping), reporting nothing.
 */
export async function checkRetyped(
  store: Store,
  schema: SchemaMeta,
  signal?: AbortSignal,
): Promise<void> {
  const names = store.retypedAttributes?.() ?? [];
  if (names.length === 0) return;
  const found = await findMisfits(store, schema, names, signal);
  // The server is stopping: the next start checks again.
  if (found === undefined) return;
  const settled: string[] = [];
  for (const misfits of found) {
    if (misfits.count === 0) {
      settled.push(misfits.name);
      log.info(`schema: every stored value of ${misfits.name} fits its type ${misfits.type}`);
    } else {
      log.warn(misfitLine(misfits), {
        attribute: misfits.name,
        records: misfits.count,
        convertible: misfits.convertible,
      });
    }
  }
  // A name the schema no longer declares has nothing to check either.
  const declared = new Set(found.map((misfits) => misfits.name));
  settled.push(...names.filter((name) => !declared.has(name)));
  if (settled.length > 0) await store.settleRetyped?.(settled);
}

/** What `convertAttribute` did. */
export interface ConvertResult {
  readonly name: string;
  readonly type: string;
  readonly converted: number;
  readonly cleared: number;
  /** Records whose value neither converts nor was cleared (a required attribute, or no --clear). */
  readonly left: number;
  readonly leftKeys: readonly Key[];
  /** Records of a `@unique` attribute whose converted value another record already holds. */
  readonly duplicates: number;
  readonly duplicateKeys: readonly Key[];
}

/**
 * Converts the stored values of `table.attribute` that do not fit its type and convert without
 * loss; with `clear`, removes the others from their records (a required attribute keeps them:
 * they are reported). Each batch of records is one ordinary write transaction, which reads every
 * record again, so a record written meanwhile is converted as it now is.
 */
export async function convertAttribute(
  store: Store,
  schema: SchemaMeta,
  table: TableMeta,
  attribute: AttributeMeta,
  clear: boolean,
): Promise<ConvertResult> {
  const types = new StoredTypes(schema);
  const name = attribute.name;
  let converted = 0;
  let cleared = 0;
  let left = 0;
  const leftKeys: Key[] = [];
  let duplicates = 0;
  const duplicateKeys: Key[] = [];
  for await (const batch of store.read().scan(table.name)) {
    const keys = batch
      .filter((entry) => types.fit(table, attribute, entry.value[name]).kind !== 'fits')
      .map((entry) => entry.key);
    if (keys.length === 0) continue;
    const { value: outcome } = await store.write(async (txn) => {
      const counts = { converted: 0, cleared: 0, left: [] as Key[], duplicates: [] as Key[] };
      for (const entry of await txn.getMany(table.name, keys)) {
        if (entry === undefined) continue;
        const fit = types.fit(table, attribute, entry.value[name]);
        if (fit.kind === 'convertible') {
          if (
            attribute.unique === true &&
            (await heldByAnother(txn, table, attribute, entry.key, fit.value))
          ) {
            counts.duplicates.push(entry.key);
            continue;
          }
          txn.put(table.name, entry.key, { ...entry.value, [name]: fit.value });
          counts.converted++;
        } else if (fit.kind === 'misfit' && clear && !attribute.nonNull) {
          txn.put(table.name, entry.key, without(entry.value, name));
          counts.cleared++;
        } else if (fit.kind === 'misfit') {
          counts.left.push(entry.key);
        }
      }
      return counts;
    });
    converted += outcome.converted;
    cleared += outcome.cleared;
    left += outcome.left.length;
    duplicates += outcome.duplicates.length;
    for (const key of outcome.left) if (leftKeys.length < SAMPLE_KEYS) leftKeys.push(key);
    for (const key of outcome.duplicates)
      if (duplicateKeys.length < SAMPLE_KEYS) duplicateKeys.push(key);
  }
  return {
    name: `${table.name}.${name}`,
    type: graphqlType(attribute),
    converted,
    cleared,
    left,
    leftKeys,
    duplicates,
    duplicateKeys,
  };
}

/**
 * Whether a record other than `key` holds `value` in the `@unique` attribute's index: converting
 * would give two records one value (the transaction's range read makes a concurrent write of it
 * run one of the two again).
 */
async function heldByAnother(
  txn: WriteTxn,
  table: TableMeta,
  attribute: AttributeMeta,
  key: Key,
  value: unknown,
): Promise<boolean> {
  const indexed = indexValueOf(value);
  if (indexed === undefined || indexed === null) return false;
  return (await otherHolder(txn, table.name, attribute.name, indexed, key)) !== undefined;
}

function without(record: StoredValue, name: string): StoredValue {
  const rest: StoredValue = {};
  for (const [attribute, value] of Object.entries(record)) {
    if (attribute !== name) rest[attribute] = value;
  }
  return rest;
}

/** `Table.attribute` of the schema, or a sentence saying why `text` names none. */
export function attributeNamed(
  schema: SchemaMeta,
  text: string,
): { table: TableMeta; attribute: AttributeMeta } | string {
  const dot = text.indexOf('.');
  const table = dot < 0 ? undefined : schema.tables.find((t) => t.name === text.slice(0, dot));
  if (table === undefined || table.name.startsWith('$')) {
    return `"${text}" names no table: write it as <Table>.<attribute>, such as ${exampleName(schema)}`;
  }
  const attribute = table.attributes.find((candidate) => candidate.name === text.slice(dot + 1));
  if (attribute === undefined || !storesValues(attribute)) {
    const names = table.attributes.filter(storesValues).map((candidate) => candidate.name);
    return `${table.name} has no stored attribute "${text.slice(dot + 1)}"; its stored attributes are: ${names.join(', ')}`;
  }
  return { table, attribute };
}

function exampleName(schema: SchemaMeta): string {
  for (const table of schema.tables) {
    const attribute = table.attributes.find(storesValues);
    if (attribute !== undefined && !table.name.startsWith('$'))
      return `${table.name}.${attribute.name}`;
  }
  return 'Product.price';
}

const CONVERT_USAGE = 'usage: npm run convert -- <Table>.<attribute> [--clear]';

/**
 * `npm run convert -- <Table>.<attribute> [--clear]`: converts the attribute's stored values that
 * do not fit its type, through ordinary writes to the store the configuration names (`DATA_DIR`,
 * or `DATABASE_URL`); a running server hears of them as of any other process's commits. Resolves
 * with the exit code: 0 when no value is left that does not fit, 1 when some are, 2 on bad usage.
 */
export async function runConvert(
  schema: SchemaMeta,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const clear = args.includes('--clear');
  const rest = args.filter((arg) => arg !== '--clear');
  if (rest.length !== 1 || rest[0]!.startsWith('-')) {
    console.error(CONVERT_USAGE);
    return 2;
  }
  const target = attributeNamed(schema, rest[0]!);
  if (typeof target === 'string') {
    console.error(`${target}\n${CONVERT_USAGE}`);
    return 2;
  }
  let store: Store;
  try {
    store = await openStoreBeside(schema, env);
  } catch (error) {
    console.error(
      `cannot open the store: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  try {
    const result = await convertAttribute(store, schema, target.table, target.attribute, clear);
    console.log(
      `${result.name} (${result.type}): ${result.converted} converted, ${result.cleared} cleared, ${result.left + result.duplicates} left`,
    );
    if (result.duplicates > 0) {
      const keys = result.duplicateKeys.map((key) => JSON.stringify(key)).join(', ');
      console.error(
        `${result.duplicates} record${result.duplicates === 1 ? '' : 's'} (keys ${keys}${result.duplicates > result.duplicateKeys.length ? ', …' : ''}) would hold a value that another record already holds in ${result.name}, which is @unique: write them with new values`,
      );
    }
    if (result.left === 0) return result.duplicates === 0 ? 0 : 1;
    const keys = result.leftKeys.map((key) => JSON.stringify(key)).join(', ');
    console.error(
      `${result.left} record${result.left === 1 ? '' : 's'} still hold values that do not fit ${result.type} (keys ${keys}${result.left > result.leftKeys.length ? ', …' : ''}): ` +
        (target.attribute.nonNull
          ? `${result.name} is required, so they cannot be cleared; write them with new values`
          : 'run again with --clear to clear them, or write them with new values'),
    );
    return 1;
  } finally {
    await store.close();
  }
}
