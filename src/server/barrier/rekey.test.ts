/**
 * `Barrier.rekey` (a new root key for the same keyring) and `Barrier.verifyRootKey`.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InternalError, SealedError } from '../../shared/errors.js';
import type { PhysicalOp } from '../storage/physical.js';
import { InvalidRootKeyError, KEYRING_PATH, createBarrier } from './aes-gcm-barrier.js';
import type { Barrier } from './aes-gcm-barrier.js';
import { decryptValue } from './format.js';
import { deserializeKeyring } from './keyring.js';
import type { Keyring } from './keyring.js';
import { MemoryPhysical } from './testing.js';

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const newKey = (): Uint8Array => new Uint8Array(randomBytes(32));

/** A MemoryPhysical whose next transaction (or every one) fails before applying anything. */
class FailingPhysical extends MemoryPhysical {
  failTransactions = false;
  transactions: PhysicalOp[][] = [];

  override async transaction(ops: readonly PhysicalOp[]): Promise<void> {
    if (this.failTransactions) throw new Error('disk on fire');
    this.transactions.push([...ops]);
    await super.transaction(ops);
  }
}

async function unsealed(physical: MemoryPhysical = new MemoryPhysical()): Promise<{ barrier: Barrier; rootKey: Uint8Array }> {
  const rootKey = newKey();
  const barrier = createBarrier(physical);
  await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  return { barrier, rootKey };
}

function storedKeyring(physical: MemoryPhysical, rootKey: Uint8Array): Keyring {
  const raw = physical.entries.get(KEYRING_PATH);
  if (raw === undefined) throw new Error('no keyring stored');
  return deserializeKeyring(decryptValue(rootKey, KEYRING_PATH, raw), rootKey);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** A fresh barrier over the same storage, unsealed with `key` (throws if the key is wrong). */
async function reopen(physical: MemoryPhysical, key: Uint8Array): Promise<Barrier> {
  const barrier = createBarrier(physical);
  await barrier.unseal(key);
  return barrier;
}

describe('barrier: rekey', () => {
  it('re-encrypts the keyring: the new key unseals, the old one no longer does, data intact', async () => {
    const physical = new MemoryPhysical();
    const { barrier, rootKey: oldKey } = await unsealed(physical);
    await barrier.put('secret/a', utf8('alpha'));
    await barrier.rotate();
    await barrier.put('secret/b', utf8('beta'));

    const newRoot = newKey();
    await barrier.rekey(newRoot);

    // The running barrier keeps serving, and now answers to the new key.
    expect(text(await barrier.get('secret/a'))).toBe('alpha');
    expect(barrier.verifyRootKey(newRoot)).toBe(true);
    expect(barrier.verifyRootKey(oldKey)).toBe(false);
    await barrier.unseal(newRoot); // same key while unsealed: a no-op
    await expect(barrier.unseal(oldKey)).rejects.toBeInstanceOf(InvalidRootKeyError);

    // After a restart only the new key opens the keyring.
    await expect(reopen(physical, oldKey)).rejects.toBeInstanceOf(InvalidRootKeyError);
    const fresh = await reopen(physical, newRoot);
    expect(text(await fresh.get('secret/a'))).toBe('alpha');
    expect(text(await fresh.get('secret/b'))).toBe('beta');
    expect(fresh.keyStatus().term).toBe(2);
  });

  it('keeps the data keys and never rewrites a data value', async () => {
    const physical = new MemoryPhysical();
    const { barrier, rootKey: oldKey } = await unsealed(physical);
    await barrier.put('x', utf8('1'));
    await barrier.rotate();
    await barrier.put('y', utf8('2'));
    const before = storedKeyring(physical, oldKey);
    const dataBefore = new Map([...physical.entries].filter(([k]) => k !== KEYRING_PATH).map(([k, v]) => [k, hex(v)]));

    const newRoot = newKey();
    await barrier.rekey(newRoot);

    const after = storedKeyring(physical, newRoot);
    expect(after.keys.map((k) => [k.term, hex(k.value), k.installTime])).toEqual(
      before.keys.map((k) => [k.term, hex(k.value), k.installTime]),
    );
    const dataAfter = new Map([...physical.entries].filter(([k]) => k !== KEYRING_PATH).map(([k, v]) => [k, hex(v)]));
    expect(dataAfter).toEqual(dataBefore);
  });

  it('writes the keyring and the companion ops in ONE transaction', async () => {
    const physical = new FailingPhysical();
    const { barrier } = await unsealed(physical);
    const putsBefore = physical.puts;
    const config = utf8('{"type":"shamir","secret_shares":5,"secret_threshold":3,"stored_shares":0}');
    await barrier.rekey(newKey(), { physicalOps: [{ op: 'put', key: 'core/seal-config', value: config }] });
    expect(physical.puts).toBe(putsBefore);
    expect(physical.transactions).toHaveLength(1);
    expect(physical.transactions[0]?.map((op) => op.key)).toEqual([KEYRING_PATH, 'core/seal-config']);
    expect(text(physical.entries.get('core/seal-config') ?? null)).toBe(text(config));
  });

  it('a failed write changes nothing: the old key stays valid, in memory and in storage', async () => {
    const physical = new FailingPhysical();
    const { barrier, rootKey: oldKey } = await unsealed(physical);
    await barrier.put('k', utf8('v'));
    const storedBefore = hex(physical.entries.get(KEYRING_PATH) ?? new Uint8Array());

    physical.failTransactions = true;
    const newRoot = newKey();
    const err = await rejection(
      barrier.rekey(newRoot, { physicalOps: [{ op: 'put', key: 'core/seal-config', value: utf8('{}') }] }),
    );
    expect(err).toBeInstanceOf(Error);
    physical.failTransactions = false;

    expect(hex(physical.entries.get(KEYRING_PATH) ?? new Uint8Array())).toBe(storedBefore);
    expect(physical.entries.has('core/seal-config')).toBe(false);
    expect(barrier.verifyRootKey(oldKey)).toBe(true);
    expect(barrier.verifyRootKey(newRoot)).toBe(false);
    expect(text(await barrier.get('k'))).toBe('v');
    await expect(reopen(physical, newRoot)).rejects.toBeInstanceOf(InvalidRootKeyError);
    expect(text(await (await reopen(physical, oldKey)).get('k'))).toBe('v');

    // And a retry goes through.
    await barrier.rekey(newRoot);
    expect(text(await (await reopen(physical, newRoot)).get('k'))).toBe('v');
  });

  it('refuses companion ops outside the seal configurations, before writing anything', async () => {
    const physical = new FailingPhysical();
    const { barrier, rootKey } = await unsealed(physical);
    const err = await rejection(barrier.rekey(newKey(), { physicalOps: [{ op: 'put', key: 'secret/x', value: utf8('x') }] }));
    expect(err).toBeInstanceOf(InternalError);
    expect((err as Error).message).not.toMatch(/[0-9a-f]{64}/);
    expect(physical.transactions).toHaveLength(0);
    expect(barrier.verifyRootKey(rootKey)).toBe(true);
  });

  it('needs an unsealed barrier and a 32-byte key', async () => {
    const physical = new MemoryPhysical();
    const { barrier } = await unsealed(physical);
    await expect(barrier.rekey(new Uint8Array(16))).rejects.toBeInstanceOf(InternalError);
    barrier.seal();
    await expect(barrier.rekey(newKey())).rejects.toBeInstanceOf(SealedError);
    expect(() => barrier.verifyRootKey(newKey())).toThrow(SealedError);
  });

  it('does not keep a reference to the caller’s key buffer', async () => {
    const physical = new MemoryPhysical();
    const { barrier } = await unsealed(physical);
    const newRoot = newKey();
    const copy = new Uint8Array(newRoot);
    const pending = barrier.rekey(newRoot);
    newRoot.fill(0); // before the rekey has even run
    await pending;
    expect(barrier.verifyRootKey(copy)).toBe(true);
    barrier.seal();
    await barrier.unseal(copy);
    expect(barrier.sealed).toBe(false);
  });

  it('sealed while the keyring is being written: storage has the new key, memory has none', async () => {
    class GatedPhysical extends MemoryPhysical {
      txGate: Promise<void> | null = null;
      override async transaction(ops: readonly PhysicalOp[]): Promise<void> {
        if (this.txGate !== null) await this.txGate;
        await super.transaction(ops);
      }
    }
    const physical = new GatedPhysical();
    const { barrier, rootKey: oldKey } = await unsealed(physical);
    await barrier.put('k', utf8('v'));
    let open!: () => void;
    physical.txGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const newRoot = newKey();
    const pending = barrier.rekey(newRoot);
    await new Promise((resolve) => setTimeout(resolve, 10));
    barrier.seal();
    open();
    await pending;
    expect(barrier.sealed).toBe(true);
    await expect(barrier.unseal(oldKey)).rejects.toBeInstanceOf(InvalidRootKeyError);
    await barrier.unseal(newRoot);
    expect(text(await barrier.get('k'))).toBe('v');
  });

  it('persists pending encryption counts with the rekeyed keyring', async () => {
    const physical = new MemoryPhysical();
    const { barrier } = await unsealed(physical);
    for (let i = 0; i < 3; i++) await barrier.put(`p/${i}`, utf8('v'));
    const newRoot = newKey();
    await barrier.rekey(newRoot);
    expect(storedKeyring(physical, newRoot).keys[0]?.encryptions).toBe(3);
  });

  it('keeps terms another node added (read-merge-write)', async () => {
    const physical = new MemoryPhysical();
    const { barrier: a, rootKey } = await unsealed(physical);
    const b = await reopen(physical, rootKey);
    await b.rotate();
    await b.put('from-b', utf8('b'));
    const newRoot = newKey();
    await a.rekey(newRoot);
    const fresh = await reopen(physical, newRoot);
    expect(fresh.keyStatus().term).toBe(2);
    expect(text(await fresh.get('from-b'))).toBe('b');
  });

  it('a chain of rekeys: only the last key works, data always intact (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.string(), { minLength: 1, maxLength: 5 }), async (rekeys, values) => {
        const physical = new MemoryPhysical();
        const { barrier, rootKey } = await unsealed(physical);
        for (const [i, v] of values.entries()) await barrier.put(`d/${i}`, utf8(v));
        const keys = [rootKey];
        for (let i = 0; i < rekeys; i++) {
          const next = newKey();
          await barrier.rekey(next);
          keys.push(next);
        }
        const last = keys[keys.length - 1] ?? rootKey;
        for (const old of keys.slice(0, -1)) {
          await expect(reopen(physical, old)).rejects.toBeInstanceOf(InvalidRootKeyError);
        }
        const fresh = await reopen(physical, last);
        for (const [i, v] of values.entries()) expect(text(await fresh.get(`d/${i}`))).toBe(v);
      }),
      { numRuns: 15 },
    );
  });
});

describe('barrier: verifyRootKey', () => {
  it('is true only for the root key in memory, whatever the length', async () => {
    const { barrier, rootKey } = await unsealed();
    expect(barrier.verifyRootKey(new Uint8Array(rootKey))).toBe(true);
    expect(barrier.verifyRootKey(newKey())).toBe(false);
    expect(barrier.verifyRootKey(rootKey.subarray(0, 16))).toBe(false);
    expect(barrier.verifyRootKey(new Uint8Array(33))).toBe(false);
    expect(barrier.verifyRootKey(new Uint8Array(0))).toBe(false);
  });
});
