/**
 * The embedded default backend: one SQLite file in WAL mode with `synchronous=FULL`, so an
 * acknowledged write survives a crash or power loss. Writes go through a group-commit queue
 * (one transaction and one fsync for every write of an event-loop turn); reads go straight
 * to SQLite, so they see every write whose promise has resolved.
 */
import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { InternalError } from '../../shared/errors.js';
import { createCommitQueue } from './commit-queue.js';
import { acquireProcessLock } from './process-lock.js';
import type { CommitInfo } from './commit-queue.js';
import type { PhysicalOp, PhysicalStorage } from './physical.js';
import { checkKey, checkValue, closedError, copyBytes, copyOps } from './validate.js';

export type { CommitInfo } from './commit-queue.js';

export type SqliteStorageOptions = {
  /** The database file; created (0600, parent directory 0700) if missing. */
  path: string;
  /** SQLite's page cache, in KiB (`PRAGMA cache_size = -N`). Default 16 MiB. */
  cacheSize?: number;
  /** How long a write waits for a lock held by another connection. Default 5 s. */
  busyTimeoutMs?: number;
  /** Called after every successful commit, with how many callers and ops it carried (for metrics and tests). */
  onCommit?: (info: CommitInfo) => void;
};

export function createSqliteStorage(options: SqliteStorageOptions): PhysicalStorage {
  createPrivateFile(options.path);
  const lock = acquireProcessLock(`${options.path}.lock`);
  let db: Database.Database;
  try {
    db = new Database(options.path, { fileMustExist: true });
  } catch (err) {
    lock.release();
    throw err;
  }
  try {
    // WAL: readers don't block the writer. FULL: the WAL is fsynced at every commit (NORMAL
    // would only sync at checkpoints, losing the last commits on power loss).
    const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new InternalError('sqlite storage: could not enable WAL mode');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.pragma(`cache_size = ${-Math.trunc(options.cacheSize ?? 16 * 1024)}`);
    db.exec('CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID');
  } catch (err) {
    db.close();
    lock.release();
    throw err;
  }

  const getStmt = db.prepare<[string], Buffer>('SELECT value FROM entries WHERE key = ?').pluck();
  const putStmt = db.prepare<[string, Uint8Array]>(
    'INSERT INTO entries (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const deleteStmt = db.prepare<[string]>('DELETE FROM entries WHERE key = ?');
  // Only keys, so listing a folder never reads values. `>=` on the primary key is an index seek.
  const seekStmt = db.prepare<[string], string>('SELECT key FROM entries WHERE key >= ? ORDER BY key').pluck();

  const commitBatches = db.transaction((batches: readonly (readonly PhysicalOp[])[]) => {
    for (const ops of batches) {
      for (const op of ops) {
        if (op.op === 'put') putStmt.run(op.key, op.value);
        else deleteStmt.run(op.key);
      }
    }
  });
  // IMMEDIATE takes the write lock at BEGIN, where busy_timeout applies.
  const queue = createCommitQueue((batches) => commitBatches.immediate(batches), {
    onCommit: options.onCommit,
    retryAlone: (err) => !DATABASE_FAILURES.has(sqliteCode(err)),
  });

  let closing: Promise<void> | null = null;
  const open = (): void => {
    if (closing !== null) throw closedError();
  };

  return {
    type: 'sqlite',
    async get(key) {
      open();
      checkKey(key);
      const value = getStmt.get(key);
      return value === undefined ? null : ownBytes(value);
    },
    async put(key, value) {
      open();
      checkKey(key);
      checkValue(value);
      // Copied now: the caller may reuse its buffer before the queued commit runs.
      return queue.enqueue([{ op: 'put', key, value: copyBytes(value) }]);
    },
    async delete(key) {
      open();
      checkKey(key);
      return queue.enqueue([{ op: 'delete', key }]);
    },
    async list(prefix) {
      open();
      checkKey(prefix, 'prefix');
      return listChildren(seekStmt, prefix);
    },
    async transaction(ops) {
      open();
      const copied = copyOps(ops);
      if (copied.length === 0) return;
      return queue.enqueue(copied);
    },
    close() {
      closing ??= queue.drain().then(() => {
        db.close();
        lock.release();
      });
      return closing;
    },
  };
}

/**
 * Failures of the database rather than of one caller's ops. Retrying each caller alone after
 * one of these would repeat it per caller, each time blocking the event loop (busy_timeout
 * sleeps synchronously).
 */
const DATABASE_FAILURES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CANTOPEN']);

/** The primary result code (`SQLITE_IOERR_FSYNC` → `SQLITE_IOERR`) of a better-sqlite3 error. */
function sqliteCode(err: unknown): string {
  if (!(err instanceof Database.SqliteError)) return '';
  const match = /^SQLITE_[A-Z]+/.exec(err.code);
  return match?.[0] ?? '';
}

/**
 * Creates the file ourselves so it is 0600 whatever the umask; SQLite gives the -wal and -shm
 * files the same mode as the database file.
 */
function createPrivateFile(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/**
 * Direct children of `prefix`, by skip-scan: after meeting folder `x/`, seek straight to `x0`
 * (`0` is the character after `/`), so a folder costs one index seek however much it holds.
 * SQLite returns keys in code-point order, which is the order `list` promises.
 */
function listChildren(seek: Database.Statement<[string], string>, prefix: string): string[] {
  const out: string[] = [];
  let from = prefix;
  scan: while (true) {
    for (const key of seek.iterate(from)) {
      if (!key.startsWith(prefix)) break scan;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash === -1) {
        if (rest !== '') out.push(rest);
        continue;
      }
      out.push(rest.slice(0, slash + 1));
      from = prefix + rest.slice(0, slash) + '0';
      continue scan;
    }
    break;
  }
  return out;
}

/** better-sqlite3 gives each BLOB its own Buffer; expose it as a plain Uint8Array without copying when that is safe. */
function ownBytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InternalError('sqlite storage: stored value is not a blob');
  const whole = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength;
  return whole ? new Uint8Array(value.buffer, 0, value.byteLength) : new Uint8Array(value);
}
