/**
 * The token store (Vault's `vault/token_store.go`): service tokens stored only as an HMAC
 * under a per-server salt, accessors, the parent/child tree, TTLs, periods, use counts and
 * roles; batch tokens that are never stored at all.
 *
 * Storage layout (keys relative to the store's view, `sys/token/` in the core):
 *   salt                          32 random bytes: the HMAC key
 *   id/<hash>                     the token entry (JSON); hash = hex HMAC-SHA256(salt, token)
 *   accessor/<hmac(accessor)>     { hash, accessor }
 *   parent/<parentHash>/<hash>    empty: the child index that makes tree revocation possible
 *   roles/<name>                  role (JSON)
 * No key or value ever holds a token.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { InternalError, UserError } from '../../shared/errors.js';
import { randomBase62 } from '../../shared/random.js';
import type { Storage, StorageOp } from '../sdk/index.js';
import { decodeJson, encodeJson } from '../sdk/index.js';
import { aesGcmBatchCrypto, BATCH_TOKEN_PREFIX, openBatchToken, sealBatchToken, type BatchTokenCrypto } from './batch.js';
import { remoteAddrAllowed } from '../../shared/cidr.js';
import { sanitizePolicies } from './policies.js';
import { normaliseRole, type TokenRole } from './roles.js';
import { calculateTtl, effectiveTtls, type TtlLimits } from './ttl.js';

export type TokenType = 'service' | 'batch';

/**
 * One token's state. Immutable: the store replaces entries, it never mutates them, so a
 * cached entry handed to a caller cannot change under it.
 */
export interface TokenEntry {
  /**
   * Hex HMAC-SHA256 of the token under the store's salt: its storage id, the suffix of its
   * lease id and the key for anything kept per token. Not usable as a token. Batch tokens
   * have one too (computed, never stored).
   */
  readonly hash: string;
  /** 24 base62 characters; `''` for batch tokens. */
  readonly accessor: string;
  /** Sorted, de-duplicated; `["root"]` for root tokens. */
  readonly policies: readonly string[];
  /** Hash of the parent token; `''` for orphans. */
  readonly parent: string;
  readonly orphan: boolean;
  readonly display_name: string;
  readonly meta: Readonly<Record<string, string>> | null;
  /** Remaining uses: 0 = unlimited; -1 = the last use is in flight or the token is being revoked. */
  readonly num_uses: number;
  /** Unix seconds (Vault's `creation_time`). */
  readonly creation_time: number;
  /** Unix milliseconds of issue (the lease's issue time). */
  readonly issue_time_ms: number;
  /** TTL at creation, seconds (Vault's `creation_ttl`); 0 = never expires. */
  readonly ttl: number;
  /** TTL granted by the last creation or renewal, seconds (the lease's `auth.ttl`). */
  readonly lease_ttl: number;
  /** Backend max TTL (an auth role's `token_max_ttl`), seconds; 0 = none. */
  readonly max_ttl: number;
  readonly explicit_max_ttl: number;
  readonly period: number;
  readonly renewable: boolean;
  /** Unix milliseconds; 0 = never. */
  readonly expire_time_ms: number;
  /** Unix milliseconds; 0 = never renewed. */
  readonly last_renewal_time_ms: number;
  readonly entity_id: string;
  readonly type: TokenType;
  /** e.g. `auth/token/create`, `auth/userpass/login/bob`, `auth/token/root`. */
  readonly path: string;
  /** Token role name; `''` when none. */
  readonly role: string;
  readonly bound_cidrs: readonly string[];
  /** Random id under which the token's cubbyhole lives (unrelated to the token); `''` for batch. */
  readonly cubbyhole_id: string;
}

export interface LookupOptions {
  /** The client's address: when given, `bound_cidrs` are enforced. */
  remoteAddr?: string;
  /** Also return tokens whose last use is in flight or whose revocation is pending. */
  tainted?: boolean;
}

export interface CreateTokenRequest {
  /** Requested policies (sanitised here; `default` is NOT added — callers decide). */
  policies: readonly string[];
  /** The token creating this one (the caller); null for logins. Used for checks even when orphaned. */
  parent: TokenEntry | null;
  /** Do not link to `parent` (create-orphan, no_parent, role orphan, logins). */
  orphan: boolean;
  path: string;
  /** Final display name (`token-<name>`, `userpass-bob`, …). */
  displayName: string;
  meta?: Readonly<Record<string, string>> | null;
  numUses?: number;
  type?: TokenType;
  /** Default true. */
  renewable?: boolean;
  /** Requested TTL, seconds (0 = backend/mount default). */
  ttl?: number;
  /** Backend max TTL, seconds (0 = none). */
  maxTtl?: number;
  explicitMaxTtl?: number;
  period?: number;
  /** TTL limits of the issuing mount; default: resolved from `path`, else the token mount's. */
  limits?: TtlLimits;
  entityId?: string;
  role?: string;
  boundCidrs?: readonly string[];
  /** Custom token id (sudo callers of auth/token/create). */
  id?: string;
}

export interface CreatedToken {
  /** The token itself: return it to the client once, never store or log it. */
  token: string;
  entry: TokenEntry;
  warnings: string[];
}

export interface RenewOptions {
  /** Overrides for logins whose auth method answered the renewal (Vault's `renewAuthEntry`). */
  backendTtl?: number;
  backendMaxTtl?: number;
  period?: number;
  explicitMaxTtl?: number;
  limits?: TtlLimits;
}

export interface RenewedToken {
  entry: TokenEntry;
  /** Granted TTL, seconds. */
  ttl: number;
  warnings: string[];
}

export interface TidyReport {
  childIndexesScanned: number;
  danglingChildIndexesRemoved: number;
  childrenOfMissingParentsRevoked: number;
  accessorsScanned: number;
  danglingAccessorsRemoved: number;
  tokensScanned: number;
  expiredRevoked: number;
  pendingRevocationsRetried: number;
  errors: string[];
}

export type RevokeHook = (entry: TokenEntry) => Promise<void>;

export interface TokenStoreOptions {
  /** AES-256 key for batch tokens (32 bytes); or supply `batchCrypto`. Without either, batch tokens cannot be created. */
  batchKey?: Uint8Array;
  batchCrypto?: BatchTokenCrypto;
  /** System TTLs, seconds (default 768h each). */
  systemDefaultTtl?: number;
  systemMaxTtl?: number;
  /** The `auth/token/` mount's tune (0 = not tuned), read on every create and renew. */
  tokenMountTune?: () => { defaultLeaseTtl: number; maxLeaseTtl: number };
  /**
   * Effective TTL limits of the mount that issued a token, by its path
   * (`auth/userpass/login/bob` → the `auth/userpass/` mount). Null → the token mount's.
   */
  limitsForPath?: (tokenPath: string) => TtlLimits | null;
  /**
   * Run for every token revoked (children first), after it is marked unusable and before
   * its entry is deleted. A failing hook aborts the revocation (the token stays unusable;
   * `tidy` retries). Hooks may call `revokeTree`/`revokeOrphan` for a token already being
   * revoked: those calls return at once instead of deadlocking.
   */
  onRevoke?: RevokeHook | readonly RevokeHook[];
  /** Background failures (revocation of expired tokens). Never given a token. */
  onError?: (err: unknown, context: string) => void;
  /** Milliseconds since the epoch (tests). */
  now?: () => number;
  /** Entries kept in memory (default 10 000). */
  cacheSize?: number;
}

export interface TokenStore {
  /** Creates a root token; `id` lets dev mode choose it (`-dev-root-token-id`). */
  createRootToken(id?: string): Promise<string>;
  /** The live entry for a token, or null (unknown, expired — its revocation is then started —, exhausted, tampered, CIDR mismatch). */
  lookup(token: string, options?: LookupOptions): Promise<TokenEntry | null>;
  /** Forget the salt and cached entries (on seal). */
  reset(): void;

  createToken(request: CreateTokenRequest): Promise<CreatedToken>;
  lookupByHash(hash: string, options?: LookupOptions): Promise<TokenEntry | null>;
  lookupByAccessor(accessor: string, options?: LookupOptions): Promise<TokenEntry | null>;
  /** Hex HMAC of a token (its `hash`). */
  hashToken(token: string): Promise<string>;
  /**
   * Counts one use of a limited-use token. Returns the updated entry, or null when it has no
   * uses left. When the result has `num_uses === -1` this was the last use: call
   * `revokeIfExhausted` once the request is done.
   */
  useToken(entry: TokenEntry): Promise<TokenEntry | null>;
  /** Revokes the token (and its children) if its last use has been spent. */
  revokeIfExhausted(entry: TokenEntry): Promise<void>;
  renewToken(entry: TokenEntry, increment: number, options?: RenewOptions): Promise<RenewedToken>;
  /** Revokes the token and every descendant (iteratively, children first). */
  revokeTree(target: TokenEntry | string): Promise<void>;
  /** Revokes only this token; its children become orphans. */
  revokeOrphan(target: TokenEntry | string): Promise<void>;
  /** Removes dangling indexes, revokes expired tokens and retries stuck revocations. */
  tidy(): Promise<TidyReport>;
  listAccessors(): Promise<string[]>;
  /** Vault's lease id for a token: `<path>/h<hash>`. */
  leaseIdFor(entry: TokenEntry): string;
  /** Effective TTLs of the token mount. */
  tokenMountLimits(): TtlLimits;
  /** Adds a revocation hook; returns a function that removes it. */
  addRevokeHook(hook: RevokeHook): () => void;
  /** Drops cached entries (all, or one hash) — for multi-node invalidation. */
  invalidate(hash?: string): void;
  batchTokensEnabled(): boolean;

  getRole(name: string): Promise<TokenRole | null>;
  putRole(role: TokenRole): Promise<void>;
  deleteRole(name: string): Promise<void>;
  listRoles(): Promise<string[]>;
}

const SALT_KEY = 'salt';
const ID_PREFIX = 'id/';
const ACCESSOR_PREFIX = 'accessor/';
const PARENT_PREFIX = 'parent/';
const ROLES_PREFIX = 'roles/';
const MAX_SERVICE_TOKEN_LENGTH = 1024;
const MAX_BATCH_TOKEN_LENGTH = 16384;
const EMPTY = new Uint8Array(0);
const HASH_RE = /^[0-9a-f]{64}$/;

interface AccessorRecord {
  hash: string;
  accessor: string;
}

export function createTokenStore(storage: Storage, options: TokenStoreOptions = {}): TokenStore {
  let salt: Buffer | null = null;
  let saltLoading: Promise<Buffer> | null = null;
  const cache = new LRUCache<string, TokenEntry>({ max: options.cacheSize ?? 10_000 });
  const locks = new Map<string, Promise<unknown>>();
  const pendingRevocations = new Map<string, Promise<void>>();
  /** Tokens whose hooks are running right now. */
  const activeRevocations = new Set<string>();
  /** Set while a revocation hook runs, so a hook that revokes back into us cannot deadlock. */
  const inHook = new AsyncLocalStorage<boolean>();
  const hooks: RevokeHook[] = [];
  if (options.onRevoke) hooks.push(...(Array.isArray(options.onRevoke) ? options.onRevoke : [options.onRevoke as RevokeHook]));
  const now = options.now ?? Date.now;
  const batchCrypto: BatchTokenCrypto | null =
    options.batchCrypto ?? (options.batchKey ? aesGcmBatchCrypto(options.batchKey) : null);
  let tidyRunning: Promise<TidyReport> | null = null;

  // ---- salt and hashing -------------------------------------------------------------

  async function getSalt(): Promise<Buffer> {
    if (salt) return salt;
    saltLoading ??= (async () => {
      const stored = await storage.get(SALT_KEY);
      let s: Buffer;
      if (stored && stored.length > 0) {
        s = Buffer.from(stored);
      } else {
        s = randomBytes(32);
        await storage.put(SALT_KEY, s);
      }
      salt = s;
      return s;
    })().finally(() => {
      saltLoading = null;
    });
    return saltLoading;
  }

  // Every authenticated request hashes its token; a bounded memo saves the HMAC for hot
  // tokens. It holds nothing a heap dump would not already give (the keyring is in memory).
  const hmacMemo = new LRUCache<string, string>({ max: 10_000 });

  async function hmac(value: string): Promise<string> {
    const memo = hmacMemo.get(value);
    if (memo !== undefined) return memo;
    const s = await getSalt();
    const digest = createHmac('sha256', s).update(value).digest('hex');
    if (salt === s) hmacMemo.set(value, digest);
    return digest;
  }

  // ---- limits -----------------------------------------------------------------------

  function tokenMountLimits(): TtlLimits {
    const tune = options.tokenMountTune?.();
    return effectiveTtls({
      ...(options.systemDefaultTtl !== undefined ? { systemDefaultTtl: options.systemDefaultTtl } : {}),
      ...(options.systemMaxTtl !== undefined ? { systemMaxTtl: options.systemMaxTtl } : {}),
      ...(tune ? { mountDefaultTtl: tune.defaultLeaseTtl, mountMaxTtl: tune.maxLeaseTtl } : {}),
    });
  }

  function limitsFor(path: string): TtlLimits {
    if (!path.startsWith('auth/token/')) {
      const resolved = options.limitsForPath?.(path);
      if (resolved) return resolved;
    }
    return tokenMountLimits();
  }

  // ---- locking ----------------------------------------------------------------------

  async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (locks.get(key) === settled) locks.delete(key);
    }
  }

  // ---- entries ----------------------------------------------------------------------

  function freeze(entry: TokenEntry): TokenEntry {
    Object.freeze(entry.policies);
    Object.freeze(entry.bound_cidrs);
    if (entry.meta) Object.freeze(entry.meta);
    return Object.freeze(entry);
  }

  /** Upgrades entries written by older versions (the first root tokens had fewer fields). */
  function normalise(raw: Partial<TokenEntry> & { hash: string }): TokenEntry {
    const creation = raw.creation_time ?? 0;
    const ttl = raw.ttl ?? 0;
    return freeze({
      hash: raw.hash,
      accessor: raw.accessor ?? '',
      policies: [...(raw.policies ?? [])],
      parent: raw.parent ?? '',
      orphan: raw.orphan ?? (raw.parent ?? '') === '',
      display_name: raw.display_name ?? '',
      meta: raw.meta ? { ...raw.meta } : null,
      num_uses: raw.num_uses ?? 0,
      creation_time: creation,
      issue_time_ms: raw.issue_time_ms ?? creation * 1000,
      ttl,
      lease_ttl: raw.lease_ttl ?? ttl,
      max_ttl: raw.max_ttl ?? 0,
      explicit_max_ttl: raw.explicit_max_ttl ?? 0,
      period: raw.period ?? 0,
      renewable: raw.renewable ?? false,
      expire_time_ms: raw.expire_time_ms ?? (ttl > 0 ? (creation + ttl) * 1000 : 0),
      last_renewal_time_ms: raw.last_renewal_time_ms ?? 0,
      entity_id: raw.entity_id ?? '',
      type: raw.type ?? 'service',
      path: raw.path ?? '',
      role: raw.role ?? '',
      bound_cidrs: [...(raw.bound_cidrs ?? [])],
      cubbyhole_id: raw.cubbyhole_id ?? '',
    });
  }

  /** The stored entry regardless of state (revocation pending, expired), or null. */
  async function loadStored(hash: string): Promise<TokenEntry | null> {
    if (!HASH_RE.test(hash)) return null;
    const cached = cache.get(hash);
    if (cached) return cached;
    const bytes = await storage.get(ID_PREFIX + hash);
    if (!bytes) return null;
    const raw = decodeJson<Partial<TokenEntry> & { hash?: string }>(bytes);
    // Constant-time confirmation that the record is the one the key names.
    if (typeof raw.hash !== 'string' || !HASH_RE.test(raw.hash)) return null;
    if (!timingSafeEqual(Buffer.from(raw.hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
    const entry = normalise({ ...raw, hash });
    cache.set(hash, entry);
    return entry;
  }

  async function save(entry: TokenEntry): Promise<void> {
    await storage.put(ID_PREFIX + entry.hash, encodeJson(entry));
    cache.set(entry.hash, freeze(entry));
  }

  function isExpired(entry: TokenEntry, at: number): boolean {
    return entry.expire_time_ms > 0 && at >= entry.expire_time_ms;
  }

  /** Applies liveness rules to a stored entry. */
  function live(entry: TokenEntry | null, opts: LookupOptions): TokenEntry | null {
    if (!entry) return null;
    if (!opts.tainted) {
      if (entry.num_uses < 0) return null;
      if (isExpired(entry, now())) {
        scheduleRevocation(entry.hash);
        return null;
      }
    }
    if (opts.remoteAddr !== undefined && !remoteAddrAllowed(entry.bound_cidrs, opts.remoteAddr)) return null;
    return entry;
  }

  function scheduleRevocation(hash: string): void {
    if (pendingRevocations.has(hash)) return;
    revokeTree(hash).catch((err: unknown) => options.onError?.(err, 'revoking an expired token'));
  }

  // ---- batch tokens -----------------------------------------------------------------

  async function lookupBatch(token: string, opts: LookupOptions): Promise<TokenEntry | null> {
    if (!batchCrypto || token.length > MAX_BATCH_TOKEN_LENGTH) return null;
    const payload = await openBatchToken(batchCrypto, token);
    if (!payload) return null;
    const expireMs = payload.c + payload.t * 1000;
    if (!opts.tainted && now() >= expireMs) return null;
    if (payload.pa !== '') {
      const parent = await lookupByHash(payload.pa);
      if (!parent) return null;
    }
    const entry = freeze({
      hash: await hmac(token),
      accessor: '',
      policies: [...payload.p],
      parent: payload.pa,
      orphan: payload.pa === '',
      display_name: payload.d,
      meta: payload.m ? { ...payload.m } : null,
      num_uses: 0,
      creation_time: Math.floor(payload.c / 1000),
      issue_time_ms: payload.c,
      ttl: payload.t,
      lease_ttl: payload.t,
      max_ttl: 0,
      explicit_max_ttl: 0,
      period: 0,
      renewable: false,
      expire_time_ms: expireMs,
      last_renewal_time_ms: 0,
      entity_id: payload.e ?? '',
      type: 'batch',
      path: payload.pt,
      role: payload.r ?? '',
      bound_cidrs: [...(payload.b ?? [])],
      cubbyhole_id: '',
    } satisfies TokenEntry);
    if (opts.remoteAddr !== undefined && !remoteAddrAllowed(entry.bound_cidrs, opts.remoteAddr)) return null;
    return entry;
  }

  // ---- lookups ----------------------------------------------------------------------

  async function lookup(token: string, opts: LookupOptions = {}): Promise<TokenEntry | null> {
    if (typeof token !== 'string' || token === '') return null;
    if (token.startsWith(BATCH_TOKEN_PREFIX)) return lookupBatch(token, opts);
    if (token.length > MAX_SERVICE_TOKEN_LENGTH) return null;
    const hash = await hmac(token);
    return live(await loadStored(hash), opts);
  }

  async function lookupByHash(hash: string, opts: LookupOptions = {}): Promise<TokenEntry | null> {
    return live(await loadStored(hash), opts);
  }

  async function accessorRecord(accessor: string): Promise<AccessorRecord | null> {
    if (accessor === '' || accessor.length > 256) return null;
    const bytes = await storage.get(ACCESSOR_PREFIX + (await hmac(accessor)));
    if (!bytes) return null;
    const rec = decodeJson<AccessorRecord>(bytes);
    return typeof rec.hash === 'string' ? rec : null;
  }

  async function lookupByAccessor(accessor: string, opts: LookupOptions = {}): Promise<TokenEntry | null> {
    const rec = await accessorRecord(accessor);
    if (!rec) return null;
    return lookupByHash(rec.hash, opts);
  }

  // ---- creation ---------------------------------------------------------------------

  async function createToken(req: CreateTokenRequest): Promise<CreatedToken> {
    const at = now();
    const type = req.type ?? 'service';
    const parent = req.parent;
    if (parent) {
      if (parent.type === 'batch') throw new UserError('batch tokens cannot create more tokens');
      if (parent.num_uses !== 0) throw new UserError('restricted use token cannot generate child tokens');
    }
    const policies = sanitizePolicies(req.policies, false);
    const isRoot = policies.length === 1 && policies[0] === 'root';
    if (isRoot && !(parent?.policies.includes('root') ?? false)) {
      throw new UserError('root tokens may not be created without parent token being root');
    }
    const numUses = req.numUses ?? 0;
    const explicitMax = req.explicitMaxTtl ?? 0;
    const period = req.period ?? 0;
    const requestedTtl = req.ttl ?? 0;
    if (numUses < 0) throw new UserError('number of uses cannot be negative');
    if (explicitMax < 0) throw new UserError('explicit_max_ttl must be positive');
    if (period < 0) throw new UserError('period must be positive');
    if (requestedTtl < 0) throw new UserError('ttl must be positive');
    if (type === 'batch') {
      if (isRoot) throw new UserError('batch tokens cannot be root tokens');
      const bad = explicitMax !== 0 ? 'explicit_max_ttl' : numUses !== 0 ? 'num_uses' : period !== 0 ? 'period' : '';
      if (bad) throw new UserError(`batch tokens cannot have "${bad}" set`);
      if (!batchCrypto) throw new InternalError('batch tokens are not available: no batch token key configured');
    }

    const creationSec = Math.floor(at / 1000);
    const limits = req.limits ?? limitsFor(req.path);
    const warnings: string[] = [];
    let ttl = requestedTtl;
    if (period > 0 || ttl > 0 || !isRoot) {
      const calc = calculateTtl({
        limits,
        backendTtl: ttl,
        period,
        backendMaxTtl: req.maxTtl ?? 0,
        explicitMaxTtl: explicitMax,
        startTime: creationSec,
        now: creationSec,
      });
      ttl = calc.ttl;
      warnings.push(...calc.warnings);
    }
    // Root tokens are still bound by an explicit max TTL.
    if (ttl === 0 && explicitMax > 0) ttl = explicitMax;
    let renewable = type === 'batch' ? false : (req.renewable ?? true);
    let boundCidrs = [...(req.boundCidrs ?? [])];
    if (ttl === 0) {
      if (parent && parent.ttl !== 0) {
        throw new UserError('expiring root tokens cannot create non-expiring root tokens');
      }
      // Non-expiring tokens are neither renewable nor CIDR-bound.
      renewable = false;
      boundCidrs = [];
    }
    const linkedParent = !req.orphan && parent ? parent.hash : '';

    if (type === 'batch') {
      const token = await sealBatchToken(batchCrypto as BatchTokenCrypto, {
        p: policies,
        pa: linkedParent,
        pt: req.path,
        m: req.meta ? { ...req.meta } : null,
        d: req.displayName,
        c: at,
        t: ttl,
        ...(req.role ? { r: req.role } : {}),
        ...(req.entityId ? { e: req.entityId } : {}),
        ...(boundCidrs.length > 0 ? { b: boundCidrs } : {}),
      });
      const entry = await lookupBatch(token, { tainted: true });
      if (!entry) throw new InternalError('failed to read back a new batch token');
      return { token, entry, warnings };
    }

    let token: string;
    if (req.id !== undefined && req.id !== '') {
      if (req.id.startsWith('hvs.')) throw new UserError("custom token ID cannot have the 'hvs.' prefix");
      if (req.id.startsWith('s.')) throw new UserError("custom token ID cannot have the 's.' prefix");
      if (req.id.includes('.')) throw new UserError("custom token ID cannot have a '.' in the value");
      if (req.id.length > MAX_SERVICE_TOKEN_LENGTH) throw new UserError('custom token ID is too long');
      token = req.id;
    } else {
      token = `hvs.${randomBase62(24)}`;
    }
    const hash = await hmac(token);
    if (req.id && (await loadStored(hash))) throw new UserError('cannot create a token with a duplicate ID');

    if (linkedParent !== '') {
      // The parent may have been revoked since the request began; a child written now
      // would escape the revocation chain.
      const stillThere = await lookupByHash(linkedParent);
      if (!stillThere) throw new UserError('parent token lookup failed: no parent found');
    }

    const entry: TokenEntry = freeze({
      hash,
      accessor: randomBase62(24),
      policies,
      parent: linkedParent,
      orphan: linkedParent === '',
      display_name: req.displayName,
      meta: req.meta ? { ...req.meta } : null,
      num_uses: numUses,
      creation_time: creationSec,
      issue_time_ms: at,
      ttl,
      lease_ttl: ttl,
      max_ttl: req.maxTtl ?? 0,
      explicit_max_ttl: explicitMax,
      period,
      renewable,
      expire_time_ms: ttl > 0 ? at + ttl * 1000 : 0,
      last_renewal_time_ms: 0,
      entity_id: req.entityId ?? '',
      type: 'service',
      path: req.path,
      role: req.role ?? '',
      bound_cidrs: boundCidrs,
      cubbyhole_id: randomBase62(24),
    });
    const record: AccessorRecord = { hash, accessor: entry.accessor };
    const ops: StorageOp[] = [
      { op: 'put', key: ID_PREFIX + hash, value: encodeJson(entry) },
      { op: 'put', key: ACCESSOR_PREFIX + (await hmac(entry.accessor)), value: encodeJson(record) },
    ];
    if (linkedParent !== '') ops.push({ op: 'put', key: `${PARENT_PREFIX}${linkedParent}/${hash}`, value: EMPTY });
    await storage.transaction(ops);
    cache.set(hash, entry);
    return { token, entry, warnings };
  }

  async function createRootToken(id?: string): Promise<string> {
    const at = now();
    const token = id !== undefined && id !== '' ? id : `hvs.${randomBase62(24)}`;
    const hash = await hmac(token);
    const entry: TokenEntry = freeze({
      hash,
      accessor: randomBase62(24),
      policies: ['root'],
      parent: '',
      orphan: true,
      display_name: 'root',
      meta: null,
      num_uses: 0,
      creation_time: Math.floor(at / 1000),
      issue_time_ms: at,
      ttl: 0,
      lease_ttl: 0,
      max_ttl: 0,
      explicit_max_ttl: 0,
      period: 0,
      renewable: false,
      expire_time_ms: 0,
      last_renewal_time_ms: 0,
      entity_id: '',
      type: 'service',
      path: 'auth/token/root',
      role: '',
      bound_cidrs: [],
      cubbyhole_id: randomBase62(24),
    });
    const existing = await loadStored(hash);
    const ops: StorageOp[] = [
      { op: 'put', key: ID_PREFIX + hash, value: encodeJson(entry) },
      { op: 'put', key: ACCESSOR_PREFIX + (await hmac(entry.accessor)), value: encodeJson({ hash, accessor: entry.accessor }) },
    ];
    // Re-creating a chosen id (dev mode restarts) replaces the old entry and its accessor.
    if (existing?.accessor) ops.push({ op: 'delete', key: ACCESSOR_PREFIX + (await hmac(existing.accessor)) });
    await storage.transaction(ops);
    cache.set(hash, entry);
    return token;
  }

  // ---- use counts -------------------------------------------------------------------

  async function useToken(entry: TokenEntry): Promise<TokenEntry | null> {
    if (entry.type === 'batch' || entry.num_uses === 0) return entry;
    return withLock(entry.hash, async () => {
      const fresh = await loadStored(entry.hash);
      if (!fresh || fresh.num_uses < 0) return null;
      if (fresh.num_uses === 0) return fresh;
      const updated = freeze({ ...fresh, num_uses: fresh.num_uses === 1 ? -1 : fresh.num_uses - 1 });
      await save(updated);
      return updated;
    });
  }

  async function revokeIfExhausted(entry: TokenEntry): Promise<void> {
    if (entry.type !== 'service' || entry.num_uses !== -1) return;
    await revokeTree(entry.hash);
  }

  // ---- renewal ----------------------------------------------------------------------

  async function renewToken(entry: TokenEntry, increment: number, opts: RenewOptions = {}): Promise<RenewedToken> {
    if (entry.type === 'batch') throw new UserError('batch tokens cannot be renewed');
    if (increment < 0) throw new UserError('increment must be positive');
    return withLock(entry.hash, async () => {
      const at = now();
      const fresh = await loadStored(entry.hash);
      if (!fresh || fresh.num_uses < 0) throw new UserError('token not found');
      if (fresh.expire_time_ms === 0) throw new UserError('lease is not renewable');
      if (at >= fresh.expire_time_ms) throw new UserError('lease expired');
      if (!fresh.renewable) throw new UserError('lease is not renewable');
      let period = opts.period ?? fresh.period;
      let explicitMax = opts.explicitMaxTtl ?? fresh.explicit_max_ttl;
      if (fresh.role !== '' && opts.period === undefined && opts.explicitMaxTtl === undefined) {
        const role = await getRole(fresh.role);
        if (!role) throw new UserError(`original token role "${fresh.role}" could not be found, not renewing`);
        period = role.token_period;
        explicitMax = role.token_explicit_max_ttl;
      }
      const calc = calculateTtl({
        limits: opts.limits ?? limitsFor(fresh.path),
        increment,
        backendTtl: opts.backendTtl ?? fresh.lease_ttl,
        period,
        backendMaxTtl: opts.backendMaxTtl ?? fresh.max_ttl,
        explicitMaxTtl: explicitMax,
        startTime: Math.floor(fresh.issue_time_ms / 1000),
        now: at / 1000,
      });
      const updated = freeze({
        ...fresh,
        lease_ttl: calc.ttl,
        expire_time_ms: at + calc.ttl * 1000,
        last_renewal_time_ms: at,
      });
      await save(updated);
      return { entry: updated, ttl: calc.ttl, warnings: calc.warnings };
    });
  }

  // ---- revocation -------------------------------------------------------------------

  /**
   * Revokes one token: marks it unusable, runs the hooks (leases, cubbyhole), then deletes
   * its indexes and entry in one transaction. With `orphanChildren`, children are detached
   * instead of being left to the caller.
   */
  async function revokeOne(hash: string, orphanChildren: boolean): Promise<void> {
    await withLock(hash, async () => {
      const entry = await loadStored(hash);
      if (!entry) {
        cache.delete(hash);
        return;
      }
      if (entry.num_uses !== -1) await save(freeze({ ...entry, num_uses: -1 }));
      activeRevocations.add(hash);
      try {
        for (const hook of [...hooks]) await inHook.run(true, () => hook(entry));
      } finally {
        activeRevocations.delete(hash);
      }
      const ops: StorageOp[] = [];
      if (entry.parent !== '') ops.push({ op: 'delete', key: `${PARENT_PREFIX}${entry.parent}/${hash}` });
      if (entry.accessor !== '') {
        const accessorKey = ACCESSOR_PREFIX + (await hmac(entry.accessor));
        const bytes = await storage.get(accessorKey);
        // A re-created root token (same id) may own this accessor key now: only delete ours.
        if (bytes && decodeJson<AccessorRecord>(bytes).hash === hash) ops.push({ op: 'delete', key: accessorKey });
      }
      if (orphanChildren) {
        for (const child of await storage.list(`${PARENT_PREFIX}${hash}/`)) {
          if (child.endsWith('/')) continue;
          await withLock(child, async () => {
            const c = await loadStored(child);
            if (c) await save(freeze({ ...c, parent: '', orphan: true }));
          });
          ops.push({ op: 'delete', key: `${PARENT_PREFIX}${hash}/${child}` });
        }
      }
      ops.push({ op: 'delete', key: ID_PREFIX + hash });
      await storage.transaction(ops);
      cache.delete(hash);
    });
  }

  /** Depth-first, children before parents, with an explicit stack (no recursion). */
  async function revokeTreeInternal(rootHash: string): Promise<void> {
    const stack: string[] = [rootHash];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const id = stack[stack.length - 1] as string;
      seen.add(id);
      const prefix = `${PARENT_PREFIX}${id}/`;
      const children: string[] = [];
      for (const child of await storage.list(prefix)) {
        if (child.endsWith('/')) continue;
        if (seen.has(child)) {
          // Already handled (or a cycle): the index entry is stale.
          await storage.delete(prefix + child);
          continue;
        }
        children.push(child);
      }
      if (children.length === 0) {
        await revokeOne(id, false);
        stack.pop();
      } else {
        stack.push(...children);
      }
    }
  }

  /** A hook asking to revoke a token that is already being revoked: nothing to do (waiting would deadlock). */
  function reentrant(hash: string): boolean {
    return inHook.getStore() === true && (activeRevocations.has(hash) || pendingRevocations.has(hash));
  }

  function revokeTree(target: TokenEntry | string): Promise<void> {
    const hash = typeof target === 'string' ? target : target.hash;
    if (typeof target !== 'string' && target.type === 'batch') {
      return Promise.reject(new UserError('batch tokens cannot be revoked'));
    }
    if (reentrant(hash)) return Promise.resolve();
    const pending = pendingRevocations.get(hash);
    if (pending) return pending;
    const run = revokeTreeInternal(hash).finally(() => pendingRevocations.delete(hash));
    pendingRevocations.set(hash, run);
    return run;
  }

  async function revokeOrphan(target: TokenEntry | string): Promise<void> {
    if (typeof target !== 'string' && target.type === 'batch') throw new UserError('batch tokens cannot be revoked');
    const hash = typeof target === 'string' ? target : target.hash;
    if (reentrant(hash)) return;
    await revokeOne(hash, true);
  }

  // ---- tidy -------------------------------------------------------------------------

  async function tidyInternal(): Promise<TidyReport> {
    const report: TidyReport = {
      childIndexesScanned: 0,
      danglingChildIndexesRemoved: 0,
      childrenOfMissingParentsRevoked: 0,
      accessorsScanned: 0,
      danglingAccessorsRemoved: 0,
      tokensScanned: 0,
      expiredRevoked: 0,
      pendingRevocationsRetried: 0,
      errors: [],
    };
    const attempt = async (what: string, fn: () => Promise<void>): Promise<boolean> => {
      try {
        await fn();
        return true;
      } catch (err) {
        report.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
    };

    // 1. Child indexes: drop entries whose child is gone; a live child whose parent is gone
    //    escaped its parent's revocation (a race with creation): revoke it. (Vault orphans
    //    such children; revoking is the safer reading of "revoking a parent revokes its tree".)
    for (const dir of await storage.list(PARENT_PREFIX)) {
      if (!dir.endsWith('/')) continue;
      const parentHash = dir.slice(0, -1);
      const parentEntry = await loadStored(parentHash);
      for (const child of await storage.list(PARENT_PREFIX + dir)) {
        if (child.endsWith('/')) continue;
        report.childIndexesScanned++;
        const childEntry = await loadStored(child);
        if (!childEntry) {
          if (await attempt('removing a dangling child index', () => storage.delete(PARENT_PREFIX + dir + child))) {
            report.danglingChildIndexesRemoved++;
          }
        } else if (!parentEntry) {
          if (await attempt('revoking a child of a missing parent', () => revokeTree(child))) {
            report.childrenOfMissingParentsRevoked++;
          }
        }
      }
    }

    // 2. Accessor index entries that point at nothing.
    for (const key of await storage.list(ACCESSOR_PREFIX)) {
      if (key.endsWith('/')) continue;
      report.accessorsScanned++;
      const bytes = await storage.get(ACCESSOR_PREFIX + key);
      let target: string | null = null;
      if (bytes) {
        try {
          target = decodeJson<AccessorRecord>(bytes).hash;
        } catch {
          target = null;
        }
      }
      const entry = target ? await loadStored(target) : null;
      if (!entry) {
        if (await attempt('removing a dangling accessor', () => storage.delete(ACCESSOR_PREFIX + key))) {
          report.danglingAccessorsRemoved++;
        }
      }
    }

    // 3. Expired tokens and revocations that did not finish (a hook failed).
    const at = now();
    for (const key of await storage.list(ID_PREFIX)) {
      if (key.endsWith('/')) continue;
      report.tokensScanned++;
      const entry = await loadStored(key);
      if (!entry || pendingRevocations.has(key)) continue;
      if (entry.num_uses === -1 && !locks.has(key)) {
        if (await attempt('retrying a revocation', () => revokeTree(key))) report.pendingRevocationsRetried++;
      } else if (isExpired(entry, at)) {
        if (await attempt('revoking an expired token', () => revokeTree(key))) report.expiredRevoked++;
      }
    }
    return report;
  }

  function tidy(): Promise<TidyReport> {
    tidyRunning ??= tidyInternal().finally(() => {
      tidyRunning = null;
    });
    return tidyRunning;
  }

  async function listAccessors(): Promise<string[]> {
    const out: string[] = [];
    for (const key of await storage.list(ACCESSOR_PREFIX)) {
      if (key.endsWith('/')) continue;
      const bytes = await storage.get(ACCESSOR_PREFIX + key);
      if (!bytes) continue;
      const rec = decodeJson<AccessorRecord>(bytes);
      if (typeof rec.accessor === 'string' && rec.accessor !== '') out.push(rec.accessor);
    }
    return out.sort();
  }

  // ---- roles ------------------------------------------------------------------------

  function roleKey(name: string): string {
    return ROLES_PREFIX + name;
  }

  async function getRole(name: string): Promise<TokenRole | null> {
    if (name === '') return null;
    const bytes = await storage.get(roleKey(name));
    return bytes ? normaliseRole(decodeJson<TokenRole>(bytes)) : null;
  }

  async function putRole(role: TokenRole): Promise<void> {
    await storage.put(roleKey(role.name), encodeJson(role));
  }

  async function deleteRole(name: string): Promise<void> {
    await storage.delete(roleKey(name));
  }

  async function listRoles(): Promise<string[]> {
    return (await storage.list(ROLES_PREFIX)).filter((k) => !k.endsWith('/'));
  }

  return {
    createRootToken,
    lookup,
    reset() {
      salt = null;
      hmacMemo.clear();
      cache.clear();
    },
    createToken,
    lookupByHash,
    lookupByAccessor,
    hashToken: hmac,
    useToken,
    revokeIfExhausted,
    renewToken,
    revokeTree,
    revokeOrphan,
    tidy,
    listAccessors,
    leaseIdFor(entry) {
      return `${entry.path}/h${entry.hash}`;
    },
    tokenMountLimits,
    addRevokeHook(hook) {
      hooks.push(hook);
      return () => {
        const i = hooks.indexOf(hook);
        if (i !== -1) hooks.splice(i, 1);
      };
    },
    invalidate(hash) {
      if (hash === undefined) cache.clear();
      else cache.delete(hash);
    },
    batchTokensEnabled() {
      return batchCrypto !== null;
    },
    getRole,
    putRole,
    deleteRole,
    listRoles,
  };
}
