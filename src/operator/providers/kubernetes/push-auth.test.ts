/**
 * The kubernetes provider's PushSecret writes (ESO `client.go` PushSecret/DeleteSecret and
 * `metadata.go`) and its remaining auth modes: a client certificate (against an HTTPS stub
 * that demands one, since the Kubernetes API test server authenticates tokens only) and
 * `authRef` (a kubeconfig in a Secret).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateServingCertificate, start as startKube, type KubeTestServer } from '../../../../test/support/kube/index.js';
import { silentLogger } from '../../../shared/logger.js';
import { createKubeClient, kubeConfigFor, type KubeObject, type RuntimeKubeClient } from '../../runtime/index.js';
import { runWriteConformance } from '../conformance.js';
import { SECRETS_RESOURCE } from '../kube-refs.js';
import type { ProviderContext, PushSecretData, SecretsClient, SecretsWriter, StoreRef } from '../types.js';
import { createKubernetesProvider } from './provider.js';
import type { PushSource } from './push.js';

type Writer = SecretsClient & Omit<SecretsWriter, 'pushSecret'> & { pushSecret(secret: PushSource, data: PushSecretData): Promise<void> };

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const source = (data: Record<string, string>, extra: Omit<PushSource, 'data'> = {}): PushSource => ({ data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, enc(v)])), ...extra });
const meta = (spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'kubernetes.external-secrets.io/v1alpha1', kind: 'PushSecretMetadata', spec });

let kube: KubeTestServer;
let admin: RuntimeKubeClient;
let ctx: ProviderContext;

function store(spec: Record<string, unknown>, kind: StoreRef['kind'] = 'SecretStore'): StoreRef {
  return { kind, name: 'k8s-push', ...(kind === 'SecretStore' ? { namespace: 'apps' } : {}), provider: { kubernetes: spec } };
}

async function writer(spec: Record<string, unknown>, kind: StoreRef['kind'] = 'SecretStore'): Promise<Writer> {
  return (await createKubernetesProvider().newClient(store(spec, kind), ctx)) as Writer;
}

async function putSecret(namespace: string, name: string, data: Record<string, string>): Promise<void> {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  await admin.create<KubeObject>(SECRETS_RESOURCE, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: encoded });
}

interface SecretJson extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

async function remote(namespace: string, name: string): Promise<SecretJson | null> {
  return admin.get<SecretJson>(SECRETS_RESOURCE, namespace, name);
}

const decoded = (s: SecretJson | null): Record<string, string> => Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

beforeAll(async () => {
  kube = await startKube();
  admin = createKubeClient(kubeConfigFor({ server: kube.url, caPem: kube.caPem, token: kube.adminToken }));
  ctx = { kube: admin, namespace: 'apps', logger: silentLogger() };
  for (const ns of ['apps', 'remote', 'elsewhere', 'push-conf']) kube.createNamespace(ns);
});

afterAll(async () => {
  admin.close();
  await kube.close();
});

runWriteConformance('kubernetes', async () => {
  const client = await writer({ remoteNamespace: 'push-conf' });
  return { client, cleanup: () => client.close() };
});

describe('kubernetes PushSecret', () => {
  it('pushes the whole Secret with its type, labels and annotations merged into the remote', async () => {
    const c = await writer({ remoteNamespace: 'remote' });
    await putSecret('remote', 'tls-copy', { old: 'kept' });
    await c.pushSecret(source({ 'tls.crt': 'CERT', 'tls.key': 'KEY' }, { labels: { app: 'web' }, annotations: { note: 'n' } }), { remoteRef: { remoteKey: 'whole' } });
    const created = await remote('remote', 'whole');
    expect(created?.type).toBe('Opaque');
    expect(created?.metadata.labels).toEqual({ app: 'web' });
    expect(decoded(created)).toEqual({ 'tls.crt': 'CERT', 'tls.key': 'KEY' });
    await c.pushSecret(source({ extra: 'x' }), { remoteRef: { remoteKey: 'tls-copy' } });
    expect(decoded(await remote('remote', 'tls-copy'))).toEqual({ old: 'kept', extra: 'x' });
  });

  it('a property gets one key of the Secret, or the whole Secret as JSON; a key without a property is refused', async () => {
    const c = await writer({ remoteNamespace: 'remote' });
    const s = source({ b: '2', a: '1' });
    await c.pushSecret(s, { secretKey: 'a', remoteRef: { remoteKey: 'props', property: 'only-a' } });
    await c.pushSecret(s, { remoteRef: { remoteKey: 'props', property: 'everything' } });
    expect(decoded(await remote('remote', 'props'))).toEqual({ 'only-a': '1', everything: '{"a":"1","b":"2"}' });
    await expect(c.pushSecret(s, { secretKey: 'a', remoteRef: { remoteKey: 'props' } })).rejects.toThrow('requires property in RemoteRef to push secret value if secret key is defined');
    await expect(c.pushSecret(s, { secretKey: 'zz', remoteRef: { remoteKey: 'props', property: 'p' } })).rejects.toThrow('failed to find secret key in secret with key: zz');
  });

  it('an unchanged push makes no update request', async () => {
    const c = await writer({ remoteNamespace: 'remote' });
    await c.pushSecret(source({ v: 'same' }), { remoteRef: { remoteKey: 'stable' } });
    const puts = (): number => kube.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/namespaces/remote/secrets/stable')).length;
    const before = puts();
    await c.pushSecret(source({ v: 'same' }), { remoteRef: { remoteKey: 'stable' } });
    expect(puts()).toBe(before);
    await c.pushSecret(source({ v: 'changed' }), { remoteRef: { remoteKey: 'stable' } });
    expect(puts()).toBe(before + 1);
  });

  it('PushSecretMetadata: labels/annotations with source and target merge policies', async () => {
    const c = await writer({ remoteNamespace: 'remote' });
    const s = source({ v: '1' }, { labels: { from: 'source' } });
    await c.pushSecret(s, { remoteRef: { remoteKey: 'labelled' }, metadata: meta({ labels: { team: 'a' }, annotations: { owner: 'x' } }) });
    let got = await remote('remote', 'labelled');
    expect(got?.metadata.labels).toEqual({ from: 'source', team: 'a' });
    expect(got?.metadata.annotations).toEqual({ owner: 'x' });
    await c.pushSecret(s, { remoteRef: { remoteKey: 'labelled' }, metadata: meta({ sourceMergePolicy: 'Replace', targetMergePolicy: 'Replace', labels: { only: 'this' } }) });
    got = await remote('remote', 'labelled');
    expect(got?.metadata.labels).toEqual({ only: 'this' });
    expect(got?.metadata.annotations).toBeUndefined();
    await c.pushSecret(source({ v: '2' }), { remoteRef: { remoteKey: 'labelled' }, metadata: meta({ targetMergePolicy: 'Ignore', labels: { ignored: 'yes' } }) });
    got = await remote('remote', 'labelled');
    expect(got?.metadata.labels).toEqual({ only: 'this' });
    expect(decoded(got)).toEqual({ v: '2' });
    await expect(c.pushSecret(s, { remoteRef: { remoteKey: 'labelled' }, metadata: meta({ targetMergePolicy: 'Clobber' }) })).rejects.toThrow('unexpected target merge policy "Clobber"');
    await expect(c.pushSecret(s, { remoteRef: { remoteKey: 'labelled' }, metadata: meta({ bogus: 1 }) })).rejects.toThrow('unable to parse metadata parameters: failed to parse kubernetes.external-secrets.io/v1alpha1 PushSecretMetadata: json: unknown field "bogus"');
  });

  it('remoteNamespace in the metadata is honoured only for a ClusterSecretStore', async () => {
    const namespaced = await writer({ remoteNamespace: 'remote' });
    const m = meta({ remoteNamespace: 'elsewhere' });
    await expect(namespaced.pushSecret(source({ v: '1' }), { remoteRef: { remoteKey: 'moved' }, metadata: m })).rejects.toThrow('remoteNamespace override is only supported with ClusterSecretStore');
    const cluster = await writer({ remoteNamespace: 'remote' }, 'ClusterSecretStore');
    await cluster.pushSecret(source({ v: '1' }), { remoteRef: { remoteKey: 'moved' }, metadata: m });
    expect(decoded(await remote('elsewhere', 'moved'))).toEqual({ v: '1' });
    expect(await remote('remote', 'moved')).toBeNull();
  });

  it('deleteSecret of a property removes only that key; of a missing property or Secret does nothing', async () => {
    const c = await writer({ remoteNamespace: 'remote' });
    await putSecret('remote', 'multi', { a: '1', b: '2' });
    await c.deleteSecret({ remoteKey: 'multi', property: 'zz' });
    await c.deleteSecret({ remoteKey: 'multi', property: 'a' });
    expect(decoded(await remote('remote', 'multi'))).toEqual({ b: '2' });
    await c.deleteSecret({ remoteKey: 'multi', property: 'b' });
    expect(await remote('remote', 'multi')).toBeNull();
    await expect(c.deleteSecret({ remoteKey: 'multi' })).resolves.toBeUndefined();
  });
});

/** A self-signed client certificate (openssl; node:crypto cannot issue X.509). */
async function clientCertificate(cn: string): Promise<{ certPem: string; keyPem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-client-cert-'));
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', `/CN=${cn}`,
      '-addext', 'extendedKeyUsage=clientAuth',
    ]);
    return { certPem: await readFile(join(dir, 'cert.pem'), 'utf8'), keyPem: await readFile(join(dir, 'key.pem'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('kubernetes provider auth modes', () => {
  it('auth.cert presents the client certificate from Secrets to a server that requires one', async () => {
    const serving = await generateServingCertificate('stub-apiserver');
    const client = await clientCertificate('eso-pusher');
    const seen: string[] = [];
    const server = createHttpsServer({ cert: serving.certPem, key: serving.keyPem, ca: client.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      seen.push(`${String(peer.subject.CN)} ${req.method ?? ''} ${req.url ?? ''}`);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'remote' }, data: { user: Buffer.from('cert-user').toString('base64') } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await putSecret('apps', 'client-tls', { 'tls.crt': client.certPem, 'tls.key': client.keyPem });
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const spec = {
        remoteNamespace: 'remote',
        server: { url, caBundle: Buffer.from(serving.caPem).toString('base64') },
        auth: { cert: { clientCert: { name: 'client-tls', key: 'tls.crt' }, clientKey: { name: 'client-tls', key: 'tls.key' } } },
      };
      const c = await createKubernetesProvider().newClient(store(spec), ctx);
      expect(text(await c.getSecret({ key: 'db', property: 'user' }))).toBe('cert-user');
      expect(seen).toEqual(['eso-pusher GET /api/v1/namespaces/remote/secrets/db']);
      await c.close();
      const missing = { ...spec, auth: { cert: { clientCert: { name: 'client-tls', key: 'tls.crt' }, clientKey: { name: 'client-tls', key: 'nope' } } } };
      await expect(createKubernetesProvider().newClient(store(missing), ctx)).rejects.toThrow('could not fetch client key and cert: unable to fetch client key');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('authRef reads a kubeconfig from a Secret; exec plugins and file paths are refused', async () => {
    await putSecret('remote', 'via-kubeconfig', { v: 'from-authref' });
    const kubeconfig = (user: string): string =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: c\n  cluster:\n    server: ${kube.url}\n    certificate-authority-data: ${Buffer.from(kube.caPem).toString('base64')}`,
        `users:\n- name: u\n  user:\n${user}`,
        'contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u',
        'current-context: ctx',
        '',
      ].join('\n');
    await putSecret('apps', 'kubeconfigs', {
      good: kubeconfig(`    token: ${kube.adminToken}`),
      exec: kubeconfig('    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/sh\n      args: ["-c", "id"]'),
      files: kubeconfig('    client-certificate: /etc/passwd\n    client-key: /etc/shadow'),
      garbage: '{{{ not yaml',
    });
    const c = await createKubernetesProvider().newClient(store({ remoteNamespace: 'remote', authRef: { name: 'kubeconfigs', key: 'good' } }), ctx);
    expect(text(await c.getSecret({ key: 'via-kubeconfig', property: 'v' }))).toBe('from-authref');
    await c.close();
    const p = createKubernetesProvider();
    await expect(p.newClient(store({ authRef: { name: 'kubeconfigs', key: 'exec' } }), ctx)).rejects.toThrow('the kubeconfig of authRef may not use exec');
    await expect(p.newClient(store({ authRef: { name: 'kubeconfigs', key: 'files' } }), ctx)).rejects.toThrow('may not use client-certificate, client-key');
    await expect(p.newClient(store({ authRef: { name: 'kubeconfigs', key: 'garbage' } }), ctx)).rejects.toThrow(/is not valid|no current cluster/);
    expect(() => p.validateStore(store({ authRef: { name: 'kubeconfigs', key: 'good', namespace: 'other' } }))).toThrow('namespace should either be empty or match');
  });
});
