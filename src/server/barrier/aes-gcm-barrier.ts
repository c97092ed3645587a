/**
 * The security barrier (Vault's `AESGCMBarrier`): everything above it sees plaintext, everything
 * below it (physical storage) sees only `format.ts` values.
 *
 * - Data values are encrypted with the keyring's active term; AAD = the storage key.
 * - The keyring lives at `core/keyring`, encrypted with the root key under the reserved term 0
 *   (AAD `core/keyring`), so it is never confused with a data value.
 * - Sealed = no keys in memory. `seal()` zeroes the keyring and root key.
 * - Encryption counts are kept in memory and written with the keyring on `rotate()` and
 *   `checkpoint()` only (never per put). Call `checkpoint()` before `seal()` / shutdown to keep them.
 * - Keyring writes are read-merge-write: the stored keyring is read back and merged (union of terms,
 *   counts added) so a node never drops a term another node added. A value under a term this node
 *   does not know makes it reload the keyring once (another node rotated).
 * - `rekey(newRootKey)` (Vault's `Rekey`, behind `sys/rekey`) re-encrypts only the keyring under a
 *   new root key, in one physical transaction; the data terms are unchanged, so no value is
 *   re-encrypted. The old root key stops opening the keyring the moment that write lands.
 */
import { timingSafeEqual } from 'node:crypto';
import type { PhysicalOp, PhysicalStorage } from '../storage/physical.js';
import { InternalError, NotInitializedError, SealedError, UserError } from '../../shared/errors.js';
import { BarrierDecryptError, KEY_BYTES, decryptValue, encryptValue, readTerm } from './format.js';
import {
  activeKey,
  addTerm,
  createKeyring,
  deserializeKeyring,
  mergeKeyrings,
  serializeKeyring,
  termKey,
  zeroKeyring,
} from './keyring.js';
import type { Keyring, KeyringKey } from './keyring.js';

/** Where the keyring is stored (encrypted with the root key). */
export const KEYRING_PATH = 'core/keyring';
/** The term reserved for values encrypted directly with the root key (the keyring). */
export const ROOT_KEY_TERM = 0;
/**
 * Physical paths the barrier API refuses to read, write, delete or list: the keyring, and the seal
 * configurations that `seal/` keeps unencrypted so they can be read while sealed.
 */
export const PROTECTED_PATHS: ReadonlySet<string> = new Set([KEYRING_PATH, 'core/seal-config', 'core/recovery-config']);

export function isProtectedPath(key: string): boolean {
  return PROTECTED_PATHS.has(key);
}

/** Vault's `ErrBarrierInvalidKey` text (`vault/barrier.go`). */
export const INVALID_ROOT_KEY_MESSAGE = 'Unseal failed, invalid key';

/** The root key given to `unseal` does not open the keyring: answer 400. */
export class InvalidRootKeyError extends UserError {
  constructor() {
    super(INVALID_ROOT_KEY_MESSAGE);
  }
}

/** `initialize` on a barrier whose keyring already exists: 400, Vault's text. */
export class AlreadyInitializedError extends UserError {
  constructor() {
    super('Vault is already initialized');
  }
}

/** An attempt to reach a `PROTECTED_PATHS` entry through the barrier API. */
export class ProtectedPathError extends UserError {
  constructor(key: string) {
    super(`cannot access protected path "${key}" through the barrier`);
  }
}

export type BarrierOp = { op: 'put'; key: string; value: Uint8Array } | { op: 'delete'; key: string };

/** Paths `rekey` may write verbatim next to the keyring: the (unencrypted) seal configurations. */
const REKEY_COMPANION_PATHS: ReadonlySet<string> = new Set(['core/seal-config', 'core/recovery-config']);

export interface RekeyOptions {
  /**
   * Physical ops written UNENCRYPTED in the same transaction as the re-encrypted keyring, so the
   * seal configuration that describes the new key shares lands atomically with the new key
   * (`sealConfigOp(...)` from seal/). Only `core/seal-config` and `core/recovery-config` are
   * accepted; anything else throws before any write.
   */
  physicalOps?: readonly PhysicalOp[];
}

export interface KeyStatus {
  term: number;
  installTime: string;
  encryptions: number;
}

export interface Barrier {
  /** True while no keys are in memory (before `unseal`, after `seal`). */
  readonly sealed: boolean;
  /** The keyring exists in physical storage. */
  initialized(): Promise<boolean>;
  /** Creates term 1 and writes the keyring. Stays sealed. Throws `AlreadyInitializedError`. */
  initialize(rootKey: Uint8Array): Promise<void>;
  /**
   * Opens the keyring with `rootKey` (copied, never retained by reference). Wrong key →
   * `InvalidRootKeyError` and the barrier stays sealed; no keyring → `NotInitializedError`.
   * Already unsealed: no-op for the same key, `InvalidRootKeyError` for another.
   */
  unseal(rootKey: Uint8Array): Promise<void>;
  /** Forgets and zeroes every key. Unpersisted encryption counts are dropped (see `checkpoint`). */
  seal(): void;
  /** Adds term N+1, persists the keyring, then makes it the write key. Old terms keep decrypting. */
  rotate(): Promise<{ term: number; installTime: string }>;
  /**
   * Re-encrypts the stored keyring under `newRootKey` (32 bytes; copied, never retained by
   * reference) in ONE physical transaction, together with `options.physicalOps`. The data terms
   * and every stored value are unchanged. Afterwards only `newRootKey` unseals; if the write fails
   * nothing changed and the old root key stays valid. Needs the barrier unsealed (`SealedError`).
   */
  rekey(newRootKey: Uint8Array, options?: RekeyOptions): Promise<void>;
  /**
   * Constant-time check that `candidate` is the root key in memory (Vault's `VerifyRoot`), for
   * generate-root and rekey authorisation. False for any other key or length; `SealedError` while sealed.
   */
  verifyRootKey(candidate: Uint8Array): boolean;
  /** The active term (for `sys/key-status`). */
  keyStatus(): KeyStatus;
  /** Persists the in-memory encryption counts (merged into the stored keyring). */
  checkpoint(): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** Encrypts every put, then applies all ops in one physical transaction. */
  transaction(ops: readonly BarrierOp[]): Promise<void>;
}

export function createBarrier(physical: PhysicalStorage): Barrier {
  let keyring: Keyring | null = null;
  /** Bumped on every seal and unseal, so an async step can tell that the keys changed under it. */
  let generation = 0;
  /** Encryptions per term made since the counts were last persisted. */
  const pending = new Map<number, number>();

  // Keyring reads/writes (initialize, unseal, rotate, checkpoint, reload) run one at a time.
  let tail: Promise<unknown> = Promise.resolve();
  function locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  }

  function unsealedKeyring(): Keyring {
    if (keyring === null) throw new SealedError();
    return keyring;
  }

  function checkAccessible(key: string): void {
    if (isProtectedPath(key)) throw new ProtectedPathError(key);
  }

  function countEncryption(key: KeyringKey): void {
    key.encryptions += 1;
    pending.set(key.term, (pending.get(key.term) ?? 0) + 1);
  }

  function encryptForPut(key: string, value: Uint8Array): Uint8Array {
    const active = activeKey(unsealedKeyring());
    const out = encryptValue(active.value, active.term, key, value);
    countEncryption(active);
    return out;
  }

  /** Reads and decrypts the stored keyring. `unsealing`: an authentication failure means a wrong key. */
  async function readStoredKeyring(rootKey: Uint8Array, unsealing: boolean): Promise<Keyring | null> {
    const raw = await physical.get(KEYRING_PATH);
    if (raw === null) return null;
    if (readTerm(raw) !== ROOT_KEY_TERM) {
      throw new InternalError('barrier: stored keyring has an unexpected key term');
    }
    let plain: Uint8Array;
    try {
      plain = decryptValue(rootKey, KEYRING_PATH, raw);
    } catch (err) {
      if (err instanceof BarrierDecryptError && err.reason === 'auth') {
        if (unsealing) throw new InvalidRootKeyError();
        throw new InternalError('barrier: the stored keyring no longer opens with the root key in memory');
      }
      throw err;
    }
    try {
      return deserializeKeyring(plain, rootKey);
    } finally {
      plain.fill(0);
    }
  }

  /** Serialises and encrypts synchronously (a snapshot) into the stored form. */
  function sealKeyring(ring: Keyring): Uint8Array {
    const plain = serializeKeyring(ring);
    try {
      return encryptValue(ring.rootKey, ROOT_KEY_TERM, KEYRING_PATH, plain);
    } finally {
      plain.fill(0);
    }
  }

  function writeKeyring(ring: Keyring): Promise<void> {
    return physical.put(KEYRING_PATH, sealKeyring(ring));
  }

  /**
   * Replaces the in-memory keyring with (stored ∪ in-memory). Returns the merged keyring, the
   * pending counts it includes, and the generation it belongs to. Caller holds the lock.
   */
  async function syncWithStorage(): Promise<{ merged: Keyring; included: Map<number, number>; gen: number }> {
    const gen = generation;
    const rootKey = new Uint8Array(unsealedKeyring().rootKey);
    let stored: Keyring | null;
    try {
      stored = await readStoredKeyring(rootKey, false);
    } finally {
      rootKey.fill(0);
    }
    const local = keyring;
    if (generation !== gen || local === null) {
      if (stored !== null) zeroKeyring(stored);
      throw new SealedError();
    }
    if (stored === null) throw new InternalError('barrier: keyring unexpectedly missing from storage');
    const included = new Map(pending);
    let merged: Keyring;
    try {
      merged = mergeKeyrings(stored, local, included);
    } finally {
      zeroKeyring(stored);
    }
    keyring = merged;
    zeroKeyring(local);
    return { merged, included, gen };
  }

  /** After a successful keyring write: the counts it included are no longer pending. */
  function settle(included: ReadonlyMap<number, number>, gen: number): void {
    if (generation !== gen) return;
    for (const [term, count] of included) {
      const left = (pending.get(term) ?? 0) - count;
      if (left > 0) pending.set(term, left);
      else pending.delete(term);
    }
  }

  async function reloadForTerm(term: number): Promise<void> {
    await locked(async () => {
      const current = keyring;
      if (current === null || termKey(current, term) !== undefined) return;
      await syncWithStorage();
    });
  }

  const barrier: Barrier = {
    get sealed(): boolean {
      return keyring === null;
    },

    async initialized(): Promise<boolean> {
      return (await physical.get(KEYRING_PATH)) !== null;
    },

    initialize(rootKey: Uint8Array): Promise<void> {
      return locked(async () => {
        if (rootKey.byteLength !== KEY_BYTES) throw new InternalError(`barrier: root key must be ${KEY_BYTES} bytes`);
        if (await barrier.initialized()) throw new AlreadyInitializedError();
        const fresh = createKeyring(rootKey);
        try {
          await writeKeyring(fresh);
        } finally {
          zeroKeyring(fresh);
        }
      });
    },

    unseal(rootKey: Uint8Array): Promise<void> {
      return locked(async () => {
        if (rootKey.byteLength !== KEY_BYTES) throw new InvalidRootKeyError();
        if (keyring !== null) {
          if (timingSafeEqual(rootKey, keyring.rootKey)) return;
          throw new InvalidRootKeyError();
        }
        const opened = await readStoredKeyring(rootKey, true);
        if (opened === null) throw new NotInitializedError();
        if (keyring !== null) {
          // Cannot happen under the lock; keep the keys already in use.
          zeroKeyring(opened);
          return;
        }
        keyring = opened;
        generation += 1;
        pending.clear();
      });
    },

    seal(): void {
      const current = keyring;
      keyring = null;
      generation += 1;
      pending.clear();
      if (current !== null) zeroKeyring(current);
    },

    rotate(): Promise<{ term: number; installTime: string }> {
      return locked(async () => {
        unsealedKeyring();
        const { merged, included, gen } = await syncWithStorage();
        const next = addTerm(merged);
        const installed = activeKey(next);
        const result = { term: installed.term, installTime: installed.installTime };
        // Persist before any value is written under the new term.
        try {
          await writeKeyring(next);
        } catch (err) {
          installed.value.fill(0);
          throw err;
        }
        settle(included, gen);
        if (generation === gen && keyring === merged) {
          // `next` shares its older keys (and their live counters) with `merged`.
          keyring = next;
        } else {
          // Sealed while writing: the new term is persisted but must not linger in memory.
          installed.value.fill(0);
        }
        return result;
      });
    },

    rekey(newRootKey: Uint8Array, options: RekeyOptions = {}): Promise<void> {
      // Copied now, so the caller may wipe its buffer as soon as this returns.
      const rootKey = new Uint8Array(newRootKey);
      const extra = [...(options.physicalOps ?? [])];
      return locked(async () => {
        let installed = false;
        try {
          for (const op of extra) {
            if (!REKEY_COMPANION_PATHS.has(op.key)) {
              throw new InternalError(`barrier: rekey cannot write "${op.key}" alongside the keyring`);
            }
          }
          if (rootKey.byteLength !== KEY_BYTES) throw new InternalError(`barrier: root key must be ${KEY_BYTES} bytes`);
          unsealedKeyring();
          // Take the freshest keyring (terms another node added, pending counts) before re-encrypting.
          const { merged, included, gen } = await syncWithStorage();
          // Same key objects (and live counters) as `merged`; only the root key differs.
          const next: Keyring = { rootKey, keys: merged.keys, activeTerm: merged.activeTerm };
          // One transaction: if it fails nothing was written, and the old root key stays in force.
          await physical.transaction([{ op: 'put', key: KEYRING_PATH, value: sealKeyring(next) }, ...extra]);
          settle(included, gen);
          if (generation === gen && keyring === merged) {
            keyring = next;
            installed = true;
            merged.rootKey.fill(0);
          }
          // Otherwise it was sealed while writing: storage now needs the new key, and no key may
          // linger in memory (the `finally` wipes it).
        } finally {
          if (!installed) rootKey.fill(0);
        }
      });
    },

    verifyRootKey(candidate: Uint8Array): boolean {
      const current = unsealedKeyring();
      return candidate.byteLength === current.rootKey.byteLength && timingSafeEqual(candidate, current.rootKey);
    },

    keyStatus(): KeyStatus {
      const active = activeKey(unsealedKeyring());
      return { term: active.term, installTime: active.installTime, encryptions: active.encryptions };
    },

    checkpoint(): Promise<void> {
      return locked(async () => {
        unsealedKeyring();
        if (pending.size === 0) return;
        const { merged, included, gen } = await syncWithStorage();
        await writeKeyring(merged);
        settle(included, gen);
      });
    },

    async get(key: string): Promise<Uint8Array | null> {
      unsealedKeyring();
      checkAccessible(key);
      const raw = await physical.get(key);
      if (raw === null) return null;
      const term = readTerm(raw);
      let found = termKey(unsealedKeyring(), term);
      if (found === undefined && term !== ROOT_KEY_TERM) {
        await reloadForTerm(term);
        found = termKey(unsealedKeyring(), term);
      }
      if (found === undefined) {
        throw new BarrierDecryptError('term', `no decryption key available for term ${term}`);
      }
      return decryptValue(found.value, key, raw);
    },

    async put(key: string, value: Uint8Array): Promise<void> {
      unsealedKeyring();
      checkAccessible(key);
      await physical.put(key, encryptForPut(key, value));
    },

    async delete(key: string): Promise<void> {
      unsealedKeyring();
      checkAccessible(key);
      await physical.delete(key);
    },

    async list(prefix: string): Promise<string[]> {
      unsealedKeyring();
      const names = await physical.list(prefix);
      unsealedKeyring();
      return names.filter((name) => !isProtectedPath(prefix + name));
    },

    async transaction(ops: readonly BarrierOp[]): Promise<void> {
      unsealedKeyring();
      for (const op of ops) checkAccessible(op.key);
      const physicalOps: PhysicalOp[] = ops.map((op) =>
        op.op === 'put' ? { op: 'put', key: op.key, value: encryptForPut(op.key, op.value) } : { op: 'delete', key: op.key },
      );
      await physical.transaction(physicalOps);
    },
  };
  return barrier;
}
