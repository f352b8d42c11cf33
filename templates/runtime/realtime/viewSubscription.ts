/**
 * `/T/?<query>`: a filtered view [ext]. The current matches first (in the query's order), then
 * every change that concerns the view: a record that matches after a write arrives as `put`, one
 * that matched and no longer does as `delete` with `reason: "unmatched"`, a deleted match as
 * `delete`. Matching and shaping are the query engine's, so a view and a GET of the same URL agree.
 *
 * The view keeps the keys it has told the client about (its members): a record leaving the view
 * must reach it whatever its new value is, and the hub finds it through them.
 *
 * A condition through a relationship (`organizer.name==Ada`) also depends on other tables: after a
 * commit that changed one of them, the view lists its matches again and sends the records that
 * entered (put) or left (delete, unmatched) it, with the version of that commit.
 */
import type { SchemaMeta, TableMeta } from '../meta.js';
import { matchingEntries, recordMatches, shapeRecord } from '../query/index.js';
import type { Condition, Query, QueryContext } from '../query/types.js';
import type { Change, Key, ReadTxn, RecordEntry, StoredValue } from '../store/types.js';
import { OutgoingEvent, deleteMessage, putMessage } from './event.js';
import type { EventSink } from './sink.js';
import { Subscription, type Dispatch, type SubscriptionHost } from './subscription.js';
import { equalityOf, type ViewEquality } from './viewIndex.js';

export interface ViewHost extends SubscriptionHost {
  readonly schema: SchemaMeta;
  addMember(view: ViewSubscription, key: Key): void;
  removeMember(view: ViewSubscription, key: Key): void;
}

export class ViewSubscription extends Subscription {
  readonly equality: ViewEquality | null;
  /** Tables other than its own that its conditions read through relationships. */
  readonly relatedTables: ReadonlySet<string>;
  /** Marked by the hub while it delivers one change, so that a view it reaches twice acts once. */
  visit = 0;
  private readonly ctx: QueryContext;
  /** Values go out as stored unless `select()` or `timezone=` reshape them. */
  private readonly shaped: boolean;
  private readonly members = new Set<Key>();
  private listed = false;
  /** Matches listed when the subscription started, beyond the first batch, in the query's order. */
  private pending: Key[] = [];
  private pendingIndex = 0;
  /** Pending matches not sent yet; a change of one settles it (the event tells the client). */
  private readonly unsent = new Set<Key>();

  constructor(
    table: TableMeta,
    readonly query: Query,
    sink: EventSink,
    private readonly viewHost: ViewHost,
  ) {
    super(table, sink, viewHost);
    this.ctx = { schema: viewHost.schema, table, limits: viewHost.options.answerLimits };
    this.equality = equalityOf(query);
    this.relatedTables = relatedTablesOf(query.conditions, table.name);
    this.shaped = query.select !== null || query.timezone !== null;
  }

  protected sendInitialBatch(): boolean {
    const txn = this.host.read();
    if (!this.listed) return this.listMatches(txn);
    while (this.pendingIndex < this.pending.length) {
      const key = this.pending[this.pendingIndex++]!;
      if (!this.unsent.delete(key)) continue;
      const entry = txn.get(this.table.name, key);
      if (entry === undefined || !this.matches(txn, entry.value)) {
        // It left the view before the client heard of it; its change may still be on the way.
        this.removeMember(key);
        if (entry !== undefined) this.rememberSentAhead(entry.key, entry.version);
        continue;
      }
      this.sendInitial(entry.key, this.valueFor(txn, entry), entry.version);
      if (this.batchFull()) return this.closed;
    }
    this.pending = [];
    return true;
  }

  protected apply(change: Change, dispatch: Dispatch): void {
    const key = change.key;
    const txn = dispatch.read();
    if (change.value !== undefined && this.matches(txn, change.value)) {
      if (!this.members.has(key)) this.addMember(key);
      this.unsent.delete(key);
      const entry: RecordEntry = { key, value: change.value, version: change.version };
      this.emit(
        this.shaped
          ? new OutgoingEvent(
              putMessage(key, this.valueFor(txn, entry), change.version, dispatch.localTime),
            )
          : dispatch.eventFor(change),
      );
      return;
    }
    if (!this.members.has(key)) return;
    this.removeMember(key);
    // A pending match the client has not heard of leaves silently.
    if (this.unsent.delete(key)) return;
    this.emit(
      change.type === 'delete'
        ? dispatch.eventFor(change)
        : new OutgoingEvent(deleteMessage(key, change.version, dispatch.localTime, true)),
    );
  }

  /**
   * Lists the matches again after a commit to a related table, and tells the client what entered
   * or left the view. Records that stayed are not sent again.
   */
  reevaluate(dispatch: Dispatch, version: number): void {
    if (!this.closed) this.guarded(() => this.listChanges(dispatch, version));
  }

  private listChanges(dispatch: Dispatch, version: number): void {
    const txn = dispatch.read();
    const matches = new Map<Key, RecordEntry>();
    for (const entry of matchingEntries(txn, this.ctx, this.query)) matches.set(entry.key, entry);
    for (const key of [...this.members]) {
      if (this.closed) return;
      if (matches.has(key)) continue;
      this.removeMember(key);
      if (!this.unsent.delete(key))
        this.emit(new OutgoingEvent(deleteMessage(key, version, dispatch.localTime, true)));
    }
    for (const [key, entry] of matches) {
      if (this.closed) return;
      if (this.members.has(key)) continue;
      this.addMember(key);
      this.emit(
        new OutgoingEvent(putMessage(key, this.valueFor(txn, entry), version, dispatch.localTime)),
      );
    }
  }

  protected override released(): void {
    for (const key of this.members) this.viewHost.removeMember(this, key);
    this.members.clear();
    this.pending = [];
    this.unsent.clear();
  }

  /**
   * Lists every current match in one read, so that the view's membership is complete before any
   * change can arrive; the first batch is sent from it, the rest is kept as keys.
   */
  private listMatches(txn: ReadTxn): boolean {
    this.listed = true;
    let sending = true;
    for (const entry of matchingEntries(txn, this.ctx, this.query)) {
      if (this.closed) return true;
      this.addMember(entry.key);
      if (sending) {
        this.sendInitial(entry.key, this.valueFor(txn, entry), entry.version);
        sending = !this.batchFull();
      } else {
        this.pending.push(entry.key);
        this.unsent.add(entry.key);
      }
    }
    return this.pending.length === 0;
  }

  private matches(txn: ReadTxn, value: StoredValue): boolean {
    return recordMatches(txn, this.ctx, this.query, value);
  }

  private valueFor(txn: ReadTxn, entry: RecordEntry): unknown {
    return this.shaped ? shapeRecord(txn, this.ctx, this.query, entry.value, entry) : entry.value;
  }

  private addMember(key: Key): void {
    this.members.add(key);
    this.viewHost.addMember(this, key);
  }

  private removeMember(key: Key): void {
    this.members.delete(key);
    this.viewHost.removeMember(this, key);
  }
}

/** The tables, besides `own`, that the conditions reach through relationships. */
function relatedTablesOf(condition: Condition | null, own: string): ReadonlySet<string> {
  const tables = new Set<string>();
  const visit = (node: Condition): void => {
    if (node.kind !== 'comparison') {
      node.children.forEach(visit);
      return;
    }
    for (const hop of node.hops) if (hop.to.name !== own) tables.add(hop.to.name);
  };
  if (condition !== null) visit(condition);
  return tables;
}
