/**
 * A throwaway PostgreSQL server: `initdb` into a temp dir (SCRAM password authentication on
 * 127.0.0.1, so passwords are really checked), then `postgres` in the foreground on a free
 * port with durability switched off. PostgreSQL refuses to run as root, so under root both
 * run as the `postgres` system user.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../ports.js';
import { makeTempDir } from '../temp.js';
import {
  SETUP_HINT,
  debianPostgresBinDir,
  findExecutable,
  logTail,
  runCommand,
  startServerProcess,
  systemUser,
  waitUntilReady,
  type RunAs,
  type ServerProcess,
} from './processes.js';
import type { StartOptions, TestDatabase } from './types.js';

const SUPERUSER = 'postgres';
const DATABASE = 'postgres';

function postgresBinaries(): { initdb: string; postgres: string } {
  const dir = debianPostgresBinDir();
  const initdb = dir !== undefined ? join(dir, 'initdb') : findExecutable(['initdb']);
  const postgres = dir !== undefined ? join(dir, 'postgres') : findExecutable(['postgres']);
  if (initdb === undefined || postgres === undefined) {
    throw new Error(`PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or on PATH: ${SETUP_HINT}`);
  }
  return { initdb, postgres };
}

function clientConfig(port: number, user: string, password: string): pg.ClientConfig {
  return {
    host: '127.0.0.1',
    port,
    user,
    // A function, so the developer's PGPASSWORD/~/.pgpass never stand in for a wrong password.
    password: () => password,
    database: DATABASE,
    connectionTimeoutMillis: 5000,
  };
}

function isAuthFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // 28P01 invalid_password (also: role missing, VALID UNTIL passed), 28000 not permitted to log in.
  return code === '28P01' || code === '28000';
}

export async function startPostgres(options: StartOptions = {}): Promise<TestDatabase> {
  const bins = postgresBinaries();
  const dir = makeTempDir('coffer-pg-');
  const runAs: RunAs | undefined = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  if (process.getuid?.() === 0 && runAs === undefined) {
    throw new Error(`running as root needs the "postgres" system user to start PostgreSQL: ${SETUP_HINT}`);
  }
  const dataDir = join(dir, 'data');
  const logPath = join(dir, 'postgres.log');
  const superpassword = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'superpassword');

  mkdirSync(dataDir, { mode: 0o700 });
  writeFileSync(pwfile, `${superpassword}\n`, { mode: 0o600 });
  writeFileSync(logPath, '');
  if (runAs !== undefined) {
    // The postgres user must reach the data dir (traverse, not list) and own it.
    chmodSync(dir, 0o711);
    chownSync(dataDir, runAs.uid, runAs.gid);
    chownSync(pwfile, runAs.uid, runAs.gid);
    chownSync(logPath, runAs.uid, runAs.gid);
  }
  const cwd = dir;
  await runCommand(
    bins.initdb,
    [
      '-D',
      dataDir,
      '-U',
      SUPERUSER,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ],
    { cwd, logPath, ...(runAs ? { runAs } : {}) },
  );
  rmSync(pwfile, { force: true });

  let server: ServerProcess | undefined;
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    server = startServerProcess(
      'PostgreSQL',
      bins.postgres,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'password_encryption=scram-sha-256',
        // Throwaway data: no durability, little memory, no background work.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'autovacuum=off',
        '-c',
        'shared_buffers=16MB',
        '-c',
        'max_connections=50',
      ],
      { logPath, cwd, ...(runAs ? { runAs } : {}) },
    );
    try {
      const probe = async (): Promise<void> => {
        const client = new pg.Client(clientConfig(port, SUPERUSER, superpassword));
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.query('SELECT 1');
        } finally {
          await client.end().catch(() => undefined);
        }
      };
      await waitUntilReady(server, `127.0.0.1:${port}`, probe, options.startTimeoutMs ?? 30_000);
      break;
    } catch (err) {
      await server.stop('SIGKILL', 1000);
      // Another process took the port between freePort() and the bind: try another one.
      if (attempt < 3 && /could not bind|Address already in use/i.test(logTail(logPath))) continue;
      throw err;
    }
  }

  const admin = new pg.Pool({ ...clientConfig(port, SUPERUSER, superpassword), max: 2, allowExitOnIdle: true });
  admin.on('error', () => undefined);
  const running = server;
  let stopped = false;

  return {
    kind: 'postgres',
    host: '127.0.0.1',
    port,
    superuser: SUPERUSER,
    superpassword,
    database: DATABASE,
    connectionUrl: `postgresql://{{username}}:{{password}}@127.0.0.1:${port}/${DATABASE}?sslmode=disable`,
    dataDir,
    async query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      const result = await admin.query(sql, params === undefined ? undefined : [...params]);
      return result.rows as T[];
    },
    async canLogin(user: string, password: string): Promise<boolean> {
      const client = new pg.Client(clientConfig(port, user, password));
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch (err) {
        if (isAuthFailure(err)) return false;
        throw err;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await admin.end().catch(() => undefined);
      // Fast shutdown: disconnects clients and exits cleanly.
      await running.stop('SIGINT');
    },
  };
}
