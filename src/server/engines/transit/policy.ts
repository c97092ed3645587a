/**
 * A named transit key ("policy" in Vault's keysutil): its settings and its versions. Policies
 * are copy-on-write: a write clones, changes and persists the clone, and only then replaces
 * the cached one, so a failed write leaves the old value in place and readers never see a
 * half-made change.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { InternalError, UserError } from '../../../shared/errors.js';
import { formatRfc3339Nano } from '../../../shared/time.js';
import {
  CURVES,
  isEcdsa,
  isRsa,
  isSymmetric,
  rsaBits,
  symmetricKeyBytes,
  type EcdsaType,
  type KeyTypeName,
} from './key-types.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Vault's `keysutil.Kdf_*`: 0 is the legacy NIST SP 800-108 counter mode, 1 is HKDF. */
export const KDF_HMAC_SHA256_COUNTER = 0;
export const KDF_HKDF_SHA256 = 1;

/** Convergent nonce scheme of new keys (HMAC of the plaintext with a derived key). */
export const CURRENT_CONVERGENT_VERSION = 3;

export const DEFAULT_VERSION_TEMPLATE = 'vault:v{{version}}:';

export const ERR_TOO_OLD = 'ciphertext or signature version is disallowed by policy (too old)';

export interface RsaPrivate {
  n: bigint;
  e: number;
  d: bigint;
  primes: bigint[];
  dp: bigint;
  dq: bigint;
  qinv: bigint;
}

/** One key version (Vault's `KeyEntry`). */
export interface KeyEntry {
  /** Symmetric key, HMAC-type key, or ed25519 private key (seed ‖ public, 64 bytes). */
  readonly key: Buffer | null;
  /** Per-version HMAC key (`hmac/`), 32 random bytes. */
  readonly hmacKey: Buffer | null;
  /** Creation time, RFC3339Nano (kept as received so restored nanoseconds survive). */
  readonly time: string;
  readonly ecX?: bigint;
  readonly ecY?: bigint;
  readonly ecD?: bigint;
  readonly rsa?: RsaPrivate;
  /** PEM (ECDSA) or base64 raw public key (ed25519); RSA public keys are derived. */
  readonly publicKey?: string;
  readonly convergentVersion?: number;
  /** Unix seconds (Vault's deprecated `creation_time`, still what `keys/` shows for symmetric keys). */
  readonly creationTime: number;
}

export interface TimedInfo {
  time: string;
  version: number;
}

export interface Policy {
  name: string;
  type: KeyTypeName;
  /** HMAC key size in bytes; 0 when not applicable. */
  keySize: number;
  /** Versions ≥ `minDecryptionVersion`; older ones live only in the archive. */
  keys: Map<number, KeyEntry>;
  derived: boolean;
  kdf: number;
  convergentEncryption: boolean;
  /** -1 for keys whose every version records its own convergent version (all new keys). */
  convergentVersion: number;
  exportable: boolean;
  allowPlaintextBackup: boolean;
  deletionAllowed: boolean;
  minDecryptionVersion: number;
  minEncryptionVersion: number;
  latestVersion: number;
  archiveVersion: number;
  archiveMinVersion: number;
  minAvailableVersion: number;
  backupInfo: TimedInfo | null;
  restoreInfo: TimedInfo | null;
  versionTemplate: string;
  storagePrefix: string;
  /** Go `time.Duration`: nanoseconds (exact in a double up to ~104 days × 1000). */
  autoRotatePeriodNs: number;
  imported: boolean;
  allowImportedKeyRotation: boolean;
}

export interface NewPolicyOptions {
  name: string;
  type: KeyTypeName;
  derived: boolean;
  convergent: boolean;
  exportable: boolean;
  allowPlaintextBackup: boolean;
  autoRotatePeriodSec: number;
  keySize: number;
}

/** A fresh policy with its first version (Vault's upsert in `GetPolicy`). */
export async function createPolicy(options: NewPolicyOptions, nowMs: number): Promise<Policy> {
  const base: Policy = {
    name: options.name,
    type: options.type,
    keySize: options.type === 'hmac' ? options.keySize || 32 : 0,
    keys: new Map(),
    derived: options.derived,
    kdf: options.derived ? KDF_HKDF_SHA256 : KDF_HMAC_SHA256_COUNTER,
    convergentEncryption: options.derived && options.convergent,
    convergentVersion: options.derived && options.convergent ? -1 : 0,
    exportable: options.exportable,
    allowPlaintextBackup: options.allowPlaintextBackup,
    deletionAllowed: false,
    minDecryptionVersion: 0,
    minEncryptionVersion: 0,
    latestVersion: 0,
    archiveVersion: 0,
    archiveMinVersion: 0,
    minAvailableVersion: 0,
    backupInfo: null,
    restoreInfo: null,
    versionTemplate: '',
    storagePrefix: '',
    autoRotatePeriodNs: options.autoRotatePeriodSec * 1e9,
    imported: false,
    allowImportedKeyRotation: false,
  };
  return rotatePolicy(base, nowMs);
}

export function clonePolicy(p: Policy): Policy {
  return {
    ...p,
    keys: new Map(p.keys),
    backupInfo: p.backupInfo ? { ...p.backupInfo } : null,
    restoreInfo: p.restoreInfo ? { ...p.restoreInfo } : null,
  };
}

/** A copy of `p` with one more version (Vault's `RotateInMemory`). */
export async function rotatePolicy(p: Policy, nowMs: number): Promise<Policy> {
  if (p.imported && !p.allowImportedKeyRotation) {
    throw new UserError(`imported key ${p.name} does not allow rotation within Vault`);
  }
  const next = clonePolicy(p);
  let entry = await generateKeyEntry(p.type, p.keySize, nowMs);
  if (p.convergentEncryption && (p.convergentVersion === -1 || p.convergentVersion > 1)) {
    entry = { ...entry, convergentVersion: CURRENT_CONVERGENT_VERSION };
  }
  next.latestVersion += 1;
  next.keys.set(next.latestVersion, entry);
  if (next.minDecryptionVersion === 0) next.minDecryptionVersion = 1;
  next.imported = false;
  return next;
}

async function generateKeyEntry(type: KeyTypeName, keySize: number, nowMs: number): Promise<KeyEntry> {
  const common = {
    hmacKey: randomBytes(32),
    time: formatRfc3339Nano(new Date(nowMs)),
    creationTime: Math.floor(nowMs / 1000),
  };
  if (isSymmetric(type)) return { ...common, key: randomBytes(symmetricKeyBytes(type)) };
  if (type === 'hmac') return { ...common, key: randomBytes(keySize || 32) };
  if (type === 'ed25519') {
    const { privateKey } = await generateKeyPairAsync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    const seed = Buffer.from(jwk.d ?? '', 'base64url');
    const pub = Buffer.from(jwk.x ?? '', 'base64url');
    return { ...common, key: Buffer.concat([seed, pub]), publicKey: pub.toString('base64') };
  }
  if (isEcdsa(type)) {
    const { privateKey, publicKey } = await generateKeyPairAsync('ec', { namedCurve: CURVES[type].nodeName });
    const jwk = privateKey.export({ format: 'jwk' });
    return {
      ...common,
      key: null,
      ecX: b64urlToBigInt(jwk.x),
      ecY: b64urlToBigInt(jwk.y),
      ecD: b64urlToBigInt(jwk.d),
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  }
  if (isRsa(type)) {
    const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: rsaBits(type), publicExponent: 0x10001 });
    const jwk = privateKey.export({ format: 'jwk' });
    return {
      ...common,
      key: null,
      rsa: {
        n: b64urlToBigInt(jwk.n),
        e: Number(b64urlToBigInt(jwk.e)),
        d: b64urlToBigInt(jwk.d),
        primes: [b64urlToBigInt(jwk.p), b64urlToBigInt(jwk.q)],
        dp: b64urlToBigInt(jwk.dp),
        dq: b64urlToBigInt(jwk.dq),
        qinv: b64urlToBigInt(jwk.qi),
      },
    };
  }
  throw new InternalError(`unsupported key type ${String(type)}`);
}

// ---------------------------------------------------------------------------------------
// Versions and prefixes

export function versionPrefix(p: Policy, version: number): string {
  return (p.versionTemplate || DEFAULT_VERSION_TEMPLATE).replace('{{version}}', String(version));
}

/** The two literal halves around `{{version}}` of the policy's template. */
export function templateParts(p: Policy): [string, string] {
  const parts = (p.versionTemplate || DEFAULT_VERSION_TEMPLATE).split('{{version}}');
  if (parts.length !== 2) throw new InternalError('error parsing version template');
  return [parts[0] ?? '', parts[1] ?? ''];
}

export function keyEntry(p: Policy, version: number): KeyEntry {
  const entry = p.keys.get(version);
  if (!entry) throw new UserError('no such key version');
  return entry;
}

/** Vault's `convergentVersion(ver)`: the entry's own value, else the policy's (1 if unset). */
export function convergentVersionOf(p: Policy, version: number): number {
  if (!p.convergentEncryption) return 0;
  let v = p.convergentVersion === 0 ? 1 : p.convergentVersion;
  const own = p.keys.get(version)?.convergentVersion;
  if (own !== undefined && own !== 0) v = own;
  return v;
}

/** Epoch ms the latest version was created. */
export function latestCreatedMs(p: Policy): number {
  const entry = p.keys.get(p.latestVersion);
  if (!entry) return 0;
  const parsed = Date.parse(entry.time);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : entry.creationTime * 1000;
}

/** Whether `auto_rotate_period` has elapsed since the latest version was made. */
export function autoRotateDue(p: Policy, nowMs: number): boolean {
  if (p.autoRotatePeriodNs <= 0) return false;
  return nowMs > latestCreatedMs(p) + p.autoRotatePeriodNs / 1e6;
}

// ---------------------------------------------------------------------------------------
// Node key objects, built once per key version

const privateKeys = new WeakMap<KeyEntry, KeyObject>();
const publicKeys = new WeakMap<KeyEntry, KeyObject>();

export function privateKeyOf(type: KeyTypeName, entry: KeyEntry): KeyObject {
  let key = privateKeys.get(entry);
  if (key) return key;
  if (type === 'ed25519') {
    if (!entry.key || entry.key.length < 32) throw new InternalError('key version has no private key');
    key = ed25519FromSeed(entry.key.subarray(0, 32));
  } else if (isEcdsa(type)) {
    if (entry.ecX === undefined || entry.ecY === undefined || entry.ecD === undefined) {
      throw new UserError('requested version for signing does not contain a private part');
    }
    const size = CURVES[type].bytes;
    key = createPrivateKey({
      key: {
        kty: 'EC',
        crv: CURVES[type].jwkCrv,
        x: bigIntToB64url(entry.ecX, size),
        y: bigIntToB64url(entry.ecY, size),
        d: bigIntToB64url(entry.ecD, size),
      },
      format: 'jwk',
    });
  } else if (isRsa(type)) {
    const rsa = entry.rsa;
    if (!rsa) throw new UserError('requested version does not contain a private part');
    const [p, q] = rsa.primes;
    if (p === undefined || q === undefined || rsa.primes.length !== 2) throw new InternalError('unsupported RSA key layout');
    key = createPrivateKey({
      key: {
        kty: 'RSA',
        n: bigIntToB64url(rsa.n),
        e: bigIntToB64url(BigInt(rsa.e)),
        d: bigIntToB64url(rsa.d),
        p: bigIntToB64url(p),
        q: bigIntToB64url(q),
        dp: bigIntToB64url(rsa.dp),
        dq: bigIntToB64url(rsa.dq),
        qi: bigIntToB64url(rsa.qinv),
      },
      format: 'jwk',
    });
  } else {
    throw new InternalError(`key type ${type} has no private key object`);
  }
  privateKeys.set(entry, key);
  return key;
}

export function publicKeyOf(type: KeyTypeName, entry: KeyEntry): KeyObject {
  let key = publicKeys.get(entry);
  if (key) return key;
  if (isEcdsa(type) && entry.ecD === undefined && entry.ecX !== undefined && entry.ecY !== undefined) {
    const size = CURVES[type].bytes;
    key = createPublicKey({
      key: { kty: 'EC', crv: CURVES[type].jwkCrv, x: bigIntToB64url(entry.ecX, size), y: bigIntToB64url(entry.ecY, size) },
      format: 'jwk',
    });
  } else {
    key = createPublicKey(privateKeyOf(type, entry));
  }
  publicKeys.set(entry, key);
  return key;
}

/** PKIX PEM of an RSA version's public key (what `keys/:name` and `export/public-key` show). */
export function rsaPublicPem(entry: KeyEntry): string {
  return publicKeyOf('rsa-2048', entry).export({ type: 'spki', format: 'pem' }).toString();
}

/** PKCS#8 prefix of an Ed25519 private key: the DER wrapper around a 32-byte seed. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function ed25519FromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function ed25519PublicRaw(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

export function curveOf(type: EcdsaType): (typeof CURVES)[EcdsaType] {
  return CURVES[type];
}

// ---------------------------------------------------------------------------------------
// Big integers

export function b64urlToBigInt(value: string | undefined): bigint {
  if (!value) throw new InternalError('malformed key material');
  const hex = Buffer.from(value, 'base64url').toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}

export function bigIntToBytes(value: bigint, size = 0): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const raw = Buffer.from(hex, 'hex');
  if (raw.length >= size) return raw;
  return Buffer.concat([Buffer.alloc(size - raw.length), raw]);
}

export function bigIntToB64url(value: bigint, size = 0): string {
  return bigIntToBytes(value, size).toString('base64url');
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  const hex = Buffer.from(bytes).toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}
