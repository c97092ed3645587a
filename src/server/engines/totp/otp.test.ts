import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, totp, validateTotp } from './otp.js';

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'ascii'));

describe('hotp (RFC 4226 Appendix D)', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  it.each(expected.map((code, counter) => [counter, code] as const))('counter %i → %s', (counter, code) => {
    expect(hotp(ascii('12345678901234567890'), BigInt(counter), 6, 'SHA1')).toBe(code);
  });
});

describe('totp (RFC 6238 Appendix B)', () => {
  const seeds = {
    SHA1: ascii('12345678901234567890'),
    SHA256: ascii('12345678901234567890123456789012'),
    SHA512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
  } as const;
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  it.each(vectors)('T=%i: SHA1 %s, SHA256 %s, SHA512 %s', (time, sha1, sha256, sha512) => {
    expect(totp(seeds.SHA1, time, { period: 30, digits: 8, algorithm: 'SHA1' })).toBe(sha1);
    expect(totp(seeds.SHA256, time, { period: 30, digits: 8, algorithm: 'SHA256' })).toBe(sha256);
    expect(totp(seeds.SHA512, time, { period: 30, digits: 8, algorithm: 'SHA512' })).toBe(sha512);
  });

  it('six digits are the last six of eight', () => {
    expect(totp(seeds.SHA1, 59, { period: 30, digits: 6, algorithm: 'SHA1' })).toBe('287082');
  });
});

describe('validateTotp', () => {
  const key = ascii('12345678901234567890');
  const params = { period: 30, digits: 8, algorithm: 'SHA1' } as const;
  const at = (t: number): string => totp(key, t, params);

  it('accepts the current code, and with skew 1 the previous and next ones only', () => {
    const now = 1111111111;
    expect(validateTotp(at(now), key, now, { ...params, skew: 0 })).toBe(true);
    expect(validateTotp(at(now - 30), key, now, { ...params, skew: 0 })).toBe(false);
    expect(validateTotp(at(now - 30), key, now, { ...params, skew: 1 })).toBe(true);
    expect(validateTotp(at(now + 30), key, now, { ...params, skew: 1 })).toBe(true);
    expect(validateTotp(at(now - 60), key, now, { ...params, skew: 1 })).toBe(false);
    expect(validateTotp(at(now + 60), key, now, { ...params, skew: 1 })).toBe(false);
  });

  it('trims the code, and refuses codes of the wrong length or content', () => {
    expect(validateTotp(` ${at(59)}\n`, key, 59, { ...params, skew: 0 })).toBe(true);
    expect(validateTotp(at(59).slice(1), key, 59, { ...params, skew: 0 })).toBe(false);
    expect(validateTotp(`${at(59)}0`, key, 59, { ...params, skew: 0 })).toBe(false);
    expect(validateTotp('abcdefgh', key, 59, { ...params, skew: 0 })).toBe(false);
    expect(validateTotp('é234567', key, 59, { ...params, skew: 0 })).toBe(false);
  });

  it('does not look before the epoch', () => {
    expect(validateTotp(at(0), key, 10, { ...params, skew: 1 })).toBe(true);
  });
});

describe('base32', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('RFC 4648 vector %j ↔ %s', (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded);
    expect(Buffer.from(base32Decode(encoded)).toString('ascii')).toBe(plain);
  });

  it('decodes lower case, padding and spaced groups', () => {
    expect(Buffer.from(base32Decode('mzxw6ytboi======')).toString()).toBe('foobar');
    expect(Buffer.from(base32Decode('MZXW 6YTB OI')).toString()).toBe('foobar');
  });

  it.each([
    ['an invalid character', 'MZXW1YTB', /illegal base32 data at input byte 4/],
    ['an impossible length', 'MZX', /wrong length/],
  ])('refuses %s without quoting the input', (_name, input, message) => {
    expect(() => base32Decode(input)).toThrow(message);
    try {
      base32Decode(input);
    } catch (err) {
      expect((err as Error).message).not.toContain(input);
    }
  });

  it('round-trips any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const encoded = base32Encode(bytes);
        expect(encoded).toMatch(/^[A-Z2-7]*$/);
        expect(encoded).toHaveLength(Math.ceil((bytes.length * 8) / 5));
        expect(base32Decode(encoded)).toEqual(bytes);
      }),
    );
  });
});
