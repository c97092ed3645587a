/**
 * Server metrics on prom-client: request counts and latency per mount, operation and
 * status; seal state; audit failures. `sys/metrics` renders them as Prometheus text or as
 * Vault's go-metrics JSON shape.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ServerMetrics {
  readonly registry: Registry;
  observeRequest(input: { mount: string; operation: string; status: number; seconds: number }): void;
  auditFailure(): void;
  render(format: 'prometheus' | 'json'): Promise<{ contentType: string; body: string }>;
}

export interface MetricsSources {
  /** Read at scrape time. */
  sealed(): boolean;
  /** Stored service tokens (batch tokens are never stored); null while sealed. */
  tokenCount?(): Promise<number | null>;
  /** Live leases and, of those, the irrevocable ones; null while sealed. */
  leaseCounts?(): Promise<{ leases: number; irrevocable: number } | null>;
}

export function createServerMetrics(sources: MetricsSources): ServerMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'coffer_requests_total',
    help: 'HTTP API requests by mount, operation and status code.',
    labelNames: ['mount', 'operation', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'coffer_request_duration_seconds',
    help: 'HTTP API request latency by mount and operation.',
    labelNames: ['mount', 'operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Vault's metric names, so existing dashboards and alerts keep working.
  const auditFailures = new Counter({
    name: 'vault_audit_log_request_failure',
    help: 'Requests refused because no audit device could record them.',
    registers: [registry],
  });
  new Gauge({
    name: 'vault_core_unsealed',
    help: '1 when the server is unsealed, 0 when sealed.',
    registers: [registry],
    collect() {
      this.set(sources.sealed() ? 0 : 1);
    },
  });

  new Gauge({
    name: 'vault_token_count',
    help: 'Service tokens in storage (batch tokens are never stored).',
    registers: [registry],
    async collect() {
      const count = (await sources.tokenCount?.()) ?? null;
      if (count !== null) this.set(count);
    },
  });

  new Gauge({
    name: 'vault_expire_num_leases',
    help: 'Leases held by the expiration manager (including irrevocable ones).',
    registers: [registry],
    async collect() {
      const counts = (await sources.leaseCounts?.()) ?? null;
      if (counts !== null) this.set(counts.leases);
    },
  });
  new Gauge({
    name: 'vault_expire_num_irrevocable_leases',
    help: 'Leases whose revocation kept failing; listed by sys/leases?type=irrevocable.',
    registers: [registry],
    async collect() {
      const counts = (await sources.leaseCounts?.()) ?? null;
      if (counts !== null) this.set(counts.irrevocable);
    },
  });

  return {
    registry,
    observeRequest({ mount, operation, status, seconds }) {
      requests.inc({ mount, operation, code: String(status) });
      duration.observe({ mount, operation }, seconds);
    },
    auditFailure() {
      auditFailures.inc();
    },
    async render(format) {
      if (format === 'prometheus') return { contentType: registry.contentType, body: await registry.metrics() };
      return { contentType: 'application/json', body: JSON.stringify(toGoMetrics(await registry.getMetricsAsJSON())) };
    },
  };
}

type MetricJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>[number];

/** Vault's `sys/metrics` JSON shape (go-metrics' in-memory sink). */
function toGoMetrics(metrics: MetricJson[]): Record<string, unknown> {
  const gauges: unknown[] = [];
  const counters: unknown[] = [];
  const samples: unknown[] = [];
  for (const metric of metrics) {
    const values = (metric as { values: { value: number; labels: Record<string, string | number>; metricName?: string }[] }).values;
    const type = String(metric.type);
    if (type === 'gauge') {
      for (const v of values) gauges.push({ Name: metric.name, Value: v.value, Labels: v.labels });
    } else if (type === 'counter') {
      for (const v of values) counters.push({ Name: metric.name, Count: v.value, Sum: v.value, Labels: v.labels });
    } else if (type === 'histogram') {
      for (const v of values) {
        if (v.metricName?.endsWith('_sum') || v.metricName?.endsWith('_count')) {
          samples.push({ Name: v.metricName, Value: v.value, Labels: v.labels });
        }
      }
    }
  }
  return { Timestamp: new Date().toISOString(), Gauges: gauges, Counters: counters, Samples: samples, Points: [] };
}
