/**
 * Multi-tenancy end to end (seed 1, "Per-tenant secret stores"): one SecretStore per tenant
 * namespace, each authenticating with kubernetes auth as the tenant's ServiceAccount to a role
 * whose policy reads only that tenant's path. Tenant A cannot read tenant B's path through its
 * store; a ClusterSecretStore's `conditions` keep it out of namespaces they do not allow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/operator/runtime/types.js';
import { RESOURCES } from '../support/cluster.js';
import { decoded, startE2e, vaultStore, type E2e } from './harness.js';

let e2e: E2e;

beforeAll(async () => {
  e2e = await startE2e();
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

const externalSecret = (name: string, key: string, store = 'vault-backend', kind = 'SecretStore'): string => `
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: ${name}
spec:
  refreshInterval: 1h
  secretStoreRef: { name: ${store}, kind: ${kind} }
  target: { name: ${name} }
  data:
    - secretKey: password
      remoteRef: { key: ${key}, property: password }
`;

describe('per-namespace SecretStores with kubernetes auth', () => {
  let a: string;
  let b: string;

  beforeAll(async () => {
    a = await e2e.tenant('tenant-a', { serviceAccount: 'eso', role: 'tenant-a', paths: ['apps/tenant-a/*'] });
    b = await e2e.tenant('tenant-b', { serviceAccount: 'eso', role: 'tenant-b', paths: ['apps/tenant-b/*'] });
    await e2e.coffer.put('apps/tenant-a/db', { password: 'a-secret' });
    await e2e.coffer.put('apps/tenant-b/db', { password: 'b-secret' });
    await e2e.apply(vaultStore(e2e, 'vault-backend', 'tenant-a', 'eso'), a);
    await e2e.apply(vaultStore(e2e, 'vault-backend', 'tenant-b', 'eso'), b);
    await e2e.waitReady(RESOURCES.secretStores, a, 'vault-backend', 'True', 'Valid');
    await e2e.waitReady(RESOURCES.secretStores, b, 'vault-backend', 'True', 'Valid');
  });

  it("each tenant's ExternalSecret reads its own path", async () => {
    await e2e.apply(externalSecret('own', 'apps/tenant-a/db'), a);
    await e2e.apply(externalSecret('own', 'apps/tenant-b/db'), b);
    await e2e.waitReady(RESOURCES.externalSecrets, a, 'own', 'True', 'SecretSynced');
    await e2e.waitReady(RESOURCES.externalSecrets, b, 'own', 'True', 'SecretSynced');
    expect(decoded(await e2e.secret(a, 'own'))).toEqual({ password: 'a-secret' });
    expect(decoded(await e2e.secret(b, 'own'))).toEqual({ password: 'b-secret' });
  });

  it("tenant A's ExternalSecret pointing at B's path fails: Ready=False SecretSyncedError, a Warning event, no Secret", async () => {
    await e2e.apply(externalSecret('steal', 'apps/tenant-b/db'), a);
    const cond = await e2e.waitReady(RESOURCES.externalSecrets, a, 'steal', 'False', 'SecretSyncedError');
    expect(cond.message).toBe('could not get secret data from provider');
    const event = await e2e.waitFor('the UpdateFailed event', async () => (await e2e.events(a, 'steal')).find((ev) => ev.reason === 'UpdateFailed'));
    expect(event.type).toBe('Warning');
    expect(event.message).toContain('permission denied');
    expect(event.involvedObject).toMatchObject({ kind: 'ExternalSecret', name: 'steal', namespace: a });
    expect(await e2e.secret(a, 'steal')).toBeNull();
    // Neither the refusal nor anything else put B's value into A's namespace or the logs.
    expect(e2e.operator.output()).not.toContain('b-secret');
  });

  it("a store in tenant A's namespace cannot log in with tenant B's role: Ready=False", async () => {
    await e2e.apply(vaultStore(e2e, 'borrowed-role', 'tenant-b', 'eso'), a);
    const cond = await e2e.waitReady(RESOURCES.secretStores, a, 'borrowed-role', 'False');
    // The login refusal is reported (ESO puts it in a Warning event, the condition says "unable to create client").
    const warnings = (await e2e.events(a, 'borrowed-role')).filter((ev) => ev.type === 'Warning').map((ev) => ev.message ?? '');
    expect([cond.message ?? '', ...warnings].join('\n')).toContain('permission denied');
    await e2e.apply(externalSecret('via-borrowed', 'apps/tenant-b/db', 'borrowed-role'), a);
    const es = await e2e.waitReady(RESOURCES.externalSecrets, a, 'via-borrowed', 'False', 'SecretSyncedError');
    expect(es.message).toContain('borrowed-role');
    expect(await e2e.secret(a, 'via-borrowed')).toBeNull();
  });
});

describe('ClusterSecretStore conditions', () => {
  let platform: string;
  let allowed: string;
  let denied: string;

  beforeAll(async () => {
    // The store authenticates as one ServiceAccount of the platform namespace (not referent).
    platform = await e2e.tenant('platform', { serviceAccount: 'eso', role: 'platform', paths: ['shared/*'] });
    allowed = await e2e.cluster.namespace('team-allowed', { team: 'payments' });
    denied = await e2e.cluster.namespace('team-denied', { team: 'marketing' });
    await e2e.coffer.put('shared/db', { password: 'shared-secret' });
  });

  const clusterStore = (name: string, conditions: unknown[]): KubeObject =>
    vaultStore(e2e, name, 'platform', 'eso', { kind: 'ClusterSecretStore', serviceAccountNamespace: platform, conditions });

  it.each([
    ['namespaceSelector', (name: string) => clusterStore(name, [{ namespaceSelector: { matchLabels: { team: 'payments' } } }])],
    ['namespaces', (name: string) => clusterStore(name, [{ namespaces: [allowed] }])],
  ])('%s: the allowed namespace syncs, the other gets Ready=False and no Secret', async (kind, make) => {
    const name = `${platform}-${kind.toLowerCase()}`;
    await e2e.apply(make(name));
    await e2e.waitReady(RESOURCES.clusterSecretStores, undefined, name, 'True', 'Valid');
    await e2e.apply(externalSecret(kind.toLowerCase(), 'shared/db', name, 'ClusterSecretStore'), allowed);
    await e2e.apply(externalSecret(kind.toLowerCase(), 'shared/db', name, 'ClusterSecretStore'), denied);
    await e2e.waitReady(RESOURCES.externalSecrets, allowed, kind.toLowerCase(), 'True', 'SecretSynced');
    expect(decoded(await e2e.secret(allowed, kind.toLowerCase()))).toEqual({ password: 'shared-secret' });
    await e2e.waitReady(RESOURCES.externalSecrets, denied, kind.toLowerCase(), 'False', 'SecretSyncedError');
    const event = await e2e.waitFor('the UpdateFailed event', async () => (await e2e.events(denied, kind.toLowerCase())).find((ev) => ev.reason === 'UpdateFailed'));
    expect(event.type).toBe('Warning');
    expect(event.message).toBe(`using cluster store "${name}" is not allowed from namespace "${denied}": denied by spec.condition`);
    expect(await e2e.secret(denied, kind.toLowerCase())).toBeNull();
  });
});
