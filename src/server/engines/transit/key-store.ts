/**
 * The mount's keys: `policy/<name>` (versions still allowed to decrypt) and
 * `archive/<name>` (every version down to `min_available_version`), laid out as Vault lays
 * them out. Decrypted policies are cached in memory (an LRU when `cache-config` sets a
 * size); encrypt/decrypt/sign read the cached snapshot without locking. Writes to one key
 * are serialised by a keyed mutex, build a new policy, persist it in one transaction and only
 * then replace the cached one, so a failed write changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { InternalError, UserError } from '../../../shared/errors.js';
import { KeyedMutex } from '../../../shared/keyed-mutex.js';
import { formatRfc3339Nano } from '../../../shared/time.js';
import { getJson, putJson, type Storage, type StorageOp } from '../../sdk/index.js';
import {
  autoRotateDue,
  clonePolicy,
  createPolicy,
  rotatePolicy,
  type KeyEntry,
  type NewPolicyOptions,
  type Policy,
} from './policy.js';
import { decodeArchive, decodeBackup, decodePolicy, encodeArchive, encodeBackup, encodePolicy } from './vault-json.js';

export const POLICY_PREFIX = 'policy/';
export const ARCHIVE_PREFIX = 'archive/';
export const CACHE_CONFIG_KEY = 'config/cache';
export const KEYS_CONFIG_KEY = 'config/keys';

/** Vault refuses LRU sizes below this (0 means unbounded). */
export const MIN_CACHE_SIZE = 10;

interface PolicyCache {
  get(name: string): Policy | undefined;
  set(name: string, p: Policy): void;
  delete(name: string): void;
}

function makeCache(size: number): PolicyCache {
  if (size > 0) {
    const lru = new LRUCache<string, Policy>({ max: size });
    return { get: (n) => lru.get(n), set: (n, p) => void lru.set(n, p), delete: (n) => void lru.delete(n) };
  }
  const map = new Map<string, Policy>();
  return { get: (n) => map.get(n), set: (n, p) => void map.set(n, p), delete: (n) => void map.delete(n) };
}

export class KeyStore {
  private cache: PolicyCache = makeCache(0);
  private cacheSize = 0;
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly storage: Storage,
    private readonly now: () => number,
  ) {}

  /** Applies the stored `cache-config` (called once the mount is up). */
  async loadCacheConfig(): Promise<void> {
    const stored = await getJson<{ size?: number }>(this.storage, CACHE_CONFIG_KEY);
    this.setCacheSize(stored?.size ?? 0);
  }

  get configuredCacheSize(): number {
    return this.cacheSize;
  }

  async writeCacheConfig(size: number): Promise<void> {
    await putJson(this.storage, CACHE_CONFIG_KEY, { size });
    this.setCacheSize(size);
  }

  private setCacheSize(size: number): void {
    if (size === this.cacheSize) return;
    this.cacheSize = size;
    this.cache = makeCache(size);
  }

  async list(): Promise<string[]> {
    return (await this.storage.list(POLICY_PREFIX)).filter((name) => !name.endsWith('/'));
  }

  /** The current policy, or null. Rotates it first when its auto-rotation period has passed. */
  async get(name: string): Promise<Policy | null> {
    const cached = this.cache.get(name);
    if (cached && !autoRotateDue(cached, this.now())) return cached;
    return this.locks.run(name, async () => {
      const p = await this.loadLocked(name);
      if (p && autoRotateDue(p, this.now())) return this.commit(await rotatePolicy(p, this.now()));
      return p;
    });
  }

  /** Creates the key unless it exists; `created` tells which. */
  async upsert(options: NewPolicyOptions): Promise<{ policy: Policy; created: boolean }> {
    const cached = this.cache.get(options.name);
    if (cached) return { policy: cached, created: false };
    return this.locks.run(options.name, async () => {
      const existing = await this.loadLocked(options.name);
      if (existing) return { policy: existing, created: false };
      const fresh = await createPolicy(options, this.now());
      return { policy: await this.commit(fresh), created: true };
    });
  }

  /**
   * Read-modify-write of one key under its lock. `change` gets a private copy to modify (or
   * replace) and returns it; returning null means "nothing to write".
   */
  async update(name: string, change: (copy: Policy) => Promise<Policy | null> | Policy | null): Promise<Policy | null> {
    return this.locks.run(name, async () => {
      const current = await this.loadLocked(name);
      if (!current) return null;
      const next = await change(clonePolicy(current));
      if (next === null) return current;
      return this.commit(next);
    });
  }

  async rotate(name: string): Promise<Policy | null> {
    return this.update(name, (copy) => rotatePolicy(copy, this.now()));
  }

  /** Deletes a key that allows it; the error texts are Vault's. */
  async delete(name: string): Promise<void> {
    await this.locks.run(name, async () => {
      const p = await this.loadLocked(name);
      if (!p) throw new UserError(`error deleting policy ${name}: could not delete key; not found`);
      if (!p.deletionAllowed) throw new UserError(`error deleting policy ${name}: deletion is not allowed for this key`);
      await this.storage.transaction([
        { op: 'delete', key: POLICY_PREFIX + name },
        { op: 'delete', key: ARCHIVE_PREFIX + name },
      ]);
      this.cache.delete(name);
    });
  }

  /** `backup/:name`: records the backup in the policy, then returns Vault's backup blob. */
  async backup(name: string): Promise<string> {
    return this.locks.run(name, async () => {
      const current = await this.loadLocked(name);
      if (!current) throw new UserError(`key "${name}" not found`);
      if (!current.exportable) throw new UserError('exporting is disallowed on the policy');
      if (!current.allowPlaintextBackup) throw new UserError('plaintext backup is disallowed on the policy');
      const copy = clonePolicy(current);
      copy.backupInfo = { time: formatRfc3339Nano(new Date(this.now())), version: copy.latestVersion };
      const committed = await this.commit(copy);
      const archive = decodeArchive(await this.storage.get(ARCHIVE_PREFIX + name), committed.archiveMinVersion);
      return encodeBackup(committed, archive);
    });
  }

  /** `restore(/:name)`: refuses to overwrite an existing key unless `force`. Returns the name. */
  async restore(backup: string, requestedName: string, force: boolean): Promise<string> {
    const { policy, archive } = decodeBackup(backup);
    const name = requestedName !== '' ? requestedName : policy.name;
    if (!/^\w(?:[\w\-.@]*\w)?$/.test(name)) throw new UserError(`invalid key name "${name}" in backup`);
    policy.name = name;
    return this.locks.run(name, async () => {
      if (!force && (await this.loadLocked(name))) throw new UserError(`key "${name}" already exists`);
      policy.restoreInfo = { time: formatRfc3339Nano(new Date(this.now())), version: policy.latestVersion };
      const upgraded = upgradeRestored(policy);
      // A backup without archived keys still carries the decryptable versions.
      await this.commit(upgraded, archive ?? new Map(upgraded.keys));
      return name;
    });
  }

  /** Rotates every key whose auto-rotation period has passed (the periodic sweep). */
  async rotateDue(): Promise<number> {
    let rotated = 0;
    for (const name of await this.list()) {
      const before = this.cache.get(name);
      const after = await this.get(name);
      if (before && after && after.latestVersion > before.latestVersion) rotated++;
    }
    return rotated;
  }

  /** The archive of a key (every version ≥ min_available_version), for tests and export. */
  async archiveOf(p: Policy): Promise<Map<number, KeyEntry>> {
    return decodeArchive(await this.storage.get(ARCHIVE_PREFIX + p.name), p.archiveMinVersion);
  }

  private async loadLocked(name: string): Promise<Policy | null> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const bytes = await this.storage.get(POLICY_PREFIX + name);
    if (bytes === null) return null;
    const stored = decodePolicy(bytes);
    stored.name = name;
    if (needsUpgrade(stored)) return this.commit(upgradeRestored(stored));
    this.cache.set(name, stored);
    return stored;
  }

  /**
   * Persists `next` (Vault's `Persist` + `handleArchiving`): versions below
   * `min_decryption_version` move to the archive, versions below `min_available_version` are
   * dropped from it, and a lowered minimum brings versions back. Policy and archive are
   * written in one transaction; the cache changes only after it succeeded.
   */
  private async commit(next: Policy, archiveOverride?: Map<number, KeyEntry>): Promise<Policy> {
    const p = clonePolicy(next);
    if (p.minDecryptionVersion < 1) throw new InternalError(`minimum decryption version of ${p.minDecryptionVersion} is less than 1`);
    if (p.latestVersion < 1) throw new InternalError(`latest version of ${p.latestVersion} is less than 1`);
    if (p.minDecryptionVersion > p.latestVersion) {
      throw new InternalError(`minimum decryption version of ${p.minDecryptionVersion} is greater than the latest version ${p.latestVersion}`);
    }
    const archive = archiveOverride ?? decodeArchive(await this.storage.get(ARCHIVE_PREFIX + p.name), p.archiveMinVersion);
    if (!p.keys.has(p.minDecryptionVersion)) {
      // The minimum was lowered: bring those versions back from the archive.
      if (p.archiveVersion !== p.latestVersion) throw new InternalError('need to move keys from archive but archive version not up-to-date');
      for (let v = p.minDecryptionVersion; v <= p.latestVersion; v++) {
        const entry = archive.get(v);
        if (!entry) throw new UserError(`key version ${v} is no longer available`);
        if (!p.keys.has(v)) p.keys.set(v, entry);
      }
    }
    for (let v = p.archiveVersion + 1; v <= p.latestVersion; v++) {
      const entry = p.keys.get(v);
      if (entry) archive.set(v, entry);
      p.archiveVersion = v;
    }
    if (p.archiveMinVersion < p.minAvailableVersion) {
      for (const v of [...archive.keys()]) if (v < p.minAvailableVersion) archive.delete(v);
      p.archiveMinVersion = p.minAvailableVersion;
    }
    for (const v of [...p.keys.keys()]) if (v < p.minDecryptionVersion) p.keys.delete(v);
    const ops: StorageOp[] = [
      { op: 'put', key: ARCHIVE_PREFIX + p.name, value: encodeArchive(archive, p.archiveMinVersion, p.latestVersion) },
      { op: 'put', key: POLICY_PREFIX + p.name, value: encodePolicy(p) },
    ];
    await this.storage.transaction(ops);
    this.cache.set(p.name, p);
    return p;
  }
}

/** Vault's `NeedsUpgrade`: policies written by old releases (or restored from their backups). */
function needsUpgrade(p: Policy): boolean {
  if (p.latestVersion === 0 && p.keys.size > 0) return true;
  if (p.minDecryptionVersion === 0) return true;
  if (p.archiveVersion === 0) return true;
  if (p.convergentEncryption && p.convergentVersion === 0) return true;
  const latest = p.keys.get(p.latestVersion);
  return latest !== undefined && p.type !== 'hmac' && (!latest.hmacKey || latest.hmacKey.length === 0);
}

function upgradeRestored(input: Policy): Policy {
  const p = clonePolicy(input);
  if (p.latestVersion === 0 && p.keys.size > 0) p.latestVersion = Math.max(...p.keys.keys());
  if (p.minDecryptionVersion === 0) p.minDecryptionVersion = 1;
  if (p.convergentEncryption && p.convergentVersion === 0) p.convergentVersion = 1;
  const latest = p.keys.get(p.latestVersion);
  if (latest && p.type !== 'hmac' && (!latest.hmacKey || latest.hmacKey.length === 0)) {
    p.keys.set(p.latestVersion, { ...latest, hmacKey: randomBytes(32) });
  }
  if (p.latestVersion < 1 || !p.keys.has(p.latestVersion)) throw new UserError('backup data does not contain any key versions');
  return p;
}
