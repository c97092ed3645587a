import { describe, expect, it } from 'vitest';
import { createTestBackend } from '../sdk/testing.js';
import { LEASE_SUDO_PATHS, TIDY_STARTED_WARNING, leasePaths } from './paths.js';
import { fakeKind, harness, registerInput } from './testing.js';

async function sys(h = harness()) {
  const tb = await createTestBackend(() => ({ kind: 'logical', help: 'sys', paths: leasePaths(h.manager), specialPaths: { root: LEASE_SUDO_PATHS } }), { path: 'sys/', type: 'system' });
  return { h, tb };
}

describe('sys/leases paths', () => {
  it('lookup: shape, missing id, invalid lease', async () => {
    const { h, tb } = await sys();
    const { leaseId } = await h.manager.register(registerInput(undefined, { ttl: 60 }));
    const resp = await tb.request('update', 'leases/lookup', { lease_id: leaseId });
    expect(resp?.data).toEqual({ id: leaseId, issue_time: '2024-01-01T00:00:00Z', expire_time: '2024-01-01T00:01:00Z', last_renewal: null, renewable: true, ttl: 60 });
    await expect(tb.request('update', 'leases/lookup', {})).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message: 'lease_id must be specified' });
    await expect(tb.request('update', 'leases/lookup', { lease_id: 'x/y' })).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message: 'invalid lease' });
  });

  it('LIST lookup/<prefix> is a tree; empty → null (404)', async () => {
    const { h, tb } = await sys();
    const { leaseId } = await h.manager.register(registerInput('database/creds/ro'));
    expect((await tb.request('list', 'leases/lookup/'))?.data).toEqual({ keys: ['database/'] });
    expect((await tb.request('list', 'leases/lookup/database/creds/'))?.data).toEqual({ keys: ['ro/'] });
    expect((await tb.request('list', 'leases/lookup/database/creds/ro/'))?.data).toEqual({ keys: [leaseId.split('/').pop()] });
    expect(await tb.request('list', 'leases/lookup/none/')).toBeNull();
  });

  it('renew (body or URL, and the legacy alias) answers lease_duration + lease_id + renewable', async () => {
    const { h, tb } = await sys();
    const { leaseId } = await h.manager.register(registerInput(undefined, { ttl: 60 }));
    expect(await tb.request('update', 'leases/renew', { lease_id: leaseId, increment: '2m' })).toEqual({ data: null, leaseDuration: 120, leaseId, renewable: true });
    expect(await tb.request('update', `leases/renew/${leaseId}`, { increment: 30 })).toMatchObject({ leaseDuration: 30, leaseId });
    expect(await tb.request('update', `renew/${leaseId}`, {})).toMatchObject({ leaseDuration: 60, leaseId });
    const capped = await tb.request('update', 'sys/renew'.slice(4), { lease_id: leaseId, increment: 999999 });
    expect(capped?.warnings?.[0]).toMatch(/^TTL of "277h46m39s" exceeded the effective max_ttl of ".*"; TTL value is capped accordingly$/);
    await expect(tb.request('update', 'leases/renew', {})).rejects.toMatchObject({ message: 'lease_id must be specified' });
    await expect(tb.request('update', 'leases/renew', { lease_id: 'database/x' })).rejects.toMatchObject({ code: 'ERR_INVALID_REQUEST', message: 'lease not found' });
  });

  it('revoke: sync → null (204), sync=false → 202; legacy alias', async () => {
    const { h, tb } = await sys();
    const a = await h.manager.register(registerInput());
    const b = await h.manager.register(registerInput());
    const c = await h.manager.register(registerInput());
    expect(await tb.request('update', 'leases/revoke', { lease_id: a.leaseId })).toBeNull();
    expect(h.manager.has(a.leaseId)).toBe(false);
    expect(await tb.request('update', `leases/revoke/${b.leaseId}`, { sync: false })).toEqual({ httpStatus: 202 });
    await h.manager.processExpired();
    expect(h.manager.has(b.leaseId)).toBe(false);
    expect(await tb.request('update', `revoke/${c.leaseId}`, {})).toBeNull();
    expect(h.manager.count()).toBe(0);
  });

  it('revoke-prefix / revoke-force (and aliases) are sudo paths', async () => {
    const h = harness({ creds: fakeKind('creds', { failures: Infinity }) });
    const { tb } = await sys(h);
    await h.manager.register(registerInput('database/creds/ro'));
    await expect(tb.request('update', 'leases/revoke-prefix/database/creds/ro', {})).rejects.toThrow(/failed to revoke/);
    await expect(tb.request('update', 'revoke-prefix/database/', {})).rejects.toThrow(/failed to revoke/);
    expect(await tb.request('update', 'revoke-force/database/creds', {})).toBeNull();
    expect(h.manager.count()).toBe(0);
    for (const p of ['leases/revoke-prefix/x', 'leases/revoke-force/x', 'revoke-prefix/x', 'revoke-force/x', 'leases/lookup/x/']) {
      expect(tb.backend.isSpecialPath('root', p)).toBe(true);
    }
    expect(tb.backend.isSpecialPath('root', 'leases/revoke')).toBe(false);
  });

  it('tidy → 202 with Vault’s warning', async () => {
    const { tb } = await sys();
    expect(await tb.request('update', 'leases/tidy', {})).toEqual({ warnings: [TIDY_STARTED_WARNING], httpStatus: 202 });
  });

  it('sys/leases?type=irrevocable and sys/leases/count', async () => {
    const h = harness({ creds: fakeKind('creds', { failures: Infinity }) }, { retry: { attempts: 1 } });
    const { tb } = await sys(h);
    const { leaseId } = await h.manager.register(registerInput(undefined, { ttl: 1 }));
    h.clock.advance(1000);
    await h.manager.processExpired();
    expect(await tb.request('read', 'leases', {})).toBeNull();
    expect((await tb.request('read', 'leases', { type: 'irrevocable' }))?.data).toEqual({
      lease_count: 1,
      leases: [{ lease_id: leaseId, mount_id: 'database_12345678', error: 'database unreachable (1)' }],
    });
    expect((await tb.request('read', 'leases/count', { type: 'irrevocable' }))?.data).toEqual({ lease_count: 1, counts: { database_12345678: 1 } });
    await expect(tb.request('read', 'leases', { type: 'irrevocable', limit: '0' })).rejects.toMatchObject({ message: "limit must be 'none' or a positive integer" });
  });

  it('quotas/lease-count CRUD and LIST', async () => {
    const { h, tb } = await sys();
    expect(await tb.request('list', 'quotas/lease-count/')).toBeNull();
    expect(await tb.request('update', 'quotas/lease-count/db', { path: 'database/', max_leases: 1 })).toBeNull();
    expect((await tb.request('list', 'quotas/lease-count/'))?.data).toEqual({ keys: ['db'] });
    expect((await tb.request('read', 'quotas/lease-count/db'))?.data).toEqual({ name: 'db', path: 'database/', type: 'lease-count', max_leases: 1, counter: 0, inheritable: false });
    await h.manager.register(registerInput());
    await expect(h.manager.register(registerInput())).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED', message: 'lease count quota exceeded' });
    expect(await tb.request('delete', 'quotas/lease-count/db')).toBeNull();
    expect(await tb.request('read', 'quotas/lease-count/db')).toBeNull();
    await h.manager.register(registerInput());
  });
});
