import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InternalError, UserError } from '../../shared/errors.js';
import { InvalidUnsealKeyError, combineShares, splitRootKey, validateShamirConfig } from './shamir.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A valid (shares, threshold) pair with 1 ≤ shares ≤ 10. */
const config = fc
  .integer({ min: 1, max: 10 })
  .chain((shares) =>
    shares === 1
      ? fc.constant({ shares, threshold: 1 })
      : fc.integer({ min: 2, max: shares }).map((threshold) => ({ shares, threshold })),
  );
const rootKey = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('splitRootKey / combineShares', () => {
  it('any threshold-sized subset, in any order, recombines the root key', async () => {
    const scenario = config.chain(({ shares, threshold }) =>
      fc.record({
        shares: fc.constant(shares),
        threshold: fc.constant(threshold),
        subset: fc.shuffledSubarray([...Array(shares).keys()], { minLength: threshold, maxLength: threshold }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(rootKey, scenario, async (key, { shares, threshold, subset }) => {
        const parts = await splitRootKey(key, shares, threshold);
        expect(parts).toHaveLength(shares);
        for (const part of parts) expect(part.byteLength).toBe(shares === 1 ? 32 : 33);
        const chosen = subset.map((i) => parts[i] ?? new Uint8Array());
        expect(hex(await combineShares(chosen))).toBe(hex(key));
        // More than the threshold works too.
        expect(hex(await combineShares(parts))).toBe(hex(key));
      }),
      { numRuns: 150 },
    );
  });

  it('every threshold subset works (exhaustive for 5 shares, threshold 3)', async () => {
    const key = new Uint8Array(randomBytes(32));
    const parts = await splitRootKey(key, 5, 3);
    for (let a = 0; a < 5; a++)
      for (let b = a + 1; b < 5; b++)
        for (let c = b + 1; c < 5; c++) {
          const subset = [parts[a], parts[b], parts[c]].map((p) => p ?? new Uint8Array());
          expect(hex(await combineShares(subset))).toBe(hex(key));
        }
  });

  it('fewer than threshold shares give a different key, not an error', async () => {
    await fc.assert(
      fc.asyncProperty(
        rootKey,
        config.filter(({ threshold }) => threshold >= 2),
        async (key, { shares, threshold }) => {
          const parts = await splitRootKey(key, shares, threshold);
          const combined = await combineShares(parts.slice(0, threshold - 1));
          expect(hex(combined)).not.toBe(hex(key));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('one share is the root key itself (64 hex chars), as a copy', async () => {
    const key = new Uint8Array(randomBytes(32));
    const [only] = await splitRootKey(key, 1, 1);
    if (only === undefined) throw new Error('no share');
    expect(hex(only)).toHaveLength(64);
    expect(hex(only)).toBe(hex(key));
    expect(only).not.toBe(key);
    const combined = await combineShares([only]);
    expect(hex(combined)).toBe(hex(key));
    expect(combined).not.toBe(only);
  });

  it('shares are 33 bytes whose last byte is a distinct non-zero x-coordinate', async () => {
    const parts = await splitRootKey(new Uint8Array(randomBytes(32)), 255, 2);
    const xs = new Set(parts.map((p) => p[32]));
    expect(xs.size).toBe(255);
    expect(xs.has(0)).toBe(false);
  });

  it('accepts Buffers as well as plain Uint8Arrays', async () => {
    const key = randomBytes(32);
    const parts = await splitRootKey(key, 3, 2);
    const combined = await combineShares(parts.slice(1).map((p) => Buffer.from(p)));
    expect(hex(combined)).toBe(key.toString('hex'));
  });

  it('rejects a root key that is not 32 bytes', async () => {
    await expect(splitRootKey(new Uint8Array(16), 3, 2)).rejects.toThrow(InternalError);
  });

  it('reports uncombinable shares as invalid keys, without share bytes', async () => {
    const parts = await splitRootKey(new Uint8Array(randomBytes(32)), 3, 2);
    const a = parts[0] ?? new Uint8Array();
    const b = parts[1] ?? new Uint8Array();
    const cases: [Uint8Array[], RegExp][] = [
      [[], /no key shares given/],
      [[a, b.subarray(0, 32)], /same byte length/],
      [[a, Uint8Array.from([...b.subarray(0, 32), a[32] ?? 0])], /duplicate/],
    ];
    for (const [shares, message] of cases) {
      let caught: unknown;
      try {
        await combineShares(shares);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(InvalidUnsealKeyError);
      expect(caught).toBeInstanceOf(UserError);
      expect((caught as UserError).code).toBe('ERR_INVALID_REQUEST');
      expect((caught as Error).message).toMatch(/^invalid key: /);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).not.toContain(hex(a));
    }
  });
});

describe('validateShamirConfig', () => {
  it("accepts Vault's valid range", () => {
    fc.assert(
      fc.property(config, ({ shares, threshold }) => {
        expect(() => validateShamirConfig(shares, threshold)).not.toThrow();
      }),
    );
    expect(() => validateShamirConfig(255, 255)).not.toThrow();
    expect(() => validateShamirConfig(255, 2)).not.toThrow();
  });

  it("rejects the rest with Vault's messages", () => {
    const cases: [number, number, string][] = [
      [0, 0, 'shares must be at least one'],
      [0, 1, 'shares must be at least one'],
      [1, 0, 'threshold must be at least one'],
      [-3, 1, 'shares must be at least one'],
      [5, 1, 'threshold must be greater than one for multiple shares'],
      [2, 1, 'threshold must be greater than one for multiple shares'],
      [256, 3, 'shares must be less than 256'],
      [300, 256, 'shares must be less than 256'],
      [3, 5, 'threshold cannot be larger than shares'],
      [1, 2, 'threshold cannot be larger than shares'],
      [2.5, 2, 'shares must be an integer'],
      [3, Number.NaN, 'threshold must be an integer'],
    ];
    for (const [shares, threshold, reason] of cases) {
      let caught: unknown;
      try {
        validateShamirConfig(shares, threshold);
      } catch (err) {
        caught = err;
      }
      expect(caught, `${shares}/${threshold}`).toBeInstanceOf(UserError);
      expect((caught as Error).message).toBe(`invalid seal configuration: ${reason}`);
    }
  });

  it('is applied by splitRootKey', async () => {
    await expect(splitRootKey(new Uint8Array(32), 3, 1)).rejects.toThrow(
      'invalid seal configuration: threshold must be greater than one for multiple shares',
    );
  });
});
