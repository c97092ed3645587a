import { execFileSync } from 'node:child_process';
import { constants, createHash, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { b64, transitHarness, type TransitHarness } from './testing.js';

const MESSAGE = Buffer.from('the quick brown fox jumps over the lazy dog');
const dir = mkdtempSync(join(tmpdir(), 'coffer-transit-sig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function payload(signature: unknown, version = 1): string {
  const prefix = `vault:v${version}:`;
  expect(String(signature).startsWith(prefix)).toBe(true);
  return String(signature).slice(prefix.length);
}

async function publicKey(h: TransitHarness, name: string, version = 1): Promise<KeyObject> {
  const keys = (await h.read(`keys/${name}`))['keys'] as Record<string, { public_key: string; name: string }>;
  const entry = keys[String(version)];
  if (!entry) throw new Error('no such version');
  if (entry.name === 'ed25519') {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(entry.public_key, 'base64').toString('base64url') }, format: 'jwk' });
  }
  return createPublicKey(entry.public_key);
}

let n = 0;
/** Runs openssl on files in a temp dir; returns stdout (throws if openssl exits non-zero). */
function openssl(args: (files: { pub: string; sig: string; msg: string }) => string[], pub: KeyObject, sig: Buffer, msg: Buffer): string {
  const id = n++;
  const files = { pub: join(dir, `pub${id}.pem`), sig: join(dir, `sig${id}.bin`), msg: join(dir, `msg${id}.bin`) };
  writeFileSync(files.pub, pub.export({ type: 'spki', format: 'pem' }));
  writeFileSync(files.sig, sig);
  writeFileSync(files.msg, msg);
  return execFileSync('openssl', args(files), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('signatures verify outside the engine', () => {
  for (const [type, hash, opensslHash] of [
    ['ecdsa-p256', 'sha2-256', '-sha256'],
    ['ecdsa-p384', 'sha2-384', '-sha384'],
    ['ecdsa-p521', 'sha2-512', '-sha512'],
  ] as const) {
    it(`${type}: ASN.1 DER signatures verify with node:crypto and openssl dgst`, async () => {
      const h = await transitHarness();
      await h.write('keys/k', { type });
      const { signature, key_version } = await h.write('sign/k', { input: b64(MESSAGE), hash_algorithm: hash });
      expect(key_version).toBe(1);
      const der = Buffer.from(payload(signature), 'base64');
      const pub = await publicKey(h, 'k');
      expect(nodeVerify(hash.replace('sha2-', 'sha'), MESSAGE, pub, der)).toBe(true);
      const out = openssl((f) => ['dgst', opensslHash, '-verify', f.pub, '-signature', f.sig, f.msg], pub, der, MESSAGE);
      expect(out).toContain('Verified OK');
      expect(await h.write('verify/k', { input: b64(MESSAGE), hash_algorithm: hash, signature })).toEqual({ valid: true });
      expect(await h.write('verify/k', { input: b64('tampered'), hash_algorithm: hash, signature })).toEqual({ valid: false });
    });

    it(`${type}: JWS marshaling is base64url(r ‖ s)`, async () => {
      const h = await transitHarness();
      await h.write('keys/k', { type });
      const { signature } = await h.write(`sign/k/${hash}`, { input: b64(MESSAGE), marshaling_algorithm: 'jws' });
      const raw = Buffer.from(payload(signature), 'base64url');
      expect(raw.length).toBe(type === 'ecdsa-p256' ? 64 : type === 'ecdsa-p384' ? 96 : 132);
      expect(payload(signature)).not.toMatch(/[+/=]/);
      const pub = await publicKey(h, 'k');
      expect(nodeVerify(hash.replace('sha2-', 'sha'), MESSAGE, { key: pub, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
      expect(await h.write(`verify/k/${hash}`, { input: b64(MESSAGE), marshaling_algorithm: 'jws', signature })).toEqual({ valid: true });
    });
  }

  it('rsa-2048: PSS (default, salt as large as possible) and PKCS#1 v1.5 verify with node:crypto and openssl', async () => {
    const h = await transitHarness();
    await h.write('keys/r', { type: 'rsa-2048' });
    const pub = await publicKey(h, 'r');
    const pss = Buffer.from(payload((await h.write('sign/r', { input: b64(MESSAGE) }))['signature']), 'base64');
    expect(nodeVerify('sha256', MESSAGE, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 256 - 32 - 2 }, pss)).toBe(true);
    const out = openssl(
      (f) => ['dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:auto', '-verify', f.pub, '-signature', f.sig, f.msg],
      pub,
      pss,
      MESSAGE,
    );
    expect(out).toContain('Verified OK');

    const v15 = Buffer.from(payload((await h.write('sign/r/sha2-512', { input: b64(MESSAGE), signature_algorithm: 'pkcs1v15' }))['signature']), 'base64');
    expect(nodeVerify('sha512', MESSAGE, pub, v15)).toBe(true);
    expect(openssl((f) => ['dgst', '-sha512', '-verify', f.pub, '-signature', f.sig, f.msg], pub, v15, MESSAGE)).toContain('Verified OK');

    const hashSalt = Buffer.from(payload((await h.write('sign/r', { input: b64(MESSAGE), salt_length: 'hash' }))['signature']), 'base64');
    expect(nodeVerify('sha256', MESSAGE, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, hashSalt)).toBe(true);
  });

  it('ed25519: raw 64-byte signatures verify with node:crypto and openssl pkeyutl', async () => {
    const h = await transitHarness();
    await h.write('keys/e', { type: 'ed25519' });
    const { signature } = await h.write('sign/e', { input: b64(MESSAGE) });
    const sig = Buffer.from(payload(signature), 'base64');
    expect(sig.length).toBe(64);
    const pub = await publicKey(h, 'e');
    expect(nodeVerify(null, MESSAGE, pub, sig)).toBe(true);
    const out = openssl((f) => ['pkeyutl', '-verify', '-pubin', '-inkey', f.pub, '-rawin', '-in', f.msg, '-sigfile', f.sig], pub, sig, MESSAGE);
    expect(out).toContain('Signature Verified Successfully');
  });
});

describe('prehashed input', () => {
  const digest = createHash('sha256').update(MESSAGE).digest();

  for (const type of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521'] as const) {
    it(`${type}: a signature over the digest verifies as a signature over the message`, async () => {
      const h = await transitHarness();
      await h.write('keys/k', { type });
      const pub = await publicKey(h, 'k');
      for (const marshaling_algorithm of ['asn1', 'jws'] as const) {
        const { signature } = await h.write('sign/k', { input: b64(digest), prehashed: true, marshaling_algorithm });
        const sig = marshaling_algorithm === 'jws' ? Buffer.from(payload(signature), 'base64url') : Buffer.from(payload(signature), 'base64');
        const dsaEncoding = marshaling_algorithm === 'jws' ? 'ieee-p1363' : 'der';
        expect(nodeVerify('sha256', MESSAGE, { key: pub, dsaEncoding }, sig)).toBe(true);
        expect(await h.write('verify/k', { input: b64(digest), prehashed: true, marshaling_algorithm, signature })).toEqual({ valid: true });
        expect(await h.write('verify/k', { input: b64(MESSAGE), marshaling_algorithm, signature })).toEqual({ valid: true });
      }
    });
  }

  it('rsa: prehashed PKCS#1 v1.5 equals the signature of the message, and hash none signs DigestInfo as given', async () => {
    const h = await transitHarness();
    await h.write('keys/r', { type: 'rsa-3072' });
    const plain = (await h.write('sign/r', { input: b64(MESSAGE), signature_algorithm: 'pkcs1v15' }))['signature'];
    const pre = (await h.write('sign/r', { input: b64(digest), prehashed: true, signature_algorithm: 'pkcs1v15' }))['signature'];
    expect(pre).toBe(plain);
    const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), digest]);
    const none = (await h.write('sign/r/none', { input: b64(digestInfo), prehashed: true, signature_algorithm: 'pkcs1v15' }))['signature'];
    expect(none).toBe(plain);
    expect(
      await h.write('verify/r', { input: b64(digestInfo), hash_algorithm: 'none', prehashed: true, signature_algorithm: 'pkcs1v15', signature: none }),
    ).toEqual({ valid: true });
  });

  it('rsa: prehashed PSS verifies with node:crypto for auto, hash and explicit salt lengths', async () => {
    const h = await transitHarness();
    await h.write('keys/r', { type: 'rsa-2048' });
    const pub = await publicKey(h, 'r');
    for (const [salt_length, saltLength] of [
      ['auto', 256 - 32 - 2],
      ['hash', 32],
      ['20', 20],
    ] as const) {
      const { signature } = await h.write('sign/r', { input: b64(digest), prehashed: true, salt_length });
      const sig = Buffer.from(payload(signature), 'base64');
      expect(nodeVerify('sha256', MESSAGE, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, sig)).toBe(true);
      expect(await h.write('verify/r', { input: b64(digest), prehashed: true, salt_length, signature })).toEqual({ valid: true });
      expect(await h.write('verify/r', { input: b64(MESSAGE), salt_length, signature })).toEqual({ valid: true });
    }
  });

  it('verifies signatures made by node:crypto over the digest', async () => {
    // The engine never sees the private key here: node signs, the engine checks with the stored public key.
    const h = await transitHarness();
    await h.write('keys/k', { type: 'ecdsa-p256', exportable: true });
    const exported = (await h.read('export/signing-key/k/1'))['keys'] as Record<string, string>;
    const { createPrivateKey } = await import('node:crypto');
    const priv = createPrivateKey(exported['1'] ?? '');
    const sig = nodeSign('sha256', MESSAGE, priv);
    expect(await h.write('verify/k', { input: b64(digest), prehashed: true, signature: `vault:v1:${sig.toString('base64')}` })).toEqual({ valid: true });
  });

  it('property: ECDSA prehashed signatures of random digests verify with node:crypto', async () => {
    const h = await transitHarness();
    await h.write('keys/k', { type: 'ecdsa-p384' });
    const pub = await publicKey(h, 'k');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (msg) => {
        const d = createHash('sha384').update(msg).digest();
        const { signature } = await h.write('sign/k/sha2-384', { input: b64(d), prehashed: true });
        expect(nodeVerify('sha384', msg, pub, Buffer.from(payload(signature), 'base64'))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});

describe('derived ed25519 keys', () => {
  it('need a context, return the derived public key and verify with it', async () => {
    const h = await transitHarness();
    await h.write('keys/d', { type: 'ed25519', derived: true });
    const message = await h.fails('write', 'sign/d', { input: b64(MESSAGE) });
    expect(message).toContain("missing 'context' for key derivation");
    const context = b64('user-1');
    const signed = await h.write('sign/d', { input: b64(MESSAGE), context });
    const pubRaw = Buffer.from(String(signed['public_key']), 'base64');
    expect(pubRaw.length).toBe(32);
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pubRaw.toString('base64url') }, format: 'jwk' });
    expect(nodeVerify(null, MESSAGE, pub, Buffer.from(payload(signed['signature']), 'base64'))).toBe(true);
    const keys = (await h.read('keys/d', { context }))['keys'] as Record<string, { public_key: string }>;
    expect(keys['1']?.public_key).toBe(signed['public_key']);
    expect(((await h.read('keys/d'))['keys'] as Record<string, { public_key: string }>)['1']?.public_key).toBe('');
    expect(await h.write('verify/d', { input: b64(MESSAGE), context, signature: signed['signature'] })).toEqual({ valid: true });
    expect(await h.write('verify/d', { input: b64(MESSAGE), context: b64('user-2'), signature: signed['signature'] })).toEqual({ valid: false });
  });
});

describe('signing errors', () => {
  it('answers 400 with Vault’s messages', async () => {
    const h = await transitHarness();
    await h.write('keys/k', { type: 'ecdsa-p256' });
    await h.write('keys/r', { type: 'rsa-2048' });
    await h.write('keys/aes');
    expect(await h.fails('write', 'sign/missing', { input: b64('x') })).toBe('signing key not found');
    expect(await h.fails('write', 'sign/aes', { input: b64('x') })).toBe('key type aes256-gcm96 does not support signing');
    expect(await h.fails('write', 'sign/k', { input: b64('x'), hash_algorithm: 'md5' })).toBe('invalid hash algorithm "md5"');
    expect(await h.fails('write', 'sign/k', { input: b64('x'), marshaling_algorithm: 'pem' })).toBe('invalid marshaling type "pem"');
    expect(await h.fails('write', 'sign/r/none', { input: b64('x') })).toBe('hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15');
    expect(await h.fails('write', 'sign/r', { input: b64('x'), salt_length: 'big' })).toBe("salt length neither 'auto', 'hash', nor an int: big");
    expect(await h.fails('write', 'sign/r', { input: b64('x'), salt_length: '-2' })).toBe('salt length is invalid: -2');
    expect(await h.fails('write', 'sign/r', { input: b64('x'), salt_length: '300' })).toBe('requested salt length 300 is invalid');
    expect(await h.fails('write', 'sign/k', { input: '!!' })).toBe('unable to decode input as base64: illegal base64 data at input byte 0');
    expect(await h.fails('write', 'sign/k', { input: b64('x'), key_version: 2 })).toBe('requested version for signing is higher than the latest key version');
    expect(await h.fails('write', 'verify/k', { input: b64('x'), signature: 'nope' })).toBe('invalid signature: no prefix');
    expect(await h.fails('write', 'verify/k', { input: b64('x'), signature: 'vault:v9:AAAA' })).toBe('invalid signature: version is too new');
    expect(await h.fails('write', 'verify/k', { input: b64('x'), signature: 'vault:v1:AAAA' })).toBe('supplied signature is invalid');
    expect(await h.fails('write', 'verify/k', { input: b64('x') })).toBe("neither a 'signature' nor an 'hmac' were given to verify");
    // As in Vault, an item with both is checked as a signature.
    expect(await h.fails('write', 'verify/k', { input: b64('x'), signature: 'a', hmac: 'b' })).toBe('invalid signature: no prefix');
  });

  it('refuses signatures of versions below min_decryption_version', async () => {
    const h = await transitHarness();
    await h.write('keys/k', { type: 'ed25519' });
    const { signature } = await h.write('sign/k', { input: b64(MESSAGE) });
    await h.write('keys/k/rotate');
    await h.write('keys/k/config', { min_decryption_version: 2 });
    expect(await h.fails('write', 'verify/k', { input: b64(MESSAGE), signature })).toBe(
      'ciphertext or signature version is disallowed by policy (too old)',
    );
  });

  it('signs with an older version only down to min_encryption_version', async () => {
    const h = await transitHarness();
    await h.write('keys/k', { type: 'ecdsa-p256' });
    await h.write('keys/k/rotate');
    expect((await h.write('sign/k', { input: b64('x'), key_version: 1 }))['key_version']).toBe(1);
    await h.write('keys/k/config', { min_encryption_version: 2 });
    expect(await h.fails('write', 'sign/k', { input: b64('x'), key_version: 1 })).toBe(
      'requested version for signing is less than the minimum encryption key version',
    );
  });
});

describe('generated keys', () => {
  it('node:crypto agrees with the engine on a foreign key pair (sanity check of the openssl helper)', () => {
    const { privateKey, publicKey: pub } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const sig = nodeSign('sha256', MESSAGE, privateKey);
    expect(openssl((f) => ['dgst', '-sha256', '-verify', f.pub, '-signature', f.sig, f.msg], pub, sig, MESSAGE)).toContain('Verified OK');
    expect(() => openssl((f) => ['dgst', '-sha256', '-verify', f.pub, '-signature', f.sig, f.msg], pub, sig, Buffer.from('other'))).toThrow();
  });
});
