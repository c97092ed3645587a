import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwtRejected, parseJwt, parsePublicKeyPem, serviceAccountFromClaims, validateClaims, verifySignature } from './jwt.js';

const NOW = 1_900_000_000;

describe('parseJwt', () => {
  it('rejects what is not a signed JWT', async () => {
    expect(() => parseJwt('abc')).toThrow(JwtRejected);
    expect(() => parseJwt('a.b.c')).toThrow(JwtRejected);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    expect(() => parseJwt(none)).toThrow(/unsupported signing algorithm/);
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
    expect(() => parseJwt(hs)).toThrow(/unsupported signing algorithm/);
  });
});

describe('pem_keys', () => {
  it('accepts RSA and ECDSA public keys and verifies signatures with any of them', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keys = [rsa, ec].map((k) => parsePublicKeyPem(k.publicKey.export({ type: 'spki', format: 'pem' }).toString()));
    const byEc = await new SignJWT({ a: 1 }).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey);
    const byRsa = await new SignJWT({ a: 1 }).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);
    expect(await verifySignature(byEc, keys)).toBe(true);
    expect(await verifySignature(byRsa, keys)).toBe(true);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const byOther = await new SignJWT({ a: 1 }).setProtectedHeader({ alg: 'ES256' }).sign(other.privateKey);
    expect(await verifySignature(byOther, keys)).toBe(false);
  });

  it('refuses private keys, Ed25519 keys and garbage', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed = generateKeyPairSync('ed25519');
    const message = 'data does not contain any valid RSA or ECDSA public keys';
    expect(() => parsePublicKeyPem(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(message);
    expect(() => parsePublicKeyPem(ed.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(message);
    expect(() => parsePublicKeyPem('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----')).toThrow(message);
  });
});

describe('validateClaims', () => {
  it('checks exp, nbf and iat with a 150 s leeway, only when present', () => {
    expect(() => validateClaims({}, { now: NOW })).not.toThrow();
    expect(() => validateClaims({ exp: NOW - 100 }, { now: NOW })).not.toThrow();
    expect(() => validateClaims({ exp: NOW - 151 }, { now: NOW })).toThrow(/expired/);
    expect(() => validateClaims({ nbf: NOW + 151 }, { now: NOW })).toThrow(/not yet valid/);
    expect(() => validateClaims({ iat: NOW + 151 }, { now: NOW })).toThrow(/future/);
    expect(() => validateClaims({ exp: 'soon' }, { now: NOW })).toThrow(/malformed/);
  });

  it('checks the issuer and the audience when asked to', () => {
    expect(() => validateClaims({ iss: 'a' }, { now: NOW, issuer: 'a' })).not.toThrow();
    expect(() => validateClaims({ iss: 'a' }, { now: NOW, issuer: 'b' })).toThrow(/issuer/);
    expect(() => validateClaims({ aud: ['x', 'vault'] }, { now: NOW, audience: 'vault' })).not.toThrow();
    expect(() => validateClaims({ aud: 'vault' }, { now: NOW, audience: 'vault' })).not.toThrow();
    expect(() => validateClaims({ aud: ['x'] }, { now: NOW, audience: 'vault' })).toThrow(/audience/);
    expect(() => validateClaims({}, { now: NOW, audience: 'vault' })).toThrow(/audience/);
  });
});

describe('serviceAccountFromClaims', () => {
  it('reads projected claims', () => {
    expect(
      serviceAccountFromClaims({
        aud: ['vault'],
        'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'app', uid: 'u1' }, pod: { name: 'p', uid: 'pu' } },
      }),
    ).toEqual({ name: 'app', namespace: 'ns', uid: 'u1', secretName: '', audiences: ['vault'] });
  });

  it('reads legacy claims', () => {
    expect(
      serviceAccountFromClaims({
        'kubernetes.io/serviceaccount/namespace': 'ns',
        'kubernetes.io/serviceaccount/secret.name': 'app-token-abcde',
        'kubernetes.io/serviceaccount/service-account.name': 'app',
        'kubernetes.io/serviceaccount/service-account.uid': 'u2',
      }),
    ).toEqual({ name: 'app', namespace: 'ns', uid: 'u2', secretName: 'app-token-abcde', audiences: [] });
  });
});
