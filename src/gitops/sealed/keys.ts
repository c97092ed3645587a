/**
 * The controller's sealing keys, as Sealed Secrets keeps them (`pkg/crypto/keys.go`,
 * `pkg/controller/keys.go`, `keyregistry.go`): an RSA key (4096 bits by default) with a
 * self-signed certificate (CA, KeyUsage EncipherOnly, 128-bit random serial, CN from `--my-cn`,
 * valid 10 years), stored as a `kubernetes.io/tls` Secret labelled
 * `sealedsecrets.bitnami.com/sealed-secrets-key=active`. Keys are never deleted; the newest
 * seals, all of them unseal. Plain functions: the operator does the Kubernetes I/O.
 */
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCb, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { UserError } from '../../shared/errors.js';
import { publicKeyFingerprint } from './crypto.js';
import type { Secret } from './types.js';
import { x509 } from './x509.js';

const generateKeyPair = promisify(generateKeyPairCb);

export const SEALED_SECRETS_KEY_LABEL = 'sealedsecrets.bitnami.com/sealed-secrets-key';
/** `--key-prefix`: the `generateName` of key Secrets, and the name of the legacy single key. */
export const DEFAULT_KEY_PREFIX = 'sealed-secrets-key';
export const DEFAULT_KEY_SIZE = 4096;
/** `--key-ttl`: 10 years of 365 days. */
export const DEFAULT_KEY_TTL_MS = 10 * 365 * 24 * 3600 * 1000;
/** `--key-renew-period` (alias `--rotate-period`): 30 days; 0 disables renewal. */
export const DEFAULT_KEY_RENEW_PERIOD_MS = 30 * 24 * 3600 * 1000;

export type KeyOrderPriority = 'CertNotBefore' | 'SecretCreationTimestamp';

export interface SealingKey {
  /** The key Secret's name (`''` before the API server named it). */
  name: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The first certificate of `tls.crt`. */
  certificate: X509Certificate;
  /** All of `tls.crt` (what `/v1/cert.pem` serves). */
  certificatePem: string;
  /** `SHA256:…`, the controller's key id. */
  fingerprint: string;
  /** Which key is newest: the certificate's NotBefore, or the Secret's creationTimestamp. */
  orderingTime: Date;
  /** The label value: only `active` keys are loaded by the controller. */
  status: string;
}

export interface GenerateKeyOptions {
  /** `--key-size`, default 4096. */
  keySize?: number;
  /** `--key-ttl` in milliseconds, default 10 years. */
  validForMs?: number;
  /** `--my-cn`, default empty. */
  commonName?: string;
  now?: Date;
  /** The Secret name, when known. */
  name?: string;
}

const SIGNING = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** The controller's self-signed certificate for `privateKey`, as PEM. */
export async function selfSignedCertificate(privateKey: KeyObject, options: Omit<GenerateKeyOptions, 'keySize' | 'name'> = {}): Promise<string> {
  const now = options.now ?? new Date();
  const publicKey = createPublicKey(privateKey);
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), SIGNING, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), SIGNING, true, ['verify']),
  };
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex');
  const cn = options.commonName ?? '';
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    // Go writes an empty subject for an empty CN.
    name: cn === '' ? [] : [{ CN: [cn] }],
    notBefore: now,
    notAfter: new Date(now.getTime() + (options.validForMs ?? DEFAULT_KEY_TTL_MS)),
    signingAlgorithm: SIGNING,
    keys: keys as never,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.encipherOnly, true),
      new x509.BasicConstraintsExtension(true, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return cert.toString('pem').replace(/\r\n/g, '\n') + '\n';
}

/** A new RSA key and certificate (the controller's `generatePrivateKeyAndCert`). */
export async function generateSealingKey(options: GenerateKeyOptions = {}): Promise<SealingKey> {
  const keySize = options.keySize ?? DEFAULT_KEY_SIZE;
  if (!Number.isInteger(keySize) || keySize < 2048 || keySize > 16384) throw new UserError(`invalid key size ${keySize}: expected 2048 to 16384 bits`);
  const { privateKey } = await generateKeyPair('rsa', { modulusLength: keySize, publicExponent: 0x10001 });
  const certificatePem = await selfSignedCertificate(privateKey, options);
  return makeKey(options.name ?? '', privateKey, certificatePem, 'active', undefined);
}

function makeKey(name: string, privateKey: KeyObject, certificatePem: string, status: string, orderingTime: Date | undefined): SealingKey {
  const certs = splitCertificates(certificatePem);
  const first = certs[0];
  if (first === undefined) throw new UserError(`key ${name || '(unnamed)'}: tls.crt holds no certificate`);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(first);
  } catch {
    throw new UserError(`key ${name || '(unnamed)'}: tls.crt does not parse as a certificate`);
  }
  const publicKey = createPublicKey(privateKey);
  if (!certificate.publicKey.equals(publicKey)) throw new UserError(`key ${name || '(unnamed)'}: tls.crt does not match tls.key`);
  return {
    name,
    privateKey,
    publicKey,
    certificate,
    certificatePem: certs.join(''),
    fingerprint: publicKeyFingerprint(publicKey),
    orderingTime: orderingTime ?? new Date(certificate.validFrom),
    status,
  };
}

function splitCertificates(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => `${m[0]}\n`);
}

/** An RSA private key from PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`). */
export function parsePrivateKeyPem(pem: string | Buffer, what = 'private key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new UserError(`${what}: not a PEM private key`);
  }
  if (key.asymmetricKeyType !== 'rsa') throw new UserError(`${what}: unexpected private key type ${key.asymmetricKeyType ?? 'unknown'} (expected RSA)`);
  return key;
}

/** All RSA private keys in a PEM text (each `… PRIVATE KEY` block). */
export function parsePrivateKeysPem(text: string, what = 'private key'): KeyObject[] {
  const blocks = [...text.matchAll(/-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+?-----END (RSA )?PRIVATE KEY-----/g)].map((m) => m[0]);
  return blocks.map((b) => parsePrivateKeyPem(b, what));
}

export interface KeySecretOptions {
  /** The controller's namespace. */
  namespace: string;
  /** `--key-prefix`, default `sealed-secrets-key`. */
  prefix?: string;
  /** `--privatekey-labels` / `--privatekey-annotations`. */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The key as the `kubernetes.io/tls` Secret the controller creates (data base64). */
export function keyToSecret(key: SealingKey, options: KeySecretOptions): Secret {
  const metadata: Secret['metadata'] = {
    ...(key.name !== '' ? { name: key.name } : { generateName: options.prefix ?? DEFAULT_KEY_PREFIX }),
    namespace: options.namespace,
    labels: { ...(options.labels ?? {}), [SEALED_SECRETS_KEY_LABEL]: key.status === '' ? 'active' : key.status },
  };
  if (options.annotations !== undefined && Object.keys(options.annotations).length > 0) metadata.annotations = { ...options.annotations };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata,
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(key.certificatePem).toString('base64'),
      'tls.key': Buffer.from(key.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string).toString('base64'),
    },
  };
}

/** Whether a Secret is a sealing key: the label, or the legacy name `sealed-secrets-key`. */
export function isKeySecret(secret: Secret, prefix = DEFAULT_KEY_PREFIX): boolean {
  return secret.metadata.labels?.[SEALED_SECRETS_KEY_LABEL] !== undefined || secret.metadata.name === prefix;
}

/** Parses a key Secret (`tls.key` + `tls.crt`, base64 `data` or plain `stringData`). */
export function keyFromSecret(secret: Secret, options: { orderPriority?: KeyOrderPriority } = {}): SealingKey {
  const name = secret.metadata.name ?? '';
  const field = (k: string): string | undefined => {
    const b64 = secret.data?.[k];
    if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8');
    return secret.stringData?.[k];
  };
  const keyPem = field('tls.key');
  const certPem = field('tls.crt');
  if (keyPem === undefined) throw new UserError(`key secret ${name || '(unnamed)'} must contain a 'tls.key' entry`);
  if (certPem === undefined) throw new UserError(`key secret ${name || '(unnamed)'} must contain a 'tls.crt' entry`);
  const privateKey = parsePrivateKeyPem(keyPem, `key secret ${name || '(unnamed)'}`);
  let orderingTime: Date | undefined;
  if (options.orderPriority === 'SecretCreationTimestamp') {
    const ts = secret.metadata.creationTimestamp;
    if (typeof ts === 'string' && !Number.isNaN(Date.parse(ts))) orderingTime = new Date(ts);
  }
  const status = secret.metadata.labels?.[SEALED_SECRETS_KEY_LABEL] ?? 'active';
  return makeKey(name, privateKey, certPem, status, orderingTime);
}

/** The keys a controller holds: newest seals, every one unseals. */
export class KeyRegistry {
  private readonly byFingerprint = new Map<string, SealingKey>();
  private newest: SealingKey | undefined;
  private ordered: KeyObject[] | undefined;

  constructor(keys: Iterable<SealingKey> = []) {
    for (const k of keys) this.add(k);
  }

  /** Adds a key (a key already held, by fingerprint, is replaced). */
  add(key: SealingKey): void {
    this.byFingerprint.set(key.fingerprint, key);
    if (this.newest === undefined || this.newest.orderingTime.getTime() < key.orderingTime.getTime()) this.newest = key;
    this.ordered = undefined;
  }

  get size(): number {
    return this.byFingerprint.size;
  }

  /** The sealing key, or undefined when there is none. */
  latest(): SealingKey | undefined {
    return this.newest;
  }

  keys(): SealingKey[] {
    return [...this.byFingerprint.values()].sort((a, b) => b.orderingTime.getTime() - a.orderingTime.getTime());
  }

  /** Newest first: most values were sealed with a recent key, so the search ends sooner. */
  privateKeys(): readonly KeyObject[] {
    this.ordered ??= this.keys().map((k) => k.privateKey);
    return this.ordered;
  }

  /** The newest key's `tls.crt` (what `/v1/cert.pem` serves). */
  certificatePem(): string | undefined {
    return this.newest?.certificatePem;
  }
}

export interface LoadedKeys {
  registry: KeyRegistry;
  /** Key Secrets not loaded, and why (never key material). */
  skipped: { name: string; reason: string }[];
}

/** The controller's start-up: load every `active` key Secret (and the legacy one). */
export function loadKeyRegistry(secrets: readonly Secret[], options: { orderPriority?: KeyOrderPriority; prefix?: string } = {}): LoadedKeys {
  const registry = new KeyRegistry();
  const skipped: { name: string; reason: string }[] = [];
  for (const secret of secrets) {
    const name = secret.metadata.name ?? '';
    if (!isKeySecret(secret, options.prefix)) continue;
    const label = secret.metadata.labels?.[SEALED_SECRETS_KEY_LABEL];
    if (label !== undefined && label !== 'active') {
      skipped.push({ name, reason: `labelled ${SEALED_SECRETS_KEY_LABEL}=${label}` });
      continue;
    }
    try {
      registry.add(keyFromSecret(secret, options.orderPriority !== undefined ? { orderPriority: options.orderPriority } : {}));
    } catch (err) {
      skipped.push({ name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return { registry, skipped };
}

export interface RenewalOptions {
  /** The newest key's ordering time (undefined: no key yet). */
  latest: Date | undefined;
  now?: Date;
  /** `--key-renew-period` in ms; 0 disables periodic renewal. */
  renewPeriodMs?: number;
  /** `--key-cutoff-time`: a key older than this is replaced at start. */
  cutoffTime?: Date;
}

export interface RenewalPlan {
  /** Generate a key now. */
  dueNow: boolean;
  reason?: 'no-key' | 'cutoff' | 'period';
  /** When the next renewal falls due (undefined when renewal is disabled). */
  nextAt?: Date;
}

/** When the controller must generate its next key. */
export function keyRenewal(options: RenewalOptions): RenewalPlan {
  const now = options.now ?? new Date();
  const period = options.renewPeriodMs ?? DEFAULT_KEY_RENEW_PERIOD_MS;
  if (!Number.isFinite(period) || period < 0) throw new UserError('the key renew period must be zero or positive');
  const after = (from: Date): { nextAt?: Date } => (period > 0 ? { nextAt: new Date(from.getTime() + period) } : {});
  if (options.latest === undefined) return { dueNow: true, reason: 'no-key', ...after(now) };
  if (options.cutoffTime !== undefined && options.latest.getTime() < options.cutoffTime.getTime()) return { dueNow: true, reason: 'cutoff', ...after(now) };
  if (period > 0 && now.getTime() - options.latest.getTime() >= period) return { dueNow: true, reason: 'period', ...after(now) };
  return { dueNow: false, ...after(options.latest) };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([A-Z]{1,5}|[+-]\d{4})$/;

/**
 * `--key-cutoff-time` (env `SEALED_SECRETS_KEY_CUTOFF_TIME`), Go's `time.RFC1123`:
 * `Mon, 02 Jan 2006 15:04:05 MST`. A zone abbreviation counts as UTC, as Go parses it in a
 * UTC container (abbreviations it does not know get a zero offset); `+hhmm` offsets apply.
 */
export function parseKeyCutoffTime(text: string): Date {
  const m = RFC1123.exec(text.trim());
  if (m === null) throw new UserError(`invalid key cutoff time ${JSON.stringify(text)}: expected RFC1123, e.g. "Mon, 02 Jan 2006 15:04:05 MST"`);
  const [, , dd, mon, yyyy, hh, mi, ss, zone] = m as unknown as [string, string, string, string, string, string, string, string, string];
  const utc = Date.UTC(Number(yyyy), MONTHS.indexOf(mon), Number(dd), Number(hh), Number(mi), Number(ss));
  let offsetMin = 0;
  if (/^[+-]\d{4}$/.test(zone)) offsetMin = (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const day = new Date(utc);
  if (Number.isNaN(utc) || day.getUTCDate() !== Number(dd) || Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) {
    throw new UserError(`invalid key cutoff time ${JSON.stringify(text)}: not a valid date and time`);
  }
  return new Date(utc - offsetMin * 60_000);
}
