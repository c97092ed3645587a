import { describe, expect, it } from 'vitest';
import { calculateTtl } from './ttl.js';

const base = { increment: 0, roleTtl: 0, roleMaxTtl: 0, mountDefaultTtl: 3600, mountMaxTtl: 86400, nowMs: 1_700_000_000_000 };

describe('calculateTtl', () => {
  it('uses the role default, else the mount default', () => {
    expect(calculateTtl({ ...base, roleTtl: 300 }).ttl).toBe(300);
    expect(calculateTtl(base).ttl).toBe(3600);
  });

  it('caps at the role max, else the mount max', () => {
    const r = calculateTtl({ ...base, roleTtl: 7200, roleMaxTtl: 600 });
    expect(r.ttl).toBe(600);
    expect(r.maxTtl).toBe(600);
    expect(r.warnings[0]).toMatch(/exceeded the effective max_ttl/);
    expect(calculateTtl({ ...base, roleTtl: 200000 }).ttl).toBe(86400);
    // A role max above the mount's does not raise it.
    expect(calculateTtl({ ...base, roleTtl: 200000, roleMaxTtl: 100000 }).ttl).toBe(86400);
  });

  it('on renewal, an increment wins over the defaults but the max counts from the issue time', () => {
    const issued = base.nowMs - 500_000;
    expect(calculateTtl({ ...base, increment: 60, roleTtl: 300, roleMaxTtl: 1000, startMs: issued }).ttl).toBe(60);
    expect(calculateTtl({ ...base, increment: 0, roleTtl: 900, roleMaxTtl: 1000, startMs: issued }).ttl).toBe(500);
  });

  it('refuses a renewal past the max TTL', () => {
    expect(() => calculateTtl({ ...base, roleMaxTtl: 100, startMs: base.nowMs - 100_000 })).toThrow('past the max TTL, cannot renew');
  });
});
