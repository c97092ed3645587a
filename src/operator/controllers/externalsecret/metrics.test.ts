import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createExternalSecretMetrics } from './metrics.js';
import { createStoreMetrics } from '../secretstore/metrics.js';

const series = async (registry: Registry, name: string): Promise<string[]> =>
  (await registry.metrics()).split('\n').filter((l) => l.startsWith(`${name}{`));

describe('ExternalSecret metrics', () => {
  it('keeps the current Ready status at 1 and the opposite at 0, and swaps on a flip', async () => {
    const registry = new Registry();
    const m = createExternalSecretMetrics(registry);
    const meta = { namespace: 'ns', name: 'app' };
    m.setCondition(meta, undefined, { type: 'Ready', status: 'False' });
    expect(await series(registry, 'externalsecret_status_condition')).toEqual([
      'externalsecret_status_condition{name="app",namespace="ns",condition="Ready",status="True"} 0',
      'externalsecret_status_condition{name="app",namespace="ns",condition="Ready",status="False"} 1',
    ]);
    m.setCondition(meta, { type: 'Ready', status: 'False' }, { type: 'Ready', status: 'True' });
    expect((await series(registry, 'externalsecret_status_condition')).sort()).toEqual([
      'externalsecret_status_condition{name="app",namespace="ns",condition="Ready",status="False"} 0',
      'externalsecret_status_condition{name="app",namespace="ns",condition="Ready",status="True"} 1',
    ]);
    m.deleted('ns', 'app');
    expect(await series(registry, 'externalsecret_status_condition')).toEqual(['externalsecret_status_condition{name="app",namespace="ns",condition="Deleted",status="False"} 1']);
  });

  it('counts syncs, errors and provider calls, and reuses metrics already registered', async () => {
    const registry = new Registry();
    const m = createExternalSecretMetrics(registry);
    m.reconciled('ns', 'app', 1_500_000);
    m.reconciled('ns', 'app', 2_000_000);
    m.syncError('ns', 'app');
    m.providerCall('HashiCorp/Vault', 'ReadSecretData', true);
    m.providerCall('HashiCorp/Vault', 'ReadSecretData', false);
    const again = createExternalSecretMetrics(registry);
    again.syncError('ns', 'app');
    expect(await series(registry, 'externalsecret_sync_calls_total')).toEqual(['externalsecret_sync_calls_total{name="app",namespace="ns"} 2']);
    expect(await series(registry, 'externalsecret_sync_calls_error')).toEqual(['externalsecret_sync_calls_error{name="app",namespace="ns"} 2']);
    expect(await series(registry, 'externalsecret_reconcile_duration')).toEqual(['externalsecret_reconcile_duration{name="app",namespace="ns"} 2000000']);
    expect(await series(registry, 'externalsecret_provider_api_calls_count')).toEqual([
      'externalsecret_provider_api_calls_count{provider="HashiCorp/Vault",call="ReadSecretData",status="success"} 1',
      'externalsecret_provider_api_calls_count{provider="HashiCorp/Vault",call="ReadSecretData",status="error"} 1',
    ]);
  });
});

describe('store metrics', () => {
  it('uses the kind as subsystem and drops a deleted store', async () => {
    const registry = new Registry();
    const css = createStoreMetrics(registry, 'ClusterSecretStore');
    css.condition('', 'shared', 'True');
    css.reconciled('', 'shared', 10);
    expect(await series(registry, 'clustersecretstore_status_condition')).toEqual([
      'clustersecretstore_status_condition{name="shared",namespace="",condition="Ready",status="False"} 0',
      'clustersecretstore_status_condition{name="shared",namespace="",condition="Ready",status="True"} 1',
    ]);
    css.remove('', 'shared');
    expect(await series(registry, 'clustersecretstore_status_condition')).toEqual([]);
    expect(await series(registry, 'clustersecretstore_reconcile_duration')).toEqual([]);
  });
});
