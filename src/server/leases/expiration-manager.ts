/**
 * The expiration manager (Vault's `vault/expiration.go`): registers leases for secrets,
 * renews and revokes them, and revokes them when they expire.
 *
 * Memory holds only each lease's id, expiry and state (`load()` rebuilds it from one storage
 * `list`); records are read when a lease is touched. One timer is armed for the earliest due
 * lease. A revocation that fails is retried with exponential backoff and jitter; after
 * `retry.attempts` failures the lease is marked irrevocable: kept, listed, logged — never
 * dropped silently (only `revoke-force` drops it).
 */
import { performance } from 'node:perf_hooks';
import { AppError, InternalError, UserError, errorMessage } from '../../shared/errors.js';
import { formatDuration } from '../../shared/duration.js';
import { KeyedMutex } from '../../shared/keyed-mutex.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { randomBase62 } from '../../shared/random.js';
import { formatRfc3339Nano } from '../../shared/time.js';
import type { LeaseRequest, LeaseSecret, MountView, SecretKind, Storage } from '../sdk/index.js';
import { createLeaseQuotas, type LeaseCountQuota, type LeaseQuotas } from './lease-quotas.js';
import { createLeaseStore, type LeaseRecord, type LeaseStore } from './lease-store.js';

export interface ResolvedKind {
  kind: SecretKind;
  /** The owning mount's storage view. */
  storage: Storage;
  mount: MountView;
}

export interface RetryOptions {
  /** Revocation attempts before a lease becomes irrevocable (Vault: 6). */
  attempts?: number;
  /** First retry delay (ms); doubles each attempt. */
  baseMs?: number;
  /** Cap of a retry delay (ms). */
  maxMs?: number;
}

export interface ExpirationManagerOptions {
  /** The manager's storage view (production: the barrier view `sys/expire/`). */
  storage: Storage;
  resolveKind(mountAccessor: string, kind: string): ResolvedKind | null | Promise<ResolvedKind | null>;
  /** Unix ms. */
  now?: () => number;
  logger?: Logger;
  retry?: RetryOptions;
  /** In [0, 1); jitter source (tests inject a constant). */
  random?: () => number;
  /** Expired leases revoked in parallel (default 16). */
  concurrency?: number;
  /** Lease-count quotas (stored under `quota/` of `storage` unless a storage is given); default on. */
  quotas?: boolean | { storage: Storage };
  /** For `tidy()`: whether an issuing token still exists. */
  tokenExists?: (tokenHash: string) => Promise<boolean>;
  /** Called after a lease was revoked and dropped (`expired`: by its TTL, not on request). */
  onRevoked?: (lease: LeaseRecord, expired: boolean) => void;
}

export interface RegisterInput {
  /** Full request path (with the mount), e.g. `database/creds/readonly`. */
  path: string;
  mountAccessor: string;
  secret: LeaseSecret;
  /** Hash of the requesting token ('' = none). */
  tokenHash: string;
  /** The mount's effective TTLs (seconds). */
  limits: { defaultTtl: number; maxTtl: number };
}

export interface RegisterResult {
  leaseId: string;
  ttl: number;
  renewable: boolean;
  warnings: string[];
}

export interface RenewResult {
  leaseId: string;
  ttl: number;
  renewable: boolean;
  warnings: string[];
}

export interface LeaseLookup {
  id: string;
  issue_time: string;
  expire_time: string | null;
  last_renewal: string | null;
  renewable: boolean;
  ttl: number;
}

export interface IrrevocableLease {
  lease_id: string;
  mount_id: string;
  error: string;
  expire_time: string;
}

export interface TidyResult {
  /** Expiry markers whose record was gone. */
  danglingMarkers: number;
  /** Records that had lost their expiry marker (re-indexed). */
  reindexed: number;
  /** Leases of tokens that no longer exist, queued for revocation. */
  orphaned: number;
}

export interface LoadResult {
  leases: number;
  irrevocable: number;
  ms: number;
}

export interface ExpirationManager {
  register(input: RegisterInput): Promise<RegisterResult>;
  renew(leaseId: string, increment: number): Promise<RenewResult>;
  /** sync (default): revoke now, errors surface; else queue for the expiry loop (with retries). */
  revoke(leaseId: string, options?: { sync?: boolean; force?: boolean }): Promise<void>;
  /** Revokes `prefix` itself when it is a lease id, else every lease below `prefix/`. Returns how many. */
  revokePrefix(prefix: string, options?: { force?: boolean; sync?: boolean }): Promise<number>;
  /** Queues every lease issued by a token for revocation (Vault revokes them lazily). */
  revokeByToken(tokenHash: string, options?: { sync?: boolean }): Promise<number>;
  lookup(leaseId: string): Promise<LeaseLookup | null>;
  /** Direct children below `prefix` (folders end in `/`), sorted. */
  list(prefix: string): string[];
  tidy(): Promise<TidyResult>;
  load(): Promise<LoadResult>;
  start(): void;
  stop(): void;
  /** Revokes everything due now (the timer calls this; tests may too). */
  processExpired(): Promise<void>;
  irrevocable(options?: { limit?: number }): Promise<{ leases: IrrevocableLease[]; truncated: boolean }>;
  irrevocableCounts(): Promise<{ lease_count: number; counts: Record<string, number> }>;
  /** Live leases (including irrevocable ones). */
  count(): number;
  has(leaseId: string): boolean;
  readonly quotas: {
    list(): string[];
    get(name: string): (LeaseCountQuota & { counter: number }) | null;
    put(quota: LeaseCountQuota): Promise<void>;
    delete(name: string): Promise<boolean>;
  };
}

/** Vault's `MaxIrrevocableLeasesToReturn`. */
export const MAX_IRREVOCABLE_LEASES_TO_RETURN = 10000;
const MAX_IRREVOCABLE_ERROR_LENGTH = 240;
/** setTimeout's limit (~24.8 days); a longer wait re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface IndexEntry {
  expireMs: number;
  /** When the loop should next try to revoke it (expiry, or a retry). */
  dueMs: number;
  attempts: number;
  irrevocable: boolean;
}

interface HeapItem {
  dueMs: number;
  id: string;
}

/** A binary min-heap on `dueMs`; stale items are skipped by the reader (lazy deletion). */
class DueHeap {
  private items: HeapItem[] = [];

  static from(items: HeapItem[]): DueHeap {
    const heap = new DueHeap();
    heap.items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) heap.down(i);
    return heap;
  }

  get size(): number {
    return this.items.length;
  }

  peek(): HeapItem | undefined {
    return this.items[0];
  }

  push(item: HeapItem): void {
    this.items.push(item);
    this.up(this.items.length - 1);
  }

  pop(): HeapItem | undefined {
    const top = this.items[0];
    const last = this.items.pop();
    if (top !== undefined && last !== undefined && this.items.length > 0) {
      this.items[0] = last;
      this.down(0);
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    return (this.items[a] as HeapItem).dueMs < (this.items[b] as HeapItem).dueMs;
  }

  private swap(a: number, b: number): void {
    const t = this.items[a] as HeapItem;
    this.items[a] = this.items[b] as HeapItem;
    this.items[b] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}

/** Go's `path.Join`-style cleanup of a request path: no leading/trailing or doubled slashes. */
export function cleanLeasePath(path: string): string {
  return path.split('/').filter((s) => s !== '' && s !== '.').join('/');
}

function capWarning(ttl: number, max: number): string {
  return `TTL of "${formatDuration(ttl)}" exceeded the effective max_ttl of "${formatDuration(max)}"; TTL value is capped accordingly`;
}

function positiveMin(...values: (number | undefined)[]): number {
  let out = 0;
  for (const v of values) if (v !== undefined && v > 0 && (out === 0 || v < out)) out = v;
  return out;
}

export function createExpirationManager(options: ExpirationManagerOptions): ExpirationManager {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger();
  const random = options.random ?? Math.random;
  const attemptsMax = Math.max(1, options.retry?.attempts ?? 6);
  const baseMs = options.retry?.baseMs ?? 1000;
  const maxMs = options.retry?.maxMs ?? 5 * 60_000;
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const store: LeaseStore = createLeaseStore(options.storage);
  const quotaStore: LeaseQuotas | null =
    options.quotas === false
      ? null
      : createLeaseQuotas(typeof options.quotas === 'object' ? options.quotas.storage : options.storage);
  const mutex = new KeyedMutex();

  let index = new Map<string, IndexEntry>();
  let heap = new DueHeap();
  let started = false;
  let timer: NodeJS.Timeout | null = null;
  let timerDue = Number.POSITIVE_INFINITY;
  let running: Promise<void> | null = null;
  let rerun = false;

  // ---- index & timer -------------------------------------------------------------------

  function schedule(id: string, entry: IndexEntry): void {
    index.set(id, entry);
    if (!entry.irrevocable) {
      heap.push({ dueMs: entry.dueMs, id });
      if (entry.dueMs < timerDue) arm();
    }
  }

  function drop(id: string): void {
    if (index.delete(id)) quotaStore?.removed(id);
  }

  function clearTimer(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    timerDue = Number.POSITIVE_INFINITY;
  }

  /** Skips stale heap items; the first live one, if any. */
  function nextDue(): HeapItem | undefined {
    for (;;) {
      const top = heap.peek();
      if (top === undefined) return undefined;
      const e = index.get(top.id);
      if (e !== undefined && !e.irrevocable && e.dueMs === top.dueMs) return top;
      heap.pop();
    }
  }

  function arm(): void {
    if (!started) return;
    const top = nextDue();
    if (top === undefined) {
      clearTimer();
      return;
    }
    if (timer !== null && timerDue === top.dueMs) return;
    clearTimer();
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, top.dueMs - now()));
    timerDue = top.dueMs;
    timer = setTimeout(() => {
      timer = null;
      timerDue = Number.POSITIVE_INFINITY;
      void kick();
    }, delay);
    timer.unref();
  }

  async function kick(): Promise<void> {
    try {
      await processExpired();
    } catch (err) {
      logger.error({ err: errorMessage(err) }, 'lease expiry loop failed');
    }
  }

  function processExpired(): Promise<void> {
    if (running !== null) {
      rerun = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          rerun = false;
          const t = now();
          const due: string[] = [];
          for (let top = nextDue(); top !== undefined && top.dueMs <= t; top = nextDue()) {
            heap.pop();
            due.push(top.id);
          }
          await runLimited(due, (id) =>
            expire(id).catch((err: unknown) => {
              // storage trouble: try again later rather than forget the lease
              logger.error({ lease_id: id, err: errorMessage(err) }, 'lease expiry failed');
              const e = index.get(id);
              if (e !== undefined && !e.irrevocable) {
                e.dueMs = now() + backoff(1);
                heap.push({ dueMs: e.dueMs, id });
              }
            }),
          );
        } while (rerun);
      } finally {
        running = null;
        arm();
      }
    })();
    return running;
  }

  async function runLimited(ids: string[], fn: (id: string) => Promise<void>): Promise<void> {
    let next = 0;
    const workers = Array.from({ length: Math.min(concurrency, ids.length) }, async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        await fn(id);
      }
    });
    await Promise.all(workers);
  }

  function backoff(attempt: number): number {
    const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(exp / 2 + (exp / 2) * random());
  }

  // ---- backend calls -------------------------------------------------------------------

  async function resolve(rec: LeaseRecord): Promise<ResolvedKind> {
    const resolved = await options.resolveKind(rec.mount_accessor, rec.kind);
    if (resolved === null) throw new Error(`no secret kind "${rec.kind}" on mount ${rec.mount_accessor}`);
    return resolved;
  }

  function leaseRequest(rec: LeaseRecord, resolved: ResolvedKind, increment: number): LeaseRequest {
    return {
      leaseId: rec.lease_id,
      storage: resolved.storage,
      mount: resolved.mount,
      internalData: rec.internal_data,
      increment,
      issueTimeMs: rec.issue_time_ms,
      expireTimeMs: rec.expire_time_ms,
    };
  }

  async function callRevoke(rec: LeaseRecord): Promise<void> {
    const resolved = await resolve(rec);
    await resolved.kind.revoke(leaseRequest(rec, resolved, 0));
  }

  /** One loop attempt at revoking an expired lease. */
  async function expire(id: string): Promise<void> {
    await mutex.run(id, async () => {
      const entry = index.get(id);
      if (entry === undefined || entry.irrevocable) return;
      // renewed or rescheduled while queued: its new heap item is already there
      if (entry.dueMs > now()) return;
      const rec = await store.get(id);
      if (rec === null) {
        drop(id);
        return;
      }
      try {
        await callRevoke(rec);
      } catch (err) {
        entry.attempts++;
        const reason = errorMessage(err).slice(0, MAX_IRREVOCABLE_ERROR_LENGTH);
        if (entry.attempts >= attemptsMax) {
          entry.irrevocable = true;
          const next: LeaseRecord = { ...rec, irrevocable: { reason, attempts: entry.attempts } };
          try {
            await store.update(rec, next);
          } catch (persistErr) {
            logger.error({ lease_id: id, err: errorMessage(persistErr) }, 'failed to persist irrevocable lease');
          }
          logger.warn({ lease_id: id, attempts: entry.attempts, error: reason }, 'lease is irrevocable: revocation failed too many times');
        } else {
          entry.dueMs = now() + backoff(entry.attempts);
          logger.warn({ lease_id: id, attempt: entry.attempts, retry_in_ms: entry.dueMs - now(), error: reason }, 'lease revocation failed; retrying');
          heap.push({ dueMs: entry.dueMs, id });
        }
        return;
      }
      await store.delete(rec);
      drop(id);
      notifyRevoked(rec, true);
    });
  }

  function notifyRevoked(rec: LeaseRecord, expired: boolean): void {
    try {
      options.onRevoked?.(rec, expired);
    } catch (err) {
      logger.warn({ lease_id: rec.lease_id, err: errorMessage(err) }, 'lease revocation listener failed');
    }
  }

  /** Revokes one lease now. Unknown → no-op (Vault's revoke is idempotent). */
  async function revokeNow(id: string, force: boolean): Promise<boolean> {
    return mutex.run(id, async () => {
      const rec = await store.get(id);
      if (rec === null) {
        drop(id);
        return false;
      }
      try {
        await callRevoke(rec);
      } catch (err) {
        if (!force) {
          if (err instanceof AppError) throw err;
          throw new InternalError(`failed to revoke entry: ${errorMessage(err)}`, { cause: err });
        }
        logger.warn({ lease_id: id, err: errorMessage(err) }, 'revocation failed; lease dropped (force)');
      }
      await store.delete(rec);
      drop(id);
      notifyRevoked(rec, false);
      return true;
    });
  }

  /** Vault's `LazyRevoke`: expire now and let the loop revoke it (with retries). */
  async function revokeLazily(id: string): Promise<boolean> {
    return mutex.run(id, async () => {
      const rec = await store.get(id);
      if (rec === null) {
        drop(id);
        return false;
      }
      const t = now();
      const next: LeaseRecord = { ...rec, expire_time_ms: Math.min(t, rec.expire_time_ms), irrevocable: null };
      await store.update(rec, next);
      schedule(id, { expireMs: next.expire_time_ms, dueMs: t, attempts: 0, irrevocable: false });
      return true;
    });
  }

  function idsUnder(prefix: string): string[] {
    const out: string[] = [];
    for (const id of index.keys()) if (id.startsWith(prefix)) out.push(id);
    return out.sort();
  }

  // ---- the API -------------------------------------------------------------------------

  const manager: ExpirationManager = {
    async register(input) {
      const path = cleanLeasePath(input.path);
      const resolved = await options.resolveKind(input.mountAccessor, input.secret.kind);
      if (resolved === null) throw new InternalError(`no secret kind "${input.secret.kind}" on mount ${input.mountAccessor}`);
      quotaStore?.check(path);

      const kind = resolved.kind;
      const maxTtl = positiveMin(input.secret.maxTtl, kind.maxTtl, input.limits.maxTtl);
      let ttl = input.secret.ttl > 0 ? input.secret.ttl : (kind.defaultTtl ?? 0) > 0 ? (kind.defaultTtl as number) : input.limits.defaultTtl;
      const warnings: string[] = [];
      if (maxTtl > 0 && ttl > maxTtl) {
        warnings.push(capWarning(ttl, maxTtl));
        ttl = maxTtl;
      }
      if (ttl <= 0) throw new InternalError('lease TTL must be greater than zero');

      let leaseId = `${path}/${randomBase62(24)}`;
      while (index.has(leaseId)) leaseId = `${path}/${randomBase62(24)}`;
      const t = now();
      const rec: LeaseRecord = {
        lease_id: leaseId,
        path,
        mount_accessor: input.mountAccessor,
        kind: input.secret.kind,
        issue_time_ms: t,
        expire_time_ms: t + ttl * 1000,
        last_renewal_ms: 0,
        max_expire_time_ms: t + (maxTtl > 0 ? maxTtl : ttl) * 1000,
        renewable: input.secret.renewable,
        ttl_s: ttl,
        internal_data: { ...input.secret.internalData },
        token_hash: input.tokenHash,
        irrevocable: null,
      };
      await store.create(rec);
      quotaStore?.added(leaseId);
      schedule(leaseId, { expireMs: rec.expire_time_ms, dueMs: rec.expire_time_ms, attempts: 0, irrevocable: false });
      return { leaseId, ttl, renewable: rec.renewable, warnings };
    },

    async renew(leaseId, increment) {
      return mutex.run(leaseId, async () => {
        const rec = await store.get(leaseId);
        if (rec === null) throw new UserError('lease not found');
        if (rec.irrevocable !== null) throw new UserError('lease is expired and has failed previous revocation attempts');
        const t = now();
        if (rec.expire_time_ms < t) throw new UserError('lease expired');
        if (!rec.renewable) throw new UserError('lease is not renewable');
        const resolved = await resolve(rec).catch((err: unknown) => {
          throw new InternalError(`failed to renew entry: ${errorMessage(err)}`, { cause: err });
        });
        if (resolved.kind.renew === undefined) throw new UserError('lease is not renewable');
        let granted: { ttl: number; warnings?: string[] } | null;
        try {
          granted = await resolved.kind.renew(leaseRequest(rec, resolved, Math.max(0, increment)));
        } catch (err) {
          if (err instanceof AppError) throw err;
          throw new InternalError(`failed to renew entry: ${errorMessage(err)}`, { cause: err });
        }
        if (granted === null) throw new UserError('lease is not renewable');
        const warnings = [...(granted.warnings ?? [])];
        let ttl = granted.ttl > 0 ? granted.ttl : increment > 0 ? increment : rec.ttl_s;
        const maxValid = Math.floor((rec.max_expire_time_ms - t) / 1000);
        if (maxValid <= 0) throw new UserError('past the max TTL, cannot renew');
        if (ttl > maxValid) {
          warnings.push(capWarning(ttl, maxValid));
          ttl = maxValid;
        }
        const next: LeaseRecord = { ...rec, expire_time_ms: t + ttl * 1000, last_renewal_ms: t };
        await store.update(rec, next);
        schedule(leaseId, { expireMs: next.expire_time_ms, dueMs: next.expire_time_ms, attempts: 0, irrevocable: false });
        return { leaseId, ttl, renewable: true, warnings };
      });
    },

    async revoke(leaseId, opts = {}) {
      if (opts.sync === false) await revokeLazily(leaseId);
      else await revokeNow(leaseId, opts.force ?? false);
    },

    async revokePrefix(prefix, opts = {}) {
      const force = opts.force ?? false;
      const sync = opts.sync ?? true;
      if (!prefix.endsWith('/') && index.has(prefix)) {
        if (sync) await revokeNow(prefix, force);
        else await revokeLazily(prefix);
        return 1;
      }
      const normalized = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
      const ids = idsUnder(normalized);
      if (!sync) {
        for (const id of ids) await revokeLazily(id);
        return ids.length;
      }
      // Revoked `concurrency` at a time (each is a round trip to the backend's system); the
      // first failure stops new revocations and is reported with its position.
      let next = 0;
      let failure: InternalError | null = null;
      const workers = Array.from({ length: Math.min(concurrency, ids.length) }, async () => {
        while (failure === null && next < ids.length) {
          const i = next++;
          const id = ids[i] as string;
          try {
            await revokeNow(id, force);
          } catch (err) {
            failure ??= new InternalError(`failed to revoke "${id}" (${i + 1} / ${ids.length}): ${errorMessage(err)}`, { cause: err });
          }
        }
      });
      await Promise.all(workers);
      if (failure !== null) throw failure;
      return ids.length;
    },

    async revokeByToken(tokenHash, opts = {}) {
      const ids = await store.listByToken(tokenHash);
      for (const id of ids) {
        if (opts.sync === true) await revokeNow(id, false);
        else await revokeLazily(id);
      }
      return ids.length;
    },

    async lookup(leaseId) {
      const rec = await store.get(leaseId);
      if (rec === null) return null;
      const t = now();
      const roundedNow = Math.round(t / 1000) * 1000;
      return {
        id: rec.lease_id,
        issue_time: formatRfc3339Nano(new Date(rec.issue_time_ms)),
        expire_time: formatRfc3339Nano(new Date(rec.expire_time_ms)),
        last_renewal: rec.last_renewal_ms > 0 ? formatRfc3339Nano(new Date(rec.last_renewal_ms)) : null,
        renewable: rec.renewable && rec.irrevocable === null && rec.expire_time_ms >= t,
        ttl: Math.trunc((rec.expire_time_ms - roundedNow) / 1000),
      };
    },

    list(prefix) {
      const p = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
      const out = new Set<string>();
      for (const id of index.keys()) {
        if (!id.startsWith(p)) continue;
        const rest = id.slice(p.length);
        const slash = rest.indexOf('/');
        out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
      }
      return [...out].sort();
    },

    async tidy() {
      const result: TidyResult = { danglingMarkers: 0, reindexed: 0, orphaned: 0 };
      const recordIds = new Set(await store.listRecordIds());
      const { entries, malformed } = await store.loadIndex();
      const marked = new Set<string>();
      const staleKeys: string[] = [...malformed];
      for (const e of entries) {
        if (!recordIds.has(e.leaseId)) {
          staleKeys.push(store.expiryKeyOf(e));
          result.danglingMarkers++;
          await mutex.run(e.leaseId, async () => {
            if ((await store.get(e.leaseId)) === null) drop(e.leaseId);
          });
        } else {
          marked.add(e.leaseId);
        }
      }
      await store.deleteKeys(staleKeys);
      for (const id of recordIds) {
        if (marked.has(id)) continue;
        await mutex.run(id, async () => {
          const rec = await store.get(id);
          if (rec === null) return;
          await store.create(rec);
          result.reindexed++;
          if (!index.has(id)) quotaStore?.added(id);
          schedule(id, { expireMs: rec.expire_time_ms, dueMs: rec.expire_time_ms, attempts: 0, irrevocable: rec.irrevocable !== null });
        });
      }
      if (options.tokenExists) {
        for (const hash of await store.listTokenHashes()) {
          if (await options.tokenExists(hash)) continue;
          const ids = await store.listByToken(hash);
          const dangling: string[] = [];
          for (const id of ids) {
            if (recordIds.has(id)) {
              if (await revokeLazily(id)) result.orphaned++;
            } else {
              dangling.push(store.tokenKeyOf(hash, id));
            }
          }
          await store.deleteKeys(dangling);
        }
      }
      logger.info(result, 'lease tidy finished');
      return result;
    },

    async load() {
      const t0 = performance.now();
      const { entries, malformed } = await store.loadIndex();
      if (malformed.length > 0) logger.warn({ count: malformed.length }, 'ignoring malformed lease index entries');
      const next = new Map<string, IndexEntry>();
      const items: HeapItem[] = [];
      let irrevocable = 0;
      for (const e of entries) {
        const prev = next.get(e.leaseId);
        if (prev !== undefined && prev.expireMs >= e.expireTimeMs) continue;
        next.set(e.leaseId, { expireMs: e.expireTimeMs, dueMs: e.expireTimeMs, attempts: 0, irrevocable: e.irrevocable });
      }
      for (const [id, e] of next) {
        if (e.irrevocable) irrevocable++;
        else items.push({ dueMs: e.dueMs, id });
      }
      index = next;
      heap = DueHeap.from(items);
      await quotaStore?.load(index.keys());
      clearTimer();
      arm();
      const ms = performance.now() - t0;
      if (irrevocable > 0) logger.warn({ count: irrevocable }, 'irrevocable leases present');
      logger.info({ leases: index.size, irrevocable, ms: Math.round(ms) }, 'leases loaded');
      return { leases: index.size, irrevocable, ms };
    },

    start() {
      started = true;
      arm();
    },

    stop() {
      started = false;
      clearTimer();
    },

    processExpired,

    async irrevocable(opts = {}) {
      const limit = opts.limit ?? MAX_IRREVOCABLE_LEASES_TO_RETURN;
      const ids: { id: string; expireMs: number }[] = [];
      for (const [id, e] of index) if (e.irrevocable) ids.push({ id, expireMs: e.expireMs });
      ids.sort((a, b) => a.expireMs - b.expireMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const truncated = ids.length > limit;
      const leases: IrrevocableLease[] = [];
      for (const { id } of ids.slice(0, limit)) {
        const rec = await store.get(id);
        if (rec === null) continue;
        leases.push({
          lease_id: id,
          mount_id: rec.mount_accessor,
          error: rec.irrevocable?.reason || 'unknown',
          expire_time: formatRfc3339Nano(new Date(rec.expire_time_ms)),
        });
      }
      return { leases, truncated };
    },

    async irrevocableCounts() {
      const counts: Record<string, number> = {};
      let total = 0;
      for (const [id, e] of index) {
        if (!e.irrevocable) continue;
        const rec = await store.get(id);
        const accessor = rec?.mount_accessor ?? 'mount-accessor-not-found';
        counts[accessor] = (counts[accessor] ?? 0) + 1;
        total++;
      }
      return { lease_count: total, counts };
    },

    count() {
      return index.size;
    },

    has(leaseId) {
      return index.has(leaseId);
    },

    quotas: {
      list: () => quotaStore?.list() ?? [],
      get: (name) => quotaStore?.get(name) ?? null,
      put: async (quota) => {
        if (quotaStore === null) throw new UserError('lease count quotas are disabled');
        await quotaStore.put(quota, index.keys());
      },
      delete: async (name) => (quotaStore === null ? false : quotaStore.delete(name)),
    },
  };
  return manager;
}
