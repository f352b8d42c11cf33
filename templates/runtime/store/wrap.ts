/**
 * A store that is another with its reads or writes changed (the expiring view, a store that tells
 * the other workers of its commits): every other call, the optional ones included, goes to the
 * store it wraps, so that no wrapper can lose one.
 */
import type { Store } from './types.js';

export function storeWith(inner: Store, own: Partial<Pick<Store, 'read' | 'write'>>): Store {
  const store: Store = {
    read: own.read ?? (() => inner.read()),
    write: own.write ?? ((work, options) => inner.write(work, options)),
    onCommit: (listener) => inner.onCommit(listener),
    refresh: () => inner.refresh(),
    lastVersion: () => inner.lastVersion(),
    changesSince: (version, limit) => inner.changesSince(version, limit),
    close: () => inner.close(),
  };
  if (inner.backup !== undefined)
    store.backup = (directory) => inner.backup?.(directory) ?? Promise.resolve();
  if (inner.broadcast !== undefined)
    store.broadcast = (payload) => inner.broadcast?.(payload) ?? Promise.resolve();
  if (inner.onBroadcast !== undefined)
    store.onBroadcast = (listener) => inner.onBroadcast?.(listener) ?? (() => {});
  if (inner.indexesBuilt !== undefined)
    store.indexesBuilt = () => inner.indexesBuilt?.() ?? Promise.resolve();
  if (inner.retypedAttributes !== undefined)
    store.retypedAttributes = () => inner.retypedAttributes?.() ?? [];
  if (inner.settleRetyped !== undefined)
    store.settleRetyped = (names) => inner.settleRetyped?.(names) ?? Promise.resolve();
  return store;
}
