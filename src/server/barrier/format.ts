/**
 * The barrier's on-disk value format (Vault's `AESGCMVersion2`, byte for byte):
 *
 *   term (4 bytes, big-endian) | version (1 byte, 0x02) | nonce (12 random bytes) | ciphertext | tag (16 bytes)
 *
 * AES-256-GCM; the additional authenticated data is the UTF-8 storage path, so a value copied to
 * another path does not decrypt. As in Vault, the term and version bytes are not part of the AAD:
 * changing the term selects another key and changing the version is rejected, so both still fail.
 *
 * Term 0 is never used by the keyring; the barrier reserves it for values encrypted directly with
 * the root key (the keyring at `core/keyring`), which makes those values distinguishable.
 *
 * Errors name no key material, no plaintext and no path.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { InternalError } from '../../shared/errors.js';

export const TERM_BYTES = 4;
export const VERSION_AES_GCM_PATH_AAD = 0x02;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const KEY_BYTES = 32;
export const HEADER_BYTES = TERM_BYTES + 1 + NONCE_BYTES;
/** The shortest well-formed value: header and tag around an empty plaintext. */
export const MIN_VALUE_BYTES = HEADER_BYTES + TAG_BYTES;
export const MAX_TERM = 0xffff_ffff;

const CIPHER = 'aes-256-gcm';

/** Why a value did not decrypt: `auth` = GCM authentication failed (wrong key, or another path). */
export type BarrierDecryptFailure = 'truncated' | 'version' | 'auth' | 'term';

/** A barrier value that cannot be decrypted: a bug, corruption, tampering or a moved value (500). */
export class BarrierDecryptError extends InternalError {
  readonly reason: BarrierDecryptFailure;

  constructor(reason: BarrierDecryptFailure, message: string) {
    super(`barrier: ${message}`);
    this.reason = reason;
  }
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) {
    throw new InternalError(`barrier: encryption key must be ${KEY_BYTES} bytes`);
  }
}

function checkTerm(term: number): void {
  if (!Number.isInteger(term) || term < 0 || term > MAX_TERM) {
    throw new InternalError('barrier: key term must be an integer between 0 and 2^32-1');
  }
}

/**
 * Encrypts `plaintext` for storage at `path` under the key of `term`. `nonce` is for test vectors
 * only; production callers omit it and get 12 fresh random bytes.
 */
export function encryptValue(
  key: Uint8Array,
  term: number,
  path: string,
  plaintext: Uint8Array,
  nonce?: Uint8Array,
): Uint8Array {
  checkKey(key);
  checkTerm(term);
  if (nonce !== undefined && nonce.byteLength !== NONCE_BYTES) {
    throw new InternalError(`barrier: nonce must be ${NONCE_BYTES} bytes`);
  }
  const iv = nonce ?? nextNonce();
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(path, 'utf8'));
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const tag = cipher.getAuthTag();

  const bodyLength = head.byteLength + tail.byteLength;
  const out = new Uint8Array(HEADER_BYTES + bodyLength + TAG_BYTES);
  new DataView(out.buffer).setUint32(0, term, false);
  out[TERM_BYTES] = VERSION_AES_GCM_PATH_AAD;
  out.set(iv, TERM_BYTES + 1);
  out.set(head, HEADER_BYTES);
  out.set(tail, HEADER_BYTES + head.byteLength);
  out.set(tag, HEADER_BYTES + bodyLength);
  return out;
}

/** The key term a stored value was written under (its first four bytes). */
export function readTerm(value: Uint8Array): number {
  if (value.byteLength < MIN_VALUE_BYTES) {
    throw new BarrierDecryptError('truncated', 'stored value is truncated');
  }
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0, false);
}

/**
 * Decrypts a value stored at `path` with the key of its term (the caller picks the key with
 * `readTerm`). Throws `BarrierDecryptError` when the value is truncated, has an unknown version,
 * or fails authentication (wrong key, or a value written at another path).
 */
export function decryptValue(key: Uint8Array, path: string, value: Uint8Array): Uint8Array {
  checkKey(key);
  if (value.byteLength < MIN_VALUE_BYTES) {
    throw new BarrierDecryptError('truncated', 'stored value is truncated');
  }
  const version = value[TERM_BYTES];
  if (version !== VERSION_AES_GCM_PATH_AAD) {
    throw new BarrierDecryptError('version', `stored value has unsupported format version ${String(version)}`);
  }
  const iv = value.subarray(TERM_BYTES + 1, HEADER_BYTES);
  const ciphertext = value.subarray(HEADER_BYTES, value.byteLength - TAG_BYTES);
  const tag = value.subarray(value.byteLength - TAG_BYTES);

  const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(path, 'utf8'));
  decipher.setAuthTag(tag);
  const head = decipher.update(ciphertext);
  let tail: Buffer;
  try {
    tail = decipher.final();
  } catch {
    head.fill(0);
    throw new BarrierDecryptError(
      'auth',
      'decryption failed: message authentication failed (wrong key, or the value belongs to another path)',
    );
  }
  const out = new Uint8Array(head.byteLength + tail.byteLength);
  out.set(head, 0);
  out.set(tail, head.byteLength);
  head.fill(0);
  tail.fill(0);
  return out;
}

/**
 * Random 96-bit nonces, drawn from the CSPRNG 4 KiB at a time: one `randomBytes` call per
 * encryption was a visible share of write cost. Each nonce is a fresh copy, used once.
 */
const NONCE_POOL_BYTES = 4096;
let noncePool = Buffer.alloc(0);
let noncePoolOffset = 0;

function nextNonce(): Buffer {
  if (noncePoolOffset + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_POOL_BYTES);
    noncePoolOffset = 0;
  }
  const nonce = Buffer.from(noncePool.subarray(noncePoolOffset, noncePoolOffset + NONCE_BYTES));
  noncePoolOffset += NONCE_BYTES;
  return nonce;
}
