import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ClaimsError, effectiveLeeway, extractMetadata, getClaim, globMatch, jsonPointerGet, validateBoundClaims } from './claims.js';
import { parseCaPem, parsePublicKeyPem } from './keys.js';

describe('claims helpers', () => {
  it('glob matching follows ryanuber/go-glob', () => {
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('abc', 'abc')).toBe(true);
    expect(globMatch('abc', 'abcd')).toBe(false);
    expect(globMatch('a*', 'abc')).toBe(true);
    expect(globMatch('*c', 'abc')).toBe(true);
    expect(globMatch('a*c', 'ac')).toBe(true);
    expect(globMatch('a*b*c', 'a-b-c')).toBe(true);
    expect(globMatch('a*b*c', 'a-c-b')).toBe(false);
    expect(globMatch('ab*ba', 'aba')).toBe(false);
    expect(globMatch('repo:org/*:ref:refs/heads/main', 'repo:org/app:ref:refs/heads/main')).toBe(true);
    expect(globMatch('a?c', 'abc')).toBe(false);
  });

  it('resolves JSON pointers (RFC 6901)', () => {
    const doc = { a: { 'b/c': 1, 'd~e': 2, list: ['x', 'y'] }, '': 3 };
    expect(jsonPointerGet(doc, '/a/b~1c')).toBe(1);
    expect(jsonPointerGet(doc, '/a/d~0e')).toBe(2);
    expect(jsonPointerGet(doc, '/a/list/1')).toBe('y');
    expect(jsonPointerGet(doc, '/a/list/01')).toBeUndefined();
    expect(jsonPointerGet(doc, '/a/missing')).toBeUndefined();
    expect(jsonPointerGet(doc, '/')).toBe(3);
    expect(getClaim({ x: null }, 'x')).toBeUndefined();
    expect(getClaim({ toString: 'own' }, 'toString')).toBe('own');
    expect(getClaim({}, 'toString')).toBeUndefined();
  });

  it('compares numbers and booleans in bound claims like Vault (numbers as text)', () => {
    expect(() => validateBoundClaims('string', { n: '5', b: true }, { n: 5, b: true })).not.toThrow();
    expect(() => validateBoundClaims('string', { b: 'true' }, { b: true })).toThrow(ClaimsError);
    expect(() => validateBoundClaims('glob', { n: '5*' }, { n: 55 })).not.toThrow();
    expect(() => validateBoundClaims('string', null, {})).not.toThrow();
  });

  it('extracts metadata from strings, numbers and booleans', () => {
    expect(extractMetadata({ a: 'x', b: 2, c: false, '/ignored': 1 }, { a: 'A', b: 'B', c: 'C', missing: 'M' })).toEqual({ A: 'x', B: '2', C: 'false' });
    expect(() => extractMetadata({ a: ['x'] }, { a: 'A' })).toThrow("error converting claim 'a' to string from unknown type list");
  });

  it('leeways: negative disables, zero means the default', () => {
    expect(effectiveLeeway(-1, 150)).toBe(0);
    expect(effectiveLeeway(0, 150)).toBe(150);
    expect(effectiveLeeway(30, 150)).toBe(30);
  });
});

describe('key parsing', () => {
  it('accepts SPKI, PKCS#1 and Ed25519 public keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(parsePublicKeyPem(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()).asymmetricKeyType).toBe('rsa');
    expect(parsePublicKeyPem(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()).asymmetricKeyType).toBe('rsa');
    const ed = generateKeyPairSync('ed25519');
    expect(parsePublicKeyPem(ed.publicKey.export({ type: 'spki', format: 'pem' }).toString()).asymmetricKeyType).toBe('ed25519');
    expect(() => parsePublicKeyPem(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(
      'data does not contain any valid public keys',
    );
    expect(() => parsePublicKeyPem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toThrow();
  });

  it('refuses CA bundles without a certificate', () => {
    expect(() => parseCaPem('')).toThrow('could not parse CA PEM value successfully');
    expect(() => parseCaPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toThrow('could not parse CA PEM value successfully');
  });
});
