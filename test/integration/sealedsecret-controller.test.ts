/**
 * The SealedSecret controller against the in-process Kubernetes API server: sealing with the
 * certificate the controller serves, unsealing into owned Secrets, Synced=False without retry
 * loops, refusal to take over unmanaged Secrets, key renewal and re-encryption.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SEALED_ANNOTATIONS,
  SEALED_SECRETS_KEY_LABEL,
  generateSealingKey,
  keyToSecret,
  sealSecret,
  unsealSealedSecret,
  type SealedSecret,
  type Secret,
} from '../../src/gitops/sealed/index.js';
import { createSealedSecretsController, type SealedSecretsController } from '../../src/operator/controllers/sealedsecret/index.js';
import { startKubeTestServer, type KubeObject, type KubeTestServer } from '../support/kube/index.js';
import { SEALED_SECRETS_TYPE, createTestOperatorContext, type TestOperatorContext } from './sealedsecret-controller-context.js';

const SS = { group: 'bitnami.com', version: 'v1alpha1', resource: 'sealedsecrets' };
const DAY = 24 * 3600 * 1000;

let kube: KubeTestServer;
let ctx: TestOperatorContext;
let controller: SealedSecretsController;
let clock = Date.now();

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function getSecret(namespace: string, name: string): Promise<Secret | undefined> {
  return kube.store.tryGet(kube.store.type('secrets'), namespace, name) as Secret | undefined;
}

function getSealed(namespace: string, name: string): SealedSecret | undefined {
  return kube.store.tryGet(SEALED_SECRETS_TYPE, namespace, name) as unknown as SealedSecret | undefined;
}

function synced(ss: SealedSecret | undefined): { status: string; message?: string; reason?: string } | undefined {
  const c = ss?.status?.conditions?.find((x) => x.type === 'Synced');
  if (c === undefined || ss?.status?.observedGeneration !== ss?.metadata.generation) return undefined;
  return { status: c.status, ...(c.message !== undefined ? { message: c.message } : {}), ...(c.reason !== undefined ? { reason: c.reason } : {}) };
}

async function waitSynced(namespace: string, name: string, status: 'True' | 'False'): Promise<{ status: string; message?: string; reason?: string }> {
  return waitFor(`${namespace}/${name} Synced=${status}`, () => {
    const s = synced(getSealed(namespace, name));
    return s?.status === status ? s : undefined;
  });
}

async function fetchCert(): Promise<string> {
  const res = await fetch(`${controller.httpUrl ?? ''}/v1/cert.pem`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-pem-file');
  return res.text();
}

function secretFor(name: string, data: Record<string, string>, extra: Partial<Secret> = {}): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default', labels: { app: name } }, stringData: data, ...extra };
}

async function createSealed(ss: SealedSecret): Promise<SealedSecret> {
  return (await kube.client.create(SS, ss as unknown as KubeObject, { namespace: ss.metadata.namespace ?? 'default' })) as unknown as SealedSecret;
}

function keySecrets(): KubeObject[] {
  return kube.store.list(kube.store.type('secrets'), 'kube-system', { labelSelector: SEALED_SECRETS_KEY_LABEL }).items;
}

beforeAll(async () => {
  kube = await startKubeTestServer();
  kube.store.register(SEALED_SECRETS_TYPE);
  ctx = createTestOperatorContext(kube);
  // 2048-bit keys keep the suite quick; the default (4096) is exercised by the benchmark.
  controller = createSealedSecretsController({ keyNamespace: 'kube-system', keySize: 2048, listenAddr: '127.0.0.1:0', now: () => clock });
  await controller.start(ctx);
});

afterAll(async () => {
  await controller.stop();
  ctx.close();
  await kube.close();
});

describe('SealedSecret controller', () => {
  let firstCert: string;
  let db: SealedSecret;

  it('generates a key Secret at start and serves its certificate', async () => {
    const keys = keySecrets();
    expect(keys).toHaveLength(1);
    expect(keys[0]?.['type']).toBe('kubernetes.io/tls');
    expect(keys[0]?.metadata.name).toMatch(/^sealed-secrets-key/);
    firstCert = await fetchCert();
    expect(firstCert).toContain('BEGIN CERTIFICATE');
    const health = await fetch(`${controller.httpUrl ?? ''}/healthz`);
    expect(health.status).toBe(200);
  });

  it('unseals into a Secret with the template metadata, type, data and an ownerReference, and reports Synced=True', async () => {
    const sealed = sealSecret(secretFor('db', { username: 'app', password: 's3cret' }, { type: 'kubernetes.io/basic-auth' }), firstCert, { now: new Date(clock) });
    db = await createSealed(sealed);
    await waitSynced('default', 'db', 'True');
    const secret = await getSecret('default', 'db');
    expect(secret?.type).toBe('kubernetes.io/basic-auth');
    expect(secret?.metadata.labels).toEqual({ app: 'db' });
    expect(Buffer.from(secret?.data?.['password'] ?? '', 'base64').toString()).toBe('s3cret');
    expect(secret?.metadata.ownerReferences).toEqual([{ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', name: 'db', uid: db.metadata.uid, controller: true }]);
    // The event follows the status write in the same reconcile: wait for it rather than race it.
    await waitFor('the Unsealed event', () => ctx.recorded.find((e) => e.key === 'default/db' && e.reason === 'Unsealed'));
    expect(ctx.recorded).toContainEqual({ key: 'default/db', type: 'Normal', reason: 'Unsealed', message: 'SealedSecret unsealed successfully' });
  });

  it('reports a SealedSecret sealed for another name as Synced=False naming why, without retrying it in a loop', async () => {
    const sealedForOther = sealSecret(secretFor('other', { token: 't0k3n' }), firstCert, { now: new Date(clock) });
    const renamed: SealedSecret = { ...sealedForOther, metadata: { ...sealedForOther.metadata, name: 'renamed' } };
    await createSealed(renamed);
    const cond = await waitSynced('default', 'renamed', 'False');
    expect(cond.reason).toBe('ErrUnsealFailed');
    expect(cond.message).toContain('"default/other"');
    expect(cond.message).toContain('"default/renamed"');
    expect(await getSecret('default', 'renamed')).toBeUndefined();
    await waitFor('the ErrUnsealFailed event', () => ctx.recorded.find((e) => e.key === 'default/renamed' && e.type === 'Warning' && e.reason === 'ErrUnsealFailed'));
    const before = ctx.reconciles.get('default/renamed') ?? 0;
    // Let the controller process something else end to end; a hot loop would show up as more reconciles.
    await createSealed(sealSecret(secretFor('unrelated', { k: 'v' }), firstCert, { now: new Date(clock) }));
    await waitSynced('default', 'unrelated', 'True');
    expect(ctx.reconciles.get('default/renamed')).toBe(before);
    expect(before).toBeLessThanOrEqual(2);
    expect(ctx.errors.filter((e) => e.key === 'default/renamed')).toEqual([]);
  });

  it('refuses to overwrite an existing Secret it does not manage, and takes it over once annotated managed', async () => {
    await kube.client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'taken', namespace: 'default' }, stringData: { owner: 'someone-else' } }, { namespace: 'default' });
    await createSealed(sealSecret(secretFor('taken', { owner: 'sealed' }), firstCert, { now: new Date(clock) }));
    const cond = await waitSynced('default', 'taken', 'False');
    expect(cond.message).toBe('Resource "taken" already exists and is not managed by SealedSecret');
    await waitFor('the ErrUpdateFailed event', () => ctx.recorded.find((e) => e.key === 'default/taken' && e.reason === 'ErrUpdateFailed'));
    expect(ctx.recorded).toContainEqual({ key: 'default/taken', type: 'Warning', reason: 'ErrUpdateFailed', message: 'Resource "taken" already exists and is not managed by SealedSecret' });
    const untouched = await getSecret('default', 'taken');
    expect(Buffer.from(untouched?.data?.['owner'] ?? '', 'base64').toString()).toBe('someone-else');
    expect(untouched?.metadata.ownerReferences).toBeUndefined();

    await kube.client.patch('secrets', 'taken', { metadata: { annotations: { [SEALED_ANNOTATIONS.managed]: 'true' } } }, { namespace: 'default' });
    await waitSynced('default', 'taken', 'True');
    const taken = await getSecret('default', 'taken');
    expect(Buffer.from(taken?.data?.['owner'] ?? '', 'base64').toString()).toBe('sealed');
    expect(taken?.metadata.ownerReferences?.[0]?.uid).toBe(getSealed('default', 'taken')?.metadata.uid);
  });

  it('with patch: "true" merges its keys into the existing Secret and keeps the others', async () => {
    await kube.client.create(
      'secrets',
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'merged', namespace: 'default', annotations: { [SEALED_ANNOTATIONS.patch]: 'true' } }, stringData: { kept: 'mine', shared: 'old' } },
      { namespace: 'default' },
    );
    await createSealed(sealSecret(secretFor('merged', { shared: 'new', added: 'x' }), firstCert, { now: new Date(clock) }));
    await waitSynced('default', 'merged', 'True');
    const merged = await getSecret('default', 'merged');
    const data = Object.fromEntries(Object.entries(merged?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(data).toEqual({ kept: 'mine', shared: 'new', added: 'x' });
    // patch without managed: the Secret does not become ours.
    expect(merged?.metadata.ownerReferences).toBeUndefined();
  });

  it('renews the key after the renew period: a second key Secret, both old and new SealedSecrets unseal, rotate moves to the newest key', async () => {
    clock += 31 * DAY;
    const renewed = await controller.renewKeysIfDue();
    expect(renewed).toBeDefined();
    expect(keySecrets()).toHaveLength(2);
    expect(await controller.renewKeysIfDue()).toBeUndefined();
    const newCert = await fetchCert();
    expect(newCert).not.toBe(firstCert);

    await createSealed(sealSecret(secretFor('fresh', { v: 'new-key' }), newCert, { now: new Date(clock) }));
    await createSealed(sealSecret(secretFor('legacy', { v: 'old-key' }), firstCert, { now: new Date(clock) }));
    await waitSynced('default', 'fresh', 'True');
    await waitSynced('default', 'legacy', 'True');
    expect(Buffer.from((await getSecret('default', 'legacy'))?.data?.['v'] ?? '', 'base64').toString()).toBe('old-key');

    // Re-encrypt (kubeseal --re-encrypt): the result opens with the newest key alone.
    const res = await fetch(`${controller.httpUrl ?? ''}/v1/rotate`, { method: 'POST', body: JSON.stringify(getSealed('default', 'db')) });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as SealedSecret;
    const [newest, oldest] = controller.keys.keys();
    if (newest === undefined || oldest === undefined) throw new Error('expected two keys');
    expect(newest.fingerprint).toBe(renewed?.fingerprint);
    const opened = unsealSealedSecret(rotated, [newest.privateKey]);
    expect(Buffer.from(opened.data?.['password'] ?? '', 'base64').toString()).toBe('s3cret');
    expect(() => unsealSealedSecret(rotated, [oldest.privateKey])).toThrow(/no key could decrypt/);

    // Applying the rotated SealedSecret keeps the Secret as it was.
    const current = getSealed('default', 'db');
    await kube.client.update(SS, { ...current, spec: rotated.spec } as unknown as KubeObject);
    await waitSynced('default', 'db', 'True');
    expect(Buffer.from((await getSecret('default', 'db'))?.data?.['password'] ?? '', 'base64').toString()).toBe('s3cret');
  });

  it('picks up key Secrets added from outside (keys copied from another controller) and retries what did not open', async () => {
    const foreign = await generateSealingKey({ keySize: 2048, now: new Date(clock - 400 * DAY) });
    await createSealed(sealSecret(secretFor('migrated', { v: 'from-bitnami' }), foreign.certificatePem, { now: new Date(clock - 300 * DAY) }));
    const failed = await waitSynced('default', 'migrated', 'False');
    expect(failed.message).toContain('no key could decrypt');
    await kube.client.create('secrets', keyToSecret(foreign, { namespace: 'kube-system' }) as unknown as KubeObject, { namespace: 'kube-system' });
    await waitSynced('default', 'migrated', 'True');
    // The imported key is older: sealing stays on the newest.
    expect(controller.keys.latest()?.fingerprint).not.toBe(foreign.fingerprint);
  });

  it('recreates an unsealed Secret that was deleted', async () => {
    const before = await getSecret('default', 'fresh');
    await kube.client.delete('secrets', 'fresh', { namespace: 'default' });
    const again = await waitFor('Secret recreated', async () => {
      const s = await getSecret('default', 'fresh');
      return s !== undefined && s.metadata.uid !== before?.metadata.uid ? s : undefined;
    });
    expect(again.data).toEqual(before?.data);
  });

  it('leaves deleting the Secret to Kubernetes garbage collection through the ownerReference', async () => {
    const uid = getSealed('default', 'db')?.metadata.uid;
    await kube.client.delete(SS, 'db', { namespace: 'default' });
    await waitFor('SealedSecret deleted', () => (getSealed('default', 'db') === undefined ? true : undefined));
    await waitFor('delete processed', () => ((ctx.reconciles.get('default/db') ?? 0) > 0 && ctx.errors.every((e) => e.key !== 'default/db') ? true : undefined));
    // The controller never deletes the Secret itself (upstream's default, without
    // --old-gc-behavior): the garbage collector does, through the controller ownerReference.
    expect(uid).toBeDefined();
    await waitFor('Secret collected', async () => ((await getSecret('default', 'db')) === undefined ? true : undefined));
    const deletes = kube.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith('/namespaces/default/secrets/db'));
    expect(deletes).toEqual([]);
  });

  it('generates a new key at start when the newest is older than --key-cutoff-time, and never deletes keys', async () => {
    const before = keySecrets().length;
    const second = createSealedSecretsController({ keyNamespace: 'kube-system', keySize: 2048, listenAddr: '127.0.0.1:0', now: () => clock, keyCutoffTime: new Date(clock + 1000) });
    await second.start(ctx);
    try {
      expect(keySecrets()).toHaveLength(before + 1);
      expect(second.keys.size).toBe(before + 1);
      // The running controller learns the new key through its informer and seals with it.
      await waitFor('first controller sees the new key', () => (controller.keys.latest()?.fingerprint === second.keys.latest()?.fingerprint ? true : undefined));
    } finally {
      await second.stop();
    }
  });

  it('exports the Sealed Secrets metrics', async () => {
    const text = await ctx.metrics.metrics();
    expect(text).toMatch(/^sealed_secrets_controller_unseal_requests_total \d+/m);
    expect(text).toContain('sealed_secrets_controller_unseal_errors_total{reason="unseal",namespace="default"}');
    expect(text).toContain('sealed_secrets_controller_unseal_errors_total{reason="unmanaged",namespace="default"}');
    expect(text).toContain('sealed_secrets_controller_condition_info{namespace="default",name="fresh",condition="Synced",instance="sealed-secrets-controller"} 1');
    expect(text).toContain('sealed_secrets_controller_condition_info{namespace="default",name="renamed",condition="Synced",instance="sealed-secrets-controller"} -1');
    expect(text).toContain('sealed_secrets_controller_build_info{revision="coffer"} 1');
    expect(text).toContain('sealed_secrets_controller_http_requests_total{path="/v1/cert.pem",code="200",method="GET"}');
  });
});
