/**
 * The ExternalSecret, SecretStore and ClusterSecretStore controllers against the in-process
 * Kubernetes API server with the `fake` provider: stores go Ready, ExternalSecrets produce
 * Secrets with ESO's labels/annotations, force-sync and tamper repair, deletionPolicy Delete,
 * and ClusterSecretStore namespace conditions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExternalSecretsControllers, createdByHash, dataHash } from '../../src/operator/controllers/externalsecret/index.js';
import type { OperatorController } from '../../src/operator/runtime/index.js';
import { applyCrds, startKubeTestServer, type KubeObject, type KubeTestServer, type ResourceType } from '../support/kube/index.js';
import { createTestOperatorContext, type TestOperatorContext } from './sealedsecret-controller-context.js';
import { ES_TYPE, SS_TYPE, CSS_TYPE, gvr } from '../support/kube/eso-types.js';

const ref = gvr;

let kube: KubeTestServer;
let ctx: TestOperatorContext;
let controllers: OperatorController[];

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
  return kube.store.tryGet(type, namespace, name);
}

function ready(obj: KubeObject | undefined): { status: string; reason?: string; message?: string } | undefined {
  const conds = (obj?.['status'] as { conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined)?.conditions;
  return conds?.find((c) => c.type === 'Ready');
}

function secret(namespace: string, name: string): (KubeObject & { data?: Record<string, string> }) | undefined {
  return get(kube.store.type('secrets'), namespace, name) as (KubeObject & { data?: Record<string, string> }) | undefined;
}

const text = (b64: string | undefined): string => Buffer.from(b64 ?? '', 'base64').toString();

function fakeStore(data: { key: string; value: string }[]): Record<string, unknown> {
  return { provider: { fake: { data } } };
}

beforeAll(async () => {
  kube = await startKubeTestServer();
  await applyCrds(kube);
  kube.createNamespace('team-a', { team: 'a' });
  kube.createNamespace('team-b', { team: 'b' });
  ctx = createTestOperatorContext(kube);
  controllers = createExternalSecretsControllers({ controllerClass: 'default' });
  for (const c of controllers) await c.start(ctx);
});

afterAll(async () => {
  for (const c of controllers) await c.stop();
  ctx.close();
  await kube.close();
});

describe('ExternalSecret controllers with the fake provider', () => {
  const storeData = [
    { key: '/db', value: JSON.stringify({ user: 'app', 'pass word': 's3cret' }) },
    { key: '/api', value: 'tok-1' },
  ];

  it('marks a valid SecretStore Ready with capabilities, and an invalid one not Ready', async () => {
    await kube.client.create(ref(SS_TYPE), { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'fake' }, spec: fakeStore(storeData) }, { namespace: 'team-a' });
    await kube.client.create(ref(SS_TYPE), { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'broken' }, spec: { provider: { fake: { data: [{ key: 'k' }] } } } }, { namespace: 'team-a' });
    const ok = await waitFor('store Ready', () => (ready(get(SS_TYPE, 'team-a', 'fake'))?.status === 'True' ? get(SS_TYPE, 'team-a', 'fake') : undefined));
    expect(ready(ok)).toMatchObject({ reason: 'Valid', message: 'store validated' });
    expect((ok['status'] as { capabilities?: string }).capabilities).toBe('ReadWrite');
    const bad = await waitFor('broken store not Ready', () => ready(get(SS_TYPE, 'team-a', 'broken')));
    expect(bad).toMatchObject({ status: 'False', reason: 'InvalidProviderConfig' });
    expect(bad.message).toContain('at least one value must be set in data 0');
  });

  it('syncs data + dataFrom extract + template into a Secret with ESO labels, annotations and ownerReference', async () => {
    const es = await kube.client.create(
      ref(ES_TYPE),
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'app', annotations: { team: 'a' } },
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { name: 'fake', kind: 'SecretStore' },
          target: {
            name: 'app-secret',
            deletionPolicy: 'Delete',
            template: {
              type: 'Opaque',
              metadata: { labels: { app: '{{ .user }}' } },
              data: { dsn: 'postgres://{{ .user }}:{{ index . "pass_word" }}@db', token: '{{ .token | upper }}' },
            },
          },
          data: [{ secretKey: 'token', remoteRef: { key: '/api' } }],
          dataFrom: [{ extract: { key: '/db' } }],
        },
      },
      { namespace: 'team-a' },
    );
    const s = await waitFor('the target Secret', () => secret('team-a', 'app-secret'));
    expect(text(s.data?.['dsn'])).toBe('postgres://app:s3cret@db');
    expect(text(s.data?.['token'])).toBe('TOK-1');
    expect(Object.keys(s.data ?? {}).sort()).toEqual(['dsn', 'token']);
    expect(s['type']).toBe('Opaque');
    expect(s.metadata.labels).toMatchObject({ app: 'app', 'reconcile.external-secrets.io/managed': 'true', 'reconcile.external-secrets.io/created-by': createdByHash('team-a', 'app') });
    const bytes = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]));
    expect(s.metadata.annotations?.['reconcile.external-secrets.io/data-hash']).toBe(dataHash(bytes));
    expect(s.metadata.ownerReferences).toEqual([{ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'app', uid: es.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const cond = await waitFor('ES Ready', () => (ready(get(ES_TYPE, 'team-a', 'app'))?.status === 'True' ? ready(get(ES_TYPE, 'team-a', 'app')) : undefined));
    expect(cond).toMatchObject({ reason: 'SecretSynced', message: 'secret synced' });
    const status = get(ES_TYPE, 'team-a', 'app')?.['status'] as { refreshTime?: string; syncedResourceVersion?: string; binding?: { name: string } };
    expect(status.binding).toEqual({ name: 'app-secret' });
    expect(status.syncedResourceVersion).toMatch(/^1-[0-9a-f]{56}$/);
    expect(status.refreshTime).toMatch(/Z$/);
    expect(get(ES_TYPE, 'team-a', 'app')?.metadata.finalizers).toContain('externalsecrets.external-secrets.io/externalsecret-cleanup');
    await waitFor('the Created event', () => ctx.recorded.find((e) => e.key === 'team-a/app' && e.reason === 'Created'));
  });

  it('picks up a changed remote value on force-sync', async () => {
    const store = get(SS_TYPE, 'team-a', 'fake') as KubeObject;
    await kube.client.update(ref(SS_TYPE), { ...store, spec: fakeStore([storeData[0] as { key: string; value: string }, { key: '/api', value: 'tok-2' }]) });
    await kube.client.patch(ref(ES_TYPE), 'app', { metadata: { annotations: { team: 'a', 'external-secrets.io/force-sync': '1' } } }, { namespace: 'team-a', type: 'merge' });
    await waitFor('the new token', () => (text(secret('team-a', 'app-secret')?.data?.['token']) === 'TOK-2' ? true : undefined));
  });

  it('repairs a tampered Secret', async () => {
    const s = secret('team-a', 'app-secret') as KubeObject & { data: Record<string, string> };
    await kube.client.update({ group: '', version: 'v1', resource: 'secrets' }, { ...s, data: { ...s.data, token: Buffer.from('evil').toString('base64') } });
    await waitFor('the repaired token', () => (text(secret('team-a', 'app-secret')?.data?.['token']) === 'TOK-2' ? true : undefined));
  });

  it('deletes the Secret when the remote key is gone and deletionPolicy is Delete', async () => {
    await kube.client.create(
      ref(ES_TYPE),
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'gone' },
        spec: { secretStoreRef: { name: 'fake' }, target: { deletionPolicy: 'Delete' }, data: [{ secretKey: 'token', remoteRef: { key: '/api' } }] },
      },
      { namespace: 'team-a' },
    );
    await waitFor('the gone Secret', () => secret('team-a', 'gone'));
    const store = get(SS_TYPE, 'team-a', 'fake') as KubeObject;
    await kube.client.update(ref(SS_TYPE), { ...store, spec: fakeStore([storeData[0] as { key: string; value: string }]) });
    await kube.client.patch(ref(ES_TYPE), 'gone', { metadata: { annotations: { 'external-secrets.io/force-sync': '1' } } }, { namespace: 'team-a', type: 'merge' });
    await waitFor('the Secret deleted', () => (secret('team-a', 'gone') === undefined ? true : undefined));
    const cond = await waitFor('SecretDeleted', () => (ready(get(ES_TYPE, 'team-a', 'gone'))?.reason === 'SecretDeleted' ? ready(get(ES_TYPE, 'team-a', 'gone')) : undefined));
    expect(cond).toMatchObject({ status: 'True', message: 'secret deleted due to DeletionPolicy=Delete' });
  });

  it('refuses a ClusterSecretStore from a namespace its conditions do not allow', async () => {
    await kube.client.create(ref(CSS_TYPE), {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'shared' },
      spec: { ...fakeStore([{ key: 'k', value: 'v' }]), conditions: [{ namespaceSelector: { matchLabels: { team: 'a' } } }] },
    });
    await waitFor('cluster store Ready', () => (ready(get(CSS_TYPE, undefined, 'shared'))?.status === 'True' ? true : undefined));
    const spec = { secretStoreRef: { name: 'shared', kind: 'ClusterSecretStore' }, data: [{ secretKey: 'k', remoteRef: { key: 'k' } }] };
    for (const ns of ['team-a', 'team-b']) {
      await kube.client.create(ref(ES_TYPE), { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'from-css' }, spec }, { namespace: ns });
    }
    await waitFor('allowed namespace synced', () => (text(secret('team-a', 'from-css')?.data?.['k']) === 'v' ? true : undefined));
    const denied = await waitFor('denied Ready=False', () => ready(get(ES_TYPE, 'team-b', 'from-css')));
    expect(denied).toMatchObject({ status: 'False', reason: 'SecretSyncedError', message: 'using cluster store "shared" is not allowed from namespace "team-b": denied by spec.condition' });
    expect(secret('team-b', 'from-css')).toBeUndefined();
  });

  it('exports ESO metrics on the operator registry', async () => {
    const scrape = async (): Promise<string> => ctx.metrics.metrics();
    const line = (t: string, re: RegExp): string | undefined => t.split('\n').find((l) => re.test(l));
    // Metrics are written as reconciles finish: wait until the last expected series is there.
    let out = await scrape();
    for (let i = 0; i < 500 && !/^externalsecret_sync_calls_error\{name="from-css",namespace="team-b"\} [1-9]/m.test(out); i++) {
      await new Promise((r) => setTimeout(r, 20));
      out = await scrape();
    }
    expect(out).toContain('# TYPE externalsecret_sync_calls_total counter');
    expect(out).toContain('# TYPE externalsecret_sync_calls_error counter');
    expect(out).toContain('# TYPE externalsecret_status_condition gauge');
    expect(out).toContain('# TYPE externalsecret_reconcile_duration gauge');
    expect(line(out, /^externalsecret_status_condition\{name="gone",namespace="team-a",condition="Ready",status="True"\} 1$/)).toBeDefined();
    expect(line(out, /^externalsecret_status_condition\{name="gone",namespace="team-a",condition="Ready",status="False"\} 0$/)).toBeDefined();
    expect(line(out, /^externalsecret_status_condition\{name="from-css",namespace="team-b",condition="Ready",status="False"\} 1$/)).toBeDefined();
    expect(line(out, /^externalsecret_sync_calls_error\{name="from-css",namespace="team-b"\} [1-9]/)).toBeDefined();
    expect(Number(line(out, /^externalsecret_sync_calls_total\{name="gone",namespace="team-a"\}/)?.split(' ')[1])).toBeGreaterThanOrEqual(2);
    expect(Number(line(out, /^externalsecret_reconcile_duration\{name="gone",namespace="team-a"\}/)?.split(' ')[1])).toBeGreaterThan(0);
    expect(line(out, /^secretstore_status_condition\{name="fake",namespace="team-a",condition="Ready",status="True"\} 1$/)).toBeDefined();
    expect(line(out, /^secretstore_status_condition\{name="broken",namespace="team-a",condition="Ready",status="False"\} 1$/)).toBeDefined();
    expect(line(out, /^clustersecretstore_status_condition\{name="shared",namespace="",condition="Ready",status="True"\} 1$/)).toBeDefined();
    expect(line(out, /^secretstore_reconcile_duration\{name="fake",namespace="team-a"\}/)).toBeDefined();
  });

  it('creationPolicy Merge: Ready=True SecretMissing while the target is absent, then merges into it', async () => {
    await kube.client.create(
      ref(ES_TYPE),
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'merge-into' },
        spec: { secretStoreRef: { name: 'fake' }, target: { creationPolicy: 'Merge' }, data: [{ secretKey: 'token', remoteRef: { key: '/db', property: 'user' } }] },
      },
      { namespace: 'team-a' },
    );
    const missing = await waitFor('SecretMissing', () => (ready(get(ES_TYPE, 'team-a', 'merge-into'))?.reason === 'SecretMissing' ? get(ES_TYPE, 'team-a', 'merge-into') : undefined));
    expect(ready(missing)).toMatchObject({ status: 'True', message: 'secret will not be created due to CreationPolicy=Merge' });
    const st = missing['status'] as { refreshTime?: string; syncedResourceVersion?: string; binding?: unknown };
    expect(st.refreshTime).toBeDefined();
    expect(st.syncedResourceVersion).toBeDefined();
    expect(st.binding).toBeUndefined();
    expect(secret('team-a', 'merge-into')).toBeUndefined();
    expect(ctx.recorded.some((e) => e.key === 'team-a/merge-into' && e.type === 'Warning')).toBe(false);
    await kube.client.create({ group: '', version: 'v1', resource: 'secrets' }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'merge-into' }, data: { own: Buffer.from('mine').toString('base64') } }, { namespace: 'team-a' });
    await kube.client.patch(ref(ES_TYPE), 'merge-into', { metadata: { annotations: { 'external-secrets.io/force-sync': '1' } } }, { namespace: 'team-a', type: 'merge' });
    const merged = await waitFor('merged', () => (secret('team-a', 'merge-into')?.data?.['token'] !== undefined ? secret('team-a', 'merge-into') : undefined));
    expect(text(merged.data?.['own'])).toBe('mine');
    expect(text(merged.data?.['token'])).toBe('app');
    expect(merged.metadata.ownerReferences).toBeUndefined();
    await waitFor('binding set', () => ((get(ES_TYPE, 'team-a', 'merge-into')?.['status'] as { binding?: { name: string } }).binding?.name === 'merge-into' ? true : undefined));
  });

  it('dataFrom rewrite merge combines JSON secrets; a vanished data[] key leaves a Merge target (MissingProviderSecret event)', async () => {
    const store = get(SS_TYPE, 'team-a', 'fake') as KubeObject;
    const data = [
      { key: '/cfg/base', value: JSON.stringify({ host: 'db', port: 5432 }) },
      { key: '/cfg/prod', value: JSON.stringify({ host: 'db.prod' }) },
      { key: '/api', value: 'tok-2' },
    ];
    await kube.client.update(ref(SS_TYPE), { ...store, spec: fakeStore(data) });
    await kube.client.create(
      ref(ES_TYPE),
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'merged-cfg' },
        spec: {
          secretStoreRef: { name: 'fake' },
          target: { creationPolicy: 'CreateOrMerge', deletionPolicy: 'Merge' },
          data: [{ secretKey: 'token', remoteRef: { key: '/api' } }],
          dataFrom: [{ find: { name: { regexp: '^/cfg/' } }, rewrite: [{ merge: { priority: ['/cfg/prod'], conflictPolicy: 'Ignore' } }] }],
        },
      },
      { namespace: 'team-a' },
    );
    const s = await waitFor('merged config', () => secret('team-a', 'merged-cfg'));
    expect(Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, text(v)]))).toEqual({ host: 'db.prod', port: '5432', token: 'tok-2' });
    const st = get(SS_TYPE, 'team-a', 'fake') as KubeObject;
    await kube.client.update(ref(SS_TYPE), { ...st, spec: fakeStore(data.slice(0, 2)) });
    await kube.client.patch(ref(ES_TYPE), 'merged-cfg', { metadata: { annotations: { 'external-secrets.io/force-sync': '1' } } }, { namespace: 'team-a', type: 'merge' });
    await waitFor('token removed', () => (secret('team-a', 'merged-cfg')?.data?.['token'] === undefined ? true : undefined));
    const ev = await waitFor('MissingProviderSecret', () => ctx.recorded.find((e) => e.key === 'team-a/merged-cfg' && e.reason === 'MissingProviderSecret'));
    expect(ev).toMatchObject({ type: 'Normal', message: 'secret does not exist at provider using spec.dataFrom[0] (key=/api)' });
  });

  it('deletes a renamed Owner target with a Deleted event', async () => {
    await kube.client.create(
      ref(ES_TYPE),
      { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'renamed' }, spec: { secretStoreRef: { name: 'fake' }, target: { name: 'first' }, data: [{ secretKey: 'k', remoteRef: { key: '/cfg/base' } }] } },
      { namespace: 'team-a' },
    );
    await waitFor('first', () => secret('team-a', 'first'));
    await kube.client.patch(ref(ES_TYPE), 'renamed', { spec: { target: { name: 'second' } } }, { namespace: 'team-a', type: 'merge' });
    await waitFor('second, first gone', () => (secret('team-a', 'second') !== undefined && secret('team-a', 'first') === undefined ? true : undefined));
    const ev = await waitFor('orphan event', () => ctx.recorded.find((e) => e.key === 'team-a/renamed' && e.reason === 'Deleted'));
    expect(ev.message).toBe('secret deleted because it was orphaned');
  });

  it('removes the target on ExternalSecret deletion through the cleanup finalizer', async () => {
    await kube.client.delete(ref(ES_TYPE), 'app', { namespace: 'team-a' });
    await waitFor('target deleted', () => (secret('team-a', 'app-secret') === undefined ? true : undefined));
    await waitFor('ES gone', () => (get(ES_TYPE, 'team-a', 'app') === undefined ? true : undefined));
  });
});
