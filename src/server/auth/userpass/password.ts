/**
 * Password storage for userpass: scrypt (memory-hard) with a per-user salt and the cost
 * parameters stored next to the hash, so they can be raised later and old records upgraded
 * on the next successful login. Pre-hashed bcrypt input (`password_hash`, Vault's format)
 * is stored as given and checked with bcrypt.
 *
 * Nothing here logs, returns or puts a password in an error message.
 */
import { randomBytes, scrypt, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { UserError } from '../../../shared/errors.js';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/** Production parameters: 2^15 × 8 × 128 bytes = 32 MiB and ~100 ms per hash. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Upper bounds for parameters read back from storage, so a damaged record cannot exhaust memory. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

export type PasswordRecord =
  | { alg: 'scrypt'; n: number; r: number; p: number; salt: string; hash: string }
  | { alg: 'bcrypt'; hash: string };

/** `$2a$`/`$2b$`/`$2y$`, a cost of 04–31, then 22 salt and 31 hash characters. */
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

export function isBcryptHash(value: string): boolean {
  return BCRYPT_HASH.test(value);
}

export function validateScryptParams(params: ScryptParams): void {
  const { N, r, p } = params;
  const powerOfTwo = Number.isInteger(N) && N >= 2 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N) throw new Error('scrypt N must be a power of two between 2 and 2^20');
  if (!Number.isInteger(r) || r < 1 || r > MAX_R) throw new Error('scrypt r must be an integer between 1 and 32');
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) throw new Error('scrypt p must be an integer between 1 and 16');
}

function derive(password: BinaryLike, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // Node refuses anything above 32 MiB by default; leave headroom over 128·N·r·p.
    maxmem: 256 * params.N * params.r * params.p,
  };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Lone surrogates would all turn into U+FFFD when encoded, making different passwords equal. */
function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

export async function hashPassword(password: string, params: ScryptParams): Promise<PasswordRecord> {
  if (!isWellFormed(password)) throw new UserError('password must be valid Unicode text');
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return { alg: 'scrypt', n: params.N, r: params.r, p: params.p, salt: salt.toString('base64'), hash: key.toString('base64') };
}

/** The record for a write that sends exactly one of `password` / `password_hash`. */
export async function passwordRecordFromInput(
  input: { password?: string | undefined; passwordHash?: string | undefined },
  params: ScryptParams,
): Promise<PasswordRecord> {
  const password = input.password ?? '';
  const passwordHash = input.passwordHash ?? '';
  if (password !== '' && passwordHash !== '') throw new UserError('only one of password or password_hash may be provided');
  if (password !== '') return hashPassword(password, params);
  if (passwordHash === '') throw new UserError('missing password');
  if (!isBcryptHash(passwordHash)) throw new UserError('password_hash is not a valid bcrypt hash');
  return { alg: 'bcrypt', hash: passwordHash };
}

/** Checks `password` against a stored record; false for any mismatch or unusable record. */
export async function verifyPassword(record: PasswordRecord, password: string): Promise<boolean> {
  if (record.alg === 'bcrypt') {
    if (!isBcryptHash(record.hash) || !isWellFormed(password)) return false;
    return bcrypt.compare(password, record.hash);
  }
  const params: ScryptParams = { N: record.n, r: record.r, p: record.p };
  try {
    validateScryptParams(params);
  } catch {
    return false;
  }
  const salt = Buffer.from(record.salt, 'base64');
  const expected = Buffer.from(record.hash, 'base64');
  if (expected.length !== KEY_BYTES || salt.length === 0) return false;
  const actual = await derive(password, salt, params);
  // Compare even for ill-formed input so the time spent does not depend on it.
  return timingSafeEqual(actual, expected) && isWellFormed(password);
}

/** True when a record should be re-hashed with `current` (it is weaker, or not scrypt-by-us). */
export function needsRehash(record: PasswordRecord, current: ScryptParams): boolean {
  if (record.alg !== 'scrypt') return false;
  return record.n < current.N || record.r < current.r || record.p < current.p;
}

/**
 * The work of a verification without a user: unknown usernames cost the same scrypt call
 * as known ones, so response times do not tell which usernames exist.
 */
export class DummyVerifier {
  private readonly salt = randomBytes(SALT_BYTES);
  private readonly expected = randomBytes(KEY_BYTES);

  constructor(private readonly params: ScryptParams) {}

  async verify(password: string): Promise<false> {
    const actual = await derive(password, this.salt, this.params);
    timingSafeEqual(actual, this.expected);
    return false;
  }
}

export function samePasswordRecord(a: PasswordRecord, b: PasswordRecord): boolean {
  if (a.alg === 'bcrypt' || b.alg === 'bcrypt') return a.alg === b.alg && a.hash === b.hash;
  return a.n === b.n && a.r === b.r && a.p === b.p && a.salt === b.salt && a.hash === b.hash;
}
