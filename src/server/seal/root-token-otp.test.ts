import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UserError } from '../../shared/errors.js';
import { randomBase62 } from '../../shared/random.js';
import {
  GENERATE_ROOT_OTP_LENGTH,
  decodeGeneratedToken,
  encodeGeneratedToken,
  generateOtp,
  xorBytes,
} from './root-token-otp.js';

describe('root token OTP encoding', () => {
  it('generates 28-character base62 OTPs, different each time', () => {
    expect(GENERATE_ROOT_OTP_LENGTH).toBe(28);
    const a = generateOtp();
    const b = generateOtp();
    expect(a).toMatch(/^[0-9A-Za-z]{28}$/);
    expect(b).toMatch(/^[0-9A-Za-z]{28}$/);
    expect(a).not.toBe(b);
    expect(generateOtp(26)).toHaveLength(26);
  });

  it('encodes base64-without-padding(token XOR otp), byte by byte (Vault’s EncodeToken)', () => {
    const token = 'hvs.' + 'a'.repeat(24);
    const otp = 'B'.repeat(28);
    const encoded = encodeGeneratedToken(token, otp);
    const expected = Buffer.from(Buffer.from(token).map((byte, i) => byte ^ otp.charCodeAt(i))).toString('base64').replace(/=+$/, '');
    expect(encoded).toBe(expected);
    // 28 bytes → 38 base64 characters, no padding.
    expect(encoded).toHaveLength(38);
    expect(encoded).not.toContain('=');
  });

  it('round-trips any token/OTP pair of equal length, padded or unpadded input (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), (length) => {
        const token = randomBase62(length);
        const otp = randomBase62(length);
        const encoded = encodeGeneratedToken(token, otp);
        expect(decodeGeneratedToken(encoded, otp)).toBe(token);
        const padded = encoded + '='.repeat((4 - (encoded.length % 4)) % 4);
        expect(decodeGeneratedToken(padded, otp)).toBe(token);
      }),
    );
  });

  it('refuses mismatched lengths and bad input with Vault’s messages, never echoing secrets', () => {
    const token = 'hvs.' + randomBase62(24);
    const otp = randomBase62(27);
    const err = (() => {
      try {
        encodeGeneratedToken(token, otp);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe('xor of root token failed: length of byte slices is not equivalent: 27 != 28');
    expect(() => encodeGeneratedToken('', otp)).toThrow('no token provided');
    expect(() => encodeGeneratedToken(token, '')).toThrow('no otp provided');

    const encoded = encodeGeneratedToken(token, otp + 'x');
    expect(() => decodeGeneratedToken(encoded, otp)).toThrow('error xoring token: length of byte slices is not equivalent: 28 != 27');
    expect(() => decodeGeneratedToken('not base64!', otp)).toThrow("error decoding base64'd token");
    for (const fn of [() => decodeGeneratedToken(encoded, otp), () => encodeGeneratedToken(token, otp)]) {
      try {
        fn();
      } catch (e) {
        expect((e as Error).message).not.toContain(token);
        expect((e as Error).message).not.toContain(otp);
      }
    }
  });

  it('xorBytes is its own inverse', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (a) => {
        const b = new Uint8Array(a.map((x) => (x * 7 + 3) & 0xff));
        expect([...xorBytes(xorBytes(a, b), b)]).toEqual([...a]);
      }),
    );
  });
});
