/**
 * The per-tenant Kubernetes auth pattern from the seeds, end to end: an in-process Coffer dev
 * server and the in-process Kubernetes API test server; one `app` ServiceAccount per tenant
 * namespace, a reviewer ServiceAccount with a long-lived (legacy Secret) token, the
 * kubernetes auth method configured against the test cluster, ONE templated policy keyed on
 * the ServiceAccount namespace in the entity alias metadata, and one role per tenant.
 *
 * Each tenant's pod (a TokenRequest token with audience `vault`) logs in and reads only its
 * own tenant's secret; the `default` ServiceAccount, a deleted ServiceAccount and a token
 * with the wrong audience are all refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { api, rawRequest, type Api, type RawResponse } from '../support/index.js';
import { start as startKube, type KubeTestServer } from '../support/kube/index.js';

const ROOT = 'kube-tenants-root';
const TENANTS = ['tenant-a', 'tenant-b'] as const;
type Tenant = (typeof TENANTS)[number];

let kube: KubeTestServer;
let server: RunningServer;
let root: Api;
let accessor: string;

function errorsOf(res: RawResponse): string {
  return ((res.json as { errors?: string[] } | undefined)?.errors ?? []).join('\n');
}

function must(res: RawResponse, what: string): RawResponse {
  if (res.status < 200 || res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res;
}

/** A projected ServiceAccount token, as the kubelet would mount it into a pod. */
async function podToken(namespace: string, serviceAccount: string, audiences: string[] = ['vault']): Promise<string> {
  return (await kube.client.requestToken(namespace, serviceAccount, { audiences, expirationSeconds: 3600 })).status.token;
}

function login(role: string, jwt: string): Promise<RawResponse> {
  // No X-Vault-Token: a login is unauthenticated.
  return rawRequest(server.address, 'POST', '/v1/auth/kubernetes/login', { body: { role, jwt } });
}

async function loginOk(role: string, jwt: string): Promise<Record<string, any>> {
  const res = must(await login(role, jwt), `login ${role}`);
  return res.json.auth as Record<string, any>;
}

function expectDenied(res: RawResponse): void {
  expect(res.status).toBe(403);
  expect(errorsOf(res)).toContain('permission denied');
}

beforeAll(async () => {
  kube = await startKube();
  server = await startServer({ dev: { rootTokenId: ROOT, listenAddress: '127.0.0.1:0' }, logLevel: 'silent' });
  root = api(server.address, ROOT);

  // The cluster: two tenant namespaces with an `app` SA each (the `default` SA comes with the
  // namespace), and the reviewer SA Vault authenticates TokenReview calls with.
  kube.createNamespace('vault-system');
  kube.createServiceAccount('vault-system', 'vault-reviewer');
  const reviewerJwt = kube.mintLegacyToken('vault-system', 'vault-reviewer');
  for (const ns of TENANTS) {
    kube.createNamespace(ns, { tenant: ns });
    kube.createServiceAccount(ns, 'app');
  }

  // Vault side.
  must(await root.post('/v1/sys/auth/kubernetes', { type: 'kubernetes' }), 'enable kubernetes');
  must(
    await root.post('/v1/auth/kubernetes/config', {
      kubernetes_host: kube.url,
      kubernetes_ca_cert: kube.caPem,
      token_reviewer_jwt: reviewerJwt,
    }),
    'kubernetes config',
  );
  const mounts = must(await root.get('/v1/sys/auth'), 'sys/auth').json as Record<string, any>;
  accessor = (mounts['kubernetes/'] as { accessor: string }).accessor;
  expect(accessor).toMatch(/^auth_kubernetes_[0-9a-f]{8}$/);

  const policy =
    `path "secret/data/apps/{{identity.entity.aliases.${accessor}.metadata.service_account_namespace}}/*" {\n` +
    '  capabilities = ["read"]\n' +
    '}\n';
  must(await root.put('/v1/sys/policies/acl/tenant', { policy }), 'policy');

  for (const ns of TENANTS) {
    must(
      await root.post(`/v1/auth/kubernetes/role/${ns}`, {
        bound_service_account_names: 'app',
        bound_service_account_namespaces: ns,
        audience: 'vault',
        token_policies: 'tenant',
      }),
      `role ${ns}`,
    );
    must(await root.post(`/v1/secret/data/apps/${ns}/db`, { data: { username: `${ns}-user`, password: `${ns}-pw` } }), `secret ${ns}`);
  }
}, 30_000);

afterAll(async () => {
  await server?.close();
  await kube?.close();
});

describe.each(TENANTS.map((t) => [t]))('%s pod', (tenant: Tenant) => {
  const other = TENANTS.find((t) => t !== tenant) as Tenant;
  let auth: Record<string, any>;

  beforeAll(async () => {
    auth = await loginOk(tenant, await podToken(tenant, 'app'));
  });

  it('logs in with its projected token and gets the tenant policy', () => {
    expect(auth['client_token']).toEqual(expect.any(String));
    expect(auth['policies']).toEqual(['default', 'tenant']);
    expect(auth['token_policies']).toEqual(['default', 'tenant']);
    expect(auth['orphan']).toBe(true);
    expect(auth['renewable']).toBe(true);
    expect(auth['entity_id']).toEqual(expect.any(String));
    expect(auth['entity_id']).not.toBe('');
  });

  it('carries the ServiceAccount in auth.metadata', async () => {
    const sa = await kube.client.get<{ metadata: { uid: string } }>('serviceaccounts', 'app', { namespace: tenant });
    expect(auth['metadata']).toMatchObject({
      role: tenant,
      service_account_name: 'app',
      service_account_namespace: tenant,
      service_account_uid: sa.metadata.uid,
    });
  });

  it('reads its own tenant secret', async () => {
    const res = await root.get(`/v1/secret/data/apps/${tenant}/db`, { token: auth['client_token'] as string });
    expect(res.status).toBe(200);
    expect(res.json.data.data).toEqual({ username: `${tenant}-user`, password: `${tenant}-pw` });
  });

  it("is denied the other tenant's secret", async () => {
    expectDenied(await root.get(`/v1/secret/data/apps/${other}/db`, { token: auth['client_token'] as string }));
    // ...and nothing outside the tenant prefix either.
    expectDenied(await root.post(`/v1/secret/data/apps/${tenant}/db`, { data: { x: 1 } }, { token: auth['client_token'] as string }));
  });

  it("cannot log in with the other tenant's role", async () => {
    expectDenied(await login(other, await podToken(tenant, 'app')));
  });

  it('lookup-self shows the entity and the kubernetes display name', async () => {
    const res = await root.get('/v1/auth/token/lookup-self', { token: auth['client_token'] as string });
    expect(res.status).toBe(200);
    const data = res.json.data as Record<string, any>;
    expect(data['entity_id']).toBe(auth['entity_id']);
    expect(data['display_name']).toBe(`kubernetes-${tenant}-app`);
    expect(data['path']).toBe('auth/kubernetes/login');
    expect(data['orphan']).toBe(true);
    expect(data['meta']).toMatchObject({ service_account_name: 'app', service_account_namespace: tenant });
  });

  it('the entity alias is on the kubernetes mount, named by the SA uid', async () => {
    const res = await root.get(`/v1/identity/entity/id/${auth['entity_id'] as string}`);
    expect(res.status).toBe(200);
    const aliases = res.json.data.aliases as Array<Record<string, any>>;
    const alias = aliases.find((a) => a['mount_accessor'] === accessor);
    expect(alias).toBeDefined();
    expect(alias?.['metadata']).toMatchObject({ service_account_name: 'app', service_account_namespace: tenant });
  });
});

describe('refusals', () => {
  it("the namespace's default ServiceAccount is refused when the role binds app", async () => {
    expectDenied(await login('tenant-a', await podToken('tenant-a', 'default')));
  });

  it('a token with the wrong audience is refused', async () => {
    expectDenied(await login('tenant-a', await podToken('tenant-a', 'app', ['not-vault'])));
  });

  it('a token of a deleted ServiceAccount is refused', async () => {
    kube.createServiceAccount('tenant-b', 'app-gone');
    must(
      await root.post('/v1/auth/kubernetes/role/gone', {
        bound_service_account_names: 'app-gone',
        bound_service_account_namespaces: 'tenant-b',
        audience: 'vault',
        token_policies: 'tenant',
      }),
      'role gone',
    );
    const jwt = await podToken('tenant-b', 'app-gone');
    // The token works while the ServiceAccount exists...
    await loginOk('gone', jwt);
    await kube.client.delete('serviceaccounts', 'app-gone', { namespace: 'tenant-b' });
    // ...and not after it is deleted (TokenReview no longer authenticates it).
    expectDenied(await login('gone', jwt));
  });

  it('an unknown role is a 400', async () => {
    const res = await login('no-such-role', await podToken('tenant-a', 'app'));
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toContain('invalid role name');
  });
});
