/**
 * The Sealed Secrets controller's Prometheus metrics under their upstream names
 * (`pkg/controller/metrics.go`), on the operator's registry so dashboards and alerts written
 * for the Bitnami controller keep working.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const METRIC_PREFIX = 'sealed_secrets_controller';

/** `unseal_errors_total{reason}` values, as upstream. */
export type UnsealErrorReason = 'fetch' | 'unseal' | 'update' | 'unmanaged' | 'status';

export interface SealedSecretsMetrics {
  unsealRequest(): void;
  unsealError(reason: UnsealErrorReason, namespace: string): void;
  /** `condition_info`: 1 True, -1 False, 0 Unknown. */
  observeCondition(namespace: string, name: string, condition: string, status: 'True' | 'False' | 'Unknown'): void;
  /** Drops the SealedSecret's `condition_info` series (it was deleted). */
  forget(namespace: string, name: string): void;
  httpRequest(info: { path: string; method: string; code: number; durationMs: number }): void;
}

const GAUGE_VALUE = { True: 1, False: -1, Unknown: 0 } as const;

/**
 * Reuses metrics already on the registry: a controller restarted after a leadership change
 * registers again, and prom-client refuses a second metric with the same name.
 */
function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createSealedSecretsMetrics(registry: Registry, options: { instance: string; revision: string }): SealedSecretsMetrics {
  const registers = [registry];
  const buildInfo = reuse(
    registry,
    `${METRIC_PREFIX}_build_info`,
    () => new Gauge({ name: `${METRIC_PREFIX}_build_info`, help: 'Build information.', labelNames: ['revision'], registers }),
  );
  buildInfo.set({ revision: options.revision }, 1);
  const requests = reuse(
    registry,
    `${METRIC_PREFIX}_unseal_requests_total`,
    () => new Counter({ name: `${METRIC_PREFIX}_unseal_requests_total`, help: 'Total number of sealed secret unseal requests', registers }),
  );
  const errors = reuse(
    registry,
    `${METRIC_PREFIX}_unseal_errors_total`,
    () =>
      new Counter({ name: `${METRIC_PREFIX}_unseal_errors_total`, help: 'Total number of sealed secret unseal errors by reason', labelNames: ['reason', 'namespace'], registers }),
  );
  const conditions = reuse(
    registry,
    `${METRIC_PREFIX}_condition_info`,
    () =>
      new Gauge({
        name: `${METRIC_PREFIX}_condition_info`,
        help: 'Current SealedSecret condition status. Values are -1 (false), 0 (unknown or absent), 1 (true)',
        labelNames: ['namespace', 'name', 'condition', 'instance'],
        registers,
      }),
  );
  const httpTotal = reuse(
    registry,
    `${METRIC_PREFIX}_http_requests_total`,
    () => new Counter({ name: `${METRIC_PREFIX}_http_requests_total`, help: 'A counter for requests to the wrapped handler.', labelNames: ['path', 'code', 'method'], registers }),
  );
  const httpDuration = reuse(
    registry,
    `${METRIC_PREFIX}_http_request_duration_seconds`,
    () =>
      new Histogram({ name: `${METRIC_PREFIX}_http_request_duration_seconds`, help: 'A histogram of latencies for requests.', labelNames: ['path', 'method'], registers }),
  );
  // Only the API's own paths become label values: a scanner probing random URLs must not grow the series set.
  const knownPaths = new Set(['/v1/cert.pem', '/v1/verify', '/v1/rotate', '/healthz', '/readyz']);

  return {
    unsealRequest: () => requests.inc(),
    unsealError: (reason, namespace) => errors.inc({ reason, namespace }),
    observeCondition: (namespace, name, condition, status) => conditions.set({ namespace, name, condition, instance: options.instance }, GAUGE_VALUE[status]),
    forget: (namespace, name) => conditions.remove({ namespace, name, condition: 'Synced', instance: options.instance }),
    httpRequest: ({ path, method, code, durationMs }) => {
      const p = knownPaths.has(path) ? path : 'other';
      httpTotal.inc({ path: p, code: String(code), method });
      httpDuration.observe({ path: p, method }, durationMs / 1000);
    },
  };
}
