/**
 * Shamir split/combine of the root key over GF(2^8), via `shamir-secret-sharing` (its share layout
 * is Vault's: the secret's bytes followed by a one-byte x-coordinate, so a 32-byte key gives 33-byte
 * shares). With one share Vault hands out the root key itself (32 bytes, 64 hex chars); so do we.
 *
 * Validation and messages follow Vault's `SealConfig.Validate` (`vault/seal_config.go`), prefixed
 * as `vault/init.go` does: `invalid seal configuration: <reason>`.
 */
import { combine, split } from 'shamir-secret-sharing';
import { InternalError, UserError } from '../../shared/errors.js';

export const ROOT_KEY_BYTES = 32;
/** Bytes a share adds to the secret (the x-coordinate). */
export const SHARE_OVERHEAD = 1;
export const MAX_SHARES = 255;

/** Vault's `ErrInvalidKey`: `invalid key: <reason>`, answered with 400. */
export class InvalidUnsealKeyError extends UserError {
  constructor(reason: string) {
    super(`invalid key: ${reason}`);
  }
}

/** Throws `UserError('invalid seal configuration: …')` unless 1 ≤ threshold ≤ shares ≤ 255 and threshold ≥ 2 when shares > 1. */
export function validateShamirConfig(shares: number, threshold: number): void {
  const fail = (reason: string): never => {
    throw new UserError(`invalid seal configuration: ${reason}`);
  };
  if (!Number.isInteger(shares)) fail('shares must be an integer');
  if (!Number.isInteger(threshold)) fail('threshold must be an integer');
  if (shares < 1) fail('shares must be at least one');
  if (threshold < 1) fail('threshold must be at least one');
  if (shares > 1 && threshold === 1) fail('threshold must be greater than one for multiple shares');
  if (shares > MAX_SHARES) fail('shares must be less than 256');
  if (threshold > MAX_SHARES) fail('threshold must be less than 256');
  if (threshold > shares) fail('threshold cannot be larger than shares');
}

/**
 * Splits the 32-byte root key into `shares` unseal keys, any `threshold` of which recombine it.
 * `shares = 1` returns a copy of the key itself.
 */
export async function splitRootKey(rootKey: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
  validateShamirConfig(shares, threshold);
  if (rootKey.byteLength !== ROOT_KEY_BYTES) {
    throw new InternalError(`seal: root key must be ${ROOT_KEY_BYTES} bytes`);
  }
  if (shares === 1) return [new Uint8Array(rootKey)];
  // The library insists on a plain Uint8Array (not a Buffer); give it a copy and wipe it after.
  const secret = new Uint8Array(rootKey);
  try {
    return await split(secret, shares, threshold);
  } finally {
    secret.fill(0);
  }
}

/**
 * Recombines unseal keys into a candidate root key. One key is returned as is (copied): that is
 * the `shares = 1` case. Fewer than `threshold` distinct shares yield a wrong key, not an error;
 * the barrier's unseal is what rejects it. Shares of mixed lengths or repeated x-coordinates throw
 * `InvalidUnsealKeyError` in Vault's wording (`invalid key: failed to compute combined key: …`).
 */
export async function combineShares(shares: readonly Uint8Array[]): Promise<Uint8Array> {
  const first = shares[0];
  if (first === undefined) throw new InvalidUnsealKeyError('no key shares given');
  if (shares.length === 1) return new Uint8Array(first);
  if (shares.length > MAX_SHARES) throw new InvalidUnsealKeyError('failed to compute combined key: too many shares');
  const copies = shares.map((share) => new Uint8Array(share));
  try {
    return await combine(copies);
  } catch (err) {
    // The library's messages describe lengths and duplicates, never share bytes.
    const reason = err instanceof Error ? err.message : 'invalid shares';
    throw new InvalidUnsealKeyError(`failed to compute combined key: ${reason}`);
  } finally {
    for (const copy of copies) copy.fill(0);
  }
}
