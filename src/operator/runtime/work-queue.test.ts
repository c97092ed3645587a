import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { RateLimitedQueue, RateLimiter } from './work-queue.js';

const noJitter = () => 0;

function queue(clock = new ManualClock(), extra: ConstructorParameters<typeof RateLimitedQueue>[0] = {}): RateLimitedQueue {
  return new RateLimitedQueue({ clock, random: noJitter, ...extra });
}

describe('RateLimitedQueue', () => {
  it('deduplicates keys that are queued', async () => {
    const q = queue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.length).toBe(0);
  });

  it('never hands a key being processed to a second worker; a re-add waits for done', async () => {
    const q = queue();
    q.add('a');
    expect(await q.get()).toBe('a');
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | null | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done('a');
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('serves keys never reconciled successfully before periodic ones', async () => {
    const q = queue();
    q.add('old-1');
    q.add('old-2');
    expect(await q.get()).toBe('old-1');
    q.forget('old-1');
    q.done('old-1');
    expect(await q.get()).toBe('old-2');
    q.forget('old-2');
    q.done('old-2');
    // Both are synced now: periodic refreshes queue behind a new key added later.
    q.add('old-1');
    q.add('old-2');
    q.add('new');
    expect(await q.get()).toBe('new');
    expect(await q.get()).toBe('old-1');
    expect(await q.get()).toBe('old-2');
  });

  it('a failing new key stays in the first lane', async () => {
    const clock = new ManualClock();
    const q = queue(clock);
    q.add('synced');
    await q.get();
    q.forget('synced');
    q.done('synced');
    q.add('failing');
    expect(await q.get()).toBe('failing');
    q.addRateLimited('failing');
    q.done('failing');
    q.add('synced');
    clock.advance(1000);
    expect(await q.get()).toBe('failing');
  });

  it('backs off per key exponentially from 5 ms and resets on forget', async () => {
    const clock = new ManualClock();
    const q = queue(clock);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = clock.now();
      q.addRateLimited('k');
      // Advance 1 ms at a time until it appears.
      while (q.length === 0) clock.advance(1);
      delays.push(clock.now() - before);
      expect(await q.get()).toBe('k');
      q.done('k');
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(q.retries('k')).toBe(4);
    q.forget('k');
    expect(q.retries('k')).toBe(0);
  });

  it('addAfter keeps the earliest deadline and adds nothing before it', () => {
    const clock = new ManualClock();
    const q = queue(clock);
    q.addAfter('k', 1000);
    q.addAfter('k', 100);
    q.addAfter('k', 5000);
    clock.advance(99);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
    clock.advance(10_000);
    expect(q.length).toBe(1);
  });

  it('shutDown drains what is queued, then answers null, and drops delayed adds', async () => {
    const clock = new ManualClock();
    const q = queue(clock);
    q.add('a');
    q.addAfter('b', 10);
    q.shutDown();
    expect(clock.pending).toBe(0);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBeNull();
    q.add('c');
    expect(q.length).toBe(0);
  });

  it('releases a waiting worker on shutDown', async () => {
    const q = queue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeNull();
  });

  it('reports depth, adds and retries', async () => {
    const seen = { depth: -1, adds: 0, retries: 0 };
    const clock = new ManualClock();
    const q = queue(clock, { metrics: { depth: (n) => (seen.depth = n), added: () => seen.adds++, retried: () => seen.retries++ } });
    q.add('a');
    q.add('a');
    q.add('b');
    expect(seen).toEqual({ depth: 2, adds: 2, retries: 0 });
    await q.get();
    expect(seen.depth).toBe(1);
    q.addRateLimited('a');
    expect(seen.retries).toBe(1);
  });

  it('processes every added key exactly once per add-burst, whatever the interleaving (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 30 }), async (keys) => {
        const q = queue();
        for (const k of keys) q.add(k);
        const got: string[] = [];
        while (q.length > 0) {
          const k = await q.get();
          if (k === null) break;
          got.push(k);
          q.done(k);
        }
        expect(new Set(got)).toEqual(new Set(keys));
        expect(got.length).toBe(new Set(keys).size);
      }),
    );
  });
});

describe('RateLimiter', () => {
  it('caps the backoff at 1000 s and adds at most the jitter fraction', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 80 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (failures, r) => {
        const clock = new ManualClock();
        const limiter = new RateLimiter({ qps: 1e9, burst: 1e9 }, clock, () => r);
        for (let i = 0; i < failures; i++) limiter.when('k');
        const d = limiter.when('k');
        const base = Math.min(5 * 2 ** failures, 1_000_000);
        expect(d).toBeGreaterThanOrEqual(base);
        expect(d).toBeLessThanOrEqual(Math.min(base * 1.1, 1_000_000));
      }),
    );
  });

  it('the overall bucket delays a burst of distinct failing keys beyond its size', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ qps: 10, burst: 2 }, clock, noJitter);
    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('b')).toBe(5);
    expect(limiter.when('c')).toBeCloseTo(100);
  });
});
