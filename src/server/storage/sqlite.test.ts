import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommitInfo } from './commit-queue.js';
import { runStorageConformance } from './conformance.js';
import type { PhysicalStorage } from './physical.js';
import { createSqliteStorage } from './sqlite.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'coffer-sqlite-'));
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const mode = (path: string): number => statSync(path).mode & 0o777;

runStorageConformance('sqlite', async () => {
  const dir = tempDir();
  return {
    storage: createSqliteStorage({ path: join(dir, 'coffer.db') }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('sqlite storage', () => {
  let dir: string;
  let path: string;
  const opened: PhysicalStorage[] = [];
  const children: ChildProcess[] = [];
  const open = (options: { onCommit?: (info: CommitInfo) => void; busyTimeoutMs?: number } = {}): PhysicalStorage => {
    const storage = createSqliteStorage({ path, ...options });
    opened.push(storage);
    return storage;
  };

  beforeEach(() => {
    dir = tempDir();
    path = join(dir, 'data', 'coffer.db');
  });
  afterEach(async () => {
    // A child left running by a failed crash test must not outlive it.
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const storage of opened.splice(0)) await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports its type', () => {
    expect(open().type).toBe('sqlite');
  });

  it('keeps data across close and reopen', async () => {
    const first = open();
    await first.put('a', bytes(1));
    await first.transaction([
      { op: 'put', key: 'b/c', value: bytes(2) },
      { op: 'put', key: 'gone', value: bytes(3) },
      { op: 'delete', key: 'gone' },
    ]);
    await first.close();

    const second = open();
    expect(await second.get('a')).toEqual(bytes(1));
    expect(await second.get('b/c')).toEqual(bytes(2));
    expect(await second.get('gone')).toBeNull();
    expect(await second.list('')).toEqual(['a', 'b/']);
  });

  it('commits queued writes before closing', async () => {
    const storage = open();
    const writes = Array.from({ length: 50 }, (_, i) => storage.put(`q/${i}`, bytes(i)));
    await storage.close();
    await Promise.all(writes);

    const reopened = open();
    expect(await reopened.list('q/')).toHaveLength(50);
    expect(await reopened.get('q/49')).toEqual(bytes(49));
  });

  it.each([
    { umask: '000', value: 0o000 },
    { umask: '277', value: 0o277 },
  ])('creates the directory 0700 and the database, -wal and -shm 0600 under umask $umask', async ({ value }) => {
    const previous = process.umask(value);
    let storage: PhysicalStorage;
    try {
      storage = open();
      await storage.put('k', bytes(1)); // makes SQLite create the -wal and -shm files
    } finally {
      process.umask(previous);
    }
    expect(mode(join(dir, 'data'))).toBe(0o700);
    expect(mode(path)).toBe(0o600);
    expect(mode(`${path}-wal`)).toBe(0o600);
    expect(mode(`${path}-shm`)).toBe(0o600);
    expect(await storage.get('k')).toEqual(bytes(1));
  });

  it('puts the writes of one event-loop turn into one commit', async () => {
    const commits: CommitInfo[] = [];
    const storage = open({ onCommit: (info) => commits.push(info) });

    await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => storage.put(`g/${i}`, bytes(i))),
      storage.transaction([
        { op: 'put', key: 'g/tx1', value: bytes(1) },
        { op: 'put', key: 'g/tx2', value: bytes(2) },
      ]),
      storage.delete('g/0'),
    ]);
    expect(commits).toEqual([{ callers: 102, ops: 103 }]);

    await storage.put('alone', bytes(1));
    expect(commits).toEqual([
      { callers: 102, ops: 103 },
      { callers: 1, ops: 1 },
    ]);
    expect(await storage.list('g/')).toHaveLength(101);
    expect(await storage.get('g/0')).toBeNull();
  });

  it('keeps batching writers that write again as soon as they are acknowledged', async () => {
    const commits: CommitInfo[] = [];
    const storage = open({ onCommit: (info) => commits.push(info) });
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; i < 10; i++) await storage.put(`w/${w}/${i}`, bytes(w, i));
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => writer(w)));
    // Each round of 20 writes is issued before the next flush, so every commit carries one round.
    expect(commits).toEqual(Array.from({ length: 10 }, () => ({ callers: 20, ops: 20 })));
  });

  it('rejects only the caller whose arguments are invalid', async () => {
    const commits: CommitInfo[] = [];
    const storage = open({ onCommit: (info) => commits.push(info) });
    const results = await Promise.allSettled([
      storage.put('ok/1', bytes(1)),
      storage.transaction([{ op: 'put', key: 'bad', value: 'not bytes' }] as never),
      storage.put('ok/2', bytes(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/must be a Uint8Array/);
    expect(commits).toEqual([{ callers: 2, ops: 2 }]);
    expect(await storage.list('')).toEqual(['ok/']);
  });

  it('when SQLite fails one batch of a group, fails only that caller and commits the others', async () => {
    const commits: CommitInfo[] = [];
    const storage = open({ onCommit: (info) => commits.push(info) });
    await storage.put('setup', bytes(0));
    commits.length = 0;
    // A real failure inside SQLite, installed through a second connection.
    const other = new Database(path);
    other.exec(`CREATE TRIGGER poison BEFORE INSERT ON entries WHEN NEW.key = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned key'); END`);
    other.close();

    const results = await Promise.allSettled([
      storage.put('a', bytes(1)),
      storage.transaction([
        { op: 'put', key: 'b', value: bytes(2) },
        { op: 'put', key: 'poison', value: bytes(3) },
      ]),
      storage.delete('setup'),
      storage.put('c', bytes(4)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/poisoned key/);
    expect(commits).toEqual([
      { callers: 1, ops: 1 },
      { callers: 1, ops: 1 },
      { callers: 1, ops: 1 },
    ]);
    expect(await storage.get('a')).toEqual(bytes(1));
    expect(await storage.get('b')).toBeNull(); // the failed transaction left nothing behind
    expect(await storage.get('setup')).toBeNull();
    expect(await storage.get('c')).toEqual(bytes(4));
  });

  it('rejects every waiting caller, once, when another connection holds the write lock', async () => {
    const commits: CommitInfo[] = [];
    const storage = open({ busyTimeoutMs: 0, onCommit: (info) => commits.push(info) });
    await storage.put('setup', bytes(0));
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const results = await Promise.allSettled([storage.put('a', bytes(1)), storage.put('b', bytes(2))]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/locked|busy/i);
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
    await storage.put('a', bytes(1));
    expect(await storage.get('a')).toEqual(bytes(1));
    expect(await storage.get('b')).toBeNull();
    expect(commits).toEqual([
      { callers: 1, ops: 1 },
      { callers: 1, ops: 1 },
    ]);
  });

  it('keeps every acknowledged write when the process is killed with SIGKILL', async () => {
    const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
    const script = join(dir, 'writer.mts');
    // Each line on stdout is a write whose promise resolved: the contract says it is durable.
    writeFileSync(
      script,
      `import { createSqliteStorage } from ${JSON.stringify(new URL('./sqlite.ts', import.meta.url).href)};
const storage = createSqliteStorage({ path: process.argv[2] ?? '' });
let next = 0;
const writer = async () => {
  for (;;) {
    const i = next++;
    await storage.put('crash/' + i, new TextEncoder().encode('value-' + i + '-'.repeat(i % 97)));
    process.stdout.write(i + '\\n');
  }
};
for (let w = 0; w < 16; w++) void writer();
`,
    );

    const child = spawn(process.execPath, ['--import', 'tsx', script, path], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const acked: number[] = [];
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const lines = stdout.split('\n');
      stdout = lines.pop() ?? ''; // a partial line is not an acknowledgement yet
      for (const line of lines) acked.push(Number(line));
      if (acked.length >= 200) child.kill('SIGKILL');
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    expect(stderr).toBe('');
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    expect(acked.length).toBeGreaterThanOrEqual(200);

    const storage = open();
    for (const i of acked) {
      const got = await storage.get(`crash/${i}`);
      expect(got === null ? null : new TextDecoder().decode(got)).toBe(`value-${i}${'-'.repeat(i % 97)}`);
    }
  });
});

describe('sqlite process lock', () => {
  it('refuses a second storage on the same file until the first closes, and takes over stale locks', async () => {
    const open = createSqliteStorage;
    const dir = mkdtempSync(join(tmpdir(), 'coffer-lock-'));
    try {
      const path = join(dir, 'db.sqlite');
      const first = open({ path });
      expect(() => open({ path })).toThrow(/in use by another process/);
      await first.close();
      const second = open({ path });
      await second.close();
      // A lock left by a process that no longer exists (pid 2^22+1 is above Linux's pid_max default).
      writeFileSync(`${path}.lock`, '4194305\n');
      const third = open({ path });
      await third.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
