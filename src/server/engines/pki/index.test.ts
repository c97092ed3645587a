import { describe, expect, it } from 'vitest';
import { dataOf, pkiBackend } from './testing.js';

describe('pki backend', () => {
  it('declares the unauthenticated paths Vault does (fetches only, never writes)', async () => {
    const pki = await pkiBackend();
    for (const path of ['ca', 'ca/pem', 'ca_chain', 'crl', 'crl/pem', 'cert/01:02', 'cert/01-02/raw/pem', 'cert/ca_chain']) {
      expect(pki.backend.isSpecialPath('unauthenticated', path), path).toBe(true);
    }
    for (const path of ['issue/web', 'roles/web', 'revoke', 'root/generate/internal', 'config/urls', 'certs', 'issuer/default', 'tidy']) {
      expect(pki.backend.isSpecialPath('unauthenticated', path), path).toBe(false);
    }
  });

  it('answers raw fetches with Vault content types, and 204 before a CA exists', async () => {
    const pki = await pkiBackend();
    for (const path of ['ca', 'ca/pem', 'ca_chain', 'crl', 'crl/pem']) {
      expect((await pki.request('read', path))?.raw?.status, path).toBe(204);
    }
    await pki.request('write', 'root/generate/internal', { common_name: 'R', key_type: 'ec' });
    const types: Record<string, string> = {
      ca: 'application/pkix-cert',
      'ca/pem': 'application/pem-certificate-chain',
      ca_chain: 'application/pkix-cert',
      crl: 'application/pkix-crl',
      'crl/pem': 'application/x-pem-file',
    };
    for (const [path, type] of Object.entries(types)) {
      const raw = (await pki.request('read', path))?.raw;
      expect(raw?.status, path).toBe(200);
      expect(raw?.contentType, path).toBe(type);
    }
    expect(dataOf(await pki.request('read', 'cert/ca'))['certificate']).toMatch(/BEGIN CERTIFICATE/);
    expect(await pki.request('read', 'cert/01:02:03')).toBeNull();
  });

  it('warns about parameters it does not know', async () => {
    const pki = await pkiBackend();
    const resp = await pki.request('write', 'roles/r', { allow_any_name: true, bogus_field: 1 });
    expect(resp?.warnings).toContain('Endpoint ignored these unrecognized parameters: [bogus_field]');
  });
});
