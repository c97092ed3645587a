/**
 * `runWorkers`: controller-runtime's worker loop. Each worker takes a key, reconciles it and
 * settles it: an error re-adds it rate-limited, success forgets its backoff, `requeueAfterMs`
 * schedules the next run. A key is never reconciled by two workers at once (the queue holds it
 * until `done`).
 */
import type { Logger } from '../../shared/logger.js';
import type { ReconcileResultLabel, RuntimeMetrics } from './metrics.js';
import type { Reconciler, WorkQueue } from './types.js';

export async function runWorkers(
  name: string,
  queue: WorkQueue,
  reconciler: Reconciler,
  concurrency: number,
  deps: { metrics: RuntimeMetrics; logger: Logger },
): Promise<void> {
  const { metrics, logger } = deps;
  const log = logger.child({ controller: name });
  const workers = Math.max(1, Math.floor(concurrency));
  metrics.maxConcurrentReconciles.set({ controller: name }, workers);
  metrics.activeWorkers.set({ controller: name }, 0);
  // Present at 0 from the start, so rate() queries work before the first failure.
  for (const result of ['success', 'error', 'requeue', 'requeue_after'] as const) metrics.reconcileTotal.inc({ controller: name, result }, 0);
  metrics.reconcileErrors.inc({ controller: name }, 0);

  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === null) return;
      metrics.activeWorkers.inc({ controller: name });
      const endTimer = metrics.reconcileTime.startTimer({ controller: name });
      let result: ReconcileResultLabel = 'success';
      try {
        const out = await reconciler.reconcile(key);
        queue.forget(key);
        const after = out?.requeueAfterMs;
        if (after !== undefined && after > 0) {
          queue.addAfter(key, after);
          result = 'requeue_after';
        }
      } catch (err) {
        result = 'error';
        metrics.reconcileErrors.inc({ controller: name });
        queue.addRateLimited(key);
        // `object`, not `key`: the logger redacts fields named key.
        log.error({ object: key, err: err instanceof Error ? err.message : String(err) }, 'reconcile failed');
      } finally {
        endTimer();
        metrics.reconcileTotal.inc({ controller: name, result });
        metrics.activeWorkers.dec({ controller: name });
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, () => worker()));
}
