/**
 * The ClusterExternalSecret controller against the in-process Kubernetes API server: labelling
 * a Namespace makes the ExternalSecret appear there (through the Namespace informer, not the
 * refreshTime), removing the label deletes it, metadata and spec propagate, a foreign
 * ExternalSecret of the same name is never taken over, a rename moves the children, and
 * deleting the CES removes them all through its finalizer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterExternalSecretController } from '../../src/operator/controllers/clusterexternalsecret/index.js';
import type { OperatorController } from '../../src/operator/runtime/index.js';
import { startKubeTestServer, type KubeObject, type KubeTestServer } from '../support/kube/index.js';
import { createTestOperatorContext, type TestOperatorContext } from './sealedsecret-controller-context.js';
import { CES_TYPE, ES_TYPE, gvr } from '../support/kube/eso-types.js';

const ref = gvr;
const NS = { group: '', version: 'v1', resource: 'namespaces' };

interface CesStatus {
  externalSecretName?: string;
  provisionedNamespaces?: string[];
  failedNamespaces?: { namespace: string; reason?: string }[];
  conditions?: { type: string; status: string; message?: string }[];
}

let kube: KubeTestServer;
let ctx: TestOperatorContext;
let controller: OperatorController;

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const es = (namespace: string, name: string): (KubeObject & { spec?: Record<string, unknown> }) | undefined => kube.store.tryGet(ES_TYPE, namespace, name) as (KubeObject & { spec?: Record<string, unknown> }) | undefined;
const ces = (name: string): KubeObject | undefined => kube.store.tryGet(CES_TYPE, undefined, name);
const status = (name: string): CesStatus => (ces(name)?.['status'] as CesStatus | undefined) ?? {};
const gone = (namespace: string, name: string) => (): true | undefined => (es(namespace, name) === undefined ? true : undefined);

async function setLabels(name: string, labels: Record<string, string | null>): Promise<void> {
  await kube.client.patch(NS, name, { metadata: { labels } }, { type: 'merge' });
}

const esSpec = {
  refreshInterval: '1h',
  secretStoreRef: { name: 'shared', kind: 'ClusterSecretStore' },
  data: [{ secretKey: 'token', remoteRef: { key: '/api' } }],
};

beforeAll(async () => {
  kube = await startKubeTestServer();
  for (const t of [ES_TYPE, CES_TYPE]) kube.store.register(t);
  kube.createNamespace('app-a', { env: 'prod' });
  kube.createNamespace('app-b', {});
  kube.createNamespace('app-c', { env: 'prod' });
  kube.createNamespace('named', {});
  ctx = createTestOperatorContext(kube);
  controller = createClusterExternalSecretController();
  await controller.start(ctx);
});

afterAll(async () => {
  await controller.stop();
  ctx.close();
  await kube.close();
});

describe('ClusterExternalSecret controller', () => {
  it('provisions ExternalSecrets with the CES metadata and spec, owned by the CES, and reports them', async () => {
    // A foreign ExternalSecret of the same name in a selected namespace must survive untouched.
    await kube.client.create(ref(ES_TYPE), { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'db-creds', labels: { mine: 'yes' } }, spec: { secretStoreRef: { name: 'other' }, data: [] } }, { namespace: 'app-c' });
    const created = await kube.client.create(ref(CES_TYPE), {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterExternalSecret',
      metadata: { name: 'shared-db', annotations: { 'external-secrets.io/force-sync': '42' } },
      spec: {
        externalSecretName: 'db-creds',
        externalSecretMetadata: { labels: { team: 'platform' }, annotations: { owner: 'dba' } },
        namespaceSelectors: [{ matchLabels: { env: 'prod' } }],
        namespaces: ['named'],
        refreshTime: '1h',
        externalSecretSpec: esSpec,
      },
    });
    const child = await waitFor('ExternalSecret in app-a', () => es('app-a', 'db-creds'));
    expect(child.metadata.labels).toEqual({ team: 'platform' });
    expect(child.metadata.annotations).toEqual({ owner: 'dba', 'external-secrets.io/force-sync': '42' });
    expect(child.spec).toEqual(esSpec);
    expect(child.metadata.ownerReferences).toEqual([
      { apiVersion: 'external-secrets.io/v1', kind: 'ClusterExternalSecret', name: 'shared-db', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    await waitFor('ExternalSecret in named', () => es('named', 'db-creds'));
    expect(es('app-b', 'db-creds')).toBeUndefined();

    const st = await waitFor('status', () => (status('shared-db').conditions !== undefined ? status('shared-db') : undefined));
    expect(st).toEqual({
      externalSecretName: 'db-creds',
      provisionedNamespaces: ['app-a', 'named'],
      failedNamespaces: [{ namespace: 'app-c', reason: 'external secret already exists in namespace' }],
      conditions: [{ type: 'Ready', status: 'False', message: 'one or more namespaces failed' }],
    });
    const foreign = es('app-c', 'db-creds');
    expect(foreign?.metadata.labels).toEqual({ mine: 'yes' });
    expect(foreign?.metadata.ownerReferences).toBeUndefined();
    expect(ces('shared-db')?.metadata.finalizers).toContain('externalsecrets.external-secrets.io/clusterexternalsecret-cleanup');
  });

  it('creates the ExternalSecret as soon as a namespace gets the label, and deletes it when the label goes', async () => {
    await setLabels('app-b', { env: 'prod' });
    await waitFor('ExternalSecret in newly labelled app-b', () => es('app-b', 'db-creds'));
    await waitFor('app-b provisioned', () => (status('shared-db').provisionedNamespaces?.includes('app-b') ? true : undefined));

    await setLabels('app-a', { env: null });
    await waitFor('ExternalSecret removed from app-a', gone('app-a', 'db-creds'));
    const st = await waitFor('app-a no longer provisioned', () => (status('shared-db').provisionedNamespaces?.includes('app-a') === false ? status('shared-db') : undefined));
    expect(st.provisionedNamespaces).toEqual(['app-b', 'named']);
  });

  it('puts back an ExternalSecret edited or deleted by hand, and follows spec changes', async () => {
    const child = es('app-b', 'db-creds') as KubeObject;
    await kube.client.update(ref(ES_TYPE), { ...child, metadata: { ...child.metadata, labels: { team: 'hijacked' } } });
    await waitFor('labels restored', () => (es('app-b', 'db-creds')?.metadata.labels?.['team'] === 'platform' ? true : undefined));
    await kube.client.delete(ref(ES_TYPE), 'db-creds', { namespace: 'named' });
    await waitFor('deleted child recreated', () => es('named', 'db-creds'));

    await kube.client.patch(ref(CES_TYPE), 'shared-db', { spec: { externalSecretSpec: { ...esSpec, refreshInterval: '5m' } } }, { type: 'merge' });
    await waitFor('new spec propagated', () => (es('app-b', 'db-creds')?.spec?.['refreshInterval'] === '5m' ? true : undefined));
  });

  it('takes a namespace once the foreign ExternalSecret is gone, and turns Ready', async () => {
    await kube.client.delete(ref(ES_TYPE), 'db-creds', { namespace: 'app-c' });
    // The ExternalSecret informer only follows CES-owned children; the namespace event re-runs the CES.
    await setLabels('app-c', { env: 'prod', touched: 'yes' });
    const st = await waitFor('Ready', () => (status('shared-db').conditions?.[0]?.status === 'True' ? status('shared-db') : undefined));
    expect(st.failedNamespaces).toBeUndefined();
    expect(st.provisionedNamespaces).toEqual(['app-b', 'app-c', 'named']);
    expect(st.conditions).toEqual([{ type: 'Ready', status: 'True' }]);
  });

  it('renames the children when externalSecretName changes', async () => {
    await kube.client.patch(ref(CES_TYPE), 'shared-db', { spec: { externalSecretName: 'db' } }, { type: 'merge' });
    for (const ns of ['app-b', 'app-c', 'named']) {
      await waitFor(`renamed child in ${ns}`, () => es(ns, 'db'));
      await waitFor(`old child gone in ${ns}`, gone(ns, 'db-creds'));
    }
    await waitFor('status name', () => (status('shared-db').externalSecretName === 'db' ? true : undefined));
  });

  it('reports an invalid spec instead of creating ExternalSecrets', async () => {
    await kube.client.create(ref(CES_TYPE), {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterExternalSecret',
      metadata: { name: 'broken' },
      spec: { namespaces: ['app-b'], externalSecretSpec: { secretStoreRef: { name: 'x' } } },
    });
    const st = await waitFor('broken status', () => (status('broken').conditions !== undefined ? status('broken') : undefined));
    expect(st.conditions).toEqual([{ type: 'Ready', status: 'False', message: 'one or more namespaces failed' }]);
    expect(st.failedNamespaces?.[0]?.reason).toBe('invalid ClusterExternalSecret: externalSecretSpec: either data or dataFrom should be specified');
    expect(es('app-b', 'broken')).toBeUndefined();
    await kube.client.delete(ref(CES_TYPE), 'broken');
  });

  it('deletes every child on CES deletion, then lets the CES go', async () => {
    await kube.client.delete(ref(CES_TYPE), 'shared-db');
    for (const ns of ['app-b', 'app-c', 'named']) await waitFor(`child gone in ${ns}`, gone(ns, 'db'));
    await waitFor('CES gone', () => (ces('shared-db') === undefined ? true : undefined));
  });
});
