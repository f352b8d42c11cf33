/**
 * The subscription hub against a real LMDB store, with recording sinks in place of sockets.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SchemaMeta, TableMeta } from '../../../templates/runtime/meta.js';
import { parseQuery } from '../../../templates/runtime/query/index.js';
import type { EventMessage } from '../../../templates/runtime/realtime/event.js';
import { SubscriptionHub } from '../../../templates/runtime/realtime/hub.js';
import {
  DEFAULT_REALTIME_OPTIONS,
  type RealtimeOptions,
} from '../../../templates/runtime/realtime/options.js';
import type { SubscriptionTarget } from '../../../templates/runtime/realtime/target.js';
import { openLmdbStore } from '../../../templates/runtime/store/lmdb.js';
import type {
  Commit,
  Key,
  Store,
  Committed,
  StoreWriteOptions,
  StoredValue,
  WriteTxn,
} from '../../../templates/runtime/store/types.js';
import { collect } from '../../helpers/batches.js';
import { calendarSchema } from '../fixtures/schemas.js';
import { assertProperty } from '../../helpers/seed.js';
import { eventually, RecordingSink } from './helpers.js';

function tableOf(schema: SchemaMeta, name: string): TableMeta {
  const table = schema.tables.find((candidate) => candidate.name === name);
  if (!table) throw new Error(`no table ${name}`);
  return table;
}

const Event = tableOf(calendarSchema, 'Event');

/**
 * The store, with commit notifications that can be held back: what happens when a read sees a
 * commit before the hub has been told about it.
 */
class LateNotifyingStore implements Store {
  private readonly listeners = new Set<(commit: Commit) => void>();
  private held: Commit[] | null = null;

  constructor(private readonly inner: Store) {
    inner.onCommit((commit) => (this.held ? this.held.push(commit) : this.publish(commit)));
  }

  read() {
    return this.inner.read();
  }
  write<T>(
    work: (txn: WriteTxn) => T | Promise<T>,
    options?: StoreWriteOptions,
  ): Promise<Committed<T>> {
    return this.inner.write(work, options);
  }
  refresh(): Promise<void> {
    return this.inner.refresh();
  }
  lastVersion(): Promise<number> {
    return this.inner.lastVersion();
  }
  changesSince(version: number, limit: number): Promise<Commit[] | undefined> {
    return this.inner.changesSince(version, limit);
  }
  onCommit(listener: (commit: Commit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const commit of held) this.publish(commit);
  }

  private publish(commit: Commit): void {
    for (const listener of this.listeners) listener(commit);
  }
}

let directory: string;
let store: LateNotifyingStore;
let hub: SubscriptionHub;

function openHub(options: Partial<RealtimeOptions> = {}): void {
  // On the first call there is no hub yet, whatever the declaration says.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  hub?.close();
  hub = new SubscriptionHub(calendarSchema, store, { ...DEFAULT_REALTIME_OPTIONS, ...options });
}

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'codegen-hub-'));
  store = new LateNotifyingStore(openLmdbStore(calendarSchema, { path: directory }));
  openHub();
});

afterEach(async () => {
  hub.close();
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

function event(id: string, fields: StoredValue = {}): StoredValue {
  return { id, title: `Event ${id}`, attendeeIds: [], status: 'confirmed', ...fields };
}

/** Writes, and lets the subscriptions turn the commit into events (a view may read to do so). */
async function put(...records: StoredValue[]): Promise<void> {
  await store.write((txn) => {
    for (const record of records) txn.put('Event', record.id as Key, record);
  });
  await settle();
}

async function remove(...keys: Key[]): Promise<void> {
  await store.write(async (txn) => {
    for (const key of keys) await txn.delete('Event', key);
  });
  await settle();
}

/**
 * Subscribes, and lets the subscription read its initial state: the store's reads are promises
 * (LMDB's already settled), so its first batch is out once the pending callbacks have run.
 */
async function subscribe(
  target: SubscriptionTarget,
  sink = new RecordingSink(),
): Promise<RecordingSink> {
  hub.subscribe(target, sink);
  await settle();
  return sink;
}

/** Lets every callback already due run (promise reactions, then I/O callbacks, twice over). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
}

function view(raw: string): SubscriptionTarget {
  return {
    kind: 'view',
    table: Event,
    query: parseQuery(raw, { schema: calendarSchema, table: Event }),
  };
}

const tableTarget: SubscriptionTarget = { kind: 'table', table: Event };

/** What a client holds after applying `messages` in order. */
function clientState(messages: readonly EventMessage[]): Map<Key, unknown> {
  const state = new Map<Key, unknown>();
  for (const message of messages) {
    if (message.type === 'put') state.set(message.id, message.value);
    else state.delete(message.id);
  }
  return state;
}

/** Per record, each message a subscriber gets is about a later version than the one before. */
function expectVersionsIncrease(messages: readonly EventMessage[]): void {
  const last = new Map<Key, number>();
  for (const message of messages) {
    const previous = last.get(message.id);
    if (previous !== undefined)
      expect(message.version, `${message.type} ${message.id}`).toBeGreaterThan(previous);
    last.set(message.id, message.version);
  }
}

function summary(messages: readonly EventMessage[]): string[] {
  return messages.map(
    (message) => `${message.type} ${message.id}${message.reason ? ` (${message.reason})` : ''}`,
  );
}

describe('a record subscription', () => {
  it('gets the record, then each change of it as put with the whole record, and delete without value', async () => {
    await put(event('e1'), event('e2'));
    const sink = await subscribe({ kind: 'record', table: Event, key: 'e1' });
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]).toMatchObject({ id: 'e1', type: 'put', value: event('e1') });

    await put(event('e1', { title: 'Renamed' }));
    await put(event('e2', { title: 'Other' }));
    await remove('e1');
    expect(summary(sink.messages)).toEqual(['put e1', 'put e1', 'delete e1']);
    expect(sink.messages[1]?.value).toEqual(event('e1', { title: 'Renamed' }));
    expect(sink.messages[2]).not.toHaveProperty('value');
  });

  it('carries the commit version, and the server clock as localTime', async () => {
    const before = Date.now();
    const sink = await subscribe({ kind: 'record', table: Event, key: 'e1' });
    await put(event('e1'));
    const stored = await store.read().get('Event', 'e1');
    const message = sink.messages[0]!;
    expect(message.version).toBe(stored?.version);
    expect(message.localTime).toBeGreaterThanOrEqual(before);
    expect(Object.keys(message)).toEqual(['id', 'type', 'value', 'version', 'localTime']);
  });

  it('starts empty for a missing record and sees it created', async () => {
    const sink = await subscribe({ kind: 'record', table: Event, key: 'e1' });
    expect(sink.messages).toEqual([]);
    await put(event('e1'));
    expect(summary(sink.messages)).toEqual(['put e1']);
  });
});

describe('a table subscription', () => {
  it('gets every record in key order, then every change in commit order', async () => {
    await put(event('b'), event('a'), event('c'));
    const sink = await subscribe(tableTarget);
    await put(event('z'));
    await remove('a');
    await put(event('b', { status: 'cancelled' }));
    expect(summary(sink.messages)).toEqual([
      'put a',
      'put b',
      'put c',
      'put z',
      'delete a',
      'put b',
    ]);
  });

  it('gets one event per record of a transaction, carrying the record as committed', async () => {
    const sink = await subscribe(tableTarget);
    await store.write((txn) => {
      txn.put('Event', 'e1', event('e1', { title: 'first' }));
      txn.put('Event', 'e2', event('e2'));
      txn.put('Event', 'e1', event('e1', { title: 'second' }));
    });
    expect(summary(sink.messages)).toEqual(['put e2', 'put e1']);
    expect(sink.messages[1]?.value).toMatchObject({ title: 'second' });
  });

  it('gets one delete per record deleted by one transaction', async () => {
    await put(event('e1'), event('e2'), event('e3'));
    const sink = await subscribe(tableTarget);
    sink.messages.length = 0;
    await remove('e1', 'e2', 'e3');
    expect(summary(sink.messages)).toEqual(['delete e1', 'delete e2', 'delete e3']);
    expect(new Set(sink.messages.map((message) => message.version)).size).toBe(1);
  });

  it('gets nothing of a write that failed', async () => {
    const sink = await subscribe(tableTarget);
    await expect(
      store.write((txn) => {
        txn.put('Event', 'e1', event('e1'));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await put(event('e2'));
    expect(summary(sink.messages)).toEqual(['put e2']);
  });

  it('gets nothing of other tables', async () => {
    const sink = await subscribe(tableTarget);
    await store.write((txn) => txn.put('User', 'u1', { id: 'u1', name: 'Ada' }));
    expect(sink.messages).toEqual([]);
  });
});

describe('a filtered view', () => {
  it('gets the current matches, then records that start matching as put and those that stop as unmatched deletes', async () => {
    await put(event('e1', { attendeeIds: ['user123'] }), event('e2', { attendeeIds: ['other'] }));
    const sink = await subscribe(view('attendeeIds=user123'));
    expect(summary(sink.messages)).toEqual(['put e1']);

    await put(event('e2', { attendeeIds: ['other', 'user123'] }));
    await put(event('e3', { attendeeIds: ['nobody'] }));
    await put(event('e1', { attendeeIds: ['other'] }));
    await put(event('e1', { attendeeIds: [] }));
    expect(summary(sink.messages)).toEqual(['put e1', 'put e2', 'delete e1 (unmatched)']);
    expect(sink.messages[2]).not.toHaveProperty('value');
  });

  it('sends a plain delete for a deleted match and nothing for a deleted non-match', async () => {
    await put(event('e1', { status: 'confirmed' }), event('e2', { status: 'cancelled' }));
    const sink = await subscribe(view('status==confirmed'));
    await remove('e1', 'e2');
    expect(summary(sink.messages)).toEqual(['put e1', 'delete e1']);
  });

  it('sends a changed match again, as put with the new record', async () => {
    await put(event('e1', { status: 'confirmed' }));
    const sink = await subscribe(view('status==confirmed'));
    await put(event('e1', { status: 'confirmed', title: 'Moved' }));
    expect(summary(sink.messages)).toEqual(['put e1', 'put e1']);
    expect(sink.messages[1]?.value).toMatchObject({ title: 'Moved' });
  });

  it('shapes values with select()', async () => {
    await put(event('e1', { status: 'confirmed' }));
    const sink = await subscribe(view('status==confirmed&select(id,title)'));
    await put(event('e2', { status: 'confirmed', title: 'Second' }));
    expect(sink.messages.map((message) => message.value)).toEqual([
      { id: 'e1', title: 'Event e1' },
      { id: 'e2', title: 'Second' },
    ]);
  });

  it('follows views that have no equality to be filed under', async () => {
    await put(event('e1', { title: 'Standup' }), event('e2', { title: 'Retro' }));
    const sink = await subscribe(view('title=sw=Stand|status==cancelled'));
    await put(event('e2', { title: 'Retro', status: 'cancelled' }));
    await put(event('e1', { title: 'Planning' }));
    expect(summary(sink.messages)).toEqual(['put e1', 'put e2', 'delete e1 (unmatched)']);
  });

  it('sends the current matches in the order of sort()', async () => {
    await put(
      event('e1', { title: 'C' }),
      event('e2', { title: 'A' }),
      event('e3', { title: 'B' }),
    );
    const sink = await subscribe(view('status==confirmed&sort(title)'));
    expect(summary(sink.messages)).toEqual(['put e2', 'put e3', 'put e1']);
  });

  it('follows a condition through a relationship when the record changes', async () => {
    await store.write((txn) => txn.put('User', 'u1', { id: 'u1', name: 'Ada' }));
    const sink = await subscribe(view('organizer.name==Ada'));
    await put(event('e1', { organizerId: 'u1' }), event('e2', { organizerId: 'u2' }));
    expect(summary(sink.messages)).toEqual(['put e1']);
  });

  it('follows a condition through a relationship when the related record changes', async () => {
    await store.write((txn) => {
      txn.put('User', 'u1', { id: 'u1', name: 'Ada' });
      txn.put('User', 'u2', { id: 'u2', name: 'Bob' });
    });
    await put(event('e1', { organizerId: 'u1' }), event('e2', { organizerId: 'u2' }));
    const sink = await subscribe(view('organizer.name==Ada&select(id,organizerId)'));
    await store.write((txn) => txn.put('User', 'u3', { id: 'u3', name: 'Cy' }));
    await store.write((txn) => txn.put('User', 'u2', { id: 'u2', name: 'Ada' }));
    await store.write((txn) => txn.put('User', 'u1', { id: 'u1', name: 'Carol' }));
    await settle();
    expect(summary(sink.messages)).toEqual(['put e1', 'put e2', 'delete e1 (unmatched)']);
    expect(sink.messages[1]?.value).toEqual({ id: 'e2', organizerId: 'u2' });
    const renamed = await store.read().get('User', 'u1');
    expect(sink.messages[2]?.version).toBe(renamed?.version);
    expectVersionsIncrease(sink.messages);
  });
});

describe('the initial state and the changes around it', () => {
  it('does not send again a record whose commit a read saw before the hub was told', async () => {
    store.hold();
    await put(event('e1', { attendeeIds: ['user123'] }));
    await put(event('e1', { attendeeIds: ['user123'], title: 'Again' }));
    const table = await subscribe(tableTarget);
    const record = await subscribe({ kind: 'record', table: Event, key: 'e1' });
    const filtered = await subscribe(view('attendeeIds=user123'));
    store.release();
    for (const sink of [table, record, filtered]) {
      expect(summary(sink.messages)).toEqual(['put e1']);
      expect(sink.messages[0]?.value).toMatchObject({ title: 'Again' });
    }
    await put(event('e1', { attendeeIds: ['user123'], title: 'Later' }));
    for (const sink of [table, record, filtered])
      expect(summary(sink.messages)).toEqual(['put e1', 'put e1']);
  });

  it('holds the changes made while a slow consumer takes the initial state, and repeats no record', async () => {
    const records = Array.from({ length: 1500 }, (_, i) => event(`e${String(i).padStart(4, '0')}`));
    await put(...records);
    const sink = new RecordingSink();
    sink.stall();
    await subscribe(tableTarget, sink);
    const firstBatch = sink.messages.length;
    expect(firstBatch).toBeGreaterThan(0);
    expect(firstBatch).toBeLessThan(records.length);

    // One record already sent, one not yet, one deleted before it is reached, one new.
    await put(event('e0001', { title: 'changed early' }));
    await put(event('e1400', { title: 'changed late' }));
    await remove('e1401');
    await put(event('new'));
    expect(sink.messages).toHaveLength(firstBatch);

    sink.resume();
    await eventually(() => sink.messages.some((message) => message.id === 'new'));
    const initial = sink.messages.slice(0, sink.messages.length - 4);
    expect(new Set(initial.map((message) => message.id)).size).toBe(initial.length);
    expect(initial.map((message) => message.id)).not.toContain('e1400');
    expect(initial.map((message) => message.id)).not.toContain('e1401');
    expect(summary(sink.messages.slice(-4))).toEqual([
      'put e0001',
      'put e1400',
      'delete e1401',
      'put new',
    ]);
    const truth = new Map(
      (await collect(store.read().scan('Event'))).map((entry) => [entry.key, entry.value]),
    );
    expect(clientState(sink.messages)).toEqual(truth);
    expectVersionsIncrease(sink.messages);
  });

  it('holds a view member that changes while the initial state is on its way', async () => {
    const records = Array.from({ length: 1200 }, (_, i) =>
      event(`e${String(i).padStart(4, '0')}`, { attendeeIds: ['user123'] }),
    );
    await put(...records);
    const sink = new RecordingSink();
    sink.stall();
    await subscribe(view('attendeeIds=user123'), sink);
    await put(event('e1100', { attendeeIds: ['other'] }));
    await put(event('e1101', { attendeeIds: ['user123'], title: 'moved' }));
    await put(event('e0000', { attendeeIds: [] }));
    sink.resume();
    await eventually(() =>
      sink.messages.some((message) => message.id === 'e0000' && message.type === 'delete'),
    );
    expect(sink.messages.filter((message) => message.id === 'e1100')).toEqual([]);
    expect(summary(sink.messages.slice(-2))).toEqual(['put e1101', 'delete e0000 (unmatched)']);
    // The true state by hand: every record written with user123 among its attendees, as last written.
    const written = new Map<Key, StoredValue>(
      records.map((record) => [record['id'] as Key, record]),
    );
    for (const record of [
      event('e1100', { attendeeIds: ['other'] }),
      event('e1101', { attendeeIds: ['user123'], title: 'moved' }),
      event('e0000', { attendeeIds: [] }),
    ]) {
      written.set(record['id'] as Key, record);
    }
    const truth = new Map(
      [...written].filter(([, value]) => attendeesOf(value).includes('user123')),
    );
    expect(truth.size).toBe(1198);
    expect(clientState(sink.messages)).toEqual(truth);
  });
});

describe('a consumer that does not keep up', () => {
  it('is closed with 1013 once its buffer passes the limit, and its subscription is freed', async () => {
    openHub({ sendBufferLimit: 4096 });
    const sink = new RecordingSink();
    await subscribe(tableTarget, sink);
    sink.stall();
    for (let i = 0; i < 100 && sink.open; i++)
      await put(event(`e${i}`, { title: 'x'.repeat(200) }));
    expect(sink.closedWith?.code).toBe(1013);
    expect(sink.closedWith?.reason).toMatch(/4096 bytes/);
    expect(hub.subscriptionCount).toBe(0);
    const received = sink.messages.length;
    await put(event('after'));
    expect(sink.messages).toHaveLength(received);
  });

  it('is closed when the changes held during its initial state pass the limit', async () => {
    openHub({ sendBufferLimit: 64 * 1024 });
    await put(...Array.from({ length: 1000 }, (_, i) => event(`e${String(i).padStart(4, '0')}`)));
    const sink = new RecordingSink();
    sink.stall();
    await subscribe(tableTarget, sink);
    for (let i = 0; i < 400 && sink.open; i++)
      await put(event(`late${i}`, { title: 'x'.repeat(400) }));
    expect(sink.closedWith?.code).toBe(1013);
    expect(hub.subscriptionCount).toBe(0);
  });
});

describe('registrations', () => {
  it('are all released when subscriptions close', async () => {
    await put(event('e1', { attendeeIds: ['u1'] }), event('e2', { attendeeIds: ['u2'] }));
    const subscriptions = [
      hub.subscribe({ kind: 'record', table: Event, key: 'e1' }, new RecordingSink()),
      hub.subscribe(tableTarget, new RecordingSink()),
      hub.subscribe(view('attendeeIds=u1'), new RecordingSink()),
      hub.subscribe(view('title=sw=Event'), new RecordingSink()),
      hub.subscribe(view('attendees.name==Ada'), new RecordingSink()),
    ];
    await settle();
    expect(hub.subscriptionCount).toBe(5);
    expect(hub.viewMemberCount).toBe(3);
    expect(hub.registeredTableCount).toBe(2);
    for (const subscription of subscriptions) subscription.close();
    expect(hub.subscriptionCount).toBe(0);
    expect(hub.viewMemberCount).toBe(0);
    expect(hub.registeredTableCount).toBe(0);
  });
});

/**
 * The views of the property below, each with its meaning written out by hand (what it matches, how
 * it shapes a record), so that the expected state does not come from the engine's own matching.
 */
const VIEWS: Readonly<
  Record<
    string,
    { matches: (value: StoredValue) => boolean; shape: (value: StoredValue) => unknown }
  >
> = {
  '': { matches: () => true, shape: (value) => value },
  'attendeeIds=u1': {
    matches: (value) => attendeesOf(value).includes('u1'),
    shape: (value) => value,
  },
  'status==confirmed': {
    matches: (value) => value['status'] === 'confirmed',
    shape: (value) => value,
  },
  'attendeeIds=u2&status==cancelled': {
    matches: (value) => attendeesOf(value).includes('u2') && value['status'] === 'cancelled',
    shape: (value) => value,
  },
  'status==cancelled|attendeeIds=u1': {
    matches: (value) => value['status'] === 'cancelled' || attendeesOf(value).includes('u1'),
    shape: (value) => value,
  },
  'attendeeIds=u1&select(id,status)': {
    matches: (value) => attendeesOf(value).includes('u1'),
    shape: (value) => ({ id: value['id'], status: value['status'] }),
  },
};

function attendeesOf(value: StoredValue): unknown[] {
  const attendees = value['attendeeIds'];
  return Array.isArray(attendees) ? attendees : [];
}

describe('every subscriber ends with the true state', () => {
  const keys = ['e1', 'e2', 'e3', 'e4'];
  const users = ['u1', 'u2'];
  const write = fc.oneof(
    fc.record({
      kind: fc.constant('put' as const),
      key: fc.constantFrom(...keys),
      attendeeIds: fc.subarray(users),
      status: fc.constantFrom('confirmed', 'cancelled'),
    }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
  );
  const step = fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .array(write, { minLength: 1, maxLength: 3 })
        .map((writes) => ({ kind: 'commit' as const, writes })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'hold' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'release' as const }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...Object.keys(VIEWS))
        .map((raw) => ({ kind: 'subscribe' as const, raw })),
    },
  );

  it('whatever the interleaving of commits, late notifications and new subscriptions', async () => {
    await assertProperty(
      'every subscriber ends with the true state',
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        await store.write(async (txn) => {
          for (const key of keys) await txn.delete('Event', key);
        });
        const subscribers: { raw: string; sink: RecordingSink }[] = [];
        // The records as this test wrote them: the true state, kept apart from the store.
        const model = new Map<Key, StoredValue>();
        for (const current of steps) {
          if (current.kind === 'hold') store.hold();
          else if (current.kind === 'release') store.release();
          else if (current.kind === 'subscribe') {
            subscribers.push({
              raw: current.raw,
              sink: await subscribe(current.raw === '' ? tableTarget : view(current.raw)),
            });
          } else {
            await store.write(async (txn) => {
              for (const change of current.writes) {
                if (change.kind === 'delete') await txn.delete('Event', change.key);
                else
                  txn.put(
                    'Event',
                    change.key,
                    event(change.key, { attendeeIds: change.attendeeIds, status: change.status }),
                  );
              }
            });
            for (const change of current.writes) {
              if (change.kind === 'delete') model.delete(change.key);
              else
                model.set(
                  change.key,
                  event(change.key, { attendeeIds: change.attendeeIds, status: change.status }),
                );
            }
          }
        }
        store.release();
        await settle();
        for (const { raw, sink } of subscribers) {
          const { matches, shape } = VIEWS[raw]!;
          const truth = new Map<Key, unknown>();
          for (const [key, value] of model) if (matches(value)) truth.set(key, shape(value));
          expect(clientState(sink.messages), `subscriber ?${raw}`).toEqual(truth);
          expectVersionsIncrease(sink.messages);
        }
        for (const { sink } of subscribers) sink.close(1001, 'done');
        hub.close();
        openHub();
      }),
      { numRuns: 60 },
    );
  });
});
