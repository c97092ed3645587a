/**
 * The database secrets engine end to end, over HTTP, against real PostgreSQL and MariaDB
 * (started from the system binaries): the seeds' "Try this" flow (short-TTL credentials, log in
 * with them, wait past the TTL, the user is gone), renewal moving VALID UNTIL, revoke-prefix,
 * static-role rotation, rotate-root, the CLI's lease output, and bad connection settings.
 *
 * Waiting for the server to act (expiry, rotation) polls with a generous deadline; no test
 * asserts how long anything took.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariadb, startPostgres, stopAllDatabases, type TestDatabase } from '../support/databases/index.js';
import { api, type Api } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { childEnv, requireBuiltCli, startInProcessDev, type InProcessServer } from '../support/servers.js';
import { makeTempDir, removeTempDirs } from '../support/temp.js';

const run = promisify(execFile);

let pg: TestDatabase;
let maria: TestDatabase;
let server: InProcessServer;
let v: Api;

const PG_CREATE = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`;

beforeAll(async () => {
  [pg, maria] = await Promise.all([startPostgres(), startMariadb()]);
  server = await startInProcessDev();
  v = api(server.address, server.rootToken);
  expect((await v.post('/v1/sys/mounts/database', { type: 'database' })).status).toBe(204);
  const config = await v.post('/v1/database/config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: pg.connectionUrl,
    username: pg.superuser,
    password: pg.superpassword,
    allowed_roles: 'readonly,short,bulk,static-*',
  });
  expect(config.status).toBe(204);
  await v.post('/v1/database/roles/short', { db_name: 'pg', creation_statements: PG_CREATE, default_ttl: '2s', max_ttl: '1m' });
  await v.post('/v1/database/roles/readonly', { db_name: 'pg', creation_statements: PG_CREATE, default_ttl: '1m', max_ttl: '1h' });
  await v.post('/v1/database/roles/bulk', { db_name: 'pg', creation_statements: PG_CREATE, default_ttl: '1h', max_ttl: '1h' });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await stopAllDatabases();
  removeTempDirs();
});

async function until<T>(what: string, probe: () => Promise<T | null>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pgRoleExists(name: string): Promise<boolean> {
  return (await pg.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).length > 0;
}

async function creds(role: string): Promise<{ leaseId: string; ttl: number; username: string; password: string }> {
  const res = await v.get(`/v1/database/creds/${role}`);
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return { leaseId: res.json.lease_id, ttl: res.json.lease_duration, username: res.json.data.username, password: res.json.data.password };
}

describe('dynamic PostgreSQL credentials', () => {
  it('Try this: short-TTL credentials log in, and the user is gone once the TTL has passed', async () => {
    const c = await creds('short');
    expect(c.leaseId).toMatch(/^database\/creds\/short\/[0-9A-Za-z]{24}$/);
    expect(c.ttl).toBe(2);
    expect(c.username).toMatch(/^v-root-short-[A-Za-z0-9]{20}-\d{10}$/);
    expect(c.password).toMatch(/^[A-Za-z0-9-]{20}$/);
    expect(await pg.canLogin(c.username, c.password)).toBe(true);

    await until('the expired user to be dropped', async () => ((await pgRoleExists(c.username)) ? null : true));
    expect(await pg.canLogin(c.username, c.password)).toBe(false);
    expect((await v.put('/v1/sys/leases/lookup', { lease_id: c.leaseId })).status).toBe(400);
  });

  it('renewal moves the role VALID UNTIL forward', async () => {
    const c = await creds('readonly');
    const validUntil = async (): Promise<number> => {
      const rows = await pg.query<{ v: Date }>('SELECT rolvaliduntil AS v FROM pg_roles WHERE rolname = $1', [c.username]);
      return new Date(rows[0]?.v ?? 0).getTime();
    };
    const before = await validUntil();
    const renewed = await v.put('/v1/sys/leases/renew', { lease_id: c.leaseId, increment: '30m' });
    expect(renewed.status).toBe(200);
    expect(renewed.json).toMatchObject({ lease_id: c.leaseId, lease_duration: 1800, renewable: true });
    const after = await validUntil();
    expect(after - before).toBeGreaterThan(25 * 60_000);
    expect(await pg.canLogin(c.username, c.password)).toBe(true);
  });

  it('revoke-prefix drops every user of the role', async () => {
    const issued = await Promise.all([creds('bulk'), creds('bulk'), creds('bulk')]);
    for (const c of issued) expect(await pgRoleExists(c.username)).toBe(true);
    expect((await v.put('/v1/sys/leases/revoke-prefix/database/creds/bulk')).status).toBe(204);
    for (const c of issued) {
      expect(await pgRoleExists(c.username)).toBe(false);
      expect(await pg.canLogin(c.username, c.password)).toBe(false);
    }
  });

  it('a failing creation statement leaves no user and no lease', async () => {
    await v.post('/v1/database/roles/static-broken', {
      db_name: 'pg',
      creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`, 'GRANT SELECT ON no_such_table TO "{{name}}";'],
      default_ttl: '1m',
    });
    const before = (await pg.query<{ n: string }>("SELECT count(*) AS n FROM pg_roles WHERE rolname LIKE 'v-root-static-b%'"))[0]?.n;
    const res = await v.get('/v1/database/creds/static-broken');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.json.errors.join(' ')).toMatch(/no_such_table/);
    const after = (await pg.query<{ n: string }>("SELECT count(*) AS n FROM pg_roles WHERE rolname LIKE 'v-root-static-b%'"))[0]?.n;
    expect(after).toBe(before);
    const leases = await v.list('/v1/sys/leases/lookup/database/creds/static-broken/');
    expect(leases.status).toBe(404);
  });

  it('the CLI prints the lease of credentials and revokes them', async () => {
    const cli = requireBuiltCli();
    const env = childEnv(makeTempDir('coffer-db-cli-'), { VAULT_ADDR: server.address, VAULT_TOKEN: server.rootToken });
    const read = await run(process.execPath, [cli, 'read', 'database/creds/readonly'], { env });
    const leaseId = /lease_id\s+(\S+)/.exec(read.stdout)?.[1] ?? '';
    const username = /username\s+(\S+)/.exec(read.stdout)?.[1] ?? '';
    expect(leaseId).toMatch(/^database\/creds\/readonly\//);
    expect(read.stdout).toMatch(/lease_duration\s+1m/);
    expect(read.stdout).toMatch(/lease_renewable\s+true/);
    expect(await pgRoleExists(username)).toBe(true);
    const revoked = await run(process.execPath, [cli, 'lease', 'revoke', '-sync', leaseId], { env });
    expect(revoked.stdout.trim()).toBe(`Success! Revoked lease: ${leaseId}`);
    expect(await pgRoleExists(username)).toBe(false);
  });
});

describe('static roles and root rotation (PostgreSQL)', () => {
  it('rotates a static role password on schedule; the old password stops working', async () => {
    const user = `app_${randomBytes(4).toString('hex')}`;
    await pg.query(`CREATE ROLE "${user}" WITH LOGIN PASSWORD 'initial-pw'`);
    expect((await v.post('/v1/database/static-roles/static-app', { db_name: 'pg', username: user, rotation_period: '5s' })).status).toBe(204);
    const first = await v.get('/v1/database/static-creds/static-app');
    expect(first.json.data).toMatchObject({ username: user, rotation_period: 5 });
    const p1: string = first.json.data.password;
    expect(await pg.canLogin(user, 'initial-pw')).toBe(false); // creating the role rotated it at once
    expect(await pg.canLogin(user, p1)).toBe(true);

    const p2 = await until('the scheduled rotation', async () => {
      const now = (await v.get('/v1/database/static-creds/static-app')).json.data.password as string;
      return now !== p1 ? now : null;
    });
    expect(await pg.canLogin(user, p1)).toBe(false);
    expect(await pg.canLogin(user, p2)).toBe(true);
  });

  it('rotate-root changes the connection password and the engine keeps working', async () => {
    const rootUser = `coffer_root_${randomBytes(4).toString('hex')}`;
    const rootPw = `start-${randomBytes(6).toString('hex')}`;
    await pg.query(`CREATE ROLE "${rootUser}" WITH LOGIN CREATEROLE PASSWORD '${rootPw}'`);
    await pg.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO "${rootUser}" WITH GRANT OPTION`);
    expect(
      (
        await v.post('/v1/database/config/pg-rotated', {
          plugin_name: 'postgresql-database-plugin',
          connection_url: pg.connectionUrl,
          username: rootUser,
          password: rootPw,
          allowed_roles: 'rotated',
        })
      ).status,
    ).toBe(204);
    await v.post('/v1/database/roles/rotated', { db_name: 'pg-rotated', creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`, default_ttl: '1m' });

    expect((await v.post('/v1/database/rotate-root/pg-rotated')).status).toBe(204);
    expect(await pg.canLogin(rootUser, rootPw)).toBe(false);
    const config = await v.get('/v1/database/config/pg-rotated');
    expect(JSON.stringify(config.json)).not.toMatch(/"password"/);

    const c = await creds('rotated');
    expect(await pg.canLogin(c.username, c.password)).toBe(true);
    expect((await v.put('/v1/sys/leases/revoke', { lease_id: c.leaseId })).status).toBe(204);
    expect(await pgRoleExists(c.username)).toBe(false);
  });
});

describe('MariaDB', () => {
  it('issues a user that logs in, and drops it on revoke', async () => {
    expect(
      (
        await v.post('/v1/database/config/maria', {
          plugin_name: 'mysql-database-plugin',
          connection_url: maria.connectionUrl,
          username: maria.superuser,
          password: maria.superpassword,
          allowed_roles: 'maria-ro',
        })
      ).status,
    ).toBe(204);
    await v.post('/v1/database/roles/maria-ro', {
      db_name: 'maria',
      creation_statements: `CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}'; GRANT SELECT ON *.* TO '{{name}}'@'%';`,
      default_ttl: '1m',
    });
    const c = await creds('maria-ro');
    expect(c.username.length).toBeLessThanOrEqual(32);
    expect(await maria.canLogin(c.username, c.password)).toBe(true);
    expect((await v.put('/v1/sys/leases/revoke', { lease_id: c.leaseId })).status).toBe(204);
    expect(await maria.canLogin(c.username, c.password)).toBe(false);
    expect(await maria.query('SELECT User FROM mysql.user WHERE User = ?', [c.username])).toHaveLength(0);
  });
});

describe('bad connection settings', () => {
  it('refuses a wrong password or an unreachable database with a 400 that never shows the password', async () => {
    const secret = `S3cret-${randomBytes(6).toString('hex')}`;
    const wrong = await v.post('/v1/database/config/bad', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: pg.connectionUrl,
      username: pg.superuser,
      password: secret,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).not.toContain(secret);
    expect(wrong.json.errors.join(' ')).toMatch(/error creating database object/);

    const port = await freePort();
    const unreachable = await v.post('/v1/database/config/bad', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${port}/postgres`,
      username: 'someone',
      password: secret,
    });
    expect(unreachable.status).toBe(400);
    expect(unreachable.text).not.toContain(secret);
    expect(unreachable.text).toContain(String(port));
    expect((await v.get('/v1/database/config/bad')).status).toBe(404);

    const unknownPlugin = await v.post('/v1/database/config/bad', { plugin_name: 'oracle-database-plugin', connection_url: 'x' });
    expect(unknownPlugin.status).toBe(400);
    expect(unknownPlugin.json.errors.join(' ')).toMatch(/oracle-database-plugin/);
  });
});
