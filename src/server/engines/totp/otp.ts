/**
 * HOTP (RFC 4226) and TOTP (RFC 6238) over `node:crypto`, and the unpadded base32 (RFC 4648)
 * that authenticator apps use for keys. Mirrors `github.com/pquerna/otp`, which Vault uses:
 * the counter is `floor(unix seconds / period)`, skew checks the counter, then one period
 * ahead, then one behind, and codes are compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export type TotpAlgorithm = (typeof TOTP_ALGORITHMS)[number];

const HMAC_NAME: Record<TotpAlgorithm, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

export function isTotpAlgorithm(value: string): value is TotpAlgorithm {
  return (TOTP_ALGORITHMS as readonly string[]).includes(value);
}

/** The HOTP value of `counter`: `digits` decimal digits, zero-padded. */
export function hotp(key: Uint8Array, counter: bigint, digits: number, algorithm: TotpAlgorithm): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt.asUintN(64, counter));
  const mac = createHmac(HMAC_NAME[algorithm], key).update(message).digest();
  // Dynamic truncation (RFC 4226 §5.3).
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = (((mac[offset] ?? 0) & 0x7f) << 24) | ((mac[offset + 1] ?? 0) << 16) | ((mac[offset + 2] ?? 0) << 8) | (mac[offset + 3] ?? 0);
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export interface TotpParams {
  readonly period: number;
  readonly digits: number;
  readonly algorithm: TotpAlgorithm;
}

/** The TOTP counter of a moment (Unix seconds). */
export function totpCounter(unixSeconds: number, period: number): bigint {
  return BigInt(Math.floor(unixSeconds / period));
}

/** The TOTP code for a moment (Unix seconds). */
export function totp(key: Uint8Array, unixSeconds: number, params: TotpParams): string {
  return hotp(key, totpCounter(unixSeconds, params.period), params.digits, params.algorithm);
}

/**
 * Whether `code` is the TOTP code of the current period or, with `skew` 1, of the next or
 * previous one. A code of the wrong length is simply invalid. Every candidate is compared,
 * in constant time, so the answer's timing says nothing about which one matched.
 */
export function validateTotp(code: string, key: Uint8Array, unixSeconds: number, params: TotpParams & { readonly skew: number }): boolean {
  const given = Buffer.from(code.trim());
  if (given.length !== params.digits) return false;
  const counter = totpCounter(unixSeconds, params.period);
  const counters = [counter];
  for (let i = 1n; i <= BigInt(params.skew); i++) counters.push(counter + i, counter - i);
  let valid = false;
  for (const c of counters) {
    if (c < 0n) continue;
    const expected = Buffer.from(hotp(key, c, params.digits, params.algorithm));
    valid = timingSafeEqual(expected, given) || valid;
  }
  return valid;
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding (as in otpauth URLs). */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes base32 the way Vault accepts keys: case-insensitive, padding optional. Whitespace
 * is ignored too (apps show keys in groups of four). Throws an `Error` with a short reason
 * that never quotes the input (it is a secret).
 */
export function base32Decode(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '').toUpperCase().replace(/=+$/, '');
  // A final group of 1, 3 or 6 characters cannot come from whole bytes.
  if ([1, 3, 6].includes(compact.length % 8)) throw new Error('illegal base32 data: wrong length');
  const out = new Uint8Array(Math.floor((compact.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (let i = 0; i < compact.length; i++) {
    const value = BASE32_ALPHABET.indexOf(compact[i] as string);
    if (value === -1) throw new Error(`illegal base32 data at input byte ${i}`);
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}
