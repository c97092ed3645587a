/**
 * One server process per database file. Two processes on one SQLite file would each keep
 * their own read cache and serve stale data, so the second one is refused. The lock is a
 * `<db>.lock` file holding the owner's pid; a lock whose process is gone (after `kill -9`)
 * is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { UnavailableError } from '../../shared/errors.js';

export interface ProcessLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireProcessLock(lockPath: string): ProcessLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readFileSync(lockPath, 'utf8').trim(), 10);
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new UnavailableError(`storage is in use by another process (pid ${owner}); lock file ${lockPath}`);
      }
      unlinkSync(lockPath); // stale: its owner is gone
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        try {
          unlinkSync(lockPath);
        } catch {
          // already gone
        }
      },
    };
  }
  throw new UnavailableError(`could not take the storage lock ${lockPath}`);
}
