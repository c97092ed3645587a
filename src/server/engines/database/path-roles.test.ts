import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { configureConnection, createDatabaseTestBackend, errorOf } from './testing.js';

const CREATE = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`;

describe('roles/:name', () => {
  it('creates a role and reads it back with TTLs in seconds and statements as lists', async () => {
    const tb = await createDatabaseTestBackend();
    expect(
      await tb.request('write', 'roles/readonly', {
        db_name: 'my-postgres',
        creation_statements: CREATE,
        revocation_statements: ['DROP ROLE "{{name}}"'],
        default_ttl: '1h',
        max_ttl: 86400,
      }),
    ).toBeNull();
    expect(await tb.request('read', 'roles/readonly')).toEqual({
      data: {
        db_name: 'my-postgres',
        creation_statements: [
          `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
          'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}"',
        ],
        revocation_statements: ['DROP ROLE "{{name}}"'],
        rollback_statements: [],
        renew_statements: [],
        default_ttl: 3600,
        max_ttl: 86400,
        credential_type: 'password',
      },
    });
  });

  it('accepts base64 statements and a credential_config password_policy', async () => {
    const tb = await createDatabaseTestBackend();
    const encoded = Buffer.from(JSON.stringify(['CREATE USER "{{name}}"', 'GRANT x TO "{{name}}"'])).toString('base64');
    await tb.request('write', 'roles/r', { db_name: 'db', creation_statements: encoded, credential_config: { password_policy: 'strong' } });
    expect((await tb.request('read', 'roles/r'))?.data).toMatchObject({
      creation_statements: ['CREATE USER "{{name}}"', 'GRANT x TO "{{name}}"'],
      credential_config: { password_policy: 'strong' },
    });
  });

  it('an update changes only the fields sent', async () => {
    const tb = await createDatabaseTestBackend();
    await tb.request('write', 'roles/r', { db_name: 'db', creation_statements: CREATE, default_ttl: 60, renew_statements: 'ALTER ROLE x' });
    await tb.request('write', 'roles/r', { max_ttl: '2h' });
    expect((await tb.request('read', 'roles/r'))?.data).toMatchObject({
      db_name: 'db',
      default_ttl: 60,
      max_ttl: 7200,
      renew_statements: ['ALTER ROLE x'],
    });
  });

  it('rejects missing and invalid fields with 400s that say what is wrong', async () => {
    const tb = await createDatabaseTestBackend({ maxLeaseTtl: 86400 });
    const cases: [Record<string, unknown>, string | RegExp][] = [
      [{ creation_statements: CREATE }, 'database name is required'],
      [{ db_name: 'db' }, 'creation_statements are required: give at least one statement that creates the user'],
      [{ db_name: 'db', creation_statements: ' ; ' }, 'creation_statements are required: give at least one statement that creates the user'],
      [{ db_name: 'db', creation_statements: CREATE, credential_type: 'rsa_private_key' }, 'unsupported credential_type: "rsa_private_key"; only "password" is supported'],
      [{ db_name: 'db', creation_statements: CREATE, credential_type: 'token' }, 'invalid credential_type "token"'],
      [{ db_name: 'db', creation_statements: CREATE, credential_config: { length: '10' } }, /^credential_config validation failed: unknown key "length"/],
      [{ db_name: 'db', creation_statements: CREATE, max_ttl: '48h' }, "max_ttl of 172800s is greater than the mount's max lease TTL of 86400s"],
      [{ db_name: 'db', creation_statements: CREATE, default_ttl: -5 }, 'default_ttl cannot be negative'],
      [{ db_name: 'db', creation_statements: CREATE, default_ttl: 'soon' }, /^Field validation failed: error converting input for field "default_ttl"/],
      [{ db_name: 'db', creation_statements: { sql: 'x' } }, 'creation_statements must be a string or a list of strings'],
    ];
    for (const [body, message] of cases) {
      const err = await errorOf(tb.request('write', 'roles/bad', body));
      expect(err, JSON.stringify(body)).toBeInstanceOf(UserError);
      if (typeof message === 'string') expect(err.message).toBe(message);
      else expect(err.message).toMatch(message);
    }
    expect(await tb.request('read', 'roles/bad')).toBeNull();
  });

  it('role and static role names must be unique', async () => {
    const tb = await createDatabaseTestBackend();
    await configureConnection(tb);
    tb.server.addUser('app', 'old-password');
    await tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', rotation_period: '1h' });
    await expect(tb.request('write', 'roles/app', { db_name: 'my-postgres', creation_statements: CREATE })).rejects.toThrow(
      'Role and Static Role names must be unique',
    );
  });

  it('lists (with after/limit) and deletes roles', async () => {
    const tb = await createDatabaseTestBackend();
    for (const name of ['b', 'a', 'c']) await tb.request('write', `roles/${name}`, { db_name: 'db', creation_statements: CREATE });
    expect(await tb.request('list', 'roles/')).toEqual({ data: { keys: ['a', 'b', 'c'] } });
    expect(await tb.request('list', 'roles', { limit: 2 })).toEqual({ data: { keys: ['a', 'b'] } });
    expect(await tb.request('delete', 'roles/b')).toBeNull();
    expect(await tb.request('read', 'roles/b')).toBeNull();
    expect(await tb.request('list', 'roles/', { after: 'a' })).toEqual({ data: { keys: ['c'] } });
  });
});
