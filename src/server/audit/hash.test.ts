import { describe, expect, it } from 'vitest';
import { createHasher, generateSalt, hashStructure, hmacSha256Hex, identifiedHmac } from './hash.js';

const SALT = '8c5f3b1e-2d4a-4c6b-9e7f-0a1b2c3d4e5f';
const h = createHasher(SALT);

describe('HMAC', () => {
  it('is HMAC-SHA256 keyed by the salt string (RFC 4231 test case 2)', () => {
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('renders hmac-sha256:<hex> with a UUID salt, as Vault logs it (vectors from openssl dgst -hmac)', () => {
    expect(identifiedHmac(SALT, 'my-secret-value')).toBe(
      'hmac-sha256:ac447b9a051d416e9d26807196c6c3555aa100efd224e6cb5446f716e698dad8',
    );
    expect(identifiedHmac(SALT, '')).toBe('hmac-sha256:94bbda2eb599443220e6e1bea7bb1a9d3ae84a6f47080257d8d5c7374be53659');
    expect(identifiedHmac('sält', 'pässwörd')).toBe(
      'hmac-sha256:ba692488d3cd004cd832e331da8ae788bb8857402c64d39849870f350119646a',
    );
    expect(h('my-secret-value')).toBe(identifiedHmac(SALT, 'my-secret-value'));
  });

  it('generates UUID salts, different every time', () => {
    const a = generateSalt();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(generateSalt()).not.toBe(a);
  });
});

describe('hashStructure', () => {
  it('hashes every string value, recursively, and keeps keys, numbers, booleans and nulls', () => {
    const input = {
      password: 'hunter2',
      ttl: 3600,
      renewable: true,
      nothing: null,
      nested: { username: 'alice', count: 2, deeper: { token: 's.abc' } },
      keys: ['a', 'b', { inner: 'c' }, 7, false],
      empty: '',
    };
    expect(hashStructure(input, SALT)).toEqual({
      password: h('hunter2'),
      ttl: 3600,
      renewable: true,
      nothing: null,
      nested: { username: h('alice'), count: 2, deeper: { token: h('s.abc') } },
      keys: [h('a'), h('b'), { inner: h('c') }, 7, false],
      empty: h(''),
    });
  });

  it('never modifies its input', () => {
    const input = { a: 'x', b: ['y'], c: { d: 'z' } };
    const copy = structuredClone(input);
    hashStructure(input, SALT);
    expect(input).toEqual(copy);
  });

  it('leaves the strings directly under a non-HMAC key raw (and in arrays under it), not nested maps', () => {
    const out = hashStructure(
      { keep: 'raw', list: ['r1', 'r2', { keep: 'raw too', other: 'hashed' }], parent: { child: 'hashed' }, other: 'hashed' },
      SALT,
      { nonHmacKeys: ['keep', 'list', 'parent'] },
    );
    expect(out).toEqual({
      keep: 'raw',
      list: ['r1', 'r2', { keep: 'raw too', other: h('hashed') }],
      parent: { child: h('hashed') },
      other: h('hashed'),
    });
  });

  it('renders dates as RFC3339Nano without hashing them and leaves byte arrays alone', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const out = hashStructure({ when: new Date('2024-05-06T07:08:09.120Z'), bytes }, SALT);
    expect(out).toEqual({ when: '2024-05-06T07:08:09.12Z', bytes });
  });

  it('accepts a hash function instead of a salt, and refuses circular structures', () => {
    expect(hashStructure({ a: 'x' }, (s) => `H(${s})`)).toEqual({ a: 'H(x)' });
    const loop: Record<string, unknown> = {};
    loop['self'] = loop;
    expect(() => hashStructure(loop, SALT)).toThrow(/circular/);
  });
});
