/**
 * KV v2 read and write throughput and latency, against a dev (in-memory) server and a
 * sqlite-backed (durable: WAL + synchronous=FULL) server, each next to a bare `node:http`
 * ceiling measured in the same run. Every server runs in its own child process; autocannon
 * runs here.
 */
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  failuresOf,
  fmtInt,
  fmtMs,
  formatTable,
  runLoad,
  spawnServer,
  vaultCall,
  type LoadResult,
  type LoadSpec,
  type ServerChild,
} from './harness.js';

export interface KvBenchOptions {
  /** Measured seconds per case. */
  durationSec: number;
  /** Discarded warm-up seconds before each case. */
  warmupSec: number;
  readConnections: number;
  writeConnections: number;
  /** How many keys the "distinct keys" write cases cycle through. */
  distinctKeys: number;
  /** Parent directory for the sqlite database (default: the OS temp dir). */
  dataDir?: string;
  log?: (line: string) => void;
}

export const KV_DEFAULTS: Omit<KvBenchOptions, 'log' | 'dataDir'> = {
  durationSec: 8,
  warmupSec: 2,
  readConnections: 64,
  writeConnections: 64,
  distinctKeys: 10_000,
};

export type CaseKind = 'read' | 'write';
export type Ceiling = 'bare-get' | 'bare-post';

export interface KvCaseResult extends LoadResult {
  id: string;
  kind: CaseKind;
  /** The ceiling this case is compared with, or null for the ceilings themselves. */
  ceiling: Ceiling | null;
  /** req/s as a fraction of the ceiling's req/s. */
  ratio: number | null;
}

export interface KvGoal {
  description: string;
  met: boolean;
  value: string;
}

export interface KvBenchReport {
  benchmark: 'kv';
  options: Omit<KvBenchOptions, 'log'>;
  sqliteFilesystem: string;
  /** Latency of one small durable SQLite commit in the data directory, measured before the sqlite cases. */
  commitLatencyMicros: CommitLatency;
  cases: KvCaseResult[];
  goals: KvGoal[];
  failures: string[];
  table: string;
}

/** The secret every case reads and writes: a typical small credential. */
const SECRET = { username: 'bench-app', password: 'c0ffer-b3nch-pa55w0rd-0123456789ab' };
const WRITE_BODY = JSON.stringify({ data: SECRET });
const READ_PATH = 'secret/data/bench/read';
const ONE_KEY_PATH = 'secret/data/bench/one';
const manyKeyPath = (i: number): string => `secret/data/bench/many/k${i}`;

/** The same secret, body and paths, for `profile.ts`. */
export const KV_FIXTURES = { secret: SECRET, writeBody: WRITE_BODY, readPath: READ_PATH, oneKeyPath: ONE_KEY_PATH, manyKeyPath };

/** OpenBao's published figures (16-core Threadripper), for orientation only. */
const OPENBAO_REFERENCE = 'OpenBao reference (16-core Threadripper): ~27k KV v2 reads/s, 140-550 writes/s';

/** "Thousands of durable writes per second": at least this many. */
const DURABLE_WRITES_GOAL = 2_000;

const TMPFS_MAGIC = 0x01021994;

export async function runKvBench(options: KvBenchOptions): Promise<KvBenchReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = options.dataDir ?? tmpdir();
  const sqliteFilesystem = describeFilesystem(dataDir);
  const results = new Map<string, KvCaseResult>();
  let commitLatency: CommitLatency = { mean: Number.NaN, p50: Number.NaN, p99: Number.NaN, samples: 0 };
  const children: ServerChild[] = [];
  const spawn = async (...args: Parameters<typeof spawnServer>): Promise<ServerChild> => {
    const child = await spawnServer(...args);
    children.push(child);
    return child;
  };

  const load = async (
    id: string,
    kind: CaseKind,
    ceiling: Ceiling | null,
    spec: Omit<LoadSpec, 'name' | 'durationSec' | 'warmupSec' | 'connections' | 'method'>,
  ): Promise<void> => {
    const connections = kind === 'read' ? options.readConnections : options.writeConnections;
    log(`  ${id}: ${options.warmupSec}s warm-up + ${options.durationSec}s, ${connections} connections ...`);
    const r = await runLoad({
      ...spec,
      name: id,
      method: kind === 'read' ? 'GET' : 'POST',
      connections,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
    });
    results.set(id, { ...r, id, kind, ceiling, ratio: null });
    log(`    ${fmtInt(r.rps)} req/s, p50 ${fmtMs(r.latencyMs.p50)} ms, p99 ${fmtMs(r.latencyMs.p99)} ms, failures ${failuresOf(r)}`);
  };

  const readSpec = (server: ServerChild, token: string) => ({
    address: server.address,
    server,
    headers: { 'x-vault-token': token },
    path: `/v1/${READ_PATH}`,
  });
  const writeSpec = (server: ServerChild, token: string, path: string | ((n: number) => string)) => ({
    address: server.address,
    server,
    headers: { 'x-vault-token': token, 'content-type': 'application/json' },
    body: WRITE_BODY,
    path,
  });
  const oneKey = `/v1/${ONE_KEY_PATH}`;
  const manyKeys = (n: number): string => `/v1/${manyKeyPath(n % options.distinctKeys)}`;

  /** Counts that every acknowledged write of the single-key case is there (versions only go up). */
  const checkOneKey = async (server: ServerChild, token: string, id: string): Promise<void> => {
    const r = results.get(id);
    const { body } = await vaultCall(server.address, 'GET', ONE_KEY_PATH.replace('/data/', '/metadata/'), { token });
    const current = (body?.['data'] as { current_version?: number } | undefined)?.current_version ?? 0;
    if (r && current < r.requests) throw new Error(`${id}: current_version ${current} < ${r.requests} acknowledged writes`);
  };

  try {
    // A dev server first, to seed the read key and capture the exact bodies the bare
    // ceiling server must return.
    log('dev server (in-memory) ...');
    const dev = await spawn('dev');
    const devToken = dev.rootToken ?? 'root';
    const written = await vaultCall(dev.address, 'POST', READ_PATH, { token: devToken, body: { data: SECRET } });
    const read = await vaultCall(dev.address, 'GET', READ_PATH, { token: devToken });
    if (!written.body || !read.body) throw new Error('dev server returned empty KV v2 bodies');

    log('bare node:http ceiling ...');
    const bare = await spawn('bare', { args: [JSON.stringify({ read: read.body, write: written.body })] });
    await load('bare node:http GET', 'read', null, readSpec(bare, devToken));
    await load('bare node:http POST', 'write', null, writeSpec(bare, devToken, oneKey));
    await bare.stop();

    log('dev server cases ...');
    await load('dev read', 'read', 'bare-get', readSpec(dev, devToken));
    await load('dev write (1 key)', 'write', 'bare-post', writeSpec(dev, devToken, oneKey));
    await checkOneKey(dev, devToken, 'dev write (1 key)');
    await load(`dev write (${fmtInt(options.distinctKeys)} keys)`, 'write', 'bare-post', writeSpec(dev, devToken, manyKeys));
    await dev.stop();

    commitLatency = measureCommitLatency(dataDir);
    log(`sqlite commit latency: ${describeCommitLatency(dataDir, commitLatency)}`);
    log(`sqlite server (WAL, synchronous=FULL, data on ${sqliteFilesystem}) ...`);
    const sqlite = await spawn('sqlite', { args: [dataDir] });
    const token = await initSqliteServer(sqlite);
    await vaultCall(sqlite.address, 'POST', READ_PATH, { token, body: { data: SECRET } });
    await load('sqlite read', 'read', 'bare-get', readSpec(sqlite, token));
    await load('sqlite write (1 key)', 'write', 'bare-post', writeSpec(sqlite, token, oneKey));
    await checkOneKey(sqlite, token, 'sqlite write (1 key)');
    await load(`sqlite write (${fmtInt(options.distinctKeys)} keys)`, 'write', 'bare-post', writeSpec(sqlite, token, manyKeys));
    await sqlite.stop();
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
  }

  // Ratios against the ceiling of the same run.
  const ceilings: Record<Ceiling, number | undefined> = {
    'bare-get': results.get('bare node:http GET')?.rps,
    'bare-post': results.get('bare node:http POST')?.rps,
  };
  const cases = [...results.values()].map((c) => {
    const ceiling = c.ceiling ? ceilings[c.ceiling] : undefined;
    return { ...c, ratio: ceiling ? c.rps / ceiling : null };
  });

  const failures = cases.filter((c) => failuresOf(c) > 0).map((c) => `${c.id}: ${describeFailures(c)}`);
  const goals = evaluateGoals(cases);
  const table = renderTable(cases);
  const { log: _log, ...recordedOptions } = options;
  return {
    benchmark: 'kv',
    options: { ...recordedOptions, dataDir },
    sqliteFilesystem,
    commitLatencyMicros: commitLatency,
    cases,
    goals,
    failures,
    table: [
      table,
      '',
      `sqlite commit latency: ${describeCommitLatency(dataDir, commitLatency)}`,
      ...goals.map((g) => `${g.met ? 'MET    ' : 'NOT MET'}  ${g.description}: ${g.value}`), OPENBAO_REFERENCE].join('\n'),
  };
}

/** Initialises, unseals and mounts KV v2 at `secret/` on a fresh config-file server. */
export async function initSqliteServer(server: ServerChild): Promise<string> {
  const init = await vaultCall(server.address, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
  const key = (init.body?.['keys_base64'] as string[] | undefined)?.[0];
  const token = init.body?.['root_token'];
  if (typeof key !== 'string' || typeof token !== 'string') throw new Error('sys/init returned no key or root token');
  const unseal = await vaultCall(server.address, 'PUT', 'sys/unseal', { body: { key } });
  if (unseal.body?.['sealed'] !== false) throw new Error(`still sealed after unseal: ${JSON.stringify(unseal.body)}`);
  await vaultCall(server.address, 'POST', 'sys/mounts/secret', { token, body: { type: 'kv', options: { version: '2' } } });
  return token;
}

function describeFailures(c: LoadResult): string {
  const codes = Object.entries(c.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, n]) => `${n}x${code}`);
  return [
    `errors=${c.errors}`,
    `timeouts=${c.timeouts}`,
    `non2xx=${c.non2xx}${codes.length ? ` (${codes.join(', ')})` : ''}`,
    `mismatches=${c.mismatches}`,
    `resets=${c.resets}`,
  ].join(' ');
}

function evaluateGoals(cases: KvCaseResult[]): KvGoal[] {
  const goals: KvGoal[] = [];
  for (const c of cases) {
    if (c.kind === 'read' && c.ratio !== null) {
      goals.push({ description: `${c.id} > 50% of bare GET`, met: c.ratio > 0.5, value: `${(c.ratio * 100).toFixed(1)}%` });
    }
    if (c.kind === 'write' && c.id.startsWith('sqlite')) {
      goals.push({ description: `${c.id} >= ${fmtInt(DURABLE_WRITES_GOAL)} durable writes/s`, met: c.rps >= DURABLE_WRITES_GOAL, value: `${fmtInt(c.rps)}/s` });
    }
  }
  return goals;
}

function renderTable(cases: KvCaseResult[]): string {
  const header = ['case', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'failures', 'vs ceiling', 'server CPU', 'CPU µs/req', 'loadgen CPU'];
  const rows = cases.map((c) => [
    c.id,
    String(c.connections),
    fmtInt(c.rps),
    fmtMs(c.latencyMs.p50),
    fmtMs(c.latencyMs.p99),
    fmtMs(c.latencyMs.p999),
    String(failuresOf(c)),
    c.ratio === null ? 'ceiling' : `${(c.ratio * 100).toFixed(1)}%`,
    c.serverCpuCores === null ? '-' : `${(c.serverCpuCores * 100).toFixed(0)}%`,
    c.serverCpuMicrosPerRequest === null ? '-' : c.serverCpuMicrosPerRequest.toFixed(0),
    `${(c.loadgenCpuCores * 100).toFixed(0)}%`,
  ]);
  return formatTable(header, rows, [false, true, true, true, true, true, true, true, true, true, true]);
}

export interface CommitLatency {
  mean: number;
  p50: number;
  p99: number;
  samples: number;
}

/**
 * How long one durable commit takes on this disk, with the server's settings (WAL,
 * synchronous=FULL) and a KV-write-sized transaction (metadata + version). Single-key
 * writes are serialised per key, so this bounds them; it also tells how much a run's
 * write figures owe to the disk (a VM's write cache, or a busy neighbour).
 */
function measureCommitLatency(parent: string, samples = 500): CommitLatency {
  const dir = mkdtempSync(join(parent, 'coffer-bench-fsync-'));
  try {
    const db = new Database(join(dir, 'probe.db'));
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE entries (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID');
      const put = db.prepare<[string, Buffer]>('INSERT INTO entries (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
      const value = Buffer.alloc(1024, 7);
      let n = 0;
      const commit = db.transaction(() => {
        put.run('metadata', value);
        put.run(`version/${n++ % 10}`, value);
      });
      const micros: number[] = [];
      const deadline = Date.now() + 3_000; // bounded, even on a very slow disk
      for (let i = 0; i < samples && Date.now() < deadline; i++) {
        const t = process.hrtime.bigint();
        commit.immediate();
        micros.push(Number(process.hrtime.bigint() - t) / 1e3);
      }
      micros.sort((a, b) => a - b);
      const at = (p: number): number => micros[Math.min(micros.length - 1, Math.ceil((p / 100) * micros.length) - 1)] ?? Number.NaN;
      const mean = micros.reduce((a, b) => a + b, 0) / micros.length;
      return { mean, p50: at(50), p99: at(99), samples: micros.length };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function describeCommitLatency(dir: string, c: CommitLatency): string {
  return (
    `mean ${c.mean.toFixed(0)} µs, p50 ${c.p50.toFixed(0)} µs, p99 ${c.p99.toFixed(0)} µs ` +
    `(${c.samples} commits of 2 rows in ${dir}, WAL, synchronous=FULL); ` +
    `writes to one key are serialised, one commit each, so at most ~${fmtInt(1e6 / c.mean)}/s`
  );
}

function describeFilesystem(dir: string): string {
  try {
    const { type } = statfsSync(dir);
    return type === TMPFS_MAGIC ? `tmpfs (${dir}; fsync is free here, so durable-write figures are optimistic)` : `${dir}, fs type 0x${type.toString(16)}`;
  } catch {
    return dir;
  }
}
