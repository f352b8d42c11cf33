/**
 * A bounded cache of recently read or written records and their JSON bytes, so that a repeated
 * `GET /T/<id>` is answered without a store read or a serialization. Commits write through it
 * (every committed change replaces its key's entry, a delete leaves a tombstone), so it never
 * holds an older version than the store has acknowledged. The store stays the source of truth:
 * a miss reads it, and an entry is only ever added from a read when its key has none.
 */
import type { Commit, Key, StoredValue } from '../store/types.js';
import { etagOf } from '../http/etag.js';
import { toJson } from '../http/json.js';

export interface CachedRecord {
  readonly version: number;
  readonly etag: string;
  /** Undefined for a tombstone: the record was deleted at `version`. */
  readonly record: StoredValue | undefined;
  /** The record's JSON, written on first use. */
  json: Buffer | undefined;
}

/**
 * Two generations instead of a strict LRU: new entries go into `recent`; when it is full it becomes
 * `older` and the previous `older` is dropped. A hit in `older` moves the entry back to `recent`.
 * Every operation is O(1) (deleting the oldest entries of one big Map one by one is not, in V8).
 */
export class RecordCache {
  private recent = new Map<Key, CachedRecord>();
  private older = new Map<Key, CachedRecord>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.ceil(capacity / 2);
  }

  get(key: Key): CachedRecord | undefined {
    const entry = this.recent.get(key);
    if (entry !== undefined) return entry;
    const old = this.older.get(key);
    if (old !== undefined) {
      this.older.delete(key);
      this.insert(key, old);
    }
    return old;
  }

  /** Remembers a record read from the store, unless a commit already put a (newer) entry there. */
  remember(key: Key, version: number, record: StoredValue): CachedRecord {
    const existing = this.get(key);
    if (existing !== undefined) return existing;
    const entry: CachedRecord = { version, etag: etagOf(version), record, json: undefined };
    this.insert(key, entry);
    return entry;
  }

  /** The JSON bytes of a cached record, serialized once. */
  static json(entry: CachedRecord): Buffer {
    entry.json ??= Buffer.from(toJson(entry.record));
    return entry.json;
  }

  /** Applies one committed change of this table. */
  committed(key: Key, version: number, record: StoredValue | undefined): void {
    this.older.delete(key);
    this.insert(key, { version, etag: etagOf(version), record, json: undefined });
  }

  private insert(key: Key, entry: CachedRecord): void {
    if (this.generationSize <= 0) return;
    if (this.recent.size >= this.generationSize && !this.recent.has(key)) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.recent.set(key, entry);
  }
}

/** Feeds every commit into the caches of the tables it touched. */
export function writeThrough(caches: ReadonlyMap<string, RecordCache>): (commit: Commit) => void {
  return (commit) => {
    for (const change of commit.changes) {
      caches
        .get(change.table)
        ?.committed(change.key, change.version, change.type === 'put' ? change.value : undefined);
    }
  };
}
