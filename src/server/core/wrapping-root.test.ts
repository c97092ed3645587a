import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/logger.js';
import { createBarrier } from '../barrier/index.js';
import { builtinSecretEngines } from '../engines/index.js';
import { decodeGeneratedToken } from '../seal/index.js';
import { createInmemStorage } from '../storage/index.js';
import { Core } from './core.js';
import type { IncomingRequest } from './pipeline.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

async function setup(shares = 1, threshold = 1) {
  const physical = createInmemStorage();
  const core = new Core({ physical, barrier: createBarrier(physical), backends: builtinSecretEngines, logger: silentLogger(), version: 'test' });
  const { keys, rootToken } = await core.initialize({ secretShares: shares, secretThreshold: threshold });
  await core.unsealWithKeys(keys.slice(0, threshold));
  await core.mount({ path: 'secret/', type: 'kv-v2' });
  const call = (
    op: IncomingRequest['operation'],
    path: string,
    token: string | undefined,
    data: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) => core.handleRequest({ operation: op, path, data, headers, remoteAddr: '127.0.0.1', ...(token ? { clientToken: token } : {}) });
  return { core, physical, keys, rootToken, call };
}

describe('response wrapping', () => {
  it('wraps a read into a single-use token that unwraps to the exact response', async () => {
    const { rootToken, call } = await setup();
    await call('update', 'secret/data/app', rootToken, { data: { password: 'pw' } });
    const wrapped = await call('read', 'secret/data/app', rootToken, {}, { 'x-vault-wrap-ttl': '5m' });
    const body = wrapped.response?.raw?.body as { data: unknown; wrap_info: { token: string; ttl: number; creation_path: string } };
    expect(body.data).toBeNull();
    expect(body.wrap_info).toMatchObject({ ttl: 300, creation_path: 'secret/data/app' });
    const wrapToken = body.wrap_info.token;

    // Lookup does not consume the token.
    const lookup = await call('update', 'sys/wrapping/lookup', undefined, { token: wrapToken });
    expect(lookup.response?.data).toMatchObject({ creation_path: 'secret/data/app', creation_ttl: 300 });

    const unwrapped = await call('update', 'sys/wrapping/unwrap', wrapToken);
    const original = unwrapped.response?.raw?.body as { data: { data: Record<string, string> } };
    expect(original.data.data).toEqual({ password: 'pw' });
    await expect(call('update', 'sys/wrapping/unwrap', rootToken, { token: wrapToken })).rejects.toThrow(
      'wrapping token is not valid or does not exist',
    );

    // A wrapping token can do nothing else, and trying spends it, as in Vault.
    const again = await call('read', 'secret/data/app', rootToken, {}, { 'x-vault-wrap-ttl': '5m' });
    const second = (again.response?.raw?.body as { wrap_info: { token: string } }).wrap_info.token;
    expect(await codeOf(call('read', 'secret/data/app', second))).toBe('ERR_PERMISSION_DENIED');
    await expect(call('update', 'sys/wrapping/unwrap', rootToken, { token: second })).rejects.toThrow(
      'wrapping token is not valid or does not exist',
    );
  });

  it('rejects a malformed wrap TTL header', async () => {
    const { rootToken, call } = await setup();
    expect(await codeOf(call('read', 'sys/mounts', rootToken, {}, { 'x-vault-wrap-ttl': 'soon' }))).toBe('ERR_INVALID_REQUEST');
  });
});

describe('cubbyhole', () => {
  it('is private to each token and dies with it', async () => {
    const { rootToken, call } = await setup();
    const create = async () => (await call('update', 'auth/token/create', rootToken, { policies: ['default'] })).response?.auth?.client_token ?? '';
    const a = await create();
    const b = await create();
    await call('update', 'cubbyhole/note', a, { text: 'for a only' });
    expect((await call('read', 'cubbyhole/note', a)).response?.data).toEqual({ text: 'for a only' });
    expect((await call('read', 'cubbyhole/note', b)).response).toBeNull();
    await call('update', 'auth/token/revoke', rootToken, { token: a });
    const a2 = await create();
    expect((await call('read', 'cubbyhole/note', a2)).response).toBeNull();
  });
});

describe('generate-root and rekey', () => {
  it('regenerates a root token from unseal key shares', async () => {
    const { keys, call } = await setup(3, 2);
    const started = await call('update', 'sys/generate-root/attempt', undefined);
    const { nonce, otp } = started.response?.raw?.body as { nonce: string; otp: string };
    let last: Record<string, unknown> = {};
    for (const key of keys.slice(1, 3)) {
      const res = await call('update', 'sys/generate-root/update', undefined, { key: Buffer.from(key).toString('base64'), nonce });
      last = res.response?.raw?.body as Record<string, unknown>;
    }
    expect(last['complete']).toBe(true);
    const token = decodeGeneratedToken(last['encoded_token'] as string, otp);
    expect(await codeOf(call('read', 'sys/mounts', token))).toBe('ok');
  });

  it('rekeys to new shares: the old ones stop unsealing, the new ones work', async () => {
    const { core, keys, call } = await setup(3, 2);
    const init = await call('update', 'sys/rekey/init', undefined, { secret_shares: 5, secret_threshold: 3 });
    const nonce = (init.response?.raw?.body as { nonce: string }).nonce;
    let done: { complete?: boolean; keys_base64?: string[] } = {};
    for (const key of keys.slice(0, 2)) {
      const res = await call('update', 'sys/rekey/update', undefined, { key: Buffer.from(key).toString('hex'), nonce });
      done = res.response?.raw?.body as typeof done;
    }
    expect(done.complete).toBe(true);
    expect(done.keys_base64).toHaveLength(5);
    await core.seal();
    expect(await core.sealStatus()).toMatchObject({ t: 3, n: 5 });
    await core.submitUnsealKey(keys[0] as Uint8Array);
    await core.submitUnsealKey(keys[1] as Uint8Array);
    await expect(core.submitUnsealKey(keys[2] as Uint8Array)).rejects.toThrow('unseal failed, invalid key');
    for (const key of (done.keys_base64 ?? []).slice(2, 5)) await core.submitUnsealKey(Buffer.from(key, 'base64'));
    expect(core.sealed).toBe(false);
  });
});
