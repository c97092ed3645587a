/**
 * PKI issue throughput: `POST pki/issue/:role` over HTTP against a dev server, for an EC
 * P-256 and an RSA-2048 role, each next to a ceiling measured in the same run: node:crypto
 * key generation plus @peculiar/x509 signing of an equivalent certificate in this process,
 * with the same concurrency and no HTTP, storage or role checks.
 */
import { generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { x509 } from '../src/server/engines/pki/x509.js';
import { failuresOf, fmtInt, fmtMs, formatTable, runLoad, spawnServer, vaultCall, type LoadResult, type ServerChild } from './harness.js';

export interface PkiBenchOptions {
  /** Measured seconds per case. */
  durationSec: number;
  /** Discarded warm-up seconds before each case. */
  warmupSec: number;
  /** HTTP connections, and concurrent operations of the in-process ceiling. */
  connections: number;
  log?: (line: string) => void;
}

export const PKI_DEFAULTS: Omit<PkiBenchOptions, 'log'> = {
  durationSec: 5,
  warmupSec: 1,
  connections: 16,
};

export type PkiKeyKind = 'ec-p256' | 'rsa-2048';

export interface PkiCaseResult {
  id: string;
  key: PkiKeyKind;
  /** `http` = the dev server; `ceiling` = keygen + signing in-process. */
  kind: 'http' | 'ceiling';
  rps: number;
  requests: number;
  latencyMs: { p50: number; p99: number };
  failures: number;
  /** HTTP cases: req/s as a fraction of the ceiling's for the same key type. */
  ratio: number | null;
  serverCpuMicrosPerRequest: number | null;
}

export interface PkiBenchReport {
  benchmark: 'pki';
  options: Omit<PkiBenchOptions, 'log'>;
  cases: PkiCaseResult[];
  failures: string[];
  table: string;
}

/** vault-benchmark's published EC-256 issue figure (laptop, 18 workers, mixed workload). */
const VAULT_BENCHMARK_EC_ISSUE = 'vault-benchmark reference: ~433 EC-256 issues/s on a laptop (mixed workload)';

const ROLES: Record<PkiKeyKind, Record<string, unknown>> = {
  'ec-p256': { allowed_domains: 'bench.test', allow_subdomains: true, key_type: 'ec', key_bits: 256, ttl: '1h' },
  'rsa-2048': { allowed_domains: 'bench.test', allow_subdomains: true, key_type: 'rsa', key_bits: 2048, ttl: '1h' },
};

const ISSUE_BODY = JSON.stringify({ common_name: 'api.bench.test', ttl: '1h' });

export async function runPkiBench(options: PkiBenchOptions): Promise<PkiBenchReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const cases: PkiCaseResult[] = [];
  let dev: ServerChild | null = null;
  try {
    log('dev server (in-memory) ...');
    dev = await spawnServer('dev');
    const token = dev.rootToken ?? 'root';
    await vaultCall(dev.address, 'POST', 'sys/mounts/pki', { token, body: { type: 'pki', config: { max_lease_ttl: '87600h' } } });
    await vaultCall(dev.address, 'POST', 'pki/root/generate/internal', { token, body: { common_name: 'Bench Root', key_type: 'ec', ttl: '8760h' } });
    for (const [name, role] of Object.entries(ROLES)) await vaultCall(dev.address, 'POST', `pki/roles/${name}`, { token, body: role });
    const issuerPem = ((await vaultCall(dev.address, 'GET', 'pki/cert/ca', { token })).body?.['data'] as { certificate: string }).certificate;

    for (const key of Object.keys(ROLES) as PkiKeyKind[]) {
      log(`  ceiling ${key}: ${options.warmupSec}s warm-up + ${options.durationSec}s, concurrency ${options.connections} ...`);
      const ceiling = await runCeiling(key, issuerPem, options);
      cases.push(ceiling);
      log(`    ${fmtInt(ceiling.rps)} certs/s`);

      const id = `http issue ${key}`;
      log(`  ${id}: ${options.warmupSec}s warm-up + ${options.durationSec}s, ${options.connections} connections ...`);
      const r: LoadResult = await runLoad({
        name: id,
        address: dev.address,
        server: dev,
        method: 'POST',
        path: `/v1/pki/issue/${key}`,
        headers: { 'x-vault-token': token, 'content-type': 'application/json' },
        body: ISSUE_BODY,
        connections: options.connections,
        durationSec: options.durationSec,
        warmupSec: options.warmupSec,
      });
      cases.push({
        id,
        key,
        kind: 'http',
        rps: r.rps,
        requests: r.requests,
        latencyMs: { p50: r.latencyMs.p50, p99: r.latencyMs.p99 },
        failures: failuresOf(r),
        ratio: ceiling.rps > 0 ? r.rps / ceiling.rps : null,
        serverCpuMicrosPerRequest: r.serverCpuMicrosPerRequest,
      });
      log(`    ${fmtInt(r.rps)} req/s, p50 ${fmtMs(r.latencyMs.p50)} ms, p99 ${fmtMs(r.latencyMs.p99)} ms, failures ${failuresOf(r)}`);
    }
  } finally {
    await dev?.stop();
  }
  const failures = cases.filter((c) => c.failures > 0).map((c) => `${c.id}: ${c.failures} failed requests`);
  const { log: _log, ...recorded } = options;
  return { benchmark: 'pki', options: recorded, cases, failures, table: `${renderTable(cases)}\n${VAULT_BENCHMARK_EC_ISSUE}` };
}

const generate = promisify(generateKeyPair) as unknown as (type: string, options: Record<string, unknown>) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

/**
 * The cost of the cryptography alone: a fresh key pair and one signature over an
 * equivalent leaf (same issuer key type, SAN, key usages), `connections` at a time.
 */
async function runCeiling(key: PkiKeyKind, issuerPem: string, options: PkiBenchOptions): Promise<PkiCaseResult> {
  const issuerKeys = await generate('ec', { namedCurve: 'P-256' });
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    issuerKeys.privateKey.export({ type: 'pkcs8', format: 'der' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const issuerName = new x509.X509Certificate(issuerPem).subjectName;
  const one = async (): Promise<void> => {
    const leaf = key === 'ec-p256' ? await generate('ec', { namedCurve: 'P-256' }) : await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    const now = Date.now();
    await x509.X509CertificateGenerator.create({
      serialNumber: webcrypto.getRandomValues(new Uint8Array(20)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '7f'),
      subject: [{ CN: ['api.bench.test'] }],
      issuer: issuerName,
      notBefore: new Date(now - 30_000),
      notAfter: new Date(now + 3600_000),
      publicKey: leaf.publicKey.export({ type: 'spki', format: 'der' }),
      signingKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as never,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'api.bench.test' }]),
      ],
    });
  };
  const run = async (seconds: number, latencies: number[] | null): Promise<number> => {
    const deadline = performance.now() + seconds * 1000;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await one();
        latencies?.push(performance.now() - t);
        done += 1;
      }
    };
    await Promise.all(Array.from({ length: options.connections }, worker));
    return done;
  };
  if (options.warmupSec > 0) await run(options.warmupSec, null);
  const latencies: number[] = [];
  const started = performance.now();
  const done = await run(options.durationSec, latencies);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number): number => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? Number.NaN;
  return {
    id: `ceiling ${key} (keygen + sign, in-process)`,
    key,
    kind: 'ceiling',
    rps: done / elapsed,
    requests: done,
    latencyMs: { p50: at(50), p99: at(99) },
    failures: 0,
    ratio: null,
    serverCpuMicrosPerRequest: null,
  };
}

function renderTable(cases: PkiCaseResult[]): string {
  const header = ['case', 'certs/s', 'p50 ms', 'p99 ms', 'failures', 'vs ceiling', 'CPU µs/req'];
  const rows = cases.map((c) => [
    c.id,
    fmtInt(c.rps),
    fmtMs(c.latencyMs.p50),
    fmtMs(c.latencyMs.p99),
    String(c.failures),
    c.ratio === null ? 'ceiling' : `${(c.ratio * 100).toFixed(1)}%`,
    c.serverCpuMicrosPerRequest === null ? '-' : c.serverCpuMicrosPerRequest.toFixed(0),
  ]);
  return formatTable(header, rows, [false, true, true, true, true, true, true]);
}
