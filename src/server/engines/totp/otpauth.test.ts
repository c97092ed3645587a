import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatOtpauthUrl, parseOtpauthUrl } from './otpauth.js';

describe('formatOtpauthUrl', () => {
  it("writes Vault's URL: sorted parameters, issuer:account label", () => {
    expect(
      formatOtpauthUrl({ issuer: 'Google', accountName: 'test@gmail.com', secret: 'HTXT7KJFVNAJUPYWQRWMNVQE5AF5YZI2', period: 30, digits: 6, algorithm: 'SHA1' }),
    ).toBe('otpauth://totp/Google:test@gmail.com?algorithm=SHA1&digits=6&issuer=Google&period=30&secret=HTXT7KJFVNAJUPYWQRWMNVQE5AF5YZI2');
  });

  it('escapes like Go: %20 for spaces, UTF-8 bytes, "?" and "#" in the label', () => {
    expect(formatOtpauthUrl({ issuer: 'ACME Co', accountName: 'jöhn?#', secret: 'AA', period: 60, digits: 8, algorithm: 'SHA256' })).toBe(
      'otpauth://totp/ACME%20Co:j%C3%B6hn%3F%23?algorithm=SHA256&digits=8&issuer=ACME%20Co&period=60&secret=AA',
    );
  });

  it('escapes "&", "=" and "+" in parameters (where Go does not), so they read back', () => {
    const url = formatOtpauthUrl({ issuer: 'R&D+1=2', accountName: 'a', secret: 'AA', period: 30, digits: 6, algorithm: 'SHA1' });
    expect(url).toBe('otpauth://totp/R&D+1=2:a?algorithm=SHA1&digits=6&issuer=R%26D%2B1%3D2&period=30&secret=AA');
    expect(parseOtpauthUrl(url).issuer).toBe('R&D+1=2');
  });
});

describe('parseOtpauthUrl', () => {
  it("reads Vault's sample URL", () => {
    expect(parseOtpauthUrl('otpauth://totp/Google:test@gmail.com?secret=Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G&issuer=Google')).toEqual({
      issuer: 'Google',
      accountName: 'test@gmail.com',
      secret: 'Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G',
    });
  });

  it('takes the issuer from the label when there is no parameter, and prefers the parameter', () => {
    expect(parseOtpauthUrl('otpauth://totp/Label%20Co:bob?secret=AA')).toEqual({ issuer: 'Label Co', accountName: 'bob', secret: 'AA' });
    expect(parseOtpauthUrl('otpauth://totp/Label:bob?issuer=Param&secret=AA').issuer).toBe('Param');
    expect(parseOtpauthUrl('otpauth://totp/bob?secret=AA')).toEqual({ accountName: 'bob', secret: 'AA' });
  });

  it('returns period, digits and algorithm as written', () => {
    expect(parseOtpauthUrl('otpauth://totp/a:b?period=60&digits=8&algorithm=SHA512&secret=AA')).toEqual({
      issuer: 'a',
      accountName: 'b',
      secret: 'AA',
      period: '60',
      digits: '8',
      algorithm: 'SHA512',
    });
  });

  it.each([
    ['not a URL', 'not a url', 'not a valid URL'],
    ['another scheme', 'https://totp/a:b?secret=AA', 'the scheme must be otpauth://'],
    ['an HOTP URL', 'otpauth://hotp/a:b?secret=AA&counter=1', 'only otpauth://totp/ URLs are supported'],
    ['a broken escape', 'otpauth://totp/a%E0%A4%A:b?secret=AA', 'the label is not correctly percent-encoded'],
  ])('refuses %s, without quoting it', (_name, url, message) => {
    expect(() => parseOtpauthUrl(url)).toThrow(message);
  });

  it('reads back what formatOtpauthUrl writes (property)', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(
        text.filter((s) => !s.includes(':')),
        text,
        fc.integer({ min: 1, max: 3600 }),
        fc.constantFrom(6, 8),
        fc.constantFrom('SHA1', 'SHA256', 'SHA512'),
        (issuer, accountName, period, digits, algorithm) => {
          const url = formatOtpauthUrl({ issuer, accountName, secret: 'MZXW6YTBOI', period, digits, algorithm });
          expect(parseOtpauthUrl(url)).toEqual({ issuer, accountName, secret: 'MZXW6YTBOI', period: String(period), digits: String(digits), algorithm });
        },
      ),
    );
  });
});
