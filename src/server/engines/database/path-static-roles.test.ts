import { describe, expect, it } from 'vitest';
import { InternalError, UserError } from '../../../shared/errors.js';
import { getJson } from '../../sdk/index.js';
import type { UpdateUserRequest } from './plugins/types.js';
import type { StaticRoleEntry } from './store.js';
import { configureConnection, createDatabaseTestBackend, errorOf, type DatabaseTestBackend } from './testing.js';

async function setup(): Promise<DatabaseTestBackend> {
  const tb = await createDatabaseTestBackend();
  await configureConnection(tb);
  tb.server.addUser('app', 'initial-password');
  return tb;
}

async function stored(tb: DatabaseTestBackend, name: string): Promise<StaticRoleEntry | null> {
  return getJson<StaticRoleEntry>(tb.storage, `static-role/${name}`);
}

describe('static-roles/:name', () => {
  it('creating a role rotates the password at once; the role read never shows it', async () => {
    const tb = await setup();
    expect(
      await tb.request('write', 'static-roles/app', {
        db_name: 'my-postgres',
        username: 'app',
        rotation_period: '1h',
        rotation_statements: `ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}'`,
      }),
    ).toBeNull();
    const update = tb.server.callsOf('updateUser')[0]?.request as UpdateUserRequest;
    expect(update.username).toBe('app');
    expect(update.password?.statements.commands).toEqual([`ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}'`]);
    const password = update.password?.newPassword as string;
    expect(tb.server.users.get('app')?.password).toBe(password);
    const read = await tb.request('read', 'static-roles/app');
    expect(read).toEqual({
      data: {
        db_name: 'my-postgres',
        username: 'app',
        rotation_statements: [`ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}'`],
        credential_type: 'password',
        rotation_period: 3600,
        last_vault_rotation: '2024-01-01T00:00:00Z',
      },
    });
    expect(JSON.stringify(read)).not.toContain(password);
  });

  it('static-creds returns the current password and the time left, without a lease', async () => {
    const tb = await setup();
    await tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: 3600 });
    await tb.clock.advance(100_000);
    const resp = await tb.request('read', 'static-creds/app');
    expect(resp).toEqual({
      data: {
        username: 'app',
        password: tb.server.users.get('app')?.password,
        ttl: 3500,
        rotation_period: 3600,
        last_vault_rotation: '2024-01-01T00:00:00Z',
      },
    });
    expect(resp?.secret).toBeUndefined();
    await expect(tb.request('read', 'static-creds/nope')).rejects.toThrow('unknown role: nope');
  });

  it('supports rotation_schedule with a rotation_window', async () => {
    const tb = await setup();
    await tb.request('write', 'static-roles/weekly', {
      db_name: 'my-postgres',
      username: 'app',
      rotation_schedule: '0 0 * * SAT',
      rotation_window: '2h',
    });
    expect((await tb.request('read', 'static-roles/weekly'))?.data).toMatchObject({ rotation_schedule: '0 0 * * SAT', rotation_window: 7200 });
    const creds = await tb.request('read', 'static-creds/weekly');
    // 2024-01-01 is a Monday: next Saturday 00:00 UTC is 5 days away.
    expect(creds?.data).toMatchObject({ rotation_schedule: '0 0 * * SAT', rotation_window: 7200, ttl: 5 * 86400 });
    expect(creds?.data?.['rotation_period']).toBeUndefined();
  });

  it('if the first rotation fails, nothing is stored', async () => {
    const tb = await setup();
    tb.server.failNext('updateUser', new InternalError('permission denied to alter role'));
    const err = await errorOf(tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: 60 }));
    expect(err).toBeInstanceOf(InternalError);
    expect(err.message).toBe('error setting credentials: permission denied to alter role');
    expect(await tb.request('read', 'static-roles/app')).toBeNull();
    // A user that does not exist fails the same way.
    await expect(tb.request('write', 'static-roles/ghost', { db_name: 'my-postgres', username: 'ghost', rotation_period: 60 })).rejects.toThrow(
      'error setting credentials: role "ghost" does not exist',
    );
    expect(await tb.request('list', 'static-roles/')).toEqual({ data: { keys: [] } });
    expect(tb.clock.timerAt).toBeNull();
  });

  it('checks the connection exists and allows the role', async () => {
    const tb = await setup();
    await tb.request('write', 'config/my-postgres', { allowed_roles: 'other' });
    await expect(tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: 60 })).rejects.toThrow(
      '"app" is not an allowed role',
    );
    await expect(tb.request('write', 'static-roles/app', { db_name: 'nope', username: 'app', rotation_period: 60 })).rejects.toThrow(
      'failed to find entry for connection with name: "nope"',
    );
  });

  it('rejects bad input with the messages Vault uses', async () => {
    const tb = await setup();
    const base = { db_name: 'my-postgres', username: 'app' };
    const cases: [Record<string, unknown>, string | RegExp][] = [
      [{ username: 'app', rotation_period: 60 }, 'database name is a required field'],
      [{ db_name: 'my-postgres', rotation_period: 60 }, 'username is a required field to create a static account'],
      [base, 'one of rotation_schedule or rotation_period must be provided to create a static account'],
      [{ ...base, rotation_period: 60, rotation_schedule: '* * * * *' }, 'mutually exclusive fields rotation_period and rotation_schedule were both specified; only one of them can be provided'],
      [{ ...base, rotation_period: 4 }, 'rotation_period must be 5 seconds or more'],
      [{ ...base, rotation_period: 60, rotation_window: 3600 }, 'rotation_window is invalid with use of rotation_period'],
      [{ ...base, rotation_schedule: '0 0 * *' }, /^could not parse rotation_schedule: /],
      [{ ...base, rotation_schedule: '0 0 * * *', rotation_window: '30m' }, 'rotation_window is invalid: rotation_window must be 3600 seconds or more'],
      [{ ...base, rotation_period: 60, credential_type: 'rsa_private_key' }, 'unsupported credential_type: "rsa_private_key"; only "password" is supported'],
      [{ ...base, rotation_period: 'often' }, /^Field validation failed: error converting input for field "rotation_period"/],
    ];
    for (const [body, message] of cases) {
      const err = await errorOf(tb.request('write', 'static-roles/app', body));
      expect(err, JSON.stringify(body)).toBeInstanceOf(UserError);
      if (typeof message === 'string') expect(err.message).toBe(message);
      else expect(err.message).toMatch(message);
    }
    expect(tb.server.callsOf('updateUser')).toHaveLength(0);
  });

  it('updates keep the password and username; the username cannot change', async () => {
    const tb = await setup();
    await tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: 3600 });
    const password = tb.server.users.get('app')?.password;
    await expect(tb.request('write', 'static-roles/app', { username: 'other' })).rejects.toThrow('cannot update static account username');
    await tb.request('write', 'static-roles/app', { rotation_period: 7200, rotation_statements: ['ALTER USER x'] });
    expect(tb.server.callsOf('updateUser')).toHaveLength(1);
    expect((await tb.request('read', 'static-creds/app'))?.data).toMatchObject({ password, ttl: 7200, rotation_period: 7200 });
    expect((await tb.request('read', 'static-roles/app'))?.data).toMatchObject({ username: 'app', rotation_statements: ['ALTER USER x'] });
    // Switching to a schedule replaces the period.
    await tb.request('write', 'static-roles/app', { rotation_schedule: '30 1 * * *' });
    const read = await tb.request('read', 'static-roles/app');
    expect(read?.data).toMatchObject({ rotation_schedule: '30 1 * * *' });
    expect(read?.data?.['rotation_period']).toBeUndefined();
    // Next slot: 01:30 UTC on the day of the last rotation.
    expect((await tb.request('read', 'static-creds/app'))?.data?.['ttl']).toBe(5400);
  });

  it('role names are unique across dynamic and static roles', async () => {
    const tb = await setup();
    await tb.request('write', 'roles/app', { db_name: 'my-postgres', creation_statements: 'CREATE ROLE "{{name}}"' });
    await expect(tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: 60 })).rejects.toThrow(
      'Role and Static Role names must be unique',
    );
  });

  it('deleting a role leaves the database user alone and stops its rotation', async () => {
    const tb = await setup();
    await tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: 60 });
    const password = tb.server.users.get('app')?.password;
    expect(await tb.request('list', 'static-roles')).toEqual({ data: { keys: ['app'] } });
    expect(await tb.request('delete', 'static-roles/app')).toBeNull();
    expect(await stored(tb, 'app')).toBeNull();
    expect(tb.server.users.get('app')?.password).toBe(password);
    expect(tb.server.callsOf('deleteUser')).toHaveLength(0);
    expect(tb.clock.timerAt).toBeNull();
    await tb.clock.advance(120_000);
    expect(tb.server.users.get('app')?.password).toBe(password);
  });
});

describe('rotate-role/:name', () => {
  it('rotates now and restarts the schedule', async () => {
    const tb = await setup();
    await tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: 3600 });
    const first = tb.server.users.get('app')?.password;
    await tb.clock.advance(1_000_000);
    expect(await tb.request('write', 'rotate-role/app')).toBeNull();
    const second = tb.server.users.get('app')?.password;
    expect(second).not.toBe(first);
    expect((await tb.request('read', 'static-creds/app'))?.data).toMatchObject({ password: second, ttl: 3600, last_vault_rotation: '2024-01-01T00:16:40Z' });
    expect(tb.clock.timerAt).toBe(tb.clock.t + 3600_000);
  });

  it('reports a failure, keeps the old password readable and retries in the background', async () => {
    const tb = await setup();
    await tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: 3600 });
    const before = tb.server.users.get('app')?.password;
    tb.server.failNext('updateUser');
    const err = await errorOf(tb.request('write', 'rotate-role/app'));
    expect(err).toBeInstanceOf(InternalError);
    expect(err.message).toBe(
      'unable to finish rotating credentials; retries will continue in the background but it is also safe to retry manually: error setting credentials: fake updateUser failure',
    );
    expect((await tb.request('read', 'static-creds/app'))?.data?.['password']).toBe(before);
    expect(tb.clock.timerAt).toBe(tb.clock.t + 10_000);
    await tb.clock.advance(10_000);
    const after = tb.server.users.get('app')?.password;
    expect(after).not.toBe(before);
    expect((await tb.request('read', 'static-creds/app'))?.data?.['password']).toBe(after);
  });

  it('answers 400 for an unknown role', async () => {
    const tb = await setup();
    const err = await errorOf(tb.request('write', 'rotate-role/nope'));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('no static role found for role name');
  });
});
