import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { createTestBackend } from '../../sdk/testing.js';
import { createKubernetesFactory, kubernetesFactory } from './index.js';

const REVIEWER = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.c2ln`;

async function backend() {
  return createTestBackend(kubernetesFactory, { type: 'kubernetes', path: 'auth/kubernetes/' });
}

describe('kubernetes auth: config', () => {
  it('is unconfigured at first, and login is the only unauthenticated path', async () => {
    const b = await backend();
    expect(await b.request('read', 'config')).toBeNull();
    expect(b.backend.spec.kind).toBe('credential');
    expect(b.backend.isSpecialPath('unauthenticated', 'login')).toBe(true);
    expect(b.backend.isSpecialPath('unauthenticated', 'config')).toBe(false);
  });

  it('requires kubernetes_host', async () => {
    const b = await backend();
    await expect(b.request('write', 'config', {})).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message: 'no host provided' });
  });

  it('stores the configuration with Vault defaults and never returns the reviewer JWT', async () => {
    const b = await backend();
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(await b.request('write', 'config', { kubernetes_host: 'https://k8s.example:6443', token_reviewer_jwt: REVIEWER, pem_keys: [pem] })).toBeNull();
    const read = await b.request('read', 'config');
    expect(read?.data).toEqual({
      kubernetes_host: 'https://k8s.example:6443',
      kubernetes_ca_cert: '',
      pem_keys: [pem.trim()],
      issuer: '',
      disable_iss_validation: true,
      disable_local_ca_jwt: false,
      local_token_validation: false,
    });
    expect(JSON.stringify(read)).not.toContain(REVIEWER);
  });

  it('replaces the whole configuration on write', async () => {
    const b = await backend();
    await b.request('write', 'config', { kubernetes_host: 'a', kubernetes_ca_cert: 'CA', issuer: 'iss', disable_iss_validation: false });
    await b.request('write', 'config', { kubernetes_host: 'b' });
    expect((await b.request('read', 'config'))?.data).toMatchObject({ kubernetes_host: 'b', kubernetes_ca_cert: '', issuer: '', disable_iss_validation: true });
  });

  it('validates pem_keys and the reviewer JWT', async () => {
    const b = await backend();
    await expect(b.request('write', 'config', { kubernetes_host: 'h', pem_keys: ['not a key'] })).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
      message: 'data does not contain any valid RSA or ECDSA public keys',
    });
    await expect(b.request('write', 'config', { kubernetes_host: 'h', token_reviewer_jwt: 'opaque-token' })).rejects.toMatchObject({
      code: 'ERR_INVALID_REQUEST',
    });
  });

  it('accepts a pino logger', async () => {
    const b = await createTestBackend(createKubernetesFactory({ logger: silentLogger(), localServiceAccountDir: null }), { type: 'kubernetes' });
    expect(await b.request('read', 'config')).toBeNull();
  });
});
