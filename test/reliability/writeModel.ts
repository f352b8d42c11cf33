/**
 * What a client may expect of a store that crashed: the model of every write a crash test sent.
 * Each record key is written by one client at a time, so per key there is the state of the last
 * acknowledged write and at most one write in flight (sent, never answered: it may or may not have
 * committed). After a crash the record must be in one of those two states. A write of several
 * records in one transaction (POST of an array, DELETE by query) must land whole or not at all.
 * Records created without a known key (POST) are recognised by a nonce in their body.
 */
import { isDeepStrictEqual } from 'node:util';

export type RecordValue = Readonly<Record<string, unknown>>;
export type RecordState =
  { readonly present: false } | { readonly present: true; readonly value: RecordValue };

export const ABSENT: RecordState = { present: false };
export const present = (value: RecordValue): RecordState => ({ present: true, value });

interface KeyModel {
  acked: RecordState;
  /** The state if the write in flight committed. */
  pending: RecordState | undefined;
  /** The transaction the write in flight belongs to, when it wrote several records. */
  group: Group | undefined;
}

interface Group {
  readonly label: string;
  readonly keys: readonly string[];
}

/** A create whose key the server chooses, sent and not answered yet. */
interface UnkeyedCreate {
  readonly label: string;
  /** Nonce → the record's expected value (without its key). */
  readonly records: ReadonlyMap<string, RecordValue>;
}

export interface TableListing {
  /** Every record of the table after the restart, by key, without server-set timestamps. */
  readonly records: ReadonlyMap<string, RecordValue>;
  /** The primary key attribute. */
  readonly keyAttribute: string;
  /** The attribute that holds the nonce of records created without a known key. */
  readonly nonceAttribute: string;
}

export class WriteModel {
  private readonly keys = new Map<string, KeyModel>();
  private readonly unkeyed = new Map<string, UnkeyedCreate[]>();
  /** Acknowledged writes since the model was created. */
  acknowledged = 0;

  /** The acknowledged state of a record (absent when it was never written). */
  state(table: string, key: string): RecordState {
    return this.keys.get(id(table, key))?.acked ?? ABSENT;
  }

  /** Keys of `table` whose acknowledged state is present. */
  presentKeys(table: string): string[] {
    const prefix = `${table}\0`;
    return [...this.keys]
      .filter(([name, model]) => name.startsWith(prefix) && model.acked.present)
      .map(([name]) => name.slice(prefix.length));
  }

  /** Records with a write in flight (sent, not answered), unkeyed creates included. */
  inFlight(): number {
    let count = 0;
    for (const model of this.keys.values()) if (model.pending !== undefined) count++;
    for (const creates of this.unkeyed.values())
      for (const create of creates) count += create.records.size;
    return count;
  }

  /** A write of one or several records with known keys is about to be sent. */
  begin(table: string, writes: ReadonlyMap<string, RecordState>, label: string): void {
    const group =
      writes.size > 1
        ? { label, keys: [...writes.keys()].map((key) => id(table, key)) }
        : undefined;
    for (const [key, next] of writes) {
      const model = this.model(table, key);
      if (model.pending !== undefined) throw new Error(`two writes in flight on ${table} ${key}`);
      model.pending = next;
      model.group = group;
    }
  }

  /** The server acknowledged the write begun with the same keys. */
  acknowledge(table: string, writes: ReadonlyMap<string, RecordState>): void {
    for (const [key, next] of writes) {
      const model = this.model(table, key);
      model.acked = next;
      model.pending = undefined;
      model.group = undefined;
    }
    this.acknowledged++;
  }

  /** A create of records whose keys the server chooses is about to be sent. */
  beginUnkeyed(
    table: string,
    records: ReadonlyMap<string, RecordValue>,
    label: string,
  ): UnkeyedCreate {
    const create = { label, records };
    const list = this.unkeyed.get(table) ?? [];
    list.push(create);
    this.unkeyed.set(table, list);
    return create;
  }

  /** The server acknowledged an unkeyed create: `created` holds each record, key included, by key. */
  acknowledgeUnkeyed(
    table: string,
    create: UnkeyedCreate,
    created: ReadonlyMap<string, RecordValue>,
  ): void {
    const list = this.unkeyed.get(table) ?? [];
    list.splice(list.indexOf(create), 1);
    this.acknowledge(table, new Map([...created].map(([key, value]) => [key, present(value)])));
  }

  /**
   * Checks the records found after a restart against the model and returns every violation.
   * Then the model takes what was found as acknowledged: the next round starts from it.
   */
  reconcile(listings: ReadonlyMap<string, TableListing>): string[] {
    const violations: string[] = [];
    // Which of its two possible states each record of a group was found in.
    const groupOutcomes = new Map<Group, Set<'acked' | 'pending'>>();
    for (const [name, model] of this.keys) {
      const [table = '', key = ''] = name.split('\0');
      const listing = listings.get(table);
      if (listing === undefined) throw new Error(`no listing of ${table}`);
      const found = foundState(listing.records.get(key));
      const asAcked = sameState(found, model.acked);
      const asPending = model.pending !== undefined && sameState(found, model.pending);
      if (!asAcked && !asPending) {
        violations.push(
          `${table} ${key}: found ${describe(found)}; acknowledged ${describe(model.acked)}` +
            (model.pending === undefined
              ? ' and nothing in flight'
              : `, in flight ${describe(model.pending)}`),
        );
      } else if (model.group !== undefined && asAcked !== asPending) {
        const outcomes = groupOutcomes.get(model.group) ?? new Set();
        outcomes.add(asAcked ? 'acked' : 'pending');
        groupOutcomes.set(model.group, outcomes);
      }
      model.acked = found;
      model.pending = undefined;
      model.group = undefined;
    }
    for (const [group, outcomes] of groupOutcomes) {
      if (outcomes.size > 1)
        violations.push(
          `${group.label}: committed in part (one transaction of ${group.keys.length} records)`,
        );
    }
    for (const [table, listing] of listings) violations.push(...this.adoptUnkeyed(table, listing));
    return violations;
  }

  /** Records nobody knew the key of must come from an unanswered create, whole. */
  private adoptUnkeyed(table: string, listing: TableListing): string[] {
    const violations: string[] = [];
    const creates = this.unkeyed.get(table) ?? [];
    const seen = new Map<UnkeyedCreate, number>();
    for (const [key, value] of listing.records) {
      if (this.keys.has(id(table, key))) continue;
      const nonce = value[listing.nonceAttribute];
      const create = creates.find(
        (candidate) => typeof nonce === 'string' && candidate.records.has(nonce),
      );
      const expected = create === undefined ? undefined : create.records.get(nonce as string);
      if (create === undefined || expected === undefined) {
        violations.push(`${table} ${key}: a record nobody created (${JSON.stringify(value)})`);
        continue;
      }
      if (!isDeepStrictEqual(without(value, listing.keyAttribute), expected)) {
        violations.push(
          `${table} ${key}: created by ${create.label} as ${JSON.stringify(expected)}, found ${JSON.stringify(value)}`,
        );
      }
      seen.set(create, (seen.get(create) ?? 0) + 1);
      this.model(table, key).acked = present(value);
    }
    for (const [create, count] of seen) {
      if (count !== create.records.size) {
        violations.push(
          `${create.label}: ${count} of its ${create.records.size} records committed (one transaction)`,
        );
      }
    }
    this.unkeyed.set(table, []);
    return violations;
  }

  private model(table: string, key: string): KeyModel {
    const name = id(table, key);
    let model = this.keys.get(name);
    if (model === undefined) {
      model = { acked: ABSENT, pending: undefined, group: undefined };
      this.keys.set(name, model);
    }
    return model;
  }
}

function id(table: string, key: string): string {
  return `${table}\0${key}`;
}

function foundState(value: RecordValue | undefined): RecordState {
  return value === undefined ? ABSENT : present(value);
}

function sameState(a: RecordState, b: RecordState): boolean {
  if (!a.present || !b.present) return a.present === b.present;
  return isDeepStrictEqual(a.value, b.value);
}

/** The record without one attribute (the key the server chose, which the create did not know). */
function without(value: RecordValue, attribute: string): RecordValue {
  const { [attribute]: _omitted, ...rest } = value;
  return rest;
}

function describe(state: RecordState): string {
  return state.present ? JSON.stringify(state.value) : 'absent';
}
