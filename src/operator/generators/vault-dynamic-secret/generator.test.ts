/**
 * The VaultDynamicSecret generator against an in-process Coffer dev server (credentials in
 * Secrets of the Kubernetes API test server, the generator object validated by the CRD in
 * deploy/crds/), with one real PostgreSQL for a real lease: renew extends it, cleanup revokes
 * it and the database user is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DEFAULT_CRD_DIR, applyCrds, start as startKube, type KubeTestServer } from '../../../../test/support/kube/index.js';
import { startPostgres, stopAllDatabases, type TestDatabase } from '../../../../test/support/databases/index.js';
import { startInProcessDev, type InProcessServer } from '../../../../test/support/servers.js';
import { silentLogger } from '../../../shared/logger.js';
import { createKubeClient, kubeConfigFor, type KubeObject, type RuntimeKubeClient } from '../../runtime/index.js';
import { SECRETS_RESOURCE } from '../../providers/kube-refs.js';
import { createVaultHttp, type VaultHttp } from '../../providers/vault/http.js';
import { VaultTokenCache } from '../../providers/vault/auth.js';
import { builtinGenerators, resolveGenerator, type GeneratorContext } from '../index.js';
import { createVaultDynamicSecretGenerator } from './generator.js';

const NS = 'apps';
const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b ?? new Uint8Array());
const VDS = { group: 'generators.external-secrets.io', version: 'v1alpha1', plural: 'vaultdynamicsecrets', kind: 'VaultDynamicSecret', namespaced: true } as const;

let dev: InProcessServer;
let root: VaultHttp;
let kube: KubeTestServer;
let kubeClient: RuntimeKubeClient;
let ctx: GeneratorContext;
let pg: TestDatabase;

async function vault(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  return root.request(method, path, { token: dev.rootToken, ...(body !== undefined ? { body } : {}) });
}

async function must(method: string, path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
  const res = await vault(method, path, body);
  if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const provider = (): Record<string, unknown> => ({ server: dev.address, auth: { userPass: { username: 'gen', secretRef: { name: 'vault-creds', key: 'password' } } } });

beforeAll(async () => {
  [dev, kube, pg] = await Promise.all([startInProcessDev(), startKube(), startPostgres()]);
  root = createVaultHttp({ server: dev.address });
  kubeClient = createKubeClient(kubeConfigFor({ server: kube.url, caPem: kube.caPem, token: kube.adminToken }));
  ctx = { kube: kubeClient, namespace: NS, logger: silentLogger() };
  kube.createNamespace(NS);
  await applyCrds(kube, [join(DEFAULT_CRD_DIR, 'generators.external-secrets.io_vaultdynamicsecrets.yaml')]);

  await must('POST', 'sys/mounts/kv', { type: 'kv', options: { version: '1' } });
  await must('POST', 'kv/static', { user: 'static-user', port: 5432 });
  await must('POST', 'sys/mounts/database', { type: 'database' });
  await must('POST', 'database/config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: pg.connectionUrl,
    username: pg.superuser,
    password: pg.superpassword,
    allowed_roles: '*',
  });
  await must('POST', 'database/roles/app', {
    db_name: 'pg',
    creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
    default_ttl: '10m',
    max_ttl: '1h',
  });
  await must('PUT', 'sys/policies/acl/gen', {
    policy: [
      'path "kv/*" { capabilities = ["read", "list"] }',
      'path "database/creds/*" { capabilities = ["read"] }',
      'path "sys/leases/renew" { capabilities = ["update"] }',
      'path "sys/leases/revoke" { capabilities = ["update"] }',
      'path "auth/token/create" { capabilities = ["update"] }',
      'path "auth/token/revoke-accessor" { capabilities = ["update"] }',
    ].join('\n'),
  });
  await must('POST', 'sys/auth/userpass', { type: 'userpass' });
  await must('POST', 'auth/userpass/users/gen', { password: 'gen-pw-123', token_policies: 'gen', token_ttl: '1h' });
  await kubeClient.create<KubeObject>(SECRETS_RESOURCE, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'vault-creds', namespace: NS },
    data: { password: Buffer.from('gen-pw-123').toString('base64') },
  });
}, 120_000);

afterAll(async () => {
  kubeClient?.close();
  root?.close();
  await kube?.close();
  await dev?.close();
  await stopAllDatabases();
});

describe('VaultDynamicSecret generator', () => {
  it('resolveGenerator reads the object named by a generatorRef; Data of a lease-less read has no lease', async () => {
    await kubeClient.create<KubeObject>(VDS, {
      apiVersion: 'generators.external-secrets.io/v1alpha1',
      kind: 'VaultDynamicSecret',
      metadata: { name: 'static', namespace: NS },
      spec: { path: 'kv/static', provider: provider() },
    });
    const registry = builtinGenerators();
    const resolved = await resolveGenerator({ apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'VaultDynamicSecret', name: 'static' }, NS, kubeClient, registry);
    // The CRD defaulted resultType, as ESO's does.
    expect(resolved.spec).toMatchObject({ resultType: 'Data', allowEmptyResponse: false });
    const result = await resolved.generator.generate(resolved.spec, ctx);
    expect(Object.fromEntries(Object.entries(result.data).map(([k, v]) => [k, text(v)]))).toEqual({ user: 'static-user', port: '5432' });
    expect(result.leaseId).toBeUndefined();
    expect(result.state).toBeUndefined();
    await expect(resolveGenerator({ apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'VaultDynamicSecret', name: 'ghost' }, NS, kubeClient, registry)).rejects.toThrow(
      'generator VaultDynamicSecret "apps/ghost" not found',
    );
    await expect(resolveGenerator({ apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Password', name: 'p' }, NS, kubeClient, registry)).rejects.toThrow('unsupported generator kind "Password"');
  });

  it('the CRD refuses a spec without path or with an unknown resultType', async () => {
    const bad = (spec: Record<string, unknown>): Promise<unknown> =>
      kubeClient.create<KubeObject>(VDS, { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'VaultDynamicSecret', metadata: { name: 'bad', namespace: NS }, spec });
    await expect(bad({ provider: provider() })).rejects.toThrow(/spec.path: Required value/);
    await expect(bad({ path: 'kv/static', provider: provider(), resultType: 'Everything' })).rejects.toThrow(/Unsupported value: "Everything"/);
  });

  it('a database role: the lease is reported, renew extends it, cleanup revokes it and drops the user', async () => {
    const generator = createVaultDynamicSecretGenerator();
    const spec = { path: 'database/creds/app', provider: provider() };
    const result = await generator.generate(spec, ctx);
    const username = text(result.data['username']);
    const password = text(result.data['password']);
    expect(await pg.canLogin(username, password)).toBe(true);
    expect(result.leaseId).toMatch(/^database\/creds\/app\//);
    expect(result.ttlSeconds).toBe(600);
    expect(result.renewable).toBe(true);
    expect(JSON.stringify(result.state)).not.toContain(password);

    const expiry = async (): Promise<number> => Date.parse(((await must('PUT', 'sys/leases/lookup', { lease_id: result.leaseId }))?.['data'] as { expire_time: string }).expire_time);
    const before = await expiry();
    await new Promise((r) => setTimeout(r, 1100));
    const renewed = await generator.renew?.(spec, result.state ?? {}, ctx);
    expect(renewed?.renewable).toBe(true);
    expect(renewed?.ttlSeconds).toBeGreaterThan(0);
    expect(await expiry()).toBeGreaterThan(before);

    await generator.cleanup?.(spec, result.state ?? {}, ctx);
    expect((await vault('PUT', 'sys/leases/lookup', { lease_id: result.leaseId })).status).toBe(400);
    expect(await pg.canLogin(username, password)).toBe(false);
    // Idempotent: the lease is already gone.
    await expect(generator.cleanup?.(spec, result.state ?? {}, ctx)).resolves.toBeUndefined();
    await expect(generator.renew?.(spec, result.state ?? {}, ctx)).rejects.toThrow('unable to renew lease');
  });

  it('a write with parameters and resultType Auth returns the token; cleanup revokes it by accessor', async () => {
    const generator = createVaultDynamicSecretGenerator();
    const spec = { path: 'auth/token/create', method: 'POST', parameters: { policies: ['gen'], ttl: '5m' }, resultType: 'Auth', provider: provider() };
    const result = await generator.generate(spec, ctx);
    const token = text(result.data['client_token']);
    expect(token).not.toBe('');
    expect(text(result.data['lease_duration'])).toBe('300');
    expect(JSON.parse(text(result.data['policies']))).toContain('gen');
    expect(result.state).toEqual({ accessor: text(result.data['accessor']) });
    expect((await root.request('GET', 'auth/token/lookup-self', { token })).status).toBe(200);
    await generator.cleanup?.(spec, result.state ?? {}, ctx);
    expect((await root.request('GET', 'auth/token/lookup-self', { token })).status).toBe(403);
  });

  it('resultType Raw returns the whole answer, each top-level field as a key', async () => {
    const result = await createVaultDynamicSecretGenerator().generate({ path: 'kv/static', resultType: 'Raw', provider: provider() }, ctx);
    expect(JSON.parse(text(result.data['data']))).toEqual({ user: 'static-user', port: 5432 });
    expect(Object.keys(result.data)).toEqual(expect.arrayContaining(['request_id', 'lease_id', 'renewable', 'data']));
  });

  it('an empty answer is an error unless allowEmptyResponse; bad specs and credentials say what is wrong', async () => {
    const generator = createVaultDynamicSecretGenerator();
    await expect(generator.generate({ path: 'kv/missing', provider: provider() }, ctx)).rejects.toThrow('unable to get dynamic secret: empty response from Vault');
    await expect(generator.generate({ path: 'kv/missing', allowEmptyResponse: true, provider: provider() }, ctx)).resolves.toEqual({ data: {} });
    await expect(generator.generate({ path: 'kv/static' }, ctx)).rejects.toThrow('no Vault provider config in spec');
    await expect(generator.generate(undefined, ctx)).rejects.toThrow('no config spec provided');
    await expect(generator.generate({ provider: provider() }, ctx)).rejects.toThrow('unable to parse spec: spec.path');
    await expect(generator.generate({ path: 'kv/static', resultType: 'All', provider: provider() }, ctx)).rejects.toThrow('unable to parse spec: spec.resultType');
    const wrongPassword = { ...provider(), auth: { userPass: { username: 'gen', secretRef: { name: 'vault-creds', key: 'nope' } } } };
    await expect(generator.generate({ path: 'kv/static', provider: wrongPassword }, ctx)).rejects.toThrow('unable to setup Vault client: cannot find secret data for key: "nope"');
    await expect(generator.generate({ path: 'database/creds/app', method: 'DELETE', provider: provider() }, ctx)).rejects.toThrow(/unable to get dynamic secret: [\s\S]*permission denied/);
  });

  it('shares logins with the vault provider through one token cache', async () => {
    const cache = new VaultTokenCache();
    const generator = createVaultDynamicSecretGenerator({ tokenCache: cache });
    for (let i = 0; i < 3; i++) await generator.generate({ path: 'kv/static', provider: provider() }, ctx);
    expect(cache.logins).toBe(1);
  });
});
