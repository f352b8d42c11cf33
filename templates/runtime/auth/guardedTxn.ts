/**
 * The store as one role may read it: the records its row rules hide do not exist, the attributes
 * it may not read are absent, and a table it may not read is empty. Every read a client's request
 * makes (the record, the query's candidates, the relationships `select()` and conditions follow,
 * the counts of `Content-Range` and of the description) goes through this view, so that no path
 * can answer with what the role may not see, nor count it, nor match a condition with it.
 *
 * Index walks hand out keys without records: on a table with a row rule, each entry's record is
 * read and checked before its key is handed out, so a join through an index matches only rows
 * the role may see. Counts without a limit count what the role sees; a count with a limit and the
 * estimates only compare selectivities in the planner, and pass unchanged.
 */
import type {
  Batches,
  IndexEntry,
  IndexRange,
  Key,
  KeyRange,
  ReadTxn,
  RecordEntry,
  ScanOptions,
} from '../store/types.js';
import { countOf, entriesKept, plannerHints } from '../store/views.js';
import type { Access } from './policy.js';

/** `txn` as `access` may read it; `txn` itself for a role that reads everything. */
export function guardedReads(txn: ReadTxn, access: Access): ReadTxn {
  return access.superUser ? txn : new GuardedTxn(txn, access);
}

class GuardedTxn implements ReadTxn {
  readonly estimateIndex?: ReadTxn['estimateIndex'];
  readonly estimateCount?: ReadTxn['estimateCount'];
  readonly indexReady?: ReadTxn['indexReady'];

  constructor(
    private readonly inner: ReadTxn,
    private readonly access: Access,
  ) {
    Object.assign(this, plannerHints(inner));
  }

  async get(table: string, key: Key): Promise<RecordEntry | undefined> {
    const entry = await this.inner.get(table, key);
    return entry === undefined ? undefined : this.view(table, entry);
  }

  async getMany(table: string, keys: readonly Key[]): Promise<(RecordEntry | undefined)[]> {
    const policy = this.access.table(table);
    if (policy.read === false) return keys.map(() => undefined);
    const entries = await this.inner.getMany(table, keys);
    return policy.readsAll
      ? entries
      : entries.map((entry) => (entry === undefined ? undefined : this.view(table, entry)));
  }

  async *scan(table: string, range?: KeyRange, options?: ScanOptions): Batches<RecordEntry> {
    const policy = this.access.table(table);
    if (policy.read === false) return;
    for await (const batch of this.inner.scan(table, range, options)) {
      if (policy.readsAll) {
        yield batch;
        continue;
      }
      const seen: RecordEntry[] = [];
      for (const entry of batch) {
        const viewed = this.view(table, entry);
        if (viewed !== undefined) seen.push(viewed);
      }
      if (seen.length > 0) yield seen;
    }
  }

  async *scanIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    options?: ScanOptions,
  ): Batches<IndexEntry> {
    const policy = this.access.table(table);
    if (policy.read === false) return;
    // Queries naming a hidden attribute are refused before they run; this keeps it that way.
    if (policy.hidden.has(attribute)) throw this.access.forbidden(`read ${table}.${attribute}`);
    for await (const batch of this.inner.scanIndex(table, attribute, range, options)) {
      if (policy.read === true) {
        yield batch;
        continue;
      }
      const seen = await entriesKept(this.inner, table, batch, (record) =>
        this.access.visible(table, record.value),
      );
      if (seen.length > 0) yield seen;
    }
  }

  async countIndex(
    table: string,
    attribute: string,
    range?: IndexRange,
    limit?: number,
  ): Promise<number> {
    const policy = this.access.table(table);
    // A limited count compares selectivities in the planner; it answers nothing to the client.
    if (limit !== undefined || policy.read === true) {
      if (policy.hidden.has(attribute)) throw this.access.forbidden(`read ${table}.${attribute}`);
      return this.inner.countIndex(table, attribute, range, limit);
    }
    return countOf(this.scanIndex(table, attribute, range));
  }

  async count(table: string): Promise<number> {
    const policy = this.access.table(table);
    if (policy.read === true) return this.inner.count(table);
    return countOf(this.scan(table));
  }

  /** The entry as the role sees it, or undefined when it may not see it. */
  private view(table: string, entry: RecordEntry): RecordEntry | undefined {
    if (!this.access.visible(table, entry.value)) return undefined;
    const value = this.access.strip(table, entry.value);
    return value === entry.value ? entry : { key: entry.key, value, version: entry.version };
  }
}
