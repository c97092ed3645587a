import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from './client.js';
import { DEFAULT_ISSUER, LEGACY_ISSUER, start, type KubeTestServer } from './index.js';

let kube: KubeTestServer;
let es: KubeTestServer;

beforeAll(async () => {
  [kube, es] = await Promise.all([start(), start({ signingAlgorithm: 'ES256', issuer: 'https://issuer.example.test', apiAudiences: ['api'] })]);
  kube.createNamespace('tenant');
  kube.createServiceAccount('tenant', 'app');
});

afterAll(async () => {
  await Promise.all([kube.close(), es.close()]);
});

async function jwks(server: KubeTestServer): Promise<JSONWebKeySet> {
  return server.clientFor(undefined).request<JSONWebKeySet>('GET', '/openid/v1/jwks');
}

describe('kube test server: OIDC discovery', () => {
  it('publishes the issuer and its keys without authentication', async () => {
    const anonymous = kube.clientFor(undefined);
    const config = await anonymous.request<Record<string, unknown>>('GET', '/.well-known/openid-configuration');
    expect(config).toEqual({
      issuer: DEFAULT_ISSUER,
      jwks_uri: `${kube.url}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const set = await jwks(kube);
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toMatchObject({ use: 'sig', kty: 'RSA', alg: 'RS256', e: 'AQAB' });
    expect(typeof set.keys[0]?.kid).toBe('string');
  });
});

describe('kube test server: TokenRequest', () => {
  it('mints an RS256 token with the projected claims, verifiable with the published JWKS', async () => {
    const sa = await kube.client.get('serviceaccounts', 'app', { namespace: 'tenant' });
    const res = await kube.client.requestToken('tenant', 'app', { audiences: ['vault'], expirationSeconds: 1200 });
    expect(kube.requests.at(-1)?.status).toBe(201);
    expect(res).toMatchObject({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: ['vault'], expirationSeconds: 1200 } });
    const { payload, protectedHeader } = await jwtVerify(res.status.token, createLocalJWKSet(await jwks(kube)), { issuer: DEFAULT_ISSUER, audience: 'vault' });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe('system:serviceaccount:tenant:app');
    expect(payload.aud).toEqual(['vault']);
    expect(payload.nbf).toBe(payload.iat);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(1200);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload['kubernetes.io']).toEqual({ namespace: 'tenant', serviceaccount: { name: 'app', uid: sa.metadata.uid } });
    expect(Date.parse(res.status.expirationTimestamp) / 1000).toBe(payload.exp);
  });

  it('defaults to the API audiences and one hour', async () => {
    const res = await kube.client.requestToken('tenant', 'app');
    const claims = decodeJwt(res.status.token);
    expect(claims.aud).toEqual([DEFAULT_ISSUER]);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    expect(res.spec.audiences).toEqual([DEFAULT_ISSUER]);
  });

  it('binds a token to a pod', async () => {
    const pod = await kube.client.create('pods', { metadata: { name: 'web' }, spec: { serviceAccountName: 'app', containers: [] } }, { namespace: 'tenant' });
    const res = await kube.client.requestToken('tenant', 'app', { audiences: ['vault'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: pod.metadata.uid ?? '' } });
    expect(decodeJwt(res.status.token)['kubernetes.io']).toMatchObject({ pod: { name: 'web', uid: pod.metadata.uid } });
    const review = await kube.client.tokenReview(res.status.token, ['vault']);
    expect(review.authenticated).toBe(true);
    expect(review.user?.extra?.['authentication.kubernetes.io/pod-name']).toEqual(['web']);
    await kube.client.delete('pods', 'web', { namespace: 'tenant' });
    const after = await kube.client.tokenReview(res.status.token, ['vault']);
    expect(after.authenticated).toBeUndefined();
    expect(after.error).toContain('service account token has been invalidated');
  });

  it('validates the request', async () => {
    const short = await kube.client.requestToken('tenant', 'app', { expirationSeconds: 60 }).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(KubeApiError);
    expect((short as KubeApiError).status).toBe(422);
    expect((short as KubeApiError).message).toContain('may not specify a duration less than 10 minutes');
    const missing = await kube.client.requestToken('tenant', 'nobody').catch((e: unknown) => e);
    expect((missing as KubeApiError).status).toBe(404);
    expect((missing as KubeApiError).message).toBe('serviceaccounts "nobody" not found');
  });

  it('signs ES256 with a configured issuer and API audiences', async () => {
    es.createServiceAccount('default', 'es');
    const res = await es.client.requestToken('default', 'es');
    expect(decodeProtectedHeader(res.status.token).alg).toBe('ES256');
    const { payload } = await jwtVerify(res.status.token, createLocalJWKSet(await jwks(es)), { issuer: 'https://issuer.example.test', audience: 'api' });
    expect(payload.sub).toBe('system:serviceaccount:default:es');
    expect((await es.clientFor(res.status.token).raw('GET', '/api/v1/namespaces')).status).toBe(200);
  });
});

describe('kube test server: TokenReview', () => {
  it('authenticates a valid token and reports user, groups and audiences', async () => {
    const sa = await kube.client.get('serviceaccounts', 'app', { namespace: 'tenant' });
    const { status } = await kube.client.requestToken('tenant', 'app', { audiences: ['vault', 'other'] });
    const raw = await kube.client.raw('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: status.token, audiences: ['vault'] } },
    });
    expect(raw.status).toBe(201);
    expect(raw.body).toMatchObject({
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      status: {
        authenticated: true,
        user: {
          username: 'system:serviceaccount:tenant:app',
          uid: sa.metadata.uid,
          groups: ['system:serviceaccounts', 'system:serviceaccounts:tenant', 'system:authenticated'],
        },
        audiences: ['vault'],
      },
    });
  });

  it('refuses a token whose audiences do not intersect (default: the API audiences)', async () => {
    const { status } = await kube.client.requestToken('tenant', 'app', { audiences: ['vault'] });
    const wrong = await kube.client.tokenReview(status.token, ['elsewhere']);
    expect(wrong.authenticated).toBeUndefined();
    expect(wrong.error).toContain('token audiences ["vault"] is invalid for the target audiences ["elsewhere"]');
    const byDefault = await kube.client.tokenReview(status.token);
    expect(byDefault.error).toContain(`is invalid for the target audiences ["${DEFAULT_ISSUER}"]`);
    // And a token for another audience cannot call the API.
    expect((await kube.clientFor(status.token).raw('GET', '/api/v1/namespaces')).status).toBe(401);
  });

  it('refuses expired, forged and foreign tokens', async () => {
    const expired = kube.mintToken({ namespace: 'tenant', serviceAccount: 'app', audiences: ['vault'], issuedAt: Math.floor(Date.now() / 1000) - 7200 });
    expect((await kube.client.tokenReview(expired.token, ['vault'])).error).toContain('service account token has expired');
    const foreign = es.mintToken({ namespace: 'default', serviceAccount: 'default', audiences: ['vault'] });
    expect((await kube.client.tokenReview(foreign.token, ['vault'])).authenticated).toBeUndefined();
    const [h, , s] = expired.token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(expired.token), exp: 9999999999 })).toString('base64url');
    const forged = await kube.client.tokenReview(`${h ?? ''}.${forgedPayload}.${s ?? ''}`, ['vault']);
    expect(forged.error).toContain('cryptographic primitive');
    expect((await kube.client.tokenReview('not-a-jwt')).authenticated).toBeUndefined();
  });

  it('refuses tokens of a deleted (or deleted and recreated) ServiceAccount', async () => {
    kube.createServiceAccount('tenant', 'short-lived');
    const { status } = await kube.client.requestToken('tenant', 'short-lived', { audiences: ['vault'] });
    expect((await kube.client.tokenReview(status.token, ['vault'])).authenticated).toBe(true);
    await kube.client.delete('serviceaccounts', 'short-lived', { namespace: 'tenant' });
    const deleted = await kube.client.tokenReview(status.token, ['vault']);
    expect(deleted.authenticated).toBeUndefined();
    expect(deleted.error).toContain('serviceaccounts "short-lived" not found');
    kube.createServiceAccount('tenant', 'short-lived');
    const recreated = await kube.client.tokenReview(status.token, ['vault']);
    expect(recreated.error).toContain('does not match claim');
  });

  it('authenticates legacy Secret-based tokens while their Secret exists', async () => {
    const token = kube.mintLegacyToken('tenant', 'app', 'app-legacy');
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: LEGACY_ISSUER,
      sub: 'system:serviceaccount:tenant:app',
      'kubernetes.io/serviceaccount/namespace': 'tenant',
      'kubernetes.io/serviceaccount/secret.name': 'app-legacy',
      'kubernetes.io/serviceaccount/service-account.name': 'app',
    });
    expect(claims.exp).toBeUndefined();
    const secret = await kube.client.get('secrets', 'app-legacy', { namespace: 'tenant' });
    expect(Object.keys(secret['data'] as object).sort()).toEqual(['ca.crt', 'namespace', 'token']);
    const ok = await kube.client.tokenReview(token);
    expect(ok).toMatchObject({ authenticated: true, user: { username: 'system:serviceaccount:tenant:app' }, audiences: [DEFAULT_ISSUER] });
    expect((await kube.client.tokenReview(token, ['vault'])).authenticated).toBeUndefined();
    await kube.client.delete('secrets', 'app-legacy', { namespace: 'tenant' });
    expect((await kube.client.tokenReview(token)).error).toContain('token has been invalidated');
  });

  it('fills token Secrets created through the API (token controller)', async () => {
    await kube.client.create(
      'secrets',
      { metadata: { name: 'via-api', annotations: { 'kubernetes.io/service-account.name': 'app' } }, type: 'kubernetes.io/service-account-token' },
      { namespace: 'tenant' },
    );
    const secret = await kube.client.get('secrets', 'via-api', { namespace: 'tenant' });
    const token = Buffer.from(String((secret['data'] as Record<string, string>)['token']), 'base64').toString('utf8');
    expect((await kube.client.tokenReview(token)).authenticated).toBe(true);
  });

  it('requires an authenticated and authorized caller', async () => {
    const { status } = await kube.client.requestToken('tenant', 'app');
    const anonymous = await kube.clientFor(undefined).raw('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', spec: { token: status.token } },
    });
    expect(anonymous.status).toBe(401);
    const reviewer = kube.clientFor(status.token);
    expect((await reviewer.tokenReview(status.token)).authenticated).toBe(true);
    kube.setAuthorizer((user, attrs) => user.username === 'kubernetes-admin' || attrs.resource !== 'tokenreviews');
    try {
      const denied = await reviewer.tokenReview(status.token).catch((e: unknown) => e);
      expect((denied as KubeApiError).status).toBe(403);
    } finally {
      kube.setAuthorizer(undefined);
    }
  });

  it('keeps verifying tokens signed before a key rotation', async () => {
    const before = kube.mintToken({ namespace: 'tenant', serviceAccount: 'app', audiences: ['vault'] });
    kube.tokens.rotateKey();
    const after = kube.mintToken({ namespace: 'tenant', serviceAccount: 'app', audiences: ['vault'] });
    expect((await jwks(kube)).keys).toHaveLength(2);
    expect((await kube.client.tokenReview(before.token, ['vault'])).authenticated).toBe(true);
    kube.tokens.dropOldKeys();
    expect((await kube.client.tokenReview(before.token, ['vault'])).authenticated).toBeUndefined();
    expect((await kube.client.tokenReview(after.token, ['vault'])).authenticated).toBe(true);
  });
});
