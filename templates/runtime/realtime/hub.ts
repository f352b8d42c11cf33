/**
 * The subscription hub: the one listener of the store's commits. Each commit is delivered, after
 * it committed and in commit order, to the subscriptions it concerns, found through per-table
 * registries: by key for record subscriptions, all of them for table subscriptions, and for
 * filtered views through the view index (views a new value may enter) and the membership index
 * (views a record may leave).
 */
import { log } from '../log.js';
import type { SchemaMeta } from '../meta.js';
import type { Change, Commit, Key, ReadTxn, Store } from '../store/types.js';
import { BufferAccount } from './buffers.js';
import type { RealtimeOptions } from './options.js';
import { messageEvent } from './event.js';
import type { MessageBus, PublishedMessage } from './messages.js';
import type { EventSink } from './sink.js';
import {
  Dispatch,
  RecordSubscription,
  Subscription,
  TableSubscription,
  type SubscriptionHost,
} from './subscription.js';
import type { SubscriptionTarget } from './target.js';
import { ViewIndex, ViewMembership } from './viewIndex.js';
import { ViewSubscription, type ViewHost } from './viewSubscription.js';

/** The subscriptions of one table. */
class TableRegistry {
  readonly records = new Map<Key, Set<RecordSubscription>>();
  readonly tables = new Set<TableSubscription>();
  readonly views = new ViewIndex<ViewSubscription>();
  readonly members = new ViewMembership<ViewSubscription>();
  /** Views handling changes asynchronously: they get every change of the table. */
  readonly busy = new Set<ViewSubscription>();
  viewCount = 0;

  get empty(): boolean {
    return this.records.size === 0 && this.tables.size === 0 && this.viewCount === 0;
  }
}

export class SubscriptionHub implements SubscriptionHost, ViewHost {
  /**
   * The version of the last commit dispatched (versions increase in commit order). It starts at
   * the store's last commit, known once the store answers: until then it is 0, which only makes
   * subscriptions remember more of what they sent ahead of the hub.
   */
  lastVersion = 0;
  private readonly registries = new Map<string, TableRegistry>();
  /** Views by the tables they read through relationships: a commit to one makes them list their matches again. */
  private readonly dependents = new Map<string, Set<ViewSubscription>>();
  private readonly subscriptions = new Set<Subscription>();
  private viewMembers = 0;
  /** Bumped per change; a view visited twice for one change (index and membership) acts once. */
  private visit = 0;
  private readonly stopListening: () => void;
  private readonly stopHearing: () => void;

  readonly buffers: BufferAccount;

  constructor(
    readonly schema: SchemaMeta,
    private readonly store: Store,
    readonly options: RealtimeOptions,
    /** Where published messages come from (contract 8.5); none: no message is heard. */
    messages?: MessageBus,
  ) {
    this.buffers = new BufferAccount(options.totalBufferLimit);
    this.stopListening = store.onCommit((commit) => this.dispatch(commit));
    this.stopHearing =
      messages?.onMessage((message, origin) => this.deliverMessage(message, origin)) ?? (() => {});
    store.lastVersion().then(
      (version) => {
        if (version > this.lastVersion) this.lastVersion = version;
      },
      (error: unknown) => log.error('the store could not tell its last commit', { err: error }),
    );
  }

  /** Bytes every subscription has waiting to be sent, counted now. */
  pendingBytes(): number {
    let bytes = 0;
    for (const subscription of this.subscriptions) bytes += subscription.pendingBytes();
    return bytes;
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** Records held by filtered views, counted once per view. */
  get viewMemberCount(): number {
    return this.viewMembers;
  }

  /** Tables the hub keeps registrations for: subscribed ones, and ones views read through relationships. */
  get registeredTableCount(): number {
    return this.registries.size + this.dependents.size;
  }

  /** Registers a subscription and starts sending it the initial state. */
  subscribe(target: SubscriptionTarget, sink: EventSink): Subscription {
    const registry = this.registryOf(target.table.name, true);
    let subscription: Subscription;
    switch (target.kind) {
      case 'record': {
        const record = new RecordSubscription(target.table, target.key, sink, this, target.resume);
        let subscribers = registry.records.get(target.key);
        if (subscribers === undefined) registry.records.set(target.key, (subscribers = new Set()));
        subscribers.add(record);
        subscription = record;
        break;
      }
      case 'table': {
        const table = new TableSubscription(target.table, sink, this, target.resume);
        registry.tables.add(table);
        subscription = table;
        break;
      }
      case 'view': {
        const view = new ViewSubscription(
          target.table,
          target.query,
          sink,
          this,
          target.resume,
          target.access,
        );
        registry.views.add(view, view.equality);
        registry.viewCount++;
        for (const table of view.relatedTables) {
          let views = this.dependents.get(table);
          if (views === undefined) this.dependents.set(table, (views = new Set()));
          views.add(view);
        }
        subscription = view;
        break;
      }
    }
    this.subscriptions.add(subscription);
    void subscription.start();
    return subscription;
  }

  /** Stops listening to the store and ends every subscription's registration. */
  close(): void {
    this.stopListening();
    this.stopHearing();
    for (const subscription of [...this.subscriptions]) subscription.close();
  }

  read(): ReadTxn {
    return this.store.read();
  }

  changesSince(version: number, limit: number): Promise<readonly Commit[] | undefined> {
    return this.store.changesSince(version, limit);
  }

  detach(subscription: Subscription): void {
    if (!this.subscriptions.delete(subscription)) return;
    const registry = this.registryOf(subscription.table.name, false);
    if (registry === undefined) return;
    if (subscription instanceof RecordSubscription) {
      const subscribers = registry.records.get(subscription.key);
      subscribers?.delete(subscription);
      if (subscribers?.size === 0) registry.records.delete(subscription.key);
    } else if (subscription instanceof TableSubscription) {
      registry.tables.delete(subscription);
    } else if (subscription instanceof ViewSubscription) {
      registry.views.remove(subscription, subscription.equality);
      registry.viewCount--;
      for (const table of subscription.relatedTables) {
        const views = this.dependents.get(table);
        views?.delete(subscription);
        if (views?.size === 0) this.dependents.delete(table);
      }
    }
    if (registry.empty) this.registries.delete(subscription.table.name);
  }

  viewBusy(view: ViewSubscription, busy: boolean): void {
    const registry = this.registryOf(view.table.name, false);
    if (busy) registry?.busy.add(view);
    else registry?.busy.delete(view);
  }

  addMember(view: ViewSubscription, key: Key): void {
    this.registryOf(view.table.name, false)?.members.add(key, view);
    this.viewMembers++;
  }

  removeMember(view: ViewSubscription, key: Key): void {
    this.registryOf(view.table.name, false)?.members.remove(key, view);
    this.viewMembers--;
  }

  private registryOf(table: string, create: true): TableRegistry;
  private registryOf(table: string, create: false): TableRegistry | undefined;
  private registryOf(table: string, create: boolean): TableRegistry | undefined {
    let registry = this.registries.get(table);
    if (registry === undefined && create)
      this.registries.set(table, (registry = new TableRegistry()));
    return registry;
  }

  private dispatch(commit: Commit): void {
    if (this.registries.size > 0) {
      const dispatch = new Dispatch(this);
      for (const change of distinctChanges(commit.changes)) this.deliver(change, dispatch);
      if (this.dependents.size > 0) this.reevaluateDependents(commit, dispatch);
    }
    this.lastVersion = commit.version;
  }

  /** Views reading a table this commit changed, through a relationship, list their matches again. */
  private reevaluateDependents(commit: Commit, dispatch: Dispatch): void {
    const visit = ++this.visit;
    for (const change of commit.changes) {
      const views = this.dependents.get(change.table);
      if (views === undefined) continue;
      for (const view of views) {
        if (view.visit === visit) continue;
        view.visit = visit;
        view.reevaluate(dispatch, commit.version);
      }
    }
  }

  /**
   * A message goes to the subscribers of its record and of its whole table, except `origin` (the
   * socket that published it). Filtered views do not get messages: a message is no record that
   * could match their query.
   */
  private deliverMessage(message: PublishedMessage, origin: object | undefined): void {
    const registry = this.registries.get(message.table);
    if (registry === undefined) return;
    const event = messageEvent(message.key, message.value, this.lastVersion, message.localTime);
    registry.records.get(message.key)?.forEach((subscription) => {
      if (subscription !== origin) subscription.deliverMessage(event);
    });
    for (const subscription of registry.tables)
      if (subscription !== origin) subscription.deliverMessage(event);
  }

  private deliver(change: Change, dispatch: Dispatch): void {
    const registry = this.registries.get(change.table);
    if (registry === undefined) return;
    registry.records
      .get(change.key)
      ?.forEach((subscription) => subscription.receive(change, dispatch));
    for (const subscription of registry.tables) subscription.receive(change, dispatch);
    if (registry.viewCount === 0) return;
    const visit = ++this.visit;
    const receive = (view: ViewSubscription): void => {
      if (view.visit === visit) return;
      view.visit = visit;
      view.receive(change, dispatch);
    };
    registry.members.forMembers(change.key, receive);
    if (change.value !== undefined) registry.views.forCandidates(change.key, change.value, receive);
    for (const view of registry.busy) receive(view);
  }
}

/**
 * The changes of a commit, one per record: a transaction that wrote a record twice is one event
 * for its subscribers, carrying the record as committed, at the place of its last write.
 */
function distinctChanges(changes: readonly Change[]): readonly Change[] {
  if (changes.length < 2) return changes;
  const last = new Map<string, Change>();
  for (const change of changes) {
    const id = `${change.table}\u0000${typeof change.key}\u0000${change.key}`;
    last.delete(id);
    last.set(id, change);
  }
  return last.size === changes.length ? changes : [...last.values()];
}
