import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { approleFactory } from './index.js';
import { createTestBackend } from '../../sdk/testing.js';
import { ManualClock, SlowStorage, approleBackend, createRole, dataOf, expectError, issueSecretId } from './testing.js';

const INVALID = 'invalid role or secret ID';

describe('approle login', () => {
  it('returns the login description for the core to turn into a token', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'web', {
      token_policies: 'dev,ops',
      token_ttl: '1h',
      token_max_ttl: '2h',
      token_explicit_max_ttl: '3h',
      token_num_uses: 5,
      token_type: 'service',
      token_no_default_policy: true,
    });
    const s = await issueSecretId(t, 'web', { metadata: '{"env":"prod","role_name":"spoofed"}' });
    const resp = await t.login({ role_id: roleId, secret_id: s.secret_id });
    expect(resp).toEqual({
      login: {
        policies: ['dev', 'ops'],
        metadata: { env: 'prod', role_name: 'web' },
        displayName: '',
        alias: { name: roleId, metadata: { env: 'prod', role_name: 'web' } },
        ttl: 3600,
        maxTtl: 7200,
        explicitMaxTtl: 10800,
        period: 0,
        numUses: 5,
        boundCidrs: [],
        tokenType: 'service',
        noDefaultPolicy: true,
      },
    });
  });

  it('is an unauthenticated path; nothing else is', async () => {
    const t = await approleBackend();
    expect(t.backend.isSpecialPath('unauthenticated', 'login')).toBe(true);
    expect(t.backend.isSpecialPath('unauthenticated', 'role/x')).toBe(false);
    expect(t.backend.spec.kind).toBe('credential');
  });

  it('works through the production factory', async () => {
    const t = await createTestBackend(approleFactory, { type: 'approle', path: 'auth/approle/' });
    try {
      await t.request('write', 'role/p', {});
      const roleId = dataOf(await t.request('read', 'role/p/role-id'))['role_id'];
      const secretId = dataOf(await t.request('write', 'role/p/secret-id', {}))['secret_id'];
      const resp = await t.request('write', 'login', { role_id: roleId, secret_id: secretId });
      expect(resp?.login?.metadata).toEqual({ role_name: 'p' });
    } finally {
      await t.backend.spec.cleanup?.();
    }
  });

  it('answers wrong credentials with one message', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'a');
    await createRole(t, 'b');
    const s = await issueSecretId(t, 'a');
    const other = await issueSecretId(t, 'b');
    await expectError(t.login({ role_id: 'not-a-role', secret_id: s.secret_id }), UserError, INVALID);
    await expectError(t.login({ role_id: roleId, secret_id: 'not-a-secret' }), UserError, INVALID);
    await expectError(t.login({ role_id: roleId, secret_id: other.secret_id }), UserError, INVALID);
    await expectError(t.login({ role_id: roleId.toUpperCase(), secret_id: s.secret_id }), UserError, INVALID);
    await expectError(t.login({ role_id: 'x'.repeat(5000), secret_id: s.secret_id }), UserError, INVALID);
    await expectError(t.login({ role_id: roleId, secret_id: 'x'.repeat(5000) }), UserError, INVALID);
    await expectError(t.login({ secret_id: s.secret_id }), UserError, 'missing role_id');
    await expectError(t.login({ role_id: '  ' }), UserError, 'missing role_id');
    await expectError(t.login({ role_id: roleId }), UserError, 'missing secret_id');
    // Surrounding whitespace is trimmed, as in Vault.
    expect((await t.login({ role_id: ` ${roleId} `, secret_id: ` ${s.secret_id}\n` }))?.login).toBeTruthy();
  });

  it('passes the role token settings and policies through', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'p', { token_period: '1h', token_policies: [] });
    const s = await issueSecretId(t, 'p');
    const login = (await t.login({ role_id: roleId, secret_id: s.secret_id }))?.login;
    expect(login).toMatchObject({ policies: [], period: 3600, tokenType: 'default', noDefaultPolicy: false, ttl: 0 });
  });
});

describe('approle secret ID uses', () => {
  it('spends one use per login and forgets the secret ID after the last', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app');
    const s = await issueSecretId(t, 'app', { num_uses: 2 });
    t.clock.advance(5000);
    expect((await t.login({ role_id: roleId, secret_id: s.secret_id }))?.login).toBeTruthy();
    const lookup = dataOf(await t.request('write', 'role/app/secret-id/lookup', { secret_id: s.secret_id }));
    expect(lookup).toMatchObject({ secret_id_num_uses: 1, creation_time: '2024-01-01T00:00:00.123Z', last_updated_time: '2024-01-01T00:00:05.123Z' });
    expect((await t.login({ role_id: roleId, secret_id: s.secret_id }))?.login).toBeTruthy();
    await expectError(t.login({ role_id: roleId, secret_id: s.secret_id }), UserError, INVALID);
    expect(await t.request('write', 'role/app/secret-id/lookup', { secret_id: s.secret_id })).toBeNull();
    expect(await t.request('list', 'role/app/secret-id/')).toEqual({ data: {} });
  });

  it('unlimited secret IDs stay usable', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app');
    const s = await issueSecretId(t, 'app');
    for (let i = 0; i < 5; i++) expect((await t.login({ role_id: roleId, secret_id: s.secret_id }))?.login).toBeTruthy();
    expect(dataOf(await t.request('write', 'role/app/secret-id/lookup', { secret_id: s.secret_id }))['secret_id_num_uses']).toBe(0);
  });

  it('concurrent logins with a single-use secret ID: exactly one succeeds', async () => {
    const t = await approleBackend({ storage: new SlowStorage() });
    const roleId = await createRole(t, 'app');
    const s = await issueSecretId(t, 'app', { num_uses: 1 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => t.login({ role_id: roleId, secret_id: s.secret_id })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures).toHaveLength(9);
    for (const f of failures) expect((f.reason as Error).message).toBe(INVALID);
  });

  it('concurrent logins with N uses: exactly N succeed', async () => {
    const t = await approleBackend({ storage: new SlowStorage() });
    const roleId = await createRole(t, 'app');
    const s = await issueSecretId(t, 'app', { num_uses: 3 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => t.login({ role_id: roleId, secret_id: s.secret_id })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });
});

describe('approle secret ID expiry', () => {
  it('refuses a secret ID after its TTL and removes it', async () => {
    const clock = new ManualClock();
    const t = await approleBackend({ clock });
    const roleId = await createRole(t, 'app', { secret_id_ttl: '10m' });
    const s = await issueSecretId(t, 'app');
    const lookup = dataOf(await t.request('write', 'role/app/secret-id/lookup', { secret_id: s.secret_id }));
    expect(lookup['expiration_time']).toBe('2024-01-01T00:10:00.123Z');
    clock.advance(10 * 60 * 1000);
    expect((await t.login({ role_id: roleId, secret_id: s.secret_id }))?.login).toBeTruthy();
    clock.advance(1);
    await expectError(t.login({ role_id: roleId, secret_id: s.secret_id }), UserError, INVALID);
    expect(await t.request('list', 'role/app/secret-id/')).toEqual({ data: {} });
  });

  it('a per-secret ttl shorter than the role’s applies', async () => {
    const clock = new ManualClock();
    const t = await approleBackend({ clock });
    const roleId = await createRole(t, 'app', { secret_id_ttl: '1h' });
    const short = await issueSecretId(t, 'app', { ttl: 30 });
    const long = await issueSecretId(t, 'app');
    clock.advance(31_000);
    await expectError(t.login({ role_id: roleId, secret_id: short.secret_id }), UserError, INVALID);
    expect((await t.login({ role_id: roleId, secret_id: long.secret_id }))?.login).toBeTruthy();
  });
});

describe('approle CIDR binding', () => {
  it("secret_id_bound_cidrs on the role limit where logins come from", async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app', { secret_id_bound_cidrs: '10.0.0.0/8' });
    const s = await issueSecretId(t, 'app');
    await expectError(
      t.login({ role_id: roleId, secret_id: s.secret_id }, '192.168.1.1'),
      UserError,
      'source address "192.168.1.1" unauthorized by CIDR restrictions on the role',
    );
    expect((await t.login({ role_id: roleId, secret_id: s.secret_id }, '10.20.30.40'))?.login).toBeTruthy();
    expect((await t.login({ role_id: roleId, secret_id: s.secret_id }, '::ffff:10.1.1.1'))?.login).toBeTruthy();
  });

  it('a refused address does not spend a use', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app');
    const s = await issueSecretId(t, 'app', { num_uses: 1, cidr_list: '10.0.0.0/24' });
    await expectError(
      t.login({ role_id: roleId, secret_id: s.secret_id }, '10.0.1.1'),
      UserError,
      'source address "10.0.1.1" unauthorized through CIDR restrictions on the secret ID',
    );
    expect((await t.login({ role_id: roleId, secret_id: s.secret_id }, '10.0.0.9'))?.login).toBeTruthy();
    await expectError(t.login({ role_id: roleId, secret_id: s.secret_id }, '10.0.0.9'), UserError, INVALID);
  });

  it('re-checks the secret ID CIDRs against a role that narrowed since', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app', { secret_id_bound_cidrs: '10.0.0.0/8' });
    const s = await issueSecretId(t, 'app', { cidr_list: '10.5.0.0/16' });
    await t.request('write', 'role/app/secret-id-bound-cidrs', { secret_id_bound_cidrs: '10.6.0.0/16' });
    await expectError(t.login({ role_id: roleId, secret_id: s.secret_id }, '10.6.0.1'), UserError, /^failed to verify subset relationship/);
  });

  it("the token is bound to the secret ID's token_bound_cidrs, else the role's, normalised", async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app', { token_bound_cidrs: ['10.0.0.0/8', '10.1.1.1'] });
    const plain = await issueSecretId(t, 'app');
    const narrowed = await issueSecretId(t, 'app', { token_bound_cidrs: '10.2.0.0/16' });
    expect((await t.login({ role_id: roleId, secret_id: plain.secret_id }))?.login?.boundCidrs).toEqual(['10.0.0.0/8', '10.1.1.1/32']);
    expect((await t.login({ role_id: roleId, secret_id: narrowed.secret_id }))?.login?.boundCidrs).toEqual(['10.2.0.0/16']);
  });

  it('bind_secret_id=false: role_id plus the CIDR constraint is enough', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'nobind', { bind_secret_id: false, secret_id_bound_cidrs: ['10.0.0.0/8', 'fd00::/8'] });
    const resp = await t.login({ role_id: roleId }, '10.9.8.7');
    expect(resp?.login).toMatchObject({ metadata: { role_name: 'nobind' }, alias: { name: roleId } });
    expect((await t.login({ role_id: roleId, secret_id: 'ignored' }, 'fd00::1'))?.login).toBeTruthy();
    await expectError(t.login({ role_id: roleId }, '11.0.0.1'), UserError, 'source address "11.0.0.1" unauthorized by CIDR restrictions on the role');
    await expectError(t.login({ role_id: roleId }, ''), UserError, 'failed to get connection information');
  });

  it('bind_secret_id=false with only token_bound_cidrs: the token carries the binding', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'tok', { bind_secret_id: false, token_bound_cidrs: '192.168.0.0/16' });
    expect((await t.login({ role_id: roleId }, '8.8.8.8'))?.login?.boundCidrs).toEqual(['192.168.0.0/16']);
  });
});
