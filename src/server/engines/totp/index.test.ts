import { describe, expect, it } from 'vitest';
import { UnsupportedPathError, UserError } from '../../../shared/errors.js';
import { type LogicalResponse } from '../../sdk/index.js';
import { createTestBackend } from '../../sdk/testing.js';
import { createTotpFactory } from './index.js';
import { type TotpParams, base32Decode, totp } from './otp.js';
import { parseOtpauthUrl } from './otpauth.js';

const VAULT_SAMPLE_URL = 'otpauth://totp/Google:test@gmail.com?secret=Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G&issuer=Google';
const SAMPLE_KEY = 'Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G';

async function setup(startMs = 1_700_000_000_000) {
  const clock = { ms: startMs };
  const b = await createTestBackend(createTotpFactory({ now: () => clock.ms }), { type: 'totp', path: 'totp/' });
  const data = (resp: LogicalResponse | null): Record<string, unknown> => {
    if (resp?.data === undefined || resp.data === null) throw new Error('expected data');
    return resp.data;
  };
  /** The code the key `secret` has at the clock's time, `shift` seconds away. */
  const codeOf = (secret: string, shift = 0, params: TotpParams = { period: 30, digits: 6, algorithm: 'SHA1' }): string =>
    totp(base32Decode(secret), Math.floor(clock.ms / 1000) + shift, params);
  return { ...b, clock, data, codeOf };
}

async function userError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('totp keys', () => {
  it('generates a key: url and a 200-pixel PNG QR code; reads its settings, never the key', async () => {
    const t = await setup();
    const resp = t.data(await t.request('write', 'keys/my-key', { generate: true, issuer: 'Google', account_name: 'test@gmail.com' }));
    expect(Object.keys(resp).sort()).toEqual(['barcode', 'url']);
    const url = resp['url'] as string;
    expect(url).toMatch(/^otpauth:\/\/totp\/Google:test@gmail\.com\?algorithm=SHA1&digits=6&issuer=Google&period=30&secret=[A-Z2-7]{32}$/);
    const png = Buffer.from(resp['barcode'] as string, 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(200);
    expect(png.readUInt32BE(20)).toBe(200);

    const read = await t.request('read', 'keys/my-key');
    expect(read).toEqual({ data: { account_name: 'test@gmail.com', algorithm: 'SHA1', digits: 6, issuer: 'Google', period: 30 } });
    const secret = parseOtpauthUrl(url).secret as string;
    expect(JSON.stringify(read)).not.toContain(secret);
    expect(t.data(await t.request('read', 'code/my-key'))).toEqual({ code: t.codeOf(secret) });
  });

  it('honours key_size, qr_size, exported and the other settings', async () => {
    const t = await setup();
    const small = t.data(
      await t.request('write', 'keys/a', { generate: true, issuer: 'I', account_name: 'A', key_size: 10, qr_size: 64, digits: 8, algorithm: 'SHA512', period: '1m' }),
    );
    expect(small['url']).toMatch(/^otpauth:\/\/totp\/I:A\?algorithm=SHA512&digits=8&issuer=I&period=60&secret=[A-Z2-7]{16}$/);
    expect(Buffer.from(small['barcode'] as string, 'base64').readUInt32BE(16)).toBe(64);
    const secret = parseOtpauthUrl(small['url'] as string).secret as string;
    expect(t.data(await t.request('read', 'code/a'))['code']).toBe(t.codeOf(secret, 0, { period: 60, digits: 8, algorithm: 'SHA512' }));

    expect(t.data(await t.request('write', 'keys/b', { generate: true, issuer: 'I', account_name: 'A', qr_size: 0 }))).toEqual({
      url: expect.stringMatching(/^otpauth:\/\/totp\/I:A\?/) as unknown,
    });
    const largest = t.data(await t.request('write', 'keys/d', { generate: true, issuer: 'I', account_name: 'A', key_size: 256, qr_size: 1024 }));
    expect(parseOtpauthUrl(largest['url'] as string).secret).toHaveLength(Math.ceil((256 * 8) / 5));
    expect(Buffer.from(largest['barcode'] as string, 'base64').readUInt32BE(16)).toBe(1024);
    expect(await t.request('write', 'keys/c', { generate: true, issuer: 'I', account_name: 'A', exported: false })).toBeNull();
    expect(t.data(await t.request('read', 'code/c'))['code']).toMatch(/^\d{6}$/);
  });

  it("imports Vault's sample URL", async () => {
    const t = await setup();
    expect(await t.request('write', 'keys/my-key', { url: VAULT_SAMPLE_URL })).toBeNull();
    expect(t.data(await t.request('read', 'keys/my-key'))).toEqual({ account_name: 'test@gmail.com', algorithm: 'SHA1', digits: 6, issuer: 'Google', period: 30 });
    expect(t.data(await t.request('read', 'code/my-key'))['code']).toBe(t.codeOf(SAMPLE_KEY));
  });

  it('lets URL parameters override the fields, as Vault does', async () => {
    const t = await setup();
    await t.request('write', 'keys/k', {
      url: 'otpauth://totp/Label:bob?secret=MZXW6YTBOI&period=60&digits=8&algorithm=SHA256',
      issuer: 'ignored',
      account_name: 'ignored',
      key: 'AAAAAAAA',
      period: 15,
      digits: 6,
    });
    expect(t.data(await t.request('read', 'keys/k'))).toEqual({ account_name: 'bob', algorithm: 'SHA256', digits: 8, issuer: 'Label', period: 60 });
    expect(t.data(await t.request('read', 'code/k'))['code']).toBe(t.codeOf('MZXW6YTBOI', 0, { period: 60, digits: 8, algorithm: 'SHA256' }));
  });

  it('imports a base32 key in any case, padded or in groups', async () => {
    const t = await setup();
    await t.request('write', 'keys/k', { key: 'y64v evmb tsxc yiwr shrn dzw6 2mpg vu2g', issuer: 'I', account_name: 'A' });
    expect(t.data(await t.request('read', 'code/k'))['code']).toBe(t.codeOf(SAMPLE_KEY));
    await t.request('write', 'keys/p', { key: 'MZXW6YTBOI======' });
    expect(t.data(await t.request('read', 'code/p'))['code']).toBe(t.codeOf('MZXW6YTBOI'));
  });

  it('lists and deletes keys; a missing key reads as not found', async () => {
    const t = await setup();
    expect(await t.request('list', 'keys/')).toEqual({ data: { keys: [] } });
    await t.request('write', 'keys/b', { key: SAMPLE_KEY });
    await t.request('write', 'keys/a@example.com', { key: SAMPLE_KEY });
    expect(await t.request('list', 'keys')).toEqual({ data: { keys: ['a@example.com', 'b'] } });
    expect(await t.request('delete', 'keys/b')).toBeNull();
    expect(await t.request('delete', 'keys/b')).toBeNull();
    expect(await t.request('read', 'keys/b')).toBeNull();
    expect(await t.request('list', 'keys')).toEqual({ data: { keys: ['a@example.com'] } });
  });

  it.each([
    ['generate with a key', { generate: true, issuer: 'I', account_name: 'A', key: SAMPLE_KEY }, 'a key should not be passed if generate is true'],
    ['generate with a url', { generate: true, issuer: 'I', account_name: 'A', url: VAULT_SAMPLE_URL }, 'a url should not be passed if generate is true'],
    ['generate without account_name', { generate: true, issuer: 'I' }, 'the account_name value is required for generated keys'],
    ['generate without issuer', { generate: true, account_name: 'A' }, 'the issuer value is required for generated keys'],
    ['import without key or url', { issuer: 'I' }, 'the key value is required'],
    ['a URL without secret', { url: 'otpauth://totp/a:b?issuer=a' }, 'the key value is required'],
    ['7 digits', { key: SAMPLE_KEY, digits: 7 }, 'the digits value can only be 6 or 8'],
    ['digits in the URL', { url: 'otpauth://totp/a:b?secret=AA&digits=7' }, 'the digits value can only be 6 or 8'],
    ['MD5', { key: SAMPLE_KEY, algorithm: 'MD5' }, 'the algorithm value is not valid: must be one of SHA1, SHA256, SHA512'],
    ['period 0', { key: SAMPLE_KEY, period: 0 }, 'the period value must be greater than zero'],
    ['a negative period', { key: SAMPLE_KEY, period: '-30s' }, 'the period value must be greater than zero'],
    ['a period in the URL that is not a number', { url: 'otpauth://totp/a:b?secret=AA&period=soon' }, 'an error occurred while parsing period value in url'],
    ['skew 2', { key: SAMPLE_KEY, skew: 2 }, 'the skew value must be 0 or 1'],
    ['a negative qr_size', { generate: true, issuer: 'I', account_name: 'A', qr_size: -1 }, 'the qr_size value must be greater than or equal to zero'],
    ['a huge qr_size', { generate: true, issuer: 'I', account_name: 'A', qr_size: 100000 }, 'the qr_size value must be at most 1024'],
    ['key_size 0', { generate: true, issuer: 'I', account_name: 'A', key_size: 0 }, 'the key_size value must be greater than zero'],
    ['a huge key_size', { generate: true, issuer: 'I', account_name: 'A', key_size: 1_000_000_000 }, 'the key_size value must be at most 256'],
    ['an http URL', { url: 'https://example.com/?secret=AA' }, 'an error occurred while parsing url string: the scheme must be otpauth://'],
    ['an issuer too long for a QR code', { generate: true, issuer: 'x'.repeat(3000), account_name: 'A' }, 'the key URL does not fit in a QR code: lower key_size or set qr_size to 0'],
  ])('answers 400 for %s', async (_name, body, message) => {
    const t = await setup();
    expect(await userError(t.request('write', 'keys/k', body))).toBe(message);
    expect(await t.request('read', 'keys/k')).toBeNull();
  });

  it('reports a bad base32 key without echoing it', async () => {
    const t = await setup();
    const message = await userError(t.request('write', 'keys/k', { key: 'SECRET1SECRET' }));
    expect(message).toMatch(/^invalid key value: illegal base32 data/);
    expect(message).not.toContain('SECRET1SECRET');
  });

  it('answers 400 "Field validation failed" for values of the wrong type', async () => {
    const t = await setup();
    expect(await userError(t.request('write', 'keys/k', { key: SAMPLE_KEY, digits: 'six' }))).toMatch(/^Field validation failed: .*"digits"/);
    expect(await userError(t.request('write', 'keys/k', { key: SAMPLE_KEY, generate: 'maybe' }))).toMatch(/"generate"/);
  });

  it('leaves the stored key intact when an update is refused', async () => {
    const t = await setup();
    await t.request('write', 'keys/k', { key: SAMPLE_KEY, issuer: 'Old' });
    await userError(t.request('write', 'keys/k', { key: 'MZXW6YTBOI', digits: 9 }));
    await userError(t.request('write', 'keys/k', { generate: true, issuer: 'x'.repeat(3000), account_name: 'A' }));
    expect(t.data(await t.request('read', 'keys/k'))['issuer']).toBe('Old');
    expect(t.data(await t.request('read', 'code/k'))['code']).toBe(t.codeOf(SAMPLE_KEY));
  });

  it('does not serve names outside Vault’s pattern', async () => {
    const t = await setup();
    await expect(t.request('write', 'keys/-bad', { key: SAMPLE_KEY })).rejects.toThrow(UnsupportedPathError);
    await expect(t.request('read', 'code/a/b')).rejects.toThrow(UnsupportedPathError);
  });
});

describe('totp codes', () => {
  it('validates the current code once; a replay is refused within its window', async () => {
    const t = await setup();
    await t.request('write', 'keys/k', { key: SAMPLE_KEY });
    const code = t.codeOf(SAMPLE_KEY);
    expect(t.data(await t.request('write', 'code/k', { code }))).toEqual({ valid: true });
    expect(await userError(t.request('write', 'code/k', { code }))).toBe('code already used; wait until the next time period');
    // Still remembered until period * (2 + skew) = 90 s have passed.
    t.clock.ms += 89_000;
    expect(await userError(t.request('write', 'code/k', { code: ` ${code} ` }))).toBe('code already used; wait until the next time period');
    t.clock.ms += 1_000;
    expect(t.data(await t.request('write', 'code/k', { code }))).toEqual({ valid: false });
  });

  it('accepts the previous and next periods with skew 1 (the default), not with skew 0', async () => {
    const t = await setup();
    await t.request('write', 'keys/skewed', { key: SAMPLE_KEY });
    await t.request('write', 'keys/strict', { key: SAMPLE_KEY, skew: 0 });
    expect(t.data(await t.request('write', 'code/skewed', { code: t.codeOf(SAMPLE_KEY, -30) }))).toEqual({ valid: true });
    expect(t.data(await t.request('write', 'code/skewed', { code: t.codeOf(SAMPLE_KEY, 30) }))).toEqual({ valid: true });
    expect(t.data(await t.request('write', 'code/skewed', { code: t.codeOf(SAMPLE_KEY, 60) }))).toEqual({ valid: false });
    expect(t.data(await t.request('write', 'code/strict', { code: t.codeOf(SAMPLE_KEY, -30) }))).toEqual({ valid: false });
    expect(t.data(await t.request('write', 'code/strict', { code: t.codeOf(SAMPLE_KEY) }))).toEqual({ valid: true });
  });

  it('remembers used codes per key', async () => {
    const t = await setup();
    await t.request('write', 'keys/a', { key: SAMPLE_KEY });
    await t.request('write', 'keys/b', { key: SAMPLE_KEY });
    const code = t.codeOf(SAMPLE_KEY);
    expect(t.data(await t.request('write', 'code/a', { code }))).toEqual({ valid: true });
    expect(t.data(await t.request('write', 'code/b', { code }))).toEqual({ valid: true });
  });

  it('records wrong codes too (as Vault does), and refuses two concurrent submissions of one code', async () => {
    const t = await setup();
    await t.request('write', 'keys/k', { key: SAMPLE_KEY });
    const wrong = t.codeOf(SAMPLE_KEY) === '000000' ? '111111' : '000000';
    expect(t.data(await t.request('write', 'code/k', { code: wrong }))).toEqual({ valid: false });
    expect(await userError(t.request('write', 'code/k', { code: wrong }))).toBe('code already used; wait until the next time period');
    const code = t.codeOf(SAMPLE_KEY);
    const results = await Promise.allSettled([t.request('write', 'code/k', { code }), t.request('write', 'code/k', { code })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('answers 400 for a missing code or an unknown key', async () => {
    const t = await setup();
    await t.request('write', 'keys/k', { key: SAMPLE_KEY });
    expect(await userError(t.request('write', 'code/k', {}))).toBe('the code value is required');
    expect(await userError(t.request('write', 'code/k', { code: '  ' }))).toBe('the code value is required');
    expect(await userError(t.request('write', 'code/nope', { code: '123456' }))).toBe('unknown key: nope');
    expect(await userError(t.request('read', 'code/nope'))).toBe('unknown key: nope');
  });

  it('treats a code of the wrong length as invalid', async () => {
    const t = await setup();
    await t.request('write', 'keys/k', { key: SAMPLE_KEY });
    expect(t.data(await t.request('write', 'code/k', { code: '12345' }))).toEqual({ valid: false });
    expect(t.data(await t.request('write', 'code/k', { code: 12345678 }))).toEqual({ valid: false });
  });
});
