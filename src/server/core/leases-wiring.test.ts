/**
 * The lease manager wired into the core: a backend's leased secret gets a lease id in the
 * response, sys/leases renews and revokes it through the backend's SecretKind, and token
 * revocation, unmount, quotas and restarts revoke what they must.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/logger.js';
import { createBarrier } from '../barrier/index.js';
import { builtinSecretEngines } from '../engines/index.js';
import { defineBackend, definePath, f, type BackendFactory, type LeaseRequest } from '../sdk/index.js';
import { createInmemStorage, type PhysicalStorage } from '../storage/index.js';
import { Core } from './core.js';
import type { IncomingRequest } from './pipeline.js';

interface Recorder {
  revoked: { username: string; leaseId: string }[];
  renewed: LeaseRequest[];
  failRevoke: boolean;
  displayNames: (string | undefined)[];
}

/** An engine issuing one leased "user" per read of `creds/:name`. */
function leasingEngine(rec: Recorder): BackendFactory {
  return () =>
    defineBackend({
      kind: 'logical',
      help: 'test engine with leases',
      paths: [
        definePath({
          pattern: 'creds/(?<name>\\w+)',
          fields: { name: f.string({ required: true }), ttl: f.durationSecond({ default: 60 }) },
          operations: {
            read: async (req, fields) => {
              rec.displayNames.push(req.displayName);
              return {
                data: { username: `u-${fields.name}` },
                secret: { kind: 'user', ttl: fields.ttl, maxTtl: 300, renewable: true, internalData: { username: `u-${fields.name}` } },
              };
            },
          },
        }),
      ],
      secrets: [
        {
          type: 'user',
          async renew(req) {
            rec.renewed.push(req);
            return { ttl: req.increment || 60 };
          },
          async revoke(req) {
            if (rec.failRevoke) throw new Error('database refused the drop');
            rec.revoked.push({ username: String(req.internalData['username']), leaseId: req.leaseId });
          },
        },
      ],
    });
}

function setup(physical: PhysicalStorage = createInmemStorage(), clock = { ms: Date.UTC(2026, 0, 1) }) {
  const rec: Recorder = { revoked: [], renewed: [], failRevoke: false, displayNames: [] };
  const core = new Core({
    physical,
    barrier: createBarrier(physical),
    backends: { ...builtinSecretEngines, leasy: leasingEngine(rec) },
    logger: silentLogger(),
    version: 'test',
    now: () => clock.ms,
  });
  return { core, rec, clock, physical };
}

function req(operation: IncomingRequest['operation'], path: string, token: string, data: Record<string, unknown> = {}): IncomingRequest {
  return { operation, path, data, headers: {}, remoteAddr: '127.0.0.1', clientToken: token };
}

async function ready(core: Core): Promise<{ root: string; keys: Uint8Array[] }> {
  const { keys, rootToken } = await core.initialize({ secretShares: 1, secretThreshold: 1 });
  await core.unsealWithKeys(keys);
  await core.handleRequest(req('update', 'sys/mounts/leasy', rootToken, { type: 'leasy' }));
  return { root: rootToken, keys };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

describe('leases in the request pipeline', () => {
  it('answers a leased secret with lease_id, lease_duration and renewable, and passes the display name', async () => {
    const { core, rec } = setup();
    const { root } = await ready(core);
    const { response } = await core.handleRequest(req('read', 'leasy/creds/app', root, { ttl: '30s' }));
    expect(response?.leaseId).toMatch(/^leasy\/creds\/app\/[0-9A-Za-z]{24}$/);
    expect(response?.leaseDuration).toBe(30);
    expect(response?.renewable).toBe(true);
    expect(response?.secret).toBeUndefined();
    expect(response?.data).toEqual({ username: 'u-app' });
    expect(rec.displayNames).toEqual(['root']);
    expect(core.leases.has(response?.leaseId ?? '')).toBe(true);
  });

  it('renews through the backend and revokes through it with the stored internal data', async () => {
    const { core, rec, clock } = setup();
    const { root } = await ready(core);
    const leaseId = (await core.handleRequest(req('read', 'leasy/creds/app', root))).response?.leaseId ?? '';
    clock.ms += 10_000;
    const renewed = (await core.handleRequest(req('update', 'sys/leases/renew', root, { lease_id: leaseId, increment: 120 }))).response;
    expect(renewed).toMatchObject({ leaseId, leaseDuration: 120, renewable: true });
    expect(rec.renewed[0]?.increment).toBe(120);
    const lookup = (await core.handleRequest(req('update', 'sys/leases/lookup', root, { lease_id: leaseId }))).response;
    expect(lookup?.data).toMatchObject({ id: leaseId, renewable: true, ttl: 120 });

    await core.handleRequest(req('update', 'sys/leases/revoke', root, { lease_id: leaseId }));
    expect(rec.revoked).toEqual([{ username: 'u-app', leaseId }]);
    expect(core.leases.has(leaseId)).toBe(false);
  });

  it('revokes a lease when it expires, and caps renewals at the secret max TTL', async () => {
    const { core, rec, clock } = setup();
    const { root } = await ready(core);
    const leaseId = (await core.handleRequest(req('read', 'leasy/creds/app', root, { ttl: 60 }))).response?.leaseId ?? '';
    clock.ms += 50_000;
    const renewed = (await core.handleRequest(req('update', 'sys/leases/renew', root, { lease_id: leaseId, increment: 3600 }))).response;
    expect(renewed?.leaseDuration).toBe(250); // 300 s max from issue, 50 s gone
    expect(renewed?.warnings?.join(' ')).toMatch(/max/i);
    await core.leases.processExpired();
    expect(rec.revoked).toEqual([]);
    clock.ms += 251_000;
    await core.leases.processExpired();
    expect(rec.revoked.map((r) => r.leaseId)).toEqual([leaseId]);
  });

  it("revokes a token's leases when the token is revoked", async () => {
    const { core, rec } = setup();
    const { root } = await ready(core);
    const child = (await core.handleRequest(req('update', 'auth/token/create', root, { policies: ['root'] }))).response?.auth?.client_token ?? '';
    const leaseId = (await core.handleRequest(req('read', 'leasy/creds/mine', child))).response?.leaseId ?? '';
    await core.handleRequest(req('update', 'auth/token/revoke-self', child));
    await core.leases.processExpired();
    expect(rec.revoked.map((r) => r.leaseId)).toEqual([leaseId]);
  });

  it('revokes every lease of a secrets engine when it is disabled, and keeps the mount when that fails', async () => {
    const { core, rec } = setup();
    const { root } = await ready(core);
    await core.handleRequest(req('read', 'leasy/creds/a', root));
    await core.handleRequest(req('read', 'leasy/creds/b', root));
    rec.failRevoke = true;
    expect(await codeOf(core.handleRequest(req('delete', 'sys/mounts/leasy', root)))).toMatch(/database refused the drop/);
    expect(core.getMount('leasy/')).toBeTruthy();
    rec.failRevoke = false;
    await core.handleRequest(req('delete', 'sys/mounts/leasy', root));
    expect(rec.revoked.map((r) => r.username).sort()).toEqual(['u-a', 'u-b']);
    expect(core.leases.count()).toBe(0);
  });

  it('refuses with 429 past a lease-count quota and destroys the secret it could not lease', async () => {
    const { core, rec } = setup();
    const { root } = await ready(core);
    await core.handleRequest(req('update', 'sys/quotas/lease-count/one', root, { path: 'leasy/', max_leases: 1 }));
    await core.handleRequest(req('read', 'leasy/creds/first', root));
    expect(await codeOf(core.handleRequest(req('read', 'leasy/creds/second', root)))).toMatch(/^rate_limited|429|quota/i);
    expect(rec.revoked.map((r) => r.username)).toEqual(['u-second']);
  });

  it('keeps leases across a seal and revokes the ones that expired meanwhile right after unseal', async () => {
    const { core, rec, clock } = setup();
    const { root, keys } = await ready(core);
    const short = (await core.handleRequest(req('read', 'leasy/creds/short', root, { ttl: 10 }))).response?.leaseId ?? '';
    const long = (await core.handleRequest(req('read', 'leasy/creds/long', root, { ttl: 200 }))).response?.leaseId ?? '';
    await core.seal();
    clock.ms += 60_000;
    await core.unsealWithKeys(keys);
    expect(core.leases.has(short) && core.leases.has(long)).toBe(true);
    await core.leases.processExpired();
    expect(rec.revoked.map((r) => r.leaseId)).toEqual([short]);
    expect(core.leases.has(long)).toBe(true);
  });

  it('lists leases under a prefix and revokes by prefix (sudo paths)', async () => {
    const { core, rec } = setup();
    const { root } = await ready(core);
    await core.handleRequest(req('read', 'leasy/creds/a', root));
    await core.handleRequest(req('read', 'leasy/creds/a', root));
    const listed = (await core.handleRequest(req('list', 'sys/leases/lookup/leasy/creds/a/', root))).response;
    expect((listed?.data?.['keys'] as string[]).length).toBe(2);
    await core.handleRequest(req('update', 'sys/leases/revoke-prefix/leasy/creds', root));
    expect(rec.revoked).toHaveLength(2);
    const limited = (await core.handleRequest(req('update', 'auth/token/create', root, { policies: ['default'] }))).response?.auth?.client_token ?? '';
    expect(await codeOf(core.handleRequest(req('update', 'sys/leases/revoke-prefix/leasy', limited)))).toMatch(/permission denied/);
  });
});
