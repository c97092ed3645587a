import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../temp.js';
import { findExecutable, logTail, startServerProcess, stopAllServerProcesses, waitUntilReady } from './processes.js';

afterAll(async () => {
  await stopAllServerProcesses();
  removeTempDirs();
});

function groupAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('findExecutable', () => {
  it('finds programs on PATH and absolute paths, and nothing for missing ones', () => {
    expect(findExecutable(['definitely-not-installed-xyz', 'sh'])).toMatch(/\/sh$/);
    expect(findExecutable(['/bin/sh'])).toBe('/bin/sh');
    expect(findExecutable(['definitely-not-installed-xyz', '/no/such/binary'])).toBeUndefined();
  });
});

describe('startServerProcess', () => {
  it('stops the whole process group, children included', async () => {
    const dir = makeTempDir('coffer-proc-');
    // A "server" with a child of its own, like PostgreSQL's backends.
    const server = startServerProcess('test', '/bin/sh', ['-c', 'sleep 60 & echo started; wait'], {
      logPath: join(dir, 'log'),
      cwd: dir,
    });
    await waitUntilReady(
      server,
      'nowhere',
      async () => {
        if (!logTail(server.logPath).includes('started')) throw new Error('not yet');
      },
      5000,
    );
    expect(groupAlive(server.child.pid)).toBe(true);
    await server.stop('SIGTERM', 2000);
    expect(server.hasExited()).toBe(true);
    expect(groupAlive(server.child.pid)).toBe(false);
  });

  it('reports a server that exits during startup, with its log tail', async () => {
    const dir = makeTempDir('coffer-proc-');
    const server = startServerProcess('test', '/bin/sh', ['-c', 'echo "FATAL: no way"; exit 3'], { logPath: join(dir, 'log'), cwd: dir });
    await expect(waitUntilReady(server, '127.0.0.1:1', () => Promise.reject(new Error('refused')), 5000)).rejects.toThrow(
      /exited before it was ready \(exit code 3\); log tail:\nFATAL: no way/,
    );
  });

  it('times out with the endpoint, the last error and the log tail', async () => {
    const dir = makeTempDir('coffer-proc-');
    const logPath = join(dir, 'log');
    writeFileSync(logPath, 'booting…\n');
    const server = startServerProcess('test', '/bin/sh', ['-c', 'exec sleep 60'], { logPath, cwd: dir });
    await expect(waitUntilReady(server, '127.0.0.1:9', () => Promise.reject(new Error('ECONNREFUSED')), 300)).rejects.toThrow(
      /did not become ready on 127\.0\.0\.1:9 within 300 ms \(last error: ECONNREFUSED\); log tail:\nbooting…/,
    );
    await stopAllServerProcesses();
    expect(server.hasExited()).toBe(true);
  });
});
