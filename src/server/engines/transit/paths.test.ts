import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InmemStorage } from '../../sdk/testing.js';
import { KeyStore } from './key-store.js';
import { b64, transitHarness } from './testing.js';

describe('keys/', () => {
  it('creates, reads, lists, configures and deletes keys with Vault’s shapes', async () => {
    const h = await transitHarness();
    const created = await h.write('keys/orders');
    expect(created).toMatchObject({
      name: 'orders',
      type: 'aes256-gcm96',
      derived: false,
      deletion_allowed: false,
      exportable: false,
      allow_plaintext_backup: false,
      latest_version: 1,
      min_available_version: 0,
      min_decryption_version: 1,
      min_encryption_version: 0,
      supports_encryption: true,
      supports_decryption: true,
      supports_signing: false,
      supports_derivation: true,
      auto_rotate_period: 0,
      imported_key: false,
    });
    expect(Object.keys(created['keys'] as object)).toEqual(['1']);
    expect(typeof (created['keys'] as Record<string, unknown>)['1']).toBe('number');
    const again = await h.call('write', 'keys/orders');
    expect(again?.warnings).toEqual(['key orders already existed']);
    await h.write('keys/b', { type: 'ecdsa-p384' });
    expect((await h.call('list', 'keys'))?.data).toEqual({ keys: ['b', 'orders'] });
    expect(await h.call('read', 'keys/nope')).toBeNull();

    expect(await h.fails('delete', 'keys/orders')).toBe('error deleting policy orders: deletion is not allowed for this key');
    const configured = await h.write('keys/orders/config', { deletion_allowed: true, auto_rotate_period: '24h' });
    expect(configured).toMatchObject({ deletion_allowed: true, auto_rotate_period: 86400 });
    expect(await h.call('delete', 'keys/orders')).toBeNull();
    expect(await h.call('read', 'keys/orders')).toBeNull();
    expect((await h.call('list', 'keys'))?.data).toEqual({ keys: ['b'] });
  });

  it('shows asymmetric keys with their public keys and curve names', async () => {
    const h = await transitHarness();
    const ec = await h.write('keys/ec', { type: 'ecdsa-p256' });
    const entry = (ec['keys'] as Record<string, Record<string, string>>)['1'];
    expect(entry?.['name']).toBe('P-256');
    expect(entry?.['public_key']).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(entry?.['creation_time']).toMatch(/^\d{4}-\d\d-\d\dT/);
    const ed = await h.write('keys/ed', { type: 'ed25519' });
    expect(Buffer.from(String((ed['keys'] as Record<string, Record<string, string>>)['1']?.['public_key']), 'base64').length).toBe(32);
    const hmac = await h.write('keys/mac', { type: 'hmac', key_size: 64 });
    expect(hmac).toMatchObject({ type: 'hmac', key_size: 64, supports_encryption: false, supports_signing: false });
    expect(hmac['keys']).toBeUndefined();
    const derived = await h.write('keys/conv', { derived: true, convergent_encryption: true });
    expect(derived).toMatchObject({ derived: true, kdf: 'hkdf_sha256', convergent_encryption: true, convergent_encryption_version: -1 });
  });

  it('validates creation input', async () => {
    const h = await transitHarness();
    expect(await h.fails('write', 'keys/k', { type: 'des' })).toBe('unknown key type des');
    expect(await h.fails('write', 'keys/k', { convergent_encryption: true })).toBe('convergent encryption requires derivation to be enabled');
    expect(await h.fails('write', 'keys/k', { type: 'rsa-2048', derived: true })).toBe(
      'key derivation and convergent encryption not supported for keys of type rsa-2048',
    );
    expect(await h.fails('write', 'keys/k', { type: 'ed25519', derived: true, convergent_encryption: true })).toBe(
      'convergent encryption not supported for keys of type ed25519',
    );
    expect(await h.fails('write', 'keys/k', { key_size: 64 })).toBe('key_size is not valid for algorithm aes256-gcm96');
    expect(await h.fails('write', 'keys/k', { type: 'hmac', key_size: 16 })).toBe('invalid key_size 16');
    expect(await h.fails('write', 'keys/k', { auto_rotate_period: '10m' })).toBe('auto rotate period must be 0 to disable or at least an hour');
    expect(await h.call('read', 'keys/k')).toBeNull();
  });

  it('config: one-way switches, version bounds and Vault’s messages', async () => {
    const h = await transitHarness();
    await h.write('keys/k');
    await h.write('keys/k/rotate');
    await h.write('keys/k/rotate');
    expect(await h.fails('write', 'keys/nope/config', { deletion_allowed: true })).toBe('no existing key named nope could be found');
    expect(await h.fails('write', 'keys/k/config', { min_decryption_version: 4 })).toBe('cannot set min decryption version of 4, latest key version is 3');
    expect(await h.fails('write', 'keys/k/config', { min_encryption_version: -1 })).toBe('min encryption version cannot be negative');
    expect(await h.fails('write', 'keys/k/config', { min_decryption_version: 3, min_encryption_version: 2 })).toBe(
      'cannot set min encryption/decryption values; min encryption version of 2 must be greater than or equal to min decryption version of 3',
    );
    // The failed write changed nothing.
    expect(await h.read('keys/k')).toMatchObject({ min_decryption_version: 1, min_encryption_version: 0 });
    const zero = await h.call('write', 'keys/k/config', { min_decryption_version: 0 });
    expect(zero?.warnings?.[0]).toContain('forcing minimum to 1');
    await h.write('keys/k/config', { exportable: true, allow_plaintext_backup: true });
    await h.write('keys/k/config', { exportable: false, allow_plaintext_backup: false });
    expect(await h.read('keys/k')).toMatchObject({ exportable: true, allow_plaintext_backup: true });
    expect(await h.fails('write', 'keys/k/config', { auto_rotate_period: 60 })).toBe('auto rotate period must be 0 to disable or at least an hour');
  });

  it('trim: Vault’s preconditions', async () => {
    const h = await transitHarness();
    await h.write('keys/k');
    await h.write('keys/k/rotate');
    expect(await h.fails('write', 'keys/k/trim', { min_available_version: 1 })).toBe(
      'minimum available version cannot be set when minimum encryption version is not set',
    );
    await h.write('keys/k/config', { min_encryption_version: 2, min_decryption_version: 2 });
    expect(await h.fails('write', 'keys/k/trim', {})).toBe('missing min_available_version');
    expect(await h.fails('write', 'keys/k/trim', { min_available_version: 3 })).toBe('minimum available version cannot be greater than minmum encryption version');
    expect(await h.fails('write', 'keys/k/trim', { min_available_version: 0 })).toBe('minimum available version should be positive');
    expect(await h.write('keys/k/trim', { min_available_version: 2 })).toMatchObject({ min_available_version: 2 });
    expect(await h.fails('write', 'keys/k/trim', { min_available_version: 1 })).toBe('minimum available version cannot be decremented');
    expect(await h.fails('write', 'keys/nope/trim', { min_available_version: 1 })).toBe('invalid key name');
  });

  it('rotations from many concurrent requests are serialised', async () => {
    const h = await transitHarness();
    await h.write('keys/k');
    const results = await Promise.all(Array.from({ length: 20 }, () => h.write('keys/k/rotate')));
    expect(results.map((r) => r['latest_version']).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(Object.keys((await h.read('keys/k'))['keys'] as object)).toHaveLength(21);
  });
});

describe('encrypt/decrypt', () => {
  it('creates an aes256-gcm96 key on first use, derived when a context is given', async () => {
    const h = await transitHarness();
    const first = await h.call('write', 'encrypt/new', { plaintext: b64('x') });
    expect(first?.data).toMatchObject({ key_version: 1 });
    expect(first?.warnings).toBeUndefined();
    expect(await h.read('keys/new')).toMatchObject({ type: 'aes256-gcm96', derived: false });
    await h.write('encrypt/ctx', { plaintext: b64('x'), context: b64('c'), type: 'chacha20-poly1305' });
    expect(await h.read('keys/ctx')).toMatchObject({ type: 'chacha20-poly1305', derived: true });
    expect(await h.fails('write', 'encrypt/ec', { plaintext: b64('x'), type: 'ecdsa-p256' })).toBe('key type ecdsa-p256 not supported for this operation');
    expect(await h.fails('write', 'encrypt/c', { plaintext: b64('x'), convergent_encryption: true })).toBe(
      'convergent encryption requires derivation to be enabled, so context is required',
    );
  });

  it('creates one key when many first encryptions race', async () => {
    const h = await transitHarness();
    const results = await Promise.all(Array.from({ length: 10 }, () => h.call('write', 'encrypt/race', { plaintext: b64('x') })));
    expect(results.every((r) => r?.data?.['key_version'] === 1)).toBe(true);
    expect((await h.read('keys/race'))['latest_version']).toBe(1);
  });

  it('does not create keys when config/keys disables upsert', async () => {
    const h = await transitHarness();
    expect(await h.write('config/keys', { disable_upsert: true })).toEqual({ disable_upsert: true });
    expect(await h.fails('write', 'encrypt/none', { plaintext: b64('x') })).toBe('encryption key not found');
    expect(await h.read('config/keys')).toEqual({ disable_upsert: true });
  });

  it('answers every documented error with Vault’s text', async () => {
    const h = await transitHarness();
    await h.write('keys/k');
    await h.write('keys/d', { derived: true });
    await h.write('keys/ed', { type: 'ed25519' });
    const { ciphertext } = await h.write('encrypt/k', { plaintext: b64('secret') });
    const body = String(ciphertext).slice('vault:v1:'.length);
    expect(await h.fails('write', 'decrypt/missing', { ciphertext })).toBe('encryption key not found');
    expect(await h.fails('write', 'decrypt/k', {})).toBe('missing ciphertext to decrypt');
    expect(await h.fails('write', 'decrypt/k', { ciphertext: body })).toBe('invalid ciphertext: no prefix');
    expect(await h.fails('write', 'decrypt/k', { ciphertext: 'vault:v1' })).toBe('invalid ciphertext: wrong number of fields');
    expect(await h.fails('write', 'decrypt/k', { ciphertext: `vault:vX:${body}` })).toBe('invalid ciphertext: version number could not be decoded');
    expect(await h.fails('write', 'decrypt/k', { ciphertext: `vault:v2:${body}` })).toBe('invalid ciphertext: version is too new');
    expect(await h.fails('write', 'decrypt/k', { ciphertext: 'vault:v1:!!!!' })).toBe('invalid ciphertext: could not decode base64');
    expect(await h.fails('write', 'decrypt/k', { ciphertext: 'vault:v1:AAAA' })).toBe('invalid ciphertext length');
    const tampered = Buffer.from(body, 'base64');
    tampered[20] = (tampered[20] ?? 0) ^ 1;
    expect(await h.fails('write', 'decrypt/k', { ciphertext: `vault:v1:${tampered.toString('base64')}` })).toBe('cipher: message authentication failed');
    expect(await h.fails('write', 'encrypt/k', {})).toBe('missing plaintext to encrypt');
    expect(await h.fails('write', 'encrypt/k', { plaintext: 'not base64!' })).toBe('illegal base64 data at input byte 3');
    expect(await h.fails('write', 'encrypt/k', { plaintext: b64('x'), key_version: 5 })).toBe(
      'requested version for encryption is higher than the latest key version',
    );
    expect(await h.fails('write', 'encrypt/k', { plaintext: b64('x'), nonce: b64('123456789012') })).toBe('provided nonce not allowed for this key');
    expect(await h.fails('write', 'encrypt/ed', { plaintext: b64('x') })).toBe('message encryption not supported for key type ed25519');
    expect(await h.fails('write', 'encrypt/d', { plaintext: b64('x') })).toContain("missing 'context' for key derivation");
    const derived = await h.write('encrypt/d', { plaintext: b64('x'), context: b64('a') });
    expect(await h.fails('write', 'decrypt/d', { ciphertext: derived['ciphertext'], context: b64('b') })).toBe('cipher: message authentication failed');
    await h.write('keys/r', { type: 'rsa-2048' });
    expect(await h.fails('write', 'encrypt/r', { plaintext: b64('x'), associated_data: b64('ad') })).toBe(
      "'[0].associated_data' provided for non-AEAD cipher suite rsa-2048",
    );
  });

  it('encrypts with an older version only down to min_encryption_version', async () => {
    const h = await transitHarness();
    await h.write('keys/k');
    await h.write('keys/k/rotate');
    expect((await h.write('encrypt/k', { plaintext: b64('x'), key_version: 1 }))['key_version']).toBe(1);
    await h.write('keys/k/config', { min_encryption_version: 2 });
    expect(await h.fails('write', 'encrypt/k', { plaintext: b64('x'), key_version: 1 })).toBe(
      'requested version for encryption is less than the minimum encryption key version',
    );
  });
});

describe('batches', () => {
  it('encrypt and decrypt: per-item results in order, references echoed, 400 when an item failed', async () => {
    const h = await transitHarness();
    await h.write('keys/k');
    const ok = await h.call('write', 'encrypt/k', {
      batch_input: [
        { plaintext: b64('one'), reference: 'r1' },
        { plaintext: b64('two'), reference: 'r2' },
      ],
    });
    expect(ok?.httpStatus).toBeUndefined();
    const items = ok?.data?.['batch_results'] as Record<string, unknown>[];
    expect(items.map((i) => Object.keys(i))).toEqual([
      ['ciphertext', 'key_version', 'reference'],
      ['ciphertext', 'key_version', 'reference'],
    ]);
    expect(items.map((i) => i['reference'])).toEqual(['r1', 'r2']);

    const mixed = await h.call('write', 'decrypt/k', {
      batch_input: [{ ciphertext: items[0]?.['ciphertext'], reference: 'a' }, { ciphertext: 'garbage', reference: 'b' }, { ciphertext: items[1]?.['ciphertext'] }],
    });
    expect(mixed?.httpStatus).toBe(400);
    expect(mixed?.data?.['batch_results']).toEqual([
      { plaintext: b64('one'), reference: 'a' },
      { plaintext: '', error: 'invalid ciphertext: no prefix', reference: 'b' },
      { plaintext: b64('two'), reference: '' },
    ]);

    const partial = await h.call('write', 'encrypt/k', {
      batch_input: [{ plaintext: b64('x') }, { plaintext: '%%%' }],
      partial_failure_response_code: 207,
    });
    expect(partial?.httpStatus).toBe(207);
    expect((partial?.data?.['batch_results'] as Record<string, unknown>[])[1]).toEqual({ error: 'illegal base64 data at input byte 0', reference: '' });
    const allBad = await h.call('write', 'encrypt/k', { batch_input: [{ plaintext: '%%%' }], partial_failure_response_code: 207 });
    expect(allBad?.httpStatus).toBe(400);
  });

  it('refuses malformed batches as a whole', async () => {
    const h = await transitHarness();
    await h.write('keys/k');
    expect(await h.fails('write', 'encrypt/k', { batch_input: [] })).toBe('missing batch input to process');
    expect(await h.fails('write', 'encrypt/k', { batch_input: 'x' })).toContain('failed to parse batch input');
    expect(await h.fails('write', 'encrypt/k', { batch_input: [{ plaintext: 5 }] })).toContain("'[0].plaintext' expected type 'string'");
    expect(await h.fails('write', 'encrypt/k', { batch_input: [{ context: b64('a') }] })).toContain("'[0].plaintext' missing plaintext to encrypt");
    expect(await h.fails('write', 'decrypt/k', { batch_input: [{}] })).toContain("'[0].ciphertext' missing ciphertext to decrypt");
    expect(
      await h.fails('write', 'encrypt/k', { batch_input: [{ plaintext: b64('a'), context: b64('c') }, { plaintext: b64('b') }] }),
    ).toBe('context should be set either in all the request blocks or in none');
  });

  it('rewrap, sign, verify and hmac answer 200 with per-item errors', async () => {
    const h = await transitHarness();
    await h.write('keys/k');
    await h.write('keys/s', { type: 'ed25519' });
    const { ciphertext } = await h.write('encrypt/k', { plaintext: b64('x') });
    await h.write('keys/k/rotate');
    const rewrap = await h.call('write', 'rewrap/k', { batch_input: [{ ciphertext, reference: 'a' }, { ciphertext: 'bad' }] });
    expect(rewrap?.httpStatus).toBeUndefined();
    const rewrapped = rewrap?.data?.['batch_results'] as Record<string, unknown>[];
    expect(rewrapped[0]).toMatchObject({ key_version: 2, reference: 'a' });
    expect(rewrapped[1]).toEqual({ error: 'invalid ciphertext: no prefix', reference: '' });

    const signed = await h.call('write', 'sign/s', { batch_input: [{ input: b64('a'), reference: '1' }, { input: '!' }, { context: 'x' }] });
    expect(signed?.httpStatus).toBeUndefined();
    const sigs = signed?.data?.['batch_results'] as Record<string, unknown>[];
    expect(sigs[0]).toMatchObject({ key_version: 1, reference: '1' });
    expect(sigs[1]).toEqual({ key_version: 0, error: 'unable to decode input as base64: illegal base64 data at input byte 0', reference: '' });
    expect(sigs[2]).toEqual({ key_version: 0, error: 'missing input', reference: '' });
    const verified = await h.call('write', 'verify/s', {
      batch_input: [
        { input: b64('a'), signature: sigs[0]?.['signature'], reference: 'x' },
        { input: b64('b'), signature: sigs[0]?.['signature'] },
      ],
    });
    expect(verified?.data?.['batch_results']).toEqual([
      { valid: true, reference: 'x' },
      { valid: false, reference: '' },
    ]);
    expect(await h.fails('write', 'verify/s', { batch_input: [{ input: b64('a'), signature: 'x' }, { input: b64('a') }] })).toBe(
      "some elements of batch_input are missing 'signature'",
    );
  });
});

describe('hmac', () => {
  it('is HMAC(version key, input) with the vault:v<N>: prefix; verify accepts it; each version has its own key', async () => {
    const h = await transitHarness();
    await h.write('keys/k', { exportable: true });
    const { hmac } = await h.write('hmac/k/sha2-512', { input: b64('data') });
    const keys = (await h.read('export/hmac-key/k'))['keys'] as Record<string, string>;
    const expected = createHmac('sha512', Buffer.from(keys['1'] ?? '', 'base64')).update('data').digest('base64');
    expect(hmac).toBe(`vault:v1:${expected}`);
    expect(await h.write('verify/k/sha2-512', { input: b64('data'), hmac })).toEqual({ valid: true });
    expect(await h.write('verify/k', { input: b64('data'), hmac })).toEqual({ valid: false });
    await h.write('keys/k/rotate');
    const second = await h.write('hmac/k', { input: b64('data'), algorithm: 'sha2-512' });
    expect(second['hmac']).not.toBe(hmac);
    expect(String(second['hmac']).startsWith('vault:v2:')).toBe(true);
    const batch = await h.write('hmac/k', { batch_input: [{ input: b64('a'), reference: 'r' }, { input: '?' }] });
    expect(batch['batch_results']).toEqual([
      { hmac: expect.stringMatching(/^vault:v2:/), reference: 'r' },
      { error: 'unable to decode input as base64: illegal base64 data at input byte 0', reference: '' },
    ]);
    expect(await h.fails('write', 'hmac/k', { input: b64('a'), algorithm: 'md5' })).toBe('unsupported algorithm "md5"');
    expect(await h.fails('write', 'hmac/k', {})).toBe('missing input for HMAC');
    expect(await h.fails('write', 'hmac/nope', { input: b64('a') })).toBe('encryption key not found');
    expect(await h.fails('write', 'verify/k', { input: b64('a'), hmac: 'x' })).toBe('invalid HMAC to verify: no prefix');
  });

  it('hmac keys use their own key material', async () => {
    const h = await transitHarness();
    await h.write('keys/m', { type: 'hmac', exportable: true });
    const key = ((await h.read('export/hmac-key/m/latest'))['keys'] as Record<string, string>)['1'] ?? '';
    expect(Buffer.from(key, 'base64').length).toBe(32);
    const { hmac } = await h.write('hmac/m', { input: b64('z') });
    expect(hmac).toBe(`vault:v1:${createHmac('sha256', Buffer.from(key, 'base64')).update('z').digest('base64')}`);
  });
});

describe('datakey', () => {
  it('returns a wrapped key that decrypts to the plaintext key', async () => {
    const h = await transitHarness();
    await h.write('keys/k');
    for (const bits of [128, 256, 512]) {
      const dk = await h.write('datakey/plaintext/k', { bits });
      expect(Buffer.from(String(dk['plaintext']), 'base64').length).toBe(bits / 8);
      expect(await h.write('decrypt/k', { ciphertext: dk['ciphertext'] })).toEqual({ plaintext: dk['plaintext'] });
    }
    const wrapped = await h.write('datakey/wrapped/k');
    expect(Object.keys(wrapped).sort()).toEqual(['ciphertext', 'key_version']);
    expect(await h.fails('write', 'datakey/other/k')).toBe("Invalid path, must be 'plaintext' or 'wrapped'");
    expect(await h.fails('write', 'datakey/wrapped/k', { bits: 64 })).toBe('invalid bit length');
    expect(await h.fails('write', 'datakey/wrapped/nope')).toBe('encryption key not found');
  });
});

describe('export, backup, restore', () => {
  it('exports in Vault’s formats and only when exportable', async () => {
    const h = await transitHarness();
    await h.write('keys/aes', { exportable: true });
    await h.write('keys/ec', { type: 'ecdsa-p256', exportable: true });
    await h.write('keys/ed', { type: 'ed25519', exportable: true });
    await h.write('keys/rsa', { type: 'rsa-2048', exportable: true });
    await h.write('keys/locked');
    const keyOf = async (path: string): Promise<string> => ((await h.read(path))['keys'] as Record<string, string>)['1'] ?? '';

    expect(Buffer.from(await keyOf('export/encryption-key/aes'), 'base64').length).toBe(32);
    const ecPem = await keyOf('export/signing-key/ec');
    expect(ecPem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+-----END EC PRIVATE KEY-----$/);
    const ecPub = (await h.read('keys/ec'))['keys'] as Record<string, { public_key: string }>;
    expect(createPublicKey(createPrivateKey(ecPem)).export({ type: 'spki', format: 'pem' })).toBe(ecPub['1']?.public_key);
    expect(await keyOf('export/public-key/ec')).toBe(ecPub['1']?.public_key.trim());
    expect(Buffer.from(await keyOf('export/signing-key/ed'), 'base64').length).toBe(64);
    expect(await keyOf('export/signing-key/rsa')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(await keyOf('export/encryption-key/rsa')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect((await h.read('export/signing-key/rsa', { format: 'pem' }))['keys']).toMatchObject({ '1': expect.stringMatching(/^-----BEGIN PRIVATE KEY-----/) });

    expect(await h.fails('read', 'export/encryption-key/locked')).toBe('private key material is not exportable');
    expect(await h.fails('read', 'export/signing-key/aes')).toBe('signing not supported for the key');
    expect(await h.fails('read', 'export/encryption-key/ec')).toBe('encryption not supported for the key');
    expect(await h.fails('read', 'export/bogus-key/aes')).toBe('invalid export type: bogus-key');
    expect(await h.fails('read', 'export/encryption-key/aes/7')).toBe('version does not exist or cannot be found');
    expect(await h.fails('read', 'export/encryption-key/aes/v0')).toBe('version for export is below minimum decryption version');
    expect(await h.call('read', 'export/encryption-key/nope')).toBeNull();
    // Public keys need no exportable flag.
    await h.write('keys/pub', { type: 'ecdsa-p384' });
    expect(await keyOf('export/public-key/pub')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('backs up and restores, keeping every version and the ability to decrypt', async () => {
    const h = await transitHarness();
    await h.write('keys/k', { exportable: true, allow_plaintext_backup: true });
    const old = (await h.write('encrypt/k', { plaintext: b64('old') }))['ciphertext'];
    await h.write('keys/k/rotate');
    await h.write('keys/k/config', { min_decryption_version: 2 });
    const { backup } = await h.read('backup/k');
    const decoded = JSON.parse(Buffer.from(String(backup), 'base64').toString()) as {
      policy: Record<string, unknown>;
      archived_keys: { keys: unknown[] };
    };
    expect(Object.keys(decoded.policy.keys as object)).toEqual(['2']);
    expect(decoded.archived_keys.keys).toHaveLength(3);
    expect(decoded.policy['backup_info']).toMatchObject({ version: 2 });

    const target = await transitHarness();
    expect(await target.call('write', 'restore', { backup })).toBeNull();
    expect(await target.fails('write', 'restore', { backup })).toBe('key "k" already exists');
    await target.write('restore', { backup, force: true });
    await target.write('keys/k/config', { min_decryption_version: 1 });
    expect(await target.write('decrypt/k', { ciphertext: old })).toEqual({ plaintext: b64('old') });
    expect(await target.read('keys/k')).toMatchObject({ restore_info: { version: 2 }, latest_version: 2 });
    await target.write('restore/renamed', { backup });
    expect((await target.call('list', 'keys'))?.data).toEqual({ keys: ['k', 'renamed'] });

    await h.write('keys/plain');
    expect(await h.fails('read', 'backup/plain')).toBe('exporting is disallowed on the policy');
    expect(await h.fails('write', 'restore', {})).toBe("'backup' must be supplied");
    expect(await h.fails('write', 'restore/a/b', { backup })).toBe('key names cannot be paths');
    expect(await h.fails('write', 'restore', { backup: b64('{}') })).toBe('backup data does not contain a valid policy');
  });

  it('restores a Vault backup of an ECDSA key (big integers as bare JSON numbers) and signs with it', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwk = privateKey.export({ format: 'jwk' });
    const int = (v: string | undefined): string => BigInt(`0x${Buffer.from(v ?? '', 'base64url').toString('hex')}`).toString(10);
    const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    const entry = `{"key":null,"hmac_key":"${Buffer.alloc(32, 7).toString('base64')}","time":"2023-05-06T07:08:09.123456789Z","ec_x":${int(jwk.x)},"ec_y":${int(jwk.y)},"ec_d":${int(jwk.d)},"public_key":${JSON.stringify(publicPem)},"creation_time":1683356889}`;
    const json =
      `{"policy":{"name":"legacy","keys":{"1":${entry}},"derived":false,"kdf":0,"convergent_encryption":false,"exportable":true,` +
      `"min_decryption_version":1,"min_encryption_version":0,"latest_version":1,"archive_version":1,"archive_min_version":0,` +
      `"min_available_version":0,"deletion_allowed":false,"convergent_version":0,"type":1,"backup_info":null,"restore_info":null,` +
      `"allow_plaintext_backup":true,"version_template":"","storage_prefix":"","auto_rotate_period":0,"Imported":false,"AllowImportedKeyRotation":false},` +
      `"archived_keys":{"keys":[{"key":null,"hmac_key":null,"time":"0001-01-01T00:00:00Z","creation_time":0},${entry}]}}\n`;
    const h = await transitHarness();
    await h.write('restore', { backup: Buffer.from(json).toString('base64') });
    const { signature } = await h.write('sign/legacy', { input: b64('msg') });
    const der = Buffer.from(String(signature).slice('vault:v1:'.length), 'base64');
    expect(nodeVerify('sha256', Buffer.from('msg'), createPublicKey(privateKey), der)).toBe(true);
    const keys = (await h.read('keys/legacy'))['keys'] as Record<string, { creation_time: string }>;
    expect(keys['1']?.creation_time).toBe('2023-05-06T07:08:09.123456789Z');
    // And our own backup of it writes the same integers back out.
    const { backup } = await h.read('backup/legacy');
    const text = Buffer.from(String(backup), 'base64').toString();
    expect(text).toContain(`"ec_d":${int(jwk.d)}`);
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('random, hash, cache-config', () => {
  it('random: bytes, formats, URL forms and limits', async () => {
    const h = await transitHarness();
    expect(Buffer.from(String((await h.write('random'))['random_bytes']), 'base64').length).toBe(32);
    expect(String((await h.write('random/16', { format: 'hex' }))['random_bytes'])).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(String((await h.write('random/platform/8'))['random_bytes']), 'base64').length).toBe(8);
    expect(Buffer.from(String((await h.write('random/all', { bytes: 4 }))['random_bytes']), 'base64').length).toBe(4);
    expect((await h.call('write', 'random/seal/4'))?.warnings).toEqual(['no seal/entropy augmentation available, using platform entropy source']);
    expect(await h.fails('write', 'random', { bytes: 0 })).toBe('"bytes" cannot be less than 1');
    expect(await h.fails('write', 'random', { bytes: 200_000 })).toBe('"bytes" should be less than 131072');
    expect(await h.fails('write', 'random', { format: 'b32' })).toBe('unsupported encoding format "b32"; must be "hex" or "base64"');
    expect(await h.fails('write', 'random/moon/4')).toBe('unsupported entropy source "moon"; must be "platform" or "seal", or "all"');
    expect(await h.fails('write', 'random/abc')).toContain('error parsing url-set byte count');
  });

  it('hash: sums in hex (default) or base64', async () => {
    const h = await transitHarness();
    const input = Buffer.from('hash me');
    expect(await h.write('hash', { input: b64(input) })).toEqual({ sum: createHash('sha256').update(input).digest('hex') });
    expect(await h.write('hash/sha3-512', { input: b64(input), format: 'base64' })).toEqual({
      sum: createHash('sha3-512').update(input).digest('base64'),
    });
    expect(await h.write('hash', { input: b64(input), algorithm: 'sha2-224' })).toEqual({ sum: createHash('sha224').update(input).digest('hex') });
    expect(await h.fails('write', 'hash', {})).toBe('input missing');
    expect(await h.fails('write', 'hash/sha1', { input: b64(input) })).toBe('unsupported algorithm sha1');
    expect(await h.fails('write', 'hash', { input: b64(input), format: 'raw' })).toBe('unsupported encoding format raw; must be "hex" or "base64"');
  });

  it('cache-config: stored and applied; invalid sizes refused', async () => {
    const h = await transitHarness();
    expect(await h.read('cache-config')).toEqual({ size: 0 });
    expect(await h.write('cache-config', { size: 20 })).toEqual({ size: 20 });
    expect(await h.read('cache-config')).toEqual({ size: 20 });
    expect(await h.fails('write', 'cache-config', { size: 5 })).toBe('size must be 0 or a value greater or equal to 10');
    // Keys beyond the LRU size still work (they are reloaded from storage).
    for (let i = 0; i < 25; i++) await h.write(`keys/k${i}`);
    for (let i = 0; i < 25; i++) expect((await h.read(`keys/k${i}`))['name']).toBe(`k${i}`);
  });
});

describe('auto-rotation', () => {
  it('rotates lazily on use once the period has passed', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const h = await transitHarness({ now: () => now });
    await h.write('keys/k', { auto_rotate_period: '2h' });
    now += 3_600_000;
    expect((await h.write('encrypt/k', { plaintext: b64('x') }))['key_version']).toBe(1);
    now += 2 * 3_600_000;
    expect((await h.write('encrypt/k', { plaintext: b64('x') }))['key_version']).toBe(2);
    expect((await h.read('keys/k'))['latest_version']).toBe(2);
  });

  it('the periodic sweep rotates every key that is due, and only those', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const store = new KeyStore(new InmemStorage(), () => now);
    const options = { type: 'aes256-gcm96' as const, derived: false, convergent: false, exportable: false, allowPlaintextBackup: false, keySize: 0 };
    await store.upsert({ ...options, name: 'hourly', autoRotatePeriodSec: 3600 });
    await store.upsert({ ...options, name: 'daily', autoRotatePeriodSec: 86400 });
    await store.upsert({ ...options, name: 'never', autoRotatePeriodSec: 0 });
    now += 2 * 3_600_000;
    expect(await store.rotateDue()).toBe(1);
    expect((await store.get('hourly'))?.latestVersion).toBe(2);
    expect((await store.get('daily'))?.latestVersion).toBe(1);
    expect((await store.get('never'))?.latestVersion).toBe(1);
  });

  it('keeps key material in storage as Vault does: policy/<name> and archive/<name>', async () => {
    const storage = new InmemStorage();
    const store = new KeyStore(storage, Date.now);
    await store.upsert({ name: 'k', type: 'aes256-gcm96', derived: false, convergent: false, exportable: false, allowPlaintextBackup: false, autoRotatePeriodSec: 0, keySize: 0 });
    expect([...storage.entries.keys()].sort()).toEqual(['archive/k', 'policy/k']);
    const policy = JSON.parse(Buffer.from(storage.entries.get('policy/k') ?? []).toString()) as Record<string, unknown>;
    expect(policy).toMatchObject({ name: 'k', type: 0, latest_version: 1, min_decryption_version: 1, archive_version: 1 });
    // A second store over the same storage (a restart) serves the same key.
    const restarted = new KeyStore(storage, Date.now);
    expect((await restarted.get('k'))?.keys.get(1)?.key).toEqual((await store.get('k'))?.keys.get(1)?.key);
  });
});
