/**
 * An LRU read cache in front of any storage. Caches get() results, misses included. A write
 * updates the cache only after the inner write succeeded; a failed write evicts the key, since
 * the inner state is then unknown. list() is not cached.
 *
 * Races it guards against:
 * - a get that read the old value and returns after a write finished must not cache that old
 *   value: reads in flight are marked stale when a write to their key completes;
 * - two overlapping writes to one key may be applied in either order by the inner storage, so
 *   when writes overlap the cache is evicted instead of updated.
 */
import { LRUCache } from 'lru-cache';
import type { PhysicalStorage } from './physical.js';
import { checkKey, checkValue, closedError, copyBytes, copyOps } from './validate.js';

export type ReadCacheOptions = {
  /** Default 65 536 entries. */
  maxEntries?: number;
  /** Approximate bytes of keys and values held. Default 64 MiB; larger values are never cached. */
  maxBytes?: number;
};

export type CachedStorage = PhysicalStorage & {
  /** Drops `key` (or everything) from the cache, e.g. when another node wrote it. */
  invalidate(key?: string): void;
};

// lru-cache can't hold null, so misses are cached as { value: null }.
type Entry = { readonly value: Uint8Array | null };
type Read = { stale: boolean };
type Writes = { inFlight: number; overlapped: boolean };

export function withReadCache(inner: PhysicalStorage, options: ReadCacheOptions = {}): CachedStorage {
  const cache = new LRUCache<string, Entry>({
    max: options.maxEntries ?? 65_536,
    maxSize: options.maxBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (entry, key) => key.length + (entry.value?.byteLength ?? 0) + 1,
  });
  const reads = new Map<string, Set<Read>>();
  const writes = new Map<string, Writes>();
  let closed = false;

  const open = (): void => {
    if (closed) throw closedError();
  };

  const markReadsStale = (key: string): void => {
    for (const read of reads.get(key) ?? []) read.stale = true;
  };

  const beginWrite = (key: string): void => {
    const state = writes.get(key);
    if (state === undefined) writes.set(key, { inFlight: 1, overlapped: false });
    else {
      state.inFlight += 1;
      state.overlapped = true;
    }
  };

  /** `value` is what the key now holds (null: deleted), or undefined when the write failed. */
  const endWrite = (key: string, value: Uint8Array | null | undefined): void => {
    const state = writes.get(key);
    const overlapped = state?.overlapped ?? true;
    if (state !== undefined && --state.inFlight === 0) writes.delete(key);
    markReadsStale(key);
    if (value === undefined || overlapped) cache.delete(key);
    else cache.set(key, { value });
  };

  /** Runs an inner write of `outcome` (each key's final value) and settles the cache. */
  const write = async (outcome: ReadonlyMap<string, Uint8Array | null>, run: () => Promise<void>): Promise<void> => {
    for (const key of outcome.keys()) beginWrite(key);
    try {
      await run();
    } catch (err) {
      for (const key of outcome.keys()) endWrite(key, undefined);
      throw err;
    }
    for (const [key, value] of outcome) endWrite(key, value);
  };

  return {
    type: inner.type,
    async get(key) {
      open();
      checkKey(key);
      const hit = cache.get(key);
      if (hit !== undefined) return hit.value === null ? null : copyBytes(hit.value);

      const read: Read = { stale: false };
      const pending = reads.get(key) ?? new Set<Read>();
      reads.set(key, pending);
      pending.add(read);
      try {
        const value = await inner.get(key);
        if (read.stale || closed) return value;
        cache.set(key, { value });
        return value === null ? null : copyBytes(value);
      } finally {
        pending.delete(read);
        if (pending.size === 0 && reads.get(key) === pending) reads.delete(key);
      }
    },
    async put(key, value) {
      open();
      checkKey(key);
      checkValue(value);
      const own = copyBytes(value);
      await write(new Map([[key, own]]), () => inner.put(key, own));
    },
    async delete(key) {
      open();
      checkKey(key);
      await write(new Map([[key, null]]), () => inner.delete(key));
    },
    async list(prefix) {
      open();
      return inner.list(prefix);
    },
    async transaction(ops) {
      open();
      const copied = copyOps(ops);
      const outcome = new Map<string, Uint8Array | null>();
      for (const op of copied) outcome.set(op.key, op.op === 'put' ? op.value : null);
      await write(outcome, () => inner.transaction(copied));
    },
    invalidate(key) {
      if (key === undefined) {
        cache.clear();
        for (const k of reads.keys()) markReadsStale(k);
        for (const state of writes.values()) state.overlapped = true;
        return;
      }
      cache.delete(key);
      markReadsStale(key);
      const state = writes.get(key);
      if (state !== undefined) state.overlapped = true;
    },
    async close() {
      closed = true;
      cache.clear();
      await inner.close();
    },
  };
}
