/**
 * A subscription: one connection's interest in a record, a table or a filtered view of a table.
 *
 * It first sends the initial state (the record, every record, or the current matches), then every
 * change. The initial state may be large and the consumer slow, so it is read and sent in batches,
 * each from a fresh read once the previous batch has left the process. Changes that commit
 * meanwhile are already being delivered by the hub (the subscription is registered before the
 * first read, and reads are asynchronous): they are held and sent right after the initial state,
 * and a record they concern is not sent again by the initial state.
 *
 * Turning a change into events may need reads (a filtered view matches and shapes records through
 * the query engine, which may follow relationships): the changes of one subscription are then
 * handled one after the other, in commit order, however long each takes.
 *
 * A read may already see a commit whose event the hub has not dispatched yet. Such a record is sent
 * with its version, and remembered, so that the event, when it arrives, is recognised and dropped.
 *
 * A client that reconnects and says where it left off (contract 8.3) gets, instead of the initial
 * state, the changes it missed, read from the commit log, when the log still holds them all; then
 * a `ready` event, and the live changes. Changes that arrive while the missed ones are read are
 * kept as they are and handled afterwards, those the log already had dropped.
 */
import { ClientError } from '../errors.js';
import { log } from '../log.js';
import type { TableMeta } from '../meta.js';
import type { Change, Commit, Key, ReadTxn } from '../store/types.js';
import type { BufferAccount, BufferHolder } from './buffers.js';
import { OutgoingEvent, deleteMessage, putMessage, readyMessage } from './event.js';
import type { RealtimeOptions } from './options.js';
import { CLOSE_CODES, type EventSink } from './sink.js';
import type { Resumption } from './target.js';

/** What a subscription needs from the hub that serves it. */
export interface SubscriptionHost {
  readonly options: RealtimeOptions;
  /** What all connections together have waiting to be sent (`REALTIME_TOTAL_BUFFER_BYTES`). */
  readonly buffers: BufferAccount;
  /** Version of the last commit the hub has dispatched; reads see at least that much. */
  readonly lastVersion: number;
  read(): ReadTxn;
  /** The commits after `version` from the commit log; undefined when it no longer holds them all. */
  changesSince(version: number, limit: number): Promise<readonly Commit[] | undefined>;
  /** Forgets the subscription: it receives nothing more. */
  detach(subscription: Subscription): void;
}

/** State shared by every subscription that receives the changes of one commit. */
export class Dispatch {
  readonly localTime = Date.now();
  private txn: ReadTxn | undefined;
  private sharedChange: Change | undefined;
  private sharedEvent: OutgoingEvent | undefined;

  constructor(private readonly host: SubscriptionHost) {}

  read(): ReadTxn {
    return (this.txn ??= this.host.read());
  }

  /** The event carrying `change` as stored, built once for all the subscribers that want it so. */
  eventFor(change: Change): OutgoingEvent {
    if (this.sharedChange !== change || this.sharedEvent === undefined) {
      this.sharedChange = change;
      this.sharedEvent = new OutgoingEvent(
        change.type === 'put'
          ? putMessage(change.key, change.value, change.version, this.localTime)
          : deleteMessage(change.key, change.version, this.localTime),
      );
    }
    return this.sharedEvent;
  }
}

/** Records per batch of the initial state, so that a batch never holds a read for long. */
const MAX_BATCH_RECORDS = 512;
/** Missed commits a resumption reads at most; a client further behind gets the initial state. */
const MAX_RESUMED_COMMITS = 10_000;

type Phase = 'initial' | 'live' | 'closed';

export abstract class Subscription implements BufferHolder {
  private phase: Phase = 'initial';
  /** Events of changes committed while the initial state is being sent, in commit order. */
  private held: OutgoingEvent[] = [];
  private heldBytes = 0;
  /** Records of the initial state that a not yet dispatched event may repeat: key → version sent. */
  private sentAhead: Map<Key, number> | null = null;
  private sentAheadUpTo = 0;
  private batchRecords = 0;
  /** Changes waiting for the one being handled (which awaits reads); null when none is. */
  private queue: Promise<void> | null = null;
  /** Changes that arrived while missed changes are read from the log; null otherwise. */
  private arrivedWhileResuming: { change: Change; dispatch: Dispatch }[] | null = null;
  /** The version up to which the log was read for missed changes. */
  private resumedUpTo = 0;

  constructor(
    readonly table: TableMeta,
    protected readonly sink: EventSink,
    protected readonly host: SubscriptionHost,
    /** Where the client left off, when it asked to resume. */
    private readonly resume?: Resumption,
  ) {}

  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** `closed`, as a call: after an await, the type checker must not assume it unchanged. */
  protected isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** Bytes this subscription has waiting: in its connection's buffer, and held back. */
  pendingBytes(): number {
    return this.sink.bufferedBytes + this.heldBytes;
  }

  protected get sendingInitialState(): boolean {
    return this.phase === 'initial';
  }

  /**
   * Sends the initial state, then the held events, then goes live. Called once, by the hub, right
   * after registering the subscription.
   */
  async start(): Promise<void> {
    try {
      const after = this.resume?.after ?? null;
      const resumed = after !== null && (await this.sendMissedChanges(after));
      if (this.isClosed()) return;
      if (!resumed) {
        while (!(await this.sendInitialBatch())) {
          await this.sink.flushed();
          if (this.isClosed()) return;
        }
      }
      if (this.isClosed()) return;
      // Changes still being turned into events belong before the end of the held ones.
      await this.settled();
      if (this.isClosed()) return;
      const held = this.held;
      this.held = [];
      this.heldBytes = 0;
      this.phase = 'live';
      for (const event of held) this.emit(event);
      if (this.resume !== undefined) {
        // Every change the hub has dispatched is out, so resuming after its version misses nothing.
        this.emit(new OutgoingEvent(readyMessage(resumed, this.host.lastVersion, Date.now())));
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Sends the changes committed after `after` that concern this subscription, from the commit
   * log; false (nothing sent) when the log no longer holds them all, the client is too far behind,
   * or this subscription cannot tell what they changed for the client.
   */
  private async sendMissedChanges(after: number): Promise<boolean> {
    if (!this.replayable()) return false;
    this.arrivedWhileResuming = [];
    try {
      const commits = await this.host.changesSince(after, MAX_RESUMED_COMMITS + 1);
      if (commits === undefined || commits.length > MAX_RESUMED_COMMITS) return false;
      await this.prepareReplay();
      this.resumedUpTo = after;
      for (const commit of commits) {
        for (const change of commit.changes) {
          if (this.phase === 'closed') return true;
          if (change.table === this.table.name && this.concerns(change)) await this.replay(change);
          if (this.batchFull()) await this.sink.flushed();
        }
        this.resumedUpTo = commit.version;
      }
      return true;
    } finally {
      const arrived = this.arrivedWhileResuming;
      this.arrivedWhileResuming = null;
      // The changes the log held were replayed (or the initial state will cover them all).
      for (const { change, dispatch } of arrived) {
        if (change.version > this.resumedUpTo) this.receive(change, dispatch);
      }
    }
  }

  /** Whether missed changes alone tell this subscription's client what changed for it. */
  protected replayable(): boolean {
    return true;
  }

  /** Work before missed changes are replayed (a view lists its current matches). */
  protected async prepareReplay(): Promise<void> {}

  /** Whether a change of this subscription's table concerns it (a record subscription: its key). */
  protected concerns(_change: Change): boolean {
    return true;
  }

  /** Sends one missed change. */
  protected replay(change: Change): void | Promise<void> {
    this.sendReplayed(
      new OutgoingEvent(
        change.type === 'put'
          ? putMessage(change.key, change.value, change.version, Date.now())
          : deleteMessage(change.key, change.version, Date.now()),
      ),
    );
  }

  /** Sends an event of the missed changes (the initial part: not held). */
  protected sendReplayed(event: OutgoingEvent): void {
    this.batchRecords++;
    this.sink.send(event);
    this.host.options.counters?.eventSent();
    this.checkBuffer(0);
  }

  /**
   * Called by the hub, in commit order, with each change that may concern this subscription. A
   * change whose handling must wait for reads is chained after the ones before it.
   */
  receive(change: Change, dispatch: Dispatch): void {
    if (this.phase === 'closed') return;
    if (this.arrivedWhileResuming !== null) {
      this.arrivedWhileResuming.push({ change, dispatch });
      return;
    }
    this.noteChange(change);
    if (this.queue !== null) {
      this.enqueue(() => this.handle(change, dispatch));
      return;
    }
    // Not through guarded(): this runs for every candidate of every change, without allocating.
    const handled = this.handle(change, dispatch);
    if (handled !== undefined) this.wait(handled);
  }

  /** Runs `work` after every change received so far has been handled. */
  protected enqueue(work: () => void | Promise<void>): void {
    if (this.queue === null) {
      const done = this.run(work);
      if (done !== undefined) this.wait(done);
      return;
    }
    const next = this.queue.then(() => this.run(work));
    this.wait(next);
  }

  /** Resolves once every change received so far has been handled. */
  protected settled(): Promise<void> {
    return this.queue ?? Promise.resolve();
  }

  private handle(change: Change, dispatch: Dispatch): void | Promise<void> {
    if (this.phase === 'closed' || this.repeatsInitialState(change)) return undefined;
    return this.run(() => this.apply(change, dispatch));
  }

  /** Runs a step; its failure (thrown or rejected) ends this subscription alone. */
  private run(work: () => void | Promise<void>): void | Promise<void> {
    if (this.phase === 'closed') return undefined;
    try {
      const result = work();
      if (result === undefined) return undefined;
      return result.then(undefined, (error: unknown) => this.fail(error));
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  /** Later changes wait for `pending`; the queue empties itself once nothing more is chained. */
  private wait(pending: Promise<void>): void {
    const queue = pending.then(() => {
      if (this.queue !== queue) return;
      this.queue = null;
      this.busyChanged(false);
    });
    if (this.queue === null) this.busyChanged(true);
    this.queue = queue;
  }

  /**
   * The subscription started (true) or stopped (false) handling changes asynchronously. While it
   * is busy, what it will know of a record (a view's membership) is not known yet.
   */
  protected busyChanged(_busy: boolean): void {}

  /** Ends the subscription (the connection closed, or the server shuts down). */
  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.held = [];
    this.heldBytes = 0;
    this.sentAhead = null;
    this.host.buffers.forget(this);
    this.host.detach(this);
    this.released();
  }

  /** Reads and sends the next batch of the initial state; true once it is complete. */
  protected abstract sendInitialBatch(): Promise<boolean>;

  /**
   * Turns one change into the events this subscription sends, through `emit`; asynchronous when
   * it must read.
   */
  protected abstract apply(change: Change, dispatch: Dispatch): void | Promise<void>;

  /**
   * Hears of every change as the hub delivers it, before it is handled: the initial state uses it
   * to leave alone the records whose changes will tell the client.
   */
  protected noteChange(_change: Change): void {}

  /** Frees what the subscription registered beyond the hub's own tables. */
  protected released(): void {}

  /** Sends one record of the initial state. */
  protected sendInitial(key: Key, value: unknown, version: number): void {
    this.batchRecords++;
    this.rememberSentAhead(key, version);
    this.sink.send(new OutgoingEvent(putMessage(key, value, version, Date.now()), true));
    this.host.options.counters?.eventSent();
    this.checkBuffer(0);
  }

  /**
   * Remembers a record read at `version` when the hub has not dispatched that commit yet: its
   * event (or an earlier one of the same record) will arrive later and must be dropped.
   */
  protected rememberSentAhead(key: Key, version: number): void {
    if (version <= this.host.lastVersion) return;
    this.sentAhead ??= new Map();
    this.sentAhead.set(key, version);
    if (version > this.sentAheadUpTo) this.sentAheadUpTo = version;
  }

  /** Whether the current batch of the initial state is big enough to wait for the consumer. */
  protected batchFull(): boolean {
    if (this.phase === 'closed') return true;
    const full =
      this.batchRecords >= MAX_BATCH_RECORDS ||
      this.sink.bufferedBytes >= this.host.options.sendBufferLimit / 4;
    if (full) this.batchRecords = 0;
    return full;
  }

  /** A message published to the record (or table) subscribed to; sent like a change's event. */
  deliverMessage(event: OutgoingEvent): void {
    this.emit(event);
  }

  /** Sends an event now, or holds it until the initial state is out. */
  protected emit(event: OutgoingEvent): void {
    if (this.phase === 'live') {
      this.sink.send(event);
      this.host.options.counters?.eventSent();
      this.checkBuffer(0);
    } else if (this.phase === 'initial') {
      this.held.push(event);
      this.heldBytes += event.frame(this.sink.format).length;
      this.checkBuffer(this.heldBytes);
    }
  }

  private repeatsInitialState(change: Change): boolean {
    const sentAhead = this.sentAhead;
    if (sentAhead === null) return false;
    if (this.phase === 'live' && change.version > this.sentAheadUpTo) {
      // Every commit a read could have seen ahead of the hub has now been dispatched.
      this.sentAhead = null;
      return false;
    }
    const sent = sentAhead.get(change.key);
    return sent !== undefined && change.version <= sent;
  }

  private checkBuffer(heldBytes: number): void {
    const limit = this.host.options.sendBufferLimit;
    const pending = this.sink.bufferedBytes + heldBytes;
    if (pending > limit) {
      this.host.options.counters?.subscriberDropped();
      this.end(
        CLOSE_CODES.tryAgainLater,
        `send buffer limit of ${limit} bytes exceeded: the client does not read fast enough`,
      );
    } else if (this.host.buffers.report(this, pending)) {
      // All connections together hold too much: the one that adds to it goes.
      this.host.options.counters?.subscriberDropped();
      this.end(
        CLOSE_CODES.tryAgainLater,
        `the server's send buffers are full (${this.host.buffers.limit} bytes across connections); try again later`,
      );
    }
  }

  private fail(error: unknown): void {
    // A client's mistake (an event over the answer budget) is no failure of the server's.
    if (error instanceof ClientError) {
      this.end(CLOSE_CODES.unavailable, error.message);
      return;
    }
    log.error('real-time subscription failed', { err: error });
    this.end(CLOSE_CODES.unavailable, 'internal error');
  }

  private end(
    code: typeof CLOSE_CODES.tryAgainLater | typeof CLOSE_CODES.unavailable,
    reason: string,
  ): void {
    if (this.phase === 'closed') return;
    this.close();
    this.sink.close(code, reason);
  }
}

/** `/T/<id>`: the record, then each of its changes. */
export class RecordSubscription extends Subscription {
  constructor(
    table: TableMeta,
    readonly key: Key,
    sink: EventSink,
    host: SubscriptionHost,
    resume?: Resumption,
  ) {
    super(table, sink, host, resume);
  }

  protected override concerns(change: Change): boolean {
    return change.key === this.key;
  }

  /** A change arrived before the record was read: its event tells the client instead. */
  private changed = false;

  protected async sendInitialBatch(): Promise<boolean> {
    const entry = await this.host.read().get(this.table.name, this.key);
    if (entry !== undefined && !this.changed) {
      this.sendInitial(entry.key, entry.value, entry.version);
    }
    return true;
  }

  protected override noteChange(): void {
    if (this.sendingInitialState) this.changed = true;
  }

  protected apply(change: Change, dispatch: Dispatch): void {
    this.emit(dispatch.eventFor(change));
  }
}

/** `/T/`: every record in key order, then every change of the table. */
export class TableSubscription extends Subscription {
  /** The last key the initial state reached; the next batch starts after it. */
  private after: Key | null = null;
  /** Keys whose changes arrived during the initial state: their events tell the client already. */
  private changed = new Set<Key>();

  protected async sendInitialBatch(): Promise<boolean> {
    const range =
      this.after === null ? undefined : { start: { value: this.after, inclusive: false } };
    for await (const batch of this.host.read().scan(this.table.name, range)) {
      for (const entry of batch) {
        this.after = entry.key;
        if (!this.changed.has(entry.key)) this.sendInitial(entry.key, entry.value, entry.version);
        // Leaving the loop stops the scan; the next batch starts after `after`.
        if (this.batchFull()) return this.closed;
      }
    }
    this.changed = new Set();
    return true;
  }

  protected override noteChange(change: Change): void {
    if (this.sendingInitialState) this.changed.add(change.key);
  }

  protected apply(change: Change, dispatch: Dispatch): void {
    this.emit(dispatch.eventFor(change));
  }
}
