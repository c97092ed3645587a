import { describe, expect, it } from 'vitest';
import { scramHash, scramVerifier } from './scram.js';

describe('scramVerifier', () => {
  it('matches an independent computation (Python hashlib) for a fixed salt', async () => {
    const salt = Buffer.from(Array.from({ length: 16 }, (_, i) => i));
    expect(await scramVerifier('pencil', salt)).toBe(
      'SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw==$zHCdol2044/ZyWzPLi7oxApCkamKw9Z+E4U/QApd/5Y=:dd5peBOitVnLNFu7VmwP+HiDaaw4OUCv396eVCWhYiE=',
    );
  });
});

describe('scramHash', () => {
  it('uses a fresh 16-byte salt each time and never contains the password', async () => {
    const a = await scramHash('correct horse');
    const b = await scramHash('correct horse');
    expect(a).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
  });
});
