/**
 * The sdk paths for `sys/generate-root/*` and `sys/rekey/*`: raw JSON bodies, field parsing,
 * Vault's error texts for a missing or badly encoded `key`, 204 for DELETE.
 */
import { describe, expect, it } from 'vitest';
import { UnsupportedOperationError, UserError } from '../../shared/errors.js';
import { createTestBackend } from '../sdk/testing.js';
import type { LogicalResponse } from '../sdk/index.js';
import { createGenerateRootAttempt } from './generate-root.js';
import { generateRootPaths, rekeyPaths } from './paths.js';
import { createRekeyOperation } from './rekey.js';
import { decodeGeneratedToken } from './root-token-otp.js';
import { b64Of, hexOf, initUnsealed, rejection, unsealFresh } from './testing.js';

async function sysBackend(shares = 3, threshold = 2) {
  const h = await initUnsealed(shares, threshold);
  const generateRoot = createGenerateRootAttempt(h.deps);
  const rekey = createRekeyOperation(h.deps);
  const t = await createTestBackend(() => ({
    kind: 'logical',
    help: 'system',
    paths: [...generateRootPaths({ generateRoot }), ...rekeyPaths({ rekey })],
  }), { type: 'system', path: 'sys/' });
  return { ...h, ...t, generateRoot, rekey };
}

function body(resp: LogicalResponse | null): Record<string, any> {
  if (resp?.raw === undefined) throw new Error('expected a raw response');
  expect(resp.raw.status).toBe(200);
  return resp.raw.body as Record<string, any>;
}

describe('sys/generate-root paths', () => {
  it('runs the whole flow over raw JSON', async () => {
    const s = await sysBackend();
    expect(body(await s.request('read', 'generate-root/attempt'))).toMatchObject({ started: false, otp_length: 28, required: 2 });
    const started = body(await s.request('update', 'generate-root/attempt', {}));
    expect(started.otp).toHaveLength(28);
    const partial = body(await s.request('update', 'generate-root/update', { key: hexOf(s.shares[0] ?? new Uint8Array()), nonce: started.nonce }));
    expect(partial).toMatchObject({ progress: 1, complete: false });
    const done = body(await s.request('update', 'generate-root/update', { key: b64Of(s.shares[1] ?? new Uint8Array()), nonce: started.nonce }));
    expect(done.complete).toBe(true);
    expect(decodeGeneratedToken(done.encoded_token, started.otp)).toBe(s.tokens[0]);
  });

  it('passes a client OTP and refuses a PGP key', async () => {
    const s = await sysBackend();
    const started = body(await s.request('update', 'generate-root/attempt', { otp: 'q'.repeat(28) }));
    expect(started).toMatchObject({ started: true, otp: '' });
    await s.request('delete', 'generate-root/attempt');
    await expect(s.request('update', 'generate-root/attempt', { pgp_key: 'abc' })).rejects.toBeInstanceOf(UserError);
  });

  it('DELETE answers 204 (no body) and cancels', async () => {
    const s = await sysBackend();
    await s.request('update', 'generate-root/attempt', {});
    expect(await s.request('delete', 'generate-root/attempt')).toBeNull();
    expect(body(await s.request('read', 'generate-root/attempt')).started).toBe(false);
  });

  it('a missing or undecodable key is a 400 with Vault’s text', async () => {
    const s = await sysBackend();
    const { nonce } = body(await s.request('update', 'generate-root/attempt', {}));
    await expect(s.request('update', 'generate-root/update', { nonce })).rejects.toThrow(
      "'key' must be specified in request body as JSON",
    );
    await expect(s.request('update', 'generate-root/update', { key: '', nonce })).rejects.toThrow(
      "'key' must be specified in request body as JSON",
    );
    await expect(s.request('update', 'generate-root/update', { key: '%%%', nonce })).rejects.toThrow(
      "'key' must be a valid hex or base64 string",
    );
    await expect(s.request('update', 'generate-root/update', { key: hexOf(s.shares[0] ?? new Uint8Array()) })).rejects.toThrow(
      'incorrect nonce supplied',
    );
  });

  it('GET-only verbs are refused where Vault has none', async () => {
    const s = await sysBackend();
    await expect(s.request('read', 'generate-root/update')).rejects.toBeInstanceOf(UnsupportedOperationError);
  });
});

describe('sys/rekey paths', () => {
  it('init → update → new shares, with string/number coercion of the config', async () => {
    const s = await sysBackend(3, 2);
    const status = body(await s.request('update', 'rekey/init', { secret_shares: '4', secret_threshold: 2 }));
    expect(status).toMatchObject({ started: true, t: 2, n: 4, required: 2, pgp_fingerprints: null, backup: false });
    body(await s.request('update', 'rekey/update', { key: hexOf(s.shares[0] ?? new Uint8Array()), nonce: status.nonce }));
    const done = body(await s.request('update', 'rekey/update', { key: b64Of(s.shares[2] ?? new Uint8Array()), nonce: status.nonce }));
    expect(done.complete).toBe(true);
    expect(done.keys).toHaveLength(4);
    await unsealFresh(s.physical, (done.keys as string[]).slice(2).map((k) => new Uint8Array(Buffer.from(k, 'hex'))));
  });

  it('refuses PGP keys and backup, with Vault’s texts', async () => {
    const s = await sysBackend();
    await expect(s.request('update', 'rekey/init', { secret_shares: 3, secret_threshold: 2, backup: true })).rejects.toThrow(
      'cannot request a backup of the new keys without providing PGP keys for encryption',
    );
    await expect(s.request('update', 'rekey/init', { secret_shares: 1, secret_threshold: 1, pgp_keys: ['k'] })).rejects.toThrow(
      'PGP-encrypted key shares are not supported',
    );
  });

  it('DELETE init takes the nonce from the body/query; 204', async () => {
    const s = await sysBackend();
    const { nonce } = body(await s.request('update', 'rekey/init', { secret_shares: 3, secret_threshold: 2 }));
    const err = await rejection(s.request('delete', 'rekey/init'));
    expect(err.message).toBe('invalid request');
    expect(await s.request('delete', 'rekey/init', { nonce })).toBeNull();
    expect(body(await s.request('read', 'rekey/init')).started).toBe(false);
  });

  it('verify: GET, POST and DELETE answer raw JSON', async () => {
    const s = await sysBackend();
    const { nonce } = body(await s.request('update', 'rekey/init', { secret_shares: 2, secret_threshold: 2, require_verification: true }));
    expect(body(await s.request('read', 'rekey/verify'))).toEqual({ nonce: '', started: false, t: 2, n: 2, progress: 0 });
    body(await s.request('update', 'rekey/update', { key: hexOf(s.shares[0] ?? new Uint8Array()), nonce }));
    const done = body(await s.request('update', 'rekey/update', { key: hexOf(s.shares[1] ?? new Uint8Array()), nonce }));
    expect(done).toMatchObject({ complete: true, verification_required: true });
    const restarted = body(await s.request('delete', 'rekey/verify'));
    expect(restarted).toMatchObject({ started: true, progress: 0 });
    const keys = done.keys as string[];
    const first = body(await s.request('update', 'rekey/verify', { key: keys[0], nonce: restarted.nonce }));
    expect(first).toMatchObject({ progress: 1, started: true });
    const complete = body(await s.request('update', 'rekey/verify', { key: keys[1], nonce: restarted.nonce }));
    expect(complete).toEqual({ nonce: restarted.nonce, complete: true });
    await unsealFresh(s.physical, keys.map((k) => new Uint8Array(Buffer.from(k, 'hex'))));
  });
});
