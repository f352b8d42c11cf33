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
 * entered (put) or left (delete, unmatched) it, with the version of that commit. So does a
 * `select()` of related records (`select(id,writer{handle})`): then a record that stayed in the
 * view is sent again when its shaped value changed.
 */
import { guardedReads } from '../auth/guardedTxn.js';
import type { Access } from '../auth/policy.js';
import type { SchemaMeta, TableMeta } from '../meta.js';
import { matchingEntries, recordMatches, shapeRecord } from '../query/index.js';
import { toJson } from '../http/json.js';
import type { Condition, Query, QueryContext, SelectItem, Selection } from '../query/types.js';
import type { Resumption } from './target.js';
import type { Change, Key, ReadTxn, RecordEntry, StoredValue } from '../store/types.js';
import { OutgoingEvent, deleteMessage, putMessage } from './event.js';
import type { EventSink } from './sink.js';
import { Subscription, type Dispatch, type SubscriptionHost } from './subscription.js';
import { equalityOf, type ViewEquality } from './viewIndex.js';

export interface ViewHost extends SubscriptionHost {
  readonly schema: SchemaMeta;
  /**
   * While a view handles changes asynchronously its membership lags the commits: the hub then
   * gives it every change of its table, and the view sorts them out in order.
   */
  viewBusy(view: ViewSubscription, busy: boolean): void;
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
  /**
   * The JSON of each member's value as last sent, for views that select related records: a commit
   * to a related table re-sends the members whose value it changed. Null for other views.
   */
  private readonly sentValues: Map<Key, string> | null;
  /** Pending matches not sent yet; a change of one settles it (the event tells the client). */
  private readonly unsent = new Set<Key>();
  /**
   * Keys whose changes arrived while the matches were being listed: the change decides whether
   * the record is in the view, not the listing (which may have read it before the change).
   */
  private changedWhileListing: Set<Key> | null = null;

  constructor(
    table: TableMeta,
    readonly query: Query,
    sink: EventSink,
    private readonly viewHost: ViewHost,
    resume?: Resumption,
    /**
     * The subscriber's access, when it may not read everything (contract section 12): the view
     * reads through it, holds only records it may see, and sends them without the attributes it
     * may not read.
     */
    private readonly access?: Access,
  ) {
    super(table, sink, viewHost, resume);
    this.ctx = { schema: viewHost.schema, table, limits: viewHost.options.answerLimits };
    this.equality = equalityOf(query);
    const selected = selectedTablesOf(table, query.select);
    this.relatedTables = new Set([...relatedTablesOf(query.conditions, table.name), ...selected]);
    this.sentValues = selected.size > 0 ? new Map() : null;
    this.shaped =
      query.select !== null ||
      query.timezone !== null ||
      (access !== undefined && access.table(table.name).hidden.size > 0);
  }

  /** Reads as the subscriber may read. */
  private reads(txn: ReadTxn): ReadTxn {
    return this.access === undefined ? txn : guardedReads(txn, this.access);
  }

  /** Missed changes of this table alone cannot tell what a view through other tables lost. */
  protected override replayable(): boolean {
    return this.relatedTables.size === 0;
  }

  /** The current matches are the view's members: a later change may make one leave. */
  protected override async prepareReplay(): Promise<void> {
    for await (const batch of matchingEntries(this.reads(this.host.read()), this.ctx, this.query)) {
      for (const entry of batch) if (!this.members.has(entry.key)) this.addMember(entry.key);
    }
    this.listed = true;
  }

  /**
   * A missed change as it concerns the view now: a record whose new value matches is sent, one
   * that does not is sent as an unmatched delete (the client may have held it).
   */
  protected override async replay(change: Change): Promise<void> {
    const txn = this.reads(this.host.read());
    if (change.value !== undefined && (await this.matches(txn, change.value))) {
      const entry: RecordEntry = { key: change.key, value: change.value, version: change.version };
      const value = this.sent(change.key, await this.valueFor(txn, entry));
      this.sendReplayed(
        new OutgoingEvent(putMessage(change.key, value, change.version, Date.now())),
      );
      return;
    }
    this.sendReplayed(
      new OutgoingEvent(
        deleteMessage(change.key, change.version, Date.now(), change.type === 'put'),
      ),
    );
  }

  protected async sendInitialBatch(): Promise<boolean> {
    const txn = this.reads(this.host.read());
    if (!this.listed) return this.listMatches(txn);
    while (this.pendingIndex < this.pending.length) {
      const key = this.pending[this.pendingIndex++]!;
      // A change handled since settled it (its event tells the client).
      if (!this.unsent.has(key)) continue;
      // Read as the subscriber may: a record it may no longer see is not there.
      const entry = await txn.get(this.table.name, key);
      if (entry === undefined || !(await this.matchesSeen(txn, entry.value))) {
        if (this.isClosed()) return true;
        // It left the view before the client heard of it; its change may still be on the way.
        if (this.unsent.delete(key)) this.removeMember(key);
        if (entry !== undefined) this.rememberSentAhead(entry.key, entry.version);
        continue;
      }
      const value = await this.valueFor(txn, entry);
      if (this.isClosed()) return true;
      if (!this.unsent.delete(key)) continue;
      this.sendInitial(entry.key, this.sent(entry.key, value), entry.version);
      if (this.batchFull()) return this.closed;
    }
    this.pending = [];
    return true;
  }

  protected override busyChanged(busy: boolean): void {
    this.viewHost.viewBusy(this, busy);
  }

  protected override noteChange(change: Change): void {
    this.changedWhileListing?.add(change.key);
  }

  protected async apply(change: Change, dispatch: Dispatch): Promise<void> {
    const key = change.key;
    const txn = this.reads(dispatch.read());
    if (change.value !== undefined && (await this.matches(txn, change.value))) {
      if (!this.members.has(key)) this.addMember(key);
      this.unsent.delete(key);
      const entry: RecordEntry = { key, value: change.value, version: change.version };
      this.emit(
        this.shaped
          ? new OutgoingEvent(
              putMessage(
                key,
                this.sent(key, await this.valueFor(txn, entry)),
                change.version,
                dispatch.localTime,
              ),
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
   * or left the view. Records that stayed are sent again only when the view selects related
   * records and their value changed.
   */
  reevaluate(dispatch: Dispatch, version: number): void {
    if (!this.closed) this.enqueue(() => this.listChanges(dispatch, version));
  }

  private async listChanges(dispatch: Dispatch, version: number): Promise<void> {
    const txn = this.reads(dispatch.read());
    const matches = new Map<Key, RecordEntry>();
    for await (const batch of matchingEntries(txn, this.ctx, this.query)) {
      for (const entry of batch) matches.set(entry.key, entry);
    }
    for (const key of [...this.members]) {
      if (this.isClosed()) return;
      if (matches.has(key)) continue;
      this.removeMember(key);
      if (!this.unsent.delete(key))
        this.emit(new OutgoingEvent(deleteMessage(key, version, dispatch.localTime, true)));
    }
    for (const [key, entry] of matches) {
      if (this.isClosed()) return;
      const stayed = this.members.has(key);
      if (stayed && (this.sentValues === null || this.unsent.has(key))) continue;
      const value = await this.valueFor(txn, entry);
      if (this.isClosed()) return;
      if (stayed && this.sentValues?.get(key) === toJson(value)) continue;
      if (!stayed) this.addMember(key);
      this.emit(
        new OutgoingEvent(putMessage(key, this.sent(key, value), version, dispatch.localTime)),
      );
    }
  }

  /** `value`, remembered as the member's value the client has, when changes of it are followed. */
  private sent(key: Key, value: unknown): unknown {
    this.sentValues?.set(key, toJson(value));
    return value;
  }

  protected override released(): void {
    this.viewHost.viewBusy(this, false);
    for (const key of this.members) this.viewHost.removeMember(this, key);
    this.members.clear();
    this.sentValues?.clear();
    this.pending = [];
    this.unsent.clear();
  }

  /**
   * Lists every current match, so that the view's membership is complete; the first batch is sent
   * from it, the rest is kept as keys. A record whose change arrives meanwhile is left to that
   * change (which the hub delivers after the subscription registered, in commit order).
   */
  private async listMatches(txn: ReadTxn): Promise<boolean> {
    this.listed = true;
    const changed = new Set<Key>();
    this.changedWhileListing = changed;
    let sending = true;
    try {
      for await (const batch of matchingEntries(txn, this.ctx, this.query)) {
        for (const entry of batch) {
          if (this.isClosed()) return true;
          if (changed.has(entry.key) || this.members.has(entry.key)) continue;
          this.addMember(entry.key);
          // Unsent until it is sent: a change handled meanwhile settles it.
          this.unsent.add(entry.key);
          if (sending) {
            const value = await this.valueFor(txn, entry);
            if (this.isClosed()) return true;
            if (!this.unsent.delete(entry.key)) continue;
            this.sendInitial(entry.key, this.sent(entry.key, value), entry.version);
            sending = !this.batchFull();
          } else {
            this.pending.push(entry.key);
          }
        }
      }
    } finally {
      this.changedWhileListing = null;
    }
    return this.pending.length === 0;
  }

  /** Whether a committed value (as stored) is one the subscriber may see and the query matches. */
  private async matches(txn: ReadTxn, value: StoredValue): Promise<boolean> {
    if (this.access !== undefined && !this.access.visible(this.table.name, value)) return false;
    return recordMatches(txn, this.ctx, this.query, value);
  }

  /** `matches` for a value read through the subscriber's reads (seen already, and stripped). */
  private matchesSeen(txn: ReadTxn, value: StoredValue): Promise<boolean> {
    return recordMatches(txn, this.ctx, this.query, value);
  }

  private async valueFor(txn: ReadTxn, entry: RecordEntry): Promise<unknown> {
    if (!this.shaped) return entry.value;
    const value =
      this.access === undefined ? entry.value : this.access.strip(this.table.name, entry.value);
    return this.query.select === null && this.query.timezone === null
      ? value
      : shapeRecord(txn, this.ctx, this.query, value, entry);
  }

  private addMember(key: Key): void {
    this.members.add(key);
    this.viewHost.addMember(this, key);
  }

  private removeMember(key: Key): void {
    this.members.delete(key);
    this.sentValues?.delete(key);
    this.viewHost.removeMember(this, key);
  }
}

/** The tables, besides `own`, whose records `select()` resolves through relationships. */
function selectedTablesOf(table: TableMeta, selection: Selection | null): ReadonlySet<string> {
  const tables = new Set<string>();
  const visit = (items: readonly SelectItem[]): void => {
    for (const item of items) {
      if (item.kind !== 'attribute') continue;
      const target = item.attribute?.relationship?.target;
      if (target !== undefined && target !== table.name) tables.add(target);
      // Nested items: a related record's (which may select further), or a nested object's.
      if (item.nested !== null) visit(item.nested.items);
    }
  };
  if (selection !== null) visit(selection.kind === 'value' ? [selection.item] : selection.items);
  return tables;
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
