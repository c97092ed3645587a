/**
 * PushSecret writes of the vault provider (ESO `client_push.go`) against an in-process Coffer
 * dev server: KV v2 and v1, ownership (`managed-by: external-secrets`), PushSecretMetadata,
 * check-and-set, deletes, and the write conformance suite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { start as startKube, type KubeTestServer } from '../../../../test/support/kube/index.js';
import { startInProcessDev, type InProcessServer } from '../../../../test/support/servers.js';
import { createKubeClient, kubeConfigFor, type KubeObject, type RuntimeKubeClient } from '../../runtime/index.js';
import { runWriteConformance } from '../conformance.js';
import type { ProviderContext, SecretsClient, SecretsWriter, StoreRef } from '../types.js';
import { SECRETS_RESOURCE } from './auth.js';
import { createVaultHttp, type VaultHttp } from './http.js';
import { createVaultProvider } from './provider.js';

const NS = 'apps';
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const secretOf = (data: Record<string, string>): { data: Record<string, Uint8Array> } => ({ data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, enc(v)])) });

let dev: InProcessServer;
let root: VaultHttp;
let kube: KubeTestServer;
let kubeClient: RuntimeKubeClient;
let ctx: ProviderContext;

async function vault(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  return root.request(method, path, { token: dev.rootToken, ...(body !== undefined ? { body } : {}) });
}

async function must(method: string, path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
  const res = await vault(method, path, body);
  if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const dataOf = async (path: string): Promise<Record<string, unknown>> => ((await must('GET', path))?.['data'] ?? {}) as Record<string, unknown>;

type Writer = SecretsClient & SecretsWriter;

async function client(vaultSpec: Record<string, unknown>): Promise<Writer> {
  const store: StoreRef = {
    kind: 'SecretStore',
    name: 'push-store',
    namespace: NS,
    provider: { vault: { server: dev.address, auth: { userPass: { username: 'pusher', secretRef: { name: 'vault-creds', key: 'password' } } }, ...vaultSpec } },
  };
  return (await createVaultProvider().newClient(store, ctx)) as Writer;
}

beforeAll(async () => {
  dev = await startInProcessDev();
  root = createVaultHttp({ server: dev.address });
  kube = await startKube();
  kubeClient = createKubeClient(kubeConfigFor({ server: kube.url, caPem: kube.caPem, token: kube.adminToken }));
  ctx = { kube: kubeClient, namespace: NS, logger: silentLogger() };
  kube.createNamespace(NS);
  const mounts = [
    ['kv2', '2'],
    ['kv1', '1'],
    ['kvcas', '2'],
    ['kv2-conf', '2'],
    ['kv1-conf', '1'],
  ] as const;
  for (const [mount, version] of mounts) await must('POST', `sys/mounts/${mount}`, { type: 'kv', options: { version } });
  await must('POST', 'kvcas/config', { cas_required: true });
  await must('PUT', 'sys/policies/acl/pusher', {
    policy: mounts.map(([m]) => `path "${m}/*" { capabilities = ["create", "read", "update", "delete", "list"] }`).join('\n'),
  });
  await must('POST', 'sys/auth/userpass', { type: 'userpass' });
  await must('POST', 'auth/userpass/users/pusher', { password: 'pusher-pw-123', token_policies: 'pusher', token_ttl: '1h' });
  await kubeClient.create<KubeObject>(SECRETS_RESOURCE, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'vault-creds', namespace: NS },
    data: { password: Buffer.from('pusher-pw-123').toString('base64') },
  });
}, 60_000);

afterAll(async () => {
  kubeClient?.close();
  root?.close();
  await kube?.close();
  await dev?.close();
});

runWriteConformance('vault kv v2', async () => {
  const c = await client({ path: 'kv2-conf', version: 'v2' });
  return { client: c, cleanup: () => c.close() };
});

runWriteConformance(
  'vault kv v1',
  async () => {
    const c = await client({ path: 'kv1-conf', version: 'v1' });
    return { client: c, cleanup: () => c.close() };
  },
  { bookkeepingKeys: ['custom_metadata'] },
);

describe('vault PushSecret (KV v2)', () => {
  it('marks a created secret managed-by external-secrets and does not write a version when nothing changed', async () => {
    const c = await client({ path: 'kv2' });
    await c.pushSecret(secretOf({ user: 'u', pass: 'p' }), { remoteRef: { remoteKey: 'app/db' } });
    const meta = await dataOf('kv2/metadata/app/db');
    expect(meta['custom_metadata']).toEqual({ 'managed-by': 'external-secrets' });
    expect(meta['current_version']).toBe(1);
    await c.pushSecret(secretOf({ pass: 'p', user: 'u' }), { remoteRef: { remoteKey: 'app/db' } });
    expect((await dataOf('kv2/metadata/app/db'))['current_version']).toBe(1);
    await c.pushSecret(secretOf({ user: 'u', pass: 'p2' }), { remoteRef: { remoteKey: 'app/db' } });
    expect((await dataOf('kv2/metadata/app/db'))['current_version']).toBe(2);
    expect(((await dataOf('kv2/data/app/db'))['data'] as Record<string, unknown>)['pass']).toBe('p2');
  });

  it('refuses to overwrite or delete a secret external-secrets did not create', async () => {
    await must('POST', 'kv2/data/foreign', { data: { owner: 'someone-else' } });
    const c = await client({ path: 'kv2' });
    await expect(c.pushSecret(secretOf({ v: 'x' }), { remoteRef: { remoteKey: 'foreign' } })).rejects.toThrow(/^secret not managed by external-secrets$/);
    await expect(c.pushSecret(secretOf({ v: 'x' }), { secretKey: 'v', remoteRef: { remoteKey: 'foreign', property: 'v' } })).rejects.toThrow('secret not managed by external-secrets');
    await c.deleteSecret({ remoteKey: 'foreign' });
    expect((await dataOf('kv2/data/foreign'))['data']).toEqual({ owner: 'someone-else' });
    await expect(c.secretExists({ remoteKey: 'foreign' })).resolves.toBe(true);
  });

  it('a property push merges into the existing map, and skips the write when the value is unchanged', async () => {
    const c = await client({ path: 'kv2' });
    const source = secretOf({ token: 'tok-1' });
    await c.pushSecret(source, { secretKey: 'token', remoteRef: { remoteKey: 'merge', property: 'api' } });
    await c.pushSecret(secretOf({ token: 'other' }), { secretKey: 'token', remoteRef: { remoteKey: 'merge', property: 'web' } });
    await c.pushSecret(source, { secretKey: 'token', remoteRef: { remoteKey: 'merge', property: 'api' } });
    expect((await dataOf('kv2/data/merge'))['data']).toEqual({ api: 'tok-1', web: 'other' });
    expect((await dataOf('kv2/metadata/merge'))['current_version']).toBe(2);
  });

  it('a whole-secret push of one key needs a JSON object, and the error never echoes the value', async () => {
    const c = await client({ path: 'kv2' });
    await c.pushSecret(secretOf({ doc: '{"a":"1","b":{"c":2}}' }), { secretKey: 'doc', remoteRef: { remoteKey: 'doc' } });
    expect((await dataOf('kv2/data/doc'))['data']).toEqual({ a: '1', b: { c: 2 } });
    const err = (await c.pushSecret(secretOf({ doc: 'not-json-s3cr3t' }), { secretKey: 'doc', remoteRef: { remoteKey: 'doc' } }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('error unmarshalling incoming secret value: invalid JSON format');
    expect((await c.pushSecret(secretOf({ doc: 'not-json-s3cr3t' }), { secretKey: 'doc', remoteRef: { remoteKey: 'fresh-doc' } }).catch((e: unknown) => e)) as Error).toHaveProperty(
      'message',
      'error unmarshalling vault secret: invalid JSON format',
    );
    await expect(c.pushSecret(secretOf({ a: 'b' }), { secretKey: 'nope', remoteRef: { remoteKey: 'doc' } })).rejects.toThrow('failed to find secret key in secret with key: nope');
    // The failed pushes left the old value intact.
    expect((await dataOf('kv2/data/doc'))['data']).toEqual({ a: '1', b: { c: 2 } });
  });

  it('PushSecretMetadata customMetadata merges into (or replaces) custom_metadata; managed-by cannot be overridden', async () => {
    const c = await client({ path: 'kv2' });
    const meta = (spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'kubernetes.external-secrets.io/v1alpha1', kind: 'PushSecretMetadata', spec });
    await c.pushSecret(secretOf({ v: '1' }), { remoteRef: { remoteKey: 'tagged' }, metadata: meta({ customMetadata: { team: 'a', 'managed-by': 'me' } }) });
    expect((await dataOf('kv2/metadata/tagged'))['custom_metadata']).toEqual({ 'managed-by': 'external-secrets', team: 'a' });
    await c.pushSecret(secretOf({ v: '1' }), { remoteRef: { remoteKey: 'tagged' }, metadata: meta({ customMetadata: { env: 'prod' } }) });
    expect((await dataOf('kv2/metadata/tagged'))['custom_metadata']).toEqual({ 'managed-by': 'external-secrets', team: 'a', env: 'prod' });
    // Metadata alone changed: no new data version.
    expect((await dataOf('kv2/metadata/tagged'))['current_version']).toBe(1);
    await c.pushSecret(secretOf({ v: '1' }), { remoteRef: { remoteKey: 'tagged' }, metadata: meta({ customMetadata: { env: 'dev' }, mergePolicy: 'Replace' }) });
    expect((await dataOf('kv2/metadata/tagged'))['custom_metadata']).toEqual({ 'managed-by': 'external-secrets', env: 'dev' });
    await expect(c.pushSecret(secretOf({ v: '1' }), { remoteRef: { remoteKey: 'tagged' }, metadata: meta({ mergePolicy: 'Squash' }) })).rejects.toThrow(
      'unsupported merge policy "Squash", must be one of: Merge, Replace',
    );
    await expect(c.pushSecret(secretOf({ v: '1' }), { remoteRef: { remoteKey: 'tagged' }, metadata: meta({ secretPushFormat: 'string' }) })).rejects.toThrow(
      'failed to parse push secret metadata: failed to parse kubernetes.external-secrets.io/v1alpha1 PushSecretMetadata: json: unknown field "secretPushFormat"',
    );
    await expect(
      c.pushSecret(secretOf({ v: '1' }), { remoteRef: { remoteKey: 'tagged' }, metadata: { apiVersion: 'v1', kind: 'PushSecretMetadata', spec: {} } }),
    ).rejects.toThrow('unexpected apiVersion "v1", expected "kubernetes.external-secrets.io/v1alpha1"');
  });

  it('deleteSecret removes every version and the metadata of a secret it manages', async () => {
    const c = await client({ path: 'kv2' });
    await c.pushSecret(secretOf({ v: '1' }), { remoteRef: { remoteKey: 'doomed' } });
    await c.pushSecret(secretOf({ v: '2' }), { remoteRef: { remoteKey: 'doomed' } });
    await c.deleteSecret({ remoteKey: 'doomed' });
    expect((await vault('GET', 'kv2/metadata/doomed')).status).toBe(404);
  });

  it('checkAndSet.required sends cas (0 on create, the current version on update); without it a cas_required mount refuses', async () => {
    const cas = await client({ path: 'kvcas', checkAndSet: { required: true } });
    await cas.pushSecret(secretOf({ v: '1' }), { remoteRef: { remoteKey: 'guarded' } });
    await cas.pushSecret(secretOf({ v: '2' }), { remoteRef: { remoteKey: 'guarded' } });
    await cas.pushSecret(secretOf({ p: 'x' }), { secretKey: 'p', remoteRef: { remoteKey: 'guarded-props', property: 'one' } });
    await cas.pushSecret(secretOf({ p: 'y' }), { secretKey: 'p', remoteRef: { remoteKey: 'guarded-props', property: 'two' } });
    await cas.deleteSecret({ remoteKey: 'guarded-props', property: 'one' });
    expect((await dataOf('kvcas/data/guarded'))['data']).toEqual({ v: '2' });
    expect((await dataOf('kvcas/data/guarded-props'))['data']).toEqual({ two: 'y' });
    const plain = await client({ path: 'kvcas' });
    await expect(plain.pushSecret(secretOf({ v: '3' }), { remoteRef: { remoteKey: 'guarded' } })).rejects.toThrow('failed to write secret data: check-and-set parameter required for this call');
    expect((await dataOf('kvcas/data/guarded'))['data']).toEqual({ v: '2' });
  });
});

describe('vault PushSecret (KV v1)', () => {
  it('keeps the ownership mark in custom_metadata inside the data and refuses unmarked secrets', async () => {
    const c = await client({ path: 'kv1', version: 'v1' });
    await c.pushSecret(secretOf({ user: 'u1' }), { remoteRef: { remoteKey: 'app' } });
    expect(await dataOf('kv1/app')).toEqual({ user: 'u1', custom_metadata: { 'managed-by': 'external-secrets' } });
    await must('POST', 'kv1/legacy', { user: 'x' });
    await expect(c.pushSecret(secretOf({ user: 'u1' }), { remoteRef: { remoteKey: 'legacy' } })).rejects.toThrow('secret not managed by external-secrets (no custom_metadata found)');
    await must('POST', 'kv1/claimed', { user: 'x', custom_metadata: { 'managed-by': 'someone' } });
    await expect(c.pushSecret(secretOf({ user: 'u1' }), { remoteRef: { remoteKey: 'claimed' } })).rejects.toThrow(/^secret not managed by external-secrets$/);
    await c.deleteSecret({ remoteKey: 'legacy' });
    expect(await dataOf('kv1/legacy')).toEqual({ user: 'x' });
  });
});
