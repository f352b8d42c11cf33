/**
 * `storeWith` (templates/runtime/store/wrap.ts): a wrapping store (the expiring view, the one that
 * tells other workers of its commits) keeps every call of the store it wraps, the optional ones
 * included. The expiring view once dropped `retypedAttributes`, so a schema with an expiring
 * table skipped the changed-type check at start.
 */
import { describe, expect, it } from 'vitest';
import { expiringStore } from '../../../templates/runtime/store/expiring.js';
import type { Store } from '../../../templates/runtime/store/types.js';
import { storeWith } from '../../../templates/runtime/store/wrap.js';

/** A store whose every call says which it was, from `calls`. */
function recordingStore(calls: string[]): Store {
  const called = <T>(name: string, value: T): T => {
    calls.push(name);
    return value;
  };
  return {
    read: () => called('read', {} as ReturnType<Store['read']>),
    write: () => called('write', Promise.resolve({ value: undefined, version: 1, changes: [] })),
    onCommit: () => called('onCommit', () => {}),
    refresh: () => called('refresh', Promise.resolve()),
    lastVersion: () => called('lastVersion', Promise.resolve(1)),
    changesSince: () => called('changesSince', Promise.resolve([])),
    close: () => called('close', Promise.resolve()),
    backup: () => called('backup', Promise.resolve()),
    broadcast: () => called('broadcast', Promise.resolve()),
    onBroadcast: () => called('onBroadcast', () => {}),
    indexesBuilt: () => called('indexesBuilt', Promise.resolve()),
    retypedAttributes: () => called('retypedAttributes', ['T.a']),
    settleRetyped: () => called('settleRetyped', Promise.resolve()),
  } as unknown as Store;
}

async function callEverything(store: Store): Promise<void> {
  store.read();
  await store.write(() => undefined);
  store.onCommit(() => {});
  await store.refresh();
  await store.lastVersion();
  await store.changesSince(0, 1);
  await store.backup?.('/nowhere');
  await store.broadcast?.('x');
  store.onBroadcast?.(() => {});
  await store.indexesBuilt?.();
  expect(store.retypedAttributes?.()).toEqual(['T.a']);
  await store.settleRetyped?.(['T.a']);
  await store.close();
}

const EVERY_CALL = [
  'read',
  'write',
  'onCommit',
  'refresh',
  'lastVersion',
  'changesSince',
  'backup',
  'broadcast',
  'onBroadcast',
  'indexesBuilt',
  'retypedAttributes',
  'settleRetyped',
  'close',
];

describe('storeWith', () => {
  it('hands every call it does not replace to the store it wraps', async () => {
    const calls: string[] = [];
    await callEverything(storeWith(recordingStore(calls), {}));
    expect(calls).toEqual(EVERY_CALL);
  });

  it('leaves out the optional calls the wrapped store lacks', () => {
    const inner = recordingStore([]);
    delete (inner as { broadcast?: unknown }).broadcast;
    expect('broadcast' in storeWith(inner, {})).toBe(false);
  });

  it('serves the expiring view with every call of its store but reads and writes', async () => {
    const calls: string[] = [];
    const expiring = expiringStore(recordingStore(calls), new Map([['T', 1000]]), Date.now);
    await callEverything(expiring);
    expect(calls).toEqual(EVERY_CALL);
  });
});
