import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { formatRfc3339Nano } from '../../shared/time.js';
import { InmemStorage } from '../sdk/testing.js';
import { createLeaseStore } from './lease-store.js';
import { T0, fakeKind, harness, registerInput } from './testing.js';

const rfc = (ms: number) => formatRfc3339Nano(new Date(ms));

afterEach(() => {
  vi.useRealTimers();
});

describe('register: lease ids and TTL resolution', () => {
  it('ids are <path>/<24 base62> and the record is persisted with the token hash', async () => {
    const h = harness();
    const r = await h.manager.register(registerInput('/database/creds//readonly/'));
    expect(r.leaseId).toMatch(/^database\/creds\/readonly\/[0-9A-Za-z]{24}$/);
    const rec = await createLeaseStore(h.storage).get(r.leaseId);
    expect(rec).toMatchObject({ lease_id: r.leaseId, path: 'database/creds/readonly', kind: 'creds', token_hash: 'tokhash1', internal_data: { username: 'v-user' }, irrevocable: null });
  });

  it('secret ttl, else kind default, else mount default; capped by the smallest max with a warning', async () => {
    const h = harness({ creds: fakeKind('creds'), short: fakeKind('short', { defaultTtl: 120, maxTtl: 600 }) });
    expect((await h.manager.register(registerInput(undefined, { ttl: 300 }))).ttl).toBe(300);
    expect((await h.manager.register(registerInput())).ttl).toBe(3600);
    expect((await h.manager.register(registerInput(undefined, { kind: 'short' }))).ttl).toBe(120);
    const capped = await h.manager.register(registerInput(undefined, { kind: 'short', ttl: 7200 }));
    expect(capped.ttl).toBe(600);
    expect(capped.warnings).toEqual(['TTL of "2h0m0s" exceeded the effective max_ttl of "10m0s"; TTL value is capped accordingly']);
    const secretMax = await h.manager.register(registerInput(undefined, { ttl: 500, maxTtl: 60 }));
    expect(secretMax.ttl).toBe(60);
    const mountMax = await h.manager.register(registerInput(undefined, { ttl: 200000 }));
    expect(mountMax.ttl).toBe(86400);
  });

  it('unknown kind is an internal error', async () => {
    const h = harness();
    await expect(h.manager.register(registerInput(undefined, { kind: 'nope' }))).rejects.toThrow(/no secret kind/);
  });
});

describe('renew', () => {
  it('counts the increment from now and caps it at the max TTL with a warning', async () => {
    const h = harness();
    const { leaseId } = await h.manager.register(registerInput(undefined, { ttl: 60, maxTtl: 1000 }));
    h.clock.advance(30_000);
    const r = await h.manager.renew(leaseId, 300);
    expect(r).toEqual({ leaseId, ttl: 300, renewable: true, warnings: [] });
    let look = await h.manager.lookup(leaseId);
    expect(look?.expire_time).toBe(rfc(T0 + 30_000 + 300_000));
    expect(look?.last_renewal).toBe(rfc(T0 + 30_000));
    h.clock.advance(100_000);
    const capped = await h.manager.renew(leaseId, 5000);
    expect(capped.ttl).toBe(870);
    expect(capped.warnings).toEqual(['TTL of "1h23m20s" exceeded the effective max_ttl of "14m30s"; TTL value is capped accordingly']);
    look = await h.manager.lookup(leaseId);
    expect(look?.expire_time).toBe(rfc(T0 + 1_000_000));
    expect(h.kinds.get('creds')?.renewed).toEqual([{ leaseId, increment: 300 }, { leaseId, increment: 5000 }]);
  });

  it('increment 0 falls back to the issued TTL', async () => {
    const h = harness();
    const { leaseId } = await h.manager.register(registerInput(undefined, { ttl: 90 }));
    expect((await h.manager.renew(leaseId, 0)).ttl).toBe(90);
  });

  it("Vault's errors: not found, not renewable, expired, refused by the backend", async () => {
    const h = harness({ creds: fakeKind('creds'), refuse: fakeKind('refuse', { renewTtl: () => null }) });
    await expect(h.manager.renew('database/creds/readonly/nope', 10)).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message: 'lease not found' });
    const fixed = await h.manager.register(registerInput(undefined, { renewable: false }));
    await expect(h.manager.renew(fixed.leaseId, 10)).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message: 'lease is not renewable' });
    const refused = await h.manager.register(registerInput(undefined, { kind: 'refuse' }));
    await expect(h.manager.renew(refused.leaseId, 10)).rejects.toMatchObject({ message: 'lease is not renewable' });
    const short = await h.manager.register(registerInput(undefined, { ttl: 10 }));
    h.clock.advance(11_000);
    await expect(h.manager.renew(short.leaseId, 10)).rejects.toMatchObject({ message: 'lease expired' });
  });

  it('an irrevocable lease cannot be renewed', async () => {
    const h = harness({ creds: fakeKind('creds', { failures: Infinity }) }, { retry: { attempts: 1 } });
    const { leaseId } = await h.manager.register(registerInput(undefined, { ttl: 10 }));
    h.clock.advance(10_000);
    await h.manager.processExpired();
    await expect(h.manager.renew(leaseId, 10)).rejects.toMatchObject({ message: 'lease is expired and has failed previous revocation attempts' });
  });
});

describe('revoke', () => {
  it('sync revoke calls the kind with the internal data and removes the lease; unknown ids are a no-op', async () => {
    const h = harness();
    const kind = h.kinds.get('creds');
    const spy = vi.spyOn(kind!, 'revoke');
    const { leaseId } = await h.manager.register(registerInput());
    await h.manager.revoke(leaseId);
    expect(spy).toHaveBeenCalledWith(expect.objectContaining({ leaseId, internalData: { username: 'v-user' } }));
    expect(h.manager.has(leaseId)).toBe(false);
    expect(await h.manager.lookup(leaseId)).toBeNull();
    expect([...h.storage.entries.keys()]).toEqual([]);
    await h.manager.revoke(leaseId);
  });

  it('a failing sync revoke surfaces the error and keeps the lease', async () => {
    const h = harness({ creds: fakeKind('creds', { failures: 1 }) });
    const { leaseId } = await h.manager.register(registerInput());
    await expect(h.manager.revoke(leaseId)).rejects.toThrow(/failed to revoke entry: database unreachable/);
    expect(h.manager.has(leaseId)).toBe(true);
    await h.manager.revoke(leaseId);
    expect(h.manager.has(leaseId)).toBe(false);
  });

  it('async revoke expires the lease now and the loop revokes it', async () => {
    const h = harness();
    const { leaseId } = await h.manager.register(registerInput());
    await h.manager.revoke(leaseId, { sync: false });
    expect((await h.manager.lookup(leaseId))?.ttl).toBe(0);
    await h.manager.processExpired();
    expect(h.kinds.get('creds')?.revoked).toEqual([leaseId]);
    expect(h.manager.has(leaseId)).toBe(false);
  });

  it('revoke-prefix revokes a whole tree, or one lease when the prefix is an id', async () => {
    const h = harness();
    const ro = [await h.manager.register(registerInput('database/creds/ro')), await h.manager.register(registerInput('database/creds/ro'))];
    const rw = await h.manager.register(registerInput('database/creds/rw'));
    const other = await h.manager.register(registerInput('database/creds/ro-other'));
    expect(await h.manager.revokePrefix('database/creds/ro')).toBe(2);
    expect(h.kinds.get('creds')?.revoked.sort()).toEqual(ro.map((r) => r.leaseId).sort());
    expect(h.manager.has(other.leaseId)).toBe(true);
    expect(await h.manager.revokePrefix(rw.leaseId)).toBe(1);
    expect(await h.manager.revokePrefix('database/')).toBe(1);
    expect(h.manager.count()).toBe(0);
  });

  it('revoke-prefix stops at the first failure unless forced; force drops failing leases', async () => {
    const h = harness({ creds: fakeKind('creds', { failures: Infinity }) });
    await h.manager.register(registerInput('database/creds/ro'));
    await h.manager.register(registerInput('database/creds/ro'));
    await expect(h.manager.revokePrefix('database/creds/ro')).rejects.toThrow(/failed to revoke "database\/creds\/ro\/.{24}" \(1 \/ 2\)/);
    expect(h.manager.count()).toBe(2);
    expect(await h.manager.revokePrefix('database/creds/ro', { force: true })).toBe(2);
    expect(h.manager.count()).toBe(0);
    expect([...h.storage.entries.keys()]).toEqual([]);
  });

  it('revokeByToken queues only that token’s leases', async () => {
    const h = harness();
    const a1 = await h.manager.register(registerInput(undefined, {}, 'tokA'));
    const a2 = await h.manager.register(registerInput('database/creds/rw', {}, 'tokA'));
    const b = await h.manager.register(registerInput(undefined, {}, 'tokB'));
    expect(await h.manager.revokeByToken('tokA')).toBe(2);
    await h.manager.processExpired();
    expect(h.kinds.get('creds')?.revoked.sort()).toEqual([a1.leaseId, a2.leaseId].sort());
    expect(h.manager.has(b.leaseId)).toBe(true);
    expect(await h.manager.revokeByToken('tokA')).toBe(0);
  });
});

describe('expiry loop', () => {
  it('advancing the clock revokes expired leases in expiry order', async () => {
    const h = harness();
    const c = await h.manager.register(registerInput('database/creds/c', { ttl: 30 }));
    const a = await h.manager.register(registerInput('database/creds/a', { ttl: 10 }));
    const b = await h.manager.register(registerInput('database/creds/b', { ttl: 20 }));
    h.clock.advance(9_999);
    await h.manager.processExpired();
    expect(h.kinds.get('creds')?.revoked).toEqual([]);
    h.clock.advance(10_001);
    await h.manager.processExpired();
    h.clock.advance(10_000);
    await h.manager.processExpired();
    expect(h.kinds.get('creds')?.revoked).toEqual([a.leaseId, b.leaseId, c.leaseId]);
    expect(h.manager.count()).toBe(0);
  });

  it('a renewed lease is not revoked at its old expiry', async () => {
    const h = harness();
    const { leaseId } = await h.manager.register(registerInput(undefined, { ttl: 10 }));
    h.clock.advance(5_000);
    await h.manager.renew(leaseId, 100);
    h.clock.advance(10_000);
    await h.manager.processExpired();
    expect(h.manager.has(leaseId)).toBe(true);
    h.clock.advance(100_000);
    await h.manager.processExpired();
    expect(h.manager.has(leaseId)).toBe(false);
  });

  it('the single timer fires at the next expiry (fake timers) and stop() clears it', async () => {
    vi.useFakeTimers({ now: T0 });
    const kind = fakeKind();
    const h = harness({ creds: kind }, { now: () => Date.now() });
    h.manager.start();
    const a = await h.manager.register(registerInput(undefined, { ttl: 5 }));
    const b = await h.manager.register(registerInput(undefined, { ttl: 2 }));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(kind.revoked).toEqual([b.leaseId]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(kind.revoked).toEqual([b.leaseId, a.leaseId]);
    expect(vi.getTimerCount()).toBe(0);
    await h.manager.register(registerInput(undefined, { ttl: 50 }));
    expect(vi.getTimerCount()).toBe(1);
    h.manager.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('retries with exponential backoff, then succeeds', async () => {
    vi.useFakeTimers({ now: T0 });
    const kind = fakeKind('creds', { failures: 3 });
    const h = harness({ creds: kind }, { now: () => Date.now(), retry: { attempts: 6, baseMs: 1000, maxMs: 60_000 } });
    h.manager.start();
    const { leaseId } = await h.manager.register(registerInput(undefined, { ttl: 1 }));
    await vi.advanceTimersByTimeAsync(1_000); // attempt 1 fails → retry in 1s
    expect(kind.revokeCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(kind.revokeCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(1); // attempt 2 fails → retry in 2s
    expect(kind.revokeCalls).toBe(2);
    await vi.advanceTimersByTimeAsync(2_000); // attempt 3 fails → retry in 4s
    expect(kind.revokeCalls).toBe(3);
    await vi.advanceTimersByTimeAsync(3_999);
    expect(kind.revokeCalls).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(kind.revoked).toEqual([leaseId]);
    expect(h.manager.count()).toBe(0);
    h.manager.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('jitter keeps each delay within [d/2, d]', async () => {
    const kind = fakeKind('creds', { failures: 1 });
    const h = harness({ creds: kind }, { random: () => 0 });
    await h.manager.register(registerInput(undefined, { ttl: 1 }));
    h.clock.advance(1_000);
    await h.manager.processExpired();
    h.clock.advance(499);
    await h.manager.processExpired();
    expect(kind.revokeCalls).toBe(1);
    h.clock.advance(1);
    await h.manager.processExpired();
    expect(kind.revokeCalls).toBe(2);
    expect(h.manager.count()).toBe(0);
  });

  it('permanent failure: irrevocable after the attempts, kept, listed, logged, persisted, droppable by force', async () => {
    const kind = fakeKind('creds', { failures: Infinity });
    const warn = vi.fn();
    const logger = { warn, info: vi.fn(), error: vi.fn() } as never;
    const h = harness({ creds: kind }, { logger, retry: { attempts: 3, baseMs: 10, maxMs: 100 } });
    const { leaseId } = await h.manager.register(registerInput(undefined, { ttl: 1 }));
    for (let i = 0; i < 10; i++) {
      h.clock.advance(1_000);
      await h.manager.processExpired();
    }
    expect(kind.revokeCalls).toBe(3);
    expect(h.manager.has(leaseId)).toBe(true);
    const { leases } = await h.manager.irrevocable();
    expect(leases).toEqual([{ lease_id: leaseId, mount_id: 'database_12345678', error: 'database unreachable (3)', expire_time: rfc(T0 + 1000) }]);
    expect(await h.manager.irrevocableCounts()).toEqual({ lease_count: 1, counts: { database_12345678: 1 } });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ lease_id: leaseId, attempts: 3 }), expect.stringMatching(/irrevocable/));
    expect((await h.manager.lookup(leaseId))?.renewable).toBe(false);
    // survives a restart as irrevocable, without being retried
    const again = h.restart();
    expect(await again.load()).toMatchObject({ leases: 1, irrevocable: 1 });
    await again.processExpired();
    expect(kind.revokeCalls).toBe(3);
    expect(await again.revokePrefix('database/', { force: true })).toBe(1);
    expect(again.count()).toBe(0);
    expect(h.storage.entries.size).toBe(0);
  });
});

describe('load()', () => {
  it('restores the index from storage after a restart, reading no record', async () => {
    const h = harness();
    const a = await h.manager.register(registerInput('database/creds/a', { ttl: 10 }));
    const b = await h.manager.register(registerInput('database/creds/b', { ttl: 20 }));
    await h.manager.renew(a.leaseId, 100);
    const next = h.restart();
    const gets = vi.spyOn(h.storage, 'get');
    const lists = vi.spyOn(h.storage, 'list');
    const loaded = await next.load();
    expect(loaded).toMatchObject({ leases: 2, irrevocable: 0 });
    expect(gets).not.toHaveBeenCalled();
    expect(lists.mock.calls.map((c) => c[0])).toEqual(['exp/', 'quota/']);
    expect(next.list('database/creds/')).toEqual(['a/', 'b/']);
    h.clock.advance(20_000);
    await next.processExpired();
    expect(h.kinds.get('creds')?.revoked).toEqual([b.leaseId]);
    h.clock.advance(80_000);
    await next.processExpired();
    expect(h.kinds.get('creds')?.revoked).toEqual([b.leaseId, a.leaseId]);
  });

  it('loads 100k leases quickly (time reported, not asserted)', async () => {
    const storage = new InmemStorage();
    const store = createLeaseStore(storage);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const id = `database/creds/r${i % 50}/${String(i).padStart(24, '0')}`;
      await store.create({
        lease_id: id, path: `database/creds/r${i % 50}`, mount_accessor: 'database_12345678', kind: 'creds',
        issue_time_ms: T0, expire_time_ms: T0 + 1000 * (i % 3600), last_renewal_ms: 0, max_expire_time_ms: T0 + 86_400_000,
        renewable: true, ttl_s: 3600, internal_data: { username: `v-${i}` }, token_hash: `tok${i % 1000}`, irrevocable: null,
      });
    }
    const h = harness(undefined, {}, storage);
    const result = await h.manager.load();
    expect(result.leases).toBe(n);
    console.log(`[leases] load() of ${n} leases: ${result.ms.toFixed(1)} ms`);
    expect(h.manager.list('database/creds/')).toHaveLength(50);
  });
});

describe('lookup and list', () => {
  it('lookup has Vault’s shape', async () => {
    const h = harness();
    const { leaseId } = await h.manager.register(registerInput(undefined, { ttl: 600 }));
    h.clock.advance(100_400);
    expect(await h.manager.lookup(leaseId)).toEqual({
      id: leaseId,
      issue_time: '2024-01-01T00:00:00Z',
      expire_time: '2024-01-01T00:10:00Z',
      last_renewal: null,
      renewable: true,
      ttl: 500,
    });
    expect(await h.manager.lookup('nope')).toBeNull();
  });

  it('list returns a tree: folders end in /', async () => {
    const h = harness();
    const a = await h.manager.register(registerInput('database/creds/ro'));
    await h.manager.register(registerInput('database/creds/rw'));
    await h.manager.register(registerInput('database/other'));
    expect(h.manager.list('')).toEqual(['database/']);
    expect(h.manager.list('database')).toEqual(['creds/', 'other/']);
    expect(h.manager.list('database/creds/')).toEqual(['ro/', 'rw/']);
    expect(h.manager.list('database/creds/ro')).toEqual([a.leaseId.split('/').pop()]);
    expect(h.manager.list('nothing/')).toEqual([]);
  });
});

describe('lease-count quotas', () => {
  it('the most specific quota applies; over it → ERR_RATE_LIMITED "lease count quota exceeded"', async () => {
    const h = harness();
    await h.manager.register(registerInput('database/creds/ro'));
    await h.manager.quotas.put({ name: 'global', path: '', max_leases: 100 });
    await h.manager.quotas.put({ name: 'ro', path: 'database/creds/ro', max_leases: 2 });
    expect(h.manager.quotas.get('ro')).toEqual({ name: 'ro', path: 'database/creds/ro', max_leases: 2, counter: 1 });
    const second = await h.manager.register(registerInput('database/creds/ro'));
    const err = await h.manager.register(registerInput('database/creds/ro')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'ERR_RATE_LIMITED', message: 'lease count quota exceeded' });
    await h.manager.register(registerInput('database/creds/rw'));
    await h.manager.revoke(second.leaseId);
    await h.manager.register(registerInput('database/creds/ro'));
    expect(h.manager.quotas.list()).toEqual(['global', 'ro']);
    expect(h.manager.quotas.get('global')?.counter).toBe(3);
    // counters are rebuilt on load
    const next = h.restart();
    await next.load();
    expect(next.quotas.get('ro')?.counter).toBe(2);
    await expect(next.register(registerInput('database/creds/ro'))).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
    expect(await next.quotas.delete('ro')).toBe(true);
    await next.register(registerInput('database/creds/ro'));
  });

  it('rejects a non-positive max_leases', async () => {
    const h = harness();
    await expect(h.manager.quotas.put({ name: 'q', path: '', max_leases: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST' });
  });
});

describe('tidy', () => {
  it('drops dangling markers, re-indexes orphan records and revokes leases of vanished tokens', async () => {
    const alive = new Set(['tokA']);
    const h = harness(undefined, { tokenExists: async (t) => alive.has(t) });
    const a = await h.manager.register(registerInput(undefined, {}, 'tokA'));
    const b = await h.manager.register(registerInput(undefined, {}, 'tokGone'));
    await h.storage.put('exp/ZGFuZ2xpbmc.123', new Uint8Array());
    const result = await h.manager.tidy();
    expect(result).toEqual({ danglingMarkers: 1, reindexed: 0, orphaned: 1 });
    await h.manager.processExpired();
    expect(h.manager.has(a.leaseId)).toBe(true);
    expect(h.manager.has(b.leaseId)).toBe(false);
    expect([...h.storage.entries.keys()].some((k) => k.startsWith('exp/ZGFuZ2xpbmc'))).toBe(false);
  });
});
