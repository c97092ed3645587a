import { describe, expect, it } from 'vitest';
import { calculateTtl, effectiveTtls, humanDuration } from './ttl.js';

const H = 3600;
const limits = { defaultLeaseTtl: 5 * H, maxLeaseTtl: 30 * H };
const now = 1_700_000_000;

describe('calculateTtl (Vault TestCalculateTTL cases)', () => {
  const cases: Array<{
    name: string;
    increment?: number;
    backendTtl?: number;
    backendMaxTtl?: number;
    period?: number;
    explicitMaxTtl?: number;
    result: number;
    warnings: number;
  }> = [
    { name: 'valid request, good bounds, increment is preferred', backendTtl: 30 * H, increment: 1 * H, result: 1 * H, warnings: 0 },
    { name: 'valid request, zero backend default, uses increment', increment: 1 * H, result: 1 * H, warnings: 0 },
    { name: 'lease increment is zero, uses backend default', backendTtl: 30 * H, result: 30 * H, warnings: 0 },
    { name: 'lease increment and default are zero, uses systemview', result: 5 * H, warnings: 0 },
    { name: 'backend max and associated request are too long', backendTtl: 40 * H, backendMaxTtl: 45 * H, result: 30 * H, warnings: 1 },
    {
      name: 'all request values are larger than the system view, so the system view limits',
      backendTtl: 40 * H,
      backendMaxTtl: 50 * H,
      increment: 40 * H,
      result: 30 * H,
      warnings: 1,
    },
    { name: 'request within backend max', backendTtl: 9 * H, backendMaxTtl: 5 * H, increment: 4 * H, result: 4 * H, warnings: 0 },
    { name: 'request outside backend max', backendTtl: 9 * H, backendMaxTtl: 4 * H, increment: 5 * H, result: 4 * H, warnings: 1 },
    { name: 'request is negative, no backend default, use sysview', increment: -7 * H, result: 5 * H, warnings: 0 },
    { name: 'lease increment too large', increment: 40 * H, result: 30 * H, warnings: 1 },
    {
      name: 'periodic, good request, period is preferred',
      increment: 3 * H,
      backendTtl: 4 * H,
      backendMaxTtl: 2 * H,
      period: 1 * H,
      result: 1 * H,
      warnings: 0,
    },
    { name: 'period too large, explicit max ttl is preferred', period: 2 * H, explicitMaxTtl: 1 * H, result: 1 * H, warnings: 1 },
    { name: 'period too large, capped by backend max', period: 2 * H, backendMaxTtl: 1 * H, result: 1 * H, warnings: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = calculateTtl({
        limits,
        now,
        ...(c.increment !== undefined ? { increment: c.increment } : {}),
        ...(c.backendTtl !== undefined ? { backendTtl: c.backendTtl } : {}),
        ...(c.backendMaxTtl !== undefined ? { backendMaxTtl: c.backendMaxTtl } : {}),
        ...(c.period !== undefined ? { period: c.period } : {}),
        ...(c.explicitMaxTtl !== undefined ? { explicitMaxTtl: c.explicitMaxTtl } : {}),
      });
      expect(out.ttl).toBe(c.result);
      expect(out.warnings).toHaveLength(c.warnings);
    });
  }

  it("uses Vault's warning texts", () => {
    expect(calculateTtl({ limits, now, increment: 40 * H }).warnings).toEqual([
      'TTL of "40h" exceeded the effective max_ttl of "30h"; TTL value is capped accordingly',
    ]);
    expect(calculateTtl({ limits, now, period: 2 * H, explicitMaxTtl: H }).warnings).toEqual([
      'period of "2h" exceeded the effective max_ttl of "1h"; period value is capped accordingly',
    ]);
  });

  it('caps a renewal at what is left of the max since the start time', () => {
    const out = calculateTtl({ limits, now, startTime: now - 29 * H, increment: 5 * H });
    expect(out.ttl).toBe(H);
    expect(out.warnings[0]).toBe('TTL of "5h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly');
  });

  it('refuses to renew past the max', () => {
    expect(() => calculateTtl({ limits, now, startTime: now - 31 * H, increment: H })).toThrow('past the max TTL, cannot renew');
  });

  it('periodic leases ignore the mount max from the start time (only the explicit max bounds them)', () => {
    expect(calculateTtl({ limits, now, startTime: now - 100 * H, period: 2 * H }).ttl).toBe(2 * H);
    expect(() => calculateTtl({ limits, now, startTime: now - 100 * H, period: 2 * H, explicitMaxTtl: 50 * H })).toThrow(
      'past the max TTL',
    );
  });
});

describe('humanDuration', () => {
  it("prints Go durations without zero units, like Vault's helper", () => {
    expect(humanDuration(0)).toBe('0s');
    expect(humanDuration(768 * H)).toBe('768h');
    expect(humanDuration(90 * 60)).toBe('1h30m');
    expect(humanDuration(90)).toBe('1m30s');
    expect(humanDuration(H + 5)).toBe('1h5s');
    expect(humanDuration(45)).toBe('45s');
  });
});

describe('effectiveTtls', () => {
  it('falls back to the system values and caps the default at the max', () => {
    expect(effectiveTtls({})).toEqual({ defaultLeaseTtl: 768 * H, maxLeaseTtl: 768 * H });
    expect(effectiveTtls({ mountMaxTtl: H })).toEqual({ defaultLeaseTtl: H, maxLeaseTtl: H });
    expect(effectiveTtls({ systemDefaultTtl: 10, systemMaxTtl: 100, mountDefaultTtl: 50 })).toEqual({ defaultLeaseTtl: 50, maxLeaseTtl: 100 });
  });
});
