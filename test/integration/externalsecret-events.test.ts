/**
 * Event-driven refresh and read deduplication (issue 7) against a real coffer server: 100
 * ExternalSecrets on one key with a 1h refreshInterval, reading through a counting proxy.
 * A KV write reaches every Secret without waiting for the interval, at the cost of one read;
 * a dropped event stream is resubscribed and a write made during the gap still arrives; a
 * server without events (404 on the upgrade) is polled at refreshInterval as ESO does. With the
 * Reloader-compatible controller running, the write also rolls an annotated Deployment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExternalSecretsControllers } from '../../src/operator/controllers/externalsecret/index.js';
import { createReloaderController } from '../../src/operator/controllers/reloader/index.js';
import type { OperatorController } from '../../src/operator/runtime/index.js';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy.js';
import { deploymentsType, registerAppsResources } from '../support/kube/apps-resources.js';
import { applyCrds, startKubeTestServer, type KubeObject, type KubeTestServer } from '../support/kube/index.js';
import { startInProcessDev, type InProcessServer } from '../support/servers.js';
import { createTestOperatorContext, type TestOperatorContext } from './sealedsecret-controller-context.js';

const ES = { group: 'external-secrets.io', version: 'v1', resource: 'externalsecrets' };
const SS = { group: 'external-secrets.io', version: 'v1', resource: 'secretstores' };
const N = 100;

let kube: KubeTestServer;
let coffer: InProcessServer;
let proxy: CountingProxy;
let plainProxy: CountingProxy;
let ctx: TestOperatorContext;
let controllers: OperatorController[];

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function kvPut(path: string, data: Record<string, string>): Promise<void> {
  const res = await fetch(`${coffer.address}/v1/secret/data/${path}`, { method: 'POST', headers: { 'X-Vault-Token': coffer.rootToken }, body: JSON.stringify({ data }) });
  expect(res.status).toBe(200);
}

const secretValue = (ns: string, name: string, key: string): string | undefined => {
  const s = kube.store.tryGet(kube.store.type('secrets'), ns, name) as (KubeObject & { data?: Record<string, string> }) | undefined;
  const v = s?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString();
};

const allHave = (ns: string, prefix: string, count: number, value: string): boolean => {
  for (let i = 0; i < count; i++) if (secretValue(ns, `${prefix}-${i}`, 'password') !== value) return false;
  return true;
};

async function createStore(ns: string, server: string): Promise<void> {
  await kube.client.create({ group: '', version: 'v1', resource: 'secrets' }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'coffer-token' }, stringData: { token: coffer.rootToken } }, { namespace: ns });
  await kube.client.create(
    SS,
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: 'coffer' },
      spec: { provider: { vault: { server, path: 'secret', version: 'v2', auth: { tokenSecretRef: { name: 'coffer-token', key: 'token' } } } } },
    },
    { namespace: ns },
  );
}

async function createExternalSecret(ns: string, name: string, key: string, refreshInterval: string): Promise<void> {
  await kube.client.create(
    ES,
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name },
      spec: { refreshInterval, secretStoreRef: { name: 'coffer', kind: 'SecretStore' }, target: { name }, data: [{ secretKey: 'password', remoteRef: { key, property: 'password' } }] },
    },
    { namespace: ns },
  );
}

beforeAll(async () => {
  kube = await startKubeTestServer();
  await applyCrds(kube);
  registerAppsResources(kube);
  coffer = await startInProcessDev();
  proxy = await startCountingProxy(coffer.address);
  plainProxy = await startCountingProxy(coffer.address);
  plainProxy.upgrades = 'not-found';
  kube.createNamespace('events');
  kube.createNamespace('polling');
  await kvPut('shared/db', { password: 'v1' });
  await kvPut('plain/db', { password: 'p1' });
  await createStore('events', proxy.url);
  await createStore('polling', plainProxy.url);
  ctx = createTestOperatorContext(kube);
  controllers = [...createExternalSecretsControllers({ controllerClass: 'default' }), createReloaderController({})];
  for (const c of controllers) await c.start(ctx);
});

afterAll(async () => {
  for (const c of controllers ?? []) await c.stop();
  ctx?.close();
  await proxy?.close();
  await plainProxy?.close();
  await coffer?.close();
  await kube?.close();
});

describe('event-driven refresh with read deduplication', () => {
  const read = (): number => proxy.count('GET', '/v1/secret/data/shared/db');

  it('syncs 100 ExternalSecrets on one key', async () => {
    for (let i = 0; i < N; i++) await createExternalSecret('events', `app-${i}`, 'shared/db', '1h');
    await waitFor('all 100 Secrets', () => (allHave('events', 'app', N, 'v1') ? true : undefined));
    // A read made within the last second is shared by ExternalSecrets created together.
    expect(read()).toBeLessThan(N / 2);
    await waitFor('the event stream', () => (proxy.openStreams() === 1 ? true : undefined));
  });

  it('delivers a KV write to all 100 Secrets at once, without waiting for refreshInterval, with one read', async () => {
    proxy.reset();
    await kvPut('shared/db', { password: 'v2' });
    await waitFor('all 100 Secrets at v2', () => (allHave('events', 'app', N, 'v2') ? true : undefined));
    expect(read()).toBe(1);
    // One subscription for the store, however many ExternalSecrets.
    expect(proxy.openStreams()).toBe(1);
  });

  it('rolls a Deployment annotated for Reloader when the write reaches its Secret', async () => {
    const deployments = { group: 'apps', version: 'v1', resource: 'deployments' };
    await kube.client.create(
      deployments,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', annotations: { 'secret.reloader.stakater.com/reload': 'app-0' } },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'web:1', envFrom: [{ secretRef: { name: 'app-0' } }] }] },
          },
        },
      },
      { namespace: 'events' },
    );
    const envOf = (): string | undefined => {
      const d = kube.store.tryGet(deploymentsType, 'events', 'web') as (KubeObject & { spec: { template: { spec: { containers: { env?: { name: string; value: string }[] }[] } } } }) | undefined;
      return d?.spec.template.spec.containers[0]?.env?.find((e) => e.name === 'STAKATER_APP_0_SECRET')?.value;
    };
    await kvPut('shared/db', { password: 'v2-reloaded' });
    const first = await waitFor('the Deployment rolled', () => envOf());
    // The roll follows the Secret's data change, never precedes it.
    expect(secretValue('events', 'app-0', 'password')).toBe('v2-reloaded');
    await kvPut('shared/db', { password: 'v2' });
    await waitFor('the Deployment rolled again', () => (envOf() !== first ? true : undefined));
    await waitFor('all 100 Secrets back at v2', () => (allHave('events', 'app', N, 'v2') ? true : undefined));
  });

  it('turns a burst of writes into at most a few reconciles per changed ExternalSecret', async () => {
    const K = 20;
    const WRITES = 25;
    for (let i = 0; i < K; i++) {
      await kvPut(`burst/k${i}`, { password: 'w0' });
      await createExternalSecret('events', `burst-${i}`, `burst/k${i}`, '1h');
    }
    await waitFor('the burst Secrets', () => (allHave('events', 'burst', K, 'w0') ? true : undefined));
    const before = [...ctx.reconciles].filter(([k]) => k.startsWith('events/burst-')).reduce((n, [, v]) => n + v, 0);
    // Let the previous test's last reconciles (our own Secret writes wake their ExternalSecret once) settle.
    await new Promise((r) => setTimeout(r, 500));
    const untouched = ctx.reconciles.get('events/app-1') ?? 0;
    // K × WRITES writes, as fast as the server takes them.
    await Promise.all(Array.from({ length: K }, async (_, i) => {
      for (let w = 1; w <= WRITES; w++) await kvPut(`burst/k${i}`, { password: `w${w}` });
    }));
    await waitFor('every burst Secret at its last value', () => (allHave('events', 'burst', K, `w${WRITES}`) ? true : undefined));
    const after = [...ctx.reconciles].filter(([k]) => k.startsWith('events/burst-')).reduce((n, [, v]) => n + v, 0);
    // Far fewer reconciles than writes (queued keys collapse), and none for ExternalSecrets on other keys.
    expect(after - before).toBeLessThan((K * WRITES) / 2);
    expect(ctx.reconciles.get('events/app-1') ?? 0).toBe(untouched);
  });

  it('resubscribes after the event stream drops and catches up on a write made during the gap', async () => {
    proxy.upgrades = 'unavailable';
    proxy.dropStreams();
    await kvPut('shared/db', { password: 'v3' });
    // Nothing can tell the operator yet (refreshInterval is 1h).
    await new Promise((r) => setTimeout(r, 300));
    expect(secretValue('events', 'app-0', 'password')).toBe('v2');
    proxy.upgrades = 'pass';
    await waitFor('all 100 Secrets at v3 after the reconnect', () => (allHave('events', 'app', N, 'v3') ? true : undefined), 30_000);
    expect(proxy.openStreams()).toBe(1);
  });

  it('falls back to refreshInterval against a server without events', async () => {
    await createExternalSecret('polling', 'plain', 'plain/db', '2s');
    await waitFor('the polled Secret', () => (secretValue('polling', 'plain', 'password') === 'p1' ? true : undefined));
    await waitFor('the refused subscription', () => (plainProxy.count('GET', '/v1/sys/events/subscribe/kv*') >= 1 ? true : undefined));
    await kvPut('plain/db', { password: 'p2' });
    await waitFor('the next periodic refresh', () => (secretValue('polling', 'plain', 'password') === 'p2' ? true : undefined));
    expect(plainProxy.openStreams()).toBe(0);
  });
});
