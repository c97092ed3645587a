import { describe, expect, it } from 'vitest';
import { InternalError, UserError } from '../../../shared/errors.js';
import type { NewUserRequest } from './plugins/types.js';
import { configureConnection, createDatabaseTestBackend, errorOf, type DatabaseTestOptions } from './testing.js';

const CREATE = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;

async function setup(options: DatabaseTestOptions = {}, connection: Record<string, unknown> = {}, role: Record<string, unknown> = {}) {
  const tb = await createDatabaseTestBackend(options);
  await configureConnection(tb, 'my-postgres', { allowed_roles: 'readonly', ...connection });
  await tb.request('write', 'roles/readonly', {
    db_name: 'my-postgres',
    creation_statements: CREATE,
    rollback_statements: 'DROP ROLE IF EXISTS "{{name}}"',
    revocation_statements: 'DROP ROLE "{{name}}"',
    default_ttl: '1h',
    max_ttl: '24h',
    ...role,
  });
  return tb;
}

function lastNewUser(tb: Awaited<ReturnType<typeof setup>>): NewUserRequest {
  return tb.server.callsOf('newUser').at(-1)?.request as NewUserRequest;
}

describe('creds/:name', () => {
  it('creates a database user and answers with a leased secret', async () => {
    const tb = await setup();
    const resp = await tb.request('read', 'creds/readonly');
    const username = resp?.data?.['username'] as string;
    const password = resp?.data?.['password'] as string;
    expect(username).toMatch(/^v-token-readonly-[A-Za-z0-9]{8}$/);
    expect(password).toMatch(/^[A-Za-z0-9-]{20}$/);
    expect(resp?.secret).toEqual({
      kind: 'creds',
      ttl: 3600,
      maxTtl: 86400,
      renewable: true,
      internalData: { username, role: 'readonly', db_name: 'my-postgres', revocation_statements: ['DROP ROLE "{{name}}"'] },
    });
    const req = lastNewUser(tb);
    expect(req).toMatchObject({
      username,
      password,
      statements: { commands: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`] },
      rollbackStatements: { commands: ['DROP ROLE IF EXISTS "{{name}}"'] },
    });
    // The database user outlives the lease by Vault's 5 s of slack.
    expect(req.expiration.getTime()).toBe(tb.clock.t + 3600_000 + 5_000);
    expect(tb.server.users.get(username)?.password).toBe(password);
  });

  it("renders the username from the token's display name and the connection's username_template", async () => {
    const tb = await setup({ displayName: 'userpass-alice' }, { username_template: '{{ .RoleName }}_{{ .DisplayName | truncate 4 }}' });
    expect((await tb.request('read', 'creds/readonly'))?.data?.['username']).toBe('readonly_user');
  });

  it('uses the mount defaults when the role sets no TTLs, capped by the mount max', async () => {
    const tb = await setup({ defaultLeaseTtl: 600, maxLeaseTtl: 900 }, {}, { default_ttl: 0, max_ttl: 0 });
    const resp = await tb.request('read', 'creds/readonly');
    expect(resp?.secret).toMatchObject({ ttl: 600, maxTtl: 900 });
    await tb.request('write', 'roles/readonly', { default_ttl: '1h' });
    expect((await tb.request('read', 'creds/readonly'))?.secret).toMatchObject({ ttl: 900, maxTtl: 900 });
  });

  it('caps the role default at the role max', async () => {
    const tb = await setup({}, {}, { default_ttl: '2h', max_ttl: '30m' });
    expect((await tb.request('read', 'creds/readonly'))?.secret).toMatchObject({ ttl: 1800, maxTtl: 1800 });
    expect(lastNewUser(tb).expiration.getTime()).toBe(tb.clock.t + 1800_000 + 5_000);
  });

  it('refuses unknown roles and roles the connection does not allow', async () => {
    const tb = await setup();
    const unknown = await errorOf(tb.request('read', 'creds/nope'));
    expect(unknown).toBeInstanceOf(UserError);
    expect(unknown.message).toBe('unknown role: nope');
    await tb.request('write', 'roles/other', { db_name: 'my-postgres', creation_statements: CREATE });
    const denied = await errorOf(tb.request('read', 'creds/other'));
    expect(denied).toBeInstanceOf(UserError);
    expect(denied.message).toBe('"other" is not an allowed role');
    await tb.request('write', 'roles/orphan', { db_name: 'gone', creation_statements: CREATE });
    expect((await errorOf(tb.request('read', 'creds/orphan'))).message).toBe('failed to find entry for connection with name: "gone"');
    expect(tb.server.callsOf('newUser')).toHaveLength(0);
  });

  it('honours globs in allowed_roles', async () => {
    const tb = await setup({}, { allowed_roles: 'app-*,readonly' });
    await tb.request('write', 'roles/app-web', { db_name: 'my-postgres', creation_statements: CREATE });
    await tb.request('write', 'roles/web-app', { db_name: 'my-postgres', creation_statements: CREATE });
    expect((await tb.request('read', 'creds/app-web'))?.data?.['username']).toBeTypeOf('string');
    await expect(tb.request('read', 'creds/web-app')).rejects.toThrow('"web-app" is not an allowed role');
  });

  it("takes the password from the role's policy, else the connection's", async () => {
    const asked: string[] = [];
    const system = {
      generatePasswordFromPolicy: async (name: string) => {
        asked.push(name);
        if (name === 'missing') throw new UserError('password policy "missing" not found');
        return `pw-from-${name}`;
      },
    };
    const tb = await setup({ system }, { password_policy: 'conn-policy' });
    expect((await tb.request('read', 'creds/readonly'))?.data?.['password']).toBe('pw-from-conn-policy');
    await tb.request('write', 'roles/readonly', { credential_config: { password_policy: 'role-policy' } });
    expect((await tb.request('read', 'creds/readonly'))?.data?.['password']).toBe('pw-from-role-policy');
    await tb.request('write', 'roles/readonly', { credential_config: { password_policy: 'missing' } });
    const err = await errorOf(tb.request('read', 'creds/readonly'));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('failed to generate password: password policy "missing" not found');
    expect(asked).toEqual(['conn-policy', 'role-policy', 'missing']);
  });

  it('a failed newUser is an error (so no lease) that never shows the password', async () => {
    const known = 'known-Password-0123456789';
    const tb = await setup({ system: { generatePasswordFromPolicy: async () => known } }, { password_policy: 'fixed' });
    tb.server.failNext('newUser', new InternalError(`ERROR: syntax error at or near "${known}"`));
    const err = await errorOf(tb.request('read', 'creds/readonly'));
    expect(err).toBeInstanceOf(InternalError);
    expect(err.message).toBe('ERROR: syntax error at or near "[redacted]"');
    expect([...tb.server.users.keys()]).toEqual(['admin']);
  });
});
