/**
 * Rate-limit quotas (Vault's `sys/quotas/rate-limit/:name`): a token bucket per quota and
 * client address. The most specific quota applies — path and role, then path, then mount,
 * then the global one (empty path) — so operators can cap logins per role and per client.
 */
import { AppError, UserError } from '../../shared/errors.js';
import { decodeJson, encodeJson, type Storage } from '../sdk/index.js';

export interface RateLimitQuota {
  name: string;
  /** '' (global), a mount (`auth/approle/`) or a path below one (`auth/approle/login`). */
  path: string;
  /** Only requests naming this role (`role` in the body); '' for any. */
  role: string;
  /** Requests allowed per `interval`. */
  rate: number;
  /** Seconds. */
  interval: number;
  /** Seconds a client stays refused once over the limit (0 = until tokens refill). */
  block_interval: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
  blockedUntilMs: number;
}

export class RateLimitError extends AppError {
  constructor(path: string) {
    super('ERR_RATE_LIMITED', `request path ${JSON.stringify(path)}: rate limit quota exceeded`);
  }
}

const PREFIX = 'rate-limit/';
const MAX_BUCKETS = 100_000;

export class RateLimiter {
  private quotas = new Map<string, RateLimitQuota>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  async load(): Promise<void> {
    this.quotas.clear();
    this.buckets.clear();
    for (const name of await this.storage.list(PREFIX)) {
      const bytes = await this.storage.get(PREFIX + name);
      if (bytes) this.quotas.set(name, decodeJson<RateLimitQuota>(bytes));
    }
  }

  clear(): void {
    this.quotas.clear();
    this.buckets.clear();
  }

  list(): string[] {
    return [...this.quotas.keys()].sort();
  }

  get(name: string): RateLimitQuota | null {
    return this.quotas.get(name) ?? null;
  }

  async put(quota: RateLimitQuota): Promise<void> {
    if (!(quota.rate > 0)) throw new UserError('rate must be positive');
    if (!(quota.interval > 0)) throw new UserError('interval must be positive');
    if (quota.block_interval < 0) throw new UserError('block_interval cannot be negative');
    for (const other of this.quotas.values()) {
      if (other.name !== quota.name && other.path === quota.path && other.role === quota.role) {
        throw new UserError(`quota "${other.name}" already covers path "${quota.path}"${quota.role ? ` and role "${quota.role}"` : ''}`);
      }
    }
    await this.storage.put(PREFIX + quota.name, encodeJson(quota));
    this.quotas.set(quota.name, quota);
    this.dropBuckets(quota.name);
  }

  async delete(name: string): Promise<void> {
    await this.storage.delete(PREFIX + name);
    this.quotas.delete(name);
    this.dropBuckets(name);
  }

  /** Throws `RateLimitError` (429) when the request's quota has no tokens left for this client. */
  check(input: { path: string; mountPath: string; role: string | undefined; clientAddr: string }): void {
    if (this.quotas.size === 0) return;
    const quota = this.match(input);
    if (!quota) return;
    const key = `${quota.name}\u0000${input.clientAddr}`;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear(); // bounded memory under address churn
      bucket = { tokens: quota.rate, updatedMs: now, blockedUntilMs: 0 };
      this.buckets.set(key, bucket);
    }
    if (now < bucket.blockedUntilMs) throw new RateLimitError(input.path);
    const refill = ((now - bucket.updatedMs) / (quota.interval * 1000)) * quota.rate;
    bucket.tokens = Math.min(quota.rate, bucket.tokens + refill);
    bucket.updatedMs = now;
    if (bucket.tokens < 1) {
      if (quota.block_interval > 0) bucket.blockedUntilMs = now + quota.block_interval * 1000;
      throw new RateLimitError(input.path);
    }
    bucket.tokens -= 1;
  }

  private match(input: { path: string; mountPath: string; role: string | undefined }): RateLimitQuota | null {
    let best: RateLimitQuota | null = null;
    let bestScore = -1;
    for (const quota of this.quotas.values()) {
      let score: number;
      if (quota.path === '') score = 0;
      else if (quota.path === input.mountPath) score = 1;
      else if (input.path === quota.path || input.path.startsWith(quota.path.endsWith('/') ? quota.path : `${quota.path}/`)) score = 2;
      else continue;
      if (quota.role !== '') {
        if (quota.role !== input.role) continue;
        score += 0.5;
      }
      if (score > bestScore) {
        best = quota;
        bestScore = score;
      }
    }
    return best;
  }

  private dropBuckets(name: string): void {
    for (const key of this.buckets.keys()) if (key.startsWith(`${name}\u0000`)) this.buckets.delete(key);
  }
}
