/**
 * ESO's SecretStore / ClusterSecretStore metrics (`pkg/controllers/secretstore/ssmetrics`,
 * `cssmetrics`, `metrics.UpdateStatusCondition`): `<kind>_reconcile_duration` (gauge, name and
 * namespace, nanoseconds as ESO's Go Duration) and `<kind>_status_condition` (gauge, name,
 * namespace, condition, status: the current Ready status at 1, the opposite at 0), with
 * `<kind>` `secretstore` or `clustersecretstore` (namespace "" for the latter).
 */
import { Gauge, type Registry } from 'prom-client';

export interface StoreMetrics {
  reconciled(namespace: string, name: string, durationNs: number): void;
  condition(namespace: string, name: string, status: 'True' | 'False' | 'Unknown'): void;
  /** The store is gone: ESO `RemoveMetrics`. */
  remove(namespace: string, name: string): void;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createStoreMetrics(registry: Registry, kind: 'SecretStore' | 'ClusterSecretStore'): StoreMetrics {
  const subsystem = kind === 'SecretStore' ? 'secretstore' : 'clustersecretstore';
  const what = kind === 'SecretStore' ? 'Secret Store' : 'Cluster Secret Store';
  const registers = [registry];
  const duration = reuse(
    registry,
    `${subsystem}_reconcile_duration`,
    () => new Gauge({ name: `${subsystem}_reconcile_duration`, help: `The duration time to reconcile the ${what}`, labelNames: ['name', 'namespace'], registers }),
  );
  const condition = reuse(
    registry,
    `${subsystem}_status_condition`,
    () =>
      new Gauge({ name: `${subsystem}_status_condition`, help: `The status condition of a specific ${what}`, labelNames: ['name', 'namespace', 'condition', 'status'], registers }),
  );
  const seen = new Set<string>();
  return {
    reconciled(namespace, name, durationNs) {
      seen.add(`${namespace}/${name}`);
      duration.set({ name, namespace }, durationNs);
    },
    condition(namespace, name, status) {
      seen.add(`${namespace}/${name}`);
      if (status === 'False') condition.set({ name, namespace, condition: 'Ready', status: 'True' }, 0);
      else if (status === 'True') condition.set({ name, namespace, condition: 'Ready', status: 'False' }, 0);
      condition.set({ name, namespace, condition: 'Ready', status }, 1);
    },
    remove(namespace, name) {
      if (!seen.delete(`${namespace}/${name}`)) return;
      duration.remove({ name, namespace });
      for (const status of ['True', 'False', 'Unknown']) condition.remove({ name, namespace, condition: 'Ready', status });
    },
  };
}
