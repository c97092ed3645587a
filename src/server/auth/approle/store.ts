/**
 * AppRole storage layout and the backend's shared state.
 *
 *   salt                                  per-mount random HMAC key (never leaves storage)
 *   role/<name>                           RoleEntry (names are lower-cased)
 *   role_id/<hmac(role_id)>               { name }: the role_id → role index
 *   secret_id/<hmac(role)>/<hmac(sid)>    SecretIdEntry (secret_id_local/ for local_secret_ids)
 *   accessor/<hmac(accessor)>             { secret_id_hmac, role_name_hmac } (accessor_local/)
 *
 * Secret IDs are never stored: only their HMAC-SHA256 under the mount's salt, as a key and
 * inside the entry (re-checked in constant time at login).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { UserError } from '../../../shared/errors.js';
import { DEFAULT_TOKEN_PARAMS, encodeJson, getJson, type Storage, type StorageOp, type TokenParams } from '../../sdk/index.js';
import { KeyedMutex } from '../../../shared/keyed-mutex.js';

export const SALT_KEY = 'salt';
export const ROLE_PREFIX = 'role/';
export const ROLE_ID_PREFIX = 'role_id/';
export const SECRET_ID_PREFIX = 'secret_id/';
export const SECRET_ID_LOCAL_PREFIX = 'secret_id_local/';
export const ACCESSOR_PREFIX = 'accessor/';
export const ACCESSOR_LOCAL_PREFIX = 'accessor_local/';

/** Vault's `maxHmacInputLength`. */
export const MAX_HMAC_INPUT_LENGTH = 4096;

/** A role as stored. `policies`/`period` keep the deprecated names' values for role reads. */
export interface RoleEntry extends TokenParams {
  name: string;
  role_id: string;
  bind_secret_id: boolean;
  secret_id_bound_cidrs: string[];
  secret_id_num_uses: number;
  /** Seconds; 0 = secret IDs never expire. */
  secret_id_ttl: number;
  local_secret_ids: boolean;
  /** Set only when the role was last written with the deprecated `policies`. */
  policies: string[];
  /** Set only when the role was last written with the deprecated `period`. */
  period: number;
}

export interface RoleIdIndexEntry {
  name: string;
}

export interface SecretIdEntry {
  /** HMAC of the secret ID (the same as the key's last segment), compared in constant time. */
  secret_id_hmac: string;
  secret_id_accessor: string;
  /** Remaining uses; 0 = unlimited. */
  secret_id_num_uses: number;
  /** Seconds, as requested (before the mount's max TTL cap). */
  secret_id_ttl: number;
  /** Epoch milliseconds. */
  creation_time: number;
  /** Epoch milliseconds; 0 = never expires. */
  expiration_time: number;
  last_updated_time: number;
  metadata: Record<string, string>;
  cidr_list: string[];
  token_bound_cidrs: string[];
}

export interface AccessorEntry {
  secret_id_hmac: string;
  role_name_hmac: string;
}

export interface TidyResult {
  /** Secret ID entries examined. */
  checked: number;
  /** Expired secret IDs removed (with their accessors). */
  expired: number;
  /** Secret ID entries removed because their accessor was missing. */
  orphanedSecretIds: number;
  /** Accessor entries removed because their secret ID was gone. */
  danglingAccessors: number;
}

export interface ApproleOptions {
  /** Clock in epoch milliseconds (tests pin it to check secret ID expiry). */
  now?: () => number;
  /** Interval of the background tidy of expired secret IDs (Vault: once a minute). 0 disables it. */
  tidyIntervalMs?: number;
  /** Called with each tidy run's completion (tests await it; the endpoint answers 202 at once). */
  onTidy?: (run: Promise<TidyResult>) => void;
}

/** Per-mount state: clock, locks, the cached salt and the tidy guard. */
export class ApproleContext {
  readonly now: () => number;
  /** By lower-cased role name: role writes and secret ID issuance. */
  readonly roleLocks = new KeyedMutex();
  /** By secret ID HMAC: every read-modify-write of one secret ID (logins, destroy, tidy). */
  readonly secretLocks = new KeyedMutex();
  /** By role_id HMAC: keeps role_ids unique across roles. */
  readonly roleIdLocks = new KeyedMutex();
  tidyRunning = false;
  private saltPromise: Promise<Buffer> | null = null;

  constructor(readonly options: ApproleOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** The mount's salt, created on first use. */
  salt(storage: Storage): Promise<Buffer> {
    if (!this.saltPromise) {
      this.saltPromise = loadOrCreateSalt(storage).catch((err: unknown) => {
        this.saltPromise = null;
        throw err;
      });
    }
    return this.saltPromise;
  }

  /** Hex HMAC-SHA256 of `value` under the mount's salt. */
  async hmac(storage: Storage, value: string): Promise<string> {
    if (Buffer.byteLength(value, 'utf8') > MAX_HMAC_INPUT_LENGTH) {
      throw new UserError(`value is longer than maximum of ${MAX_HMAC_INPUT_LENGTH} bytes`);
    }
    const key = await this.salt(storage);
    return createHmac('sha256', key).update(value, 'utf8').digest('hex');
  }
}

async function loadOrCreateSalt(storage: Storage): Promise<Buffer> {
  const existing = await getJson<{ key: string }>(storage, SALT_KEY);
  if (existing?.key) return Buffer.from(existing.key, 'base64');
  const key = randomBytes(32);
  await storage.put(SALT_KEY, encodeJson({ key: key.toString('base64') }));
  return key;
}

/** Constant-time string equality (lengths leak, contents do not). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Still spend the comparison so the early exit is not a timing oracle for the prefix.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

export function putOp(key: string, value: unknown): StorageOp {
  return { op: 'put', key, value: encodeJson(value) };
}

export function deleteOp(key: string): StorageOp {
  return { op: 'delete', key };
}

export function roleKey(name: string): string {
  return ROLE_PREFIX + name.toLowerCase();
}

export async function readRole(storage: Storage, name: string): Promise<RoleEntry | null> {
  const stored = await getJson<Partial<RoleEntry>>(storage, roleKey(name));
  if (!stored) return null;
  return {
    ...DEFAULT_TOKEN_PARAMS,
    token_policies: [],
    token_bound_cidrs: [],
    name: name.toLowerCase(),
    role_id: '',
    bind_secret_id: true,
    secret_id_bound_cidrs: [],
    secret_id_num_uses: 0,
    secret_id_ttl: 0,
    local_secret_ids: false,
    policies: [],
    period: 0,
    ...stored,
  };
}

export async function roleIdIndexKey(ctx: ApproleContext, storage: Storage, roleId: string): Promise<string> {
  return ROLE_ID_PREFIX + (await ctx.hmac(storage, roleId));
}

export async function getRoleIdIndex(ctx: ApproleContext, storage: Storage, roleId: string): Promise<RoleIdIndexEntry | null> {
  return getJson<RoleIdIndexEntry>(storage, await roleIdIndexKey(ctx, storage, roleId));
}

/** The storage prefixes a role's secret IDs and accessors live under. */
export function secretPrefixes(role: Pick<RoleEntry, 'local_secret_ids'>): { secrets: string; accessors: string } {
  return role.local_secret_ids
    ? { secrets: SECRET_ID_LOCAL_PREFIX, accessors: ACCESSOR_LOCAL_PREFIX }
    : { secrets: SECRET_ID_PREFIX, accessors: ACCESSOR_PREFIX };
}

export function secretKey(prefix: string, roleNameHmac: string, secretIdHmac: string): string {
  return `${prefix}${roleNameHmac}/${secretIdHmac}`;
}

export function readSecretEntry(storage: Storage, key: string): Promise<SecretIdEntry | null> {
  return getJson<SecretIdEntry>(storage, key);
}

export function readAccessorEntry(storage: Storage, key: string): Promise<AccessorEntry | null> {
  return getJson<AccessorEntry>(storage, key);
}

export function isExpired(entry: Pick<SecretIdEntry, 'expiration_time'>, now: number): boolean {
  return entry.expiration_time > 0 && now > entry.expiration_time;
}

/** Vault's `deriveSecretIDTTL`: negative or above the mount's max lease TTL → the max. */
export function deriveSecretIdTtl(ttl: number, maxLeaseTtl: number): number {
  if (ttl < 0 || ttl > maxLeaseTtl) return maxLeaseTtl;
  return ttl;
}
