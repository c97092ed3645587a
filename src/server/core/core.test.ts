import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/logger.js';
import { createBarrier } from '../barrier/index.js';
import { builtinSecretEngines } from '../engines/index.js';
import { createInmemStorage, type PhysicalStorage } from '../storage/index.js';
import { Core } from './core.js';
import type { IncomingRequest } from './pipeline.js';

function newCore(physical: PhysicalStorage = createInmemStorage()): Core {
  return new Core({
    physical,
    barrier: createBarrier(physical),
    backends: builtinSecretEngines,
    logger: silentLogger(),
    version: 'test',
  });
}

function req(operation: IncomingRequest['operation'], path: string, token?: string, data: Record<string, unknown> = {}): IncomingRequest {
  return { operation, path, data, headers: {}, remoteAddr: '127.0.0.1', ...(token ? { clientToken: token } : {}) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

async function initAndUnseal(core: Core, shares = 3, threshold = 2) {
  const { keys, rootToken } = await core.initialize({ secretShares: shares, secretThreshold: threshold });
  await core.unsealWithKeys(keys.slice(0, threshold));
  return { keys, rootToken };
}

describe('Core lifecycle', () => {
  it('initialises sealed, unseals at the threshold and reports progress', async () => {
    const core = newCore();
    expect(await core.isInitialized()).toBe(false);
    const { keys, rootToken } = await core.initialize({ secretShares: 3, secretThreshold: 2 });
    expect(keys).toHaveLength(3);
    expect(rootToken).toMatch(/^hvs\.[0-9A-Za-z]{24}$/);
    expect(core.sealed).toBe(true);
    expect(await core.sealStatus()).toMatchObject({ initialized: true, sealed: true, t: 2, n: 3, progress: 0 });

    await core.submitUnsealKey(keys[0] as Uint8Array);
    const midway = await core.sealStatus();
    expect(midway).toMatchObject({ sealed: true, progress: 1 });
    expect(midway.nonce).not.toBe('');

    await core.submitUnsealKey(keys[2] as Uint8Array);
    expect(await core.sealStatus()).toMatchObject({ sealed: false, progress: 0, nonce: '' });
    expect((await core.sealStatus()).cluster_id).toBeTruthy();
  });

  it('refuses to initialise twice', async () => {
    const core = newCore();
    await core.initialize({ secretShares: 1, secretThreshold: 1 });
    await expect(core.initialize({ secretShares: 1, secretThreshold: 1 })).rejects.toThrow('Vault is already initialized');
  });

  it('rejects keys of another server and stays sealed', async () => {
    const other = newCore();
    const { keys: otherKeys } = await other.initialize({ secretShares: 3, secretThreshold: 2 });
    const core = newCore();
    await core.initialize({ secretShares: 3, secretThreshold: 2 });
    await core.submitUnsealKey(otherKeys[0] as Uint8Array);
    await expect(core.submitUnsealKey(otherKeys[1] as Uint8Array)).rejects.toThrow('unseal failed, invalid key');
    expect(core.sealed).toBe(true);
    expect((await core.sealStatus()).progress).toBe(0);
  });

  it('answers only the sealed-safe sys paths while sealed', async () => {
    const core = newCore();
    const { rootToken } = await initAndUnseal(core);
    await core.seal();
    expect(await codeOf(core.handleRequest(req('read', 'secret/data/x', rootToken)))).toBe('ERR_SEALED');
    expect(await codeOf(core.handleRequest(req('read', 'sys/mounts', rootToken)))).toBe('ERR_SEALED');
    // A token sent along to an unauthenticated sys path must not be looked up behind the barrier.
    const status = await core.handleRequest(req('read', 'sys/seal-status', rootToken));
    expect(status.response?.raw?.body).toMatchObject({ sealed: true });
  });
});

describe('Core authentication', () => {
  it('accepts the root token and denies missing or unknown tokens', async () => {
    const core = newCore();
    const { rootToken } = await initAndUnseal(core);
    const ok = await core.handleRequest(req('read', 'sys/mounts', rootToken));
    expect(ok.response?.data).toHaveProperty(['sys/']);
    expect(await codeOf(core.handleRequest(req('read', 'sys/mounts')))).toBe('ERR_PERMISSION_DENIED');
    await expect(core.handleRequest(req('read', 'sys/mounts', 'hvs.not-a-token'))).rejects.toMatchObject({
      code: 'ERR_PERMISSION_DENIED',
      details: ['invalid token'],
    });
  });

  it('gives the root token a 404 for unknown routes but others a 403', async () => {
    const core = newCore();
    const { rootToken } = await initAndUnseal(core);
    await expect(core.handleRequest(req('read', 'nowhere/x', rootToken))).rejects.toThrow(
      'no handler for route "nowhere/x". route entry not found.',
    );
    expect(await codeOf(core.handleRequest(req('read', 'nowhere/x', 'hvs.bogus')))).toBe('ERR_PERMISSION_DENIED');
  });

  it('keeps working tokens across seal and unseal', async () => {
    const core = newCore();
    const { keys, rootToken } = await initAndUnseal(core, 1, 1);
    const chosen = await core.createRootToken('root');
    await core.seal();
    await core.unsealWithKeys(keys);
    for (const token of [rootToken, chosen]) {
      expect(await codeOf(core.handleRequest(req('read', 'sys/mounts', token)))).toBe('ok');
    }
  });
});

describe('Core mounts', () => {
  it('persists the mount table and the data across seal/unseal', async () => {
    const physical = createInmemStorage();
    const core = newCore(physical);
    const { keys, rootToken } = await initAndUnseal(core, 1, 1);
    await core.mount({ path: 'kv/', type: 'kv-v2' });
    await core.handleRequest(req('update', 'kv/data/app', rootToken, { data: { a: '1' } }));
    await core.seal();

    const restarted = newCore(physical);
    await restarted.unsealWithKeys(keys);
    expect(restarted.listMounts().map((m) => m.path)).toEqual(['sys/', 'cubbyhole/', 'identity/', 'kv/']);
    const read = await restarted.handleRequest(req('read', 'kv/data/app', rootToken));
    expect(read.response?.data).toMatchObject({ data: { a: '1' } });
  });

  it('rejects conflicting, protected and unknown mounts', async () => {
    const core = newCore();
    await initAndUnseal(core, 1, 1);
    await core.mount({ path: 'team/', type: 'kv' });
    await expect(core.mount({ path: 'team/', type: 'kv' })).rejects.toThrow('path is already in use at team/');
    await expect(core.mount({ path: 'team/a/', type: 'kv' })).rejects.toThrow('existing mount at team/');
    expect(await codeOf(core.mount({ path: 'sys/x/', type: 'kv' }))).toBe('ERR_PERMISSION_DENIED');
    await expect(core.mount({ path: 'x/', type: 'nope' })).rejects.toThrow('plugin not found in the catalog: nope');
    await expect(core.mount({ path: 'y/', type: 'kv', config: { default_lease_ttl: 7200, max_lease_ttl: 3600 } })).rejects.toThrow(
      'given default lease TTL greater than given max lease TTL',
    );
  });

  it('removes a disabled mount’s data so a new mount at the path starts empty', async () => {
    const core = newCore();
    const { rootToken } = await initAndUnseal(core, 1, 1);
    await core.mount({ path: 'tmp/', type: 'kv' });
    await core.handleRequest(req('update', 'tmp/k', rootToken, { v: 'x' }));
    await core.unmount('tmp/');
    await core.unmount('tmp/'); // disabling a missing mount succeeds
    await core.mount({ path: 'tmp/', type: 'kv' });
    const read = await core.handleRequest(req('read', 'tmp/k', rootToken));
    expect(read.response).toBeNull();
  });

  it('remounts without losing data', async () => {
    const core = newCore();
    const { rootToken } = await initAndUnseal(core, 1, 1);
    await core.mount({ path: 'old/', type: 'kv' });
    await core.handleRequest(req('update', 'old/k', rootToken, { v: 'x' }));
    await core.remount('old/', 'new/');
    expect(core.getMount('old/')).toBeNull();
    const read = await core.handleRequest(req('read', 'new/k', rootToken));
    expect(read.response?.data).toEqual({ v: 'x' });
  });

  it('tunes TTLs, reports effective values and upgrades kv v1 to v2 in place', async () => {
    const core = newCore();
    const { rootToken } = await initAndUnseal(core, 1, 1);
    await core.mount({ path: 'kv/', type: 'kv' });
    await core.handleRequest(req('update', 'kv/app', rootToken, { user: 'admin' }));
    const entry = core.getMount('kv/');
    expect(entry && core.effectiveTtls(entry)).toEqual({ defaultLeaseTtl: 2764800, maxLeaseTtl: 2764800 });

    await core.tune('kv/', { defaultLeaseTtl: 3600 });
    const v1Read = await core.handleRequest(req('read', 'kv/app', rootToken));
    expect(v1Read.response?.leaseDuration).toBe(3600);

    const { warnings } = await core.tune('kv/', { options: { version: '2' } });
    expect(warnings[0]).toMatch(/^Upgrading mount from version 1 to version 2/);
    const v2Read = await core.handleRequest(req('read', 'kv/data/app', rootToken));
    expect(v2Read.response?.data).toMatchObject({ data: { user: 'admin' }, metadata: { version: 1 } });
    await expect(core.tune('kv/', { options: { version: '1' } })).rejects.toThrow('cannot change kv mount version from 2 to 1');
  });
});

describe('Core remount and the running backend', () => {
  it('shows the backend its new path after a remount', async () => {
    const { defineBackend, definePath } = await import('../sdk/index.js');
    const whereami = () =>
      defineBackend({
        kind: 'logical',
        help: 'reports its mount path',
        paths: [definePath({ pattern: 'where', fields: {}, operations: { read: async (req) => ({ data: { path: req.mount.path } }) } })],
      });
    const physical = createInmemStorage();
    const core = new Core({ physical, barrier: createBarrier(physical), backends: { whereami }, logger: silentLogger(), version: 'test' });
    const { rootToken } = await initAndUnseal(core, 1, 1);
    await core.mount({ path: 'a/', type: 'whereami' });
    await core.remount('a/', 'b/');
    const res = await core.handleRequest(req('read', 'b/where', rootToken));
    expect(res.response?.data).toEqual({ path: 'b/' });
  });
});
