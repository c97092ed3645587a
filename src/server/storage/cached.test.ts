import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withReadCache } from './cached.js';
import { runStorageConformance } from './conformance.js';
import { createInmemStorage } from './inmem.js';
import type { PhysicalStorage } from './physical.js';
import { createSqliteStorage } from './sqlite.js';

// A tiny cache, so eviction happens all the time.
runStorageConformance('cached inmem', async () => ({ storage: withReadCache(createInmemStorage(), { maxEntries: 8 }) }));

runStorageConformance('cached sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-cached-'));
  return {
    storage: withReadCache(createSqliteStorage({ path: join(dir, 'coffer.db') })),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

type Gate = { release: () => void; wait: Promise<void> };
const gate = (): Gate => {
  let release = (): void => {};
  const wait = new Promise<void>((resolve) => (release = resolve));
  return { release, wait };
};

/**
 * An inmem storage that counts reads, can fail writes, and can hold a read (after it has read
 * the current value) or a write (after it has been applied) until a gate opens.
 */
function fakeInner() {
  const real = createInmemStorage();
  const control = {
    gets: 0,
    failWrites: false,
    failAfterApply: false,
    holdNextGet: null as Gate | null,
    holdNextWrite: null as Gate | null,
  };
  const write = async (run: () => Promise<void>): Promise<void> => {
    if (control.failWrites) throw new Error('disk on fire');
    const held = control.holdNextWrite;
    control.holdNextWrite = null;
    await run();
    if (held !== null) await held.wait;
    if (control.failAfterApply) throw new Error('connection lost');
  };
  const storage: PhysicalStorage = {
    type: 'fake',
    async get(key) {
      control.gets += 1;
      const held = control.holdNextGet;
      control.holdNextGet = null;
      const value = await real.get(key);
      if (held !== null) await held.wait;
      return value;
    },
    put: (key, value) => write(() => real.put(key, value)),
    delete: (key) => write(() => real.delete(key)),
    transaction: (ops) => write(() => real.transaction(ops)),
    list: (prefix) => real.list(prefix),
    close: () => real.close(),
  };
  return { storage, control };
}

describe('read cache', () => {
  it('takes its type from the inner storage', () => {
    expect(withReadCache(fakeInner().storage).type).toBe('fake');
  });

  it('serves repeated reads, and misses, from the cache', async () => {
    const { storage: inner, control } = fakeInner();
    await inner.put('k', bytes(1));
    const cached = withReadCache(inner);
    expect(await cached.get('k')).toEqual(bytes(1));
    expect(await cached.get('k')).toEqual(bytes(1));
    expect(await cached.get('missing')).toBeNull();
    expect(await cached.get('missing')).toBeNull();
    expect(control.gets).toBe(2);
  });

  it('returns the written values after put, delete and transaction', async () => {
    const { storage: inner } = fakeInner();
    const cached = withReadCache(inner);
    expect(await cached.get('a')).toBeNull();
    expect(await cached.get('b')).toBeNull();
    await cached.put('a', bytes(1));
    expect(await cached.get('a')).toEqual(bytes(1));
    await cached.transaction([
      { op: 'put', key: 'b', value: bytes(2) },
      { op: 'delete', key: 'a' },
    ]);
    expect(await cached.get('a')).toBeNull();
    expect(await cached.get('b')).toEqual(bytes(2));
    await cached.delete('b');
    expect(await cached.get('b')).toBeNull();
    expect(await inner.get('b')).toBeNull();
  });

  it('keeps serving the stored value after writes that failed', async () => {
    const { storage: inner, control } = fakeInner();
    const cached = withReadCache(inner);
    await cached.put('k', bytes(1));
    expect(await cached.get('k')).toEqual(bytes(1));
    expect(await cached.get('n')).toBeNull();

    control.failWrites = true;
    await expect(cached.put('k', bytes(2))).rejects.toThrow('disk on fire');
    await expect(cached.put('n', bytes(2))).rejects.toThrow('disk on fire');
    await expect(cached.delete('k')).rejects.toThrow('disk on fire');
    await expect(cached.transaction([{ op: 'put', key: 'k', value: bytes(3) }])).rejects.toThrow('disk on fire');

    expect(await cached.get('k')).toEqual(bytes(1));
    expect(await cached.get('n')).toBeNull();
  });

  it('re-reads a key whose write failed in a way that may have applied it', async () => {
    const { storage: inner, control } = fakeInner();
    const cached = withReadCache(inner);
    await cached.put('k', bytes(1));
    control.failAfterApply = true;
    await expect(cached.put('k', bytes(2))).rejects.toThrow('connection lost');
    expect(await cached.get('k')).toEqual(bytes(2));
  });

  it('does not cache a value read before a concurrent write finished', async () => {
    const { storage: inner, control } = fakeInner();
    await inner.put('k', bytes(1));
    const cached = withReadCache(inner);

    const held = gate();
    control.holdNextGet = held;
    const staleRead = cached.get('k'); // reads the old value, then waits
    await cached.put('k', bytes(2));
    held.release();
    expect(await staleRead).toEqual(bytes(1)); // it overlapped the write, so either value is fine
    expect(await cached.get('k')).toEqual(bytes(2));
  });

  it('evicts instead of guessing when two writes to one key overlap', async () => {
    const { storage: inner, control } = fakeInner();
    const cached = withReadCache(inner);
    // The inner storage applies 1 then 2, but acknowledges the write of 1 last.
    const first = gate();
    control.holdNextWrite = first;
    const write1 = cached.put('k', bytes(1));
    const write2 = cached.put('k', bytes(2));
    await write2;
    first.release();
    await write1;
    expect(await inner.get('k')).toEqual(bytes(2));
    expect(await cached.get('k')).toEqual(bytes(2));
  });

  it('drops one key or everything on invalidate', async () => {
    const { storage: inner } = fakeInner();
    const cached = withReadCache(inner);
    await cached.put('a', bytes(1));
    await cached.put('b', bytes(1));
    expect(await cached.get('a')).toEqual(bytes(1));

    // Another node wrote behind this cache's back.
    await inner.put('a', bytes(2));
    await inner.put('b', bytes(2));
    expect(await cached.get('a')).toEqual(bytes(1));
    cached.invalidate('a');
    expect(await cached.get('a')).toEqual(bytes(2));
    expect(await cached.get('b')).toEqual(bytes(1));
    cached.invalidate();
    expect(await cached.get('b')).toEqual(bytes(2));
  });

  it('does not cache a read that was in flight during an invalidation', async () => {
    const { storage: inner, control } = fakeInner();
    await inner.put('k', bytes(1));
    const cached = withReadCache(inner);

    const held = gate();
    control.holdNextGet = held;
    const read = cached.get('k');
    await inner.put('k', bytes(2));
    cached.invalidate('k');
    held.release();
    await read;
    expect(await cached.get('k')).toEqual(bytes(2));
  });

  it('never caches values larger than maxBytes, and still returns them', async () => {
    const { storage: inner, control } = fakeInner();
    const cached = withReadCache(inner, { maxBytes: 100 });
    const big = new Uint8Array(1000).fill(7);
    await cached.put('big', big);
    expect(await cached.get('big')).toEqual(big);
    expect(await cached.get('big')).toEqual(big);
    expect(control.gets).toBe(2);
  });

  it('hands out copies of cached bytes', async () => {
    const cached = withReadCache(createInmemStorage());
    await cached.put('k', bytes(1, 2));
    const first = await cached.get('k');
    first?.fill(0);
    expect(await cached.get('k')).toEqual(bytes(1, 2));
  });
});
