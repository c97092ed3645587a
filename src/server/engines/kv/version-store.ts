/**
 * The KV v2 storage model.
 *
 * Everything a versioned mount stores lives below one reserved prefix, so that the v1→v2
 * upgrade can tell the raw v1 keys (at the mount root) from v2 bookkeeping:
 *
 * - `<P>config`                       the mount-wide settings (`config` endpoint)
 * - `<P>upgrading`                    the upgrade marker (`{ started_time, done }`)
 * - `<P>metadata/<logical path>`      one JSON document per key: its settings and the
 *                                     metadata of every retained version. Stored under the
 *                                     logical path so `LIST metadata/<folder>/` is a plain
 *                                     storage listing.
 * - `<P>versions/<sha256(path)>/<n>`  the data of version n, one entry per version, so a
 *                                     read loads one version and never the whole history.
 *
 * A write is one `storage.transaction` (new version + updated metadata + purged versions),
 * so a failed write leaves the previous state intact.
 */
import { createHash } from 'node:crypto';
import { decodeJson, encodeJson, type Storage, type StorageOp } from '../../sdk/index.js';
import { formatRfc3339Nano } from '../../../shared/time.js';

/** Reserved root folder of all v2 data. The v1 passthrough refuses to write below it. */
export const V2_PREFIX = '_coffer_kv2/';
export const CONFIG_KEY = `${V2_PREFIX}config`;
export const UPGRADE_KEY = `${V2_PREFIX}upgrading`;
export const METADATA_PREFIX = `${V2_PREFIX}metadata/`;
export const VERSIONS_PREFIX = `${V2_PREFIX}versions/`;

/** Versions kept per key when neither the key nor the mount sets `max_versions`. */
export const DEFAULT_MAX_VERSIONS = 10;

/** `delete_version_after` on the mount config meaning "disabled for every key" (Vault stores -1s). */
export const DELETE_VERSION_AFTER_DISABLED = -1;

export interface KvConfig {
  /** 0 = not set (10 versions unless the key says otherwise). */
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 = not set; negative = disabled for all keys. */
  delete_version_after: number;
}

export interface VersionMetadata {
  /** Epoch milliseconds. */
  created_time: number;
  /** Epoch milliseconds, or null when the version is not (scheduled to be) deleted. */
  deletion_time: number | null;
  destroyed: boolean;
}

export interface KeyMetadata {
  /** The logical path of the key. */
  key: string;
  /** Retained versions, keyed by the version number as a string. */
  versions: Record<string, VersionMetadata>;
  current_version: number;
  oldest_version: number;
  created_time: number;
  updated_time: number;
  /** 0 = use the mount's setting. */
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 = use the mount's setting. */
  delete_version_after: number;
  /** null until set (Vault renders a nil map as `null`). */
  custom_metadata: Record<string, string> | null;
}

export interface StoredVersion {
  data: Record<string, unknown>;
  created_time: number;
}

export interface UpgradeMarker {
  started_time: number;
  done: boolean;
}

export function metadataKey(path: string): string {
  return METADATA_PREFIX + path;
}

function pathHash(path: string): string {
  return createHash('sha256').update(path, 'utf8').digest('hex');
}

export function versionsFolder(path: string): string {
  return `${VERSIONS_PREFIX}${pathHash(path)}/`;
}

export function versionKey(path: string, version: number): string {
  return `${versionsFolder(path)}${version}`;
}

export function emptyConfig(): KvConfig {
  return { max_versions: 0, cas_required: false, delete_version_after: 0 };
}

export async function readConfig(storage: Storage): Promise<KvConfig> {
  const raw = await storage.get(CONFIG_KEY);
  return raw === null ? emptyConfig() : { ...emptyConfig(), ...decodeJson<Partial<KvConfig>>(raw) };
}

export async function readMetadata(storage: Storage, path: string): Promise<KeyMetadata | null> {
  const raw = await storage.get(metadataKey(path));
  return raw === null ? null : decodeJson<KeyMetadata>(raw);
}

export async function readVersion(storage: Storage, path: string, version: number): Promise<StoredVersion | null> {
  const raw = await storage.get(versionKey(path, version));
  return raw === null ? null : decodeJson<StoredVersion>(raw);
}

export async function writeMetadata(storage: Storage, meta: KeyMetadata): Promise<void> {
  await storage.put(metadataKey(meta.key), encodeJson(meta));
}

export function putOp(key: string, value: unknown): StorageOp {
  return { op: 'put', key, value: encodeJson(value) };
}

export function deleteOp(key: string): StorageOp {
  return { op: 'delete', key };
}

/** A fresh key with no versions (`current_version` 0), as Vault creates it. */
export function newMetadata(path: string, now: number): KeyMetadata {
  return {
    key: path,
    versions: {},
    current_version: 0,
    oldest_version: 0,
    created_time: now,
    updated_time: now,
    max_versions: 0,
    cas_required: false,
    delete_version_after: 0,
    custom_metadata: null,
  };
}

/** Vault's rule (plugin ≥0.26): the larger of the key's and the mount's setting, else 10. */
export function effectiveMaxVersions(keyMax: number, configMax: number): number {
  const m = Math.max(keyMax, configMax);
  return m > 0 ? m : DEFAULT_MAX_VERSIONS;
}

/**
 * Records a new version in `meta` (mutating it) and moves the retention window: the
 * version numbers that fall out of it are returned so their data can be deleted in the
 * same transaction. Mirrors `KeyMetadata.AddVersion`, including its bookkeeping of
 * `oldest_version` (0 until the window first slides).
 */
export function addVersion(
  meta: KeyMetadata,
  createdTime: number,
  deletionTime: number | null,
  configMaxVersions: number,
): { version: number; metadata: VersionMetadata; purged: number[] } {
  const vm: VersionMetadata = { created_time: createdTime, deletion_time: deletionTime, destroyed: false };
  meta.current_version += 1;
  const version = meta.current_version;
  meta.versions[String(version)] = vm;
  meta.updated_time = createdTime;
  const maxVersions = effectiveMaxVersions(meta.max_versions, configMaxVersions);
  const purged: number[] = [];
  if (meta.current_version - meta.oldest_version >= maxVersions) {
    const versionToDelete = meta.current_version - maxVersions;
    for (let i = meta.oldest_version; i <= versionToDelete; i++) {
      delete meta.versions[String(i)];
      if (i > 0) purged.push(i);
    }
    meta.oldest_version = versionToDelete + 1;
  }
  return { version, metadata: vm, purged };
}

/**
 * When a version created at `from` is deleted automatically: `from` plus the smaller
 * non-zero `delete_version_after` of the mount and the key; null when neither is set or the
 * mount disables it.
 */
export function scheduledDeletion(from: number, config: KvConfig, meta: KeyMetadata): number | null {
  if (config.delete_version_after < 0) return null;
  const mount = config.delete_version_after;
  const key = meta.delete_version_after;
  if (mount === 0 && key === 0) return null;
  let min = key;
  if ((mount !== 0 && mount < min) || min === 0) min = mount;
  return from + min * 1000;
}

/**
 * A version counts as deleted once its deletion time has come. (Vault uses `Before(now)`
 * with nanosecond clocks; with millisecond clocks a delete and a read in the same
 * millisecond must still see the delete, hence `<=`.)
 */
export function isDeleted(vm: VersionMetadata, now: number): boolean {
  return vm.deletion_time !== null && vm.deletion_time <= now;
}

/** RFC3339Nano in UTC with trailing zeros trimmed, as Go renders `time.Time`. */
export function formatTime(ms: number | null): string {
  return ms === null ? '' : formatRfc3339Nano(new Date(ms));
}

/** The per-version metadata block of data reads, subkeys and 404 envelopes. */
export function versionView(
  version: number,
  vm: VersionMetadata,
  customMetadata: Record<string, string> | null,
): Record<string, unknown> {
  return {
    created_time: formatTime(vm.created_time),
    custom_metadata: customMetadata,
    deletion_time: formatTime(vm.deletion_time),
    destroyed: vm.destroyed,
    version,
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own enumerable property, even for `__proto__` (user data may use any key). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
