/**
 * Authorisation and audit cost: KV v2 reads through a non-root token holding a realistic
 * policy set (20 policies, 200 path rules), with and without a file audit device, and token
 * creation (service vs batch) per second — each next to a bare `node:http` ceiling measured
 * in the same run. Every server runs in its own child process; autocannon runs here.
 */
import { createReadStream, mkdtempSync, rmSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export interface AuthzBenchOptions {
  /** Measured seconds per case. */
  durationSec: number;
  /** Discarded warm-up seconds before each case. */
  warmupSec: number;
  connections: number;
  /** Parent directory of the temporary directory holding the audit log (default: the OS temp dir). */
  dataDir?: string;
  log?: (line: string) => void;
}

export const AUTHZ_DEFAULTS: Omit<AuthzBenchOptions, 'log' | 'dataDir'> = {
  durationSec: 8,
  warmupSec: 2,
  connections: 64,
};

export type CaseKind = 'read' | 'token-create';
export type Ceiling = 'bare-get' | 'bare-post';

export interface AuthzCaseResult extends LoadResult {
  id: string;
  kind: CaseKind;
  /** The ceiling this case is compared with, or null for the ceilings themselves. */
  ceiling: Ceiling | null;
  /** req/s as a fraction of the ceiling's req/s. */
  ratio: number | null;
}

export interface AuditLogStats {
  file: string;
  filesystem: string;
  /** Bytes one audited read adds (request + response entry), measured with single probe reads. */
  probeBytesPerRequest: number;
  /** During the audited load (warm-up + measured): */
  bytesWritten: number;
  entries: number;
  /** entries / 2: one request and one response entry per request. */
  auditedRequests: number;
  bytesPerRequest: number;
}

export interface AuthzBenchReport {
  benchmark: 'authz';
  options: Omit<AuthzBenchOptions, 'log'>;
  policySet: {
    policies: number;
    pathRules: number;
    readPath: string;
    grantedBy: string;
    /** The token's policies as the server reports them (sorted, with `default`). */
    tokenPolicies: string[];
    /** 1-based position of the granting policy in `tokenPolicies`. */
    grantingPolicyPosition: number;
  };
  /** Requests that must be refused, and what they got. */
  denialChecks: { path: string; why: string; status: number }[];
  audit: AuditLogStats | null;
  cases: AuthzCaseResult[];
  failures: string[];
  table: string;
}

// ---------------------------------------------------------------------------------------
// Fixtures

const POLICY_COUNT = 20;
/** The team whose policy grants the read path: not the first in the token's list. */
const READ_TEAM = 13;
const READ_PATH = `secret/data/team-${READ_TEAM}/payments/config`;
const SECRET = { username: 'payments-app', password: 'c0ffer-b3nch-pa55w0rd-0123456789ab' };
/** Not matched by any rule of any policy. */
const OUTSIDE_PATH = 'secret/data/outside/forbidden';
/** Matched by an explicit `deny` rule of the granting policy (more specific than its glob). */
const DENIED_PATH = `secret/data/team-${READ_TEAM}/restricted/key`;

const SERVICE_CREATE_BODY = JSON.stringify({ policies: ['default'], ttl: '1h' });
const BATCH_CREATE_BODY = JSON.stringify({ type: 'batch', policies: ['default'], ttl: '1h' });

const policyName = (i: number): string => `team-${i}`;

/**
 * The policy of team `i`: ten path rules, the kind a platform team hands out — a glob over
 * the team's KV subtree, metadata listing, `+` segment wildcards (per-service config, a
 * cross-team public area), exact paths, a `deny` carve-out, and on some policies parameter
 * constraints on writes and on token creation through a role.
 */
export function teamPolicy(i: number): string {
  const t = policyName(i);
  const fullCrud = '["create", "read", "update", "delete", "list"]';
  const rules = [
    `path "secret/data/${t}/*" {\n  capabilities = ${i % 3 === 0 ? '["read", "list"]' : fullCrud}\n}`,
    `path "secret/metadata/${t}/*" {\n  capabilities = ["read", "list"]\n}`,
    `path "secret/data/${t}/+/config" {\n  capabilities = ["read"]\n}`,
    `path "secret/data/shared/${t}" {\n  capabilities = ["read"]\n}`,
    `path "secret/data/+/public/${t}" {\n  capabilities = ["read", "list"]\n}`,
    `path "secret/data/${t}/restricted/*" {\n  capabilities = ["deny"]\n}`,
    i % 4 === 0
      ? `path "secret/data/${t}/ci/deploy" {\n  capabilities = ["create", "update"]\n` +
        `  allowed_parameters = {\n    "data" = []\n    "options" = []\n  }\n  required_parameters = ["data"]\n}`
      : `path "secret/data/${t}/ci/deploy" {\n  capabilities = ["create", "update"]\n}`,
    i % 2 === 0
      ? `path "secret/destroy/${t}/*" {\n  capabilities = ["deny"]\n}`
      : `path "secret/delete/${t}/+" {\n  capabilities = ["update"]\n}`,
    `path "sys/policies/acl/${t}" {\n  capabilities = ["read"]\n}`,
    i % 5 === 2
      ? `path "auth/token/create/${t}" {\n  capabilities = ["create", "update"]\n` +
        `  allowed_parameters = {\n    "ttl" = ["1h", "8h"]\n    "*" = []\n  }\n  denied_parameters = {\n    "policies" = []\n  }\n}`
      : `path "auth/token/create/${t}" {\n  capabilities = ["create", "update"]\n}`,
  ];
  return `# ${t}: generated by bench/authz.ts\n${rules.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------

export async function runAuthzBench(options: AuthzBenchOptions): Promise<AuthzBenchReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const results = new Map<string, AuthzCaseResult>();
  const children: ServerChild[] = [];
  const spawn = async (...args: Parameters<typeof spawnServer>): Promise<ServerChild> => {
    const child = await spawnServer(...args);
    children.push(child);
    return child;
  };
  const auditDir = mkdtempSync(join(options.dataDir ?? tmpdir(), 'coffer-bench-audit-'));
  const auditFile = join(auditDir, 'audit.log');
  const denialChecks: AuthzBenchReport['denialChecks'] = [];
  let audit: AuditLogStats | null = null;
  let pathRules = 0;
  let tokenPolicies: string[] = [];

  const load = async (
    id: string,
    kind: CaseKind,
    ceiling: Ceiling | null,
    spec: Omit<LoadSpec, 'name' | 'durationSec' | 'warmupSec' | 'connections' | 'method'>,
  ): Promise<AuthzCaseResult> => {
    log(`  ${id}: ${options.warmupSec}s warm-up + ${options.durationSec}s, ${options.connections} connections ...`);
    const r = await runLoad({
      ...spec,
      name: id,
      method: kind === 'read' ? 'GET' : 'POST',
      connections: options.connections,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
    });
    const result: AuthzCaseResult = { ...r, id, kind, ceiling, ratio: null };
    results.set(id, result);
    log(`    ${fmtInt(r.rps)} req/s, p50 ${fmtMs(r.latencyMs.p50)} ms, p99 ${fmtMs(r.latencyMs.p99)} ms, failures ${failuresOf(r)}`);
    return result;
  };
  const readSpec = (server: ServerChild, token: string) => ({
    address: server.address,
    server,
    headers: { 'x-vault-token': token },
    path: `/v1/${READ_PATH}`,
  });
  const createSpec = (server: ServerChild, token: string, body: string) => ({
    address: server.address,
    server,
    headers: { 'x-vault-token': token, 'content-type': 'application/json' },
    body,
    path: '/v1/auth/token/create',
  });

  try {
    log('dev server (in-memory): policies, token, secret ...');
    const dev = await spawn('dev');
    const root = dev.rootToken ?? 'root';

    // 20 policies x 10 rules, written through the API.
    const names: string[] = [];
    for (let i = 0; i < POLICY_COUNT; i++) {
      const policy = teamPolicy(i);
      pathRules += policy.match(/^path "/gm)?.length ?? 0;
      await vaultCall(dev.address, 'PUT', `sys/policies/acl/${policyName(i)}`, { token: root, body: { policy } });
      names.push(policyName(i));
    }
    const created = await vaultCall(dev.address, 'POST', 'auth/token/create', { token: root, body: { policies: names } });
    const auth = created.body?.['auth'] as { client_token?: unknown; policies?: unknown } | undefined;
    const token = auth?.client_token;
    if (typeof token !== 'string') throw new Error(`auth/token/create returned no client_token: ${JSON.stringify(created.body)}`);
    const granted = Array.isArray(auth?.policies) ? (auth.policies as unknown[]) : [];
    const missing = names.filter((n) => !granted.includes(n));
    if (missing.length) throw new Error(`the token lacks policies ${missing.join(', ')} (got ${JSON.stringify(auth?.policies)})`);
    tokenPolicies = granted.map(String);
    if (tokenPolicies.indexOf(policyName(READ_TEAM)) < 1) throw new Error(`${policyName(READ_TEAM)} must not be the token's first policy`);
    log(`  ${POLICY_COUNT} policies, ${pathRules} path rules; token holds ${granted.length} policies (${granted.join(', ')})`);

    // The secret, written with root, read through the non-root token.
    await vaultCall(dev.address, 'POST', READ_PATH, { token: root, body: { data: SECRET } });
    const read = await vaultCall(dev.address, 'GET', READ_PATH, { token });
    const readData = (read.body?.['data'] as { data?: unknown } | undefined)?.data;
    if (JSON.stringify(readData) !== JSON.stringify(SECRET)) throw new Error(`non-root read returned ${JSON.stringify(read.body)}`);

    // The ACL is active: the token is refused outside its policies and on a deny rule, and
    // a token with the other 19 policies cannot read the read path (only team-N grants it).
    const without = await vaultCall(dev.address, 'POST', 'auth/token/create', {
      token: root,
      body: { policies: names.filter((n) => n !== policyName(READ_TEAM)) },
    });
    const withoutToken = (without.body?.['auth'] as { client_token?: unknown } | undefined)?.client_token;
    if (typeof withoutToken !== 'string') throw new Error('auth/token/create returned no client_token');
    for (const [path, why, t] of [
      [OUTSIDE_PATH, 'outside every policy', token],
      [DENIED_PATH, `explicit deny in ${policyName(READ_TEAM)}`, token],
      [READ_PATH, `token with the ${POLICY_COUNT - 1} other policies`, withoutToken],
    ] as const) {
      const status = await statusOf(dev.address, 'GET', path, t);
      denialChecks.push({ path, why, status });
      log(`  denial check: GET ${path} (${why}) -> ${status}`);
      if (status !== 403) throw new Error(`expected 403 for GET /v1/${path} (${why}), got ${status}: the ACL is not enforced`);
    }

    // A service-token create response, so the bare POST ceiling returns the same shape.
    const sample = await vaultCall(dev.address, 'POST', 'auth/token/create', { token: root, body: JSON.parse(SERVICE_CREATE_BODY) as unknown });
    if (!read.body || !sample.body) throw new Error('dev server returned empty bodies');

    log('bare node:http ceiling ...');
    const bare = await spawn('bare', { args: [JSON.stringify({ read: read.body, write: sample.body })] });
    await load('bare node:http GET', 'read', null, readSpec(bare, token));
    await load('bare node:http POST', 'token-create', null, createSpec(bare, root, SERVICE_CREATE_BODY));
    await bare.stop();

    log('dev server cases (no audit device) ...');
    await load('read, root token', 'read', 'bare-get', readSpec(dev, root));
    await load(`read, ${POLICY_COUNT}-policy token`, 'read', 'bare-get', readSpec(dev, token));
    await load('token create (service)', 'token-create', 'bare-post', createSpec(dev, root, SERVICE_CREATE_BODY));
    await load('token create (batch)', 'token-create', 'bare-post', createSpec(dev, root, BATCH_CREATE_BODY));

    log(`file audit device -> ${auditFile} (${describeFilesystem(auditDir)}) ...`);
    await vaultCall(dev.address, 'PUT', 'sys/audit/file', { token: root, body: { type: 'file', options: { file_path: auditFile } } });
    // Bytes one read adds, from a few single requests (each waits for its entries to be written).
    const probes = 10;
    const beforeProbe = sizeOf(auditFile);
    for (let i = 0; i < probes; i++) await vaultCall(dev.address, 'GET', READ_PATH, { token });
    const beforeLoad = sizeOf(auditFile);
    const probeBytesPerRequest = (beforeLoad - beforeProbe) / probes;
    if (probeBytesPerRequest <= 0) throw new Error(`the audit log did not grow on ${probes} audited reads`);
    const audited = await load(`read, ${POLICY_COUNT}-policy token, file audit`, 'read', 'bare-get', readSpec(dev, token));
    const afterLoad = sizeOf(auditFile);
    const entries = await countLines(auditFile, beforeLoad);
    const auditedRequests = entries / 2;
    audit = {
      file: auditFile,
      filesystem: describeFilesystem(auditDir),
      probeBytesPerRequest,
      bytesWritten: afterLoad - beforeLoad,
      entries,
      auditedRequests,
      bytesPerRequest: auditedRequests > 0 ? (afterLoad - beforeLoad) / auditedRequests : Number.NaN,
    };
    log(`    audit log: ${describeAudit(audit)}`);
    // Every completed request must have been audited (the log also holds the warm-up's).
    if (auditedRequests < audited.requests) {
      throw new Error(`audit log holds ${entries} entries for ${audited.requests} measured requests: requests went unaudited`);
    }
    await dev.stop();
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    rmSync(auditDir, { recursive: true, force: true });
  }

  const ceilings: Record<Ceiling, number | undefined> = {
    'bare-get': results.get('bare node:http GET')?.rps,
    'bare-post': results.get('bare node:http POST')?.rps,
  };
  const cases = [...results.values()].map((c) => {
    const ceiling = c.ceiling ? ceilings[c.ceiling] : undefined;
    return { ...c, ratio: ceiling ? c.rps / ceiling : null };
  });
  const failures = cases.filter((c) => failuresOf(c) > 0).map((c) => `${c.id}: ${describeFailures(c)}`);
  const { log: _log, ...recordedOptions } = options;
  return {
    benchmark: 'authz',
    options: { ...recordedOptions, dataDir: options.dataDir ?? tmpdir() },
    policySet: {
      policies: POLICY_COUNT,
      pathRules,
      readPath: READ_PATH,
      grantedBy: policyName(READ_TEAM),
      tokenPolicies,
      grantingPolicyPosition: tokenPolicies.indexOf(policyName(READ_TEAM)) + 1,
    },
    denialChecks,
    audit,
    cases,
    failures,
    table: [renderTable(cases), '', ...summarise(cases, audit, pathRules, tokenPolicies)].join('\n'),
  };
}

/** Status of one request, without throwing on 4xx (vaultCall does). */
async function statusOf(address: string, method: string, path: string, token: string): Promise<number> {
  const response = await fetch(`${address}/v1/${path}`, { method, headers: { 'x-vault-token': token }, signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Newlines in `file` from byte `start` on. */
async function countLines(file: string, start: number): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file, { start, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

const TMPFS_MAGIC = 0x01021994;

function describeFilesystem(dir: string): string {
  try {
    const { type } = statfsSync(dir);
    return type === TMPFS_MAGIC ? 'tmpfs' : `fs type 0x${type.toString(16)}`;
  } catch {
    return 'unknown fs';
  }
}

function describeAudit(a: AuditLogStats): string {
  return (
    `${(a.bytesWritten / 1e6).toFixed(1)} MB, ${fmtInt(a.entries)} entries = ${fmtInt(a.auditedRequests)} requests ` +
    `(warm-up + measured), ${fmtInt(a.bytesPerRequest)} bytes/request (single-read probe: ${fmtInt(a.probeBytesPerRequest)})`
  );
}

function summarise(cases: AuthzCaseResult[], audit: AuditLogStats | null, pathRules: number, tokenPolicies: string[]): string[] {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const cpu = (id: string): number | null => byId.get(id)?.serverCpuMicrosPerRequest ?? null;
  const delta = (from: string, to: string): string => {
    const a = cpu(from);
    const b = cpu(to);
    const ra = byId.get(from)?.rps;
    const rb = byId.get(to)?.rps;
    if (a === null || b === null || !ra || !rb) return 'n/a';
    return `${b - a >= 0 ? '+' : ''}${(b - a).toFixed(0)} µs CPU/req, ${(((rb - ra) / ra) * 100).toFixed(1)}% req/s`;
  };
  const policy = `read, ${POLICY_COUNT}-policy token`;
  return [
    `policy set: ${POLICY_COUNT} policies, ${pathRules} path rules; read path ${READ_PATH} granted only by ${policyName(READ_TEAM)} ` +
      `(policy ${tokenPolicies.indexOf(policyName(READ_TEAM)) + 1} of the token's ${tokenPolicies.length}); ` +
      `403 checked: outside its policies, on a deny rule, and for a token with the other ${POLICY_COUNT - 1} policies`,
    `ACL (${POLICY_COUNT} policies vs root):   ${delta('read, root token', policy)}`,
    `file audit device:           ${delta(policy, `${policy}, file audit`)}`,
    `batch vs service create:     ${delta('token create (service)', 'token create (batch)')}`,
    ...(audit ? [`audit log: ${describeAudit(audit)}, ${audit.filesystem}`] : []),
  ];
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

function renderTable(cases: AuthzCaseResult[]): string {
  const header = ['case', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'failures', 'vs ceiling', 'server CPU', 'CPU µs/req', 'loadgen CPU'];
  const rows = cases.map((c) => [
    c.id,
    String(c.connections),
    fmtInt(c.rps),
    fmtMs(c.latencyMs.p50),
    fmtMs(c.latencyMs.p99),
    fmtMs(c.latencyMs.p999),
    String(failuresOf(c)),
    c.ratio === null ? `ceiling (${c.method})` : `${(c.ratio * 100).toFixed(1)}%`,
    c.serverCpuCores === null ? '-' : `${(c.serverCpuCores * 100).toFixed(0)}%`,
    c.serverCpuMicrosPerRequest === null ? '-' : c.serverCpuMicrosPerRequest.toFixed(0),
    `${(c.loadgenCpuCores * 100).toFixed(0)}%`,
  ]);
  return formatTable(header, rows, [false, true, true, true, true, true, true, true, true, true, true]);
}
