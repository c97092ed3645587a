import { describe, expect, it } from 'vitest';
import { combineWrapTtl, effectiveWrapTtl, parseWrapFormat, parseWrapTtl, requestWrapTtl } from './ttl.js';

describe('parseWrapTtl', () => {
  it.each([
    [undefined, 0],
    ['', 0],
    ['0', 0],
    ['0s', 0],
    ['300', 300],
    [' 300 ', 300],
    ['5m', 300],
    ['1h30m', 5400],
    ['90s', 90],
    ['2d', 172800],
    ['1.5h', 5400],
    ['1500ms', 1],
    ['500ms', 1], // never silently "not wrapped"
    ['+60', 60],
  ])('%j -> %d', (input, expected) => {
    expect(parseWrapTtl(input)).toBe(expected);
  });

  it.each([
    ['-1', 'error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative'],
    ['-5m', 'error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative'],
    ['abc', 'error parsing X-Vault-Wrap-TTL header: time: invalid duration "abc"'],
    ['5x', 'error parsing X-Vault-Wrap-TTL header: time: invalid duration "5x"'],
    ['1.5', 'error parsing X-Vault-Wrap-TTL header: time: missing unit in duration "1.5"'],
    ['1.5d', 'error parsing X-Vault-Wrap-TTL header: strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['99999999999999999999', 'error parsing X-Vault-Wrap-TTL header: time: invalid duration "99999999999999999999"'],
  ])('%j is a 400: %s', (input, message) => {
    let caught: unknown;
    try {
      parseWrapTtl(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'ERR_INVALID_REQUEST', message });
  });

  it('reads the lower-cased header from request headers', () => {
    expect(requestWrapTtl({ 'x-vault-wrap-ttl': '2m' })).toBe(120);
    expect(requestWrapTtl({})).toBe(0);
  });
});

describe('parseWrapFormat', () => {
  it('only knows jwt', () => {
    expect(parseWrapFormat('jwt')).toBe('jwt');
    expect(parseWrapFormat('uuid')).toBe('token');
    expect(parseWrapFormat(undefined)).toBe('token');
  });
});

describe('wrap TTL rules', () => {
  it('takes the shorter of the request and backend TTLs', () => {
    expect(combineWrapTtl(0, 0)).toBe(0);
    expect(combineWrapTtl(60, 0)).toBe(60);
    expect(combineWrapTtl(0, 90)).toBe(90);
    expect(combineWrapTtl(60, 90)).toBe(60);
    expect(combineWrapTtl(120, 90)).toBe(90);
  });

  it('denies (never clamps) outside the policy bounds, like Vault', () => {
    expect(effectiveWrapTtl(0, 0, 0)).toBe(0);
    expect(effectiveWrapTtl(300, 0, 0)).toBe(300);
    expect(effectiveWrapTtl(300, 60, 600)).toBe(300);
    expect(effectiveWrapTtl(60, 60, 600)).toBe(60);
    expect(effectiveWrapTtl(600, 60, 600)).toBe(600);
    const denied = { code: 'ERR_PERMISSION_DENIED' };
    expect(() => effectiveWrapTtl(0, 0, 600)).toThrow(expect.objectContaining(denied)); // max requires wrapping
    expect(() => effectiveWrapTtl(0, 1, 0)).toThrow(expect.objectContaining(denied)); // min=1s makes wrapping mandatory
    expect(() => effectiveWrapTtl(601, 60, 600)).toThrow(expect.objectContaining(denied));
    expect(() => effectiveWrapTtl(59, 60, 600)).toThrow(expect.objectContaining(denied));
    expect(() => effectiveWrapTtl(100, 200, 100)).toThrow(expect.objectContaining(denied)); // merged min > max
  });
});
