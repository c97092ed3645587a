import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { formatSerial, newSerialHex, parseSerial, storageSerial } from './serial.js';

const VAULT_SERIAL = /^[0-9a-f]{2}(:[0-9a-f]{2})*$/;

describe('serial numbers', () => {
  it('are 20 random positive bytes shown as lowercase colon-separated hex', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const hex = newSerialHex();
      expect(hex).toMatch(/^[0-9a-f]{40}$/);
      // Positive in DER without padding, and no leading zero byte to drop.
      const first = Number.parseInt(hex.slice(0, 2), 16);
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(0x80);
      const shown = formatSerial(hex);
      expect(shown).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
      seen.add(shown);
    }
    expect(seen.size).toBe(200);
  });

  it('formatting drops leading zero bytes and lowercases', () => {
    expect(formatSerial('00007F0A')).toBe('7f:0a');
    expect(formatSerial('1')).toBe('01');
    expect(formatSerial('00')).toBe('00');
  });

  it('parsing accepts colons, dashes or none and round-trips through the storage form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        const shown = formatSerial(hex);
        expect(shown).toMatch(VAULT_SERIAL);
        expect(parseSerial(shown)).toBe(shown);
        expect(parseSerial(storageSerial(shown))).toBe(shown);
        expect(parseSerial(shown.toUpperCase())).toBe(shown);
        expect(parseSerial(hex)).toBe(shown);
      }),
    );
  });

  it('rejects what is not hex', () => {
    for (const bad of ['', 'zz:01', '01::02', 'ab cd', '../etc']) {
      expect(() => parseSerial(bad)).toThrow(UserError);
    }
  });
});
