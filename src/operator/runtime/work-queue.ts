/**
 * The rate-limited work queue (client-go's `workqueue` semantics): a key queued twice is queued
 * once, a key being processed is not handed to a second worker (an add while processing is
 * deferred until `done`), failures back off per key, and `addAfter` defers.
 *
 * Two lanes: keys that have never been reconciled successfully (new objects, first failures)
 * are served before keys that have (periodic refreshes, updates), so a burst of refreshes of
 * many objects does not delay the first sync of a new one.
 */
import type { WorkQueue } from './types.js';
import { realClock, type Clock } from './clock.js';

/** Where a queue reports its depth, adds and retries (the `workqueue_*` metrics). */
export interface QueueMetrics {
  depth(n: number): void;
  added(): void;
  retried(): void;
}

export interface RateLimiterOptions {
  /** First retry delay; default 5 ms (client-go). */
  baseDelayMs?: number;
  /** Cap; default 1000 s (client-go). */
  maxDelayMs?: number;
  /** Up to this fraction is added at random, so failing keys spread out; default 0.1. */
  jitter?: number;
  /** Overall token bucket (client-go: 10 per second, burst 100). */
  qps?: number;
  burst?: number;
}

export interface WorkQueueOptions extends RateLimiterOptions {
  clock?: Clock;
  /** In [0, 1); default Math.random. */
  random?: () => number;
  metrics?: QueueMetrics;
}

/**
 * client-go's default controller rate limiter: the larger of a per-key exponential backoff
 * (5 ms doubling to 1000 s) and an overall token bucket; jitter added on top.
 */
export class RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitter: number;
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;

  constructor(
    options: RateLimiterOptions,
    private readonly clock: Clock,
    private readonly random: () => number,
  ) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1_000_000;
    this.jitter = options.jitter ?? 0.1;
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /** The delay before the key's next try; counts a failure. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity long before it matters; min() handles that.
    const backoff = Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs);
    const withJitter = Math.min(backoff * (1 + this.jitter * this.random()), this.maxDelayMs);
    return Math.max(withJitter, this.bucketDelay());
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  private bucketDelay(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }
}

export class RateLimitedQueue implements WorkQueue {
  private readonly fresh: string[] = [];
  private readonly periodic: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  /** Keys reconciled successfully at least once (they use the periodic lane). */
  private readonly synced = new Set<string>();
  private readonly waiting = new Map<string, { at: number; handle: unknown }>();
  private readonly getters: ((key: string | null) => void)[] = [];
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly metrics: QueueMetrics | undefined;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.limiter = new RateLimiter(options, this.clock, options.random ?? Math.random);
    this.metrics = options.metrics;
  }

  get length(): number {
    return this.fresh.length + this.periodic.length;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics?.added();
    // Re-queued by done() once the worker holding it finishes.
    if (this.processing.has(key)) return;
    this.push(key);
  }

  addRateLimited(key: string): void {
    this.metrics?.retried();
    this.addAfter(key, this.limiter.when(key));
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + delayMs;
    const existing = this.waiting.get(key);
    // Keep the earliest deadline (client-go's delaying queue does the same).
    if (existing !== undefined) {
      if (existing.at <= at) return;
      this.clock.clearTimeout(existing.handle);
    }
    const handle = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.waiting.set(key, { at, handle });
  }

  forget(key: string): void {
    this.limiter.forget(key);
    this.synced.add(key);
  }

  /** Drops everything known about a key that no longer exists (its lane and backoff). */
  purge(key: string): void {
    this.limiter.forget(key);
    this.synced.delete(key);
  }

  /** Failures counted for the key since its last success. */
  retries(key: string): number {
    return this.limiter.retries(key);
  }

  get(): Promise<string | null> {
    const key = this.pop();
    if (key !== undefined) return Promise.resolve(key);
    if (this.shuttingDown) return Promise.resolve(null);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
    else if (this.shuttingDown && this.length === 0 && this.processing.size === 0) this.releaseGetters();
  }

  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { handle } of this.waiting.values()) this.clock.clearTimeout(handle);
    this.waiting.clear();
    if (this.length === 0) this.releaseGetters();
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private push(key: string): void {
    (this.synced.has(key) ? this.periodic : this.fresh).push(key);
    const getter = this.getters.shift();
    if (getter !== undefined) {
      const next = this.pop();
      if (next !== undefined) getter(next);
      else this.getters.unshift(getter);
    }
    this.reportDepth();
  }

  private pop(): string | undefined {
    const key = this.fresh.shift() ?? this.periodic.shift();
    if (key === undefined) return undefined;
    this.dirty.delete(key);
    this.processing.add(key);
    this.reportDepth();
    return key;
  }

  private releaseGetters(): void {
    for (const getter of this.getters.splice(0)) getter(null);
  }

  private reportDepth(): void {
    this.metrics?.depth(this.length);
  }
}

export function createWorkQueue(options: WorkQueueOptions = {}): RateLimitedQueue {
  return new RateLimitedQueue(options);
}
