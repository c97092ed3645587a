import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDurationSeconds } from './duration.js';

describe('durations', () => {
  it('formats like Go time.Duration.String()', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59)).toBe('59s');
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(3600)).toBe('1h0m0s');
    expect(formatDuration(2764800)).toBe('768h0m0s');
    expect(formatDuration(-1)).toBe('-1s');
  });

  it('parses what it formats', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), (n) => {
        expect(parseDurationSeconds(formatDuration(n))).toBe(n);
      }),
    );
  });

  it('rejects garbage with a message that names no unit it invented', () => {
    for (const bad of ['1x', 'h', '1h-', '--1s', 'one']) expect(() => parseDurationSeconds(bad)).toThrow(/invalid duration/);
  });
});
