import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError, InternalError, NotInitializedError, SealedError } from '../../shared/errors.js';
import {
  AlreadyInitializedError,
  InvalidRootKeyError,
  KEYRING_PATH,
  ProtectedPathError,
  createBarrier,
} from './aes-gcm-barrier.js';
import type { Barrier } from './aes-gcm-barrier.js';
import { BarrierDecryptError, decryptValue, readTerm } from './format.js';
import { deserializeKeyring } from './keyring.js';
import type { Keyring } from './keyring.js';
import { MemoryPhysical } from './testing.js';

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const newKey = (): Uint8Array => new Uint8Array(randomBytes(32));

async function unsealed(physical = new MemoryPhysical(), rootKey = newKey()): Promise<{
  barrier: Barrier;
  physical: MemoryPhysical;
  rootKey: Uint8Array;
}> {
  const barrier = createBarrier(physical);
  await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  return { barrier, physical, rootKey };
}

/** What an attacker holding the root key would find in storage. */
function storedKeyring(physical: MemoryPhysical, rootKey: Uint8Array): Keyring {
  const raw = physical.entries.get(KEYRING_PATH);
  if (raw === undefined) throw new Error('no keyring stored');
  return deserializeKeyring(decryptValue(rootKey, KEYRING_PATH, raw), rootKey);
}

function physicalTerm(physical: MemoryPhysical, key: string): number {
  const raw = physical.entries.get(key);
  if (raw === undefined) throw new Error(`nothing stored at ${key}`);
  return readTerm(raw);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

describe('barrier: lifecycle', () => {
  it('is uninitialised and sealed at first; initialise writes the keyring and stays sealed', async () => {
    const physical = new MemoryPhysical();
    const barrier = createBarrier(physical);
    expect(barrier.sealed).toBe(true);
    expect(await barrier.initialized()).toBe(false);
    await barrier.initialize(newKey());
    expect(await barrier.initialized()).toBe(true);
    expect(barrier.sealed).toBe(true);
    expect([...physical.entries.keys()]).toEqual([KEYRING_PATH]);
  });

  it('stores the keyring under the reserved term 0, encrypted with the root key', async () => {
    const { physical, rootKey } = await unsealed();
    expect(physicalTerm(physical, KEYRING_PATH)).toBe(0);
    const ring = storedKeyring(physical, rootKey);
    expect(ring.activeTerm).toBe(1);
    expect(ring.keys).toHaveLength(1);
  });

  it('refuses to initialise twice, sealed or not', async () => {
    const { barrier } = await unsealed();
    await expect(barrier.initialize(newKey())).rejects.toThrow(AlreadyInitializedError);
    barrier.seal();
    const err = await rejection(barrier.initialize(newKey()));
    expect(err).toBeInstanceOf(AlreadyInitializedError);
    expect((err as AppError).code).toBe('ERR_INVALID_REQUEST');
    expect((err as Error).message).toBe('Vault is already initialized');
  });

  it('refuses a root key that is not 32 bytes at initialise', async () => {
    const barrier = createBarrier(new MemoryPhysical());
    await expect(barrier.initialize(new Uint8Array(16))).rejects.toThrow(InternalError);
    expect(await barrier.initialized()).toBe(false);
  });

  it('unseal before initialise reports not initialised', async () => {
    const barrier = createBarrier(new MemoryPhysical());
    await expect(barrier.unseal(newKey())).rejects.toThrow(NotInitializedError);
    expect(barrier.sealed).toBe(true);
  });

  it('unseal with a wrong key fails with a 400-class error and leaves it sealed', async () => {
    const physical = new MemoryPhysical();
    const barrier = createBarrier(physical);
    const rootKey = newKey();
    await barrier.initialize(rootKey);
    for (const wrong of [newKey(), new Uint8Array(32), new Uint8Array(16), new Uint8Array(33), new Uint8Array(0)]) {
      const err = await rejection(barrier.unseal(wrong));
      expect(err).toBeInstanceOf(InvalidRootKeyError);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('ERR_INVALID_REQUEST');
      expect((err as Error).message).toBe('Unseal failed, invalid key');
      expect(String(err)).not.toContain(hex(wrong.length > 0 ? wrong : new Uint8Array(1)));
      expect(barrier.sealed).toBe(true);
      await expect(barrier.get('x')).rejects.toThrow(SealedError);
    }
    await barrier.unseal(rootKey);
    expect(barrier.sealed).toBe(false);
  });

  it('unseal while unsealed: same key is a no-op, another key is refused', async () => {
    const { barrier, rootKey } = await unsealed();
    await barrier.put('a', utf8('1'));
    await barrier.unseal(rootKey);
    await expect(barrier.unseal(newKey())).rejects.toThrow(InvalidRootKeyError);
    expect(barrier.sealed).toBe(false);
    expect(text((await barrier.get('a')) ?? new Uint8Array())).toBe('1');
  });

  it('does not depend on the caller keeping its root key buffer', async () => {
    const physical = new MemoryPhysical();
    const rootKey = newKey();
    const kept = new Uint8Array(rootKey);
    const barrier = createBarrier(physical);
    await barrier.initialize(rootKey);
    await barrier.unseal(rootKey);
    rootKey.fill(0);
    await barrier.put('a', utf8('still works'));
    await barrier.rotate();
    expect(text((await barrier.get('a')) ?? new Uint8Array())).toBe('still works');
    barrier.seal();
    await barrier.unseal(kept);
    expect(text((await barrier.get('a')) ?? new Uint8Array())).toBe('still works');
  });

  it('sealed: every data operation throws SealedError', async () => {
    const { barrier } = await unsealed();
    await barrier.put('a', utf8('1'));
    barrier.seal();
    expect(barrier.sealed).toBe(true);
    await expect(barrier.get('a')).rejects.toThrow(SealedError);
    await expect(barrier.put('a', utf8('2'))).rejects.toThrow(SealedError);
    await expect(barrier.delete('a')).rejects.toThrow(SealedError);
    await expect(barrier.list('')).rejects.toThrow(SealedError);
    await expect(barrier.transaction([{ op: 'delete', key: 'a' }])).rejects.toThrow(SealedError);
    await expect(barrier.rotate()).rejects.toThrow(SealedError);
    await expect(barrier.checkpoint()).rejects.toThrow(SealedError);
    expect(() => barrier.keyStatus()).toThrow(SealedError);
    const err = await rejection(barrier.get('a'));
    expect((err as AppError).code).toBe('ERR_SEALED');
    expect((err as Error).message).toBe('Vault is sealed');
    barrier.seal(); // idempotent
  });

  it('seal during an in-flight read makes that read fail as sealed, not decrypt with zeroed keys', async () => {
    const { barrier, physical } = await unsealed();
    await barrier.put('a', utf8('1'));
    let open!: () => void;
    physical.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const pending = barrier.get('a');
    barrier.seal();
    physical.gate = null;
    open();
    await expect(pending).rejects.toThrow(SealedError);
  });

  it('seal then unseal with the right key brings every value back', async () => {
    const { barrier, rootKey } = await unsealed();
    await barrier.put('x/y', utf8('value'));
    barrier.seal();
    await barrier.unseal(rootKey);
    expect(text((await barrier.get('x/y')) ?? new Uint8Array())).toBe('value');
  });
});

describe('barrier: data', () => {
  it('round-trips arbitrary paths and values', async () => {
    const { barrier } = await unsealed();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }).filter((p) => !p.startsWith('core/')),
        fc.uint8Array({ maxLength: 2048 }),
        async (path, value) => {
          await barrier.put(path, value);
          const back = await barrier.get(path);
          expect(back).not.toBeNull();
          expect(hex(back ?? new Uint8Array())).toBe(hex(value));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('returns null for missing keys, deletes, and lists direct children', async () => {
    const { barrier } = await unsealed();
    expect(await barrier.get('nope')).toBeNull();
    await barrier.put('a/b', utf8('1'));
    await barrier.put('a/c/d', utf8('2'));
    await barrier.put('e', utf8('3'));
    expect(await barrier.list('')).toEqual(['a/', 'core/', 'e']);
    expect(await barrier.list('a/')).toEqual(['b', 'c/']);
    await barrier.delete('a/b');
    expect(await barrier.get('a/b')).toBeNull();
    expect(await barrier.list('a/')).toEqual(['c/']);
  });

  it('applies a transaction of puts and deletes, each put encrypted for its own path', async () => {
    const { barrier, physical } = await unsealed();
    await barrier.put('old', utf8('bye'));
    await barrier.transaction([
      { op: 'put', key: 't/1', value: utf8('one') },
      { op: 'delete', key: 'old' },
      { op: 'put', key: 't/2', value: utf8('two') },
    ]);
    expect(text((await barrier.get('t/1')) ?? new Uint8Array())).toBe('one');
    expect(text((await barrier.get('t/2')) ?? new Uint8Array())).toBe('two');
    expect(await barrier.get('old')).toBeNull();
    expect(physicalTerm(physical, 't/1')).toBe(1);
  });

  it('binds each value to its path: a ciphertext copied to another path fails clearly', async () => {
    const { barrier, physical } = await unsealed();
    await barrier.put('secret/a', utf8('for a only'));
    const raw = physical.entries.get('secret/a');
    if (raw === undefined) throw new Error('not stored');
    physical.entries.set('secret/b', new Uint8Array(raw));
    const err = await rejection(barrier.get('secret/b'));
    expect(err).toBeInstanceOf(BarrierDecryptError);
    expect(err).toBeInstanceOf(InternalError);
    expect((err as Error).message).toMatch(/message authentication failed/);
    expect((err as Error).message).not.toContain('for a only');
    // The original is untouched.
    expect(text((await barrier.get('secret/a')) ?? new Uint8Array())).toBe('for a only');
  });

  it('rejects tampered and foreign values in storage', async () => {
    const { barrier, physical, rootKey } = await unsealed();
    await barrier.put('v', utf8('value'));
    const raw = physical.entries.get('v');
    if (raw === undefined) throw new Error('not stored');
    const flipped = new Uint8Array(raw);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    physical.entries.set('v', flipped);
    await expect(barrier.get('v')).rejects.toThrow(BarrierDecryptError);
    physical.entries.set('v', utf8('plaintext someone wrote underneath'));
    await expect(barrier.get('v')).rejects.toThrow(BarrierDecryptError);
    physical.entries.set('v', new Uint8Array(3));
    await expect(barrier.get('v')).rejects.toThrow(/truncated/);
    // A root-key-encrypted value (term 0) is never a data value.
    const keyringCopy = physical.entries.get(KEYRING_PATH);
    if (keyringCopy === undefined) throw new Error('no keyring');
    physical.entries.set('v', new Uint8Array(keyringCopy));
    await expect(barrier.get('v')).rejects.toThrow(/no decryption key available for term 0/);
    // A term nobody has.
    const unknown = new Uint8Array(raw);
    unknown.set([0, 0, 0, 99], 0);
    physical.entries.set('v', unknown);
    await expect(barrier.get('v')).rejects.toThrow(/no decryption key available for term 99/);
    expect(storedKeyring(physical, rootKey).activeTerm).toBe(1);
  });

  it('protects core/keyring and the seal configs from the barrier API', async () => {
    const { barrier, physical } = await unsealed();
    const before = hex(physical.entries.get(KEYRING_PATH) ?? new Uint8Array());
    for (const path of [KEYRING_PATH, 'core/seal-config', 'core/recovery-config']) {
      await expect(barrier.put(path, utf8('{}'))).rejects.toThrow(ProtectedPathError);
      await expect(barrier.get(path)).rejects.toThrow(ProtectedPathError);
      await expect(barrier.delete(path)).rejects.toThrow(ProtectedPathError);
      await expect(
        barrier.transaction([
          { op: 'put', key: 'harmless', value: utf8('x') },
          { op: 'put', key: path, value: utf8('x') },
        ]),
      ).rejects.toThrow(ProtectedPathError);
      await expect(barrier.transaction([{ op: 'delete', key: path }])).rejects.toThrow(ProtectedPathError);
    }
    // Nothing of the refused transactions was applied.
    expect(physical.entries.has('harmless')).toBe(false);
    expect(hex(physical.entries.get(KEYRING_PATH) ?? new Uint8Array())).toBe(before);
    // Other core/ paths work, and listing hides the protected entries.
    physical.entries.set('core/seal-config', utf8('{"type":"shamir"}'));
    await barrier.put('core/mounts', utf8('[]'));
    expect(await barrier.list('core/')).toEqual(['mounts']);
    const err = await rejection(barrier.put(KEYRING_PATH, utf8('x')));
    expect((err as AppError).code).toBe('ERR_INVALID_REQUEST');
  });

  it('keeps plaintext, root key and data keys out of storage (grep test)', async () => {
    const { barrier, physical, rootKey } = await unsealed();
    const marker = utf8('COFFER-PLAINTEXT-MARKER-7f3a9c');
    const values = [marker, utf8(`{"password":"COFFER-PLAINTEXT-MARKER-7f3a9c"}`)];
    await barrier.put('secret/data/app', values[1] ?? marker);
    await barrier.transaction([{ op: 'put', key: 'secret/data/tx', value: marker }]);
    await barrier.rotate();
    await barrier.put('secret/data/after-rotate', marker);
    await barrier.checkpoint();

    const dataKeys = storedKeyring(physical, rootKey).keys.map((k) => new Uint8Array(k.value));
    expect(dataKeys).toHaveLength(2);
    const needles: [string, Uint8Array][] = [
      ['marker', marker],
      ['marker (hex)', utf8(hex(marker))],
      ['marker (base64)', utf8(Buffer.from(marker).toString('base64'))],
      ['root key', rootKey],
      ['root key (hex)', utf8(hex(rootKey))],
      ['root key (base64)', utf8(Buffer.from(rootKey).toString('base64'))],
      ...dataKeys.flatMap((key, i): [string, Uint8Array][] => [
        [`data key ${i}`, key],
        [`data key ${i} (hex)`, utf8(hex(key))],
        [`data key ${i} (base64)`, utf8(Buffer.from(key).toString('base64'))],
      ]),
    ];
    expect(physical.entries.size).toBeGreaterThanOrEqual(4);
    for (const [storedKey, value] of physical.entries) {
      for (const [name, needle] of needles) {
        expect(indexOf(value, needle), `${name} found in ${storedKey}`).toBe(-1);
        expect(storedKey.includes(text(needle)), `${name} in key name ${storedKey}`).toBe(false);
      }
    }
  });
});

describe('barrier: rotation and key status', () => {
  it('rotates: new writes use the new term, old values still decrypt, and it survives a reseal', async () => {
    const { barrier, physical, rootKey } = await unsealed();
    await barrier.put('before', utf8('old term'));
    expect(physicalTerm(physical, 'before')).toBe(1);

    const rotated = await barrier.rotate();
    expect(rotated.term).toBe(2);
    expect(Date.parse(rotated.installTime)).not.toBeNaN();
    expect(barrier.keyStatus()).toMatchObject({ term: 2, installTime: rotated.installTime, encryptions: 0 });

    await barrier.put('after', utf8('new term'));
    expect(physicalTerm(physical, 'after')).toBe(2);
    expect(physicalTerm(physical, 'before')).toBe(1);
    expect(text((await barrier.get('before')) ?? new Uint8Array())).toBe('old term');
    expect(text((await barrier.get('after')) ?? new Uint8Array())).toBe('new term');

    barrier.seal();
    await barrier.unseal(rootKey);
    expect(barrier.keyStatus().term).toBe(2);
    expect(text((await barrier.get('before')) ?? new Uint8Array())).toBe('old term');
    expect(text((await barrier.get('after')) ?? new Uint8Array())).toBe('new term');
    await barrier.put('again', utf8('x'));
    expect(physicalTerm(physical, 'again')).toBe(2);
  });

  it('keeps every term readable across many rotations', async () => {
    const { barrier, physical, rootKey } = await unsealed();
    for (let term = 1; term <= 6; term++) {
      await barrier.put(`k${term}`, utf8(`v${term}`));
      expect(physicalTerm(physical, `k${term}`)).toBe(term);
      await barrier.rotate();
    }
    barrier.seal();
    await barrier.unseal(rootKey);
    expect(barrier.keyStatus().term).toBe(7);
    for (let term = 1; term <= 6; term++) {
      expect(text((await barrier.get(`k${term}`)) ?? new Uint8Array())).toBe(`v${term}`);
    }
  });

  it('counts encryptions in memory without writing the keyring per put', async () => {
    const { barrier, physical, rootKey } = await unsealed();
    const keyringBefore = hex(physical.entries.get(KEYRING_PATH) ?? new Uint8Array());
    for (let i = 0; i < 5; i++) await barrier.put(`p${i}`, utf8('v'));
    await barrier.transaction([
      { op: 'put', key: 't1', value: utf8('v') },
      { op: 'put', key: 't2', value: utf8('v') },
      { op: 'delete', key: 'p0' },
    ]);
    expect(barrier.keyStatus()).toMatchObject({ term: 1, encryptions: 7 });
    expect(hex(physical.entries.get(KEYRING_PATH) ?? new Uint8Array())).toBe(keyringBefore);

    await barrier.checkpoint();
    expect(storedKeyring(physical, rootKey).keys[0]?.encryptions).toBe(7);
    const writes = physical.puts;
    await barrier.checkpoint(); // nothing new: no write
    expect(physical.puts).toBe(writes);

    await barrier.put('p9', utf8('v'));
    barrier.seal(); // not checkpointed: that one is dropped
    await barrier.unseal(rootKey);
    expect(barrier.keyStatus().encryptions).toBe(7);
  });

  it('persists the old term’s count on rotate', async () => {
    const { barrier, physical, rootKey } = await unsealed();
    for (let i = 0; i < 3; i++) await barrier.put(`p${i}`, utf8('v'));
    await barrier.rotate();
    await barrier.put('q', utf8('v'));
    const stored = storedKeyring(physical, rootKey);
    expect(stored.keys.map((k) => [k.term, k.encryptions])).toEqual([
      [1, 3],
      [2, 0],
    ]);
    expect(barrier.keyStatus()).toMatchObject({ term: 2, encryptions: 1 });
  });

  it('two nodes on one storage: a rotation by one is picked up by the other and never dropped', async () => {
    const physical = new MemoryPhysical();
    const rootKey = newKey();
    const a = createBarrier(physical);
    await a.initialize(rootKey);
    await a.unseal(rootKey);
    const b = createBarrier(physical);
    await b.unseal(rootKey);

    await b.put('from-b', utf8('b1')); // term 1
    await a.rotate();
    await a.put('from-a', utf8('a2')); // term 2, unknown to b so far
    expect(physicalTerm(physical, 'from-a')).toBe(2);

    expect(text((await b.get('from-a')) ?? new Uint8Array())).toBe('a2'); // b reloads the keyring
    expect(b.keyStatus().term).toBe(2);

    await b.put('from-b-2', utf8('b2'));
    await b.checkpoint(); // must not write back a keyring without term 2
    await a.checkpoint();
    const stored = storedKeyring(physical, rootKey);
    expect(stored.keys.map((k) => k.term)).toEqual([1, 2]);
    // b: one put under term 1 and one under term 2; a: one under term 2.
    expect(stored.keys.map((k) => k.encryptions)).toEqual([1, 2]);

    const c = createBarrier(physical);
    await c.unseal(rootKey);
    for (const [key, value] of [
      ['from-b', 'b1'],
      ['from-a', 'a2'],
      ['from-b-2', 'b2'],
    ] as const) {
      expect(text((await c.get(key)) ?? new Uint8Array())).toBe(value);
    }
  });

  it('a rotation on a stale node continues from the highest stored term', async () => {
    const physical = new MemoryPhysical();
    const rootKey = newKey();
    const a = createBarrier(physical);
    await a.initialize(rootKey);
    await a.unseal(rootKey);
    const b = createBarrier(physical);
    await b.unseal(rootKey);
    await a.rotate(); // term 2
    expect((await b.rotate()).term).toBe(3); // b merges term 2 first
    expect(storedKeyring(physical, rootKey).keys.map((k) => k.term)).toEqual([1, 2, 3]);
  });
});
