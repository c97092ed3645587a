import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/logger.js';
import { builtinAuthMethods } from '../auth/index.js';
import { createBarrier } from '../barrier/index.js';
import { builtinSecretEngines } from '../engines/index.js';
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

/** An unsealed core with the real auth methods; requests come from `remoteAddr`. */
async function unsealedCore(remoteAddr = '127.0.0.1') {
  const physical = createInmemStorage();
  const core = new Core({
    physical,
    barrier: createBarrier(physical),
    backends: builtinSecretEngines,
    authBackends: builtinAuthMethods,
    logger: silentLogger(),
    version: 'test',
  });
  const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
  await core.unsealWithKeys(keys);
  const call = (op: IncomingRequest['operation'], path: string, token: string | undefined, data: Record<string, unknown> = {}) =>
    core.handleRequest({ operation: op, path, data, headers: {}, remoteAddr, ...(token ? { clientToken: token } : {}) });
  return { rootToken, call };
}

describe('sys/locked-users with userpass', () => {
  it('locks a user out after the threshold, lists them, and unlocks them', async () => {
    const { rootToken, call } = await unsealedCore();

    await call('update', 'sys/auth/userpass', rootToken, { type: 'userpass', config: { user_lockout_config: { lockout_threshold: 2 } } });
    await call('update', 'auth/userpass/users/bob', rootToken, { password: 'right-horse' });
    expect(await codeOf(call('update', 'auth/userpass/login/bob', undefined, { password: 'wrong' }))).toBe('ERR_INVALID_REQUEST');
    expect(await codeOf(call('update', 'auth/userpass/login/bob', undefined, { password: 'wrong' }))).toBe('ERR_INVALID_REQUEST');
    // Locked: even the right password is refused.
    expect(await codeOf(call('update', 'auth/userpass/login/bob', undefined, { password: 'right-horse' }))).toBe('ERR_PERMISSION_DENIED');

    const accessor = ((await call('read', 'sys/auth', rootToken)).response?.data as Record<string, { accessor: string }>)['userpass/']?.accessor ?? '';
    const locked = await call('read', 'sys/locked-users', rootToken);
    expect(locked.response?.data).toMatchObject({
      total: 1,
      by_namespace: [{ namespace_id: 'root', mount_accessors: [{ mount_accessor: accessor, counts: 1, alias_identifiers: ['bob'] }] }],
    });
    await call('update', `sys/locked-users/${accessor}/unlock/bob`, rootToken);
    const login = await call('update', 'auth/userpass/login/bob', undefined, { password: 'right-horse' });
    expect(login.response?.auth?.metadata).toEqual({ username: 'bob' });
    expect((await call('read', 'sys/locked-users', rootToken)).response?.data).toMatchObject({ total: 0 });
  });
});

describe('sys/quotas/rate-limit through the pipeline', () => {
  it('answers 429 once a client exceeds a login quota', async () => {
    const { rootToken, call } = await unsealedCore('192.0.2.7');
    await call('update', 'sys/auth/approle', rootToken, { type: 'approle' });
    await call('update', 'sys/quotas/rate-limit/logins', rootToken, { path: 'auth/approle/login', rate: 2, interval: '1m' });
    expect((await call('read', 'sys/quotas/rate-limit/logins', rootToken)).response?.data).toMatchObject({ rate: 2, interval: 60, type: 'rate-limit' });
    for (let i = 0; i < 2; i++) expect(await codeOf(call('update', 'auth/approle/login', undefined, { role_id: 'x', secret_id: 'y' }))).toBe('ERR_INVALID_REQUEST');
    expect(await codeOf(call('update', 'auth/approle/login', undefined, { role_id: 'x', secret_id: 'y' }))).toBe('ERR_RATE_LIMITED');
  });
});
