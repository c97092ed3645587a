/**
 * The vault provider against an in-process Coffer dev server (KV v1 and v2 mounts, userpass,
 * approle and kubernetes auth) with credentials in Secrets of the in-process Kubernetes API
 * test server.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { generateServingCertificate, start as startKube, type KubeTestServer } from '../../../../test/support/kube/index.js';
import { startInProcessDev, type InProcessServer } from '../../../../test/support/servers.js';
import { createKubeClient, kubeConfigFor, type KubeObject, type RuntimeKubeClient } from '../../runtime/index.js';
import { runProviderConformance } from '../conformance.js';
import { NoSecretError, type ProviderContext, type StoreRef } from '../types.js';
import { SECRETS_RESOURCE, VaultTokenCache } from './auth.js';
import { createVaultHttp, type VaultHttp } from './http.js';
import { createVaultProvider } from './provider.js';

const NS = 'apps';
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

let dev: InProcessServer;
let root: VaultHttp;
let kube: KubeTestServer;
let kubeClient: RuntimeKubeClient;
let ctx: ProviderContext;
let roleId: string;

async function must(method: string, path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
  const res = await root.request(method, path, { token: dev.rootToken, ...(body !== undefined ? { body } : {}) });
  if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function putSecret(name: string, data: Record<string, string>, namespace = NS): Promise<void> {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  await kubeClient.create<KubeObject>(SECRETS_RESOURCE, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: encoded });
}

function store(vault: Record<string, unknown>, kind: StoreRef['kind'] = 'SecretStore', name = 'vault-store'): StoreRef {
  return { kind, name, ...(kind === 'SecretStore' ? { namespace: NS } : {}), provider: { vault: { server: dev.address, ...vault } } };
}

const userPassAuth = { userPass: { path: 'userpass', username: 'eso', secretRef: { name: 'vault-creds', key: 'password' } } };

beforeAll(async () => {
  dev = await startInProcessDev();
  root = createVaultHttp({ server: dev.address });
  kube = await startKube();
  kubeClient = createKubeClient(kubeConfigFor({ server: kube.url, caPem: kube.caPem, token: kube.adminToken }));
  ctx = { kube: kubeClient, namespace: NS, logger: silentLogger() };

  for (const [mount, version] of [
    ['kv1', '1'],
    ['kv2', '2'],
    ['kv2-approle', '2'],
    ['kv2-misc', '2'],
  ] as const) {
    await must('POST', `sys/mounts/${mount}`, { type: 'kv', options: { version } });
  }
  await must('PUT', 'sys/policies/acl/eso-read', {
    policy: ['kv1', 'kv2', 'kv2-approle', 'kv2-misc'].map((m) => `path "${m}/*" { capabilities = ["read", "list"] }`).join('\n'),
  });
  await must('POST', 'sys/auth/userpass', { type: 'userpass' });
  await must('POST', 'auth/userpass/users/eso', { password: 'userpass-pw-123', token_policies: 'eso-read', token_ttl: '1h' });
  await must('POST', 'auth/userpass/users/short', { password: 'short-pw-123', token_policies: 'eso-read', token_ttl: '60s', token_max_ttl: '1h' });
  await must('POST', 'sys/auth/approle', { type: 'approle' });
  await must('POST', 'auth/approle/role/eso', { token_policies: 'eso-read' });
  roleId = (((await must('GET', 'auth/approle/role/eso/role-id'))?.['data'] as { role_id: string }).role_id);
  const secretId = (((await must('POST', 'auth/approle/role/eso/secret-id'))?.['data'] as { secret_id: string }).secret_id);

  kube.createNamespace(NS);
  kube.createNamespace('other');
  kube.createNamespace('vault-system');
  kube.createServiceAccount('vault-system', 'reviewer');
  kube.createServiceAccount(NS, 'eso');
  await must('POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
  await must('POST', 'auth/kubernetes/config', {
    kubernetes_host: kube.url,
    kubernetes_ca_cert: kube.caPem,
    token_reviewer_jwt: kube.mintLegacyToken('vault-system', 'reviewer'),
  });
  await must('POST', 'auth/kubernetes/role/eso', {
    bound_service_account_names: ['eso'],
    bound_service_account_namespaces: [NS],
    audience: 'vault',
    token_policies: 'eso-read',
  });
  await must('POST', 'sys/auth/jwt', { type: 'jwt' });
  await must('POST', 'auth/jwt/config', { jwt_validation_pubkeys: kube.tokens.publicKeyPems() });
  await must('POST', 'auth/jwt/role/eso', { role_type: 'jwt', bound_audiences: ['vault'], user_claim: 'sub', token_policies: 'eso-read' });
  const readerToken = ((await must('POST', 'auth/token/create', { policies: ['eso-read'] }))?.['auth'] as { client_token: string }).client_token;

  await putSecret('vault-creds', { password: 'userpass-pw-123', 'role-id': roleId, 'secret-id': secretId, token: readerToken, short: 'short-pw-123' });
  await putSecret('vault-creds', { password: 'userpass-pw-123' }, 'other');
}, 60_000);

afterAll(async () => {
  kubeClient?.close();
  root?.close();
  await kube?.close();
  await dev?.close();
});

/** Seeds `<mount>/<key>`: a record as data, a string as a JSON object. */
function seeder(mount: string) {
  return async (key: string, value: Record<string, string> | string): Promise<void> => {
    const data: unknown = typeof value === 'string' ? JSON.parse(value) : value;
    await must('POST', `${mount}/data/${key}`, { data });
  };
}

runProviderConformance('vault kv v2 (userPass auth)', async () => {
  const client = await createVaultProvider().newClient(store({ path: 'kv2', version: 'v2', auth: userPassAuth }), ctx);
  return { client, seed: seeder('kv2'), cleanup: () => client.close() };
});

runProviderConformance('vault kv v2 (appRole auth with roleRef)', async () => {
  const client = await createVaultProvider().newClient(
    store({ path: 'kv2-approle', auth: { appRole: { path: 'approle', roleRef: { name: 'vault-creds', key: 'role-id' }, secretRef: { name: 'vault-creds', key: 'secret-id' } } } }),
    ctx,
  );
  return { client, seed: seeder('kv2-approle'), cleanup: () => client.close() };
});

describe('vault provider', () => {
  it('N newClient calls cost one login (the token is cached and shared)', async () => {
    const provider = createVaultProvider();
    const s = store({ path: 'kv2-misc', auth: userPassAuth });
    await must('POST', 'kv2-misc/data/cached', { data: { v: '1' } });
    const clients = await Promise.all([1, 2, 3].map(() => provider.newClient(s, ctx)));
    for (let i = 0; i < 3; i++) clients.push(await provider.newClient(s, ctx));
    for (const c of clients) {
      expect(text(await c.getSecret({ key: 'cached', property: 'v' }))).toBe('1');
      await c.close();
    }
    expect(provider.tokenCache.logins).toBe(1);
    // Another store is another identity.
    await provider.newClient(store({ path: 'kv2-misc', auth: userPassAuth }, 'SecretStore', 'second-store'), ctx);
    expect(provider.tokenCache.logins).toBe(2);
  });

  it('renews a token nearing expiry with renew-self, and logs in again once renewal fails', async () => {
    let now = Date.now();
    const provider = createVaultProvider({ tokenCache: new VaultTokenCache(() => now) });
    const s = store({ path: 'kv2-misc', auth: { userPass: { username: 'short', secretRef: { name: 'vault-creds', key: 'short' } } } });
    await must('POST', 'kv2-misc/data/renewed', { data: { v: 'r' } });
    const first = await provider.newClient(s, ctx);
    now += 45_000;
    const second = await provider.newClient(s, ctx);
    expect(text(await second.getSecret({ key: 'renewed', property: 'v' }))).toBe('r');
    expect(provider.tokenCache.renewals).toBe(1);
    expect(provider.tokenCache.logins).toBe(1);
    // Revoke the cached token behind the provider's back: the next renewal fails.
    const list = await must('LIST', 'auth/token/accessors');
    for (const accessor of ((list?.['data'] as { keys: string[] }).keys)) {
      const info = await must('POST', 'auth/token/lookup-accessor', { accessor });
      if ((info?.['data'] as { display_name?: string }).display_name === 'userpass-short') await must('POST', 'auth/token/revoke-accessor', { accessor });
    }
    await expect(first.validate()).resolves.toBe('Error');
    now += 45_000;
    const third = await provider.newClient(s, ctx);
    expect(provider.tokenCache.logins).toBe(2);
    expect(text(await third.getSecret({ key: 'renewed', property: 'v' }))).toBe('r');
  });

  it('kubernetes auth with a serviceAccountRef logs in with a TokenRequest token', async () => {
    const provider = createVaultProvider();
    await must('POST', 'kv2-misc/data/k8s', { data: { v: 'k' } });
    const c = await provider.newClient(
      store({ path: 'kv2-misc', auth: { kubernetes: { mountPath: 'kubernetes', role: 'eso', serviceAccountRef: { name: 'eso', audiences: ['vault'] } } } }),
      ctx,
    );
    expect(text(await c.getSecret({ key: 'k8s', property: 'v' }))).toBe('k');
    await expect(c.validate()).resolves.toBe('Ready');
    expect(kube.requests.some((r) => r.method === 'POST' && r.path.endsWith(`/namespaces/${NS}/serviceaccounts/eso/token`))).toBe(true);
  });

  it('jwt auth with a kubernetesServiceAccountToken or a JWT in a Secret', async () => {
    const provider = createVaultProvider();
    await must('POST', 'kv2-misc/data/jwt', { data: { v: 'j' } });
    const viaSa = await provider.newClient(
      store({ path: 'kv2-misc', auth: { jwt: { path: 'jwt', role: 'eso', kubernetesServiceAccountToken: { serviceAccountRef: { name: 'eso' }, audiences: ['vault'] } } } }),
      ctx,
    );
    expect(text(await viaSa.getSecret({ key: 'jwt', property: 'v' }))).toBe('j');
    const minted = kube.mintToken({ namespace: NS, serviceAccount: 'eso', audiences: ['vault'], expirationSeconds: 3600 });
    await putSecret('jwt-creds', { jwt: minted.token });
    const viaSecret = await provider.newClient(store({ path: 'kv2-misc', auth: { jwt: { role: 'eso', secretRef: { name: 'jwt-creds', key: 'jwt' } } } }), ctx);
    expect(text(await viaSecret.getSecret({ key: 'jwt', property: 'v' }))).toBe('j');
    expect(provider.tokenCache.logins).toBe(2);
  });

  it('tokenSecretRef reads a static token (no login) and a bad one validates as Error', async () => {
    const provider = createVaultProvider();
    await must('POST', 'kv2-misc/data/static', { data: { v: 's' } });
    const c = await provider.newClient(store({ path: 'kv2-misc', auth: { tokenSecretRef: { name: 'vault-creds', key: 'token' } } }), ctx);
    expect(text(await c.getSecret({ key: 'static', property: 'v' }))).toBe('s');
    expect(provider.tokenCache.logins).toBe(0);
    const bad = await provider.newClient(store({ path: 'kv2-misc', auth: { tokenSecretRef: { name: 'vault-creds', key: 'password' } } }), ctx);
    await expect(bad.validate()).resolves.toBe('Error');
  });

  it('a wrong password is a login error that does not echo it', async () => {
    const s = store({ path: 'kv2-misc', auth: { userPass: { username: 'eso', secretRef: { name: 'vault-creds', key: 'short' } } } });
    const err = await createVaultProvider()
      .newClient(s, ctx)
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/cannot log in to Vault with userPass auth/);
    expect((err as Error).message).not.toContain('short-pw-123');
  });

  it('missing credentials name the Secret and key', async () => {
    const s = store({ path: 'kv2-misc', auth: { userPass: { username: 'eso', secretRef: { name: 'vault-creds', key: 'nope' } } } });
    await expect(createVaultProvider().newClient(s, ctx)).rejects.toThrow('cannot find secret data for key: "nope" in secret "apps/vault-creds"');
    const gone = store({ path: 'kv2-misc', auth: { userPass: { username: 'eso', secretRef: { name: 'missing', key: 'p' } } } });
    await expect(createVaultProvider().newClient(gone, ctx)).rejects.toThrow('cannot get Kubernetes secret "apps/missing": not found');
  });

  it('KV v2: versions, deleted versions and metadataPolicy Fetch (custom_metadata)', async () => {
    await must('POST', 'kv2-misc/data/versioned', { data: { v: 'one' } });
    await must('POST', 'kv2-misc/data/versioned', { data: { v: 'two' } });
    await must('POST', 'kv2-misc/metadata/versioned', { custom_metadata: { owner: 'team-a', tier: 'gold' } });
    const c = await createVaultProvider().newClient(store({ path: 'kv2-misc', auth: userPassAuth }), ctx);
    expect(text(await c.getSecret({ key: 'versioned', property: 'v' }))).toBe('two');
    expect(text(await c.getSecret({ key: 'versioned', property: 'v', version: '1' }))).toBe('one');
    await expect(c.getSecret({ key: 'versioned', version: '9' })).rejects.toBeInstanceOf(NoSecretError);
    await expect(c.getSecret({ key: 'versioned', version: 'latest' })).rejects.toThrow('must be a number');
    expect(JSON.parse(text(await c.getSecret({ key: 'versioned', metadataPolicy: 'Fetch' })))).toEqual({ owner: 'team-a', tier: 'gold' });
    expect(text(await c.getSecret({ key: 'versioned', metadataPolicy: 'Fetch', property: 'tier' }))).toBe('gold');
    await expect(c.getSecret({ key: 'versioned', metadataPolicy: 'Fetch', property: 'nope' })).rejects.toThrow('"nope" does not exist in metadata');
    expect(Object.keys(await c.getSecretMap({ key: 'versioned', metadataPolicy: 'Fetch' })).sort()).toEqual(['owner', 'tier']);
    await must('DELETE', 'kv2-misc/data/versioned');
    await expect(c.getSecret({ key: 'versioned' })).rejects.toBeInstanceOf(NoSecretError);
    expect(text(await c.getSecret({ key: 'versioned', property: 'v', version: '1' }))).toBe('one');
  });

  it('KV v2: find by path, name and custom_metadata tags', async () => {
    await must('POST', 'kv2-misc/data/teams/a/db', { data: { p: 'a' } });
    await must('POST', 'kv2-misc/data/teams/b/db', { data: { p: 'b' } });
    await must('POST', 'kv2-misc/data/teams/b/api', { data: { p: 'c' } });
    await must('POST', 'kv2-misc/metadata/teams/b/api', { custom_metadata: { env: 'prod' } });
    await must('POST', 'kv2-misc/metadata/teams/a/db', { custom_metadata: { env: 'prod' } });
    const c = await createVaultProvider().newClient(store({ path: 'kv2-misc', auth: userPassAuth }), ctx);
    expect(Object.keys(await c.getAllSecrets({ path: 'teams', name: { regexp: '/db$' } })).sort()).toEqual(['teams/a/db', 'teams/b/db']);
    const tagged = await c.getAllSecrets({ path: 'teams', tags: { env: 'prod' } });
    expect(Object.keys(tagged).sort()).toEqual(['teams/a/db', 'teams/b/api']);
    expect(JSON.parse(text(tagged['teams/b/api'] ?? new Uint8Array()))).toEqual({ p: 'c' });
    expect(Object.keys(await c.getAllSecrets({ path: 'teams', name: { regexp: 'api' }, tags: { env: 'prod' } }))).toEqual(['teams/b/api']);
    await expect(c.getAllSecrets({ name: { regexp: '(' } })).rejects.toThrow('invalid name regexp');
  });

  it('KV v1: reads, properties and missing keys; find and metadata are refused', async () => {
    await must('POST', 'kv1/app/db', { user: 'u1', nested: '{"not":"parsed"}' });
    const c = await createVaultProvider().newClient(store({ path: 'kv1', version: 'v1', auth: userPassAuth }), ctx);
    expect(JSON.parse(text(await c.getSecret({ key: 'app/db' })))).toEqual({ user: 'u1', nested: '{"not":"parsed"}' });
    expect(text(await c.getSecret({ key: 'kv1/app/db', property: 'user' }))).toBe('u1');
    expect(Object.keys(await c.getSecretMap({ key: 'app/db' })).sort()).toEqual(['nested', 'user']);
    expect(Object.keys(await c.getSecretMap({ key: 'app/db', property: 'nested' }))).toEqual(['not']);
    await expect(c.getSecret({ key: 'app/nope' })).rejects.toBeInstanceOf(NoSecretError);
    await expect(c.getAllSecrets({ name: { regexp: '.' } })).rejects.toThrow('cannot perform find operations with kv version v1');
    await expect(c.getSecret({ key: 'app/db', metadataPolicy: 'Fetch' })).rejects.toThrow('cannot perform metadata operations with kv version v1');
  });

  it('a ClusterSecretStore with referent auth reads the ExternalSecret namespace and validates as Unknown', async () => {
    await must('POST', 'kv2-misc/data/referent', { data: { v: 'ref' } });
    const provider = createVaultProvider();
    const s = store({ path: 'kv2-misc', auth: userPassAuth }, 'ClusterSecretStore', 'cluster');
    const fromOther = await provider.newClient(s, { ...ctx, namespace: 'other' });
    expect(text(await fromOther.getSecret({ key: 'referent', property: 'v' }))).toBe('ref');
    await expect(fromOther.validate()).resolves.toBe('Unknown');
    await provider.newClient(s, ctx);
    // One login per referent namespace: the identities differ.
    expect(provider.tokenCache.logins).toBe(2);
  });

  it('caBundle and caProvider pin the TLS CA; X-Vault-Namespace is sent', async () => {
    const tls = await generateServingCertificate('vault');
    const seen: { path: string; namespace: string | undefined; token: string | undefined }[] = [];
    const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      seen.push({ path: req.url ?? '', namespace: req.headers['x-vault-namespace'] as string | undefined, token: req.headers['x-vault-token'] as string | undefined });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ data: { data: { v: 'over-tls' }, metadata: {} } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const addr = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await kubeClient.create<KubeObject>(
        { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'vault-ca', namespace: NS }, data: { 'ca.crt': tls.caPem } },
      );
      const auth = { tokenSecretRef: { name: 'vault-creds', key: 'token' } };
      const base = { server: addr, path: 'kv', namespace: 'team-a', auth };
      const viaBundle = await createVaultProvider().newClient({ ...store({}), provider: { vault: { ...base, caBundle: Buffer.from(tls.caPem).toString('base64') } } }, ctx);
      expect(text(await viaBundle.getSecret({ key: 'tls', property: 'v' }))).toBe('over-tls');
      const viaConfigMap = await createVaultProvider().newClient(
        { ...store({}), provider: { vault: { ...base, caProvider: { type: 'ConfigMap', name: 'vault-ca', key: 'ca.crt' } } } },
        ctx,
      );
      expect(text(await viaConfigMap.getSecret({ key: 'tls', property: 'v' }))).toBe('over-tls');
      expect(seen.map((r) => [r.path, r.namespace])).toEqual([
        ['/v1/kv/data/tls', 'team-a'],
        ['/v1/kv/data/tls', 'team-a'],
      ]);
      expect(seen.every((r) => r.token !== undefined && r.token !== '')).toBe(true);
      // Without the CA the server's certificate is not trusted.
      const untrusted = await createVaultProvider().newClient({ ...store({}), provider: { vault: base } }, ctx);
      await expect(untrusted.getSecret({ key: 'tls' })).rejects.toThrow(/certificate/);
      await Promise.all([viaBundle.close(), viaConfigMap.close(), untrusted.close()]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('validateStore: ESO-like messages for bad specs', () => {
    const p = createVaultProvider();
    const bad = (vault: Record<string, unknown>, kind: StoreRef['kind'] = 'SecretStore'): (() => unknown) => () => p.validateStore(store(vault, kind));
    expect(bad({ auth: {} })).toThrow('no auth method set in vault.auth');
    expect(bad({ auth: { appRole: { secretRef: { name: 's', key: 'k' } } } })).toThrow('neither `roleId` nor `roleRef` was supplied');
    expect(bad({ auth: { appRole: { roleId: 'r', roleRef: { name: 's', key: 'k' }, secretRef: { name: 's', key: 'k' } } } })).toThrow('only one of `roleId` or `roleRef`');
    expect(bad({ auth: { tokenSecretRef: { name: 't', key: 'k', namespace: 'elsewhere' } } })).toThrow('namespace should either be empty or match the namespace of the SecretStore');
    expect(bad({ auth: { tokenSecretRef: { name: 't', key: 'k', namespace: 'elsewhere' } } }, 'ClusterSecretStore')).not.toThrow();
    expect(bad({ version: 'v3', auth: userPassAuth })).toThrow('vault.version');
    expect(() => p.validateStore({ kind: 'SecretStore', name: 's', provider: { vault: { server: 'ftp://x', auth: userPassAuth } } })).toThrow('vault.server');
    expect(p.validateStore(store({ auth: userPassAuth })).warnings).toEqual(['vault.server uses plain http: secrets travel unencrypted']);
  });
});
