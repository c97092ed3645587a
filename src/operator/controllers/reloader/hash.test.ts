import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configMapHash, emptyHash, generateSha, secretHash } from './hash.js';

const sha1 = (s: string | Buffer): string => createHash('sha1').update(s).digest('hex');
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/**
 * Reloader's `GetSHAfromSecret`, written again from util.go for the test: Go strings are byte
 * strings, `sort.Strings` compares bytes, `strings.Join(values, ";")`, then SHA-1 hex.
 */
function goSecretSha(data: Record<string, string>): string {
  const values: number[][] = Object.entries(data).map(([k, v]) => [...Buffer.from(k, 'utf8'), 0x3d, ...Buffer.from(v, 'base64')]);
  values.sort((x, y) => {
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = (x[i] ?? 0) - (y[i] ?? 0);
      if (d !== 0) return d;
    }
    return x.length - y.length;
  });
  const joined: number[] = [];
  values.forEach((v, i) => {
    if (i > 0) joined.push(0x3b);
    joined.push(...v);
  });
  return sha1(Buffer.from(joined));
}

describe('Reloader hash', () => {
  it('matches the vectors of Reloader’s own sha_test.go (SHA-1 before #1073, SHA-512/256 after)', () => {
    expect(generateSha('www.stakater.com')).toBe('abd4ed82fb04548388a6cf3c339fd9dc84d275df');
    expect(generateSha('www.stakater.com', 'sha512-256')).toBe('2e9aa975331b22861b4f62b7fcc69b63e001f938361fee3b4ed888adf26a10e3');
    expect(generateSha('', 'sha512-256')).toBe('c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a');
  });

  it('hashes an empty Secret or ConfigMap as the empty string', () => {
    expect(secretHash(undefined)).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(secretHash({})).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(configMapHash(undefined, undefined)).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(emptyHash()).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
    expect(emptyHash('sha512-256')).toBe('c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a');
  });

  it('hashes raw Secret values as sorted key=value entries joined with ";"', () => {
    // Hand-derived: entries "password=s3cret", "user=app" sorted, joined.
    expect(secretHash({ user: b64('app'), password: b64('s3cret') })).toBe(sha1('password=s3cret;user=app'));
    // Sorting is over whole entries: '.' (0x2e) sorts before '=' (0x3d), so "a.b=2" comes first.
    expect(secretHash({ a: b64('1'), 'a.b': b64('2') })).toBe(sha1('a.b=2;a=1'));
    // A value that is not UTF-8 is hashed as its bytes, never re-encoded.
    expect(secretHash({ k: b64(Buffer.from([0xff, 0x00, 0xfe])) })).toBe(sha1(Buffer.from([0x6b, 0x3d, 0xff, 0x00, 0xfe])));
  });

  it('hashes ConfigMap data as text and binaryData as standard base64', () => {
    expect(configMapHash({ 'app.conf': 'héllo=1' }, { 'blob.bin': b64(Buffer.from([0, 1])) })).toBe(sha1('app.conf=héllo=1;blob.bin=AAE='));
    // Unpadded input is re-encoded padded, as Go's StdEncoding does.
    expect(configMapHash(undefined, { b: 'AAE' })).toBe(sha1('b=AAE='));
    expect(configMapHash({ k: 'v' }, undefined, 'sha512-256')).toBe(createHash('sha512-256').update('k=v').digest('hex'));
  });

  it('agrees with an independent transcription of GetSHAfromSecret on arbitrary data', () => {
    const key = fc.stringMatching(/^[-._a-zA-Z0-9]{1,12}$/);
    const value = fc.uint8Array({ maxLength: 24 }).map((u) => Buffer.from(u).toString('base64'));
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (data) => {
        expect(secretHash(data)).toBe(goSecretSha(data));
      }),
    );
  });

  it('changes with the data and not with key order', () => {
    expect(secretHash({ a: b64('1'), b: b64('2') })).toBe(secretHash({ b: b64('2'), a: b64('1') }));
    expect(secretHash({ a: b64('1') })).not.toBe(secretHash({ a: b64('2') }));
  });
});
