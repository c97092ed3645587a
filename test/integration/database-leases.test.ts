/**
 * Database leases across failure, against a real PostgreSQL:
 * - a server killed (-9) mid-lease and restarted loses no lease, and the user whose lease ran
 *   out while it was down is dropped right after unseal;
 * - a revocation the database keeps refusing is retried, then surfaced as irrevocable (never
 *   dropped), and revoking it once the cause is fixed drops the user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/shared/logger.js';
import { createBarrier } from '../../src/server/barrier/index.js';
import { Core } from '../../src/server/core/index.js';
import { createSecretEngines } from '../../src/server/engines/index.js';
import { createInmemStorage } from '../../src/server/storage/index.js';
import { startPostgres, stopAllDatabases, type TestDatabase } from '../support/databases/index.js';
import { api, initServer, removeTempDirs, requireBuiltCli, spawnServer, stopAllServers, unsealServer } from '../support/index.js';

let pg: TestDatabase;

beforeAll(async () => {
  requireBuiltCli();
  pg = await startPostgres();
}, 60_000);

afterAll(async () => {
  await stopAllServers();
  await stopAllDatabases();
  removeTempDirs();
});

const CREATE = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;

async function roleExists(name: string): Promise<boolean> {
  return (await pg.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).length > 0;
}

async function until(what: string, probe: () => Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a restart mid-lease', () => {
  it('keeps every lease, and drops the users whose leases expired while the server was down', async () => {
    const server = await spawnServer();
    const init = await initServer(server.address, 1, 1);
    await unsealServer(server.address, init.keys);
    const v = api(server.address, init.root_token);
    expect((await v.post('/v1/sys/mounts/database', { type: 'database' })).status).toBe(204);
    const config = await v.post('/v1/database/config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: pg.connectionUrl,
      username: pg.superuser,
      password: pg.superpassword,
      allowed_roles: '*',
    });
    expect(config.status).toBe(204);
    await v.post('/v1/database/roles/brief', { db_name: 'pg', creation_statements: CREATE, default_ttl: '3s' });
    await v.post('/v1/database/roles/long', { db_name: 'pg', creation_statements: CREATE, default_ttl: '1h' });
    const brief = (await v.get('/v1/database/creds/brief')).json;
    const long = (await v.get('/v1/database/creds/long')).json;
    expect(await roleExists(brief.data.username)).toBe(true);

    await server.kill9();
    // Let the short lease run out while the server is down.
    await new Promise((r) => setTimeout(r, 3500));
    await server.restart();
    expect(await roleExists(brief.data.username)).toBe(true); // sealed: nothing can revoke yet
    await unsealServer(server.address, init.keys);

    await until('the expired user to be dropped after unseal', async () => !(await roleExists(brief.data.username)));
    const lookup = await v.put('/v1/sys/leases/lookup', { lease_id: long.lease_id });
    expect(lookup.status).toBe(200);
    expect(lookup.json.data.id).toBe(long.lease_id);
    expect(await pg.canLogin(long.data.username, long.data.password)).toBe(true);
  });
});

describe('a revocation the database refuses', () => {
  it('is retried, then listed as irrevocable, and succeeds once the cause is fixed', async () => {
    const clock = { ms: Date.now() };
    const physical = createInmemStorage();
    const core = new Core({
      physical,
      barrier: createBarrier(physical),
      backends: createSecretEngines(silentLogger()),
      logger: silentLogger(),
      version: 'test',
      now: () => clock.ms,
    });
    const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
    await core.unsealWithKeys(keys);
    const call = async (operation: 'read' | 'update' | 'list', path: string, data: Record<string, unknown> = {}) =>
      (await core.handleRequest({ operation, path, data, headers: {}, remoteAddr: '127.0.0.1', clientToken: rootToken })).response;

    await call('update', 'sys/mounts/database', { type: 'database' });
    await call('update', 'database/config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: pg.connectionUrl,
      username: pg.superuser,
      password: pg.superpassword,
      allowed_roles: '*',
    });
    // The revocation statement fails inside its transaction, so the role is never dropped.
    await call('update', 'database/roles/stuck', {
      db_name: 'pg',
      creation_statements: CREATE,
      revocation_statements: 'DROP ROLE "{{name}}"; SELECT * FROM table_that_is_not_there;',
      default_ttl: '10s',
    });
    const issued = await call('read', 'database/creds/stuck');
    const leaseId = issued?.leaseId ?? '';
    const username = String(issued?.data?.['username']);

    for (let attempt = 0; attempt < 8; attempt++) {
      clock.ms += 10 * 60_000; // past the TTL, then past each backoff
      await core.leases.processExpired();
    }
    expect(await roleExists(username)).toBe(true);
    const irrevocable = await call('read', 'sys/leases', { type: 'irrevocable' });
    expect(irrevocable?.data?.['lease_count']).toBe(1);
    const [entry] = irrevocable?.data?.['leases'] as { lease_id: string; error: string }[];
    expect(entry?.lease_id).toBe(leaseId);
    expect(entry?.error).toMatch(/table_that_is_not_there/);
    expect(entry?.error).not.toContain(pg.superpassword);

    await call('update', 'database/roles/stuck', { revocation_statements: 'DROP ROLE "{{name}}";' });
    await call('update', 'sys/leases/revoke', { lease_id: leaseId });
    expect(await roleExists(username)).toBe(false);
    expect((await call('read', 'sys/leases/count', { type: 'irrevocable' }))?.data?.['lease_count']).toBe(0);
    await core.close();
  });
});
