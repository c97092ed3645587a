/**
 * The PostgreSQL and MySQL/MariaDB database plugins against real servers (started from the
 * system binaries; `bash scripts/setup.sh` installs them): connection verification, dynamic
 * users, rollback of a failed creation, renewal, password rotation (also of the plugin's own
 * login), revocation — and that no error message ever carries a password.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InternalError, UnavailableError, UserError } from '../../src/shared/errors.js';
import { builtinDatabasePlugins, type DatabasePlugin } from '../../src/server/engines/database/plugins/index.js';
import { startMariadb, startPostgres, stopAllDatabases, type TestDatabase } from '../support/databases/index.js';
import { freePort } from '../support/ports.js';
import { removeTempDirs } from '../support/temp.js';

let postgres: TestDatabase;
let mariadb: TestDatabase;
const plugins: DatabasePlugin[] = [];

beforeAll(async () => {
  [postgres, mariadb] = await Promise.all([startPostgres(), startMariadb()]);
});

afterAll(async () => {
  await Promise.all(plugins.map((p) => p.close()));
  await stopAllDatabases();
  removeTempDirs();
});

function plugin(name: string): DatabasePlugin {
  const factory = builtinDatabasePlugins[name];
  if (factory === undefined) throw new Error(`no plugin ${name}`);
  const instance = factory();
  plugins.push(instance);
  return instance;
}

/** A unique lower-case name (valid unquoted in both databases). */
function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A password with characters that need URL escaping, so escaping and redaction are exercised. */
function strongPassword(): string {
  return `Pw-${randomBytes(6).toString('hex')}/@?#`;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected a rejection');
}

function inOneHour(): Date {
  return new Date(Date.now() + 3600_000);
}

describe('postgresql-database-plugin', () => {
  let adminUser: string;
  let adminPassword: string;
  let db: DatabasePlugin;

  const createStatement = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;
  const grantStatement = `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`;

  function config(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return { connection_url: postgres.connectionUrl, username: adminUser, password: adminPassword, ...overrides };
  }

  async function roleExists(name: string): Promise<boolean> {
    const rows = await postgres.query<{ n: string }>('SELECT count(*) AS n FROM pg_roles WHERE rolname = $1', [name]);
    return rows[0]?.n === '1';
  }

  async function validUntil(name: string): Promise<Date | null> {
    const rows = await postgres.query<{ rolvaliduntil: Date | null }>('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [name]);
    return rows[0]?.rolvaliduntil ?? null;
  }

  beforeAll(async () => {
    // The plugin logs in as its own admin, so rotating that password leaves the harness's superuser alone.
    adminUser = uniqueName('vault_admin');
    adminPassword = strongPassword();
    await postgres.query(`CREATE ROLE ${adminUser} WITH LOGIN SUPERUSER PASSWORD '${adminPassword}'`);
    await postgres.query('CREATE TABLE IF NOT EXISTS public.widgets (id int)');
    db = plugin('postgresql-database-plugin');
    await db.initialize({ config: config(), verifyConnection: true });
  });

  it('verifies a good connection and returns the config to persist, password included', async () => {
    const other = plugin('postgresql-database-plugin');
    const res = await other.initialize({ config: config({ max_open_connections: '2' }), verifyConnection: true });
    expect(res.config).toEqual({
      connection_url: postgres.connectionUrl,
      username: adminUser,
      password: adminPassword,
      max_open_connections: 2,
    });
  });

  it('accepts a libpq key=value connection string', async () => {
    const dsn = `host=127.0.0.1 port=${postgres.port} user={{username}} password={{password}} dbname=postgres sslmode=disable`;
    const simplePassword = `Pw${randomBytes(6).toString('hex')}`;
    const user = uniqueName('vault_dsn');
    await postgres.query(`CREATE ROLE ${user} WITH LOGIN PASSWORD '${simplePassword}'`);
    const res = await plugin('postgresql-database-plugin').initialize({
      config: { connection_url: dsn, username: user, password: simplePassword },
      verifyConnection: true,
    });
    expect(res.config['connection_url']).toBe(dsn);
  });

  it('refuses a wrong password with a 400 that says so, without the password', async () => {
    const wrong = `Wrong-${randomBytes(4).toString('hex')}/@#`;
    const err = await rejection(plugin('postgresql-database-plugin').initialize({ config: config({ password: wrong }), verifyConnection: true }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(`127.0.0.1:${postgres.port}`);
    expect(err.message).toContain('password authentication failed');
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(encodeURIComponent(wrong));
  });

  it('refuses a database that does not exist', async () => {
    const url = postgres.connectionUrl.replace('/postgres?', '/no_such_db?');
    const err = await rejection(plugin('postgresql-database-plugin').initialize({ config: config({ connection_url: url }), verifyConnection: true }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain('database "no_such_db" does not exist');
  });

  it('refuses an unreachable port, naming host:port', async () => {
    const port = await freePort();
    const url = postgres.connectionUrl.replace(`:${postgres.port}/`, `:${port}/`);
    const err = await rejection(plugin('postgresql-database-plugin').initialize({ config: config({ connection_url: url }), verifyConnection: true }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('connection refused');
    expect(err.message).not.toContain(adminPassword);
  });

  it('answers 503 naming host:port when the database is down during an operation', async () => {
    const port = await freePort();
    const url = postgres.connectionUrl.replace(`:${postgres.port}/`, `:${port}/`);
    const down = plugin('postgresql-database-plugin');
    await down.initialize({ config: config({ connection_url: url }), verifyConnection: false });
    const err = await rejection(
      down.newUser({
        username: uniqueName('v_down'),
        password: strongPassword(),
        expiration: inOneHour(),
        statements: { commands: [createStatement] },
        rollbackStatements: { commands: [] },
      }),
    );
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });

  it('creates a user that can log in, with VALID UNTIL at the expiration', async () => {
    const name = uniqueName('v_token');
    const password = strongPassword();
    const expiration = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);
    await db.newUser({
      username: name,
      password,
      expiration,
      statements: { commands: [createStatement, grantStatement] },
      rollbackStatements: { commands: [] },
    });
    expect(await postgres.canLogin(name, password)).toBe(true);
    expect(await postgres.canLogin(name, `${password}x`)).toBe(false);
    expect((await validUntil(name))?.getTime()).toBe(expiration.getTime());
    const grants = await postgres.query(
      "SELECT 1 FROM information_schema.role_table_grants WHERE grantee = $1 AND table_name = 'widgets' AND privilege_type = 'SELECT'",
      [name],
    );
    expect(grants).toHaveLength(1);
  });

  it('runs a DO block whole instead of splitting it on ;', async () => {
    const name = uniqueName('v_block');
    const password = strongPassword();
    await db.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [`DO $$ BEGIN CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}'; END $$;`] },
      rollbackStatements: { commands: [] },
    });
    expect(await postgres.canLogin(name, password)).toBe(true);
  });

  it('hashes passwords locally with password_authentication = scram-sha-256', async () => {
    const scram = plugin('postgresql-database-plugin');
    await scram.initialize({ config: config({ password_authentication: 'scram-sha-256' }), verifyConnection: true });
    const name = uniqueName('v_scram');
    const password = strongPassword();
    await scram.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [createStatement] },
      rollbackStatements: { commands: [] },
    });
    expect(await postgres.canLogin(name, password)).toBe(true);
    expect(await postgres.canLogin(name, 'not-it')).toBe(false);
    const rows = await postgres.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [name]);
    expect(rows[0]?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);

    const newPassword = strongPassword();
    await scram.updateUser({ username: name, password: { newPassword, statements: { commands: [] } } });
    expect(await postgres.canLogin(name, newPassword)).toBe(true);
  });

  it('rolls back a failed creation: no role is left, and the error names the statement without the password', async () => {
    const name = uniqueName('v_fail');
    const password = strongPassword();
    const marker = uniqueName('rollback_ran');
    const err = await rejection(
      db.newUser({
        username: name,
        password,
        expiration: inOneHour(),
        statements: { commands: [createStatement, `GRANT SELECT ON no_such_table TO "{{name}}";`] },
        rollbackStatements: { commands: [`CREATE TABLE ${marker} (role text); INSERT INTO ${marker} VALUES ('{{name}}')`] },
      }),
    );
    expect(err).toBeInstanceOf(InternalError);
    expect(err.message).toContain('statement 2 of 2');
    expect(err.message).toContain('relation "no_such_table" does not exist');
    expect(err.message).not.toContain(password);
    expect(await roleExists(name)).toBe(false);
    // The rollback statements ran (best effort) with {{name}} substituted.
    expect(await postgres.query(`SELECT role FROM ${marker}`)).toEqual([{ role: name }]);
  });

  it('moves VALID UNTIL on renewal (default renew statement)', async () => {
    const name = uniqueName('v_renew');
    await db.newUser({
      username: name,
      password: strongPassword(),
      expiration: inOneHour(),
      statements: { commands: [createStatement] },
      rollbackStatements: { commands: [] },
    });
    const later = new Date(Math.floor(Date.now() / 1000) * 1000 + 5 * 3600_000);
    await db.updateUser({ username: name, expiration: { newExpiration: later, statements: { commands: [] } } });
    expect((await validUntil(name))?.getTime()).toBe(later.getTime());
  });

  it('rotates a password: the old one stops working, the new one works', async () => {
    const name = uniqueName('v_rotate');
    const oldPassword = strongPassword();
    await db.newUser({
      username: name,
      password: oldPassword,
      expiration: inOneHour(),
      statements: { commands: [createStatement] },
      rollbackStatements: { commands: [] },
    });
    const newPassword = strongPassword();
    await db.updateUser({ username: name, password: { newPassword, statements: { commands: [] } } });
    expect(await postgres.canLogin(name, oldPassword)).toBe(false);
    expect(await postgres.canLogin(name, newPassword)).toBe(true);
  });

  it('refuses to rotate the password of a role that does not exist, without leaking the password', async () => {
    const newPassword = strongPassword();
    const err = await rejection(db.updateUser({ username: uniqueName('v_ghost'), password: { newPassword, statements: { commands: [] } } }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain('does not exist');
    expect(err.message).not.toContain(newPassword);
  });

  it("keeps working after rotating its own login's password", async () => {
    const rootUser = uniqueName('vault_root');
    const rootPassword = strongPassword();
    await postgres.query(`CREATE ROLE ${rootUser} WITH LOGIN SUPERUSER PASSWORD '${rootPassword}'`);
    const own = plugin('postgresql-database-plugin');
    await own.initialize({ config: config({ username: rootUser, password: rootPassword }), verifyConnection: true });

    const newRootPassword = strongPassword();
    await own.updateUser({ username: rootUser, password: { newPassword: newRootPassword, statements: { commands: [] } } });
    expect(await postgres.canLogin(rootUser, rootPassword)).toBe(false);
    expect(await postgres.canLogin(rootUser, newRootPassword)).toBe(true);
    // Kill the pool's existing sessions: only a fresh login with the new password can serve the next call.
    await postgres.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [rootUser]);

    const name = uniqueName('v_after');
    const password = strongPassword();
    await own.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [createStatement] },
      rollbackStatements: { commands: [] },
    });
    expect(await postgres.canLogin(name, password)).toBe(true);
  });

  it('replaces pooled connections that the server killed', async () => {
    // Open a few pooled sessions, then terminate them behind the plugin's back.
    await Promise.all([1, 2, 3].map(() => db.deleteUser({ username: uniqueName('v_none'), statements: { commands: [] } })));
    await postgres.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [adminUser]);
    const name = uniqueName('v_heal');
    const password = strongPassword();
    await db.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [createStatement] },
      rollbackStatements: { commands: [] },
    });
    expect(await postgres.canLogin(name, password)).toBe(true);
  });

  it('revokes with the default statements: the role is gone and cannot log in', async () => {
    const name = uniqueName('v_revoke');
    const password = strongPassword();
    await db.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [createStatement, grantStatement] },
      rollbackStatements: { commands: [] },
    });
    await db.deleteUser({ username: name, statements: { commands: [] } });
    expect(await roleExists(name)).toBe(false);
    expect(await postgres.canLogin(name, password)).toBe(false);
  });

  it('drops a role holding grants in another schema (the default revocation revokes them first)', async () => {
    const schema = uniqueName('app');
    await postgres.query(`CREATE SCHEMA ${schema}`);
    await postgres.query(`CREATE TABLE ${schema}.accounts (id int)`);
    const name = uniqueName('v_schema');
    await db.newUser({
      username: name,
      password: strongPassword(),
      expiration: inOneHour(),
      statements: {
        commands: [createStatement, `GRANT USAGE ON SCHEMA ${schema} TO "{{name}}"; GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO "{{name}}";`],
      },
      rollbackStatements: { commands: [] },
    });
    // Without the revocations PostgreSQL refuses: the grants depend on the role.
    await expect(postgres.query(`DROP ROLE "${name}"`)).rejects.toThrow(/depend/);
    await db.deleteUser({ username: name, statements: { commands: [] } });
    expect(await roleExists(name)).toBe(false);
  });

  it('runs custom revocation statements in one transaction', async () => {
    const name = uniqueName('v_custom');
    await db.newUser({
      username: name,
      password: strongPassword(),
      expiration: inOneHour(),
      statements: { commands: [createStatement] },
      rollbackStatements: { commands: [] },
    });
    const err = await rejection(db.deleteUser({ username: name, statements: { commands: [`DROP ROLE "{{name}}"; SELECT * FROM no_such_table`] } }));
    expect(err).toBeInstanceOf(InternalError);
    expect(await roleExists(name)).toBe(true);
    await db.deleteUser({ username: name, statements: { commands: [`DROP ROLE "{{name}}";`] } });
    expect(await roleExists(name)).toBe(false);
  });

  it('succeeds when deleting a user that does not exist', async () => {
    await expect(db.deleteUser({ username: uniqueName('v_never'), statements: { commands: [] } })).resolves.toBeUndefined();
  });

  it('creates and revokes many users at once (concurrent grants and revokes on shared catalog rows are retried)', async () => {
    const wide = plugin('postgresql-database-plugin');
    await wide.initialize({ config: config({ max_open_connections: 16 }), verifyConnection: true });
    const names = Array.from({ length: 24 }, () => uniqueName('v_many'));
    await Promise.all(
      names.map((username) =>
        wide.newUser({
          username,
          password: strongPassword(),
          expiration: inOneHour(),
          statements: { commands: [createStatement, grantStatement] },
          rollbackStatements: { commands: [] },
        }),
      ),
    );
    await Promise.all(names.map((username) => wide.deleteUser({ username, statements: { commands: [] } })));
    for (const name of names) expect(await roleExists(name)).toBe(false);
  });
});

describe('mysql-database-plugin (MariaDB)', () => {
  let adminUser: string;
  let adminPassword: string;
  let db: DatabasePlugin;

  const createStatements = `CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON *.* TO '{{name}}'@'%';`;

  function config(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return { connection_url: mariadb.connectionUrl, username: adminUser, password: adminPassword, ...overrides };
  }

  async function userExists(name: string): Promise<boolean> {
    const rows = await mariadb.query<{ n: number }>('SELECT count(*) AS n FROM mysql.user WHERE user = ?', [name]);
    return Number(rows[0]?.n) > 0;
  }

  async function createAdmin(user: string, password: string): Promise<void> {
    await mariadb.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await mariadb.query(`GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%' WITH GRANT OPTION`);
  }

  beforeAll(async () => {
    adminUser = uniqueName('vault_admin');
    // MySQL passwords go into the DSN unescaped; '/' would end the address part, as in Go.
    adminPassword = `Pw-${randomBytes(6).toString('hex')}@:?`;
    await createAdmin(adminUser, adminPassword);
    db = plugin('mysql-database-plugin');
    await db.initialize({ config: config(), verifyConnection: true });
  });

  it('verifies a good connection and returns the config to persist', async () => {
    const res = await plugin('mysql-rds-database-plugin').initialize({ config: config(), verifyConnection: true });
    expect(res.config).toEqual({ connection_url: mariadb.connectionUrl, username: adminUser, password: adminPassword });
  });

  it('refuses a wrong password with a 400 that says so, without the password', async () => {
    const wrong = `Wrong-${randomBytes(4).toString('hex')}@#`;
    const err = await rejection(plugin('mysql-database-plugin').initialize({ config: config({ password: wrong }), verifyConnection: true }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(`127.0.0.1:${mariadb.port}`);
    expect(err.message).toContain('Access denied');
    expect(err.message).not.toContain(wrong);
  });

  it('refuses an unreachable port, naming host:port', async () => {
    const port = await freePort();
    const url = mariadb.connectionUrl.replace(`:${mariadb.port})`, `:${port})`);
    const err = await rejection(plugin('mysql-database-plugin').initialize({ config: config({ connection_url: url }), verifyConnection: true }));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('connection refused');
    expect(err.message).not.toContain(adminPassword);
  });

  it('answers 503 naming host:port when the database is down during an operation', async () => {
    const port = await freePort();
    const url = mariadb.connectionUrl.replace(`:${mariadb.port})`, `:${port})`);
    const down = plugin('mysql-database-plugin');
    await down.initialize({ config: config({ connection_url: url }), verifyConnection: false });
    const err = await rejection(down.deleteUser({ username: 'anyone', statements: { commands: [] } }));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });

  it('creates a user that can log in, with its grant', async () => {
    const name = uniqueName('v_tok');
    const password = strongPassword();
    await db.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [createStatements] },
      rollbackStatements: { commands: [] },
    });
    expect(await mariadb.canLogin(name, password)).toBe(true);
    expect(await mariadb.canLogin(name, `${password}x`)).toBe(false);
    const grants = await mariadb.query<Record<string, string>>(`SHOW GRANTS FOR '${name}'@'%'`);
    expect(grants.map((row) => Object.values(row)[0]).join('\n')).toContain('GRANT SELECT ON *.*');
  });

  it('executes statements the server cannot prepare (error 1295) plainly', async () => {
    const name = uniqueName('v_ps');
    const password = strongPassword();
    await db.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [`CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; PREPARE coffer_probe FROM 'SELECT 1'; DEALLOCATE PREPARE coffer_probe`] },
      rollbackStatements: { commands: [] },
    });
    expect(await mariadb.canLogin(name, password)).toBe(true);
  });

  it('leaves no user behind when the second statement fails (rollback statements)', async () => {
    const name = uniqueName('v_fail');
    const password = strongPassword();
    const marker = uniqueName('rollback_ran');
    const err = await rejection(
      db.newUser({
        username: name,
        password,
        expiration: inOneHour(),
        statements: { commands: [`CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON no_db.no_table TO '{{name}}'@'%';`] },
        rollbackStatements: {
          commands: [`DROP USER '{{name}}'@'%'; CREATE TABLE ${marker} (role varchar(80)); INSERT INTO ${marker} VALUES ('{{name}}')`],
        },
      }),
    );
    expect(err).toBeInstanceOf(InternalError);
    expect(err.message).toContain('statement 2 of 2');
    expect(err.message).toContain("Table 'no_db.no_table' doesn't exist");
    expect(err.message).not.toContain(password);
    expect(await userExists(name)).toBe(false);
    // The role's rollback statements ran, with {{name}} substituted.
    expect(await mariadb.query(`SELECT role FROM ${marker}`)).toEqual([{ role: name }]);
  });

  it('leaves no user behind when the second statement fails and the role has no rollback statements', async () => {
    const name = uniqueName('v_fail2');
    await expect(
      db.newUser({
        username: name,
        password: strongPassword(),
        expiration: inOneHour(),
        statements: { commands: [`CREATE USER '{{name}}'@'localhost' IDENTIFIED BY '{{password}}'; GRANT NOPE ON *.* TO '{{name}}'@'localhost';`] },
        rollbackStatements: { commands: [] },
      }),
    ).rejects.toThrow(InternalError);
    expect(await userExists(name)).toBe(false);
  });

  it('treats renewal as a no-op', async () => {
    const name = uniqueName('v_renew');
    const password = strongPassword();
    await db.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [createStatements] },
      rollbackStatements: { commands: [] },
    });
    await db.updateUser({ username: name, expiration: { newExpiration: new Date(Date.now() + 7200_000), statements: { commands: [] } } });
    expect(await mariadb.canLogin(name, password)).toBe(true);
  });

  it('rotates a password: the old one stops working, the new one works', async () => {
    const name = uniqueName('v_rot');
    const oldPassword = strongPassword();
    await db.newUser({
      username: name,
      password: oldPassword,
      expiration: inOneHour(),
      statements: { commands: [createStatements] },
      rollbackStatements: { commands: [] },
    });
    const newPassword = strongPassword();
    await db.updateUser({ username: name, password: { newPassword, statements: { commands: [] } } });
    expect(await mariadb.canLogin(name, oldPassword)).toBe(false);
    expect(await mariadb.canLogin(name, newPassword)).toBe(true);
  });

  it('reports a failed rotation without the new password', async () => {
    const newPassword = strongPassword();
    const err = await rejection(db.updateUser({ username: uniqueName('v_ghost'), password: { newPassword, statements: { commands: [] } } }));
    expect(err).toBeInstanceOf(InternalError);
    expect(err.message).toContain('ALTER USER failed');
    expect(err.message).not.toContain(newPassword);
  });

  it("keeps working after rotating its own login's password", async () => {
    const rootUser = uniqueName('vault_root');
    const rootPassword = `Pw-${randomBytes(6).toString('hex')}`;
    await createAdmin(rootUser, rootPassword);
    const own = plugin('mysql-legacy-database-plugin');
    await own.initialize({ config: config({ username: rootUser, password: rootPassword }), verifyConnection: true });

    const newRootPassword = `Pw-${randomBytes(6).toString('hex')}`;
    await own.updateUser({ username: rootUser, password: { newPassword: newRootPassword, statements: { commands: [] } } });
    expect(await mariadb.canLogin(rootUser, rootPassword)).toBe(false);
    expect(await mariadb.canLogin(rootUser, newRootPassword)).toBe(true);
    // Kill the pool's existing sessions: only a fresh login with the new password can serve the next call.
    const sessions = await mariadb.query<{ id: number }>('SELECT id FROM information_schema.processlist WHERE user = ?', [rootUser]);
    for (const { id } of sessions) await mariadb.query(`KILL ${Number(id)}`).catch(() => undefined);

    const name = uniqueName('v_aft');
    const password = strongPassword();
    await own.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [createStatements] },
      rollbackStatements: { commands: [] },
    });
    expect(await mariadb.canLogin(name, password)).toBe(true);
  });

  it('replaces pooled connections that the server killed', async () => {
    await Promise.all([1, 2, 3].map(() => db.deleteUser({ username: uniqueName('v_none'), statements: { commands: [] } })));
    const sessions = await mariadb.query<{ id: number }>('SELECT id FROM information_schema.processlist WHERE user = ?', [adminUser]);
    expect(sessions.length).toBeGreaterThan(0);
    for (const { id } of sessions) await mariadb.query(`KILL ${Number(id)}`).catch(() => undefined);
    const name = uniqueName('v_heal');
    const password = strongPassword();
    await db.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [createStatements] },
      rollbackStatements: { commands: [] },
    });
    expect(await mariadb.canLogin(name, password)).toBe(true);
  });

  it('revokes with the default statements: the user is gone and cannot log in', async () => {
    const name = uniqueName('v_rev');
    const password = strongPassword();
    await db.newUser({
      username: name,
      password,
      expiration: inOneHour(),
      statements: { commands: [createStatements] },
      rollbackStatements: { commands: [] },
    });
    await db.deleteUser({ username: name, statements: { commands: [] } });
    expect(await userExists(name)).toBe(false);
    expect(await mariadb.canLogin(name, password)).toBe(false);
  });

  it('runs custom revocation statements', async () => {
    const name = uniqueName('v_cus');
    await db.newUser({
      username: name,
      password: strongPassword(),
      expiration: inOneHour(),
      statements: { commands: [createStatements] },
      rollbackStatements: { commands: [] },
    });
    await db.deleteUser({ username: name, statements: { commands: [`DROP USER '{{name}}'@'%'`] } });
    expect(await userExists(name)).toBe(false);
  });

  it('succeeds when deleting a user that does not exist', async () => {
    await expect(db.deleteUser({ username: uniqueName('v_never'), statements: { commands: [] } })).resolves.toBeUndefined();
  });
});
