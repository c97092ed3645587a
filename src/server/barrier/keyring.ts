/**
 * The barrier keyring: numbered data-encryption keys ("terms") plus the root key that protects them.
 *
 * Serialised like Vault's `vault/keyring.go`:
 *
 *   {"MasterKey":"<b64>","Keys":[{"Term":1,"Version":1,"Value":"<b64>","InstallTime":"<RFC3339>","encryptions":0}]}
 *
 * Decision on the root key ("MasterKey"): it is held in memory on the keyring, but by default it is
 * NOT written into the serialised form. The persisted keyring is encrypted with the root key, so
 * storing the root key inside it adds nothing for us and would encrypt a key under itself. Pass
 * `{ includeRootKey: true }` to get Vault's exact shape (e.g. for an export); `deserializeKeyring`
 * accepts both and, when `MasterKey` is present, checks it against the root key it was given.
 * Vault's `RotationConfig` is not modelled.
 *
 * Term 0 is reserved (see format.ts); keyring terms start at 1 and the active term is the highest.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { InternalError } from '../../shared/errors.js';
import { KEY_BYTES, MAX_TERM } from './format.js';

export interface KeyringKey {
  readonly term: number;
  readonly version: 1;
  /** 32-byte AES-256-GCM key. Zeroed by `zeroKeyring`. */
  readonly value: Uint8Array;
  /** RFC 3339 with sub-second precision, UTC. */
  readonly installTime: string;
  /** Values encrypted under this term (as far as this process knows). */
  encryptions: number;
}

export interface Keyring {
  readonly rootKey: Uint8Array;
  /** Sorted by term, ascending; terms unique. */
  readonly keys: readonly KeyringKey[];
  readonly activeTerm: number;
}

interface SerializedKey {
  Term: number;
  Version: number;
  Value: string;
  InstallTime: string;
  encryptions: number;
}

interface SerializedKeyring {
  MasterKey?: string;
  Keys: SerializedKey[];
}

function checkKeyBytes(key: Uint8Array, what: string): void {
  if (key.byteLength !== KEY_BYTES) throw new InternalError(`keyring: ${what} must be ${KEY_BYTES} bytes`);
}

function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function build(rootKey: Uint8Array, keys: KeyringKey[]): Keyring {
  const sorted = [...keys].sort((a, b) => a.term - b.term);
  const last = sorted[sorted.length - 1];
  if (last === undefined) throw new InternalError('keyring: a keyring needs at least one key');
  return { rootKey, keys: sorted, activeTerm: last.term };
}

/** A fresh keyring with term 1. Copies `rootKey`. */
export function createKeyring(rootKey: Uint8Array, now: Date = new Date()): Keyring {
  checkKeyBytes(rootKey, 'root key');
  return build(copyBytes(rootKey), [
    { term: 1, version: 1, value: new Uint8Array(randomBytes(KEY_BYTES)), installTime: now.toISOString(), encryptions: 0 },
  ]);
}

/**
 * A new keyring with term `activeTerm + 1` as the active key (Vault's `sys/rotate`). The old terms
 * stay for decryption; the returned keyring shares the existing key objects and root key.
 */
export function addTerm(keyring: Keyring, now: Date = new Date()): Keyring {
  const term = keyring.activeTerm + 1;
  if (term > MAX_TERM) throw new InternalError('keyring: key term space exhausted');
  return build(keyring.rootKey, [
    ...keyring.keys,
    { term, version: 1, value: new Uint8Array(randomBytes(KEY_BYTES)), installTime: now.toISOString(), encryptions: 0 },
  ]);
}

export function termKey(keyring: Keyring, term: number): KeyringKey | undefined {
  return keyring.keys.find((key) => key.term === term);
}

export function activeKey(keyring: Keyring): KeyringKey {
  const key = termKey(keyring, keyring.activeTerm);
  if (key === undefined) throw new InternalError('keyring: active term is missing');
  return key;
}

/**
 * Vault-shaped JSON as UTF-8 bytes (so the caller can zero them after use). Without
 * `includeRootKey` the `MasterKey` field is omitted (see the module comment).
 */
export function serializeKeyring(keyring: Keyring, options: { includeRootKey?: boolean } = {}): Uint8Array {
  const doc: SerializedKeyring = {
    Keys: keyring.keys.map((key) => ({
      Term: key.term,
      Version: key.version,
      Value: Buffer.from(key.value).toString('base64'),
      InstallTime: key.installTime,
      encryptions: key.encryptions,
    })),
  };
  if (options.includeRootKey === true) {
    doc.MasterKey = Buffer.from(keyring.rootKey).toString('base64');
  }
  const ordered = doc.MasterKey === undefined ? { Keys: doc.Keys } : { MasterKey: doc.MasterKey, Keys: doc.Keys };
  return new Uint8Array(Buffer.from(JSON.stringify(ordered), 'utf8'));
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeKeyBytes(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new InternalError(`keyring: ${what} is not base64`);
  const bytes = new Uint8Array(Buffer.from(value, 'base64'));
  if (bytes.byteLength !== KEY_BYTES) {
    bytes.fill(0);
    throw new InternalError(`keyring: ${what} must be ${KEY_BYTES} bytes`);
  }
  return bytes;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a serialised keyring. `rootKey` is the key that decrypted it (copied onto the result);
 * a `MasterKey` field, if present, must equal it. Corrupt input throws an InternalError that
 * names the broken field, never its value.
 */
export function deserializeKeyring(bytes: Uint8Array, rootKey: Uint8Array): Keyring {
  checkKeyBytes(rootKey, 'root key');
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new InternalError('keyring: stored keyring is not valid JSON');
  }
  if (!isRecord(doc)) throw new InternalError('keyring: stored keyring is not an object');

  if (doc['MasterKey'] !== undefined && doc['MasterKey'] !== null) {
    const stored = decodeKeyBytes(doc['MasterKey'], 'MasterKey');
    const same = timingSafeEqual(stored, rootKey);
    stored.fill(0);
    if (!same) throw new InternalError('keyring: MasterKey does not match the root key');
  }

  const rawKeys = doc['Keys'];
  if (!Array.isArray(rawKeys) || rawKeys.length === 0) throw new InternalError('keyring: Keys must be a non-empty array');
  const keys: KeyringKey[] = [];
  const seen = new Set<number>();
  try {
    for (const raw of rawKeys) {
      if (!isRecord(raw)) throw new InternalError('keyring: each key must be an object');
      const term = raw['Term'];
      if (typeof term !== 'number' || !Number.isInteger(term) || term < 1 || term > MAX_TERM) {
        throw new InternalError('keyring: key Term must be an integer between 1 and 2^32-1');
      }
      if (seen.has(term)) throw new InternalError(`keyring: duplicate term ${term}`);
      seen.add(term);
      if (raw['Version'] !== 1) throw new InternalError(`keyring: term ${term} has an unsupported key version`);
      const installTime = raw['InstallTime'];
      if (typeof installTime !== 'string' || Number.isNaN(Date.parse(installTime))) {
        throw new InternalError(`keyring: term ${term} has an invalid InstallTime`);
      }
      const encryptions = raw['encryptions'] ?? 0;
      if (typeof encryptions !== 'number' || !Number.isSafeInteger(encryptions) || encryptions < 0) {
        throw new InternalError(`keyring: term ${term} has an invalid encryptions count`);
      }
      keys.push({ term, version: 1, value: decodeKeyBytes(raw['Value'], `term ${term} Value`), installTime, encryptions });
    }
  } catch (err) {
    for (const key of keys) key.value.fill(0);
    throw err;
  }
  return build(copyBytes(rootKey), keys);
}

/**
 * Combines the keyring found in storage with this process's view of it, so a writer never drops a
 * term that another node added (multi-node storage) nor loses counts. The result has every term of
 * either side; for each term the count is the stored count plus `pending` (encryptions this process
 * made since it last persisted), or this process's count when storage does not know the term yet.
 * The same term with different key bytes on both sides is corruption and throws. The result owns
 * copies of every key and of `local`'s root key, so both inputs can be zeroed afterwards.
 */
export function mergeKeyrings(stored: Keyring, local: Keyring, pending: ReadonlyMap<number, number>): Keyring {
  const terms = new Set<number>([...stored.keys.map((k) => k.term), ...local.keys.map((k) => k.term)]);
  const keys: KeyringKey[] = [];
  for (const term of terms) {
    const s = termKey(stored, term);
    const l = termKey(local, term);
    if (s !== undefined && l !== undefined && !timingSafeEqual(s.value, l.value)) {
      for (const key of keys) key.value.fill(0);
      throw new InternalError(`keyring: conflicting keys for term ${term}`);
    }
    const base = s ?? l;
    if (base === undefined) continue;
    const encryptions = s !== undefined ? s.encryptions + (pending.get(term) ?? 0) : base.encryptions;
    keys.push({ term, version: 1, value: copyBytes(base.value), installTime: base.installTime, encryptions });
  }
  return build(copyBytes(local.rootKey), keys);
}

/** Overwrites every key (and the root key) with zeros. The keyring is unusable afterwards. */
export function zeroKeyring(keyring: Keyring): void {
  for (const key of keyring.keys) key.value.fill(0);
  keyring.rootKey.fill(0);
}
