/**
 * Sealed Secrets throughput: values sealed and unsealed per second, in process, with the
 * controller's default RSA-4096 key — `sealSecret` / `unsealSealedSecret` (parsing, labels,
 * base64, template handling, the key search) against the ceiling of the same primitives called
 * straight on node:crypto (RSA-OAEP-SHA256 + AES-256-GCM, no framing). Sealing is bound by
 * the RSA public operation, unsealing by the private one (about 30× slower at 4096 bits).
 */
import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { generateSealingKey, sealSecret, unsealSealedSecret, type Secret } from '../src/gitops/sealed/index.js';
import { fmtInt, formatTable } from './harness.js';

export interface SealedBenchOptions {
  /** Seconds per case. */
  durationSec: number;
  /** RSA key size of the controller key (the controller's default is 4096). */
  keySize: number;
  /** Values per Secret. */
  valuesPerSecret: number;
  /** Bytes per value. */
  valueBytes: number;
  log?: (line: string) => void;
}

export const SEALED_DEFAULTS: Omit<SealedBenchOptions, 'log'> = { durationSec: 3, keySize: 4096, valuesPerSecret: 10, valueBytes: 64 };

export interface SealedCase {
  operation: 'seal' | 'unseal';
  oursPerSec: number;
  ceilingPerSec: number;
  /** ours / ceiling. */
  ratio: number;
}

/** Runs `step` (which handles `batch` values) until `durationSec` has passed; values per second. */
function measure(durationSec: number, batch: number, step: () => void): number {
  const deadline = performance.now() + durationSec * 1000;
  const started = performance.now();
  let values = 0;
  do {
    step();
    values += batch;
  } while (performance.now() < deadline);
  return values / ((performance.now() - started) / 1000);
}

export async function runSealedBench(options: SealedBenchOptions): Promise<{ table: string; failures: string[]; cases: SealedCase[] }> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const failures: string[] = [];
  log(`sealed: generating an RSA-${options.keySize} controller key…`);
  const key = await generateSealingKey({ keySize: options.keySize });
  const data: Record<string, string> = {};
  for (let i = 0; i < options.valuesPerSecret; i++) data[`key-${i}`] = randomBytes(options.valueBytes).toString('base64');
  const secret: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bench', namespace: 'default' }, data };
  const label = Buffer.from('default/bench');
  const n = options.valuesPerSecret;

  // Correctness first: a benchmark of wrong output is worthless.
  const sample = sealSecret(secret, key.publicKey);
  const opened = unsealSealedSecret(sample, [key.privateKey]);
  for (const [k, v] of Object.entries(data)) if (opened.data?.[k] !== v) failures.push(`unsealed value of ${k} differs from the sealed one`);

  const rawSeal = (plaintext: Buffer): Buffer => {
    const sessionKey = randomBytes(32);
    const rsa = publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, sessionKey);
    const c = createCipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
    return Buffer.concat([rsa, c.update(plaintext), c.final(), c.getAuthTag()]);
  };
  const rsaLen = options.keySize / 8;
  const rawOpen = (blob: Buffer): Buffer => {
    const sessionKey = privateDecrypt({ key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, blob.subarray(0, rsaLen));
    const d = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
    d.setAuthTag(blob.subarray(blob.length - 16));
    return Buffer.concat([d.update(blob.subarray(rsaLen, blob.length - 16)), d.final()]);
  };
  const plaintexts = Object.values(data).map((v) => Buffer.from(v, 'base64'));
  const rawBlobs = plaintexts.map(rawSeal);

  const cases: SealedCase[] = [];
  log('sealed: seal…');
  const sealOurs = measure(options.durationSec, n, () => sealSecret(secret, key.publicKey));
  const sealRaw = measure(options.durationSec, n, () => plaintexts.forEach(rawSeal));
  cases.push({ operation: 'seal', oursPerSec: sealOurs, ceilingPerSec: sealRaw, ratio: sealOurs / sealRaw });
  log('sealed: unseal…');
  const unsealOurs = measure(options.durationSec, n, () => unsealSealedSecret(sample, [key.privateKey]));
  const unsealRaw = measure(options.durationSec, n, () => rawBlobs.forEach(rawOpen));
  cases.push({ operation: 'unseal', oursPerSec: unsealOurs, ceilingPerSec: unsealRaw, ratio: unsealOurs / unsealRaw });

  const table = formatTable(
    [`operation (RSA-${options.keySize}, ${options.valueBytes}-byte values, ${n}/Secret)`, 'ours (values/s)', 'ceiling: raw node:crypto (values/s)', 'ours / ceiling'],
    cases.map((c) => [c.operation, fmtInt(c.oursPerSec), fmtInt(c.ceilingPerSec), `${(c.ratio * 100).toFixed(0)}%`]),
    [false, true, true, true],
  );
  return { table, failures, cases };
}
