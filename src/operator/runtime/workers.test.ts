import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { ManualClock } from './clock.js';
import { RuntimeMetrics } from './metrics.js';
import { RateLimitedQueue } from './work-queue.js';
import { runWorkers } from './workers.js';

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
}

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('runWorkers', () => {
  it('retries a failing key with backoff, forgets it on success, and counts both', async () => {
    const clock = new ManualClock();
    const registry = new Registry();
    const metrics = new RuntimeMetrics(registry);
    const queue = new RateLimitedQueue({ clock, random: () => 0, metrics: metrics.queue('toy') });
    let attempts = 0;
    const running = runWorkers(
      'toy',
      queue,
      {
        reconcile: async () => {
          attempts++;
          if (attempts < 3) throw new Error('conflict');
        },
      },
      2,
      { metrics, logger: silentLogger() },
    );
    queue.add('ns/a');
    await settle();
    expect(attempts).toBe(1);
    expect(queue.retries('ns/a')).toBe(1);
    clock.advance(5);
    await settle();
    expect(attempts).toBe(2);
    clock.advance(10);
    await settle();
    expect(attempts).toBe(3);
    expect(queue.retries('ns/a')).toBe(0);
    queue.shutDown();
    await running;
    expect(await metricValue(registry, 'controller_runtime_reconcile_total', { controller: 'toy', result: 'error' })).toBe(2);
    expect(await metricValue(registry, 'controller_runtime_reconcile_total', { controller: 'toy', result: 'success' })).toBe(1);
    expect(await metricValue(registry, 'controller_runtime_reconcile_errors_total', { controller: 'toy' })).toBe(2);
    expect(await metricValue(registry, 'workqueue_retries_total', { name: 'toy' })).toBe(2);
    expect(await metricValue(registry, 'workqueue_adds_total', { name: 'toy' })).toBe(3);
  });

  it('schedules the next run after requeueAfterMs', async () => {
    const clock = new ManualClock();
    const metrics = new RuntimeMetrics(new Registry());
    const queue = new RateLimitedQueue({ clock, random: () => 0 });
    let runs = 0;
    const running = runWorkers(
      'periodic',
      queue,
      {
        reconcile: async () => {
          runs++;
          return { requeueAfterMs: 60_000 };
        },
      },
      1,
      { metrics, logger: silentLogger() },
    );
    queue.add('k');
    await settle();
    expect(runs).toBe(1);
    clock.advance(59_999);
    await settle();
    expect(runs).toBe(1);
    clock.advance(1);
    await settle();
    expect(runs).toBe(2);
    queue.shutDown();
    await running;
    expect(await metricValue(metrics.registry, 'controller_runtime_reconcile_total', { controller: 'periodic', result: 'requeue_after' })).toBe(2);
  });

  it('never reconciles one key in two workers at once, while other keys run in parallel', async () => {
    const metrics = new RuntimeMetrics(new Registry());
    const queue = new RateLimitedQueue({ random: () => 0 });
    const active = new Set<string>();
    let overlap = false;
    let maxParallel = 0;
    const gates: (() => void)[] = [];
    const running = runWorkers(
      'par',
      queue,
      {
        reconcile: async (key) => {
          if (active.has(key)) overlap = true;
          active.add(key);
          maxParallel = Math.max(maxParallel, active.size);
          await new Promise<void>((resolve) => gates.push(resolve));
          active.delete(key);
        },
      },
      4,
      { metrics, logger: silentLogger() },
    );
    queue.add('a');
    queue.add('b');
    await settle();
    queue.add('a');
    await settle();
    expect(active.size).toBe(2);
    while (gates.length > 0 || queue.length > 0) {
      gates.shift()?.();
      await settle();
    }
    queue.shutDown();
    await running;
    expect(overlap).toBe(false);
    expect(maxParallel).toBe(2);
  });
});
