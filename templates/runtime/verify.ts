/**
 * Store verification (contract section 9: "the store is never left half-written"). Reads a data
 * directory read-only, rebuilds every secondary index in memory from the records, and compares it
 * with the stored index: entries missing, entries that the record does not hold, entries pointing
 * at no record. It also checks every record against its table (key type, key attribute, version)
 * and the counters that generate numeric keys. `npm run verify` in a generated server runs it.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { CONFIG_VARIABLES } from './config.js';
import { graphqlType, type SchemaMeta, type TableMeta } from './meta.js';
import { indexValuesOf } from './store/indexValues.js';
import { openLmdbSnapshot, type LmdbSnapshot } from './store/lmdbSnapshot.js';
import { StoredTypes } from './storedTypes.js';

export type ProblemKind =
  /** A table's or a declared index's database is not in the environment. */
  | 'missing-database'
  /** A record's key does not fit its table's key type, or differs from its key attribute. */
  | 'invalid-key'
  /** A stored value that is not a record, or a record without a usable version. */
  | 'invalid-record'
  /** A record's version is not below the persisted version floor (versions could repeat). */
  | 'version-floor'
  /** The record holds a value that its index does not list. */
  | 'missing-index-entry'
  /** The index lists a value for a record that does not hold it. */
  | 'extra-index-entry'
  /** The index lists a key that has no record. */
  | 'dangling-index-entry'
  /** A numeric-key table's stored next key is not a usable integer. */
  | 'key-counter'
  /**
   * The commit log disagrees with the tables: an entry that is not a commit, versions out of
   * order, or a record that is not what the last commit writing it left.
   */
  | 'commit-log'
  /**
   * A record holds a value that does not fit its attribute's declared type: it was stored before
   * the type changed (contract section 11); `npm run convert` converts or clears it.
   */
  | 'type-mismatch';

export interface VerifyProblem {
  readonly kind: ProblemKind;
  /** The table's type name. */
  readonly table: string;
  /** The indexed attribute, for index problems. */
  readonly attribute?: string;
  readonly message: string;
}

export interface TableSummary {
  /** The table's type name. */
  readonly table: string;
  readonly records: number;
  /** Indexes compared (an index the store has not built yet is not compared). */
  readonly indexes: number;
  readonly indexEntries: number;
  /** Numeric-key tables: the stored next key (null when none was generated) and the highest key. */
  readonly keyCounter?: { readonly next: number | null; readonly maxKey: number | null };
}

export interface VerifyReport {
  readonly dataDir: string;
  /** True when no problem was found. */
  readonly ok: boolean;
  readonly tables: readonly TableSummary[];
  /** The first problems found (at most `MAX_LISTED_PROBLEMS`); `problemCount` counts them all. */
  readonly problems: readonly VerifyProblem[];
  readonly problemCount: number;
  /** Observations that are not problems (an index not built yet, keys chosen above the counter). */
  readonly notes: readonly string[];
  /** SHA-256 of every record's key, value and version: equal digests mean an unchanged store. */
  readonly digest: string;
}

/** A change as the commit log stores it. */
interface LoggedChange {
  readonly table: string;
  readonly key: unknown;
  readonly type: 'put' | 'delete';
  readonly value?: unknown;
  readonly version: number;
}

/** A badly damaged store could yield millions of problems; the report lists the first ones. */
export const MAX_LISTED_PROBLEMS = 200;
const MAX_VALUE_TEXT = 60;

/** Verifies the store in `dataDir`; it only reads, so the server may be running. */
export async function verifyStore(schema: SchemaMeta, dataDir: string): Promise<VerifyReport> {
  const snapshot = openLmdbSnapshot(dataDir);
  try {
    // Synchronous from here to the report, so every read sees the same committed state.
    return new Verification(schema, snapshot, dataDir).run();
  } finally {
    await snapshot.close();
  }
}

class Verification {
  private readonly problems: VerifyProblem[] = [];
  private problemCount = 0;
  private readonly notes: string[] = [];
  private readonly digest = createHash('sha256');
  private readonly versionFloor: number | undefined;
  private readonly storedTypes: StoredTypes;

  constructor(
    private readonly schema: SchemaMeta,
    private readonly snapshot: LmdbSnapshot,
    private readonly dataDir: string,
  ) {
    this.storedTypes = new StoredTypes(schema);
    const floor = snapshot.versionFloor();
    this.versionFloor = typeof floor === 'number' ? floor : undefined;
  }

  run(): VerifyReport {
    const tables = this.schema.tables.map((table) => this.verifyTable(table));
    this.verifyLog();
    return {
      dataDir: this.dataDir,
      ok: this.problemCount === 0,
      tables,
      problems: this.problems,
      problemCount: this.problemCount,
      notes: this.notes,
      digest: this.digest.digest('hex'),
    };
  }

  /**
   * The log and the tables are written in one transaction: the last change the log holds for a
   * record is the record as stored (same version and value), or its absence for a delete.
   */
  private verifyLog(): void {
    const last = new Map<string, { table: TableMeta; key: unknown; change: LoggedChange }>();
    let previous = -Infinity;
    for (const { position, value } of this.snapshot.commits()) {
      const commit = value as { version?: unknown; changes?: unknown } | null;
      const version = commit?.version;
      if (typeof version !== 'number' || !Array.isArray(commit?.changes)) {
        this.report({
          kind: 'commit-log',
          table: '',
          message: `log entry ${show(position)} is not a commit`,
        });
        continue;
      }
      if (version <= previous) {
        this.report({
          kind: 'commit-log',
          table: '',
          message: `log entry ${show(position)} has version ${version}, not after the one before it (${previous})`,
        });
      }
      previous = version;
      for (const change of commit.changes as LoggedChange[]) {
        const table = this.schema.tables.find((candidate) => candidate.name === change.table);
        // A table the schema no longer has: its records are not checked either.
        if (table === undefined) continue;
        last.set(`${change.table}\u0000${typeof change.key}\u0000${String(change.key)}`, {
          table,
          key: change.key,
          change,
        });
      }
    }
    const stored = new Map<string, Map<unknown, { value: unknown; version: number | undefined }>>();
    for (const { table, key, change } of last.values()) {
      let records = stored.get(table.name);
      if (records === undefined) {
        records = new Map();
        for (const record of this.snapshot.records(table)) records.set(record.key, record);
        stored.set(table.name, records);
      }
      const record = records.get(key);
      if (change.type === 'delete') {
        if (record !== undefined) {
          this.report({
            kind: 'commit-log',
            table: table.name,
            message: `record ${show(key)} exists, but the last commit the log holds for it deleted it`,
          });
        }
      } else if (record === undefined) {
        this.report({
          kind: 'commit-log',
          table: table.name,
          message: `record ${show(key)} is missing, but the last commit the log holds for it wrote it`,
        });
      } else if (
        record.version !== change.version ||
        !isDeepStrictEqual(record.value, change.value)
      ) {
        this.report({
          kind: 'commit-log',
          table: table.name,
          message: `record ${show(key)} is not what the last commit the log holds for it wrote (version ${String(record.version)}, the log's ${String(change.version)})`,
        });
      }
    }
  }

  private verifyTable(table: TableMeta): TableSummary {
    const name = table.name;
    if (!this.snapshot.hasTable(table)) {
      this.report({
        kind: 'missing-database',
        table: name,
        message: 'the records database does not exist',
      });
    }
    const indexed = this.comparedIndexes(table);
    // Per index: the entries the records call for, by identity.
    const expected = new Map(indexed.map((attribute) => [attribute, new Map<string, Entry>()]));
    const keys = new Set<string>();
    const numericKeys = isNumericKeyType(table);
    let maxKey: number | null = null;
    let records = 0;

    for (const { key, value, version } of this.snapshot.records(table)) {
      records++;
      const id = canonical(key);
      keys.add(id);
      this.digest.update(`${name}\0${id}\0${canonical(value)}\0${String(version)}\n`);
      this.checkKey(table, key, value);
      if (numericKeys && typeof key === 'number' && (maxKey === null || key > maxKey)) maxKey = key;
      if (!isRecord(value)) {
        this.report({
          kind: 'invalid-record',
          table: name,
          message: `key ${show(key)} holds ${show(value)}, not a record`,
        });
        continue;
      }
      this.checkVersion(table, key, version);
      this.checkTypes(table, key, value);
      for (const [attribute, entries] of expected) {
        for (const indexValue of indexValuesOf(value[attribute])) {
          entries.set(canonical([indexValue, key]), { value: indexValue, key });
        }
      }
    }

    let indexEntries = 0;
    for (const [attribute, entries] of expected) {
      indexEntries += this.compareIndex(table, attribute, entries, keys);
    }
    const summary: TableSummary = { table: name, records, indexes: indexed.length, indexEntries };
    if (!numericKeys) return summary;
    return { ...summary, keyCounter: this.checkKeyCounter(table, maxKey) };
  }

  /** The declared indexes that exist and are built; the others are reported and left out. */
  private comparedIndexes(table: TableMeta): string[] {
    const compared: string[] = [];
    for (const attribute of indexedAttributes(table)) {
      const state = this.snapshot.indexState(table, attribute);
      if (state === 'missing') {
        this.report({
          kind: 'missing-database',
          table: table.name,
          attribute,
          message: 'the index database does not exist',
        });
      } else if (state === 'unbuilt') {
        this.notes.push(
          `${table.name}.${attribute} is not built yet: the server builds it from the records when it starts`,
        );
      } else {
        compared.push(attribute);
      }
    }
    return compared;
  }

  /** Compares a stored index with the entries its records call for; returns the stored entry count. */
  private compareIndex(
    table: TableMeta,
    attribute: string,
    expected: Map<string, Entry>,
    keys: ReadonlySet<string>,
  ): number {
    let stored = 0;
    for (const entry of this.snapshot.indexEntries(table, attribute)) {
      stored++;
      const id = canonical([entry.value, entry.key]);
      if (expected.delete(id)) continue;
      const entryText = `${show(entry.value)} → key ${show(entry.key)}`;
      if (keys.has(canonical(entry.key))) {
        this.report({
          kind: 'extra-index-entry',
          table: table.name,
          attribute,
          message: `index entry ${entryText}: the record does not hold that value`,
        });
      } else {
        this.report({
          kind: 'dangling-index-entry',
          table: table.name,
          attribute,
          message: `index entry ${entryText} points at no record`,
        });
      }
    }
    for (const entry of expected.values()) {
      this.report({
        kind: 'missing-index-entry',
        table: table.name,
        attribute,
        message: `record ${show(entry.key)} holds ${show(entry.value)}, which the index does not list`,
      });
    }
    return stored;
  }

  private checkKey(table: TableMeta, key: unknown, value: unknown): void {
    const problem = keyProblem(table, key);
    if (problem !== undefined) {
      this.report({
        kind: 'invalid-key',
        table: table.name,
        message: `key ${show(key)} ${problem}`,
      });
    } else if (isRecord(value) && value[table.primaryKey] !== key) {
      this.report({
        kind: 'invalid-key',
        table: table.name,
        message: `record ${show(key)} has ${table.primaryKey} ${show(value[table.primaryKey])}`,
      });
    }
  }

  /** Every stored attribute's value against its declared type (absent and null values fit). */
  private checkTypes(table: TableMeta, key: unknown, record: Record<string, unknown>): void {
    for (const attribute of this.storedTypes.checkedAttributes(table)) {
      const value = record[attribute.name];
      const fit = this.storedTypes.fit(table, attribute, value);
      if (fit.kind === 'fits') continue;
      const name = `${table.name}.${attribute.name}`;
      this.report({
        kind: 'type-mismatch',
        table: table.name,
        attribute: attribute.name,
        message: `record ${show(key)} holds ${show(value)}, which does not fit ${graphqlType(attribute)}; ${
          fit.kind === 'convertible'
            ? `npm run convert -- ${name} converts it`
            : `it does not convert: npm run convert -- ${name} --clear clears it`
        }`,
      });
    }
  }

  private checkVersion(table: TableMeta, key: unknown, version: number | undefined): void {
    if (version === undefined || !Number.isFinite(version) || version <= 0) {
      this.report({
        kind: 'invalid-record',
        table: table.name,
        message: `record ${show(key)} has no valid version`,
      });
    } else if (this.versionFloor !== undefined && version >= this.versionFloor) {
      this.report({
        kind: 'version-floor',
        table: table.name,
        message: `record ${show(key)} has version ${version}, not below the stored floor ${this.versionFloor}`,
      });
    }
  }

  /**
   * The stored next key must be a positive integer. It may lie at or below the highest key: keys
   * chosen by clients (PUT /T/100) are not counted, and the store then continues above the highest.
   */
  private checkKeyCounter(
    table: TableMeta,
    maxKey: number | null,
  ): { next: number | null; maxKey: number | null } {
    const counter = this.snapshot.keyCounter(table);
    if (counter === undefined) return { next: null, maxKey };
    if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 1) {
      this.report({
        kind: 'key-counter',
        table: table.name,
        message: `the stored next key is ${show(counter)}`,
      });
      return { next: null, maxKey };
    }
    if (maxKey !== null && counter <= maxKey) {
      this.notes.push(
        `${table.name}: keys up to ${maxKey} were chosen by clients, above the stored next key ${counter}; the next generated key is ${Math.floor(maxKey) + 1}`,
      );
    }
    return { next: counter, maxKey };
  }

  private report(problem: VerifyProblem): void {
    this.problemCount++;
    if (this.problems.length < MAX_LISTED_PROBLEMS) this.problems.push(problem);
  }
}

interface Entry {
  readonly value: unknown;
  readonly key: unknown;
}

/** The report as a person reads it: one summary line when consistent, every problem otherwise. */
export function formatVerifyReport(report: VerifyReport): string {
  const records = report.tables.reduce((sum, table) => sum + table.records, 0);
  const indexes = report.tables.reduce((sum, table) => sum + table.indexes, 0);
  const entries = report.tables.reduce((sum, table) => sum + table.indexEntries, 0);
  const counts = `${report.tables.length} tables, ${records} records, ${indexes} indexes with ${entries} entries`;
  const notes = report.notes.map((note) => `note: ${note}`);
  if (report.ok) {
    return [
      `${report.dataDir}: consistent (${counts}; digest ${report.digest.slice(0, 16)})`,
      ...notes,
    ].join('\n');
  }
  const lines = [
    `${report.dataDir}: ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'} (${counts})`,
  ];
  for (const problem of report.problems) {
    const where =
      problem.attribute === undefined ? problem.table : `${problem.table}.${problem.attribute}`;
    lines.push(`  ${where}: ${problem.message} [${problem.kind}]`);
  }
  const unlisted = report.problemCount - report.problems.length;
  if (unlisted > 0) lines.push(`  … and ${unlisted} more`);
  return [...lines, ...notes].join('\n');
}

/**
 * `npm run verify [dataDir]`: verifies the store in `dataDir` (default: `DATA_DIR`, as the server
 * reads it). Prints the report; resolves with the exit code: 0 when consistent, 1 otherwise.
 */
export async function runVerify(
  schema: SchemaMeta,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const fallback =
    CONFIG_VARIABLES.find((variable) => variable.name === 'DATA_DIR')?.default ?? './data';
  const dataDir = args[0] ?? (env['DATA_DIR']?.trim() || fallback);
  let report: VerifyReport;
  try {
    report = await verifyStore(schema, dataDir);
  } catch (error) {
    console.error(
      `cannot verify ${dataDir}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  if (report.ok) {
    console.log(formatVerifyReport(report));
    return 0;
  }
  console.error(formatVerifyReport(report));
  return 1;
}

function indexedAttributes(table: TableMeta): string[] {
  return table.attributes
    .filter(
      (attribute) => attribute.indexed && attribute.relationship === null && !attribute.primaryKey,
    )
    .map((attribute) => attribute.name);
}

function isNumericKeyType(table: TableMeta): boolean {
  return table.keyType === 'Int' || table.keyType === 'Long' || table.keyType === 'Float';
}

/** Why `key` cannot be a key of `table`, or undefined when it can. */
function keyProblem(table: TableMeta, key: unknown): string | undefined {
  switch (table.keyType) {
    case 'Int':
      return Number.isInteger(key) && (key as number) >= -(2 ** 31) && (key as number) < 2 ** 31
        ? undefined
        : 'is not an Int';
    case 'Long':
      return Number.isInteger(key) && Math.abs(key as number) <= 2 ** 53
        ? undefined
        : 'is not a Long';
    case 'Float':
      return typeof key === 'number' && Number.isFinite(key) ? undefined : 'is not a Float';
    default:
      return typeof key === 'string' && key !== ''
        ? undefined
        : `is not a non-empty string (${table.keyType})`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON, with big integers kept apart from numbers and strings: a text that tells apart any two
 * distinct keys or index values (`1` and `"1"` included), and the digest's form of a record.
 */
function canonical(value: unknown): string {
  return (
    // JSON.stringify gives undefined for undefined, whatever its type says.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    JSON.stringify(value, (_name, element: unknown) =>
      typeof element === 'bigint' ? { $bigint: element.toString() } : element,
    ) ?? String(value)
  );
}

function show(value: unknown): string {
  const text = canonical(value);
  return text.length <= MAX_VALUE_TEXT ? text : `${text.slice(0, MAX_VALUE_TEXT)}…`;
}
