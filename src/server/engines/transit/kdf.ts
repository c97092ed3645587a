/**
 * Key derivation for `derived` keys, as Vault's keysutil does it:
 *
 * - `kdf: 1` (every key created since Vault 0.8, and by this engine): HKDF-SHA256 with the
 *   version key as input keying material, no salt and the request `context` as info.
 * - `kdf: 0` (older keys, still restorable): NIST SP 800-108 counter mode with HMAC-SHA256,
 *   `HMAC(key, be32(0) ‖ context ‖ be32(256))`, always 32 bytes.
 *
 * Derived ed25519 keys use the first 32 HKDF bytes as the private key seed.
 */
import { createHmac } from 'node:crypto';
import { InternalError, UserError } from '../../../shared/errors.js';
import { supportsDerivation } from './key-types.js';
import { KDF_HKDF_SHA256, KDF_HMAC_SHA256_COUNTER, keyEntry, type Policy } from './policy.js';

export const MISSING_CONTEXT =
  "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key";

/**
 * RFC 5869 HKDF-SHA256 with an empty salt. Written out rather than `crypto.hkdfSync`, which
 * refuses an info (the caller's context) longer than 1024 bytes; Vault takes any length.
 */
export function hkdfSha256(ikm: Uint8Array, info: Uint8Array, length: number): Buffer {
  const prk = createHmac('sha256', Buffer.alloc(32)).update(ikm).digest();
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * 32 < length; i++) {
    previous = createHmac('sha256', prk).update(previous).update(info).update(Buffer.of(i)).digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** Vault's `kdf.CounterMode(HMACSHA256PRF, 256, key, context, 256)`. */
export function counterModeSha256(key: Uint8Array, context: Uint8Array): Buffer {
  const input = Buffer.alloc(4 + context.length + 4);
  input.writeUInt32BE(0, 0);
  Buffer.from(context).copy(input, 4);
  input.writeUInt32BE(256, 4 + context.length);
  return createHmac('sha256', key).update(input).digest();
}

/** Vault's `Policy.DeriveKey(context, nil, ver, numBytes)`. */
export function deriveKey(p: Policy, context: Uint8Array | undefined, version: number, numBytes: number): Buffer {
  if (!supportsDerivation(p.type)) throw new UserError(`derivation not supported for key type ${p.type}`);
  if (version <= 0 || version > p.latestVersion) throw new UserError('invalid key version');
  if (!context || context.length === 0) throw new UserError(MISSING_CONTEXT);
  const entry = keyEntry(p, version);
  if (!entry.key) throw new InternalError('key version has no key material');
  switch (p.kdf) {
    case KDF_HMAC_SHA256_COUNTER:
      return counterModeSha256(entry.key, context);
    case KDF_HKDF_SHA256:
      return hkdfSha256(entry.key, context, numBytes);
    default:
      throw new InternalError('unsupported key derivation mode');
  }
}

/** Vault's `GetKey`: the raw version key, or a derived one for derived policies. */
export function getKey(p: Policy, context: Uint8Array | undefined, version: number, numBytes: number): Buffer {
  if (!p.derived) {
    const key = keyEntry(p, version).key;
    if (!key) throw new InternalError('key version has no key material');
    return key;
  }
  return deriveKey(p, context, version, numBytes);
}
