import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, createClient } from './index.js';
import { startFakeVault, type FakeVault } from './testing.js';

const TOKEN = 'hvs.APITESTTOKENabcdefghijk';
const KEY = 'c2hhcmUtb25lLWZvci10aGUtZ2VuZXJhdGUtcm9vdA==';
const NONCE = '2dbd10f1-8528-6246-09e7-82b25b8aba63';

const GR_STATUS = {
  nonce: NONCE,
  started: true,
  progress: 0,
  required: 3,
  complete: false,
  encoded_token: '',
  encoded_root_token: '',
  pgp_fingerprint: '',
  otp: '',
  otp_length: 28,
};
const RK_STATUS = { nonce: NONCE, started: true, t: 2, n: 3, progress: 0, required: 3, pgp_fingerprints: null, backup: false, verification_required: false };
const VERIFY_STATUS = { nonce: 'verify-nonce', started: true, t: 2, n: 3, progress: 0 };

let vault: FakeVault;
beforeEach(async () => {
  vault = await startFakeVault();
});
afterEach(async () => {
  await vault.close();
});

function client() {
  // A default wrap TTL must not reach these endpoints (their answers carry key material).
  return createClient({ address: vault.address, token: TOKEN, env: {}, wrapTtl: '5m' });
}

const calls = (): string[] => vault.requests.map((r) => `${r.method} ${r.path} ${r.body}`);

describe('sys.generateRoot', () => {
  it('status / start / update / cancel use Vault’s methods, paths and bodies, unwrapped', async () => {
    vault.routes.set('GET /v1/sys/generate-root/attempt', { body: GR_STATUS });
    vault.routes.set('PUT /v1/sys/generate-root/attempt', { body: { ...GR_STATUS, otp: 'x'.repeat(28) } });
    vault.routes.set('PUT /v1/sys/generate-root/update', { body: { ...GR_STATUS, progress: 1 } });
    vault.routes.set('DELETE /v1/sys/generate-root/attempt', { status: 204 });
    const c = client();
    expect(await c.sys.generateRoot.status()).toEqual(GR_STATUS);
    expect((await c.sys.generateRoot.start()).otp).toBe('x'.repeat(28));
    await c.sys.generateRoot.start({ otp: 'y'.repeat(28) });
    expect((await c.sys.generateRoot.update(KEY, NONCE)).progress).toBe(1);
    await c.sys.generateRoot.cancel();
    expect(calls()).toEqual([
      'GET /v1/sys/generate-root/attempt ',
      'PUT /v1/sys/generate-root/attempt {}',
      `PUT /v1/sys/generate-root/attempt {"otp":"${'y'.repeat(28)}"}`,
      `PUT /v1/sys/generate-root/update {"key":"${KEY}","nonce":"${NONCE}"}`,
      'DELETE /v1/sys/generate-root/attempt ',
    ]);
    for (const r of vault.requests) expect(r.headers['x-vault-wrap-ttl']).toBeUndefined();
    // Control: the client's default wrap TTL does go out on an ordinary request.
    await c.request('GET', 'sys/mounts');
    expect(vault.requests.at(-1)?.headers['x-vault-wrap-ttl']).toBe('5m');
    c.close();
  });

  it('errors are ApiErrors that name the URL, never the key share', async () => {
    vault.routes.set('PUT /v1/sys/generate-root/update', { status: 400, body: { errors: ['no root generation in progress'] } });
    const c = client();
    const err = await c.sys.generateRoot.update(KEY, NONCE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as Error).message).toContain('PUT');
    expect((err as Error).message).toContain('no root generation in progress');
    expect((err as Error).message).not.toContain(KEY);
    c.close();
  });
});

describe('sys.rekey', () => {
  it('status / start / update / cancel(nonce?) map onto sys/rekey/init and update', async () => {
    vault.routes.set('GET /v1/sys/rekey/init', { body: RK_STATUS });
    vault.routes.set('PUT /v1/sys/rekey/init', { body: RK_STATUS });
    vault.routes.set('PUT /v1/sys/rekey/update', { body: { ...RK_STATUS, progress: 1 } });
    vault.routes.set('DELETE /v1/sys/rekey/init', { status: 204 });
    const c = client();
    expect(await c.sys.rekey.status()).toEqual(RK_STATUS);
    await c.sys.rekey.start({ secret_shares: 3, secret_threshold: 2 });
    await c.sys.rekey.start({ secret_shares: 5, secret_threshold: 3, require_verification: true });
    const partial = await c.sys.rekey.update(KEY, NONCE);
    expect(partial.complete).toBeUndefined();
    await c.sys.rekey.cancel();
    await c.sys.rekey.cancel(NONCE);
    expect(calls()).toEqual([
      'GET /v1/sys/rekey/init ',
      'PUT /v1/sys/rekey/init {"secret_shares":3,"secret_threshold":2}',
      'PUT /v1/sys/rekey/init {"secret_shares":5,"secret_threshold":3,"require_verification":true}',
      `PUT /v1/sys/rekey/update {"key":"${KEY}","nonce":"${NONCE}"}`,
      // Always a JSON body: Vault ≥1.16 fails on an empty DELETE ("EOF").
      'DELETE /v1/sys/rekey/init {}',
      `DELETE /v1/sys/rekey/init {"nonce":"${NONCE}"}`,
    ]);
    for (const r of vault.requests) expect(r.headers['x-vault-wrap-ttl']).toBeUndefined();
    c.close();
  });

  it('the final update narrows to the new shares', async () => {
    const done = { nonce: NONCE, complete: true, keys: ['aa'], keys_base64: ['qg=='], pgp_fingerprints: null, backup: false, verification_required: false };
    vault.routes.set('PUT /v1/sys/rekey/update', { body: done });
    const c = client();
    const r = await c.sys.rekey.update(KEY, NONCE);
    if (r.complete !== true) throw new Error('expected the final response');
    expect(r.keys_base64).toEqual(['qg==']);
    c.close();
  });

  it('verifyStatus / verifyUpdate / verifyCancel use sys/rekey/verify', async () => {
    vault.routes.set('GET /v1/sys/rekey/verify', { body: VERIFY_STATUS });
    vault.routes.set('PUT /v1/sys/rekey/verify', { body: { nonce: 'verify-nonce', complete: true } });
    vault.routes.set('DELETE /v1/sys/rekey/verify', { body: { ...VERIFY_STATUS, nonce: 'rotated' } });
    const c = client();
    expect(await c.sys.rekey.verifyStatus()).toEqual(VERIFY_STATUS);
    expect(await c.sys.rekey.verifyUpdate(KEY, 'verify-nonce')).toEqual({ nonce: 'verify-nonce', complete: true });
    expect((await c.sys.rekey.verifyCancel())?.nonce).toBe('rotated');
    vault.routes.set('DELETE /v1/sys/rekey/verify', { status: 204 });
    expect(await c.sys.rekey.verifyCancel()).toBeNull();
    expect(calls().slice(0, 3)).toEqual([
      'GET /v1/sys/rekey/verify ',
      `PUT /v1/sys/rekey/verify {"key":"${KEY}","nonce":"verify-nonce"}`,
      'DELETE /v1/sys/rekey/verify ',
    ]);
    c.close();
  });
});
