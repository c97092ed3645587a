import { describe, expect, it } from 'vitest';
import { NotFoundError, PermissionDeniedError, UserError } from '../../../shared/errors.js';
import { parseMetadata } from './path-secret-id.js';
import { approleBackend, createRole, dataOf, dumpStorage, expectError, issueSecretId } from './testing.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('approle secret-id generate', () => {
  it('returns the secret, its accessor and the role defaults', async () => {
    const t = await approleBackend();
    await createRole(t, 'app', { secret_id_ttl: '10m', secret_id_num_uses: 5 });
    const resp = await t.request('write', 'role/app/secret-id', {});
    expect(resp).toEqual({
      data: { secret_id: expect.stringMatching(UUID), secret_id_accessor: expect.stringMatching(UUID), secret_id_ttl: 600, secret_id_num_uses: 5 },
    });
  });

  it('num_uses and ttl override the role within its limits', async () => {
    const t = await approleBackend();
    await createRole(t, 'app', { secret_id_ttl: '10m', secret_id_num_uses: 5 });
    expect(await issueSecretId(t, 'app', { num_uses: 2, ttl: 60 })).toMatchObject({ secret_id_num_uses: 2, secret_id_ttl: 60 });
    await expectError(t.request('write', 'role/app/secret-id', { num_uses: 6 }), UserError, "num_uses cannot be higher than the role's secret_id_num_uses");
    await expectError(t.request('write', 'role/app/secret-id', { num_uses: 0 }), UserError, "num_uses cannot be higher than the role's secret_id_num_uses");
    await expectError(t.request('write', 'role/app/secret-id', { num_uses: -1 }), UserError, 'num_uses cannot be negative');
    await expectError(t.request('write', 'role/app/secret-id', { ttl: '11m' }), UserError, "ttl cannot be longer than the role's secret_id_ttl");
    await expectError(t.request('write', 'role/app/secret-id', { ttl: 0 }), UserError, "ttl cannot be longer than the role's secret_id_ttl");

    await createRole(t, 'free');
    expect(await issueSecretId(t, 'free', { num_uses: 100, ttl: '1h' })).toMatchObject({ secret_id_num_uses: 100, secret_id_ttl: 3600 });
    expect(await issueSecretId(t, 'free')).toMatchObject({ secret_id_num_uses: 0, secret_id_ttl: 0 });
  });

  it("caps the reported TTL at the mount's max lease TTL", async () => {
    const t = await approleBackend({ maxLeaseTtl: 300 });
    await createRole(t, 'app', { secret_id_ttl: '1h' });
    expect((await issueSecretId(t, 'app')).secret_id_ttl).toBe(300);
    // The stored ttl stays as requested (Vault shows it on lookup), the expiry uses the cap.
    const s = await issueSecretId(t, 'app', { ttl: '30m' });
    const lookup = dataOf(await t.request('write', 'role/app/secret-id/lookup', { secret_id: s.secret_id }));
    expect(lookup['secret_id_ttl']).toBe(1800);
    expect(lookup['expiration_time']).toBe('2024-01-01T00:05:00.123Z');
  });

  it('refuses roles without bind_secret_id', async () => {
    const t = await approleBackend();
    await createRole(t, 'nobind', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' });
    await expectError(t.request('write', 'role/nobind/secret-id', {}), UserError, 'bind_secret_id is not set on the role');
    await expectError(t.request('write', 'role/nobind/custom-secret-id', { secret_id: 'x' }), UserError, 'bind_secret_id is not set on the role');
  });

  it('takes metadata as a JSON string, key=value pairs, base64 or an object', async () => {
    const t = await approleBackend();
    await createRole(t, 'app');
    const cases: Array<[unknown, Record<string, string>]> = [
      ['{ "tag1": "production" }', { tag1: 'production' }],
      ['a=1, b = 2', { a: '1', b: '2' }],
      [Buffer.from('{"x":"y"}').toString('base64'), { x: 'y' }],
      [{ env: 'dev' }, { env: 'dev' }],
      ['', {}],
    ];
    for (const [metadata, expected] of cases) {
      const s = await issueSecretId(t, 'app', { metadata });
      const lookup = dataOf(await t.request('write', 'role/app/secret-id/lookup', { secret_id: s.secret_id }));
      expect(lookup['metadata']).toEqual(expected);
    }
    await expectError(t.request('write', 'role/app/secret-id', { metadata: '{"a": 1}' }), UserError, /^failed to parse metadata: /);
    await expectError(t.request('write', 'role/app/secret-id', { metadata: 'novalue' }), UserError, /^failed to parse metadata: /);
    await expectError(t.request('write', 'role/app/secret-id', { metadata: '{"a": ""}' }), UserError, 'failed to parse metadata: invalid value for key "a"');
    await expectError(t.request('write', 'role/app/secret-id', { metadata: { a: 1 } }), UserError, /^failed to parse metadata: /);
  });

  it('parseMetadata: empty input is no metadata; base64 is tried first, as in Go', () => {
    expect(parseMetadata(undefined)).toEqual({});
    expect(parseMetadata('   ')).toEqual({});
    expect(parseMetadata(Buffer.from('a=b,c=d').toString('base64'))).toEqual({ a: 'b', c: 'd' });
    expect(() => parseMetadata('abcd')).toThrow(/^failed to parse metadata: /);
  });

  it('cidr_list must be valid and a subset of secret_id_bound_cidrs', async () => {
    const t = await approleBackend();
    await createRole(t, 'app', { secret_id_bound_cidrs: ['10.0.0.0/8', '192.168.0.0/16'] });
    expect((await issueSecretId(t, 'app', { cidr_list: '10.1.0.0/16,192.168.3.4/32' })).secret_id).toMatch(UUID);
    await expectError(
      t.request('write', 'role/app/secret-id', { cidr_list: '11.0.0.0/16' }),
      UserError,
      'failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/8" "192.168.0.0/16"] and CIDR blocks on the secret ID ["11.0.0.0/16"]',
    );
    await expectError(t.request('write', 'role/app/secret-id', { cidr_list: '10.0.0.0/7' }), UserError, /^failed to verify subset relationship/);
    await expectError(t.request('write', 'role/app/secret-id', { cidr_list: '10.0.0.1' }), UserError, 'failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1');
    // Without role CIDRs any valid list is accepted.
    await createRole(t, 'open');
    expect((await issueSecretId(t, 'open', { cidr_list: ['1.2.3.0/24'] })).secret_id).toMatch(UUID);
  });

  it("token_bound_cidrs must be valid and a subset of the role's token_bound_cidrs", async () => {
    const t = await approleBackend();
    await createRole(t, 'app', { token_bound_cidrs: ['10.0.0.0/8', '10.9.9.9'] });
    expect((await issueSecretId(t, 'app', { token_bound_cidrs: '10.2.0.0/16,10.9.9.9/32' })).secret_id).toMatch(UUID);
    await expectError(
      t.request('write', 'role/app/secret-id', { token_bound_cidrs: '172.16.0.0/12' }),
      UserError,
      'failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/8" "10.9.9.9"] and CIDR blocks on the secret ID ["172.16.0.0/12"]',
    );
    await expectError(t.request('write', 'role/app/secret-id', { token_bound_cidrs: 'x' }), UserError, 'failed to validate token CIDR blocks: invalid CIDR address: x');
  });
});

describe('approle secret-id lookup, list and destroy', () => {
  it('looks a secret ID up by value and by accessor, with Vault’s shape', async () => {
    const t = await approleBackend();
    await createRole(t, 'app');
    const s = await issueSecretId(t, 'app', { metadata: '{"k":"v"}', cidr_list: '10.0.0.0/8', token_bound_cidrs: '10.1.0.0/16' });
    const expected = {
      cidr_list: ['10.0.0.0/8'],
      creation_time: '2024-01-01T00:00:00.123Z',
      expiration_time: '0001-01-01T00:00:00Z',
      last_updated_time: '2024-01-01T00:00:00.123Z',
      metadata: { k: 'v' },
      secret_id_accessor: s.secret_id_accessor,
      secret_id_num_uses: 0,
      secret_id_ttl: 0,
      token_bound_cidrs: ['10.1.0.0/16'],
    };
    expect(await t.request('write', 'role/app/secret-id/lookup', { secret_id: s.secret_id })).toEqual({ data: expected });
    expect(await t.request('write', 'role/app/secret-id-accessor/lookup', { secret_id_accessor: s.secret_id_accessor })).toEqual({ data: expected });
    expect(await t.request('write', 'role/app/secret-id/lookup', { secret_id: 'unknown' })).toBeNull();
    await expectError(t.request('write', 'role/app/secret-id/lookup', {}), UserError, 'missing secret_id');
    await expectError(t.request('write', 'role/nope/secret-id/lookup', { secret_id: s.secret_id }), UserError, 'role "nope" does not exist');
    await expectError(
      t.request('write', 'role/app/secret-id-accessor/lookup', { secret_id_accessor: 'nope' }),
      NotFoundError,
      'failed to find accessor entry for secret_id_accessor: "nope"',
    );
    await expectError(t.request('write', 'role/app/secret-id-accessor/lookup', {}), UserError, 'missing secret_id_accessor');
  });

  it('lists the accessors of a role', async () => {
    const t = await approleBackend();
    await createRole(t, 'app');
    await createRole(t, 'other');
    const a = await issueSecretId(t, 'app');
    const b = await t.request('write', 'role/app/custom-secret-id', { secret_id: 'my-secret' });
    await issueSecretId(t, 'other');
    const keys = dataOf(await t.request('list', 'role/app/secret-id/'))['keys'] as string[];
    expect([...keys].sort()).toEqual([a.secret_id_accessor, dataOf(b)['secret_id_accessor']].sort());
    await createRole(t, 'empty');
    expect(await t.request('list', 'role/empty/secret-id/')).toEqual({ data: {} });
    await expectError(t.request('list', 'role/nope/secret-id/'), UserError, 'role "nope" does not exist');
  });

  it('destroys by secret ID (POST or DELETE)', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app');
    const a = await issueSecretId(t, 'app');
    const b = await issueSecretId(t, 'app');
    expect(await t.request('write', 'role/app/secret-id/destroy', { secret_id: a.secret_id })).toBeNull();
    expect(await t.request('delete', 'role/app/secret-id/destroy', { secret_id: b.secret_id })).toBeNull();
    expect(await t.request('write', 'role/app/secret-id/lookup', { secret_id: a.secret_id })).toBeNull();
    expect(await t.request('list', 'role/app/secret-id/')).toEqual({ data: {} });
    await expectError(t.login({ role_id: roleId, secret_id: b.secret_id }), UserError, 'invalid role or secret ID');
    // Destroying an unknown secret ID is a no-op.
    expect(await t.request('write', 'role/app/secret-id/destroy', { secret_id: a.secret_id })).toBeNull();
    await expectError(t.request('write', 'role/app/secret-id/destroy', {}), UserError, 'missing secret_id');
    // Only the salt and the role are left.
    expect([...t.storage.entries.keys()].filter((k) => k.startsWith('secret_id') || k.startsWith('accessor'))).toEqual([]);
  });

  it('destroys by accessor (POST or DELETE), never across roles', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app');
    await createRole(t, 'other');
    const a = await issueSecretId(t, 'app');
    const b = await issueSecretId(t, 'app');
    const foreign = await issueSecretId(t, 'other');
    expect(await t.request('write', 'role/app/secret-id-accessor/destroy', { secret_id_accessor: a.secret_id_accessor })).toBeNull();
    expect(await t.request('delete', 'role/app/secret-id-accessor/destroy', { secret_id_accessor: b.secret_id_accessor })).toBeNull();
    await expectError(t.login({ role_id: roleId, secret_id: a.secret_id }), UserError, 'invalid role or secret ID');
    await expectError(
      t.request('write', 'role/app/secret-id-accessor/destroy', { secret_id_accessor: a.secret_id_accessor }),
      NotFoundError,
      `failed to find accessor entry for secret_id_accessor: "${a.secret_id_accessor}"`,
    );
    // Another role's accessor: invisible to lookup, refused by destroy, still valid.
    expect(await t.request('write', 'role/app/secret-id-accessor/lookup', { secret_id_accessor: foreign.secret_id_accessor })).toBeNull();
    await expectError(
      t.request('write', 'role/app/secret-id-accessor/destroy', { secret_id_accessor: foreign.secret_id_accessor }),
      PermissionDeniedError,
      'invalid secret id accessor',
    );
    expect(dataOf(await t.request('write', 'role/other/secret-id-accessor/lookup', { secret_id_accessor: foreign.secret_id_accessor }))['secret_id_accessor']).toBe(
      foreign.secret_id_accessor,
    );
  });

  it('a secret ID whose accessor vanished is revoked on lookup', async () => {
    const t = await approleBackend();
    await createRole(t, 'app');
    const s = await issueSecretId(t, 'app');
    const accessorKey = [...t.storage.entries.keys()].find((k) => k.startsWith('accessor/'));
    await t.storage.delete(accessorKey ?? '');
    await expectError(t.request('write', 'role/app/secret-id/lookup', { secret_id: s.secret_id }), UserError, 'invalid secret id');
    expect(await t.request('write', 'role/app/secret-id/lookup', { secret_id: s.secret_id })).toBeNull();
  });
});

describe('approle custom secret IDs', () => {
  it('registers a chosen secret ID once', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app', { secret_id_num_uses: 3 });
    expect(await t.request('write', 'role/app/custom-secret-id', { secret_id: 'testsecretid', num_uses: 2 })).toEqual({
      data: { secret_id: 'testsecretid', secret_id_accessor: expect.stringMatching(UUID), secret_id_ttl: 0, secret_id_num_uses: 2 },
    });
    await expectError(
      t.request('write', 'role/app/custom-secret-id', { secret_id: 'testsecretid' }),
      UserError,
      'failed to store secret_id: SecretID is already registered',
    );
    await expectError(t.request('write', 'role/app/custom-secret-id', {}), UserError, 'missing secret_id');
    expect((await t.login({ role_id: roleId, secret_id: 'testsecretid' }))?.login).toBeTruthy();
    // The same value may be registered on another role: they are scoped per role.
    await createRole(t, 'other');
    expect(dataOf(await t.request('write', 'role/other/custom-secret-id', { secret_id: 'testsecretid' }))['secret_id']).toBe('testsecretid');
  });
});

describe('approle secret IDs at rest', () => {
  it('never stores a secret ID or a role_id in the clear, in keys or values', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app', { role_id: 'very-custom-role-id' });
    expect(roleId).toBe('very-custom-role-id');
    const generated = await issueSecretId(t, 'app', { num_uses: 3 });
    await t.request('write', 'role/app/custom-secret-id', { secret_id: 'CustomSecretValue-123' });
    await t.login({ role_id: roleId, secret_id: generated.secret_id });
    await t.login({ role_id: roleId, secret_id: 'CustomSecretValue-123' });
    const dump = dumpStorage(t.storage);
    for (const secret of [generated.secret_id, 'CustomSecretValue-123']) {
      expect(dump).not.toContain(secret);
      expect(dump.toLowerCase()).not.toContain(secret.toLowerCase());
      expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
    }
    // The role_id is part of the role (as in Vault) but never a storage key.
    for (const key of t.storage.entries.keys()) {
      expect(key).not.toContain(roleId);
      expect(key).not.toContain(generated.secret_id_accessor);
    }
    const keys = [...t.storage.entries.keys()].sort();
    expect(keys.every((k) => /^(salt|role\/app|role_id\/[0-9a-f]{64}|accessor\/[0-9a-f]{64}|secret_id\/[0-9a-f]{64}\/[0-9a-f]{64})$/.test(k))).toBe(true);
  });

  it('keeps local secret IDs under the local prefixes', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'loc', { local_secret_ids: true });
    const s = await issueSecretId(t, 'loc');
    const keys = [...t.storage.entries.keys()];
    expect(keys.some((k) => k.startsWith('secret_id_local/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('accessor_local/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('secret_id/') || k.startsWith('accessor/'))).toBe(false);
    expect((await t.login({ role_id: roleId, secret_id: s.secret_id }))?.login).toBeTruthy();
    expect(dataOf(await t.request('list', 'role/loc/secret-id/'))['keys']).toEqual([s.secret_id_accessor]);
  });

  it('keeps the salt across backend instances on the same storage', async () => {
    const t = await approleBackend();
    const roleId = await createRole(t, 'app');
    const s = await issueSecretId(t, 'app');
    const again = await approleBackend({ storage: t.storage });
    expect((await again.login({ role_id: roleId, secret_id: s.secret_id }))?.login).toBeTruthy();
  });
});
