import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InternalError } from '../../shared/errors.js';
import {
  BarrierDecryptError,
  MIN_VALUE_BYTES,
  decryptValue,
  encryptValue,
  readTerm,
} from './format.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const seq = (from: number, count: number): Uint8Array => Uint8Array.from({ length: count }, (_, i) => from + i);

// Key 00..1f. Expected bytes were computed independently with Python's `cryptography`
// (AESGCM(key).encrypt(nonce, plaintext, path.encode())), prefixed with term and version.
const KEY = seq(0, 32);
const VECTORS = [
  {
    name: 'short value, term 1',
    term: 1,
    path: 'secret/foo',
    plaintext: new TextEncoder().encode('hello'),
    nonce: seq(0xa0, 12),
    value: '00000001' + '02' + 'a0a1a2a3a4a5a6a7a8a9aaab' + '8e7d10412a' + 'e1b1a3ce289888c159c30ea95de98d89',
  },
  {
    name: 'empty value, large term, zero nonce',
    term: 0x01020304,
    path: 'core/keyring',
    plaintext: new Uint8Array(0),
    nonce: new Uint8Array(12),
    value: '01020304' + '02' + '000000000000000000000000' + 'fa4ed4fce4d8159c5b266fb93515cc61',
  },
  {
    name: 'binary value, non-ASCII path',
    term: 7,
    path: 'kv/data/ü/日本',
    plaintext: seq(0, 40),
    nonce: seq(12, 12),
    value:
      '00000007' +
      '02' +
      '0c0d0e0f1011121314151617' +
      '98ff6bdb7b73fa543f2342de9d8628e84512fffde2682dbd83bbe0fbf8bddee50cd64806c5e00046' +
      '4a171f191f8bb0dbfdc6e46cb83542ec',
  },
] as const;

describe('barrier value format: golden vectors', () => {
  for (const v of VECTORS) {
    it(`encrypts exactly: ${v.name}`, () => {
      expect(hex(encryptValue(KEY, v.term, v.path, v.plaintext, v.nonce))).toBe(v.value);
    });

    it(`decrypts exactly: ${v.name}`, () => {
      const value = unhex(v.value);
      expect(readTerm(value)).toBe(v.term);
      expect(hex(decryptValue(KEY, v.path, value))).toBe(hex(v.plaintext));
    });
  }
});

describe('barrier value format', () => {
  it('lays out term | version | nonce | ciphertext | tag', () => {
    const nonce = seq(100, 12);
    const value = encryptValue(KEY, 0xdeadbeef, 'p', new Uint8Array(10), nonce);
    expect(value.byteLength).toBe(4 + 1 + 12 + 10 + 16);
    expect(hex(value.subarray(0, 4))).toBe('deadbeef');
    expect(value[4]).toBe(0x02);
    expect(hex(value.subarray(5, 17))).toBe(hex(nonce));
  });

  it('uses a fresh random nonce when none is given', () => {
    const a = encryptValue(KEY, 1, 'p', new Uint8Array(8));
    const b = encryptValue(KEY, 1, 'p', new Uint8Array(8));
    expect(hex(a.subarray(5, 17))).not.toBe(hex(b.subarray(5, 17)));
    expect(hex(a)).not.toBe(hex(b));
  });

  it('round-trips any key, term, path and plaintext', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.string({ unit: 'grapheme', maxLength: 64 }),
        fc.uint8Array({ maxLength: 512 }),
        (key, term, path, plaintext) => {
          const value = encryptValue(key, term, path, plaintext);
          expect(readTerm(value)).toBe(term);
          expect(hex(decryptValue(key, path, value))).toBe(hex(plaintext));
        },
      ),
    );
  });

  it('rejects another path (AAD binding)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 32 }),
        fc.string({ maxLength: 32 }),
        fc.uint8Array({ maxLength: 64 }),
        (path, other, plaintext) => {
          fc.pre(path !== other);
          const value = encryptValue(KEY, 1, path, plaintext);
          expect(() => decryptValue(KEY, other, value)).toThrow(BarrierDecryptError);
        },
      ),
    );
  });

  it('rejects the wrong key', () => {
    const value = encryptValue(KEY, 1, 'p', new TextEncoder().encode('x'));
    const other = seq(1, 32);
    expect(() => decryptValue(other, 'p', value)).toThrow(/message authentication failed/);
  });

  it('rejects any flipped bit after the term', () => {
    const value = encryptValue(KEY, 1, 'p', seq(0, 20));
    fc.assert(
      fc.property(fc.integer({ min: 4, max: value.byteLength - 1 }), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        const copy = value.slice();
        copy[at] = (copy[at] ?? 0) ^ (1 << bit);
        expect(() => decryptValue(KEY, 'p', copy)).toThrow(BarrierDecryptError);
      }),
    );
  });

  it('rejects truncated values', () => {
    const value = encryptValue(KEY, 1, 'p', seq(0, 20));
    for (const length of [0, 3, 4, MIN_VALUE_BYTES - 1]) {
      expect(() => decryptValue(KEY, 'p', value.subarray(0, length))).toThrow(/truncated/);
      expect(() => readTerm(value.subarray(0, length))).toThrow(/truncated/);
    }
    // Cut inside the ciphertext: long enough to parse, fails authentication.
    expect(() => decryptValue(KEY, 'p', value.subarray(0, value.byteLength - 1))).toThrow(BarrierDecryptError);
  });

  it('rejects unknown versions, including Vault version 1 (no AAD)', () => {
    const value = encryptValue(KEY, 1, 'p', seq(0, 4));
    for (const version of [0x00, 0x01, 0x03, 0xff]) {
      const copy = value.slice();
      copy[4] = version;
      expect(() => decryptValue(KEY, 'p', copy)).toThrow(`unsupported format version ${version}`);
    }
  });

  it('errors are internal errors that carry no key, plaintext or path', () => {
    const secretPath = 'secret/very-identifiable-path';
    const plaintext = new TextEncoder().encode('PLAINTEXT-MARKER');
    const value = encryptValue(KEY, 1, secretPath, plaintext);
    const wrongKey = seq(200, 32);
    let caught: unknown;
    try {
      decryptValue(wrongKey, secretPath, value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InternalError);
    const text = `${String(caught)} ${JSON.stringify(caught)}`;
    for (const needle of [hex(KEY), hex(wrongKey), Buffer.from(KEY).toString('base64'), 'PLAINTEXT-MARKER', secretPath]) {
      expect(text).not.toContain(needle);
    }
  });

  it('validates key, term and nonce sizes', () => {
    expect(() => encryptValue(new Uint8Array(16), 1, 'p', new Uint8Array(0))).toThrow(/32 bytes/);
    expect(() => encryptValue(KEY, -1, 'p', new Uint8Array(0))).toThrow(/term/);
    expect(() => encryptValue(KEY, 2 ** 32, 'p', new Uint8Array(0))).toThrow(/term/);
    expect(() => encryptValue(KEY, 1.5, 'p', new Uint8Array(0))).toThrow(/term/);
    expect(() => encryptValue(KEY, 1, 'p', new Uint8Array(0), new Uint8Array(16))).toThrow(/nonce/);
    expect(() => decryptValue(new Uint8Array(31), 'p', new Uint8Array(64))).toThrow(/32 bytes/);
  });

  it('reads terms from values that are views into larger buffers', () => {
    const value = encryptValue(KEY, 0x0a0b0c0d, 'p', seq(0, 3));
    const padded = new Uint8Array(value.byteLength + 7);
    padded.set(value, 7);
    const view = padded.subarray(7);
    expect(readTerm(view)).toBe(0x0a0b0c0d);
    expect(hex(decryptValue(KEY, 'p', view))).toBe('000102');
  });
});
