/**
 * The child processes of the operator benchmark: the BUILT `coffer server -dev` and
 * `coffer operator run -external-secrets` (so the operator's RSS and CPU are its own), and
 * what `/proc` says about them. Every child is killed when the parent exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_DIR } from '../harness.js';

export const CLI_PATH = join(REPO_DIR, 'dist', 'cli', 'main.js');

/** Linux's USER_HZ: `/proc/<pid>/stat` counts CPU time in these ticks (100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

const children = new Set<ChildProcess>();
let hooked = false;

/** SIGKILLs every child still running (synchronous: safe in `exit` handlers). */
export function killOperatorBenchChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** Has `child` killed when this process exits or is interrupted. */
export function track(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', killOperatorBenchChildren);
    // A signal skips 'exit' handlers; an orphaned operator would keep running.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        killOperatorBenchChildren();
        process.exit(130);
      });
    }
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function requireBuiltCli(): void {
  if (!existsSync(CLI_PATH)) throw new Error(`the built CLI is missing (${CLI_PATH}): run \`npm run build\` first`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The parent's environment without VAULT_/COFFER_ variables (a developer's VAULT_ADDR must not leak in). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(VAULT|COFFER)_/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

// ---- /proc -------------------------------------------------------------------------------

export interface ProcMemory {
  /** Resident set size now, MiB. */
  rssMb: number;
  /** Peak resident set size (VmHWM), MiB. */
  peakMb: number;
}

export function procMemory(pid: number): ProcMemory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** User + system CPU seconds a process has used so far (NaN once it is gone). */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing paren are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of this process (the Kubernetes API test server and the bench's bookkeeping). */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// ---- children -----------------------------------------------------------------------------

export interface RunningChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last 64 KiB of stdout+stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
  stop(graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

function launch(args: string[], nodeArgs: string[], env: NodeJS.ProcessEnv): RunningChild {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: REPO_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let out = '';
  const keep = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    if (out.length > 64 * 1024) out = out.slice(-64 * 1024);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    pid: child.pid ?? -1,
    output: () => out,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

export interface CofferServer extends RunningChild {
  readonly address: string;
  readonly rootToken: string;
}

/** `coffer server -dev` (in-memory storage, KV v2 at `secret/`) from dist/. */
export async function startCofferServer(home: string, rootToken: string): Promise<CofferServer> {
  requireBuiltCli();
  const port = await freePort();
  const running = launch(
    [CLI_PATH, 'server', '-dev', `-dev-root-token-id=${rootToken}`, `-dev-listen-address=127.0.0.1:${port}`, '-log-level=warn'],
    [],
    cleanEnv({ HOME: home, USERPROFILE: home }),
  );
  const address = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (running.child.exitCode !== null) throw new Error(`coffer server exited (${running.child.exitCode}): ${running.output()}`);
    try {
      const res = await fetch(`${address}/v1/sys/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await running.stop();
      throw new Error(`coffer server not ready within 30 s: ${running.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ...running, address, rootToken };
}

export interface OperatorChild extends RunningChild {
  readonly metricsUrl: string;
  /** Resolves once the CLI printed that the operator started (its informers are then starting). */
  readonly started: Promise<void>;
  /** Prometheus text of the operator's `/metrics`. */
  scrape(): Promise<string>;
}

export interface OperatorSpawnOptions {
  kubeconfig: string;
  home: string;
  concurrent: number;
  /** Extra `coffer operator run` flags (e.g. what an event-driven mode needs). */
  extraArgs?: readonly string[];
  /** Node flags, e.g. `--cpu-prof`. */
  nodeArgs?: readonly string[];
}

/** `coffer operator run -external-secrets` from dist/, probes and metrics on free loopback ports. */
export async function startOperator(options: OperatorSpawnOptions): Promise<OperatorChild> {
  requireBuiltCli();
  const [metricsPort, livePort] = [await freePort(), await freePort()];
  const running = launch(
    [
      CLI_PATH,
      'operator',
      'run',
      '-external-secrets',
      `-kubeconfig=${options.kubeconfig}`,
      `-concurrent=${options.concurrent}`,
      `-metrics-addr=127.0.0.1:${metricsPort}`,
      `-live-addr=127.0.0.1:${livePort}`,
      '-loglevel=warn',
      ...(options.extraArgs ?? []),
    ],
    [...(options.nodeArgs ?? [])],
    cleanEnv({ HOME: options.home, USERPROFILE: options.home }),
  );
  const started = new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (running.output().includes('Coffer operator started')) {
        running.child.stdout?.off('data', check);
        resolve();
      }
    };
    running.child.stdout?.on('data', check);
    void running.exited.then((code) => reject(new Error(`the operator exited (${String(code)}) before it started: ${running.output()}`)));
  });
  started.catch(() => undefined);
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  return {
    ...running,
    metricsUrl,
    started,
    async scrape() {
      const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) });
      return res.text();
    },
  };
}

/** Sum of the samples of `name` whose labels contain every `match` pair, in Prometheus text. */
export function promSum(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    if (!Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}
