/**
 * A throwaway MariaDB server: `mariadb-install-db` into a temp dir, then `mariadbd` on a free
 * 127.0.0.1 port with durability switched off. An init file gives `root` a password (for
 * TCP and the private socket) and creates the `coffer_test` database.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from '../ports.js';
import { makeTempDir } from '../temp.js';
import {
  SETUP_HINT,
  findExecutable,
  logTail,
  runCommand,
  startServerProcess,
  waitUntilReady,
  type ServerProcess,
} from './processes.js';
import type { StartOptions, TestDatabase } from './types.js';

const SUPERUSER = 'root';
const DATABASE = 'coffer_test';

/** mysql2 error numbers for a refused login. */
const ACCESS_DENIED = new Set([1045, 1698]);

function mariadbBinaries(): { mariadbd: string; installDb: string } {
  const mariadbd = findExecutable(['mariadbd', 'mysqld']);
  const installDb = findExecutable(['mariadb-install-db', 'mysql_install_db']);
  if (mariadbd === undefined || installDb === undefined) {
    throw new Error(`MariaDB server binaries (mariadbd, mariadb-install-db) not found: ${SETUP_HINT}`);
  }
  return { mariadbd, installDb };
}

/** Small buffers, no binlog, no flushing: what a test server needs. */
const FAST_OPTIONS = [
  '--skip-name-resolve',
  '--skip-log-bin',
  '--performance-schema=OFF',
  '--innodb-buffer-pool-size=16M',
  '--innodb-log-file-size=8M',
  '--innodb-flush-log-at-trx-commit=0',
  '--innodb-doublewrite=0',
  '--max-connections=50',
];

function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export async function startMariadb(options: StartOptions = {}): Promise<TestDatabase> {
  const bins = mariadbBinaries();
  const dir = makeTempDir('coffer-mariadb-');
  const dataDir = join(dir, 'data');
  const logPath = join(dir, 'mariadb.log');
  const initFile = join(dir, 'init.sql');
  const superpassword = randomBytes(12).toString('hex');
  const asRoot = process.getuid?.() === 0;
  const userOption = asRoot ? ['--user=root'] : [];

  await runCommand(
    bins.installDb,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...userOption,
      ...FAST_OPTIONS,
    ],
    { cwd: dir, logPath },
  );
  // install-db leaves root without a password on localhost, 127.0.0.1 and ::1.
  writeFileSync(
    initFile,
    [
      `ALTER USER IF EXISTS 'root'@'localhost' IDENTIFIED BY ${sqlString(superpassword)};`,
      `ALTER USER IF EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ${sqlString(superpassword)};`,
      `DROP USER IF EXISTS 'root'@'::1';`,
      `CREATE DATABASE IF NOT EXISTS ${DATABASE};`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  let server: ServerProcess | undefined;
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    server = startServerProcess(
      'MariaDB',
      bins.mariadbd,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--socket=${join(dir, 'mysqld.sock')}`,
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        '--bind-address=127.0.0.1',
        `--port=${port}`,
        `--init-file=${initFile}`,
        ...userOption,
        ...FAST_OPTIONS,
      ],
      { logPath, cwd: dir },
    );
    try {
      const probe = async (): Promise<void> => {
        const conn = await mysql.createConnection({
          host: '127.0.0.1',
          port,
          user: SUPERUSER,
          password: superpassword,
          connectTimeout: 2000,
        });
        try {
          await conn.query('SELECT 1');
        } finally {
          await conn.end().catch(() => undefined);
        }
      };
      await waitUntilReady(server, `127.0.0.1:${port}`, probe, options.startTimeoutMs ?? 30_000);
      break;
    } catch (err) {
      await server.stop('SIGKILL', 1000);
      if (attempt < 3 && /Address already in use|Can't start server: Bind/i.test(logTail(logPath))) continue;
      throw err;
    }
  }

  const admin = mysql.createPool({
    host: '127.0.0.1',
    port,
    user: SUPERUSER,
    password: superpassword,
    database: DATABASE,
    connectionLimit: 2,
  });
  const running = server;
  let stopped = false;

  return {
    kind: 'mariadb',
    host: '127.0.0.1',
    port,
    superuser: SUPERUSER,
    superpassword,
    database: DATABASE,
    connectionUrl: `{{username}}:{{password}}@tcp(127.0.0.1:${port})/${DATABASE}`,
    dataDir,
    async query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      const [rows] = await admin.query(sql, params === undefined ? undefined : [...params]);
      return Array.isArray(rows) ? (rows as T[]) : [];
    },
    async canLogin(user: string, password: string): Promise<boolean> {
      let conn: mysql.Connection;
      try {
        conn = await mysql.createConnection({ host: '127.0.0.1', port, user, password, connectTimeout: 5000 });
      } catch (err) {
        const errno = (err as { errno?: unknown } | null)?.errno;
        if (typeof errno === 'number' && ACCESS_DENIED.has(errno)) return false;
        throw err;
      }
      try {
        await conn.query('SELECT 1');
        return true;
      } finally {
        await conn.end().catch(() => undefined);
      }
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await admin.end().catch(() => undefined);
      await running.stop('SIGTERM');
    },
  };
}
