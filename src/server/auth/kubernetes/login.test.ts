import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/ports.js';
import { TokenAuthority, start, type KubeTestServer } from '../../../../test/support/kube/index.js';
import type { LoginAuth } from '../../sdk/index.js';
import { createTestBackend, type TestBackend } from '../../sdk/testing.js';
import { createKubernetesFactory, type KubeFetch, type KubernetesFactoryOptions } from './index.js';

interface LogLine {
  level: 'info' | 'warn';
  obj: Record<string, unknown>;
  msg: string;
}

let kube: KubeTestServer;
let reviewerJwt: string;
const logs: LogLine[] = [];
const logger = {
  info: (obj: Record<string, unknown>, msg: string) => logs.push({ level: 'info', obj, msg }),
  warn: (obj: Record<string, unknown>, msg: string) => logs.push({ level: 'warn', obj, msg }),
};

beforeAll(async () => {
  kube = await start();
  kube.createNamespace('vault');
  kube.createServiceAccount('vault', 'vault-auth');
  // The reviewer's token has the API audience: it authenticates Vault to the API server.
  reviewerJwt = (await kube.client.requestToken('vault', 'vault-auth', { expirationSeconds: 86400 })).status.token;
  kube.createNamespace('tenant-a', { tenant: 'true', team: 'a' });
  kube.createNamespace('tenant-b', { team: 'b' });
  kube.createNamespace('other');
  for (const [ns, name] of [
    ['tenant-a', 'app'],
    ['tenant-a', 'app-web'],
    ['tenant-b', 'app'],
    ['tenant-b', 'app-api'],
    ['tenant-b', 'worker'],
    ['other', 'app'],
  ] as const) {
    kube.createServiceAccount(ns, name);
  }
});

afterAll(async () => {
  await kube.close();
});

beforeEach(() => {
  logs.length = 0;
  kube.injectFault(undefined);
  kube.setAuthorizer(undefined);
});

async function backend(config: Record<string, unknown> = {}, options: KubernetesFactoryOptions = {}): Promise<TestBackend> {
  const b = await createTestBackend(createKubernetesFactory({ logger, localServiceAccountDir: null, ...options }), {
    type: 'kubernetes',
    path: 'auth/kubernetes/',
  });
  await b.request('write', 'config', { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: reviewerJwt, ...config });
  return b;
}

async function role(b: TestBackend, name: string, data: Record<string, unknown>): Promise<void> {
  await b.request('write', `role/${name}`, data);
}

async function saToken(namespace: string, name: string, audiences: string[] = ['vault']): Promise<string> {
  return (await kube.client.requestToken(namespace, name, { audiences })).status.token;
}

async function login(b: TestBackend, roleName: string, jwt: string): Promise<LoginAuth> {
  const res = await b.request('write', 'login', { role: roleName, jwt });
  if (!res?.login) throw new Error('no login in the response');
  return res.login;
}

async function expectDenied(p: Promise<unknown>, reason: RegExp, level: 'info' | 'warn' = 'info'): Promise<void> {
  await expect(p).rejects.toMatchObject({ code: 'ERR_PERMISSION_DENIED', message: 'permission denied' });
  const last = logs.at(-1);
  expect(last?.msg).toBe('kubernetes login refused');
  expect(String(last?.obj['reason'])).toMatch(reason);
  expect(last?.level).toBe(level);
}

function tokenReviews(): typeof kube.requests {
  return kube.requests.filter((r) => r.path === '/apis/authentication.k8s.io/v1/tokenreviews');
}

const tenantRole = {
  bound_service_account_names: 'app',
  bound_service_account_namespaces: 'tenant-a',
  audience: 'vault',
  token_policies: 'tenant-a-read',
  token_ttl: '1h',
};

describe('kubernetes auth: login', () => {
  it('logs in a bound ServiceAccount and hands the core a complete login', async () => {
    const b = await backend();
    await role(b, 'tenant-a', tenantRole);
    const sa = await kube.client.get('serviceaccounts', 'app', { namespace: 'tenant-a' });
    const uid = sa.metadata.uid ?? '';
    const jwt = await saToken('tenant-a', 'app');
    const before = tokenReviews().length;

    const auth = await login(b, 'tenant-a', jwt);
    expect(auth).toEqual({
      policies: ['tenant-a-read'],
      metadata: {
        service_account_name: 'app',
        service_account_namespace: 'tenant-a',
        service_account_uid: uid,
        service_account_secret_name: '',
        role: 'tenant-a',
      },
      displayName: 'tenant-a-app',
      alias: {
        name: uid,
        metadata: { service_account_name: 'app', service_account_namespace: 'tenant-a', service_account_uid: uid, service_account_secret_name: '' },
      },
      ttl: 3600,
      maxTtl: 0,
      explicitMaxTtl: 0,
      period: 0,
      numUses: 0,
      boundCidrs: [],
      tokenType: 'default',
      noDefaultPolicy: false,
    });

    // One TokenReview, made as the reviewer, for the role's audience.
    const reviews = tokenReviews().slice(before);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]?.username).toBe('system:serviceaccount:vault:vault-auth');
    expect(reviews[0]?.body).toMatchObject({ kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', spec: { token: jwt, audiences: ['vault'] } });
    expect(reviews[0]?.status).toBe(201);
  });

  it('uses <ns>/<name> as the alias with alias_name_source=serviceaccount_name', async () => {
    const b = await backend();
    await role(b, 'by-name', { ...tenantRole, alias_name_source: 'serviceaccount_name' });
    const auth = await login(b, 'by-name', await saToken('tenant-a', 'app'));
    expect(auth.alias.name).toBe('tenant-a/app');
  });

  it('refuses the default ServiceAccount when the role binds a named one', async () => {
    const b = await backend();
    await role(b, 'tenant-a', tenantRole);
    await expectDenied(login(b, 'tenant-a', await saToken('tenant-a', 'default')), /service account name not authorized/);
    expect(logs.at(-1)?.obj).toMatchObject({ role: 'tenant-a', service_account_namespace: 'tenant-a', service_account_name: 'default' });
  });

  it('refuses a ServiceAccount from another namespace', async () => {
    const b = await backend();
    await role(b, 'tenant-a', tenantRole);
    await expectDenied(login(b, 'tenant-a', await saToken('tenant-b', 'app')), /namespace not authorized/);
  });

  it('matches names and namespaces with globs and "*"', async () => {
    const b = await backend();
    await role(b, 'globs', { bound_service_account_names: 'app-*', bound_service_account_namespaces: 'tenant-*', audience: 'vault' });
    expect((await login(b, 'globs', await saToken('tenant-a', 'app-web'))).displayName).toBe('tenant-a-app-web');
    expect((await login(b, 'globs', await saToken('tenant-b', 'app-api'))).displayName).toBe('tenant-b-app-api');
    await expectDenied(login(b, 'globs', await saToken('tenant-b', 'worker')), /name not authorized/);
    await expectDenied(login(b, 'globs', await saToken('tenant-a', 'app')), /name not authorized/);
    await role(b, 'any', { bound_service_account_names: '*', bound_service_account_namespaces: '*', audience: 'vault' });
    expect((await login(b, 'any', await saToken('other', 'app'))).displayName).toBe('other-app');
  });

  it('admits namespaces by label selector, ORed with the namespace list, reading labels with the reviewer JWT', async () => {
    const b = await backend();
    await role(b, 'selected', { bound_service_account_names: 'app', bound_service_account_namespace_selector: 'matchLabels:\n  tenant: "true"\n', audience: 'vault' });
    const before = kube.requests.length;
    expect((await login(b, 'selected', await saToken('tenant-a', 'app'))).metadata?.['service_account_namespace']).toBe('tenant-a');
    const lookup = kube.requests.slice(before).find((r) => r.path === '/api/v1/namespaces/tenant-a');
    expect(lookup?.username).toBe('system:serviceaccount:vault:vault-auth');
    await expectDenied(login(b, 'selected', await saToken('tenant-b', 'app')), /namespace not authorized/);

    await role(b, 'either', {
      bound_service_account_names: 'app',
      bound_service_account_namespaces: 'other',
      bound_service_account_namespace_selector: JSON.stringify({ matchExpressions: [{ key: 'team', operator: 'In', values: ['b'] }] }),
      audience: 'vault',
    });
    const otherJwt = await saToken('other', 'app');
    const listed = kube.requests.length;
    expect((await login(b, 'either', otherJwt)).displayName).toBe('other-app');
    // The list matched: no namespace lookup.
    expect(kube.requests.slice(listed).map((r) => r.path)).toEqual(['/apis/authentication.k8s.io/v1/tokenreviews']);
    expect((await login(b, 'either', await saToken('tenant-b', 'app'))).displayName).toBe('tenant-b-app');
    await expectDenied(login(b, 'either', await saToken('tenant-a', 'app')), /namespace not authorized/);
  });

  it('refuses namespace selectors without a reviewer JWT, and when the namespace cannot be read', async () => {
    const noReviewer = await backend({ token_reviewer_jwt: '' });
    await role(noReviewer, 'selected', { bound_service_account_names: 'app', bound_service_account_namespace_selector: '{}', audience: 'vault' });
    await expectDenied(login(noReviewer, 'selected', await saToken('tenant-a', 'app')), /TokenReviewer JWT needs to be configured/);

    const b = await backend();
    await role(b, 'selected', { bound_service_account_names: 'app', bound_service_account_namespace_selector: '{}', audience: 'vault' });
    kube.setAuthorizer((user, attrs) => !(attrs.resource === 'namespaces' && user.username.startsWith('system:serviceaccount:')));
    await expectDenied(login(b, 'selected', await saToken('tenant-a', 'app')), /failed to get namespace \(code 403\)/, 'warn');
  });

  it('refuses a token for another audience', async () => {
    const b = await backend();
    await role(b, 'tenant-a', tenantRole);
    const before = tokenReviews().length;
    await expectDenied(login(b, 'tenant-a', await saToken('tenant-a', 'app', ['not-vault'])), /audience/);
    expect(tokenReviews().length).toBe(before);
  });

  it('without a role audience, asks TokenReview for the token’s own audiences', async () => {
    const b = await backend();
    await role(b, 'no-aud', { bound_service_account_names: 'app', bound_service_account_namespaces: 'tenant-a' });
    await login(b, 'no-aud', await saToken('tenant-a', 'app', ['custom']));
    expect(tokenReviews().at(-1)?.body).toMatchObject({ spec: { audiences: ['custom'] } });
  });

  it('refuses an expired token without asking the cluster', async () => {
    const b = await backend();
    await role(b, 'tenant-a', tenantRole);
    const expired = kube.mintToken({ namespace: 'tenant-a', serviceAccount: 'app', audiences: ['vault'], issuedAt: Math.floor(Date.now() / 1000) - 7200, expirationSeconds: 3600 });
    const before = tokenReviews().length;
    await expectDenied(login(b, 'tenant-a', expired.token), /expired/);
    expect(tokenReviews().length).toBe(before);
  });

  it('refuses the token of a deleted ServiceAccount, and of one deleted and recreated', async () => {
    const b = await backend();
    kube.createServiceAccount('tenant-a', 'ephemeral');
    await role(b, 'eph', { bound_service_account_names: 'ephemeral', bound_service_account_namespaces: 'tenant-a', audience: 'vault' });
    const jwt = await saToken('tenant-a', 'ephemeral');
    await login(b, 'eph', jwt);
    await kube.client.delete('serviceaccounts', 'ephemeral', { namespace: 'tenant-a' });
    await expectDenied(login(b, 'eph', jwt), /lookup failed: .*serviceaccounts "ephemeral" not found/);
    kube.createServiceAccount('tenant-a', 'ephemeral');
    await expectDenied(login(b, 'eph', jwt), /lookup failed: .*does not match claim/);
  });

  it('checks signatures locally only when pem_keys are configured', async () => {
    const sa = await kube.client.get('serviceaccounts', 'app', { namespace: 'tenant-a' });
    // Same issuer and claims, another key: what a forger with a stolen uid could make.
    const forger = new TokenAuthority({ issuer: kube.issuer });
    const forged = forger.mintBound({ serviceAccount: { namespace: 'tenant-a', name: 'app', uid: sa.metadata.uid ?? '' }, audiences: ['vault'] }).token;

    const withKeys = await backend({ pem_keys: kube.tokens.publicKeyPems() });
    await role(withKeys, 'tenant-a', tenantRole);
    expect((await login(withKeys, 'tenant-a', await saToken('tenant-a', 'app'))).displayName).toBe('tenant-a-app');
    const before = tokenReviews().length;
    await expectDenied(login(withKeys, 'tenant-a', forged), /signature/);
    expect(tokenReviews().length).toBe(before);

    // Without pem_keys the forgery reaches TokenReview, which refuses it.
    const withoutKeys = await backend();
    await role(withoutKeys, 'tenant-a', tenantRole);
    await expectDenied(login(withoutKeys, 'tenant-a', forged), /lookup failed: .*cryptographic primitive/);
  });

  it('validates the issuer when disable_iss_validation is false and an issuer is set', async () => {
    const wrong = await backend({ disable_iss_validation: false, issuer: 'https://elsewhere.example' });
    await role(wrong, 'tenant-a', tenantRole);
    await expectDenied(login(wrong, 'tenant-a', await saToken('tenant-a', 'app')), /issuer/);
    const right = await backend({ disable_iss_validation: false, issuer: kube.issuer });
    await role(right, 'tenant-a', tenantRole);
    await login(right, 'tenant-a', await saToken('tenant-a', 'app'));
  });

  it('logs in with a legacy Secret-based token', async () => {
    const b = await backend({ pem_keys: kube.tokens.publicKeyPems() });
    await role(b, 'legacy', { bound_service_account_names: 'worker', bound_service_account_namespaces: 'tenant-b' });
    const jwt = kube.mintLegacyToken('tenant-b', 'worker', 'worker-token-x7k2p');
    const sa = await kube.client.get('serviceaccounts', 'worker', { namespace: 'tenant-b' });
    const auth = await login(b, 'legacy', jwt);
    expect(auth.metadata).toEqual({
      service_account_name: 'worker',
      service_account_namespace: 'tenant-b',
      service_account_uid: sa.metadata.uid,
      service_account_secret_name: 'worker-token-x7k2p',
      role: 'legacy',
    });
    expect(auth.alias.name).toBe(sa.metadata.uid);
    // No aud claim: the review asks for the API audiences.
    expect((tokenReviews().at(-1)?.body as { spec: Record<string, unknown> }).spec['audiences']).toBeUndefined();

    // A role with an audience cannot accept a token that has none.
    await role(b, 'legacy-aud', { bound_service_account_names: 'worker', bound_service_account_namespaces: 'tenant-b', audience: 'vault' });
    await expectDenied(login(b, 'legacy-aud', jwt), /audience/);

    // Deleting the Secret invalidates the token.
    await kube.client.delete('secrets', 'worker-token-x7k2p', { namespace: 'tenant-b' });
    await expectDenied(login(b, 'legacy', jwt), /lookup failed: .*token has been invalidated/);
  });

  it('accepts pod-bound tokens', async () => {
    const b = await backend();
    await role(b, 'tenant-a', tenantRole);
    const pod = await kube.client.create('pods', { metadata: { name: 'web-1' }, spec: { serviceAccountName: 'app', containers: [] } }, { namespace: 'tenant-a' });
    const { status } = await kube.client.requestToken('tenant-a', 'app', { audiences: ['vault'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-1', uid: pod.metadata.uid ?? '' } });
    expect((await login(b, 'tenant-a', status.token)).displayName).toBe('tenant-a-app');
    await kube.client.delete('pods', 'web-1', { namespace: 'tenant-a' });
    await expectDenied(login(b, 'tenant-a', status.token), /invalidated/);
  });

  it('uses the login JWT as the TokenReview bearer when no reviewer JWT is configured', async () => {
    const b = await backend({ token_reviewer_jwt: '' });
    await role(b, 'self', { bound_service_account_names: 'app', bound_service_account_namespaces: 'tenant-a' });
    // A token for the API audience can review itself.
    const apiToken = await saToken('tenant-a', 'app', []);
    await login(b, 'self', apiToken);
    expect(tokenReviews().at(-1)?.username).toBe('system:serviceaccount:tenant-a:app');
    // A token for "vault" only cannot call the API at all: 401, refused.
    await expectDenied(login(b, 'self', await saToken('tenant-a', 'app', ['vault'])), /service account unauthorized/);
  });

  it('falls back to the pod’s own token and CA unless disable_local_ca_jwt', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'coffer-k8s-sa-'));
    try {
      await writeFile(join(dir, 'token'), `${reviewerJwt}\n`);
      await writeFile(join(dir, 'ca.crt'), kube.caPem);
      const local = await backend({ token_reviewer_jwt: '', kubernetes_ca_cert: '' }, { localServiceAccountDir: dir });
      await role(local, 'tenant-a', tenantRole);
      await login(local, 'tenant-a', await saToken('tenant-a', 'app'));
      expect(tokenReviews().at(-1)?.username).toBe('system:serviceaccount:vault:vault-auth');

      const disabled = await backend({ token_reviewer_jwt: '', kubernetes_ca_cert: '', disable_local_ca_jwt: true }, { localServiceAccountDir: dir });
      await role(disabled, 'tenant-a', tenantRole);
      // No CA: the self-signed cluster certificate is not trusted.
      await expectDenied(login(disabled, 'tenant-a', await saToken('tenant-a', 'app')), /unreachable/, 'warn');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('when TokenReview cannot say yes (never fail open)', () => {
    it('refuses when the API answers 5xx', async () => {
      const b = await backend();
      await role(b, 'tenant-a', tenantRole);
      kube.injectFault(({ path }) => (path.endsWith('/tokenreviews') ? { status: 503 } : undefined));
      await expectDenied(login(b, 'tenant-a', await saToken('tenant-a', 'app')), /answered 503/, 'warn');
    });

    it('refuses when the connection drops', async () => {
      const b = await backend();
      await role(b, 'tenant-a', tenantRole);
      kube.injectFault(({ path }) => (path.endsWith('/tokenreviews') ? 'drop' : undefined));
      await expectDenied(login(b, 'tenant-a', await saToken('tenant-a', 'app')), /unreachable/, 'warn');
    });

    it('refuses when nothing listens at kubernetes_host', async () => {
      const b = await backend({ kubernetes_host: `https://127.0.0.1:${await freePort()}` });
      await role(b, 'tenant-a', tenantRole);
      await expectDenied(login(b, 'tenant-a', await saToken('tenant-a', 'app')), /unreachable/, 'warn');
    });

    it('refuses when the reviewer may not create TokenReviews', async () => {
      const b = await backend();
      await role(b, 'tenant-a', tenantRole);
      kube.setAuthorizer((_user, attrs) => attrs.resource !== 'tokenreviews');
      await expectDenied(login(b, 'tenant-a', await saToken('tenant-a', 'app')), /answered 403/, 'warn');
    });

    it('refuses when the reviewer JWT itself is no longer valid', async () => {
      const b = await backend({ token_reviewer_jwt: kube.mintToken({ namespace: 'vault', serviceAccount: 'vault-auth', issuedAt: 1_000_000 }).token });
      await role(b, 'tenant-a', tenantRole);
      await expectDenied(login(b, 'tenant-a', await saToken('tenant-a', 'app')), /service account unauthorized/, 'warn');
    });

    it('refuses odd answers from a substituted transport', async () => {
      const answers: Awaited<ReturnType<KubeFetch>>[] = [
        { status: 200, body: 'not json' },
        { status: 200, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'nope', code: 500 }) },
        { status: 201, body: JSON.stringify({ status: { authenticated: true, user: { username: 'alice', uid: 'x' } } }) },
        { status: 201, body: JSON.stringify({ status: { authenticated: true, user: { username: 'system:node:tenant-a:app', uid: 'x' } } }) },
        { status: 201, body: JSON.stringify({ status: { authenticated: false } }) },
        { status: 201, body: JSON.stringify({ status: { authenticated: true, user: { username: 'system:serviceaccount:tenant-a:app', uid: 'someone-else' } } }) },
        { status: 201, body: JSON.stringify({ status: { authenticated: true, user: { username: 'system:serviceaccount:tenant-a:app-web', uid: 'x' } } }) },
      ];
      let i = 0;
      const fetchImpl: KubeFetch = async () => answers[i++] ?? { status: 500, body: '' };
      const b = await backend({}, { fetchImpl });
      await role(b, 'tenant-a', tenantRole);
      const jwt = await saToken('tenant-a', 'app');
      for (let n = 0; n < answers.length; n++) await expect(login(b, 'tenant-a', jwt)).rejects.toMatchObject({ code: 'ERR_PERMISSION_DENIED' });
      const throwing: KubeFetch = () => Promise.reject(new Error('ECONNRESET'));
      const c = await backend({}, { fetchImpl: throwing });
      await role(c, 'tenant-a', tenantRole);
      await expectDenied(login(c, 'tenant-a', jwt), /unreachable: ECONNRESET/, 'warn');
    });
  });

  describe('request errors', () => {
    it('answers 400 for missing fields and unknown roles, 500 when unconfigured', async () => {
      const b = await backend();
      await role(b, 'tenant-a', tenantRole);
      await expect(b.request('write', 'login', { jwt: 'x' })).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message: 'missing role' });
      await expect(b.request('write', 'login', { role: 'tenant-a' })).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message: 'missing jwt' });
      await expect(b.request('write', 'login', { role: 'nope', jwt: 'x' })).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message: 'invalid role name "nope"' });
      await expectDenied(login(b, 'tenant-a', 'not.a.jwt'), /not a JWT/);

      const unconfigured = await createTestBackend(createKubernetesFactory({ localServiceAccountDir: null }), { type: 'kubernetes' });
      await role(unconfigured, 'r', tenantRole);
      await expect(unconfigured.request('write', 'login', { role: 'r', jwt: 'x' })).rejects.toMatchObject({ code: 'ERR_INTERNAL', message: 'could not load backend configuration' });
    });

    it('finds roles case-insensitively', async () => {
      const b = await backend();
      await role(b, 'Tenant-A', tenantRole);
      expect((await login(b, 'TENANT-a', await saToken('tenant-a', 'app'))).metadata?.['role']).toBe('TENANT-a');
    });

    it('enforces token_bound_cidrs at login', async () => {
      const b = await backend();
      await role(b, 'far', { ...tenantRole, token_bound_cidrs: '10.0.0.0/8' });
      await expectDenied(login(b, 'far', await saToken('tenant-a', 'app')), /token_bound_cidrs/);
      await role(b, 'near', { ...tenantRole, token_bound_cidrs: '127.0.0.0/8' });
      expect((await login(b, 'near', await saToken('tenant-a', 'app'))).boundCidrs).toEqual(['127.0.0.0/8']);
    });

    it('never logs the JWT', async () => {
      const b = await backend();
      await role(b, 'tenant-a', tenantRole);
      const jwt = await saToken('tenant-a', 'default');
      await expect(login(b, 'tenant-a', jwt)).rejects.toThrow();
      expect(logs.length).toBeGreaterThan(0);
      expect(JSON.stringify(logs)).not.toContain(jwt.split('.')[2] ?? 'x');
    });
  });
});

describe('kubernetes auth: local token validation (no TokenReview)', () => {
  it('verifies against the cluster JWKS, never calls TokenReview, and still refuses forged and wrong-audience tokens', async () => {
    const b = await backend({ local_token_validation: true });
    await role(b, 'tenant-a', tenantRole);
    const reviewsBefore = tokenReviews().length;
    const auth = await login(b, 'tenant-a', await saToken('tenant-a', 'app'));
    expect(auth.metadata).toMatchObject({ service_account_namespace: 'tenant-a', service_account_name: 'app' });
    expect(tokenReviews().length).toBe(reviewsBefore);

    // A token signed by another cluster's key does not verify.
    const other = await start();
    try {
      other.createNamespace('tenant-a');
      other.createServiceAccount('tenant-a', 'app');
      const forged = (await other.client.requestToken('tenant-a', 'app', { audiences: ['vault'] })).status.token;
      await expectDenied(login(b, 'tenant-a', forged), /cluster JWKS/);
    } finally {
      await other.close();
    }
    await expectDenied(login(b, 'tenant-a', await saToken('tenant-a', 'app', ['not-vault'])), /aud/);
    expect(tokenReviews().length).toBe(reviewsBefore);
  });

  it('verifies against pem_keys when they are configured', async () => {
    const { createPublicKey } = await import('node:crypto');
    const jwks = await kube.client.request<{ keys: import('node:crypto').JsonWebKey[] }>('GET', '/openid/v1/jwks');
    const pem = jwks.keys.map((k) => createPublicKey({ key: k, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString());
    const b = await backend({ local_token_validation: true, pem_keys: pem });
    await role(b, 'tenant-a', tenantRole);
    const before = kube.requests.length;
    await login(b, 'tenant-a', await saToken('tenant-a', 'app'));
    // Only the TokenRequest the test itself made reached the API server.
    expect(kube.requests.slice(before).filter((r) => r.path.includes('tokenreviews') || r.path.includes('jwks'))).toEqual([]);
  });
});
