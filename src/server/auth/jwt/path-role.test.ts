import { describe, expect, it } from 'vitest';
import { dataOf, expectUserError, jwtBackend } from './testing.js';

describe('jwt roles', () => {
  it('creates, reads, lists and deletes a role with Vault’s read shape', async () => {
    const t = await jwtBackend();
    expect(
      await t.request('write', 'role/Dev', {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: 'vault,other',
        bound_claims: { team: ['a', 'b'] },
        claim_mappings: { email: 'mail' },
        groups_claim: 'groups',
        token_policies: 'dev,ops',
        token_ttl: '1h',
      }),
    ).toBeNull();
    expect(dataOf(await t.request('read', 'role/dev'))).toEqual({
      role_type: 'jwt',
      expiration_leeway: 150,
      not_before_leeway: 150,
      clock_skew_leeway: 60,
      bound_audiences: ['vault', 'other'],
      bound_subject: '',
      bound_claims_type: 'string',
      bound_claims: { team: ['a', 'b'] },
      claim_mappings: { email: 'mail' },
      user_claim: 'sub',
      user_claim_json_pointer: false,
      groups_claim: 'groups',
      allowed_redirect_uris: [],
      callback_mode: 'client',
      oidc_scopes: [],
      verbose_oidc_logging: false,
      max_age: 0,
      token_ttl: 3600,
      token_max_ttl: 0,
      token_period: 0,
      token_explicit_max_ttl: 0,
      token_policies: ['dev', 'ops'],
      token_bound_cidrs: [],
      token_type: 'default',
      token_num_uses: 0,
      token_no_default_policy: false,
    });
    expect(await t.request('list', 'role/')).toEqual({ data: { keys: ['dev'] } });
    expect(await t.request('delete', 'role/dev')).toBeNull();
    expect(await t.request('read', 'role/dev')).toBeNull();
  });

  it('updates only the fields sent', async () => {
    const t = await jwtBackend();
    await t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', bound_subject: 'me', clock_skew_leeway: -1 });
    await t.request('write', 'role/r', { token_policies: ['p'] });
    const read = dataOf(await t.request('read', 'role/r'));
    expect(read['role_type']).toBe('jwt');
    expect(read['bound_subject']).toBe('me');
    expect(read['clock_skew_leeway']).toBe(-1);
    expect(read['token_policies']).toEqual(['p']);
  });

  it('accepts the deprecated token field names', async () => {
    const t = await jwtBackend();
    await t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', bound_subject: 's', policies: 'a,b', ttl: 60, bound_cidrs: '10.0.0.0/8' });
    const read = dataOf(await t.request('read', 'role/r'));
    expect(read['token_policies']).toEqual(['a', 'b']);
    expect(read['token_ttl']).toBe(60);
    expect(read['token_bound_cidrs']).toEqual(['10.0.0.0/8']);
  });

  it('refuses invalid roles with Vault’s messages', async () => {
    const t = await jwtBackend();
    await expectUserError(t.request('write', 'role/r', { role_type: 'jwt', bound_subject: 's' }), 'a user claim must be defined on the role');
    await expectUserError(t.request('write', 'role/r', { role_type: 'saml', user_claim: 'sub' }), "invalid 'role_type': saml");
    await expectUserError(
      t.request('write', 'role/r', { user_claim: 'sub' }),
      "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.",
    );
    await expectUserError(
      t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub' }),
      'must have at least one bound constraint when creating/updating a role',
    );
    await expectUserError(
      t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', bound_subject: 's', bound_claims_type: 'regex' }),
      "invalid 'bound_claims_type': regex",
    );
    await expectUserError(
      t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', bound_claims_type: 'glob', bound_claims: { n: [1] } }),
      'claim is not a string: 1',
    );
    await expectUserError(
      t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', bound_claims: { n: { deep: true } } }),
      'claim is not a string or list: {"deep":true}',
    );
    await expectUserError(
      t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', bound_subject: 's', claim_mappings: { a: 'role' } }),
      'metadata key "role" is reserved and may not be a mapping destination',
    );
    await expectUserError(
      t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', bound_subject: 's', claim_mappings: { a: 'x', b: 'x' } }),
      'multiple keys are mapped to metadata key "x"',
    );
    await expectUserError(
      t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', token_bound_cidrs: 'nonsense' }),
      'failed to parse "nonsense" as an address',
    );
    await expectUserError(
      t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', bound_subject: 's', token_period: '10000h' }),
      `'period' of '"10000h0m0s"' is greater than the backend's maximum lease TTL of '"768h0m0s"'`,
    );
    await expectUserError(
      t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', bound_subject: 's', callback_mode: 'device' }),
      /callback_mode.*not supported/,
    );
    expect(await t.request('read', 'role/r')).toBeNull();
  });

  it('any single binding is enough for a jwt role', async () => {
    const t = await jwtBackend();
    for (const binding of [{ bound_audiences: 'a' }, { bound_subject: 's' }, { bound_claims: { a: 'b' } }, { token_bound_cidrs: '127.0.0.1' }]) {
      expect(await t.request('write', 'role/r', { role_type: 'jwt', user_claim: 'sub', ...binding })).toBeNull();
      await t.request('delete', 'role/r');
    }
  });

  it('warns about verbose logging and a max TTL over the mount’s', async () => {
    const t = await jwtBackend();
    const resp = await t.request('write', 'role/o', {
      user_claim: 'email',
      allowed_redirect_uris: 'http://localhost:8250/oidc/callback',
      verbose_oidc_logging: true,
      token_max_ttl: '10000h',
    });
    expect(resp?.warnings).toHaveLength(2);
    expect(dataOf(await t.request('read', 'role/o'))['role_type']).toBe('oidc');
  });
});
