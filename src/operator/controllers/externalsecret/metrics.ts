/**
 * ESO's ExternalSecret metrics under their upstream names, label names and types
 * (`pkg/controllers/externalsecret/esmetrics`, `pkg/controllers/metrics`, `runtime/metrics`),
 * on the operator's registry so ESO dashboards and alerts keep working:
 *
 * - `externalsecret_sync_calls_total` / `externalsecret_sync_calls_error` (counters; name, namespace)
 * - `externalsecret_reconcile_duration` (gauge; name, namespace) — nanoseconds, as ESO sets
 *   `float64(time.Since(start))` (a Go Duration) without converting it
 * - `externalsecret_status_condition` (gauge; name, namespace, condition, status): the current
 *   Ready status at 1 and the opposite status at 0 (ESO's dual-series behaviour)
 * - `externalsecret_provider_api_calls_count` (counter; provider, call, status)
 */
import { Counter, Gauge, type Registry } from 'prom-client';

type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface ConditionLike {
  type: string;
  status: ConditionStatus;
}

/** Reuses a metric already on the registry (a controller restarted after losing leadership registers again). */
export function reuseMetric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export interface ExternalSecretMetrics {
  /** Every reconcile (ESO's deferred `sync_calls_total` increment and duration gauge). */
  reconciled(namespace: string, name: string, durationNs: number): void;
  syncError(namespace: string, name: string): void;
  /** ESO `SetExternalSecretCondition`: `previous` is the condition of that type before the change. */
  setCondition(meta: { namespace: string; name: string }, previous: ConditionLike | undefined, next: ConditionLike): void;
  /** The ExternalSecret is gone: drop its Ready series (ESO sets `Deleted=False` to 1 for it). */
  deleted(namespace: string, name: string): void;
  providerCall(provider: string, call: string, ok: boolean): void;
}

export function createExternalSecretMetrics(registry: Registry): ExternalSecretMetrics {
  const registers = [registry];
  const syncCalls = reuseMetric(
    registry,
    'externalsecret_sync_calls_total',
    () => new Counter({ name: 'externalsecret_sync_calls_total', help: 'Total number of the External Secret sync calls', labelNames: ['name', 'namespace'], registers }),
  );
  const syncErrors = reuseMetric(
    registry,
    'externalsecret_sync_calls_error',
    () => new Counter({ name: 'externalsecret_sync_calls_error', help: 'Total number of the External Secret sync errors', labelNames: ['name', 'namespace'], registers }),
  );
  const condition = reuseMetric(
    registry,
    'externalsecret_status_condition',
    () =>
      new Gauge({
        name: 'externalsecret_status_condition',
        help: 'The status condition of a specific External Secret',
        labelNames: ['name', 'namespace', 'condition', 'status'],
        registers,
      }),
  );
  const duration = reuseMetric(
    registry,
    'externalsecret_reconcile_duration',
    () => new Gauge({ name: 'externalsecret_reconcile_duration', help: 'The duration time to reconcile the External Secret', labelNames: ['name', 'namespace'], registers }),
  );
  const apiCalls = reuseMetric(
    registry,
    'externalsecret_provider_api_calls_count',
    () =>
      new Counter({
        name: 'externalsecret_provider_api_calls_count',
        help: 'Number of API calls towards the secret provider',
        labelNames: ['provider', 'call', 'status'],
        registers,
      }),
  );

  /** ESO `UpdateExternalSecretCondition`. */
  const update = (name: string, namespace: string, cond: ConditionLike, value: number): void => {
    const labels = (c: string, s: string): { name: string; namespace: string; condition: string; status: string } => ({ name, namespace, condition: c, status: s });
    if (cond.type === 'Deleted') {
      condition.remove(labels('Ready', 'False'));
      condition.remove(labels('Ready', 'True'));
    } else if (cond.type === 'Ready') {
      condition.remove(labels('Deleted', 'False'));
      condition.remove(labels('Deleted', 'True'));
      if (cond.status === 'False') condition.set(labels('Ready', 'True'), 0);
      else if (cond.status === 'True') condition.set(labels('Ready', 'False'), 0);
    }
    condition.set(labels(cond.type, cond.status), value);
  };

  return {
    reconciled(namespace, name, durationNs) {
      duration.set({ name, namespace }, durationNs);
      syncCalls.inc({ name, namespace });
    },
    syncError: (namespace, name) => syncErrors.inc({ name, namespace }),
    setCondition({ namespace, name }, previous, next) {
      if (previous !== undefined && (previous.status !== next.status || previous.type !== next.type)) update(name, namespace, previous, 0);
      update(name, namespace, next, 1);
    },
    deleted(namespace, name) {
      update(name, namespace, { type: 'Deleted', status: 'False' }, 1);
    },
    providerCall: (provider, call, ok) => apiCalls.inc({ provider, call, status: ok ? 'success' : 'error' }),
  };
}
