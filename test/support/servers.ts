/**
 * Servers for black-box tests:
 *
 * - `startInProcessDev()` — `startServer` in dev mode on a free loopback port (fast; the
 *   compat suites use it).
 * - `startInProcessConfig()` — `startServer` from an HCL file (uninitialised and sealed).
 * - `spawnServer()` — the BUILT CLI (`node dist/cli/main.js server -config=…`) as a child
 *   process with its own temp dir, sqlite storage and a free port; it can be killed with
 *   SIGKILL and restarted on the same config.
 *
 * Every child process is tracked; `stopAllServers()` (called from `afterAll`) kills the ones
 * still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../src/server/index.js';
import { rawRequest } from './http.js';
import { freePort } from './ports.js';
import { makeTempDir } from './temp.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_PATH = join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** Fails with a clear message when the CLI has not been built. */
export function requireBuiltCli(): string {
  if (!existsSync(CLI_PATH)) {
    throw new Error(`the built CLI is missing (${CLI_PATH}): run \`npm run build\` before these tests`);
  }
  return CLI_PATH;
}

/**
 * An environment for child processes: the parent's, minus every `VAULT_*`/`COFFER_*`
 * variable (a developer's VAULT_ADDR or VAULT_SKIP_VERIFY must not leak into a test), with
 * `HOME` set to `home` so the token helper file stays in a temp dir.
 */
export function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(VAULT|COFFER)_/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, HOME: home, USERPROFILE: home, COFFER_LOG_LEVEL: 'warn', ...extra };
}

// ---- in-process servers -------------------------------------------------------------

export interface InProcessServer {
  address: string;
  rootToken: string;
  unsealKey: string;
  close(): Promise<void>;
}

export async function startInProcessDev(options: { rootTokenId?: string; kvV1?: boolean } = {}): Promise<InProcessServer> {
  const server = await startServer({
    dev: {
      rootTokenId: options.rootTokenId ?? 'root',
      listenAddress: '127.0.0.1:0',
      ...(options.kvV1 ? { kvV1: true } : {}),
    },
    logLevel: 'silent',
  });
  if (server.rootToken === undefined || server.unsealKey === undefined) throw new Error('dev server without root token');
  return { address: server.address, rootToken: server.rootToken, unsealKey: server.unsealKey, close: () => server.close() };
}

export interface ConfigOptions {
  /** `inmem` or a sqlite file path. Default: a sqlite file in `dir`. */
  storage?: 'inmem' | { sqlite: string };
  /** Extra lines inside the listener block (e.g. `max_request_size = 1024`). */
  listenerExtra?: string;
  /** Extra top-level lines. */
  extra?: string;
  tls?: { certFile: string; keyFile: string };
  port?: number;
}

/** Writes a Vault-style HCL config into `dir` and returns its path. */
export function writeConfig(dir: string, port: number, options: ConfigOptions = {}): string {
  const storage =
    options.storage === 'inmem'
      ? 'storage "inmem" {}'
      : `storage "sqlite" {\n  path = ${JSON.stringify(options.storage?.sqlite ?? join(dir, 'coffer.db'))}\n}`;
  const tls = options.tls
    ? `  tls_cert_file = ${JSON.stringify(options.tls.certFile)}\n  tls_key_file = ${JSON.stringify(options.tls.keyFile)}`
    : '  tls_disable = true';
  const text = [
    storage,
    '',
    'listener "tcp" {',
    `  address = "127.0.0.1:${port}"`,
    tls,
    ...(options.listenerExtra ? [`  ${options.listenerExtra}`] : []),
    '}',
    '',
    'default_lease_ttl = "768h"',
    'max_lease_ttl = "768h"',
    `api_addr = "${options.tls ? 'https' : 'http'}://127.0.0.1:${port}"`,
    'ui = false',
    ...(options.extra ? [options.extra] : []),
    '',
  ].join('\n');
  const path = join(dir, 'config.hcl');
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** A config-mode server in this process (uninitialised and sealed at start). */
export async function startInProcessConfig(options: ConfigOptions = {}): Promise<{ address: string; dir: string; close(): Promise<void> }> {
  const dir = makeTempDir();
  const configPath = writeConfig(dir, 0, options);
  const server = await startServer({ configPath, logLevel: 'silent' });
  return {
    address: server.address,
    dir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- lifecycle helpers (any server) --------------------------------------------------

export interface InitResult {
  keys: string[];
  keys_base64: string[];
  root_token: string;
}

export async function initServer(address: string, shares = 1, threshold = 1, ca?: Buffer): Promise<InitResult> {
  const res = await rawRequest(address, 'PUT', '/v1/sys/init', {
    body: { secret_shares: shares, secret_threshold: threshold },
    ...(ca ? { ca } : {}),
  });
  if (res.status !== 200) throw new Error(`sys/init failed: ${res.status} ${res.text}`);
  return res.json as InitResult;
}

/** Submits keys until unsealed; throws if still sealed afterwards. */
export async function unsealServer(address: string, keys: readonly string[], ca?: Buffer): Promise<void> {
  for (const key of keys) {
    const res = await rawRequest(address, 'PUT', '/v1/sys/unseal', { body: { key }, ...(ca ? { ca } : {}) });
    if (res.status !== 200) throw new Error(`sys/unseal failed: ${res.status} ${res.text}`);
    if ((res.json as { sealed: boolean }).sealed === false) return;
  }
  throw new Error('still sealed after submitting every key');
}

/**
 * Polls `sys/health` (uninitialised and sealed count as ready) until it answers, the
 * deadline passes, or `alive()` says the process died.
 */
export async function waitForReady(
  address: string,
  options: { ca?: Buffer; timeoutMs?: number; alive?: () => string | null } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last = '';
  for (let attempt = 0; attempt < 2000; attempt++) {
    const dead = options.alive?.();
    if (dead) throw new Error(`server exited before it was ready: ${dead}`);
    try {
      const res = await rawRequest(address, 'GET', '/v1/sys/health?uninitcode=200&sealedcode=200', {
        timeoutMs: 2000,
        ...(options.ca ? { ca: options.ca } : {}),
      });
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server at ${address} not ready: ${last}`);
}

// ---- child-process servers -----------------------------------------------------------

const children = new Set<ChildProcess>();

export interface SpawnedServer {
  readonly dir: string;
  readonly configPath: string;
  readonly dbPath: string;
  readonly port: number;
  readonly address: string;
  readonly home: string;
  /** The running child (replaced by `restart`). */
  readonly child: ChildProcess;
  /** Captured stdout+stderr of the current child (bounded). */
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean shutdown), and wait for the exit. */
  stop(): Promise<number | null>;
  /** Starts a new child on the same config (after `kill9` or `stop`) and waits for it. */
  restart(): Promise<void>;
}

function waitExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function launch(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  requireBuiltCli();
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  const keep = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    if (out.length > 64 * 1024) out = out.slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => out };
}

/** Starts the built server from a fresh config (sqlite in a temp dir unless told otherwise). */
export async function spawnServer(options: ConfigOptions = {}): Promise<SpawnedServer> {
  const dir = makeTempDir();
  const home = join(dir, 'home');
  const port = options.port ?? (await freePort());
  const dbPath = options.storage && options.storage !== 'inmem' ? options.storage.sqlite : join(dir, 'coffer.db');
  const configPath = writeConfig(dir, port, { ...options, storage: options.storage ?? { sqlite: dbPath } });
  const address = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const ca = options.tls ? readFileSync(options.tls.certFile) : undefined;
  mkdirSync(home, { recursive: true });

  let current = launch(['server', `-config=${configPath}`, '-log-level=warn'], childEnv(home));
  const start = async (): Promise<void> => {
    const child = current.child;
    await waitForReady(address, {
      ...(ca ? { ca } : {}),
      alive: () => (child.exitCode !== null || child.signalCode !== null ? `exit ${child.exitCode ?? child.signalCode}: ${current.output()}` : null),
    });
  };
  await start();

  return {
    dir,
    configPath,
    dbPath,
    port,
    address,
    home,
    get child() {
      return current.child;
    },
    output: () => current.output(),
    async kill9() {
      current.child.kill('SIGKILL');
      await waitExit(current.child);
    },
    async stop() {
      current.child.kill('SIGTERM');
      return waitExit(current.child);
    },
    async restart() {
      if (current.child.exitCode === null && current.child.signalCode === null) throw new Error('restart: the server is still running');
      current = launch(['server', `-config=${configPath}`, '-log-level=warn'], childEnv(home));
      await start();
    },
  };
}

/** Starts `coffer server -dev` through the built CLI on a free port. */
export async function spawnDevServer(home: string, rootTokenId = 'root'): Promise<{ address: string; child: ChildProcess; output(): string }> {
  const port = await freePort();
  const { child, output } = launch(
    ['server', '-dev', `-dev-root-token-id=${rootTokenId}`, `-dev-listen-address=127.0.0.1:${port}`, '-log-level=warn'],
    childEnv(home),
  );
  const address = `http://127.0.0.1:${port}`;
  await waitForReady(address, {
    alive: () => (child.exitCode !== null || child.signalCode !== null ? `exit ${child.exitCode ?? child.signalCode}: ${output()}` : null),
  });
  return { address, child, output };
}

/** Kills every child process still running (SIGKILL) and waits for them. */
export async function stopAllServers(): Promise<void> {
  const running = [...children];
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.map(waitExit));
}

// ---- the CLI as a client -------------------------------------------------------------

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js …args` to completion (bounded by `timeoutMs`). */
export function runCli(args: string[], options: { env: NodeJS.ProcessEnv; timeoutMs?: number; input?: string }): Promise<CliResult> {
  requireBuiltCli();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      env: options.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`coffer ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
