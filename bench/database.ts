/**
 * Dynamic database credentials against a local PostgreSQL (started from the system binaries,
 * as the tests do):
 *
 * - issue rate: `GET database/creds/<role>` over HTTP, each one a `CREATE ROLE … VALID UNTIL`
 *   in PostgreSQL plus a lease; ceiling = the same CREATE ROLE statements sent straight to
 *   PostgreSQL with `pg` at the same concurrency, in the same run;
 * - revoke rate: `sys/leases/revoke-prefix` over every issued lease (the default revocation:
 *   REVOKEs, then DROP ROLE); ceiling = DROP ROLE straight to PostgreSQL;
 * - expiry-to-drop: N leases with a short TTL; PostgreSQL's `pg_roles` is polled every 20 ms
 *   and each user's disappearance is compared with its lease's expiry (p50/p99).
 *
 * For reference: Vault's published Oracle dynamic-credential rate is 134/s.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPostgres, stopAllDatabases, type TestDatabase } from '../test/support/databases/index.js';
import { failuresOf, fmtInt, fmtMs, formatTable, runLoad, spawnServer, vaultCall, type ServerChild } from './harness.js';

export interface DatabaseBenchOptions {
  durationSec: number;
  warmupSec: number;
  connections: number;
  /** Leases in the expiry-to-drop case. */
  expiringLeases: number;
  log?: (line: string) => void;
}

export const DATABASE_DEFAULTS: Omit<DatabaseBenchOptions, 'log'> = { durationSec: 5, warmupSec: 1, connections: 8, expiringLeases: 1000 };

const CREATE = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
  return { p50: at(50), p99: at(99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Runs `task` from `concurrency` workers for `seconds`; returns completed tasks per second. */
async function directRate(seconds: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await task(n++);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

async function setUp(server: ServerChild, db: TestDatabase, token: string): Promise<void> {
  await vaultCall(server.address, 'POST', 'sys/mounts/database', { token, body: { type: 'database' } });
  await vaultCall(server.address, 'POST', 'database/config/pg', {
    token,
    body: {
      plugin_name: 'postgresql-database-plugin',
      connection_url: db.connectionUrl,
      username: db.superuser,
      password: db.superpassword,
      allowed_roles: '*',
      max_open_connections: 8,
    },
  });
  await vaultCall(server.address, 'POST', 'database/roles/bench', {
    token,
    body: { db_name: 'pg', creation_statements: CREATE, revocation_statements: 'DROP ROLE IF EXISTS "{{name}}";', default_ttl: '1h' },
  });
  await vaultCall(server.address, 'POST', 'database/roles/expiring', { token, body: { db_name: 'pg', creation_statements: CREATE, default_ttl: '5s' } });
  await vaultCall(server.address, 'POST', 'database/roles/expiring-drop', {
    token,
    body: { db_name: 'pg', creation_statements: CREATE, revocation_statements: 'DROP ROLE IF EXISTS "{{name}}";', default_ttl: '5s' },
  });
}

/**
 * Issues `expiringLeases` credentials of `role` (5 s TTL), then polls `pg_roles` every 20 ms and
 * measures, per user, how long after its lease's expiry it disappeared.
 */
async function expiryToDrop(
  server: ServerChild,
  db: TestDatabase,
  token: string,
  role: string,
  options: DatabaseBenchOptions,
  log: (line: string) => void,
  failures: string[],
): Promise<Percentiles & { count: number }> {
  log(`database: ${fmtInt(options.expiringLeases)} leases of ${role} with a 5 s TTL…`);
  const expiries = new Map<string, number>();
  let issued = 0;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (issued < options.expiringLeases) {
        issued++;
        const res = await vaultCall(server.address, 'GET', `database/creds/${role}`, { token });
        const body = res.body as { lease_duration: number; data: { username: string } };
        // Upper bound of the server's expiry: the answer arrived after the lease was registered.
        expiries.set(body.data.username, Date.now() + body.lease_duration * 1000);
      }
    }),
  );
  const latencies: number[] = [];
  const deadline = Date.now() + 120_000;
  const users = new Set(expiries.keys());
  while (expiries.size > 0 && Date.now() < deadline) {
    const present = new Set((await db.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'v-root-%'")).map((r) => r.rolname));
    const now = Date.now();
    for (const [user, expiry] of expiries) {
      if (!present.has(user)) {
        latencies.push(Math.max(0, now - expiry));
        expiries.delete(user);
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  if (expiries.size > 0) failures.push(`${role}: ${expiries.size} of ${users.size} expired users were still present after 2 minutes`);
  return { ...percentiles(latencies), count: latencies.length };
}

export async function runDatabaseBench(options: DatabaseBenchOptions): Promise<{ table: string; failures: string[]; [k: string]: unknown }> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const failures: string[] = [];
  const db = await startPostgres();
  const server = await spawnServer('dev');
  try {
    const token = server.rootToken ?? 'root';
    await setUp(server, db, token);

    // Ceiling: CREATE ROLE / DROP ROLE straight to PostgreSQL, same concurrency.
    log('database: ceiling (direct CREATE ROLE / DROP ROLE)…');
    const pool = new pg.Pool({ host: db.host, port: db.port, user: db.superuser, password: db.superpassword, database: db.database, max: options.connections });
    const prefix = `ceil_${randomBytes(3).toString('hex')}`;
    const ceilingCreate = await directRate(options.durationSec, options.connections, async (i) => {
      await pool.query(`CREATE ROLE "${prefix}_${i}" WITH LOGIN PASSWORD 'x-${i}' VALID UNTIL '2099-01-01 00:00:00+0000'`);
    });
    const created = (await pool.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE '${prefix}_%'`)).rows.map((r) => r.rolname);
    const d0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (next < created.length) await pool.query(`DROP ROLE IF EXISTS "${created[next++] ?? ''}"`);
      }),
    );
    // The ceiling drops roles with one statement; the engine's default revocation (Vault's) first
    // revokes privileges on schemas and the database — shared catalog rows that concurrent
    // revocations must take turns on — so the bench role revokes with DROP ROLE as well.
    const ceilingDrop = created.length / ((performance.now() - d0) / 1000);

    // Issue rate over HTTP.
    log('database: issuing credentials over HTTP…');
    const issue = await runLoad({
      name: 'GET database/creds/bench',
      address: server.address,
      method: 'GET',
      headers: { 'x-vault-token': token },
      path: '/v1/database/creds/bench',
      connections: options.connections,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      server,
    });
    if (failuresOf(issue) > 0) failures.push(`creds: ${failuresOf(issue)} failed requests (${JSON.stringify(issue.statusCodes)})`);

    // Revoke rate: every lease of the role, revoked synchronously through the engine (after
    // the requests the load generator abandoned at the end have finished on the server).
    await new Promise((r) => setTimeout(r, 1000));
    const leases = (await vaultCall(server.address, 'LIST', 'sys/leases/lookup/database/creds/bench/', { token })).body as { data?: { keys?: string[] } } | null;
    const leaseCount = leases?.data?.keys?.length ?? 0;
    log(`database: revoking ${fmtInt(leaseCount)} leases…`);
    const r0 = performance.now();
    const revoked = await fetch(`${server.address}/v1/sys/leases/revoke-prefix/database/creds/bench`, {
      method: 'PUT',
      headers: { 'x-vault-token': token },
      signal: AbortSignal.timeout(300_000),
    });
    if (revoked.status !== 204) failures.push(`revoke-prefix answered ${revoked.status}: ${await revoked.text()}`);
    const revokeRate = leaseCount / ((performance.now() - r0) / 1000);
    const left = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_roles WHERE rolname LIKE 'v-root-bench-%'");
    if (left[0]?.n !== '0') failures.push(`revoke-prefix left ${left[0]?.n} users behind`);

    // Expiry-to-drop latency, with Vault's default revocation and with a DROP ROLE statement.
    const dropDefault = await expiryToDrop(server, db, token, 'expiring', options, log, failures);
    const dropStatement = await expiryToDrop(server, db, token, 'expiring-drop', options, log, failures);
    await pool.end();

    const rows = [
      ['issue (creds/s)', fmtInt(issue.rps), fmtInt(ceilingCreate), `${((issue.rps / ceilingCreate) * 100).toFixed(0)}%`, `p50 ${fmtMs(issue.latencyMs.p50)} ms, p99 ${fmtMs(issue.latencyMs.p99)} ms`],
      ['revoke (leases/s, revoke-prefix, DROP ROLE)', fmtInt(revokeRate), fmtInt(ceilingDrop), `${((revokeRate / ceilingDrop) * 100).toFixed(0)}%`, `${fmtInt(leaseCount)} leases`],
      ['TTL expiry → user dropped (ms, default revocation)', `p50 ${fmtInt(dropDefault.p50)}`, '', '', `p99 ${fmtInt(dropDefault.p99)}, max ${fmtInt(dropDefault.max)} over ${fmtInt(dropDefault.count)} leases`],
      ['TTL expiry → user dropped (ms, DROP ROLE)', `p50 ${fmtInt(dropStatement.p50)}`, '', '', `p99 ${fmtInt(dropStatement.p99)}, max ${fmtInt(dropStatement.max)} over ${fmtInt(dropStatement.count)} leases`],
    ];
    const table = formatTable(['case', 'coffer', 'ceiling: direct SQL', 'ratio', 'notes'], rows, [false, true, true, true, false]);
    return { table, failures, issue, revokeRate, ceilingCreate, ceilingDrop, expiryToDropMs: { defaultRevocation: dropDefault, dropRole: dropStatement } };
  } finally {
    await server.stop();
    await stopAllDatabases();
  }
}
