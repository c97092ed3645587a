/**
 * Migrating from ESO: a cluster where ESO already synced an ExternalSecret (its Secret carries
 * ESO's labels, data-hash and ownerReference; the ExternalSecret carries ESO's finalizer and
 * status). Coffer's controllers take over, re-read the remote value after the refresh interval
 * and must leave the Secret exactly as it is — no write, so no rollout.
 *
 * The ESO strings are computed outside this code base: the data-hash is Python's
 * `hashlib.sha3_224` over the Go `%+v` rendering of the data map, written out by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExternalSecretsControllers } from '../../src/operator/controllers/externalsecret/index.js';
import type { OperatorController } from '../../src/operator/runtime/index.js';
import { applyCrds, startKubeTestServer, type KubeObject, type KubeTestServer } from '../support/kube/index.js';
import { ES_TYPE as ES, SS_TYPE as SS, gvr } from '../support/kube/eso-types.js';
import { createTestOperatorContext, type TestOperatorContext } from './sealedsecret-controller-context.js';

const SECRETS = { group: '', version: 'v1', resource: 'secrets' };

// map[password:[115 51 99 114 101 116] username:[97 112 112]] → sha3-224 (Python hashlib)
const ESO_DATA_HASH = '028c17e1aba1f5b52a98dbfe501a722193532c5eddb0e62e2ddf7870';
// "mig/db" → sha3-224 (Python hashlib): ESO's created-by label for ExternalSecret mig/db
const ESO_CREATED_BY = '52ee864b1fb8d0978f40b7203cb8e399e3b4da3d40fa81a9db2da0ec';

let kube: KubeTestServer;
let ctx: TestOperatorContext;
let controllers: OperatorController[] = [];

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  kube = await startKubeTestServer();
  await applyCrds(kube);
  kube.createNamespace('mig');
});

afterAll(async () => {
  for (const c of controllers) await c.stop();
  ctx?.close();
  await kube.close();
});

describe('taking over from ESO', () => {
  it('re-reads the remote value and leaves an ESO-written Secret untouched', async () => {
    // The state ESO left behind, created while no controller runs.
    await kube.client.create(
      gvr(SS),
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: { name: 'fake' },
        spec: { provider: { fake: { data: [{ key: 'apps/db', value: JSON.stringify({ username: 'app', password: 's3cret' }) }] } } },
      },
      { namespace: 'mig' },
    );
    const es = await kube.client.create(
      gvr(ES),
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'db', finalizers: ['externalsecrets.external-secrets.io/externalsecret-cleanup'] },
        spec: {
          refreshInterval: '1m',
          secretStoreRef: { name: 'fake', kind: 'SecretStore' },
          target: { name: 'db', creationPolicy: 'Owner' },
          dataFrom: [{ extract: { key: 'apps/db' } }],
        },
      },
      { namespace: 'mig' },
    );
    const lastSync = new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await kube.client.update(
      gvr(ES),
      {
      ...es,
      status: {
        refreshTime: lastSync,
        binding: { name: 'db' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'secret synced', lastTransitionTime: lastSync }],
      },
      },
      { subresource: 'status' },
    );
    const written = await kube.client.create(
      SECRETS,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'db',
          labels: { 'reconcile.external-secrets.io/managed': 'true', 'reconcile.external-secrets.io/created-by': ESO_CREATED_BY },
          annotations: { 'reconcile.external-secrets.io/data-hash': ESO_DATA_HASH },
          ownerReferences: [{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'db', uid: es.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
        },
        type: 'Opaque',
        data: { password: Buffer.from('s3cret').toString('base64'), username: Buffer.from('app').toString('base64') },
      },
      { namespace: 'mig' },
    );

    ctx = createTestOperatorContext(kube);
    controllers = createExternalSecretsControllers({ controllerClass: 'default' });
    for (const c of controllers) await c.start(ctx);

    // The refresh is due (last sync 5 minutes ago, interval 1 minute): Coffer reads the store
    // and stamps a new refreshTime.
    await waitFor('a fresh refreshTime', () => {
      const status = (kube.store.tryGet(ES, 'mig', 'db') as (KubeObject & { status?: { refreshTime?: string } }) | undefined)?.status;
      return status?.refreshTime !== undefined && status.refreshTime !== lastSync ? true : undefined;
    });
    const ready = (kube.store.tryGet(ES, 'mig', 'db') as KubeObject & { status: { conditions: { type: string; status: string; reason: string }[] } }).status.conditions.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'True', reason: 'SecretSynced' });

    const after = kube.store.tryGet(kube.store.type('secrets'), 'mig', 'db');
    expect(after?.metadata.resourceVersion).toBe(written.metadata.resourceVersion);
    expect(ctx.recorded.filter((e) => e.key === 'mig/db' && e.reason === 'Updated')).toEqual([]);
  });
});
