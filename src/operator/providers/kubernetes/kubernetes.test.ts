import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start as startKube, type KubeTestServer } from '../../../../test/support/kube/index.js';
import { UserError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/logger.js';
import { createKubeClient, kubeConfigFor, type KubeObject, type RuntimeKubeClient } from '../../runtime/index.js';
import { runProviderConformance } from '../conformance.js';
import { builtinProviders } from '../index.js';
import { NoSecretError, type ProviderContext, type SecretsClient, type StoreRef } from '../types.js';
import { SECRETS_RESOURCE } from '../kube-refs.js';
import { createKubernetesProvider } from './provider.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

let kube: KubeTestServer;
let admin: RuntimeKubeClient;
let ctx: ProviderContext;

async function putSecret(namespace: string, name: string, data: Record<string, string>, meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Promise<void> {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  await admin.create<KubeObject>(SECRETS_RESOURCE, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, ...meta }, data: encoded });
}

function store(spec: Record<string, unknown>, kind: StoreRef['kind'] = 'SecretStore'): StoreRef {
  return { kind, name: 'k8s-store', ...(kind === 'SecretStore' ? { namespace: 'apps' } : {}), provider: { kubernetes: spec } };
}

beforeAll(async () => {
  kube = await startKube();
  admin = createKubeClient(kubeConfigFor({ server: kube.url, caPem: kube.caPem, token: kube.adminToken }));
  ctx = { kube: admin, namespace: 'apps', logger: silentLogger() };
  for (const ns of ['apps', 'remote', 'conformance']) kube.createNamespace(ns);
  kube.createServiceAccount('apps', 'reader');
  await putSecret('remote', 'db', { user: 'app', password: 'remote-pw-1' }, { labels: { tier: 'db', team: 'a' }, annotations: { owner: 'team-a', cfg: '{"x":{"y":"z"}}' } });
  await putSecret('remote', 'cache', { url: 'redis://cache' }, { labels: { tier: 'cache', team: 'a' } });
  await putSecret('remote', 'files', { 'file.png': 'png-bytes', 'cfg.json': '{"a":{"b":1}}' });
  await putSecret('default', 'db', { user: 'default-ns-user' });
  await putSecret('apps', 'bearer', { token: kube.adminToken });
});

afterAll(async () => {
  admin.close();
  await kube.close();
});

// Kubernetes names cannot hold `/`: the suite's `conf/x` keys are Secrets named `conf-x`.
const secretName = (key: string): string => key.replaceAll('/', '-');

runProviderConformance('kubernetes', async () => {
  const inner = await createKubernetesProvider().newClient(store({ remoteNamespace: 'conformance' }), ctx);
  const client: SecretsClient = {
    getSecret: (ref) => inner.getSecret({ ...ref, key: secretName(ref.key) }),
    getSecretMap: (ref) => inner.getSecretMap({ ...ref, key: secretName(ref.key) }),
    getAllSecrets: (find) => inner.getAllSecrets(find),
    validate: () => inner.validate(),
    close: () => inner.close(),
  };
  return {
    client,
    async seed(key, value) {
      // A JSON document becomes one data key per top-level field (objects as JSON text).
      const data = typeof value === 'string' ? Object.fromEntries(Object.entries(JSON.parse(value) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) : value;
      await putSecret('conformance', secretName(key), data);
    },
    cleanup: () => Promise.resolve(),
  };
});

describe('kubernetes provider (ESO semantics)', () => {
  it('is registered as a builtin provider', () => {
    expect(builtinProviders.kubernetes().name).toBe('kubernetes');
  });

  it('reads Secrets of remoteNamespace, default "default"', async () => {
    const p = createKubernetesProvider();
    const remote = await p.newClient(store({ remoteNamespace: 'remote' }), ctx);
    expect(text(await remote.getSecret({ key: 'db', property: 'password' }))).toBe('remote-pw-1');
    expect(JSON.parse(text(await remote.getSecret({ key: 'db' })))).toEqual({ password: 'remote-pw-1', user: 'app' });
    const dflt = await p.newClient(store({}), ctx);
    expect(text(await dflt.getSecret({ key: 'db', property: 'user' }))).toBe('default-ns-user');
  });

  it('a missing Secret is a NoSecretError for getSecret and getSecretMap', async () => {
    const c = await createKubernetesProvider().newClient(store({ remoteNamespace: 'remote' }), ctx);
    await expect(c.getSecret({ key: 'nope' })).rejects.toBeInstanceOf(NoSecretError);
    await expect(c.getSecretMap({ key: 'nope' })).rejects.toBeInstanceOf(NoSecretError);
    await expect(c.getSecret({ key: 'nope', property: 'x' })).rejects.toBeInstanceOf(NoSecretError);
  });

  it('a data key with a dot wins over a path; key.path reads into a JSON value', async () => {
    const c = await createKubernetesProvider().newClient(store({ remoteNamespace: 'remote' }), ctx);
    expect(text(await c.getSecret({ key: 'files', property: 'file.png' }))).toBe('png-bytes');
    expect(text(await c.getSecret({ key: 'files', property: 'cfg.json' }))).toBe('{"a":{"b":1}}');
    await expect(c.getSecret({ key: 'files', property: 'file.nope' })).rejects.toThrow('property file.nope does not exist in data of secret "files"');
  });

  it('finds Secrets by labels (tags) and by name, values as JSON of the data', async () => {
    const c = await createKubernetesProvider().newClient(store({ remoteNamespace: 'remote' }), ctx);
    const byTier = await c.getAllSecrets({ tags: { tier: 'db' } });
    expect(Object.keys(byTier)).toEqual(['db']);
    expect(JSON.parse(text(byTier['db'] ?? new Uint8Array()))).toEqual({ user: 'app', password: 'remote-pw-1' });
    expect(Object.keys(await c.getAllSecrets({ tags: { team: 'a' } })).sort()).toEqual(['cache', 'db']);
    expect(Object.keys(await c.getAllSecrets({ name: { regexp: '^(db|files)$' } })).sort()).toEqual(['db', 'files']);
    await expect(c.getAllSecrets({ tags: { 'bad key,': 'x' } })).rejects.toBeInstanceOf(UserError);
    await expect(c.getAllSecrets({ name: { regexp: '(' } })).rejects.toBeInstanceOf(UserError);
  });

  it('metadataPolicy Fetch returns labels and annotations', async () => {
    const c = await createKubernetesProvider().newClient(store({ remoteNamespace: 'remote' }), ctx);
    const all = JSON.parse(text(await c.getSecret({ key: 'db', metadataPolicy: 'Fetch' }))) as Record<string, unknown>;
    expect(all).toEqual({ labels: { tier: 'db', team: 'a' }, annotations: { owner: 'team-a', cfg: '{"x":{"y":"z"}}' } });
    expect(text(await c.getSecret({ key: 'db', property: 'annotations.owner', metadataPolicy: 'Fetch' }))).toBe('team-a');
    expect(JSON.parse(text(await c.getSecret({ key: 'db', property: 'labels', metadataPolicy: 'Fetch' })))).toEqual({ tier: 'db', team: 'a' });
    expect(text(await c.getSecret({ key: 'db', property: 'annotations.cfg.x.y', metadataPolicy: 'Fetch' }))).toBe('z');
    await expect(c.getSecret({ key: 'db', property: 'labels.nope', metadataPolicy: 'Fetch' })).rejects.toThrow('does not exist in metadata');
    const map = await c.getSecretMap({ key: 'db', metadataPolicy: 'Fetch' });
    expect(JSON.parse(text(map['labels'] ?? new Uint8Array()))).toEqual({ tier: 'db', team: 'a' });
  });

  it('authenticates as a ServiceAccount of the store namespace through server.url (TokenRequest)', async () => {
    const seen: string[] = [];
    kube.setAuthorizer((user, attrs) => {
      if (user.username.startsWith('system:serviceaccount:')) seen.push(`${user.username} ${attrs.verb} ${attrs.namespace ?? ''}`);
      return true;
    });
    try {
      const caBundle = Buffer.from(kube.caPem).toString('base64');
      const c = await createKubernetesProvider().newClient(store({ remoteNamespace: 'remote', server: { url: kube.url, caBundle }, auth: { serviceAccount: { name: 'reader' } } }), ctx);
      expect(text(await c.getSecret({ key: 'db', property: 'user' }))).toBe('app');
      expect(seen).toContain('system:serviceaccount:apps:reader get remote');
      await expect(c.validate()).resolves.toBe('Ready');
      await c.close();
    } finally {
      kube.setAuthorizer(undefined);
    }
  });

  it('validate answers Error when the identity may not read the remote namespace', async () => {
    kube.setAuthorizer((user) => !user.username.startsWith('system:serviceaccount:apps:'));
    try {
      const caBundle = Buffer.from(kube.caPem).toString('base64');
      const c = await createKubernetesProvider().newClient(store({ remoteNamespace: 'remote', server: { url: kube.url, caBundle }, auth: { serviceAccount: { name: 'reader' } } }), ctx);
      await expect(c.validate()).resolves.toBe('Error');
      await c.close();
    } finally {
      kube.setAuthorizer(undefined);
    }
  });

  it('authenticates with a bearer token from a Secret', async () => {
    const caBundle = Buffer.from(kube.caPem).toString('base64');
    const c = await createKubernetesProvider().newClient(
      store({ remoteNamespace: 'remote', server: { url: kube.url, caBundle }, auth: { token: { bearerToken: { name: 'bearer', key: 'token' } } } }),
      ctx,
    );
    expect(text(await c.getSecret({ key: 'cache', property: 'url' }))).toBe('redis://cache');
    await c.close();
    await expect(c.close()).resolves.toBeUndefined();
  });

  it('a missing ServiceAccount is a clear error; auth without server.url is refused', async () => {
    const p = createKubernetesProvider();
    await expect(p.newClient(store({ server: { url: kube.url }, auth: { serviceAccount: { name: 'ghost' } } }), ctx)).rejects.toThrow('could not fetch Auth.ServiceAccount');
    await expect(p.newClient(store({ auth: { serviceAccount: { name: 'reader' } } }), ctx)).rejects.toThrow('no server URL provided');
  });

  it('validateStore applies ESO rules and messages', () => {
    const p = createKubernetesProvider();
    expect(p.validateStore(store({ remoteNamespace: 'remote' }))).toEqual({ warnings: [] });
    expect(() => p.validateStore({ kind: 'SecretStore', name: 's', namespace: 'apps', provider: {} })).toThrow('missing store provider kubernetes');
    const ca = { type: 'Secret', name: 'ca', key: 'ca.crt' };
    expect(() => p.validateStore(store({ server: { caProvider: ca } }, 'ClusterSecretStore'))).toThrow('CAProvider.namespace must not be empty with ClusterSecretStore');
    expect(() => p.validateStore(store({ server: { caProvider: { ...ca, namespace: 'apps' } } }))).toThrow('CAProvider.namespace must be empty with SecretStore');
    expect(() => p.validateStore(store({ auth: { token: { bearerToken: { name: '', key: 'k' } } } }))).toThrow('BearerToken.Name cannot be empty');
    expect(() => p.validateStore(store({ auth: { token: { bearerToken: { name: 'n' } } } }))).toThrow('BearerToken.Key cannot be empty');
    expect(() => p.validateStore(store({ auth: { cert: { clientCert: { name: 'c' }, clientKey: { name: 'k', key: 'tls.key' } } } }))).toThrow('ClientCert.Key cannot be empty');
    expect(() => p.validateStore(store({ auth: { serviceAccount: { name: 'sa', namespace: 'other' } } }))).toThrow(
      'namespace should either be empty or match the namespace of the SecretStore for a namespace scoped secret store',
    );
    expect(() => p.validateStore(store({ remoteNamespace: 7 }))).toThrow(UserError);
    expect(p.validateStore(store({ auth: { serviceAccount: { name: 'sa', namespace: 'other' } } }, 'ClusterSecretStore'))).toEqual({ warnings: [] });
  });
});
