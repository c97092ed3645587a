/**
 * Transit encrypt/decrypt throughput over HTTP against a dev (in-memory) server, single items
 * and batches, next to a ceiling measured in this process in the same run: raw node:crypto
 * AES-256-GCM encryption and decryption of the same payload (fresh random nonce per item, as
 * the engine does). The server runs in its own child process; autocannon runs here.
 *
 * Cases (one key, `aes256-gcm96`):
 *   encrypt (1 item)        POST /v1/transit/encrypt/bench {plaintext}
 *   decrypt (1 item)        POST /v1/transit/decrypt/bench {ciphertext}
 *   encrypt (batch of N)    POST /v1/transit/encrypt/bench {batch_input: [N × {plaintext}]}
 *   decrypt (batch of N)    POST /v1/transit/decrypt/bench {batch_input: [N × {ciphertext}]}
 *
 * `items/s` is requests/s × items per request; `vs ceiling` is items/s over the raw
 * node:crypto ops/s of the same operation: how much of the cipher's own speed survives
 * HTTP, JSON, auth, routing and base64.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { failuresOf, fmtInt, fmtMs, formatTable, runLoad, spawnServer, vaultCall, type LoadResult, type ServerChild } from './harness.js';

export interface TransitBenchOptions {
  /** Measured seconds per case (also the length of each ceiling loop). */
  durationSec: number;
  /** Discarded warm-up seconds before each case. */
  warmupSec: number;
  connections: number;
  /** Items per batch request. */
  batchSize: number;
  /** Plaintext size in bytes. */
  payloadBytes: number;
  log?: (line: string) => void;
}

export const TRANSIT_DEFAULTS: Omit<TransitBenchOptions, 'log'> = {
  durationSec: 5,
  warmupSec: 1,
  connections: 32,
  batchSize: 100,
  payloadBytes: 64,
};

export type TransitOp = 'encrypt' | 'decrypt';

export interface TransitCaseResult extends LoadResult {
  id: string;
  op: TransitOp;
  itemsPerRequest: number;
  itemsPerSec: number;
  /** items/s as a fraction of the raw node:crypto ops/s of the same operation. */
  ratio: number;
}

export interface TransitCeiling {
  encryptOpsPerSec: number;
  decryptOpsPerSec: number;
}

export interface TransitBenchReport {
  benchmark: 'transit';
  options: Omit<TransitBenchOptions, 'log'>;
  ceiling: TransitCeiling;
  cases: TransitCaseResult[];
  failures: string[];
  table: string;
}

const MOUNT = 'transit';
const KEY = 'bench';

/**
 * Raw AES-256-GCM on `payload` for `seconds` each way, the engine's per-item work without
 * HTTP: a new cipher and random nonce per operation, nonce ‖ ciphertext ‖ tag assembled.
 */
export function measureCeiling(payload: Buffer, seconds: number): TransitCeiling {
  const key = randomBytes(32);
  const sealed: Buffer[] = [];
  const run = (fn: () => void): number => {
    let ops = 0;
    const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    const started = process.hrtime.bigint();
    let now = started;
    while (now < end) {
      for (let i = 0; i < 256; i++) fn();
      ops += 256;
      now = process.hrtime.bigint();
    }
    return ops / (Number(now - started) / 1e9);
  };
  const encryptOpsPerSec = run(() => {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    const out = Buffer.concat([nonce, c.update(payload), c.final(), c.getAuthTag()]);
    if (sealed.length < 1024) sealed.push(out);
  });
  let n = 0;
  const decryptOpsPerSec = run(() => {
    const blob = sealed[n++ % sealed.length] as Buffer;
    const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
    d.setAuthTag(blob.subarray(blob.length - 16));
    d.update(blob.subarray(12, blob.length - 16));
    d.final();
  });
  return { encryptOpsPerSec, decryptOpsPerSec };
}

export async function runTransitBench(options: TransitBenchOptions): Promise<TransitBenchReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const payload = randomBytes(options.payloadBytes);
  const plaintext = payload.toString('base64');

  log(`ceiling: raw node:crypto AES-256-GCM, ${options.payloadBytes}-byte payload, ${options.durationSec}s each way ...`);
  const ceiling = measureCeiling(payload, options.durationSec);
  log(`    encrypt ${fmtInt(ceiling.encryptOpsPerSec)} ops/s, decrypt ${fmtInt(ceiling.decryptOpsPerSec)} ops/s`);

  const cases: TransitCaseResult[] = [];
  let server: ServerChild | undefined;
  try {
    log('dev server (in-memory) ...');
    server = await spawnServer('dev');
    const token = server.rootToken ?? 'root';
    await vaultCall(server.address, 'POST', `sys/mounts/${MOUNT}`, { token, body: { type: 'transit' } });
    await vaultCall(server.address, 'POST', `${MOUNT}/keys/${KEY}`, { token, body: { type: 'aes256-gcm96' } });
    const one = await vaultCall(server.address, 'POST', `${MOUNT}/encrypt/${KEY}`, { token, body: { plaintext } });
    const ciphertext = (one.body?.['data'] as { ciphertext?: string } | undefined)?.ciphertext;
    if (!ciphertext?.startsWith('vault:v1:')) throw new Error(`encrypt returned no ciphertext: ${JSON.stringify(one.body)}`);
    const check = await vaultCall(server.address, 'POST', `${MOUNT}/decrypt/${KEY}`, { token, body: { ciphertext } });
    if ((check.body?.['data'] as { plaintext?: string } | undefined)?.plaintext !== plaintext) throw new Error('decrypt did not return the plaintext');

    const batch = options.batchSize;
    const bodies: Record<string, { op: TransitOp; items: number; body: string }> = {
      'encrypt (1 item)': { op: 'encrypt', items: 1, body: JSON.stringify({ plaintext }) },
      'decrypt (1 item)': { op: 'decrypt', items: 1, body: JSON.stringify({ ciphertext }) },
      [`encrypt (batch of ${batch})`]: { op: 'encrypt', items: batch, body: JSON.stringify({ batch_input: Array.from({ length: batch }, () => ({ plaintext })) }) },
      [`decrypt (batch of ${batch})`]: { op: 'decrypt', items: batch, body: JSON.stringify({ batch_input: Array.from({ length: batch }, () => ({ ciphertext })) }) },
    };
    for (const [id, c] of Object.entries(bodies)) {
      log(`  ${id}: ${options.warmupSec}s warm-up + ${options.durationSec}s, ${options.connections} connections ...`);
      const r = await runLoad({
        name: id,
        address: server.address,
        server,
        method: 'POST',
        headers: { 'x-vault-token': token, 'content-type': 'application/json' },
        body: c.body,
        path: `/v1/${MOUNT}/${c.op}/${KEY}`,
        connections: options.connections,
        durationSec: options.durationSec,
        warmupSec: options.warmupSec,
      });
      const itemsPerSec = r.rps * c.items;
      const ceilingOps = c.op === 'encrypt' ? ceiling.encryptOpsPerSec : ceiling.decryptOpsPerSec;
      cases.push({ ...r, id, op: c.op, itemsPerRequest: c.items, itemsPerSec, ratio: itemsPerSec / ceilingOps });
      log(`    ${fmtInt(r.rps)} req/s, ${fmtInt(itemsPerSec)} items/s, p50 ${fmtMs(r.latencyMs.p50)} ms, failures ${failuresOf(r)}`);
    }
  } finally {
    await server?.stop();
  }

  const failures = cases.filter((c) => failuresOf(c) > 0).map((c) => `${c.id}: errors=${c.errors} timeouts=${c.timeouts} non2xx=${c.non2xx}`);
  const { log: _log, ...recordedOptions } = options;
  return { benchmark: 'transit', options: recordedOptions, ceiling, cases, failures, table: renderTable(ceiling, cases, options) };
}

function renderTable(ceiling: TransitCeiling, cases: TransitCaseResult[], options: TransitBenchOptions): string {
  const header = ['case', 'conns', 'req/s', 'items/s', 'p50 ms', 'p99 ms', 'failures', 'vs ceiling', 'server CPU', 'CPU µs/item'];
  const rows = [
    ['node:crypto AES-256-GCM encrypt', '-', '-', fmtInt(ceiling.encryptOpsPerSec), '-', '-', '0', 'ceiling', '-', '-'],
    ['node:crypto AES-256-GCM decrypt', '-', '-', fmtInt(ceiling.decryptOpsPerSec), '-', '-', '0', 'ceiling', '-', '-'],
    ...cases.map((c) => [
      c.id,
      String(c.connections),
      fmtInt(c.rps),
      fmtInt(c.itemsPerSec),
      fmtMs(c.latencyMs.p50),
      fmtMs(c.latencyMs.p99),
      String(failuresOf(c)),
      `${(c.ratio * 100).toFixed(2)}%`,
      c.serverCpuCores === null ? '-' : `${(c.serverCpuCores * 100).toFixed(0)}%`,
      c.serverCpuMicrosPerRequest === null ? '-' : (c.serverCpuMicrosPerRequest / c.itemsPerRequest).toFixed(1),
    ]),
  ];
  return [
    formatTable(header, rows, [false, true, true, true, true, true, true, true, true, true]),
    '',
    `payload ${options.payloadBytes} bytes; ceiling = raw node:crypto in the load generator's process, one core, no HTTP.`,
  ].join('\n');
}
