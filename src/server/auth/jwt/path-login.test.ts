import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors.js';
import type { TestBackend } from '../../sdk/testing.js';
import { expectUserError, FakeProvider, jwtBackend, makeKey, ManualClock, publicPem, signJwt, type SigningKey } from './testing.js';

const ISSUER = 'https://issuer.example';
const CANARY = 'leak-canary-7d1f0c';

describe('jwt login with static keys', () => {
  let key: SigningKey;
  let otherKey: SigningKey;
  let clock: ManualClock;
  let t: TestBackend;
  /** Every refusal message seen, checked for token contents at the end. */
  const messages: string[] = [];
  const tokens: string[] = [];

  beforeAll(async () => {
    key = await makeKey('static-1');
    otherKey = await makeKey('static-2');
  });

  beforeEach(async () => {
    clock = new ManualClock();
    t = await jwtBackend({ now: clock.now });
    await t.request('write', 'config', { jwt_validation_pubkeys: [await publicPem(key)], bound_issuer: ISSUER, default_role: 'dev' });
    await t.request('write', 'role/dev', {
      role_type: 'jwt',
      user_claim: 'email',
      bound_audiences: 'vault',
      claim_mappings: { email: 'mail', '/org/unit': 'unit', level: 'level', admin: 'admin' },
      groups_claim: 'groups',
      token_policies: 'dev',
      token_ttl: '1h',
    });
  });

  afterAll(() => {
    // No refusal may echo the token or any of its claims.
    expect(messages.length).toBeGreaterThan(15);
    for (const m of messages) {
      expect(m).not.toContain(CANARY);
      for (const tok of tokens) {
        for (const part of tok.split('.').filter((p) => p.length > 8)) expect(m).not.toContain(part);
      }
    }
  });

  function claims(extra: Record<string, unknown> = {}): JWTPayload {
    return {
      iss: ISSUER,
      sub: 'user-1',
      aud: 'vault',
      iat: clock.seconds,
      exp: clock.seconds + 300,
      email: 'alice@example.com',
      groups: ['eng', 'ops'],
      org: { unit: 'infra' },
      level: 3,
      admin: true,
      canary: CANARY,
      ...extra,
    };
  }

  async function token(extra: Record<string, unknown> = {}, signer: SigningKey = key): Promise<string> {
    const tok = await signJwt(signer, claims(extra));
    tokens.push(tok);
    return tok;
  }

  async function refused(data: Record<string, unknown>, message: string | RegExp): Promise<void> {
    const err = await expectUserError(t.request('write', 'login', data), message);
    messages.push(err.message, ...err.details);
  }

  it('logs in: policies, metadata, display name, alias and group aliases', async () => {
    const resp = await t.request('write', 'login', { role: 'dev', jwt: await token() });
    expect(resp).toEqual({
      login: {
        policies: ['dev'],
        ttl: 3600,
        maxTtl: 0,
        explicitMaxTtl: 0,
        period: 0,
        numUses: 0,
        boundCidrs: [],
        tokenType: 'default',
        noDefaultPolicy: false,
        metadata: { role: 'dev', mail: 'alice@example.com', unit: 'infra', level: '3', admin: 'true' },
        displayName: 'alice@example.com',
        alias: { name: 'alice@example.com', metadata: { mail: 'alice@example.com', unit: 'infra', level: '3', admin: 'true' } },
        groupAliases: ['eng', 'ops'],
      },
    });
  });

  it('uses default_role when no role is sent', async () => {
    const resp = await t.request('write', 'login', { jwt: await token() });
    expect(resp?.login?.metadata?.['role']).toBe('dev');
  });

  it('refuses requests it cannot route to a role', async () => {
    await refused({ role: 'nope', jwt: await token() }, 'role "nope" could not be found');
    await refused({ role: 'dev' }, 'missing token');
    await t.request('write', 'role/web', { user_claim: 'email', allowed_redirect_uris: 'https://app.example/cb' });
    await refused({ role: 'web', jwt: await token() }, 'role with oidc role_type is not allowed');
    const bare = await jwtBackend();
    await expectUserError(bare.request('write', 'login', { role: 'dev', jwt: 'x' }), 'could not load configuration');
    await bare.request('write', 'config', { jwt_validation_pubkeys: [await publicPem(key)] });
    await expectUserError(bare.request('write', 'login', { jwt: 'x' }), 'missing role');
  });

  it('refuses a bad signature, a tampered token and a malformed one', async () => {
    await refused(
      { jwt: await token({}, otherKey) },
      'error validating token: error verifying token signature: no known key successfully validated the token signature',
    );
    const [h, , s] = (await token()).split('.');
    const forged = Buffer.from(JSON.stringify(claims({ email: 'mallory@example.com' }))).toString('base64url');
    tokens.push(`${h}.${forged}.${s}`);
    await refused({ jwt: `${h}.${forged}.${s}` }, /^error validating token: error verifying token signature/);
    await refused({ jwt: 'not-a-jwt' }, 'error validating token: malformed token');
    await refused({ jwt: `${h}.${forged}` }, 'error validating token: malformed token');
  });

  it('refuses algorithms outside the allowed set (HS256, none, unconfigured ones)', async () => {
    const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('shared-secret-shared-secret-1234'));
    tokens.push(hs);
    await refused({ jwt: hs }, /^error validating token: invalid algorithm \(alg\) header parameter/);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
    tokens.push(none);
    await refused({ jwt: none }, /^error validating token: invalid algorithm/);
    await t.request('write', 'config', { jwt_validation_pubkeys: [await publicPem(key)], bound_issuer: ISSUER, default_role: 'dev', jwt_supported_algs: 'ES256' });
    await refused({ jwt: await token() }, /^error validating token: invalid algorithm/);
  });

  it('refuses a wrong issuer', async () => {
    await refused({ jwt: await token({ iss: 'https://evil.example' }) }, 'error validating token: invalid issuer (iss) claim');
  });

  it('applies the clock skew leeway to exp, nbf and iat', async () => {
    expect((await t.request('write', 'login', { jwt: await token({ exp: clock.seconds - 30 }) }))?.login).toBeDefined();
    await refused({ jwt: await token({ exp: clock.seconds - 120 }) }, 'error validating token: invalid expiration time (exp) claim: token is expired');
    expect((await t.request('write', 'login', { jwt: await token({ nbf: clock.seconds + 30 }) }))?.login).toBeDefined();
    await refused({ jwt: await token({ nbf: clock.seconds + 120 }) }, 'error validating token: invalid not before (nbf) claim: token not yet valid');
    await refused({ jwt: await token({ iat: clock.seconds + 120 }) }, 'error validating token: invalid issued at (iat) claim: token issued in the future');

    await t.request('write', 'role/dev', { clock_skew_leeway: -1 });
    await refused({ jwt: await token({ exp: clock.seconds - 30 }) }, /token is expired/);
    await t.request('write', 'role/dev', { clock_skew_leeway: 300 });
    expect((await t.request('write', 'login', { jwt: await token({ exp: clock.seconds - 200 }) }))?.login).toBeDefined();
  });

  it('derives a missing exp from iat plus the expiration leeway, and needs some time claim', async () => {
    expect((await t.request('write', 'login', { jwt: await token({ exp: undefined, iat: clock.seconds - 100 }) }))?.login).toBeDefined();
    // iat + 150 + 60 s of skew is in the past.
    await refused({ jwt: await token({ exp: undefined, iat: clock.seconds - 300 }) }, /token is expired/);
    await t.request('write', 'role/dev', { expiration_leeway: 600 });
    expect((await t.request('write', 'login', { jwt: await token({ exp: undefined, iat: clock.seconds - 300 }) }))?.login).toBeDefined();
    await refused(
      { jwt: await token({ exp: undefined, iat: undefined }) },
      'error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token',
    );
    await refused({ jwt: await token({ exp: 'tomorrow' as unknown as number }) }, /^error validating token: invalid expiration time \(exp\) claim/);
  });

  it('checks the audience, and refuses an audience the role does not bind', async () => {
    expect((await t.request('write', 'login', { jwt: await token({ aud: ['other', 'vault'] }) }))?.login).toBeDefined();
    await refused(
      { jwt: await token({ aud: 'someone-else' }) },
      'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
    );
    await refused({ jwt: await token({ aud: undefined }) }, /invalid audience \(aud\) claim/);

    await t.request('write', 'role/subject', { role_type: 'jwt', user_claim: 'email', bound_subject: 'user-1' });
    await refused({ role: 'subject', jwt: await token() }, 'audience claim found in JWT but no audiences bound to the role');
    await refused({ role: 'subject', jwt: await token({ aud: ['a', 'b'] }) }, 'audience claim found in JWT but no audiences bound to the role');
    expect((await t.request('write', 'login', { role: 'subject', jwt: await token({ aud: undefined }) }))?.login).toBeDefined();
  });

  it('checks bound_subject', async () => {
    await t.request('write', 'role/dev', { bound_subject: 'user-1' });
    expect((await t.request('write', 'login', { jwt: await token() }))?.login).toBeDefined();
    await refused({ jwt: await token({ sub: 'user-2' }) }, 'error validating token: invalid subject (sub) claim');
  });

  it('checks bound_claims by exact value, any-of lists and JSON pointers', async () => {
    await t.request('write', 'role/dev', { bound_claims: { team: ['eng', 'ops'], '/org/unit': 'infra', level: 3, admin: true } });
    expect((await t.request('write', 'login', { jwt: await token({ team: 'ops' }) }))?.login).toBeDefined();
    expect((await t.request('write', 'login', { jwt: await token({ team: ['sales', 'eng'] }) }))?.login).toBeDefined();
    await refused(
      { jwt: await token({ team: 'sales' }) },
      'error validating claims: claim "team" does not match any associated bound claim values',
    );
    await refused({ jwt: await token() }, 'error validating claims: claim "team" is missing');
    await refused(
      { jwt: await token({ team: 'eng', org: { unit: 'retail' } }) },
      'error validating claims: claim "/org/unit" does not match any associated bound claim values',
    );
    await refused({ jwt: await token({ team: 'eng', org: 'flat' }) }, 'error validating claims: claim "/org/unit" is missing');
    await refused({ jwt: await token({ team: 'eng', level: 4 }) }, /claim "level" does not match/);
    await refused({ jwt: await token({ team: 'eng', admin: false }) }, /claim "admin" does not match/);
    await refused({ jwt: await token({ team: { nested: CANARY } }) }, 'error validating claims: claim "team" is not a string or list');
  });

  it('checks bound_claims as globs', async () => {
    await t.request('write', 'role/dev', { bound_claims_type: 'glob', bound_claims: { email: ['*@example.com', 'root@*'] } });
    expect((await t.request('write', 'login', { jwt: await token() }))?.login).toBeDefined();
    expect((await t.request('write', 'login', { jwt: await token({ email: 'root@anywhere' }) }))?.login).toBeDefined();
    await refused(
      { jwt: await token({ email: 'alice@example.com.evil' }) },
      'error validating claims: claim "email" does not match any associated bound claim values',
    );
    // A string bound claim is not a glob.
    await t.request('write', 'role/dev', { bound_claims_type: 'string' });
    await refused({ jwt: await token() }, /claim "email" does not match/);
  });

  it('needs the user claim, as a string; it may be a JSON pointer', async () => {
    await refused({ jwt: await token({ email: undefined }) }, 'claim "email" not found in token');
    await refused({ jwt: await token({ email: 42 }) }, 'claim "email" could not be converted to string');
    await t.request('write', 'role/dev', { user_claim: '/profile/login', user_claim_json_pointer: true, claim_mappings: {} });
    const resp = await t.request('write', 'login', { jwt: await token({ profile: { login: 'al' } }) });
    expect(resp?.login?.displayName).toBe('al');
    expect(resp?.login?.alias).toEqual({ name: 'al', metadata: {} });
    expect(resp?.login?.metadata).toEqual({ role: 'dev' });
  });

  it('turns groups_claim into group aliases', async () => {
    await t.request('write', 'role/dev', { groups_claim: '/org/teams' });
    let resp = await t.request('write', 'login', { jwt: await token({ org: { unit: 'x', teams: ['a', '', 'b', 'a'] } }) });
    expect(resp?.login?.groupAliases).toEqual(['a', 'b']);
    resp = await t.request('write', 'login', { jwt: await token({ org: { unit: 'x', teams: 'solo' } }) });
    expect(resp?.login?.groupAliases).toEqual(['solo']);
    await refused({ jwt: await token() }, 'failed to fetch groups: "/org/teams" claim not found in token');
    await refused({ jwt: await token({ org: { teams: [CANARY, 7] } }) }, 'a value in the "/org/teams" claim could not be parsed as string');
    await t.request('write', 'role/dev', { groups_claim: '' });
    resp = await t.request('write', 'login', { jwt: await token() });
    expect(resp?.login?.groupAliases).toEqual([]);
  });

  it('refuses a claim mapping it cannot turn into a string', async () => {
    await refused({ jwt: await token({ level: { deep: CANARY } }) }, "error converting claim 'level' to string from unknown type object");
  });

  it('enforces token_bound_cidrs at login (403)', async () => {
    await t.request('write', 'role/dev', { token_bound_cidrs: '10.0.0.0/8' });
    const err = await t.request('write', 'login', { jwt: await token() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ERR_PERMISSION_DENIED');
    await t.request('write', 'role/dev', { token_bound_cidrs: '127.0.0.0/8' });
    const resp = await t.request('write', 'login', { jwt: await token() });
    expect(resp?.login?.boundCidrs).toEqual(['127.0.0.0/8']);
  });

  it('tries every configured key', async () => {
    await t.request('write', 'config', { jwt_validation_pubkeys: [await publicPem(otherKey), await publicPem(key)], bound_issuer: ISSUER, default_role: 'dev' });
    expect((await t.request('write', 'login', { jwt: await token() }))?.login).toBeDefined();
    expect((await t.request('write', 'login', { jwt: await token({}, otherKey) }))?.login).toBeDefined();
  });
});

describe('jwt login with remote keys', () => {
  let provider: FakeProvider;
  let clock: ManualClock;

  beforeAll(async () => {
    provider = await FakeProvider.start();
  });
  afterAll(async () => {
    await provider.close();
  });
  beforeEach(async () => {
    clock = new ManualClock();
    provider.keys = [await makeKey('key-1')];
    provider.jwksFetches = 0;
  });

  async function backend(config: Record<string, unknown>, options: { minRefreshMs?: number; maxAgeMs?: number } = {}): Promise<TestBackend> {
    const t = await jwtBackend({
      now: clock.now,
      ...(options.minRefreshMs !== undefined ? { jwksMinRefreshMs: options.minRefreshMs } : {}),
      ...(options.maxAgeMs !== undefined ? { jwksMaxAgeMs: options.maxAgeMs } : {}),
    });
    expect(await t.request('write', 'config', config)).toBeNull();
    await t.request('write', 'role/ci', { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'vault', token_policies: 'ci' });
    return t;
  }

  const claims = (): JWTPayload => ({ iss: provider.url, sub: 'pipeline-7', aud: 'vault', iat: clock.seconds, exp: clock.seconds + 60 });

  async function login(t: TestBackend, kid?: string): Promise<string> {
    const resp = await t.request('write', 'login', { role: 'ci', jwt: await provider.sign(claims(), kid) });
    return resp?.login?.alias.name ?? '';
  }

  it('verifies against a JWKS URL (RSA and EC keys)', async () => {
    provider.keys.push(await makeKey('ec-1', 'ES256'), await makeKey('ed-1', 'EdDSA'));
    const t = await backend({ jwks_url: provider.jwksUrl, bound_issuer: provider.url });
    expect(await login(t)).toBe('pipeline-7');
    expect(await login(t, 'ec-1')).toBe('pipeline-7');
    expect(await login(t, 'ed-1')).toBe('pipeline-7');
    // One fetch at config write (validation), one for the cache.
    expect(provider.jwksFetches).toBe(2);
    const stranger = await makeKey('key-1');
    await expectUserError(
      t.request('write', 'login', { role: 'ci', jwt: await signJwt(stranger, claims()) }),
      'error validating token: error verifying token signature: no known key successfully validated the token signature',
    );
  });

  it('verifies against the JWKS of an OIDC discovery document', async () => {
    const t = await backend({ oidc_discovery_url: provider.url, bound_issuer: provider.url });
    expect(await login(t)).toBe('pipeline-7');
  });

  it('does not call a failing discovery endpoint on every login', async () => {
    const t = await backend({ oidc_discovery_url: provider.url }, { minRefreshMs: 10_000 });
    provider.discoveryOverrides = { issuer: 'https://moved.example' };
    try {
      const before = provider.discoveryFetches;
      await expectUserError(t.request('write', 'login', { role: 'ci', jwt: await provider.sign(claims()) }), /unable to load the configured keys/);
      await expectUserError(t.request('write', 'login', { role: 'ci', jwt: await provider.sign(claims()) }), /unable to load the configured keys/);
      expect(provider.discoveryFetches).toBe(before + 1);
    } finally {
      provider.discoveryOverrides = {};
    }
    clock.advance(10_000);
    expect(await login(t)).toBe('pipeline-7');
  });

  it('picks up rotated keys after a refetch, at most once per refresh interval', async () => {
    const t = await backend({ jwks_url: provider.jwksUrl }, { minRefreshMs: 10_000 });
    expect(await login(t, 'key-1')).toBe('pipeline-7');
    const fetched = provider.jwksFetches;

    // The provider rotates: key-2 replaces key-1.
    provider.keys = [await makeKey('key-2')];
    const newToken = await provider.sign(claims(), 'key-2');
    // Within the refresh interval the unknown kid is not worth a refetch.
    await expectUserError(t.request('write', 'login', { role: 'ci', jwt: newToken }), /no known key successfully validated/);
    expect(provider.jwksFetches).toBe(fetched);

    clock.advance(11_000);
    const fresh = await provider.sign(claims(), 'key-2');
    expect((await t.request('write', 'login', { role: 'ci', jwt: fresh }))?.login?.alias.name).toBe('pipeline-7');
    expect(provider.jwksFetches).toBe(fetched + 1);

    // A token signed with the removed key is refused.
    const oldKey = await makeKey('key-1');
    await expectUserError(t.request('write', 'login', { role: 'ci', jwt: await signJwt(oldKey, claims()) }), /no known key successfully validated/);
  });

  it('stops trusting a removed key once the cached set is stale', async () => {
    const key1 = provider.keys[0] as SigningKey;
    provider.keys.push(await makeKey('key-2'));
    const t = await backend({ jwks_url: provider.jwksUrl }, { minRefreshMs: 1_000, maxAgeMs: 60_000 });
    expect(await login(t, 'key-1')).toBe('pipeline-7');
    provider.keys = provider.keys.filter((k) => k.kid !== 'key-1');
    // Still cached…
    expect(await login(t, 'key-2')).toBe('pipeline-7');
    expect((await t.request('write', 'login', { role: 'ci', jwt: await signJwt(key1, claims()) }))?.login).toBeDefined();
    // …until the cache is older than its maximum age.
    clock.advance(61_000);
    await expectUserError(t.request('write', 'login', { role: 'ci', jwt: await signJwt(key1, claims()) }), /no known key successfully validated/);
    expect(await login(t, 'key-2')).toBe('pipeline-7');
  });

  it('reports an unreachable JWKS without details of the token', async () => {
    const t = await backend({ jwks_url: provider.jwksUrl });
    const tok = await provider.sign(claims());
    await provider.close();
    try {
      const err = await expectUserError(t.request('write', 'login', { role: 'ci', jwt: tok }), /^error validating token: error verifying token signature: unable to fetch the JSON Web Key Set/);
      expect(err.message).not.toContain(tok.split('.')[1] ?? '');
    } finally {
      const restarted = await FakeProvider.start();
      provider = restarted;
    }
  });
});
