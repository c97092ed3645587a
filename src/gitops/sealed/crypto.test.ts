import { execFileSync } from 'node:child_process';
import { constants, createDecipheriv, createPublicKey, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HybridDecryptError, hybridDecrypt, hybridDecryptAny, hybridEncrypt, publicKeyFingerprint } from './crypto.js';
import { encryptionLabel } from './scope.js';
import { GOLDEN_CLUSTER_WIDE_BLOB, GOLDEN_FINGERPRINT, GOLDEN_PLAINTEXT, GOLDEN_SESSION_KEY, GOLDEN_STRICT_BLOB, goldenPrivateKey } from './testing.js';

const key = goldenPrivateKey();
const pub = createPublicKey(key);
const strictLabel = encryptionLabel('team-a', 'db', 'strict');

/** An independent reader of the format: node:crypto primitives, no code under test. */
function independentOpen(blob: Buffer, label: Buffer): { sessionKey: Buffer; plaintext: Buffer } {
  const rsaLen = blob.readUInt16BE(0);
  const sessionKey = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, blob.subarray(2, 2 + rsaLen));
  const aes = blob.subarray(2 + rsaLen);
  const d = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  d.setAuthTag(aes.subarray(aes.length - 16));
  return { sessionKey, plaintext: Buffer.concat([d.update(aes.subarray(0, aes.length - 16)), d.final()]) };
}

describe('golden vectors (made with openssl + node:crypto)', () => {
  it('opens the strict-scope blob with its label', () => {
    expect(hybridDecrypt(key, Buffer.from(GOLDEN_STRICT_BLOB, 'base64'), strictLabel).toString()).toBe(GOLDEN_PLAINTEXT);
  });

  it('opens the cluster-wide blob with the empty label', () => {
    expect(hybridDecrypt(key, Buffer.from(GOLDEN_CLUSTER_WIDE_BLOB, 'base64'), Buffer.alloc(0)).toString()).toBe(GOLDEN_PLAINTEXT);
  });

  it('refuses a blob under another label (the scope binding)', () => {
    const blob = Buffer.from(GOLDEN_STRICT_BLOB, 'base64');
    for (const label of [encryptionLabel('team-b', 'db', 'strict'), encryptionLabel('team-a', 'db', 'namespace-wide'), Buffer.alloc(0)]) {
      expect(() => hybridDecrypt(key, blob, label)).toThrow(HybridDecryptError);
    }
  });

  it('writes the same AES-GCM payload as the golden blob for the same session key', () => {
    const ours = hybridEncrypt(pub, Buffer.from(GOLDEN_PLAINTEXT), strictLabel, GOLDEN_SESSION_KEY);
    const golden = Buffer.from(GOLDEN_STRICT_BLOB, 'base64');
    expect(ours.readUInt16BE(0)).toBe(256);
    expect(ours.length).toBe(golden.length);
    // RSA-OAEP is randomised; the header and the deterministic AES-GCM tail must match byte for byte.
    expect(ours.subarray(0, 2)).toEqual(golden.subarray(0, 2));
    expect(ours.subarray(2 + 256)).toEqual(golden.subarray(2 + 256));
    expect(independentOpen(ours, strictLabel).sessionKey).toEqual(GOLDEN_SESSION_KEY);
  });

  it('computes the ssh-keygen SHA256 fingerprint', () => {
    expect(publicKeyFingerprint(pub)).toBe(GOLDEN_FINGERPRINT);
    expect(publicKeyFingerprint(createPublicKey(key))).toBe(GOLDEN_FINGERPRINT);
  });
});

describe('hybridEncrypt output read independently', () => {
  it('has the layout len || RSA-OAEP || AES-GCM || tag for any plaintext and label', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string({ maxLength: 80 }), (plaintext, labelText) => {
        const label = Buffer.from(labelText, 'utf8');
        const blob = hybridEncrypt(pub, plaintext, label);
        expect(blob.length).toBe(2 + 256 + plaintext.length + 16);
        const opened = independentOpen(blob, label);
        expect(opened.sessionKey.length).toBe(32);
        expect(opened.plaintext).toEqual(Buffer.from(plaintext));
        expect(hybridDecrypt(key, blob, label)).toEqual(Buffer.from(plaintext));
      }),
      { numRuns: 40 },
    );
  });

  it('is opened by the openssl binary (OAEP-SHA256, MGF1-SHA256, label)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-sealed-oaep-'));
    try {
      const label = encryptionLabel('prod', 'api-keys', 'strict');
      const blob = hybridEncrypt(pub, Buffer.from('hello'), label);
      writeFileSync(join(dir, 'key.pem'), key.export({ type: 'pkcs1', format: 'pem' }));
      writeFileSync(join(dir, 'rsa.bin'), blob.subarray(2, 2 + blob.readUInt16BE(0)));
      execFileSync('openssl', [
        'pkeyutl', '-decrypt', '-inkey', join(dir, 'key.pem'), '-in', join(dir, 'rsa.bin'), '-out', join(dir, 'sk.bin'),
        '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256',
        '-pkeyopt', `rsa_oaep_label:${label.toString('hex')}`,
      ]);
      expect(readFileSync(join(dir, 'sk.bin'))).toEqual(independentOpen(blob, label).sessionKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses a fresh session key per value', () => {
    const a = independentOpen(hybridEncrypt(pub, Buffer.from('x'), strictLabel), strictLabel).sessionKey;
    const b = independentOpen(hybridEncrypt(pub, Buffer.from('x'), strictLabel), strictLabel).sessionKey;
    expect(a.equals(b)).toBe(false);
  });
});

describe('hybridDecrypt failures', () => {
  it('reports too-short blobs as Go does', () => {
    for (const blob of [Buffer.alloc(0), Buffer.from([1]), Buffer.from([0x01, 0x00, 1, 2, 3])]) {
      expect(() => hybridDecrypt(key, blob, strictLabel)).toThrow('SealedSecret data is too short');
    }
  });

  it('detects any flipped byte', () => {
    const blob = hybridEncrypt(pub, Buffer.from('a secret value'), strictLabel);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: blob.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const tampered = Buffer.from(blob);
        tampered[i] = (tampered[i] ?? 0) ^ x;
        expect(() => hybridDecrypt(key, tampered, strictLabel)).toThrow(HybridDecryptError);
      }),
      { numRuns: 60 },
    );
  });

  it('says gcm when the key and label match but the payload was altered', () => {
    const blob = hybridEncrypt(pub, Buffer.from('value'), strictLabel);
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
    try {
      hybridDecrypt(key, blob, strictLabel);
      expect.unreachable();
    } catch (err) {
      expect((err as HybridDecryptError).reason).toBe('gcm');
    }
  });

  it('tries every key, as the controller does', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const blob = hybridEncrypt(pub, Buffer.from('v'), strictLabel);
    expect(hybridDecryptAny([other, key], blob, strictLabel).toString()).toBe('v');
    expect(() => hybridDecryptAny([other], blob, strictLabel)).toThrow(HybridDecryptError);
    expect(() => hybridDecryptAny([], blob, strictLabel)).toThrow(HybridDecryptError);
  });

  it('opens a blob with a 16-byte session key (Go accepts AES-128)', () => {
    const blob = hybridEncrypt(pub, Buffer.from('short key'), strictLabel, Buffer.alloc(16, 7));
    expect(hybridDecrypt(key, blob, strictLabel).toString()).toBe('short key');
  });
});
