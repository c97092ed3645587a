/**
 * Real PostgreSQL and MariaDB servers for tests, from the system binaries
 * (`bash scripts/setup.sh` installs them):
 *
 *   const pg = await startPostgres();      // in beforeAll
 *   …
 *   await stopAllDatabases();              // in afterAll, before removeTempDirs()
 *
 * Each server lives in a temp dir, listens on a free 127.0.0.1 port with password
 * authentication, and is killed when this process exits even if `stopAllDatabases` never ran.
 */
import { startMariadb as startMariadbServer } from './mariadb.js';
import { startPostgres as startPostgresServer } from './postgres.js';
import { stopAllServerProcesses } from './processes.js';
import type { StartOptions, TestDatabase } from './types.js';

export type { StartOptions, TestDatabase } from './types.js';

const started = new Set<TestDatabase>();

function track(db: TestDatabase): TestDatabase {
  started.add(db);
  const stop = db.stop.bind(db);
  db.stop = async () => {
    started.delete(db);
    await stop();
  };
  return db;
}

/** A fresh PostgreSQL server (superuser `postgres`, database `postgres`). */
export async function startPostgres(options?: StartOptions): Promise<TestDatabase> {
  return track(await startPostgresServer(options));
}

/** A fresh MariaDB server (superuser `root`, database `coffer_test`). */
export async function startMariadb(options?: StartOptions): Promise<TestDatabase> {
  return track(await startMariadbServer(options));
}

/** Stops every database server this process started (for `afterAll`). */
export async function stopAllDatabases(): Promise<void> {
  await Promise.all([...started].map((db) => db.stop()));
  // Anything a failed start left behind.
  await stopAllServerProcesses();
}
