/**
 * Vault `cert` auth (ESO `auth_cert.go`): the client certificate from Kubernetes Secrets is
 * presented on the TLS connection and the login goes to `auth/<path or cert>/login` (with
 * `name` = vaultRole). The Coffer server has no cert auth method, so an HTTPS stub that
 * demands a client certificate answers Vault's login, renew-self and KV read shapes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateServingCertificate, start as startKube, type KubeTestServer } from '../../../../test/support/kube/index.js';
import { silentLogger } from '../../../shared/logger.js';
import { createKubeClient, kubeConfigFor, type KubeObject, type RuntimeKubeClient } from '../../runtime/index.js';
import type { ProviderContext, StoreRef } from '../types.js';
import { SECRETS_RESOURCE, VaultTokenCache } from './auth.js';
import { createVaultProvider } from './provider.js';

const NS = 'apps';
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

let kube: KubeTestServer;
let kubeClient: RuntimeKubeClient;
let ctx: ProviderContext;
let server: Server;
let address: string;
let caBundle: string;
const calls: { cn: string; method: string; url: string; body: string; token: string }[] = [];
let issued = 0;

/** A self-signed client certificate (openssl; node:crypto cannot issue X.509). */
async function clientCertificate(cn: string): Promise<{ certPem: string; keyPem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'coffer-vault-cert-'));
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

function store(vault: Record<string, unknown>, name = 'cert-store'): StoreRef {
  return { kind: 'SecretStore', name, namespace: NS, provider: { vault: { server: address, caBundle, path: 'kv', ...vault } } };
}

const certAuth = { clientCert: { name: 'vault-client-tls', key: 'tls.crt' }, secretRef: { name: 'vault-client-tls', key: 'tls.key' } };

beforeAll(async () => {
  kube = await startKube();
  kubeClient = createKubeClient(kubeConfigFor({ server: kube.url, caPem: kube.caPem, token: kube.adminToken }));
  ctx = { kube: kubeClient, namespace: NS, logger: silentLogger() };
  kube.createNamespace(NS);
  const [serving, client] = await Promise.all([generateServingCertificate('vault'), clientCertificate('eso-client')]);
  caBundle = Buffer.from(serving.caPem).toString('base64');
  await kubeClient.create<KubeObject>(SECRETS_RESOURCE, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'vault-client-tls', namespace: NS },
    data: { 'tls.crt': Buffer.from(client.certPem).toString('base64'), 'tls.key': Buffer.from(client.keyPem).toString('base64') },
  });
  await kubeClient.create<KubeObject>(SECRETS_RESOURCE, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'vault-token', namespace: NS },
    data: { token: Buffer.from('static-token').toString('base64') },
  });
  // Only a peer presenting the client certificate completes the handshake.
  server = createHttpsServer({ cert: serving.certPem, key: serving.keyPem, ca: client.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const cn = String((req.socket as TLSSocket).getPeerCertificate().subject.CN);
      const body = Buffer.concat(chunks).toString('utf8');
      const token = String(req.headers['x-vault-token'] ?? '');
      const url = req.url ?? '';
      calls.push({ cn, method: req.method ?? '', url, body, token });
      const json = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method === 'POST' && /^\/v1\/auth\/[^/]+(\/[^/]+)*\/login$/.test(url)) {
        issued++;
        json(200, { auth: { client_token: `cert-token-${issued}`, accessor: `acc-${issued}`, policies: ['default'], lease_duration: 60, renewable: true } });
      } else if (req.method === 'POST' && url === '/v1/auth/token/renew-self') {
        json(200, { auth: { client_token: token, lease_duration: 60, renewable: true } });
      } else if (req.method === 'GET' && url === '/v1/kv/data/app' && token.startsWith('cert-token-')) {
        json(200, { data: { data: { user: 'cert-user' }, metadata: { version: 1 } } });
      } else {
        json(403, { errors: ['permission denied'] });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  kubeClient?.close();
  await kube?.close();
});

describe('vault cert auth', () => {
  it('logs in at auth/cert/login over TLS with the client certificate and reads with the token', async () => {
    calls.length = 0;
    const c = await createVaultProvider().newClient(store({ auth: { cert: certAuth } }), ctx);
    expect(text(await c.getSecret({ key: 'app', property: 'user' }))).toBe('cert-user');
    expect(calls.map((r) => `${r.cn} ${r.method} ${r.url}`)).toEqual(['eso-client POST /v1/auth/cert/login', 'eso-client GET /v1/kv/data/app']);
    expect(JSON.parse(calls[0]?.body ?? 'null')).toEqual({});
    await c.close();
  });

  it('uses auth.cert.path as the mount and sends vaultRole as name', async () => {
    calls.length = 0;
    const c = await createVaultProvider().newClient(store({ auth: { cert: { ...certAuth, path: 'tls-clients', vaultRole: 'web' } } }), ctx);
    expect(calls[0]?.url).toBe('/v1/auth/tls-clients/login');
    expect(JSON.parse(calls[0]?.body ?? 'null')).toEqual({ name: 'web' });
    await c.close();
  });

  it('caches the token per store (one login), renews it with renew-self near expiry', async () => {
    let now = Date.now();
    const provider = createVaultProvider({ tokenCache: new VaultTokenCache(() => now) });
    const s = store({ auth: { cert: certAuth } }, 'cached-store');
    calls.length = 0;
    const clients = [await provider.newClient(s, ctx), await provider.newClient(s, ctx)];
    expect(provider.tokenCache.logins).toBe(1);
    now += 45_000;
    clients.push(await provider.newClient(s, ctx));
    expect(provider.tokenCache.renewals).toBe(1);
    expect(provider.tokenCache.logins).toBe(1);
    expect(calls.filter((r) => r.url.endsWith('/login'))).toHaveLength(1);
    expect(text(await (clients[2] ?? clients[0])!.getSecret({ key: 'app', property: 'user' }))).toBe('cert-user');
    await Promise.all(clients.map((c) => c.close()));
  });

  it('without a client certificate the server refuses the connection; a missing key names the Secret', async () => {
    const c = await createVaultProvider().newClient(store({ auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } } }), ctx);
    await expect(c.getSecret({ key: 'app' })).rejects.toThrow();
    await c.close();
    const missing = { cert: { ...certAuth, secretRef: { name: 'vault-client-tls', key: 'nope' } } };
    await expect(createVaultProvider().newClient(store({ auth: missing }), ctx)).rejects.toThrow('cannot find secret data for key: "nope" in secret "apps/vault-client-tls"');
  });
});
