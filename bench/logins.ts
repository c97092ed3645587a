/**
 * Logins per second: approle, userpass, jwt (`jwt_validation_pubkeys`) and kubernetes
 * (TokenReview against the in-process Kubernetes test API, with and without `pem_keys`, and
 * local validation against the cluster JWKS without TokenReview),
 * each with service and batch tokens, next to a bare `node:http` POST ceiling returning a
 * login-shaped body, and against vault-benchmark's published figure (~5,178 approle
 * logins/s on an in-memory dev server).
 *
 * The Coffer dev server, the bare ceiling and the Kubernetes API each run in their own child
 * process; autocannon runs here. The Kubernetes API child is this file run directly:
 *
 *   node --import ./bench/register.mjs bench/logins.ts kube-api
 *
 * It prints one JSON line (`KubeApiReady`) once listening, answers `cpu` on stdin with its
 * CPU time and the TokenReviews served so far, and exits when its stdin closes.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import {
  failuresOf,
  fmtInt,
  fmtMs,
  formatTable,
  runLoad,
  spawnServer,
  vaultCall,
  type LoadResult,
  type ServerChild,
} from './harness.js';

export interface LoginsBenchOptions {
  /** Measured seconds per case. */
  durationSec: number;
  /** Discarded warm-up seconds before each case. */
  warmupSec: number;
  connections: number;
  /** Connections for userpass (scrypt: ~100 ms of CPU per login); capped at `connections`. */
  userpassConnections: number;
  log?: (line: string) => void;
}

export const LOGINS_DEFAULTS: Omit<LoginsBenchOptions, 'log'> = {
  durationSec: 5,
  warmupSec: 1,
  connections: 64,
  userpassConnections: 8,
};

/** vault-benchmark's approle login figure on an in-memory dev server (logins/s). */
export const VAULT_BENCHMARK_APPROLE_RPS = 5178;

export type LoginMethod = 'bare' | 'approle' | 'userpass' | 'jwt' | 'kubernetes';

export interface LoginCaseResult extends LoadResult {
  id: string;
  method: string;
  authMethod: LoginMethod;
  tokenType: 'service' | 'batch' | null;
  /** req/s as a fraction of the bare POST ceiling's (null for the ceiling itself). */
  ratio: number | null;
  /** req/s as a fraction of vault-benchmark's approle figure. */
  vsVaultBenchmark: number;
  /** Kubernetes cases: CPU the Kubernetes API child spent per TokenReview during the measured run. */
  kubeApiCpuMicrosPerReview: number | null;
  /** Kubernetes cases: TokenReviews served per completed login during the measured run (~1). */
  tokenReviewsPerLogin: number | null;
}

export interface LoginsBenchReport {
  benchmark: 'logins';
  options: Omit<LoginsBenchOptions, 'log'>;
  vaultBenchmarkApproleRps: number;
  cases: LoginCaseResult[];
  failures: string[];
  table: string;
}

// ---------------------------------------------------------------------------------------
// The Kubernetes API child

const KUBE_NAMESPACE = 'bench';
const KUBE_SERVICE_ACCOUNT = 'app';
const KUBE_AUDIENCE = 'vault';

export interface KubeApiReady {
  ready: true;
  url: string;
  caPem: string;
  reviewerJwt: string;
  /** A bound ServiceAccount token for bench/app (audience `vault`, 2 h). */
  saJwt: string;
  /** The cluster's ServiceAccount signing keys (SPKI PEM, what `pem_keys` takes). */
  pemKeys: string[];
}

interface KubeApiCpu {
  cpuMicros: number;
  tokenReviews: number;
}

const THIS_FILE = fileURLToPath(import.meta.url);
const REGISTER = join(dirname(THIS_FILE), 'register.mjs');

async function kubeApiChild(): Promise<void> {
  // Loaded here only: the parent never imports the test support code.
  const { start } = await import('../test/support/kube/index.js');
  const kube = await start();
  kube.createNamespace('vault');
  kube.createServiceAccount('vault', 'vault-auth');
  const reviewerJwt = (await kube.client.requestToken('vault', 'vault-auth', { expirationSeconds: 86400 })).status.token;
  kube.createNamespace(KUBE_NAMESPACE);
  kube.createServiceAccount(KUBE_NAMESPACE, KUBE_SERVICE_ACCOUNT);
  const saJwt = kube.mintToken({ namespace: KUBE_NAMESPACE, serviceAccount: KUBE_SERVICE_ACCOUNT, audiences: [KUBE_AUDIENCE], expirationSeconds: 7200 }).token;

  // The server records every request; count the TokenReviews and drop the records.
  let tokenReviews = 0;
  const drain = (): void => {
    for (const r of kube.requests) if (r.path.endsWith('/tokenreviews')) tokenReviews++;
    kube.requests.length = 0;
  };
  const drainer = setInterval(drain, 250);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(drainer);
    const force = setTimeout(() => process.exit(1), 5_000);
    force.unref();
    kube
      .close()
      .catch((err: unknown) => console.error('kube-api: close failed:', err))
      .finally(() => process.exit(0));
  };
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const command = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (command === 'cpu') {
        drain();
        const { user, system } = process.cpuUsage();
        const reply: KubeApiCpu = { cpuMicros: user + system, tokenReviews };
        process.stdout.write(`${JSON.stringify(reply)}\n`);
      } else if (command === 'stop') {
        stop();
      }
    }
  });
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const ready: KubeApiReady = { ready: true, url: kube.url, caPem: kube.caPem, reviewerJwt, saJwt, pemKeys: kube.tokens.publicKeyPems() };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

interface KubeApiChild {
  info: KubeApiReady;
  cpu(): Promise<KubeApiCpu>;
  stop(): Promise<void>;
}

/** Starts the Kubernetes API child; it is killed when this process exits. */
async function spawnKubeApi(): Promise<KubeApiChild> {
  const child: ChildProcessByStdio<Writable, Readable, null> = spawn(
    process.execPath,
    ['--import', REGISTER, THIS_FILE, 'kube-api'],
    { cwd: resolve(dirname(THIS_FILE), '..'), stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      done();
    }),
  );
  child.stdout.setEncoding('utf8');
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
        process.stderr.write(`[kube-api] ${text}\n`);
        continue;
      }
      const i = waiters.findIndex((accept) => accept(line));
      if (i !== -1) waiters.splice(i, 1);
    }
  });
  const nextLine = <T>(match: (line: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolveLine, reject) => {
      const timer = setTimeout(() => reject(new Error(`kube-api child: no ${what} within ${timeoutMs} ms`)), timeoutMs);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`kube-api child exited (code ${String(child.exitCode)}) while waiting for ${what}`));
      });
      waiters.push((line) => {
        if (!match(line)) return false;
        clearTimeout(timer);
        resolveLine(line as T);
        return true;
      });
    });
  let info: KubeApiReady;
  try {
    info = await nextLine<KubeApiReady>((line) => line['ready'] === true, 30_000, 'ready line');
  } catch (err) {
    killOnExit();
    throw err;
  }
  let stopped: Promise<void> | null = null;
  return {
    info,
    async cpu() {
      const reply = nextLine<KubeApiCpu>((line) => typeof line['cpuMicros'] === 'number', 5_000, 'cpu reply');
      child.stdin.write('cpu\n');
      return reply;
    },
    stop() {
      stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.stdin.end('stop\n');
        const killer = setTimeout(killOnExit, 10_000);
        await exited;
        clearTimeout(killer);
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------------------------------
// The benchmark

const TOKEN_TYPES = ['service', 'batch'] as const;
type TokenType = (typeof TOKEN_TYPES)[number];
const USERPASS_PASSWORD = 'c0ffer-b3nch-pa55w0rd-0123456789ab';
const JWT_AUDIENCE = 'coffer-bench';

interface LoginTarget {
  id: string;
  authMethod: Exclude<LoginMethod, 'bare'>;
  tokenType: TokenType;
  path: string;
  body: string;
  /** Fewer connections (userpass). */
  connections?: number;
  /** Kubernetes cases: count TokenReviews and the API child's CPU. */
  kube?: boolean;
}

export async function runLoginsBench(options: LoginsBenchOptions): Promise<LoginsBenchReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const results: LoginCaseResult[] = [];
  const servers: ServerChild[] = [];
  let kubeApi: KubeApiChild | null = null;
  const userpassConnections = Math.max(1, Math.min(options.userpassConnections, options.connections));

  try {
    log('kubernetes API child (test/support/kube: TokenReview over HTTPS) ...');
    kubeApi = await spawnKubeApi();
    const kube = kubeApi.info;

    log('dev server (in-memory): approle, userpass, jwt, kubernetes mounts ...');
    const dev = await spawnServer('dev');
    servers.push(dev);
    const root = dev.rootToken ?? 'root';
    const call = (method: string, path: string, body?: unknown) =>
      vaultCall(dev.address, method, path, { token: root, ...(body !== undefined ? { body } : {}) });

    const targets: LoginTarget[] = [];

    // approle: unlimited secret_id uses, so the same {role_id, secret_id} logs in every time.
    await call('POST', 'sys/auth/approle', { type: 'approle' });
    for (const type of TOKEN_TYPES) {
      await call('POST', `auth/approle/role/bench-${type}`, { secret_id_num_uses: 0, token_type: type, token_ttl: '1h', token_policies: ['default'] });
      const roleId = (await call('GET', `auth/approle/role/bench-${type}/role-id`)).body?.['data'] as { role_id?: unknown } | undefined;
      const secretId = (await call('POST', `auth/approle/role/bench-${type}/secret-id`, {})).body?.['data'] as { secret_id?: unknown } | undefined;
      if (typeof roleId?.role_id !== 'string' || typeof secretId?.secret_id !== 'string') throw new Error('approle: no role_id / secret_id');
      targets.push({
        id: `approle (${type})`,
        authMethod: 'approle',
        tokenType: type,
        path: '/v1/auth/approle/login',
        body: JSON.stringify({ role_id: roleId.role_id, secret_id: secretId.secret_id }),
      });
    }

    // userpass: the user's token_type decides the token.
    await call('POST', 'sys/auth/userpass', { type: 'userpass' });
    for (const type of TOKEN_TYPES) {
      await call('POST', `auth/userpass/users/bench-${type}`, { password: USERPASS_PASSWORD, token_type: type, token_ttl: '1h', token_policies: ['default'] });
      targets.push({
        id: `userpass (${type})`,
        authMethod: 'userpass',
        tokenType: type,
        path: `/v1/auth/userpass/login/bench-${type}`,
        body: JSON.stringify({ password: USERPASS_PASSWORD }),
        connections: userpassConnections,
      });
    }

    // jwt: a key pair made here, one token signed up front and sent on every request.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwt = await signBenchJwt(privateKey);
    await call('POST', 'sys/auth/jwt', { type: 'jwt' });
    await call('POST', 'auth/jwt/config', { jwt_validation_pubkeys: [publicKey.export({ type: 'spki', format: 'pem' }).toString()] });
    for (const type of TOKEN_TYPES) {
      await call('POST', `auth/jwt/role/bench-${type}`, {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: [JWT_AUDIENCE],
        token_type: type,
        token_ttl: '1h',
        token_policies: ['default'],
      });
      targets.push({ id: `jwt (${type})`, authMethod: 'jwt', tokenType: type, path: '/v1/auth/jwt/login', body: JSON.stringify({ role: `bench-${type}`, jwt }) });
    }

    // kubernetes: TokenReview on every login, with and without local signature checks (pem_keys).
    const kubeConfig = { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: kube.reviewerJwt };
    const kubeMounts = [
      { mount: 'kubernetes', label: 'TokenReview', config: kubeConfig, types: TOKEN_TYPES },
      { mount: 'kubernetes-pem', label: 'pem_keys + TokenReview', config: { ...kubeConfig, pem_keys: kube.pemKeys }, types: ['service'] as const },
      // Local validation: the signature against the cluster's keys, no TokenReview call.
      { mount: 'kubernetes-local', label: 'local JWKS', config: { ...kubeConfig, local_token_validation: true }, types: TOKEN_TYPES },
    ];
    for (const m of kubeMounts) {
      await call('POST', `sys/auth/${m.mount}`, { type: 'kubernetes' });
      await call('POST', `auth/${m.mount}/config`, m.config);
      for (const type of m.types) {
        await call('POST', `auth/${m.mount}/role/bench-${type}`, {
          bound_service_account_names: [KUBE_SERVICE_ACCOUNT],
          bound_service_account_namespaces: [KUBE_NAMESPACE],
          audience: KUBE_AUDIENCE,
          token_type: type,
          token_ttl: '1h',
          token_policies: ['default'],
        });
        targets.push({
          id: `kubernetes ${m.label} (${type})`,
          authMethod: 'kubernetes',
          tokenType: type,
          path: `/v1/auth/${m.mount}/login`,
          body: JSON.stringify({ role: `bench-${type}`, jwt: kube.saJwt }),
          kube: true,
        });
      }
    }

    // One login per target before any load: it must succeed with the right token type.
    const samples = new Map<string, Record<string, unknown>>();
    for (const t of targets) {
      const res = await vaultCall(dev.address, 'POST', t.path.replace(/^\/v1\//, ''), { body: JSON.parse(t.body) as unknown });
      const auth = res.body?.['auth'] as { client_token?: unknown; token_type?: unknown } | undefined;
      if (typeof auth?.client_token !== 'string') throw new Error(`${t.id}: login returned no client_token: ${JSON.stringify(res.body)}`);
      if (auth.token_type !== t.tokenType) throw new Error(`${t.id}: login returned a ${String(auth.token_type)} token`);
      if (res.body) samples.set(t.id, res.body);
      log(`  probe ${t.id}: ${res.status}, ${t.tokenType} token`);
    }
    const template = samples.get('approle (service)');
    if (!template) throw new Error('no approle login sample');

    const load = async (server: ServerChild, t: Omit<LoginTarget, 'authMethod' | 'tokenType'> & { authMethod: LoginMethod; tokenType: TokenType | null }): Promise<void> => {
      const connections = t.connections ?? options.connections;
      log(`  ${t.id}: ${options.warmupSec}s warm-up + ${options.durationSec}s, ${connections} connections ...`);
      const spec = {
        name: t.id,
        address: server.address,
        server,
        method: 'POST' as const,
        path: t.path,
        headers: { 'content-type': 'application/json' },
        body: t.body,
        connections,
      };
      // The warm-up as its own run, so the Kubernetes API's counters cover only the measured one.
      if (options.warmupSec > 0) await runLoad({ ...spec, durationSec: options.warmupSec, warmupSec: 0 });
      const kubeBefore = t.kube && kubeApi ? await kubeApi.cpu() : null;
      const r = await runLoad({ ...spec, durationSec: options.durationSec, warmupSec: 0 });
      const kubeAfter = t.kube && kubeApi ? await kubeApi.cpu() : null;
      const reviews = kubeBefore && kubeAfter ? kubeAfter.tokenReviews - kubeBefore.tokenReviews : 0;
      const result: LoginCaseResult = {
        ...r,
        id: t.id,
        authMethod: t.authMethod,
        tokenType: t.tokenType,
        ratio: null,
        vsVaultBenchmark: r.rps / VAULT_BENCHMARK_APPROLE_RPS,
        kubeApiCpuMicrosPerReview: kubeBefore && kubeAfter && reviews > 0 ? (kubeAfter.cpuMicros - kubeBefore.cpuMicros) / reviews : null,
        tokenReviewsPerLogin: t.kube && r.requests > 0 ? reviews / r.requests : null,
      };
      results.push(result);
      const failed = failuresOf(r);
      log(`    ${fmtInt(r.rps)} req/s, p50 ${fmtMs(r.latencyMs.p50)} ms, p99 ${fmtMs(r.latencyMs.p99)} ms, failures ${failed}`);
      if (failed > 0) log(`    FAILED: ${describeFailures(r)}`);
    };

    log('bare node:http POST ceiling (returns the approle login body) ...');
    const bare = await spawnServer('bare', { args: [JSON.stringify({ read: template, write: template })] });
    servers.push(bare);
    const first = targets[0];
    if (!first) throw new Error('no targets');
    await load(bare, { id: 'bare node:http POST', authMethod: 'bare', tokenType: null, path: first.path, body: first.body });
    await bare.stop();

    log('dev server logins ...');
    for (const t of targets) await load(dev, t);
    await dev.stop();
  } finally {
    await Promise.allSettled([...servers.map((s) => s.stop()), ...(kubeApi ? [kubeApi.stop()] : [])]);
  }

  const ceiling = results.find((c) => c.authMethod === 'bare')?.rps;
  const cases = results.map((c) => ({ ...c, ratio: c.authMethod === 'bare' || !ceiling ? null : c.rps / ceiling }));
  const failures = cases.filter((c) => failuresOf(c) > 0).map((c) => `${c.id}: ${describeFailures(c)}`);
  const { log: _log, ...recordedOptions } = options;
  return {
    benchmark: 'logins',
    options: { ...recordedOptions, userpassConnections },
    vaultBenchmarkApproleRps: VAULT_BENCHMARK_APPROLE_RPS,
    cases,
    failures,
    table: [renderTable(cases), '', ...summarise(cases)].join('\n'),
  };
}

/** An RS256 JWT for the jwt method's bench roles, valid for two hours. */
function signBenchJwt(privateKey: KeyObject): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setSubject('bench-client')
    .setAudience(JWT_AUDIENCE)
    .setIssuer('https://bench.coffer.invalid')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);
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

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function renderTable(cases: LoginCaseResult[]): string {
  const header = [
    'case',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'failures',
    'vs bare POST',
    `vs vault-benchmark approle ${fmtInt(VAULT_BENCHMARK_APPROLE_RPS)}/s`,
    'server CPU',
    'CPU µs/req',
    'loadgen CPU',
  ];
  const rows = cases.map((c) => [
    c.id,
    String(c.connections),
    fmtInt(c.rps),
    fmtMs(c.latencyMs.p50),
    fmtMs(c.latencyMs.p99),
    String(failuresOf(c)),
    c.ratio === null ? 'ceiling' : pct(c.ratio),
    pct(c.vsVaultBenchmark),
    c.serverCpuCores === null ? '-' : `${(c.serverCpuCores * 100).toFixed(0)}%`,
    c.serverCpuMicrosPerRequest === null ? '-' : c.serverCpuMicrosPerRequest.toFixed(0),
    `${(c.loadgenCpuCores * 100).toFixed(0)}%`,
  ]);
  return formatTable(header, rows, [false, true, true, true, true, true, true, true, true, true, true]);
}

function summarise(cases: LoginCaseResult[]): string[] {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const delta = (from: string, to: string): string => {
    const a = byId.get(from);
    const b = byId.get(to);
    if (!a || !b || a.serverCpuMicrosPerRequest === null || b.serverCpuMicrosPerRequest === null || !a.rps) return 'n/a';
    const d = b.serverCpuMicrosPerRequest - a.serverCpuMicrosPerRequest;
    return `${d >= 0 ? '+' : ''}${d.toFixed(0)} µs CPU/req, ${(((b.rps - a.rps) / a.rps) * 100).toFixed(1)}% req/s`;
  };
  const lines = [
    `vault-benchmark reference: ~${fmtInt(VAULT_BENCHMARK_APPROLE_RPS)} approle logins/s (Vault in-memory dev server; their hardware, not this machine's)`,
    ...['approle', 'userpass', 'jwt', 'kubernetes TokenReview'].map((m) => `batch vs service, ${m}:`.padEnd(42) + delta(`${m} (service)`, `${m} (batch)`)),
    `pem_keys check on top of TokenReview:`.padEnd(42) + delta('kubernetes TokenReview (service)', 'kubernetes pem_keys + TokenReview (service)'),
  ];
  for (const c of cases) {
    if (c.kubeApiCpuMicrosPerReview === null) continue;
    lines.push(
      `${c.id}: Kubernetes API child ${c.kubeApiCpuMicrosPerReview.toFixed(0)} µs CPU per TokenReview, ` +
        `${(c.tokenReviewsPerLogin ?? 0).toFixed(2)} TokenReviews per measured login (reviews in flight at the edges included; keep-alive HTTPS connections)`,
    );
  }
  lines.push(
    'userpass: scrypt on purpose (~100 ms of CPU per login, on libuv\'s thread pool) — its req/s is bound by hashing, ' +
      'not by the server; run with fewer connections so latency reflects the hash, not queueing',
  );
  return lines;
}

// Run directly as the Kubernetes API child.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === THIS_FILE && process.argv[2] === 'kube-api') {
  kubeApiChild().catch((err: unknown) => {
    console.error('kube-api: failed to start:', err);
    process.exit(1);
  });
}
