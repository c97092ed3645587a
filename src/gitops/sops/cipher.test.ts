import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Comment } from './tree.js';
import { IV_SIZE, ValueCipher, formatFloat, parseEncryptedValue } from './cipher.js';

const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const fixedIv = (byte: number) => () => Buffer.alloc(IV_SIZE, byte);

/** The value format written out from the spec, independently of ValueCipher. */
function specEncrypt(plain: string, iv: Buffer, aad: string, type: string): string {
  const c = createCipheriv('aes-256-gcm', KEY, iv);
  c.setAAD(Buffer.from(aad));
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${c.getAuthTag().toString('base64')},type:${type}]`;
}

describe('value cipher golden vectors', () => {
  it('matches a pinned sops value (key 00..1f, iv 32×0x42, AAD "app:password:")', () => {
    const golden = 'ENC[AES256_GCM,data:Gtx2ltz4,iv:QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=,tag:ddniLGGVU5kr50RcNyQ7dQ==,type:str]';
    expect(new ValueCipher(fixedIv(0x42)).encrypt('s3cr3t', KEY, 'app:password:')).toBe(golden);
    expect(new ValueCipher().decrypt(golden, KEY, 'app:password:')).toBe('s3cr3t');
  });

  it('encodes each type with sops plaintext bytes and type tag', () => {
    const iv = Buffer.alloc(IV_SIZE, 7);
    const cases: [string | bigint | number | boolean | Comment, string, string][] = [
      ['héllo', 'héllo', 'str'],
      [5432n, '5432', 'int'],
      [0.5, '0.5', 'float'],
      [1e21, '1000000000000000000000', 'float'],
      [true, 'True', 'bool'],
      [false, 'False', 'bool'],
      [new Comment(' note'), ' note', 'comment'],
    ];
    for (const [value, bytes, type] of cases) {
      const enc = new ValueCipher(() => iv).encrypt(value, KEY, 'a:b:');
      expect(enc).toBe(specEncrypt(bytes, iv, 'a:b:', type));
      expect(new ValueCipher().decrypt(enc, KEY, 'a:b:')).toEqual(value);
    }
  });

  it('uses a 32-byte IV and a 16-byte tag', () => {
    const v = parseEncryptedValue(new ValueCipher().encrypt('x', KEY, 'k:'));
    expect(v.iv).toHaveLength(32);
    expect(v.tag).toHaveLength(16);
    expect(v.type).toBe('str');
  });

  it('leaves empty strings unencrypted', () => {
    expect(new ValueCipher().encrypt('', KEY, 'k:')).toBe('');
    expect(new ValueCipher().decrypt('', KEY, 'k:')).toBe('');
  });

  it('rejects a wrong AAD, a wrong key and a tampered value', () => {
    const enc = new ValueCipher().encrypt('secret', KEY, 'a:');
    expect(() => new ValueCipher().decrypt(enc, KEY, 'b:')).toThrow(/authentication failed/);
    expect(() => new ValueCipher().decrypt(enc, Buffer.alloc(32, 1), 'a:')).toThrow(/authentication failed/);
    const tampered = enc.replace(/data:([^,]+)/, (_m, d: string) => `data:${Buffer.from(Buffer.from(d, 'base64').map((b) => b ^ 1)).toString('base64')}`);
    expect(() => new ValueCipher().decrypt(tampered, KEY, 'a:')).toThrow(/authentication failed/);
    expect(() => new ValueCipher().decrypt('not-encrypted', KEY, 'a:')).toThrow(/does not match sops' data format/);
    expect(() => new ValueCipher().decrypt(enc.replace('type:str', 'type:weird'), KEY, 'a:')).toThrow(/Unknown datatype/);
  });

  it('reuses the IV of a decrypted value when the same value is encrypted again (stash)', () => {
    const first = new ValueCipher().encrypt('same', KEY, 'p:');
    const c = new ValueCipher();
    expect(c.decrypt(first, KEY, 'p:')).toBe('same');
    expect(c.encrypt('same', KEY, 'p:')).toBe(first);
    expect(c.encrypt('other', KEY, 'p:')).not.toContain(parseEncryptedValue(first).iv.toString('base64'));
    expect(c.encrypt('same', KEY, 'q:')).not.toBe(first);
  });
});

describe('formatFloat (Go strconv.FormatFloat f, -1)', () => {
  it('formats like Go', () => {
    expect(formatFloat(1234.56789)).toBe('1234.56789');
    expect(formatFloat(1.5e-7)).toBe('0.00000015');
    expect(formatFloat(-2.5e22)).toBe('-25000000000000000000000');
    expect(formatFloat(5)).toBe('5');
    expect(formatFloat(-0)).toBe('-0');
    expect(formatFloat(Infinity)).toBe('+Inf');
    expect(formatFloat(NaN)).toBe('NaN');
  });

  it('round-trips every finite double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const s = formatFloat(d);
        expect(s).not.toMatch(/e/i);
        expect(Object.is(Number(s), d) || (d === 0 && Number(s) === 0)).toBe(true);
      }),
    );
  });
});
