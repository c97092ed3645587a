import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { envelope } from '../api/testing.js';
import { startCliHarness, type CliHarness } from './testing.js';

const CIPHERTEXT = 'vault:v1:c2VhbGVkLWJ5LXRoZS10ZXN0';

let h: CliHarness;
beforeEach(async () => {
  h = await startCliHarness({
    'PUT /v1/transit/encrypt/orders': { body: envelope({ ciphertext: CIPHERTEXT, key_version: 1 }) },
    'PUT /v1/kms/encrypt/orders': { body: envelope({ ciphertext: CIPHERTEXT, key_version: 1 }) },
    'PUT /v1/transit/decrypt/orders': { body: envelope({ plaintext: Buffer.from('4111 1111 1111 1111').toString('base64') }) },
  });
});
afterEach(async () => {
  await h.close();
});

describe('transit encrypt / decrypt', () => {
  it('base64-encodes the plaintext (and context) and prints the ciphertext', async () => {
    const r = await h.run(['transit', 'encrypt', '-context=tenant-a', 'orders', '4111 1111 1111 1111']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(CIPHERTEXT);
    expect(h.vault.requests[0]?.json).toEqual({
      plaintext: Buffer.from('4111 1111 1111 1111').toString('base64'),
      context: Buffer.from('tenant-a').toString('base64'),
    });
  });

  it('reads the plaintext from stdin and honours -mount', async () => {
    const r = await h.run(['transit', 'encrypt', '-mount=kms', 'orders', '-'], { stdin: 'from stdin' });
    expect(r.code).toBe(0);
    expect(h.vault.requests[0]?.path).toBe('/v1/kms/encrypt/orders');
    expect(h.vault.requests[0]?.json).toEqual({ plaintext: Buffer.from('from stdin').toString('base64') });
  });

  it('decrypts and prints the decoded plaintext', async () => {
    const r = await h.run(['transit', 'decrypt', 'orders', CIPHERTEXT]);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe('4111 1111 1111 1111');
    expect(h.vault.requests[0]?.json).toEqual({ ciphertext: CIPHERTEXT });
  });

  it('needs a key name', async () => {
    const r = await h.run(['transit', 'encrypt']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Not enough arguments/);
  });
});
