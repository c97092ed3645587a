/**
 * The one-time-pad encoding of a generated root token (Vault's `sdk/helper/roottoken` and
 * `sdk/helper/xor`), shared by `sys/generate-root` and the CLI's `operator generate-root -decode`.
 *
 * - The OTP is a random base62 string exactly as long as a token: `hvs.` + 24 characters = 28.
 * - `encoded_token` = base64 **without padding** (Go's `RawStdEncoding`) of
 *   `utf8(token) XOR utf8(otp)`, byte by byte; both must have the same length.
 *
 * Pure functions over strings and bytes, with no server imports: the server's
 * `src/server/seal/root-token-otp.ts` re-exports this module and the CLI imports it directly.
 * Errors never include the token, OTP or encoding.
 */
import { randomBase62 } from './random.js';
import { UserError } from './errors.js';

/** Vault's `TokenLength` (24) + `TokenPrefixLength` (`hvs.`, 4). */
export const GENERATE_ROOT_OTP_LENGTH = 28;

/** A fresh OTP: `length` uniformly random base62 characters (Vault's `base62.Random`). */
export function generateOtp(length: number = GENERATE_ROOT_OTP_LENGTH): string {
  return randomBase62(length);
}

/** `a XOR b`; the lengths must match (Vault's `xor.XORBytes`, same message). */
export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength !== b.byteLength) {
    throw new UserError(`length of byte slices is not equivalent: ${a.byteLength} != ${b.byteLength}`);
  }
  const out = new Uint8Array(a.byteLength);
  for (let i = 0; i < a.byteLength; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** Vault's `roottoken.EncodeToken`: unpadded base64 of `token XOR otp`. */
export function encodeGeneratedToken(token: string, otp: string): string {
  if (token.length === 0) throw new UserError('no token provided');
  if (otp.length === 0) throw new UserError('no otp provided');
  const tokenBytes = utf8(token);
  const otpBytes = utf8(otp);
  try {
    const mixed = xorBytes(otpBytes, tokenBytes);
    try {
      return Buffer.from(mixed).toString('base64').replace(/=+$/, '');
    } finally {
      mixed.fill(0);
    }
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`xor of root token failed: ${err.message}`);
    throw err;
  } finally {
    tokenBytes.fill(0);
    otpBytes.fill(0);
  }
}

const BASE64_BODY = /^[A-Za-z0-9+/]*$/;

/** Standard-alphabet base64, padded or not (Vault emits it unpadded); anything else → null. */
function decodeBase64(input: string): Uint8Array | null {
  let body = input.trim();
  if (body.length % 4 === 0) body = body.replace(/={1,2}$/, '');
  if (!BASE64_BODY.test(body) || body.length % 4 === 1) return null;
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/**
 * Vault's `roottoken.DecodeToken` for a non-zero OTP length (the CLI's
 * `operator generate-root -decode=<encoded> -otp=<otp>`): the root token as a string.
 */
export function decodeGeneratedToken(encoded: string, otp: string): string {
  const mixed = decodeBase64(encoded);
  if (mixed === null) throw new UserError("error decoding base64'd token: illegal base64 data");
  const otpBytes = utf8(otp);
  try {
    const tokenBytes = xorBytes(mixed, otpBytes);
    try {
      return Buffer.from(tokenBytes).toString('utf8');
    } finally {
      tokenBytes.fill(0);
    }
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`error xoring token: ${err.message}`);
    throw err;
  } finally {
    mixed.fill(0);
    otpBytes.fill(0);
  }
}
