import { describe, expect, it } from 'vitest';
import { UnavailableError, UserError } from '../../../shared/errors.js';
import { getJson } from '../../sdk/index.js';
import type { InmemStorage } from '../../sdk/testing.js';
import type { ConnectionConfig } from './store.js';
import {
  FAKE_PLUGIN_NAME,
  ManualRotationClock,
  PG_URL,
  ROOT_PASSWORD,
  ROOT_USERNAME,
  configureConnection,
  connectionBody,
  createDatabaseTestBackend,
  errorOf,
} from './testing.js';

async function storedConfig(tb: { storage: InmemStorage }, name = 'my-postgres'): Promise<ConnectionConfig | null> {
  return getJson<ConnectionConfig>(tb.storage, `config/${name}`);
}

describe('config/:name', () => {
  it('creates a connection, initialises the plugin and reads back without the password', async () => {
    const tb = await createDatabaseTestBackend();
    tb.server.addUser(ROOT_USERNAME, ROOT_PASSWORD);
    const resp = await tb.request('write', 'config/my-postgres', connectionBody({ allowed_roles: 'readonly, app-*', root_rotation_statements: `ALTER USER "{{username}}" WITH PASSWORD '{{password}}'` }));
    expect(resp).toBeNull();
    const init = tb.server.callsOf('initialize');
    expect(init).toHaveLength(1);
    expect(init[0]?.request).toEqual({
      config: { connection_url: PG_URL, username: ROOT_USERNAME, password: ROOT_PASSWORD },
      verifyConnection: true,
    });
    const read = await tb.request('read', 'config/my-postgres');
    expect(read).toEqual({
      data: {
        allowed_roles: ['readonly', 'app-*'],
        connection_details: { connection_url: PG_URL, username: ROOT_USERNAME, max_open_connections: 4 },
        password_policy: '',
        plugin_name: FAKE_PLUGIN_NAME,
        plugin_version: '',
        root_credentials_rotate_statements: [`ALTER USER "{{username}}" WITH PASSWORD '{{password}}'`],
        verify_connection: true,
      },
    });
    expect(JSON.stringify(read)).not.toContain(ROOT_PASSWORD);
    // Stored (encrypted by the barrier) with the password, as the plugin normalised it.
    expect((await storedConfig(tb))?.connection_details['password']).toBe(ROOT_PASSWORD);
  });

  it('passes verify_connection through and accepts allowed_roles as a list', async () => {
    const tb = await createDatabaseTestBackend();
    await tb.request('write', 'config/db', connectionBody({ verify_connection: false, allowed_roles: ['a', 'b'] }));
    expect(tb.server.callsOf('initialize')[0]?.request).toMatchObject({ verifyConnection: false });
    expect((await tb.request('read', 'config/db'))?.data).toMatchObject({ allowed_roles: ['a', 'b'], verify_connection: false });
  });

  it('requires plugin_name on create and names an unknown plugin', async () => {
    const tb = await createDatabaseTestBackend();
    const { plugin_name: _omit, ...withoutPlugin } = connectionBody();
    const missing = await errorOf(tb.request('write', 'config/db', withoutPlugin));
    expect(missing).toBeInstanceOf(UserError);
    expect(missing.message).toBe('empty plugin name');
    const unknown = await errorOf(tb.request('write', 'config/db', connectionBody({ plugin_name: 'oracle-database-plugin' })));
    expect(unknown).toBeInstanceOf(UserError);
    expect(unknown.message).toBe(`error creating database object: unknown database plugin "oracle-database-plugin" (available: ${FAKE_PLUGIN_NAME})`);
    expect(await tb.request('read', 'config/db')).toBeNull();
    expect(tb.server.instances).toHaveLength(0);
  });

  it('checks plugin_version: builtin versions mean "none", others are refused', async () => {
    const tb = await createDatabaseTestBackend();
    await tb.request('write', 'config/db', connectionBody({ plugin_version: 'v1.17.0+builtin' }));
    expect((await tb.request('read', 'config/db'))?.data?.['plugin_version']).toBe('');
    expect((await errorOf(tb.request('write', 'config/db', { plugin_version: 'banana' }))).message).toBe('version "banana" is not a valid semantic version');
    expect((await errorOf(tb.request('write', 'config/db', { plugin_version: '1.2.3' }))).message).toMatch(/version "v1.2.3" not found/);
  });

  it('a failed initialize answers 400 without the password and stores nothing', async () => {
    const tb = await createDatabaseTestBackend();
    tb.server.failNext('initialize', new UnavailableError(`dial tcp 127.0.0.1:5432: connection refused (password ${ROOT_PASSWORD})`));
    const err = await errorOf(tb.request('write', 'config/db', connectionBody()));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('error creating database object: dial tcp 127.0.0.1:5432: connection refused (password [redacted])');
    expect(await tb.request('read', 'config/db')).toBeNull();
    expect(tb.server.instances[0]?.closed).toBe(true);
    const bad = await errorOf(tb.request('write', 'config/db', connectionBody({ connection_url: '' })));
    expect(bad.message).toBe('error creating database object: connection_url cannot be empty');
  });

  it('a failed update keeps the old config and the old instance serving', async () => {
    const tb = await createDatabaseTestBackend();
    await configureConnection(tb);
    await tb.request('write', 'roles/readonly', { db_name: 'my-postgres', creation_statements: 'CREATE ROLE "{{name}}"' });
    tb.server.failNext('initialize');
    await expect(tb.request('write', 'config/my-postgres', { connection_url: 'postgresql://{{username}}:{{password}}@elsewhere/db' })).rejects.toThrow(
      /^error creating database object: fake initialize failure$/,
    );
    expect((await tb.request('read', 'config/my-postgres'))?.data?.['connection_details']).toMatchObject({ connection_url: PG_URL });
    expect(tb.server.openInstances()).toHaveLength(1);
    expect((await tb.request('read', 'creds/readonly'))?.data?.['username']).toBeTypeOf('string');
  });

  it('an update merges into the stored settings and replaces the instance', async () => {
    const tb = await createDatabaseTestBackend();
    await configureConnection(tb, 'my-postgres', { password_policy: 'strong' });
    const first = tb.server.openInstances()[0];
    await tb.request('write', 'config/my-postgres', { allowed_roles: 'readonly', max_open_connections: 8 });
    const second = tb.server.callsOf('initialize')[1]?.request as { config: Record<string, unknown> };
    // The stored password is handed to the plugin again without being re-sent.
    expect(second.config).toMatchObject({ connection_url: PG_URL, username: ROOT_USERNAME, password: ROOT_PASSWORD, max_open_connections: 8 });
    expect(first?.closed).toBe(true);
    expect(tb.server.openInstances()).toHaveLength(1);
    expect((await tb.request('read', 'config/my-postgres'))?.data).toMatchObject({
      allowed_roles: ['readonly'],
      plugin_name: FAKE_PLUGIN_NAME,
      password_policy: 'strong',
    });
  });

  it('warns about (and redacts) a literal password in connection_url', async () => {
    const tb = await createDatabaseTestBackend();
    const resp = await tb.request('write', 'config/db', connectionBody({ connection_url: 'postgresql://admin:hunter2hunter2@db:5432/app' }));
    expect(resp?.warnings).toEqual([
      'Password found in connection_url, use a templated url to enable root rotation and prevent read access to password information.',
    ]);
    const read = await tb.request('read', 'config/db');
    expect((read?.data?.['connection_details'] as Record<string, unknown>)['connection_url']).toBe('postgresql://admin:xxxxx@db:5432/app');
    expect(JSON.stringify(read)).not.toContain('hunter2hunter2');
  });

  it('refuses an unusable username_template', async () => {
    const tb = await createDatabaseTestBackend();
    const err = await errorOf(tb.request('write', 'config/db', connectionBody({ username_template: '{{ .Nope }}' })));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/^error creating database object: invalid username template: /);
    expect(await tb.request('read', 'config/db')).toBeNull();
  });

  it('lists connections (with after/limit) and deletes one, closing its instance', async () => {
    const tb = await createDatabaseTestBackend();
    for (const name of ['c', 'a', 'b']) await tb.request('write', `config/${name}`, connectionBody());
    expect(await tb.request('list', 'config/')).toEqual({ data: { keys: ['a', 'b', 'c'] } });
    expect(await tb.request('list', 'config', { after: 'a', limit: 1 })).toEqual({ data: { keys: ['b'] } });
    expect(await tb.request('delete', 'config/b')).toBeNull();
    expect(await tb.request('read', 'config/b')).toBeNull();
    expect(await tb.request('list', 'config/')).toEqual({ data: { keys: ['a', 'c'] } });
    expect(tb.server.openInstances()).toHaveLength(2);
  });

  it('rejects invalid names and field types with 400s', async () => {
    const tb = await createDatabaseTestBackend();
    await expect(tb.request('write', 'config/db', connectionBody({ verify_connection: 'maybe' }))).rejects.toThrow(
      /^Field validation failed: error converting input for field "verify_connection"/,
    );
    await expect(tb.request('write', 'config/db', connectionBody({ root_rotation_statements: 5 }))).rejects.toThrow(
      'root_rotation_statements must be a string or a list of strings',
    );
  });
});

describe('plugin instances', () => {
  it('are created lazily from the stored config after a restart, once for concurrent first requests', async () => {
    const first = await createDatabaseTestBackend();
    await configureConnection(first);
    await first.request('write', 'roles/readonly', { db_name: 'my-postgres', creation_statements: 'CREATE ROLE "{{name}}"' });
    await first.backend.spec.cleanup?.();
    expect(first.server.openInstances()).toHaveLength(0);

    const server = first.server;
    const second = await createDatabaseTestBackend({ server, storage: first.storage, clock: new ManualRotationClock() });
    const before = server.callsOf('initialize').length;
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => second.request('read', 'creds/readonly')));
    expect(new Set(results.map((r) => r?.data?.['username'])).size).toBe(5);
    expect(server.callsOf('initialize').length - before).toBe(1);
    expect(server.callsOf('initialize').at(-1)?.request).toMatchObject({ verifyConnection: true, config: { password: ROOT_PASSWORD } });
  });

  it('reset/:name closes the instance and initialises a new one from storage', async () => {
    const tb = await createDatabaseTestBackend();
    await configureConnection(tb);
    const old = tb.server.openInstances()[0];
    expect(await tb.request('write', 'reset/my-postgres')).toBeNull();
    expect(old?.closed).toBe(true);
    expect(tb.server.openInstances()).toHaveLength(1);
    expect(tb.server.openInstances()[0]).not.toBe(old);
    await expect(tb.request('write', 'reset/missing')).rejects.toThrow('failed to find entry for connection with name: "missing"');
  });

  it('cleanup closes every instance', async () => {
    const tb = await createDatabaseTestBackend();
    await configureConnection(tb, 'a');
    await configureConnection(tb, 'b');
    expect(tb.server.openInstances()).toHaveLength(2);
    await tb.backend.spec.cleanup?.();
    expect(tb.server.openInstances()).toHaveLength(0);
  });
});

describe('rotate-root/:name', () => {
  it('sets a new root password in the database, stores it and never returns it', async () => {
    const tb = await createDatabaseTestBackend();
    await configureConnection(tb, 'my-postgres', { root_rotation_statements: [`ALTER USER "{{username}}" PASSWORD '{{password}}'`] });
    const old = tb.server.openInstances()[0];
    expect(await tb.request('write', 'rotate-root/my-postgres')).toBeNull();
    const update = tb.server.callsOf('updateUser')[0]?.request as { username: string; password: { newPassword: string; statements: { commands: string[] } } };
    expect(update.username).toBe(ROOT_USERNAME);
    expect(update.password.statements.commands).toEqual([`ALTER USER "{{username}}" PASSWORD '{{password}}'`]);
    const newPassword = update.password.newPassword;
    expect(newPassword).toMatch(/^[A-Za-z0-9-]{20}$/);
    expect(tb.server.users.get(ROOT_USERNAME)?.password).toBe(newPassword);
    expect((await storedConfig(tb))?.connection_details['password']).toBe(newPassword);
    // The old pool is replaced by one initialised (and verified) with the new password.
    expect(old?.closed).toBe(true);
    expect(tb.server.callsOf('initialize').at(-1)?.request).toMatchObject({ config: { password: newPassword } });
    expect(JSON.stringify(await tb.request('read', 'config/my-postgres'))).not.toContain(newPassword);
  });

  it('uses the connection password_policy', async () => {
    const tb = await createDatabaseTestBackend({
      system: { generatePasswordFromPolicy: async (name) => `from-${name}-0123456789` },
    });
    await configureConnection(tb, 'db', { password_policy: 'root-policy' });
    await tb.request('write', 'rotate-root/db');
    expect(tb.server.users.get(ROOT_USERNAME)?.password).toBe('from-root-policy-0123456789');
  });

  it('keeps the stored config when the database refuses, without leaking either password', async () => {
    const tb = await createDatabaseTestBackend();
    await configureConnection(tb);
    tb.server.failNext('updateUser', new UserError(`permission denied for role admin (old ${ROOT_PASSWORD})`));
    const err = await errorOf(tb.request('write', 'rotate-root/my-postgres'));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('failed to update user: permission denied for role admin (old [redacted])');
    expect((await storedConfig(tb))?.connection_details['password']).toBe(ROOT_PASSWORD);
    expect(tb.server.users.get(ROOT_USERNAME)?.password).toBe(ROOT_PASSWORD);
    await tb.request('write', 'roles/r', { db_name: 'my-postgres', creation_statements: 'CREATE ROLE "{{name}}"' });
    expect((await tb.request('read', 'creds/r'))?.data?.['password']).toBeTypeOf('string');
  });

  it('needs a username and a password in the config, and the config itself', async () => {
    const tb = await createDatabaseTestBackend();
    await tb.request('write', 'config/nouser', { plugin_name: FAKE_PLUGIN_NAME, connection_url: 'x', allowed_roles: '*' });
    expect((await errorOf(tb.request('write', 'rotate-root/nouser'))).message).toBe('unable to rotate root credentials: no username in configuration');
    await tb.request('write', 'config/nopass', { plugin_name: FAKE_PLUGIN_NAME, connection_url: 'x', username: 'u' });
    expect((await errorOf(tb.request('write', 'rotate-root/nopass'))).message).toBe('unable to rotate root credentials: no password in configuration');
    expect((await errorOf(tb.request('write', 'rotate-root/none'))).message).toBe('failed to find entry for connection with name: "none"');
  });
});
