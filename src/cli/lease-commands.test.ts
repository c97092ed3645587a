import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { envelope } from '../api/testing.js';
import { startCliHarness, type CliHarness } from './testing.js';

const LEASE = 'database/creds/readonly/2f6a614c4aa2Xb3cD4eF5gH6';

let h: CliHarness;
beforeEach(async () => {
  h = await startCliHarness({
    'PUT /v1/sys/leases/renew': { body: envelope(null, { lease_id: LEASE, lease_duration: 3600, renewable: true }) },
    'PUT /v1/sys/leases/lookup': {
      body: envelope({ id: LEASE, issue_time: '2026-11-23T10:00:00Z', expire_time: '2026-11-23T11:00:00Z', last_renewal: null, renewable: true, ttl: 3599 }),
    },
    'PUT /v1/sys/leases/revoke': { status: 204 },
    'PUT /v1/sys/leases/revoke-prefix/database/creds': { status: 204 },
    'PUT /v1/sys/leases/revoke-force/database/creds': { status: 204 },
  });
});
afterEach(async () => {
  await h.close();
});

const sent = (i = 0): { method: string; path: string; body: unknown } => {
  const q = h.vault.requests[i];
  return { method: q?.method ?? '', path: q?.path ?? '', body: q?.json ?? null };
};

describe('lease renew', () => {
  it('sends the lease id and increment and prints the lease', async () => {
    const r = await h.run(['lease', 'renew', '-increment=1h', LEASE]);
    expect(r.code).toBe(0);
    expect(sent()).toEqual({ method: 'PUT', path: '/v1/sys/leases/renew', body: { lease_id: LEASE, increment: 3600 } });
    expect(r.out).toMatch(new RegExp(`lease_id\\s+${LEASE}`));
    expect(r.out).toMatch(/lease_duration\s+1h/);
    expect(r.out).toMatch(/lease_renewable\s+true/);
  });

  it('needs exactly one lease id', async () => {
    const r = await h.run(['lease', 'renew']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Not enough arguments/);
    expect(h.vault.requests).toHaveLength(0);
  });
});

describe('lease lookup', () => {
  it('prints the lease metadata', async () => {
    const r = await h.run(['lease', 'lookup', LEASE]);
    expect(r.code).toBe(0);
    expect(sent().body).toEqual({ lease_id: LEASE });
    expect(r.out).toMatch(/expire_time\s+2026-11-23T11:00:00Z/);
    expect(r.out).toMatch(/ttl\s+59m59s/);
  });
});

describe('lease revoke', () => {
  it('queues by default and revokes synchronously with -sync, like vault', async () => {
    const queued = await h.run(['lease', 'revoke', LEASE]);
    expect(queued.out.trim()).toBe('All revocation operations queued successfully!');
    expect(sent(0).body).toEqual({ lease_id: LEASE, sync: false });
    const now = await h.run(['lease', 'revoke', '-sync', LEASE]);
    expect(now.out.trim()).toBe(`Success! Revoked lease: ${LEASE}`);
    expect(sent(1).body).toEqual({ lease_id: LEASE, sync: true });
  });

  it('revokes by prefix, and force-revokes only together with -prefix', async () => {
    const p = await h.run(['lease', 'revoke', '-prefix', '-sync', 'database/creds']);
    expect(p.out.trim()).toBe('Success! Revoked any leases with prefix: database/creds');
    expect(sent(0).path).toBe('/v1/sys/leases/revoke-prefix/database/creds');
    const bad = await h.run(['lease', 'revoke', '-force', 'database/creds']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/-force requires also specifying -prefix/);
    const forced = await h.run(['lease', 'revoke', '-f', '-prefix', 'database/creds']);
    expect(forced.out.trim()).toBe('Success! Force revoked any leases with prefix: database/creds');
    expect(sent(1).path).toBe('/v1/sys/leases/revoke-force/database/creds');
  });
});
