/**
 * Vault's JSON encoding of a transit policy, its archive and its backup (Go's
 * `encoding/json` of `keysutil.Policy`, `archivedKeys` and `KeyData`): field names and
 * order, `[]byte` as standard base64, `*big.Int` as bare JSON numbers, durations in
 * nanoseconds. The same encoding is what `policy/<name>` and `archive/<name>` hold in
 * storage, so a backup is byte-for-byte what Vault would restore, and the reverse.
 */
import { InternalError, UserError } from '../../../shared/errors.js';
import { decodeStd } from './b64.js';
import { modInverse } from './ec-math.js';
import { keyTypeFromCode, KEY_TYPE_CODES, isRsa } from './key-types.js';
import type { KeyEntry, Policy, RsaPrivate, TimedInfo } from './policy.js';

/** Go's zero `time.Time`. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

// ---------------------------------------------------------------------------------------
// Encoding

const BIG = '\u0000big:';

function big(value: bigint): string {
  return `${BIG}${value.toString(10)}`;
}

/** JSON text with bigint placeholders turned into bare numbers. */
function stringify(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

function b64OrNull(bytes: Buffer | null): string | null {
  return bytes === null ? null : bytes.toString('base64');
}

function rsaJson(rsa: RsaPrivate): Record<string, unknown> {
  return {
    N: big(rsa.n),
    E: rsa.e,
    D: big(rsa.d),
    Primes: rsa.primes.map(big),
    Precomputed: { Dp: big(rsa.dp), Dq: big(rsa.dq), Qinv: big(rsa.qinv), CRTValues: [] },
  };
}

function entryJson(e: KeyEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { key: b64OrNull(e.key), hmac_key: b64OrNull(e.hmacKey), time: e.time };
  if (e.ecX !== undefined) out['ec_x'] = big(e.ecX);
  if (e.ecY !== undefined) out['ec_y'] = big(e.ecY);
  if (e.ecD !== undefined) out['ec_d'] = big(e.ecD);
  if (e.rsa) {
    out['rsa_key'] = rsaJson(e.rsa);
    out['rsa_public_key'] = { N: big(e.rsa.n), E: e.rsa.e };
  }
  if (e.publicKey) out['public_key'] = e.publicKey;
  if (e.convergentVersion) out['convergent_version'] = e.convergentVersion;
  out['creation_time'] = e.creationTime;
  return out;
}

const ZERO_ENTRY = { key: null, hmac_key: null, time: ZERO_TIME, creation_time: 0 };

function infoJson(info: TimedInfo | null): unknown {
  return info === null ? null : { time: info.time, version: info.version };
}

function policyJson(p: Policy): Record<string, unknown> {
  // Go marshals map keys sorted as strings.
  const keys: Record<string, unknown> = {};
  for (const v of [...p.keys.keys()].map(String).sort()) {
    const entry = p.keys.get(Number(v));
    if (entry) keys[v] = entryJson(entry);
  }
  const out: Record<string, unknown> = { name: p.name };
  if (p.keySize) out['key_size'] = p.keySize;
  Object.assign(out, {
    keys,
    derived: p.derived,
    kdf: p.kdf,
    convergent_encryption: p.convergentEncryption,
    exportable: p.exportable,
    min_decryption_version: p.minDecryptionVersion,
    min_encryption_version: p.minEncryptionVersion,
    latest_version: p.latestVersion,
    archive_version: p.archiveVersion,
    archive_min_version: p.archiveMinVersion,
    min_available_version: p.minAvailableVersion,
    deletion_allowed: p.deletionAllowed,
    convergent_version: p.convergentVersion,
    type: KEY_TYPE_CODES[p.type],
    backup_info: infoJson(p.backupInfo),
    restore_info: infoJson(p.restoreInfo),
    allow_plaintext_backup: p.allowPlaintextBackup,
    version_template: p.versionTemplate,
    storage_prefix: p.storagePrefix,
    auto_rotate_period: p.autoRotatePeriodNs,
    Imported: p.imported,
    AllowImportedKeyRotation: p.allowImportedKeyRotation,
  });
  return out;
}

/**
 * Vault's archive layout: a list indexed by `version - archiveMinVersion` (so while nothing
 * is trimmed, index 0 is an empty placeholder for the non-existent version 0).
 */
function archiveJson(archive: ReadonlyMap<number, KeyEntry>, archiveMinVersion: number, latest: number): Record<string, unknown> {
  const keys: unknown[] = [];
  for (let v = archiveMinVersion; v <= latest; v++) {
    const entry = archive.get(v);
    keys.push(entry ? entryJson(entry) : ZERO_ENTRY);
  }
  return { keys };
}

export function encodePolicy(p: Policy): Uint8Array {
  return Buffer.from(stringify(policyJson(p)));
}

export function encodeArchive(archive: ReadonlyMap<number, KeyEntry>, archiveMinVersion: number, latest: number): Uint8Array {
  return Buffer.from(stringify(archiveJson(archive, archiveMinVersion, latest)));
}

/** `backup/:name`: base64 of `{"policy":…,"archived_keys":…}` plus the newline Go's encoder adds. */
export function encodeBackup(p: Policy, archive: ReadonlyMap<number, KeyEntry>): string {
  const text = stringify({ policy: policyJson(p), archived_keys: archiveJson(archive, p.archiveMinVersion, p.latestVersion) });
  return Buffer.from(`${text}\n`).toString('base64');
}

// ---------------------------------------------------------------------------------------
// Decoding

/**
 * JSON.parse that keeps integers too large for a double exact: such literals (outside
 * strings) are quoted before parsing and read back with `toBigInt`.
 */
export function parseJsonKeepingBigInts(text: string): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j] ?? '')) j++;
      const token = text.slice(i, j);
      if (/^-?\d{16,}$/.test(token)) {
        out += `${text.slice(last, i)}"${token}"`;
        last = j;
      }
      i = j - 1;
    }
  }
  return JSON.parse(out + text.slice(last));
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toBigInt(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new UserError(`invalid ${what} in key data`);
}

function optBigInt(v: unknown, what: string): bigint | undefined {
  return v === undefined || v === null ? undefined : toBigInt(v, what);
}

function toInt(v: unknown, fallback = 0): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return fallback;
}

function toBool(v: unknown): boolean {
  return v === true;
}

function toBytes(v: unknown, what: string): Buffer | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new UserError(`invalid ${what} in key data`);
  return Buffer.from(v, 'base64');
}

function toInfo(v: unknown): TimedInfo | null {
  if (!isObject(v)) return null;
  return { time: typeof v['time'] === 'string' ? v['time'] : ZERO_TIME, version: toInt(v['version']) };
}

function parseRsa(v: unknown): RsaPrivate | undefined {
  if (!isObject(v)) return undefined;
  const n = toBigInt(v['N'], 'RSA modulus');
  const d = toBigInt(v['D'], 'RSA exponent');
  const primes = Array.isArray(v['Primes']) ? v['Primes'].map((x) => toBigInt(x, 'RSA prime')) : [];
  const [p, q] = primes;
  if (p === undefined || q === undefined) throw new UserError('invalid RSA key in key data');
  const pre = isObject(v['Precomputed']) ? v['Precomputed'] : {};
  // Older Go releases did not always marshal the CRT values; they follow from d, p and q.
  const dp = optBigInt(pre['Dp'], 'RSA CRT value') ?? d % (p - 1n);
  const dq = optBigInt(pre['Dq'], 'RSA CRT value') ?? d % (q - 1n);
  const qinv = optBigInt(pre['Qinv'], 'RSA CRT value') ?? modInverse(q, p);
  return { n, e: toInt(v['E'], 65537), d, primes, dp, dq, qinv };
}

function parseEntry(v: unknown): KeyEntry | null {
  if (!isObject(v)) throw new UserError('invalid key entry in key data');
  const time = typeof v['time'] === 'string' ? v['time'] : ZERO_TIME;
  const entry: {
    -readonly [K in keyof KeyEntry]: KeyEntry[K];
  } = {
    key: toBytes(v['key'], 'key'),
    hmacKey: toBytes(v['hmac_key'], 'hmac_key'),
    time,
    creationTime: toInt(v['creation_time']),
  };
  const ecX = optBigInt(v['ec_x'], 'ec_x');
  const ecY = optBigInt(v['ec_y'], 'ec_y');
  const ecD = optBigInt(v['ec_d'], 'ec_d');
  if (ecX !== undefined) entry.ecX = ecX;
  if (ecY !== undefined) entry.ecY = ecY;
  if (ecD !== undefined) entry.ecD = ecD;
  const rsa = parseRsa(v['rsa_key']);
  if (rsa) entry.rsa = rsa;
  if (typeof v['public_key'] === 'string' && v['public_key'] !== '') entry.publicKey = v['public_key'];
  const cv = toInt(v['convergent_version']);
  if (cv) entry.convergentVersion = cv;
  const empty = !entry.key && !entry.hmacKey && ecX === undefined && !rsa && !entry.publicKey;
  return empty && time === ZERO_TIME ? null : entry;
}

/** Reads a stored or backed-up policy; throws a `UserError` on malformed input. */
export function policyFromJson(raw: unknown): Policy {
  if (!isObject(raw)) throw new UserError('backup data does not contain a valid policy');
  const type = keyTypeFromCode(toInt(raw['type'], -1));
  if (type === undefined) throw new UserError(`unsupported key type ${String(raw['type'])}`);
  const keys = new Map<number, KeyEntry>();
  if (isObject(raw['keys'])) {
    for (const [k, v] of Object.entries(raw['keys'])) {
      if (!/^\d+$/.test(k)) throw new UserError('invalid key version in key data');
      const entry = parseEntry(v);
      if (entry) keys.set(Number(k), entry);
    }
  }
  // Pre-0.3 policies kept a single `key`; it is version 1.
  if (keys.size === 0 && typeof raw['key'] === 'string' && raw['key'] !== '') {
    keys.set(1, { key: toBytes(raw['key'], 'key'), hmacKey: null, time: new Date().toISOString(), creationTime: Math.floor(Date.now() / 1000) });
  }
  const policy: Policy = {
    name: typeof raw['name'] === 'string' ? raw['name'] : '',
    type,
    keySize: toInt(raw['key_size']),
    keys,
    derived: toBool(raw['derived']),
    kdf: toInt(raw['kdf']),
    convergentEncryption: toBool(raw['convergent_encryption']),
    convergentVersion: toInt(raw['convergent_version']),
    exportable: toBool(raw['exportable']),
    allowPlaintextBackup: toBool(raw['allow_plaintext_backup']),
    deletionAllowed: toBool(raw['deletion_allowed']),
    minDecryptionVersion: toInt(raw['min_decryption_version']),
    minEncryptionVersion: toInt(raw['min_encryption_version']),
    latestVersion: toInt(raw['latest_version']),
    archiveVersion: toInt(raw['archive_version']),
    archiveMinVersion: toInt(raw['archive_min_version']),
    minAvailableVersion: toInt(raw['min_available_version']),
    backupInfo: toInfo(raw['backup_info']),
    restoreInfo: toInfo(raw['restore_info']),
    versionTemplate: typeof raw['version_template'] === 'string' ? raw['version_template'] : '',
    storagePrefix: typeof raw['storage_prefix'] === 'string' ? raw['storage_prefix'] : '',
    autoRotatePeriodNs: toInt(raw['auto_rotate_period']),
    imported: toBool(raw['Imported']),
    allowImportedKeyRotation: toBool(raw['AllowImportedKeyRotation']),
  };
  if (isRsa(type)) {
    for (const entry of keys.values()) if (!entry.rsa) throw new UserError('RSA key entry without a private key is not supported');
  }
  return policy;
}

export function decodePolicy(bytes: Uint8Array): Policy {
  try {
    return policyFromJson(parseJsonKeepingBigInts(Buffer.from(bytes).toString('utf8')));
  } catch (err) {
    if (err instanceof UserError) throw new InternalError(`stored transit key is corrupt: ${err.message}`);
    throw new InternalError('stored transit key is corrupt');
  }
}

export function archiveFromJson(raw: unknown, archiveMinVersion: number): Map<number, KeyEntry> {
  const out = new Map<number, KeyEntry>();
  if (!isObject(raw) || !Array.isArray(raw['keys'])) return out;
  raw['keys'].forEach((v, i) => {
    const entry = parseEntry(v);
    if (entry) out.set(i + archiveMinVersion, entry);
  });
  return out;
}

export function decodeArchive(bytes: Uint8Array | null, archiveMinVersion: number): Map<number, KeyEntry> {
  if (bytes === null) return new Map();
  try {
    return archiveFromJson(parseJsonKeepingBigInts(Buffer.from(bytes).toString('utf8')), archiveMinVersion);
  } catch {
    throw new InternalError('stored transit key archive is corrupt');
  }
}

/** Reads `backup/` output; errors name what is wrong without echoing the key data. */
export function decodeBackup(backup: string): { policy: Policy; archive: Map<number, KeyEntry> | null } {
  const text = decodeStd(backup).toString('utf8');
  let raw: unknown;
  try {
    raw = parseJsonKeepingBigInts(text);
  } catch {
    throw new UserError('invalid backup: not base64-encoded JSON key data');
  }
  if (!isObject(raw) || !isObject(raw['policy'])) throw new UserError('backup data does not contain a valid policy');
  const policy = policyFromJson(raw['policy']);
  const archive = isObject(raw['archived_keys']) ? archiveFromJson(raw['archived_keys'], policy.archiveMinVersion) : null;
  return { policy, archive };
}
