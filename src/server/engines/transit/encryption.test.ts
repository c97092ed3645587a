import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b64, transitHarness, type TransitHarness } from './testing.js';

// A fixed key, restored from a Vault-format backup written out by hand below, so the
// expected ciphertexts can be computed independently with node:crypto.
const KEY32 = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const KEY16 = KEY32.subarray(0, 16);
const HMAC_KEY = Buffer.alloc(32, 0x42);
const NONCE = Buffer.from('a0a1a2a3a4a5a6a7a8a9aaab', 'hex');
const TYPE_CODES = { 'aes256-gcm96': 0, 'chacha20-poly1305': 5, 'aes128-gcm96': 8 } as const;
type SymType = keyof typeof TYPE_CODES;

function vaultBackup(opts: { type: SymType; derived?: boolean; kdf?: number; convergent?: boolean; key?: Buffer }): string {
  const key = opts.key ?? (opts.type === 'aes128-gcm96' ? KEY16 : KEY32);
  const entry = {
    key: key.toString('base64'),
    hmac_key: HMAC_KEY.toString('base64'),
    time: '2024-01-02T03:04:05.123456789Z',
    ...(opts.convergent ? { convergent_version: 3 } : {}),
    creation_time: 1704164645,
  };
  const policy = {
    name: 'fixed',
    keys: { '1': entry },
    derived: opts.derived ?? false,
    kdf: opts.kdf ?? (opts.derived ? 1 : 0),
    convergent_encryption: opts.convergent ?? false,
    exportable: true,
    min_decryption_version: 1,
    min_encryption_version: 0,
    latest_version: 1,
    archive_version: 1,
    archive_min_version: 0,
    min_available_version: 0,
    deletion_allowed: false,
    convergent_version: opts.convergent ? -1 : 0,
    type: TYPE_CODES[opts.type],
    backup_info: null,
    restore_info: null,
    allow_plaintext_backup: true,
    version_template: '',
    storage_prefix: '',
    auto_rotate_period: 0,
    Imported: false,
    AllowImportedKeyRotation: false,
  };
  const archived = { keys: [{ key: null, hmac_key: null, time: '0001-01-01T00:00:00Z', creation_time: 0 }, entry] };
  return Buffer.from(`${JSON.stringify({ policy, archived_keys: archived })}\n`).toString('base64');
}

function cipherFor(type: SymType): 'aes-256-gcm' | 'aes-128-gcm' | 'chacha20-poly1305' {
  return type === 'aes256-gcm96' ? 'aes-256-gcm' : type === 'aes128-gcm96' ? 'aes-128-gcm' : 'chacha20-poly1305';
}

function sealIndependently(type: SymType, key: Buffer, nonce: Buffer, plaintext: Buffer, aad?: Buffer): string {
  const c = createCipheriv(cipherFor(type) as 'aes-256-gcm', key, nonce, { authTagLength: 16 });
  if (aad) c.setAAD(aad);
  const body = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  return `vault:v1:${Buffer.concat([nonce, body]).toString('base64')}`;
}

function openIndependently(type: SymType, key: Buffer, ciphertext: string, aad?: Buffer): Buffer {
  expect(ciphertext.startsWith('vault:v1:')).toBe(true);
  const raw = Buffer.from(ciphertext.slice('vault:v1:'.length), 'base64');
  const d = createDecipheriv(cipherFor(type) as 'aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: 16 });
  d.setAuthTag(raw.subarray(raw.length - 16));
  if (aad) d.setAAD(aad);
  return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
}

async function withFixedKey(opts: Parameters<typeof vaultBackup>[0]): Promise<TransitHarness> {
  const h = await transitHarness();
  await h.write('restore/fixed', { backup: vaultBackup(opts) });
  return h;
}

const PLAINTEXT = Buffer.from('4111 1111 1111 1111');

describe('known answers against independently built Vault ciphertexts', () => {
  for (const type of Object.keys(TYPE_CODES) as SymType[]) {
    const key = type === 'aes128-gcm96' ? KEY16 : KEY32;

    it(`${type}: decrypts a ciphertext built from the documented layout`, async () => {
      const h = await withFixedKey({ type });
      const ciphertext = sealIndependently(type, key, NONCE, PLAINTEXT);
      expect(await h.write('decrypt/fixed', { ciphertext })).toEqual({ plaintext: b64(PLAINTEXT) });
    });

    it(`${type}: its ciphertexts open with node:crypto (nonce ‖ ciphertext ‖ tag)`, async () => {
      const h = await withFixedKey({ type });
      const { ciphertext } = await h.write('encrypt/fixed', { plaintext: b64(PLAINTEXT) });
      expect(openIndependently(type, key, String(ciphertext))).toEqual(PLAINTEXT);
    });

    it(`${type}: associated data is authenticated`, async () => {
      const h = await withFixedKey({ type });
      const aad = Buffer.from('order-42');
      const ciphertext = sealIndependently(type, key, NONCE, PLAINTEXT, aad);
      expect(await h.write('decrypt/fixed', { ciphertext, associated_data: b64(aad) })).toEqual({ plaintext: b64(PLAINTEXT) });
      const failure = type === 'chacha20-poly1305' ? 'chacha20poly1305: message authentication failed' : 'cipher: message authentication failed';
      expect(await h.fails('write', 'decrypt/fixed', { ciphertext, associated_data: b64('order-43') })).toBe(failure);
      expect(await h.fails('write', 'decrypt/fixed', { ciphertext })).toBe(failure);
    });

    it(`${type}: derived keys use HKDF-SHA256(key, salt="", info=context)`, async () => {
      const h = await withFixedKey({ type, derived: true });
      const context = Buffer.from('tenant-7');
      const derived = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), context, key.length));
      const ciphertext = sealIndependently(type, derived, NONCE, PLAINTEXT);
      expect(await h.write('decrypt/fixed', { ciphertext, context: b64(context) })).toEqual({ plaintext: b64(PLAINTEXT) });
      const mine = await h.write('encrypt/fixed', { plaintext: b64(PLAINTEXT), context: b64(context) });
      expect(openIndependently(type, derived, String(mine['ciphertext']))).toEqual(PLAINTEXT);
      // Another context derives another key.
      const failure = type === 'chacha20-poly1305' ? 'chacha20poly1305: message authentication failed' : 'cipher: message authentication failed';
      expect(await h.fails('write', 'decrypt/fixed', { ciphertext, context: b64('tenant-8') })).toBe(failure);
    });

    it(`${type}: convergent (v3) nonces are HMAC-SHA256(derived nonce key, plaintext)[:12]`, async () => {
      const h = await withFixedKey({ type, derived: true, convergent: true });
      const context = Buffer.from('tenant-7');
      const material = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), context, key.length + 32));
      const encKey = material.subarray(0, key.length);
      const nonce = createHmac('sha256', material.subarray(key.length)).update(PLAINTEXT).digest().subarray(0, 12);
      const expected = sealIndependently(type, encKey, nonce, PLAINTEXT);
      const first = await h.write('encrypt/fixed', { plaintext: b64(PLAINTEXT), context: b64(context) });
      const second = await h.write('encrypt/fixed', { plaintext: b64(PLAINTEXT), context: b64(context) });
      expect(first['ciphertext']).toBe(expected);
      expect(second['ciphertext']).toBe(expected);
    });
  }

  it('legacy counter-mode KDF (kdf 0): HMAC-SHA256(key, be32(0) ‖ context ‖ be32(256))', async () => {
    const h = await withFixedKey({ type: 'aes256-gcm96', derived: true, kdf: 0 });
    const context = Buffer.from('ctx');
    const input = Buffer.concat([Buffer.from([0, 0, 0, 0]), context, Buffer.from([0, 0, 1, 0])]);
    const derived = createHmac('sha256', KEY32).update(input).digest();
    const ciphertext = sealIndependently('aes256-gcm96', derived, NONCE, PLAINTEXT);
    expect(await h.write('decrypt/fixed', { ciphertext, context: b64(context) })).toEqual({ plaintext: b64(PLAINTEXT) });
    expect((await h.read('keys/fixed'))['kdf']).toBe('hmac-sha256-counter');
  });

  it('accepts a v0 ciphertext as version 1 (the first releases counted from zero)', async () => {
    const h = await withFixedKey({ type: 'aes256-gcm96' });
    const ciphertext = sealIndependently('aes256-gcm96', KEY32, NONCE, PLAINTEXT).replace('vault:v1:', 'vault:v0:');
    expect(await h.write('decrypt/fixed', { ciphertext })).toEqual({ plaintext: b64(PLAINTEXT) });
  });
});

describe('RSA encryption', () => {
  it('is OAEP with SHA-256 and decrypts what node:crypto encrypts with the exported public key', async () => {
    const h = await transitHarness();
    await h.write('keys/rsa', { type: 'rsa-2048' });
    const { ciphertext } = await h.write('encrypt/rsa', { plaintext: b64(PLAINTEXT) });
    expect(await h.write('decrypt/rsa', { ciphertext })).toEqual({ plaintext: b64(PLAINTEXT) });
    const keys = (await h.read('keys/rsa'))['keys'] as Record<string, { public_key: string }>;
    const { publicEncrypt, constants } = await import('node:crypto');
    const mine = publicEncrypt({ key: keys['1']?.public_key ?? '', padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, PLAINTEXT);
    expect(await h.write('decrypt/rsa', { ciphertext: `vault:v1:${mine.toString('base64')}` })).toEqual({ plaintext: b64(PLAINTEXT) });
    expect(await h.fails('write', 'decrypt/rsa', { ciphertext: `vault:v1:${Buffer.alloc(256, 1).toString('base64')}` })).toBe(
      'failed to RSA decrypt the ciphertext: crypto/rsa: decryption error',
    );
  });
});

describe('round trips (property)', () => {
  const types = ['aes128-gcm96', 'aes256-gcm96', 'chacha20-poly1305'] as const;

  it('encrypt then decrypt returns the plaintext for every symmetric type, derived or not, across rotations', async () => {
    const h = await transitHarness();
    for (const type of types) {
      await h.write(`keys/${type}`, { type });
      await h.write(`keys/${type}-d`, { type, derived: true });
    }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...types),
        fc.boolean(),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.nat({ max: 2 }),
        async (type, derived, plaintext, context, rotations) => {
          const name = derived ? `${type}-d` : type;
          const ctx = derived ? { context: b64(context) } : {};
          const { ciphertext, key_version } = await h.write(`encrypt/${name}`, { plaintext: b64(plaintext), ...ctx });
          for (let i = 0; i < rotations; i++) await h.write(`keys/${name}/rotate`);
          expect(await h.write(`decrypt/${name}`, { ciphertext, ...ctx })).toEqual({ plaintext: b64(plaintext) });
          // Rewrap moves it to the latest version, which still decrypts.
          const latest = (await h.read(`keys/${name}`))['latest_version'];
          const rewrapped = await h.write(`rewrap/${name}`, { ciphertext, ...ctx });
          expect(rewrapped['key_version']).toBe(latest);
          expect(String(rewrapped['ciphertext']).startsWith(`vault:v${String(latest)}:`)).toBe(true);
          expect(key_version).toBeLessThanOrEqual(Number(latest));
          expect(await h.write(`decrypt/${name}`, { ciphertext: rewrapped['ciphertext'], ...ctx })).toEqual({ plaintext: b64(plaintext) });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('trimming makes the versions below min_available_version fail with "too old"', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 5 }), async (versions, cut) => {
        const minAvailable = Math.min(cut, versions);
        const h = await transitHarness();
        await h.write('keys/k');
        const ciphertexts: unknown[] = [];
        for (let v = 1; v <= versions; v++) {
          ciphertexts.push((await h.write('encrypt/k', { plaintext: b64(`v${v}`) }))['ciphertext']);
          if (v < versions) await h.write('keys/k/rotate');
        }
        await h.write('keys/k/config', { min_decryption_version: minAvailable, min_encryption_version: versions });
        const trimmed = await h.write('keys/k/trim', { min_available_version: minAvailable });
        expect(trimmed['min_available_version']).toBe(minAvailable);
        for (let v = 1; v <= versions; v++) {
          if (v < minAvailable) {
            expect(await h.fails('write', 'decrypt/k', { ciphertext: ciphertexts[v - 1] })).toBe(
              'ciphertext or signature version is disallowed by policy (too old)',
            );
          } else {
            expect(await h.write('decrypt/k', { ciphertext: ciphertexts[v - 1] })).toEqual({ plaintext: b64(`v${v}`) });
          }
        }
        // The trimmed versions are gone for good: lowering the minimum again is refused.
        if (minAvailable > 1) {
          expect(await h.fails('write', 'keys/k/config', { min_decryption_version: minAvailable - 1 })).toBe(
            'min decryption version should not be less then min available version',
          );
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe('min_decryption_version moves versions to the archive and back', () => {
  it('refuses old versions while raised and accepts them again when lowered', async () => {
    const h = await transitHarness();
    await h.write('keys/k');
    const old = (await h.write('encrypt/k', { plaintext: b64('old') }))['ciphertext'];
    await h.write('keys/k/rotate');
    await h.write('keys/k/rotate');
    await h.write('keys/k/config', { min_decryption_version: 3 });
    expect(Object.keys((await h.read('keys/k'))['keys'] as object)).toEqual(['3']);
    expect(await h.fails('write', 'decrypt/k', { ciphertext: old })).toBe('ciphertext or signature version is disallowed by policy (too old)');
    await h.write('keys/k/config', { min_decryption_version: 1 });
    expect(Object.keys((await h.read('keys/k'))['keys'] as object)).toEqual(['1', '2', '3']);
    expect(await h.write('decrypt/k', { ciphertext: old })).toEqual({ plaintext: b64('old') });
  });
});
