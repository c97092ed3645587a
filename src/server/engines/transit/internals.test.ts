import { createHash, createHmac, generateKeyPairSync, hkdfSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRawUrl, decodeStd } from './b64.js';
import { decodeDer, encodeDer, signDigest, verifyDigest } from './ec-math.js';
import { counterModeSha256, hkdfSha256 } from './kdf.js';
import { b64urlToBigInt } from './policy.js';
import { parseJsonKeepingBigInts } from './vault-json.js';

describe('Go-compatible base64', () => {
  it('accepts what Go accepts and names the first bad byte as Go does', () => {
    expect(decodeStd('aGVsbG8=').toString()).toBe('hello');
    expect(decodeStd('aGVs\nbG8=').toString()).toBe('hello');
    expect(decodeStd('').length).toBe(0);
    expect(() => decodeStd('aGVsbG8')).toThrow('illegal base64 data at input byte 4');
    expect(() => decodeStd('aGV$bG8=')).toThrow('illegal base64 data at input byte 3');
    expect(() => decodeStd('aGVsbG8=x')).toThrow('illegal base64 data at input byte 7');
    expect(() => decodeStd('aGVsbG8-')).toThrow('illegal base64 data at input byte 7');
    expect(decodeRawUrl('_-8').equals(Buffer.from([0xff, 0xef]))).toBe(true);
    expect(() => decodeRawUrl('ab=')).toThrow('illegal base64 data at input byte 2');
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(decodeStd(Buffer.from(bytes).toString('base64')).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});

describe('KDFs', () => {
  it('HKDF-SHA256 matches RFC 5869 test case 3 (empty salt and info)', () => {
    const okm = hkdfSha256(Buffer.alloc(22, 0x0b), Buffer.alloc(0), 42);
    expect(okm.toString('hex')).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });

  it('HKDF-SHA256 matches node:crypto for contexts node accepts, and takes longer ones', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 1024 }), fc.integer({ min: 1, max: 96 }), (ikm, info, len) => {
        expect(hkdfSha256(ikm, info, len).equals(Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, len)))).toBe(true);
      }),
      { numRuns: 50 },
    );
    expect(hkdfSha256(Buffer.alloc(32, 1), Buffer.alloc(4096, 2), 32).length).toBe(32);
  });

  it('counter mode is one HMAC-SHA256 block over be32(0) ‖ context ‖ be32(256)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (key, context) => {
        const expected = createHmac('sha256', key)
          .update(Buffer.concat([Buffer.of(0, 0, 0, 0), context, Buffer.of(0, 0, 1, 0)]))
          .digest();
        expect(counterModeSha256(key, context).equals(expected)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});

describe('ECDSA over digests', () => {
  for (const [type, curve, hash] of [
    ['ecdsa-p256', 'prime256v1', 'sha256'],
    ['ecdsa-p384', 'secp384r1', 'sha384'],
    ['ecdsa-p521', 'secp521r1', 'sha512'],
  ] as const) {
    it(`${type}: our signatures verify with node:crypto and node’s verify with ours`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const jwk = privateKey.export({ format: 'jwk' });
      const [x, y, d] = [b64urlToBigInt(jwk.x), b64urlToBigInt(jwk.y), b64urlToBigInt(jwk.d)];
      const message = Buffer.from('message');
      const digest = createHash(hash).update(message).digest();
      const ours = signDigest(type, d, digest);
      expect(nodeVerify(hash, message, publicKey, encodeDer(ours))).toBe(true);
      const theirs = decodeDer(nodeSign(hash, message, privateKey));
      expect(theirs?.rest).toBe(0);
      expect(verifyDigest(type, x, y, digest, theirs?.sig ?? { r: 0n, s: 0n })).toBe(true);
      expect(verifyDigest(type, x, y, Buffer.alloc(digest.length), theirs?.sig ?? { r: 0n, s: 0n })).toBe(false);
    });
  }

  it('DER encoding round-trips and rejects trailing garbage as extra data', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 521n) - 1n }), fc.bigInt({ min: 1n, max: (1n << 521n) - 1n }), (r, s) => {
        const der = encodeDer({ r, s });
        expect(decodeDer(der)).toEqual({ sig: { r, s }, rest: 0 });
        expect(decodeDer(Buffer.concat([der, Buffer.of(0)]))?.rest).toBe(1);
      }),
    );
    expect(decodeDer(Buffer.from('3003020101', 'hex'))).toBeNull();
  });
});

describe('JSON with big integers', () => {
  it('keeps integers beyond 2^53 exact and leaves strings alone', () => {
    const big = '123456789012345678901234567890';
    const parsed = parseJsonKeepingBigInts(`{"a":${big},"b":"x ${big} \\" 99999999999999999","c":[1,-${big}],"d":1.5e300}`) as Record<string, unknown>;
    expect(parsed['a']).toBe(big);
    expect(parsed['b']).toBe(`x ${big} " 99999999999999999`);
    expect(parsed['c']).toEqual([1, `-${big}`]);
    expect(parsed['d']).toBe(1.5e300);
  });
});
