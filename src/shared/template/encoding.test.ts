import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, base64Decode, base64Encode, hexDecode, hexEncode } from './encoding.js';

describe('base64 (Go StdEncoding)', () => {
  it.each<[string, string]>([
    ['', ''],
    ['Zg==', 'f'],
    ['Zm8=', 'fo'],
    ['Zm9v', 'foo'],
    ['Zm9vYg==', 'foob'],
    ['Zm9v\r\nYmFy', 'foobar'],
  ])('decodes %j', (input, want) => {
    expect(base64Decode(input).toString()).toBe(want);
  });

  it.each<[string, number]>([
    ['Zg', 0],
    ['Zg=', 3],
    ['Zm9', 0],
    ['Z===', 1],
    ['Zm9v!', 4],
    ['Zg==Zg==', 4],
    ['Zm-v', 2],
    ['éé', 0],
  ])('rejects %j at byte %d', (input, offset) => {
    expect(() => base64Decode(input)).toThrow(`illegal base64 data at input byte ${offset}`);
  });

  it('round-trips bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        expect(base64Decode(base64Encode(bytes)).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});

describe('base32 (Go StdEncoding)', () => {
  it.each<[string, string]>([
    ['', ''],
    ['f', 'MY======'],
    ['fo', 'MZXQ===='],
    ['foo', 'MZXW6==='],
    ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI======'],
  ])('encodes %j (RFC 4648 vectors)', (plain, encoded) => {
    expect(base32Encode(plain)).toBe(encoded);
    expect(base32Decode(encoded).toString()).toBe(plain);
  });

  it('rejects bad input', () => {
    expect(() => base32Decode('MZXW6YT')).toThrow('illegal base32 data at input byte 0');
    expect(() => base32Decode('MZXW6YT1')).toThrow('illegal base32 data at input byte 7');
    expect(() => base32Decode('M=======')).toThrow('illegal base32 data');
  });

  it('round-trips bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        expect(base32Decode(base32Encode(bytes)).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
});

describe('hex', () => {
  it('decodes strictly', () => {
    expect(hexDecode('48656C6c6f').toString()).toBe('Hello');
    expect(hexEncode('Hello')).toBe('48656c6c6f');
    expect(() => hexDecode('4g')).toThrow('encoding/hex: invalid byte');
    expect(() => hexDecode('486')).toThrow('encoding/hex: odd length hex string');
    expect(() => hexDecode('48g')).toThrow('encoding/hex: invalid byte');
  });
});
