/**
 * Lease-count quotas (Vault's `sys/quotas/lease-count/:name`): the most specific quota whose
 * path covers a request path caps how many leases may live below it. Counters are kept in
 * memory (rebuilt from the lease index on load), so a check is O(number of quotas).
 */
import { AppError, UserError } from '../../shared/errors.js';
import { decodeJson, encodeJson, type Storage } from '../sdk/index.js';

export interface LeaseCountQuota {
  name: string;
  /** '' (global), a mount (`database/`), or a path below one (`database/creds/ro`). */
  path: string;
  max_leases: number;
}

export const LEASE_QUOTA_EXCEEDED = 'lease count quota exceeded';

const PREFIX = 'quota/';

/** `database/` → `database`; '' stays global. */
export function normalizeQuotaPath(path: string): string {
  return path.replace(/^\/+/, '').replace(/\/+$/, '');
}

function covers(quotaPath: string, path: string): boolean {
  return quotaPath === '' || path === quotaPath || path.startsWith(`${quotaPath}/`);
}

export interface LeaseQuotas {
  load(leaseIds: Iterable<string>): Promise<void>;
  list(): string[];
  get(name: string): (LeaseCountQuota & { counter: number }) | null;
  put(quota: LeaseCountQuota, leaseIds: Iterable<string>): Promise<void>;
  delete(name: string): Promise<boolean>;
  /** Throws 429 `lease count quota exceeded` when one more lease under `path` would break the quota. */
  check(path: string): void;
  added(leaseId: string): void;
  removed(leaseId: string): void;
}

export function createLeaseQuotas(storage: Storage): LeaseQuotas {
  const quotas = new Map<string, { quota: LeaseCountQuota; norm: string; counter: number }>();

  function countUnder(norm: string, leaseIds: Iterable<string>): number {
    let n = 0;
    for (const id of leaseIds) if (covers(norm, id)) n++;
    return n;
  }

  return {
    async load(leaseIds) {
      quotas.clear();
      const names = (await storage.list(PREFIX)).filter((n) => !n.endsWith('/'));
      const ids = [...leaseIds];
      for (const name of names) {
        const bytes = await storage.get(PREFIX + name);
        if (bytes === null) continue;
        const quota = decodeJson<LeaseCountQuota>(bytes);
        const norm = normalizeQuotaPath(quota.path);
        quotas.set(quota.name, { quota, norm, counter: countUnder(norm, ids) });
      }
    },
    list() {
      return [...quotas.keys()].sort();
    },
    get(name) {
      const q = quotas.get(name);
      return q ? { ...q.quota, counter: q.counter } : null;
    },
    async put(quota, leaseIds) {
      if (!Number.isInteger(quota.max_leases) || quota.max_leases <= 0) {
        throw new UserError("'max_leases' must be greater than 0");
      }
      const stored: LeaseCountQuota = { name: quota.name, path: quota.path.replace(/^\/+/, ''), max_leases: quota.max_leases };
      await storage.put(PREFIX + quota.name, encodeJson(stored));
      const norm = normalizeQuotaPath(stored.path);
      quotas.set(quota.name, { quota: stored, norm, counter: countUnder(norm, leaseIds) });
    },
    async delete(name) {
      await storage.delete(PREFIX + name);
      return quotas.delete(name);
    },
    check(path) {
      const p = normalizeQuotaPath(path);
      let best: { norm: string; counter: number; quota: LeaseCountQuota } | undefined;
      for (const q of quotas.values()) {
        if (covers(q.norm, p) && (best === undefined || q.norm.length > best.norm.length)) best = q;
      }
      if (best !== undefined && best.counter >= best.quota.max_leases) {
        throw new AppError('ERR_RATE_LIMITED', LEASE_QUOTA_EXCEEDED);
      }
    },
    added(leaseId) {
      for (const q of quotas.values()) if (covers(q.norm, leaseId)) q.counter++;
    },
    removed(leaseId) {
      for (const q of quotas.values()) if (covers(q.norm, leaseId) && q.counter > 0) q.counter--;
    },
  };
}
