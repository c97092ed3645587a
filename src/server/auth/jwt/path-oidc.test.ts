import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestBackend } from '../../sdk/testing.js';
import { validRedirect } from './path-oidc.js';
import { dataOf, expectUserError, FakeProvider, jwtBackend, ManualClock } from './testing.js';

const REDIRECT = 'https://app.example/oidc/callback';
const CLI_REDIRECT = 'http://localhost:8250/oidc/callback';
const USER: JWTPayload = { sub: 'user-1', email: 'alice@example.com', name: 'Alice', groups: ['g1', 'g2'] };

describe('OIDC authorization-code flow', () => {
  let provider: FakeProvider;
  let t: TestBackend;

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(async () => {
    await provider.close();
  });

  async function setup(options: { now?: () => number } = {}): Promise<TestBackend> {
    const backend = await jwtBackend(options);
    expect(
      await backend.request('write', 'config', {
        oidc_discovery_url: provider.url,
        oidc_client_id: provider.clientId,
        oidc_client_secret: provider.clientSecret,
        default_role: 'web',
      }),
    ).toBeNull();
    await backend.request('write', 'role/web', {
      user_claim: 'email',
      allowed_redirect_uris: [REDIRECT, CLI_REDIRECT],
      oidc_scopes: 'profile,email',
      groups_claim: 'groups',
      claim_mappings: { name: 'name' },
      token_policies: 'web',
    });
    return backend;
  }

  beforeEach(async () => {
    provider.idTokenOverrides = {};
    provider.userinfo = {};
    provider.rejectTokens = false;
    provider.postAuthOnly = false;
    provider.now = Date.now;
    provider.tokenRequests.length = 0;
    t = await setup();
  });

  async function authUrl(data: Record<string, unknown> = {}): Promise<string> {
    const resp = await t.request('write', 'oidc/auth_url', { role: 'web', redirect_uri: REDIRECT, ...data });
    return dataOf(resp)['auth_url'] as string;
  }

  async function start(claims: JWTPayload = USER, data: Record<string, unknown> = {}): Promise<{ code: string; state: string }> {
    return provider.authorize(await authUrl(data), claims);
  }

  it('builds the authorization URL with state, nonce, scopes and PKCE', async () => {
    const url = new URL(await authUrl());
    expect(`${url.origin}${url.pathname}`).toBe(`${provider.url}/authorize`);
    const q = url.searchParams;
    expect(q.get('client_id')).toBe(provider.clientId);
    expect(q.get('redirect_uri')).toBe(REDIRECT);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('scope')).toBe('openid profile email');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(q.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(q.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(q.get('state')).not.toBe(q.get('nonce'));
    expect(q.has('max_age')).toBe(false);
    expect(url.toString()).not.toContain(provider.clientSecret);
  });

  it('logs in end to end: code exchange, ID token checks, identity', async () => {
    const { code, state } = await start();
    const resp = await t.request('read', 'oidc/callback', { state, code });
    expect(resp?.login).toEqual({
      policies: ['web'],
      ttl: 0,
      maxTtl: 0,
      explicitMaxTtl: 0,
      period: 0,
      numUses: 0,
      boundCidrs: [],
      tokenType: 'default',
      noDefaultPolicy: false,
      metadata: { role: 'web', name: 'Alice' },
      displayName: 'alice@example.com',
      alias: { name: 'alice@example.com', metadata: { name: 'Alice' } },
      groupAliases: ['g1', 'g2'],
    });
    // The client authenticated with HTTP Basic; the PKCE verifier went along; the secret stayed out of the body.
    const [exchange] = provider.tokenRequests;
    expect(exchange?.authorization).toBe(`Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString('base64')}`);
    expect(exchange?.form['code_verifier']).toMatch(/^[\w-]{43}$/);
    expect(exchange?.form['redirect_uri']).toBe(REDIRECT);
    expect(exchange?.form).not.toHaveProperty('client_secret');
  });

  it('each state works once', async () => {
    const { code, state } = await start();
    expect((await t.request('read', 'oidc/callback', { state, code }))?.login).toBeDefined();
    await expectUserError(t.request('read', 'oidc/callback', { state, code }), 'Vault login failed. Expired or missing OAuth state.');
    await expectUserError(t.request('read', 'oidc/callback', { state: 'made-up', code }), 'Vault login failed. Expired or missing OAuth state.');
  });

  it('states expire after ten minutes', async () => {
    const clock = new ManualClock();
    clock.t = Date.now();
    t = await setup({ now: clock.now });
    provider.now = clock.now;
    const { code, state } = await start();
    clock.advance(11 * 60_000);
    await expectUserError(t.request('read', 'oidc/callback', { state, code }), 'Vault login failed. Expired or missing OAuth state.');
  });

  it('answers an empty auth_url for redirect URIs the role does not allow', async () => {
    expect(await authUrl({ redirect_uri: 'https://evil.example/oidc/callback' })).toBe('');
    expect(await authUrl({ redirect_uri: 'https://app.example/oidc/callback/extra' })).toBe('');
    // Loopback redirects match whatever their port (RFC 8252).
    expect(await authUrl({ redirect_uri: 'http://localhost:51234/oidc/callback' })).not.toBe('');
    expect(await authUrl({ redirect_uri: 'http://127.0.0.1:8250/oidc/callback' })).toBe('');
    // jwt roles do not do the browser flow.
    await t.request('write', 'role/ci', { role_type: 'jwt', user_claim: 'sub', bound_subject: 'x', allowed_redirect_uris: REDIRECT });
    expect(await authUrl({ role: 'ci' })).toBe('');
  });

  it('refuses auth_url requests it cannot serve', async () => {
    await expectUserError(t.request('write', 'oidc/auth_url', { role: 'web' }), 'missing redirect_uri');
    await expectUserError(t.request('write', 'oidc/auth_url', { role: 'nope', redirect_uri: REDIRECT }), 'role "nope" could not be found');
    expect(dataOf(await t.request('write', 'oidc/auth_url', { redirect_uri: REDIRECT }))['auth_url']).not.toBe('');
    const jwksOnly = await jwtBackend();
    await jwksOnly.request('write', 'config', { jwks_url: provider.jwksUrl });
    await expectUserError(
      jwksOnly.request('write', 'oidc/auth_url', { role: 'web', redirect_uri: REDIRECT }),
      'OIDC login is not configured for this mount',
    );
  });

  it('requires the client_nonce given to auth_url', async () => {
    let flow = await start(USER, { client_nonce: 'cli-nonce' });
    await expectUserError(t.request('read', 'oidc/callback', { state: flow.state, code: flow.code }), 'invalid client_nonce');
    flow = await start(USER, { client_nonce: 'cli-nonce' });
    expect((await t.request('read', 'oidc/callback', { ...flow, client_nonce: 'cli-nonce' }))?.login).toBeDefined();
  });

  it('refuses ID tokens with the wrong nonce, audience, issuer or expiry', async () => {
    provider.idTokenOverrides = { nonce: 'replayed' };
    await expectUserError(t.request('read', 'oidc/callback', await start()), 'Vault login failed. invalid ID token nonce.');
    provider.idTokenOverrides = { aud: 'another-client' };
    await expectUserError(t.request('read', 'oidc/callback', await start()), 'Token verification failed. invalid id_token audience (aud) claim');
    provider.idTokenOverrides = { iss: 'https://evil.example' };
    await expectUserError(t.request('read', 'oidc/callback', await start()), 'Token verification failed. invalid id_token issuer (iss) claim');
    provider.idTokenOverrides = { exp: Math.floor(Date.now() / 1000) - 3600 };
    await expectUserError(t.request('read', 'oidc/callback', await start()), 'Token verification failed. id_token is expired');
    provider.idTokenOverrides = { azp: 'another-client' };
    await expectUserError(t.request('read', 'oidc/callback', await start()), /authorized party/);
  });

  it('checks bound_audiences besides the client id', async () => {
    await t.request('write', 'role/web', { bound_audiences: 'extra-aud' });
    await expectUserError(t.request('read', 'oidc/callback', await start()), /invalid id_token audience/);
    provider.idTokenOverrides = { aud: [provider.clientId, 'extra-aud'], azp: provider.clientId };
    expect((await t.request('read', 'oidc/callback', await start()))?.login).toBeDefined();
  });

  it('applies bound_subject, bound_claims and user_claim to the ID token', async () => {
    await t.request('write', 'role/web', { bound_subject: 'user-2' });
    await expectUserError(t.request('read', 'oidc/callback', await start()), 'Vault login failed. sub claim does not match bound subject');
    await t.request('write', 'role/web', { bound_subject: '', bound_claims: { groups: 'admins' } });
    await expectUserError(
      t.request('read', 'oidc/callback', await start()),
      'Vault login failed. error validating claims: claim "groups" does not match any associated bound claim values',
    );
    await t.request('write', 'role/web', { bound_claims: {} });
    await expectUserError(t.request('read', 'oidc/callback', await start({ sub: 'user-1' })), 'Vault login failed. claim "email" not found in token');
  });

  it('merges userinfo claims', async () => {
    provider.userinfo = { groups: ['from-userinfo'], name: 'Alice L.' };
    const resp = await t.request('read', 'oidc/callback', await start());
    expect(resp?.login?.groupAliases).toEqual(['from-userinfo']);
    expect(resp?.login?.metadata).toEqual({ role: 'web', name: 'Alice L.' });
  });

  it('reports token endpoint failures without secrets', async () => {
    provider.rejectTokens = true;
    const flow = await start();
    const err = await expectUserError(
      t.request('read', 'oidc/callback', flow),
      'Vault login failed. Error exchanging oidc code: "oauth2: cannot fetch token: status 400: invalid_grant".',
    );
    expect(err.message).not.toContain(flow.code);
    expect(err.message).not.toContain(provider.clientSecret);
  });

  it('falls back to client_secret_post when Basic authentication is refused', async () => {
    provider.postAuthOnly = true;
    expect((await t.request('read', 'oidc/callback', await start()))?.login).toBeDefined();
    expect(provider.tokenRequests).toHaveLength(2);
    expect(provider.tokenRequests[1]?.form['client_secret']).toBe(provider.clientSecret);
  });

  it('reports the provider’s error_description and a missing code', async () => {
    let flow = await start();
    await expectUserError(t.request('read', 'oidc/callback', { state: flow.state, error_description: 'access denied by user' }), 'Vault login failed. access denied by user');
    flow = await start();
    await expectUserError(t.request('read', 'oidc/callback', { state: flow.state }), 'Vault login failed. No code or id_token received.');
  });

  it('asks for max_age and checks auth_time', async () => {
    await t.request('write', 'role/web', { max_age: '5m' });
    const url = new URL(await authUrl());
    expect(url.searchParams.get('max_age')).toBe('300');
    await expectUserError(t.request('read', 'oidc/callback', await start()), /auth_time/);
    const now = Math.floor(Date.now() / 1000);
    expect((await t.request('read', 'oidc/callback', await start({ ...USER, auth_time: now - 10 })))?.login).toBeDefined();
    await expectUserError(t.request('read', 'oidc/callback', await start({ ...USER, auth_time: now - 3600 })), /older than max_age/);
  });

  it('enforces token_bound_cidrs on the callback', async () => {
    await t.request('write', 'role/web', { token_bound_cidrs: '10.0.0.0/8' });
    await expect(t.request('read', 'oidc/callback', await start())).rejects.toMatchObject({ code: 'ERR_PERMISSION_DENIED' });
  });

  it('a config write drops pending logins', async () => {
    const flow = await start();
    await t.request('write', 'config', {
      oidc_discovery_url: provider.url,
      oidc_client_id: provider.clientId,
      oidc_client_secret: provider.clientSecret,
      default_role: 'web',
    });
    await expectUserError(t.request('read', 'oidc/callback', flow), 'Vault login failed. Expired or missing OAuth state.');
  });
});

describe('validRedirect', () => {
  it('matches exactly (case-insensitively) except for loopback ports', () => {
    expect(validRedirect('https://a.example/cb', ['https://A.example/cb'])).toBe(true);
    expect(validRedirect('https://a.example:8443/cb', ['https://a.example/cb'])).toBe(false);
    expect(validRedirect('http://localhost:1/cb', ['http://localhost:2/cb'])).toBe(true);
    expect(validRedirect('http://127.0.0.1:1/cb', ['http://127.0.0.1/cb'])).toBe(true);
    expect(validRedirect('http://[::1]:1/cb', ['http://[::1]:9/cb'])).toBe(true);
    expect(validRedirect('http://localhost:1/other', ['http://localhost:2/cb'])).toBe(false);
    expect(validRedirect('not a url', ['not a url'])).toBe(false);
  });
});
