import { describe, expect, it } from 'vitest';
import { NotFoundError, UnsupportedPathError, UserError } from '../../../shared/errors.js';
import { approleBackend, createRole, dataOf, expectError, issueSecretId } from './testing.js';

const DEFAULT_ROLE = {
  bind_secret_id: true,
  local_secret_ids: false,
  secret_id_bound_cidrs: [],
  secret_id_num_uses: 0,
  secret_id_ttl: 0,
  token_bound_cidrs: [],
  token_explicit_max_ttl: 0,
  token_max_ttl: 0,
  token_no_default_policy: false,
  token_num_uses: 0,
  token_period: 0,
  token_policies: [],
  token_ttl: 0,
  token_type: 'default',
};

describe('approle roles', () => {
  it('creates a role with Vault defaults and reads every field back', async () => {
    const t = await approleBackend();
    expect(await t.request('write', 'role/web', {})).toBeNull();
    expect(await t.request('read', 'role/web')).toEqual({ data: DEFAULT_ROLE });
    const roleId = dataOf(await t.request('read', 'role/web/role-id'))['role_id'];
    expect(roleId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('writes every field, with Vault coercions, and renders host CIDRs bare', async () => {
    const t = await approleBackend();
    await t.request('write', 'role/app', {
      bind_secret_id: 'true',
      secret_id_bound_cidrs: '10.0.0.0/8, 192.168.1.0/24',
      secret_id_num_uses: '5',
      secret_id_ttl: '10m',
      local_secret_ids: true,
      token_bound_cidrs: ['10.1.2.3', '172.16.0.0/12'],
      token_ttl: '1h',
      token_max_ttl: 7200,
      token_period: 0,
      token_explicit_max_ttl: '3h',
      token_policies: 'dev,ops',
      token_num_uses: 3,
      token_no_default_policy: true,
      token_type: 'service',
    });
    expect(dataOf(await t.request('read', 'role/app'))).toEqual({
      bind_secret_id: true,
      local_secret_ids: true,
      secret_id_bound_cidrs: ['10.0.0.0/8', '192.168.1.0/24'],
      secret_id_num_uses: 5,
      secret_id_ttl: 600,
      token_bound_cidrs: ['10.1.2.3', '172.16.0.0/12'],
      token_explicit_max_ttl: 10800,
      token_max_ttl: 7200,
      token_no_default_policy: true,
      token_num_uses: 3,
      token_period: 0,
      token_policies: ['dev', 'ops'],
      token_ttl: 3600,
      token_type: 'service',
    });
  });

  it('updates only the fields sent', async () => {
    const t = await approleBackend();
    await t.request('write', 'role/app', { token_ttl: 60, secret_id_num_uses: 2 });
    const before = dataOf(await t.request('read', 'role/app/role-id'))['role_id'];
    await t.request('write', 'role/app', { token_policies: ['a'] });
    const role = dataOf(await t.request('read', 'role/app'));
    expect(role).toMatchObject({ token_ttl: 60, secret_id_num_uses: 2, token_policies: ['a'] });
    expect(dataOf(await t.request('read', 'role/app/role-id'))['role_id']).toBe(before);
  });

  it('lower-cases names and lists roles', async () => {
    const t = await approleBackend();
    await t.request('write', 'role/MyApp', {});
    await t.request('write', 'role/other.role-1', {});
    expect(await t.request('list', 'role/')).toEqual({ data: { keys: ['myapp', 'other.role-1'] } });
    expect(dataOf(await t.request('read', 'role/MYAPP'))['bind_secret_id']).toBe(true);
  });

  it('lists nothing as an empty data block (404 at the HTTP layer)', async () => {
    const t = await approleBackend();
    expect(await t.request('list', 'role/')).toEqual({ data: {} });
  });

  it('reads a missing role as null and deletes it idempotently', async () => {
    const t = await approleBackend();
    expect(await t.request('read', 'role/nope')).toBeNull();
    expect(await t.request('delete', 'role/nope')).toBeNull();
    expect(await t.request('read', 'role/nope/role-id')).toBeNull();
  });

  it('keeps the deprecated policies and period names on reads when they were used', async () => {
    const t = await approleBackend();
    await t.request('write', 'role/old', { policies: 'a,b', period: '1h' });
    expect(dataOf(await t.request('read', 'role/old'))).toMatchObject({
      policies: ['a', 'b'],
      token_policies: ['a', 'b'],
      period: 3600,
      token_period: 3600,
    });
    await t.request('write', 'role/old', { token_policies: ['c'], token_period: 60 });
    const role = dataOf(await t.request('read', 'role/old'));
    expect(role).toMatchObject({ token_policies: ['c'], token_period: 60 });
    expect(role).not.toHaveProperty('policies');
    expect(role).not.toHaveProperty('period');
  });

  it('adjusts default-service / default-batch with a warning', async () => {
    const t = await approleBackend();
    expect(await t.request('write', 'role/svc', { token_type: 'default-service' })).toEqual({
      warnings: ['default-service has no useful meaning; adjusting to service'],
    });
    expect(dataOf(await t.request('read', 'role/svc'))['token_type']).toBe('service');
    await expectError(t.request('write', 'role/svc', { token_type: 'weird' }), UserError, `invalid 'token_type' value "weird"`);
  });

  it('rejects batch tokens that are periodic or use-limited', async () => {
    const t = await approleBackend();
    await expectError(
      t.request('write', 'role/b', { token_type: 'batch', token_period: 60 }),
      UserError,
      "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens",
    );
    await expectError(
      t.request('write', 'role/b', { token_type: 'batch', token_num_uses: 2 }),
      UserError,
      "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
    );
  });

  it('requires at least one constraint', async () => {
    const t = await approleBackend();
    await expectError(t.request('write', 'role/open', { bind_secret_id: false }), UserError, 'at least one constraint should be enabled on the role');
    expect(await t.request('read', 'role/open')).toBeNull();
    await t.request('write', 'role/cidr', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' });
    await t.request('write', 'role/tok', { bind_secret_id: false, token_bound_cidrs: '10.0.0.1' });
    expect(dataOf(await t.request('read', 'role/cidr'))['bind_secret_id']).toBe(false);
    await expectError(t.request('delete', 'role/cidr/secret-id-bound-cidrs'), UserError, 'at least one constraint should be enabled on the role');
  });

  it('validates CIDRs', async () => {
    const t = await approleBackend();
    await expectError(
      t.request('write', 'role/a', { secret_id_bound_cidrs: '10.0.0.1' }),
      UserError,
      'failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1',
    );
    await expectError(t.request('write', 'role/a', { secret_id_bound_cidrs: '10.0.0.0/33' }), UserError, /invalid CIDR address/);
    await expectError(t.request('write', 'role/a', { token_bound_cidrs: 'nope' }), UserError, /failed to parse token_bound_cidrs/);
    await t.request('write', 'role/a', { bound_cidr_list: '10.0.0.0/8' });
    expect(dataOf(await t.request('read', 'role/a'))['secret_id_bound_cidrs']).toEqual(['10.0.0.0/8']);
  });

  it('sets local_secret_ids only at creation', async () => {
    const t = await approleBackend();
    await t.request('write', 'role/l', { local_secret_ids: true });
    await expectError(t.request('write', 'role/l', { local_secret_ids: false }), UserError, 'local_secret_ids can only be modified during role creation');
    expect(await t.request('read', 'role/l/local-secret-ids')).toEqual({ data: { local_secret_ids: true } });
  });

  it('rejects negative secret_id_num_uses and a period above the mount max', async () => {
    const t = await approleBackend({ maxLeaseTtl: 3600 });
    await expectError(t.request('write', 'role/n', { secret_id_num_uses: -1 }), UserError, 'secret_id_num_uses cannot be negative');
    await expectError(
      t.request('write', 'role/n', { period: '2h' }),
      UserError,
      `period of "2h0m0s" is greater than the backend's maximum lease TTL of "1h0m0s"`,
    );
    expect(await t.request('write', 'role/n', { token_max_ttl: '2h' })).toEqual({
      warnings: ["token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated"],
    });
  });

  it('does not take the generic ttl/max_ttl/num_uses/bound_cidrs names', async () => {
    const t = await approleBackend();
    expect(await t.request('write', 'role/w', { ttl: 60, token_max_ttl: 9999999999 })).toEqual({
      warnings: [
        "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
        'Endpoint ignored these unrecognized parameters: [ttl]',
      ],
    });
    expect(dataOf(await t.request('read', 'role/w'))['token_ttl']).toBe(0);
  });
});

describe('approle role-id', () => {
  it('sets a custom role_id at creation or later, unique across roles', async () => {
    const t = await approleBackend();
    await t.request('write', 'role/a', { role_id: 'custom-a' });
    expect(await t.request('read', 'role/a/role-id')).toEqual({ data: { role_id: 'custom-a' } });
    await t.request('write', 'role/b', {});
    await expectError(t.request('write', 'role/b/role-id', { role_id: 'custom-a' }), UserError, 'role_id already in use');
    await expectError(t.request('write', 'role/b', { role_id: 'custom-a' }), UserError, 'role_id already in use');
    await expectError(t.request('write', 'role/c', { role_id: 'custom-a' }), UserError, 'role_id already in use');
    expect(await t.request('read', 'role/c')).toBeNull();
    await expectError(t.request('write', 'role/b/role-id', {}), UserError, 'missing role_id');
    await expectError(t.request('write', 'role/b', { role_id: '' }), UserError, 'invalid role_id supplied, or failed to generate a role_id');
  });

  it('moves the role_id index: the old id stops working and becomes free', async () => {
    const t = await approleBackend();
    await createRole(t, 'a', { role_id: 'first', bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' });
    expect((await t.login({ role_id: 'first' }))?.login).toBeTruthy();
    expect(await t.request('write', 'role/a/role-id', { role_id: 'second' })).toBeNull();
    await expectError(t.login({ role_id: 'first' }), UserError, 'invalid role or secret ID');
    expect((await t.login({ role_id: 'second' }))?.login?.alias.name).toBe('second');
    await t.request('write', 'role/b', { role_id: 'first' });
    expect(dataOf(await t.request('read', 'role/b/role-id'))['role_id']).toBe('first');
  });

  it('updating role-id on a missing role is a 404', async () => {
    const t = await approleBackend();
    await expectError(t.request('write', 'role/ghost/role-id', { role_id: 'x' }), UnsupportedPathError, 'unsupported path');
  });
});

describe('approle per-field endpoints', () => {
  const cases: Array<{ suffix: string; write: Record<string, unknown>; read: Record<string, unknown>; reset: Record<string, unknown>; missing: string }> = [
    { suffix: 'policies', write: { token_policies: 'B, a,a' }, read: { token_policies: ['a', 'b'] }, reset: { token_policies: [] }, missing: 'missing token_policies' },
    { suffix: 'secret-id-num-uses', write: { secret_id_num_uses: 7 }, read: { secret_id_num_uses: 7 }, reset: { secret_id_num_uses: 0 }, missing: 'missing secret_id_num_uses' },
    { suffix: 'secret-id-ttl', write: { secret_id_ttl: '5m' }, read: { secret_id_ttl: 300 }, reset: { secret_id_ttl: 0 }, missing: 'missing secret_id_ttl' },
    { suffix: 'token-ttl', write: { token_ttl: '30s' }, read: { token_ttl: 30 }, reset: { token_ttl: 0 }, missing: 'missing token_ttl' },
    { suffix: 'token-max-ttl', write: { token_max_ttl: '2m' }, read: { token_max_ttl: 120 }, reset: { token_max_ttl: 0 }, missing: 'missing token_max_ttl' },
    { suffix: 'token-num-uses', write: { token_num_uses: 4 }, read: { token_num_uses: 4 }, reset: { token_num_uses: 0 }, missing: 'missing token_num_uses' },
    { suffix: 'bind-secret-id', write: { bind_secret_id: false }, read: { bind_secret_id: false }, reset: { bind_secret_id: true }, missing: 'missing bind_secret_id' },
    { suffix: 'period', write: { token_period: '1m' }, read: { token_period: 60 }, reset: { token_period: 0 }, missing: 'missing period' },
    {
      suffix: 'secret-id-bound-cidrs',
      write: { secret_id_bound_cidrs: ['10.0.0.0/8'] },
      read: { secret_id_bound_cidrs: ['10.0.0.0/8'] },
      reset: { secret_id_bound_cidrs: [] },
      missing: 'missing bound_cidr_list',
    },
  ];

  for (const c of cases) {
    it(`role/:name/${c.suffix}: read, update, delete`, async () => {
      const t = await approleBackend();
      // token_bound_cidrs keeps a constraint when bind_secret_id is switched off.
      await t.request('write', 'role/r', { token_bound_cidrs: '10.0.0.1' });
      expect(await t.request('write', `role/r/${c.suffix}`, c.write)).toBeNull();
      expect(await t.request('read', `role/r/${c.suffix}`)).toEqual({ data: c.read });
      expect(dataOf(await t.request('read', 'role/r'))).toMatchObject(c.read);
      expect(await t.request('delete', `role/r/${c.suffix}`)).toBeNull();
      expect(await t.request('read', `role/r/${c.suffix}`)).toEqual({ data: c.reset });
      if (c.suffix !== 'secret-id-bound-cidrs') {
        await expectError(t.request('write', `role/r/${c.suffix}`, {}), UserError, c.missing);
      } else {
        await expectError(t.request('write', `role/r/${c.suffix}`, { secret_id_bound_cidrs: '' }), UserError, c.missing);
      }
      expect(await t.request('read', `role/missing/${c.suffix}`)).toBeNull();
      expect(await t.request('delete', `role/missing/${c.suffix}`)).toBeNull();
      await expectError(t.request('write', `role/missing/${c.suffix}`, c.write), UnsupportedPathError, 'unsupported path');
    });
  }

  it('token-bound-cidrs: read, update, delete', async () => {
    const t = await approleBackend();
    await t.request('write', 'role/r', {});
    expect(await t.request('write', 'role/r/token-bound-cidrs', { token_bound_cidrs: '10.0.0.5,fd00::/8' })).toBeNull();
    expect(await t.request('read', 'role/r/token-bound-cidrs')).toEqual({ data: { token_bound_cidrs: ['10.0.0.5', 'fd00::/8'] } });
    await t.request('delete', 'role/r/token-bound-cidrs');
    expect(await t.request('read', 'role/r/token-bound-cidrs')).toEqual({ data: { token_bound_cidrs: [] } });
  });

  it('policies and period keep track of the deprecated names', async () => {
    const t = await approleBackend();
    await t.request('write', 'role/r', {});
    await t.request('write', 'role/r/policies', { policies: 'x' });
    expect(await t.request('read', 'role/r/policies')).toEqual({ data: { policies: ['x'], token_policies: ['x'] } });
    await t.request('write', 'role/r/period', { period: 30 });
    expect(await t.request('read', 'role/r/period')).toEqual({ data: { period: 30, token_period: 30 } });
  });

  it('checks token_ttl against token_max_ttl and period against the mount', async () => {
    const t = await approleBackend({ maxLeaseTtl: 100 });
    await t.request('write', 'role/r', { token_max_ttl: 60 });
    await expectError(t.request('write', 'role/r/token-ttl', { token_ttl: 61 }), UserError, 'token_ttl should not be greater than token_max_ttl');
    await t.request('write', 'role/r/token-ttl', { token_ttl: 50 });
    await expectError(t.request('write', 'role/r/token-max-ttl', { token_max_ttl: 40 }), UserError, 'token_max_ttl should be greater than or equal to token_ttl');
    await expectError(t.request('write', 'role/r/period', { token_period: 101 }), UserError, /^period of "1m41s" is greater than/);
    await expectError(t.request('write', 'role/r/secret-id-num-uses', { secret_id_num_uses: -2 }), UserError, 'secret_id_num_uses cannot be negative');
  });

  it('the deprecated bound-cidr-list endpoint maps to secret_id_bound_cidrs with a warning', async () => {
    const t = await approleBackend();
    await t.request('write', 'role/r', {});
    await t.request('write', 'role/r/bound-cidr-list', { bound_cidr_list: '10.0.0.0/16' });
    expect(await t.request('read', 'role/r/bound-cidr-list')).toEqual({
      data: { bound_cidr_list: ['10.0.0.0/16'] },
      warnings: ['The "bound_cidr_list" field is deprecated and will be removed. Please use "secret_id_bound_cidrs" instead.'],
    });
  });
});

describe('approle role delete', () => {
  it('removes the role, its role_id index and every secret ID and accessor', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'gone');
    const keep = await createRole(t, 'keep');
    const s1 = await issueSecretId(t, 'gone');
    await issueSecretId(t, 'gone');
    const s3 = await issueSecretId(t, 'keep');
    const before = t.storage.entries.size;
    expect(await t.request('delete', 'role/gone')).toBeNull();
    // role + index + 2×(secret + accessor) gone
    expect(t.storage.entries.size).toBe(before - 6);
    expect(await t.request('read', 'role/gone')).toBeNull();
    await expectError(t.login({ role_id: roleId, secret_id: s1.secret_id }), UserError, 'invalid role or secret ID');
    expect((await t.login({ role_id: keep, secret_id: s3.secret_id }))?.login).toBeTruthy();
    // Re-creating the name does not resurrect the old secret IDs.
    const again = await createRole(t, 'gone', { role_id: roleId });
    expect(again).toBe(roleId);
    await expectError(t.login({ role_id: roleId, secret_id: s1.secret_id }), UserError, 'invalid role or secret ID');
    expect(await t.request('list', 'role/gone/secret-id/')).toEqual({ data: {} });
  });

  it('a secret ID for a missing role is a 404', async () => {
    const t = await approleBackend();
    await expectError(t.request('write', 'role/ghost/secret-id', {}), NotFoundError, 'role "ghost" does not exist');
  });
});
