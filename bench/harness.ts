/**
 * Shared benchmark plumbing: server child processes, autocannon runs with exact latency
 * percentiles, and table output. Benchmarks (`kv.ts`, ...) build on this.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { ServeCpuReply, ServeMode, ServeProfileReply, ServeReady } from './serve.js';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = dirname(BENCH_DIR);
export const RESULTS_DIR = join(BENCH_DIR, 'results');
const REGISTER = join(BENCH_DIR, 'register.mjs');
const SERVE = join(BENCH_DIR, 'serve.ts');

// ---------------------------------------------------------------------------------------
// Server child processes

type Child = ChildProcessByStdio<Writable, Readable, null>;

/** Running children, with the data directory each one reported (removed when it is killed). */
const live = new Map<Child, string | undefined>();

/** Kills every server child still running. Synchronous, so it is safe in `exit` handlers. */
export function killAllChildren(): void {
  for (const [child, dataDir] of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  live.clear();
}

let hooked = false;
function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

export interface ServerChild {
  readonly mode: ServeMode;
  readonly address: string;
  readonly pid: number;
  readonly rootToken: string | undefined;
  /** CPU time (user + system) the child has used so far, in seconds. */
  cpuSeconds(): Promise<number>;
  /** Starts sampling the child's main thread (see `serve.ts`). */
  startProfile(): Promise<void>;
  /** Stops sampling and has the child write the `.cpuprofile` to `file`. */
  stopProfile(file: string): Promise<void>;
  /** Asks the child to close cleanly, killing it if it won't. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Extra arguments for `serve.ts` after the mode. */
  args?: string[];
  /** Extra Node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  startupTimeoutMs?: number;
}

export async function spawnServer(mode: ServeMode, options: SpawnOptions = {}): Promise<ServerChild> {
  hookProcessExit();
  const child: Child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', REGISTER, SERVE, mode, ...(options.args ?? [])],
    { cwd: REPO_DIR, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  live.set(child, undefined);
  child.once('exit', () => live.delete(child));
  child.stdout.setEncoding('utf8');

  // Everything the child prints on stdout is one JSON object per line.
  const waiters: ((line: Record<string, unknown>) => boolean)[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        process.stderr.write(`[${mode} server] ${text}\n`);
        continue;
      }
      const i = waiters.findIndex((accept) => accept(line));
      if (i !== -1) waiters.splice(i, 1);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const nextLine = <T>(match: (line: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${mode} server: no ${what} within ${timeoutMs} ms`)), timeoutMs);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${mode} server exited (code ${String(child.exitCode)}) while waiting for ${what}`));
      });
      waiters.push((line) => {
        if (!match(line)) return false;
        clearTimeout(timer);
        resolve(line as T);
        return true;
      });
    });

  let ready: ServeReady;
  try {
    ready = await nextLine<ServeReady>((line) => line['ready'] === true, options.startupTimeoutMs ?? 30_000, 'ready line');
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  if (live.has(child)) live.set(child, ready.dataDir);

  let stopped: Promise<void> | null = null;
  return {
    mode,
    address: ready.address,
    pid: ready.pid,
    rootToken: ready.rootToken,
    async cpuSeconds() {
      const reply = nextLine<ServeCpuReply>((line) => typeof line['cpu'] === 'object', 5_000, 'cpu reply');
      child.stdin.write('cpu\n');
      const { cpu } = await reply;
      return (cpu.userMicros + cpu.systemMicros) / 1e6;
    },
    async startProfile() {
      const reply = nextLine<ServeProfileReply>((line) => 'profiling' in line || 'error' in line, 10_000, 'profile-start reply');
      child.stdin.write('profile-start\n');
      const { error } = await reply;
      if (error) throw new Error(`${mode} server: profile-start failed: ${error}`);
    },
    async stopProfile(file) {
      const reply = nextLine<ServeProfileReply>((line) => 'profile' in line || 'error' in line, 60_000, 'profile-stop reply');
      child.stdin.write(`profile-stop ${file}\n`);
      const { error } = await reply;
      if (error) throw new Error(`${mode} server: profile-stop failed: ${error}`);
    },
    stop() {
      stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.stdin.end('stop\n');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
        // The child removes its data directory itself; this covers a child that was killed.
        if (ready.dataDir) rmSync(ready.dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------
// Plain HTTP calls for setup (init, unseal, mounts, seeding)

export async function vaultCall(
  address: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const response = await fetch(`${address}/v1/${path}`, {
    method,
    headers: {
      ...(options.token ? { 'x-vault-token': options.token } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const body = text === '' ? null : (JSON.parse(text) as Record<string, unknown>);
  if (response.status >= 400) {
    throw new Error(`${method} /v1/${path} -> ${response.status}: ${text}`);
  }
  return { status: response.status, body };
}

// ---------------------------------------------------------------------------------------
// Load runs

export interface LoadSpec {
  /** Row label. */
  name: string;
  /** Base URL of the server. */
  address: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Request path, or a function giving the path of the n-th request (to vary keys). */
  path: string | ((n: number) => string);
  connections: number;
  durationSec: number;
  /** Discarded run before the measured one (JIT, caches, connection setup). */
  warmupSec: number;
  /** The server child, to measure how much CPU it used. */
  server?: ServerChild;
}

export interface LoadResult {
  name: string;
  method: string;
  connections: number;
  durationSec: number;
  requests: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  resets: number;
  statusCodes: Record<string, number>;
  /** Server CPU used during the measured run, in cores (1.0 = one core saturated). */
  serverCpuCores: number | null;
  /** Server CPU time per completed request, in microseconds: cost, independent of throughput. */
  serverCpuMicrosPerRequest: number | null;
  /** Load generator (this process) CPU during the measured run, in cores. */
  loadgenCpuCores: number;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

function cannon(spec: LoadSpec, durationSec: number, latencies: number[] | null): Promise<autocannon.Result> {
  let n = 0;
  const pathOf = spec.path;
  const request: autocannon.Request = {
    method: spec.method,
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(typeof pathOf === 'string'
      ? { path: pathOf }
      : {
          setupRequest: (req: autocannon.Request) => {
            req.path = pathOf(n++);
            return req;
          },
        }),
  };
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.address,
        connections: spec.connections,
        pipelining: 1,
        duration: durationSec,
        timeout: 10,
        requests: [request],
      },
      (err: unknown, result: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)),
    );
    if (latencies) {
      // autocannon's own histogram only has whole-millisecond resolution; keep exact times.
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    }
  });
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmupSec > 0) await cannon(spec, spec.warmupSec, null);
  const latencies: number[] = [];
  const cpuBefore = spec.server ? await spec.server.cpuSeconds() : null;
  const ownBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await cannon(spec, spec.durationSec, latencies);
  const elapsedSec = Number(process.hrtime.bigint() - started) / 1e9;
  const own = process.cpuUsage(ownBefore);
  const cpuAfter = spec.server ? await spec.server.cpuSeconds() : null;

  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((a, b) => a + b, 0);
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (stats as { count: number }).count;
  return {
    name: spec.name,
    method: spec.method,
    connections: spec.connections,
    durationSec: result.duration,
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      p999: percentile(sorted, 99.9),
      max: sorted.length ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
      mean: sorted.length ? sum / sorted.length : Number.NaN,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    resets: result.resets,
    statusCodes,
    serverCpuCores: cpuBefore !== null && cpuAfter !== null ? (cpuAfter - cpuBefore) / elapsedSec : null,
    serverCpuMicrosPerRequest:
      cpuBefore !== null && cpuAfter !== null && result.requests.total > 0 ? ((cpuAfter - cpuBefore) * 1e6) / result.requests.total : null,
    loadgenCpuCores: (own.user + own.system) / 1e6 / elapsedSec,
  };
}

/** Every way a run can have gone wrong, summed. Must be zero. */
export function failuresOf(r: LoadResult): number {
  return r.errors + r.timeouts + r.non2xx + r.mismatches + r.resets;
}

// ---------------------------------------------------------------------------------------
// Output

export function formatTable(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtMs(n: number): string {
  return Number.isFinite(n) ? n.toFixed(2) : '-';
}

// ---------------------------------------------------------------------------------------
// Which server build the children run

export type ServerBuild = 'src' | 'dist';

/**
 * Makes server children run `src/` through tsx (default) or the compiled `dist/`. Returns
 * warnings, e.g. when `dist/` is older than the sources.
 */
export function selectServerBuild(build: ServerBuild): string[] {
  process.env['COFFER_BENCH_SERVER'] = build;
  if (build === 'src') return [];
  const built = join(REPO_DIR, 'dist', 'server', 'index.js');
  if (!existsSync(built)) return [`dist/ has no server build (${relative(REPO_DIR, built)}); run \`npm run build\` first`];
  const builtAt = statSync(built).mtimeMs;
  const newer = newestSource(join(REPO_DIR, 'src'));
  return newer && newer.mtimeMs > builtAt
    ? [`dist/ may be stale: ${relative(REPO_DIR, newer.path)} is newer than the build; run \`npm run build\``]
    : [];
}

function newestSource(dir: string): { path: string; mtimeMs: number } | null {
  let newest: { path: string; mtimeMs: number } | null = null;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const candidate = entry.isDirectory()
      ? newestSource(path)
      : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')
        ? { path, mtimeMs: statSync(path).mtimeMs }
        : null;
    if (candidate && (!newest || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}

// ---------------------------------------------------------------------------------------
// Machine state

/**
 * CPU the whole machine is using while we do nothing, in cores, sampled over `ms`. Anything
 * well above zero is another process competing with the benchmark for the same cores.
 */
export async function backgroundCpuCores(ms = 1000): Promise<number> {
  const busyAndTotal = (): [number, number] => {
    let busy = 0;
    let total = 0;
    for (const { times } of cpus()) {
      const all = times.user + times.nice + times.sys + times.irq + times.idle;
      busy += all - times.idle;
      total += all;
    }
    return [busy, total];
  };
  const [busy0, total0] = busyAndTotal();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const [busy1, total1] = busyAndTotal();
  const cores = cpus().length;
  return total1 > total0 ? ((busy1 - busy0) / (total1 - total0)) * cores : 0;
}
