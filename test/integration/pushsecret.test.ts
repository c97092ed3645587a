/**
 * The PushSecret controller against the in-process Kubernetes API server with the `fake`
 * provider (wrapped to record deletes, which ESO's fake ignores): Secret → remote, a changed
 * Secret re-pushed without waiting for refreshInterval, templates, IfNotExists leaving existing
 * keys alone, Replace onto a foreign key reported as Errored, and deletionPolicy Delete removing
 * remote keys when a data entry goes and when the PushSecret goes, while None keeps them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPushSecretController } from '../../src/operator/controllers/pushsecret/index.js';
import { createSecretStoreController } from '../../src/operator/controllers/secretstore/index.js';
import { createFakeProvider, type Provider, type PushRemoteRef, type SecretsClient } from '../../src/operator/providers/index.js';
import type { OperatorController } from '../../src/operator/runtime/index.js';
import { startKubeTestServer, type KubeObject, type KubeTestServer, type ResourceType } from '../support/kube/index.js';
import { createTestOperatorContext, type TestOperatorContext } from './sealedsecret-controller-context.js';

const SS_TYPE: ResourceType = { group: 'external-secrets.io', version: 'v1', resource: 'secretstores', kind: 'SecretStore', namespaced: true, statusSubresource: true, returnDeletedObject: true };
const CSS_TYPE: ResourceType = { ...SS_TYPE, resource: 'clustersecretstores', kind: 'ClusterSecretStore', namespaced: false };
const PS_TYPE: ResourceType = { group: 'external-secrets.io', version: 'v1alpha1', resource: 'pushsecrets', kind: 'PushSecret', namespaced: true, statusSubresource: true, returnDeletedObject: true };
const ref = (t: ResourceType): { group: string; version: string; resource: string } => ({ group: t.group, version: t.version, resource: t.resource });
const SECRETS = { group: '', version: 'v1', resource: 'secrets' };
const NS = 'push';

interface PsStatus {
  refreshTime?: string;
  syncedResourceVersion?: string;
  syncedPushSecrets?: Record<string, Record<string, unknown>>;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
}

let kube: KubeTestServer;
let ctx: TestOperatorContext;
let controllers: OperatorController[];
const deleted: PushRemoteRef[] = [];
let reader: SecretsClient | undefined;

/** The fake provider, with deletes recorded (ESO's fake ignores them) and a client kept for reading. */
function recordingFake(): Provider {
  const inner = createFakeProvider();
  return {
    ...inner,
    validateStore: (s) => inner.validateStore(s),
    async newClient(store, pctx) {
      const c = await inner.newClient(store, pctx);
      reader = c;
      return {
        ...c,
        getSecret: (r) => c.getSecret(r),
        getSecretMap: (r) => c.getSecretMap(r),
        getAllSecrets: (f) => c.getAllSecrets(f),
        validate: () => c.validate(),
        close: () => c.close(),
        pushSecret: (secret, data) => (c.pushSecret as NonNullable<SecretsClient['pushSecret']>)(secret, data),
        secretExists: (r) => (c.secretExists as NonNullable<SecretsClient['secretExists']>)(r),
        deleteSecret: async (r) => {
          deleted.push(r);
          await (c.deleteSecret as NonNullable<SecretsClient['deleteSecret']>)(r);
        },
      };
    },
  };
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ps = (name: string): KubeObject | undefined => kube.store.tryGet(PS_TYPE, NS, name);
const status = (name: string): PsStatus => (ps(name)?.['status'] as PsStatus | undefined) ?? {};
const ready = (name: string): NonNullable<PsStatus['conditions']>[number] | undefined => status(name).conditions?.find((c) => c.type === 'Ready');

/** The value the fake store holds under `key`, or undefined. */
async function remote(key: string): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await (reader as SecretsClient).getSecret({ key }));
  } catch {
    return undefined;
  }
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function createPushSecret(name: string, spec: Record<string, unknown>): Promise<void> {
  await kube.client.create(ref(PS_TYPE), { apiVersion: 'external-secrets.io/v1alpha1', kind: 'PushSecret', metadata: { name }, spec }, { namespace: NS });
}

beforeAll(async () => {
  kube = await startKubeTestServer();
  for (const t of [SS_TYPE, CSS_TYPE, PS_TYPE]) kube.store.register(t);
  kube.createNamespace(NS, {});
  ctx = createTestOperatorContext(kube);
  const providers = { fake: recordingFake() };
  controllers = [createSecretStoreController({ kind: 'SecretStore', providers }), createPushSecretController({ providers })];
  for (const c of controllers) await c.start(ctx);
  await kube.client.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'src' }, data: { user: b64('app'), pass: b64('s3cret') } }, { namespace: NS });
  await kube.client.create(ref(SS_TYPE), { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'fake' }, spec: { provider: { fake: { data: [{ key: '/existing', value: 'keep-me' }] } } } }, { namespace: NS });
});

afterAll(async () => {
  for (const c of controllers) await c.stop();
  ctx.close();
  await kube.close();
});

describe('PushSecret controller with the fake provider', () => {
  const store = { name: 'fake', kind: 'SecretStore' };
  const userEntry = { match: { secretKey: 'user', remoteRef: { remoteKey: 'app/user' } } };
  const passEntry = { match: { secretKey: 'pass', remoteRef: { remoteKey: 'app/pass' } } };

  it('pushes the Secret keys and reports them (Synced, syncedPushSecrets, finalizer, event)', async () => {
    // No PushSecret yet: the controller does not cache the cluster's Secrets.
    const secretLists = (): number => kube.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/secrets')).length;
    expect(secretLists()).toBe(0);
    await createPushSecret('ps', { refreshInterval: '1h', deletionPolicy: 'Delete', secretStoreRefs: [store], selector: { secret: { name: 'src' } }, data: [userEntry, passEntry] });
    const cond = await waitFor('Ready', () => (ready('ps')?.status === 'True' ? ready('ps') : undefined));
    expect(cond).toMatchObject({ reason: 'Synced', message: 'PushSecret synced successfully' });
    expect(await remote('app/user')).toBe('app');
    expect(await remote('app/pass')).toBe('s3cret');
    const st = status('ps');
    expect(st.syncedPushSecrets).toEqual({ 'SecretStore/fake': { 'app/user': userEntry, 'app/pass': passEntry } });
    expect(st.syncedResourceVersion).toMatch(/^1-[0-9a-f]{56}$/);
    expect(st.refreshTime).toMatch(/Z$/);
    expect(ps('ps')?.metadata.finalizers).toEqual(['pushsecret.externalsecrets.io/finalizer']);
    await waitFor('the Synced event', () => ctx.recorded.find((e) => e.key === `${NS}/ps` && e.type === 'Normal' && e.reason === 'Synced'));
    expect(secretLists()).toBeGreaterThan(0);
  });

  it('re-pushes as soon as the source Secret changes (refreshInterval is 1h)', async () => {
    const src = kube.store.tryGet(kube.store.type('secrets'), NS, 'src') as KubeObject;
    await kube.client.update(SECRETS, { ...src, data: { user: b64('app'), pass: b64('rotated') } });
    await waitFor('the rotated value remote', async () => ((await remote('app/pass')) === 'rotated' ? true : undefined));
  });

  it('pushes templated keys', async () => {
    await createPushSecret('ps-tpl', {
      secretStoreRefs: [store],
      selector: { secret: { name: 'src' } },
      template: { data: { dsn: 'postgres://{{ .user }}@db' } },
      data: [{ match: { secretKey: 'dsn', remoteRef: { remoteKey: 'tpl/dsn' } } }, { match: { secretKey: 'user', remoteRef: { remoteKey: 'tpl/user' } } }],
    });
    await waitFor('templated value', async () => ((await remote('tpl/dsn')) === 'postgres://app@db' ? true : undefined));
    expect(await remote('tpl/user')).toBe('app');
  });

  it('IfNotExists leaves an existing remote key alone, Replace onto a foreign key is Errored', async () => {
    await createPushSecret('ps-ine', { updatePolicy: 'IfNotExists', secretStoreRefs: [store], selector: { secret: { name: 'src' } }, data: [{ match: { secretKey: 'user', remoteRef: { remoteKey: '/existing' } } }] });
    const cond = await waitFor('IfNotExists Ready', () => (ready('ps-ine')?.status === 'True' ? ready('ps-ine') : undefined));
    expect(cond.message).toBe('PushSecret synced successfully. Existing secrets in providers unchanged.');
    expect(await remote('/existing')).toBe('keep-me');
    expect(Object.keys(status('ps-ine').syncedPushSecrets?.['SecretStore/fake'] ?? {})).toEqual(['/existing']);

    await createPushSecret('ps-clash', { secretStoreRefs: [store], selector: { secret: { name: 'src' } }, data: [{ match: { secretKey: 'user', remoteRef: { remoteKey: '/existing' } } }] });
    const bad = await waitFor('Errored', () => ready('ps-clash'));
    expect(bad).toMatchObject({ status: 'False', reason: 'Errored' });
    expect(bad.message).toBe('set secret failed: could not write remote ref user to target secretstore fake: key already exists');
    expect(await remote('/existing')).toBe('keep-me');
    await waitFor('the Errored event', () => ctx.recorded.find((e) => e.key === `${NS}/ps-clash` && e.type === 'Warning' && e.reason === 'Errored'));
  });

  it('reports a missing source key and a missing source Secret', async () => {
    await createPushSecret('ps-nokey', { secretStoreRefs: [store], selector: { secret: { name: 'src' } }, data: [{ match: { secretKey: 'nope', remoteRef: { remoteKey: 'x' } } }] });
    expect(await waitFor('missing key', () => ready('ps-nokey')?.message)).toBe('set secret failed: secret key nope does not exist');
    await createPushSecret('ps-nosrc', { secretStoreRefs: [store], selector: { secret: { name: 'absent' } }, data: [userEntry] });
    expect(await waitFor('missing source', () => ready('ps-nosrc'))).toMatchObject({ status: 'False', reason: 'Errored', message: 'could not get source secret' });
  });

  it('deletionPolicy Delete removes the remote key of a removed data entry', async () => {
    await kube.client.patch(ref(PS_TYPE), 'ps', { spec: { data: [userEntry] } }, { namespace: NS, type: 'merge' });
    await waitFor('delete of app/pass', () => (deleted.some((d) => d.remoteKey === 'app/pass') ? true : undefined));
    await waitFor('status without app/pass', () => (Object.keys(status('ps').syncedPushSecrets?.['SecretStore/fake'] ?? {}).join() === 'app/user' ? true : undefined));
    expect(deleted.some((d) => d.remoteKey === 'app/user')).toBe(false);
  });

  it('deletionPolicy Delete removes the remote keys on PushSecret deletion; None keeps them', async () => {
    await createPushSecret('ps-keep', { deletionPolicy: 'None', secretStoreRefs: [store], selector: { secret: { name: 'src' } }, data: [{ match: { secretKey: 'user', remoteRef: { remoteKey: 'keep/user' } } }] });
    await waitFor('keep Ready', () => (ready('ps-keep')?.status === 'True' ? true : undefined));
    expect(ps('ps-keep')?.metadata.finalizers ?? []).toEqual([]);

    await kube.client.delete(ref(PS_TYPE), 'ps', { namespace: NS });
    await waitFor('delete of app/user', () => (deleted.some((d) => d.remoteKey === 'app/user') ? true : undefined));
    await waitFor('ps gone', () => (ps('ps') === undefined ? true : undefined));

    await kube.client.delete(ref(PS_TYPE), 'ps-keep', { namespace: NS });
    await waitFor('ps-keep gone', () => (ps('ps-keep') === undefined ? true : undefined));
    expect(deleted.some((d) => d.remoteKey === 'keep/user')).toBe(false);
    expect(await remote('keep/user')).toBe('app');
  });
});
