import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UserError } from '../../shared/errors.js';
import { InvalidUnsealKeyError, splitRootKey } from './shamir.js';
import { createShamirUnsealer, decodeUnsealKey } from './shamir-seal.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function setup(shares: number, threshold: number): Promise<{ key: Uint8Array; parts: Uint8Array[] }> {
  const key = new Uint8Array(randomBytes(32));
  return { key, parts: await splitRootKey(key, shares, threshold) };
}

function at(parts: Uint8Array[], i: number): Uint8Array {
  const part = parts[i];
  if (part === undefined) throw new Error(`no share ${i}`);
  return part;
}

describe('createShamirUnsealer', () => {
  it('validates its configuration', () => {
    expect(() => createShamirUnsealer({ shares: 3, threshold: 1 })).toThrow(UserError);
    expect(() => createShamirUnsealer({ shares: 2, threshold: 3 })).toThrow(UserError);
    const unsealer = createShamirUnsealer({ shares: 5, threshold: 3 });
    expect(unsealer).toMatchObject({ shares: 5, threshold: 3, progress: 0, nonce: '' });
  });

  it('collects shares, ignores duplicates, and yields the root key at the threshold', async () => {
    const { key, parts } = await setup(5, 3);
    const unsealer = createShamirUnsealer({ shares: 5, threshold: 3 });

    expect(await unsealer.submit(at(parts, 4))).toEqual({ progress: 1 });
    const nonce = unsealer.nonce;
    expect(nonce).toMatch(UUID);

    expect(await unsealer.submit(at(parts, 4))).toEqual({ progress: 1 }); // duplicate
    expect(await unsealer.submit(new Uint8Array(at(parts, 4)))).toEqual({ progress: 1 }); // same bytes, new buffer
    expect(unsealer.progress).toBe(1);
    expect(unsealer.nonce).toBe(nonce);

    expect(await unsealer.submit(at(parts, 1))).toEqual({ progress: 2 });
    expect(unsealer.nonce).toBe(nonce);

    const done = await unsealer.submit(at(parts, 2));
    expect(done.progress).toBe(0);
    expect(hex(done.rootKey ?? new Uint8Array())).toBe(hex(key));
    expect(unsealer.progress).toBe(0);
    expect(unsealer.nonce).toBe('');
  });

  it('reset drops progress and the nonce; the next round gets a new nonce', async () => {
    const { key, parts } = await setup(3, 2);
    const unsealer = createShamirUnsealer({ shares: 3, threshold: 2 });
    await unsealer.submit(at(parts, 0));
    const first = unsealer.nonce;
    unsealer.reset();
    expect(unsealer.progress).toBe(0);
    expect(unsealer.nonce).toBe('');
    unsealer.reset(); // harmless when empty

    expect(await unsealer.submit(at(parts, 0))).toEqual({ progress: 1 });
    expect(unsealer.nonce).toMatch(UUID);
    expect(unsealer.nonce).not.toBe(first);
    const done = await unsealer.submit(at(parts, 2));
    expect(hex(done.rootKey ?? new Uint8Array())).toBe(hex(key));
  });

  it('threshold 1 with one share: the key itself unseals at once and stays intact', async () => {
    const { key, parts } = await setup(1, 1);
    const unsealer = createShamirUnsealer({ shares: 1, threshold: 1 });
    const done = await unsealer.submit(at(parts, 0));
    expect(done.progress).toBe(0);
    expect(hex(done.rootKey ?? new Uint8Array())).toBe(hex(key));
    expect(unsealer.nonce).toBe('');
  });

  it('a wrong share still completes the round with a wrong candidate and resets', async () => {
    const { key, parts } = await setup(3, 2);
    const unsealer = createShamirUnsealer({ shares: 3, threshold: 2 });
    await unsealer.submit(at(parts, 0));
    const forged = new Uint8Array(at(parts, 1));
    forged[0] = (forged[0] ?? 0) ^ 0xff;
    const done = await unsealer.submit(forged);
    expect(done.progress).toBe(0);
    expect(done.rootKey).toBeDefined();
    expect(hex(done.rootKey ?? new Uint8Array())).not.toBe(hex(key));
    expect(unsealer.progress).toBe(0);
  });

  it("rejects keys outside Vault's 16–33 byte range without touching progress", async () => {
    const { parts } = await setup(3, 2);
    const unsealer = createShamirUnsealer({ shares: 3, threshold: 2 });
    await unsealer.submit(at(parts, 0));
    const nonce = unsealer.nonce;
    await expect(unsealer.submit(new Uint8Array(15))).rejects.toThrow('invalid key: key is shorter than minimum 16 bytes');
    await expect(unsealer.submit(new Uint8Array(0))).rejects.toThrow(InvalidUnsealKeyError);
    await expect(unsealer.submit(new Uint8Array(34))).rejects.toThrow('invalid key: key is longer than maximum 33 bytes');
    expect(unsealer.progress).toBe(1);
    expect(unsealer.nonce).toBe(nonce);
  });

  it('shares that cannot be combined fail the round as an invalid key and reset it', async () => {
    const { parts } = await setup(3, 2);
    const unsealer = createShamirUnsealer({ shares: 3, threshold: 2 });
    await unsealer.submit(at(parts, 0));
    const err = await unsealer.submit(at(parts, 1).subarray(0, 32)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidUnsealKeyError);
    expect((err as UserError).code).toBe('ERR_INVALID_REQUEST');
    expect((err as Error).message).toMatch(/^invalid key: failed to compute combined key: /);
    expect(unsealer.progress).toBe(0);
    expect(unsealer.nonce).toBe('');
  });

  it('keeps its own copies: the caller may wipe a share right after submitting it', async () => {
    const { key, parts } = await setup(3, 3);
    const unsealer = createShamirUnsealer({ shares: 3, threshold: 3 });
    for (const part of parts.slice(0, 2)) {
      await unsealer.submit(part);
      part.fill(0);
    }
    const done = await unsealer.submit(at(parts, 2));
    expect(hex(done.rootKey ?? new Uint8Array())).toBe(hex(key));
  });

  it('a share arriving while a completed round is being combined starts a new round', async () => {
    const { key, parts } = await setup(3, 2);
    const unsealer = createShamirUnsealer({ shares: 3, threshold: 2 });
    await unsealer.submit(at(parts, 0));
    const completing = unsealer.submit(at(parts, 1));
    const next = unsealer.submit(at(parts, 2));
    expect(hex((await completing).rootKey ?? new Uint8Array())).toBe(hex(key));
    expect(await next).toEqual({ progress: 1 });
    expect(unsealer.progress).toBe(1);
  });

  it('any sequence of shares with repeats reaches the root key exactly at the threshold', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 8 }).chain((shares) =>
          fc.record({
            shares: fc.constant(shares),
            threshold: fc.integer({ min: 2, max: shares }),
            order: fc.array(fc.integer({ min: 0, max: shares - 1 }), { minLength: 1, maxLength: 30 }),
          }),
        ),
        async ({ shares, threshold, order }) => {
          const { key, parts } = await setup(shares, threshold);
          const unsealer = createShamirUnsealer({ shares, threshold });
          const seen = new Set<number>();
          for (const index of order) {
            const result = await unsealer.submit(at(parts, index));
            seen.add(index);
            if (seen.size === threshold) {
              expect(result.progress).toBe(0);
              expect(hex(result.rootKey ?? new Uint8Array())).toBe(hex(key));
              seen.clear();
            } else {
              expect(result).toEqual({ progress: seen.size });
            }
            expect(unsealer.progress).toBe(seen.size);
            expect(unsealer.nonce === '').toBe(seen.size === 0);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('decodeUnsealKey', () => {
  it('decodes hex keys and shares (either case) and base64 keys and shares', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 33 }), (bytes) => {
        expect(hex(decodeUnsealKey(hex(bytes)))).toBe(hex(bytes));
        expect(hex(decodeUnsealKey(hex(bytes).toUpperCase()))).toBe(hex(bytes));
        expect(hex(decodeUnsealKey(b64(bytes)))).toBe(hex(bytes));
      }),
    );
  });

  it('treats hex of 16–33 bytes as hex, and other strings as base64 (like Vault)', () => {
    expect(decodeUnsealKey('00'.repeat(16)).byteLength).toBe(16); // 32 hex chars
    expect(decodeUnsealKey('ab'.repeat(33)).byteLength).toBe(33); // 66 hex chars
    // Hex-looking but too short or too long: decoded as base64 instead.
    expect(hex(decodeUnsealKey('abcd'))).toBe(hex(new Uint8Array(Buffer.from('abcd', 'base64'))));
    expect(decodeUnsealKey('ab'.repeat(34)).byteLength).toBe(51); // 68 chars of base64
    // Vault issue #1777: "asdf" is valid base64.
    expect(decodeUnsealKey('asdf').byteLength).toBe(3);
    // 33-byte shares are 44 base64 chars with no padding.
    const share = new Uint8Array(randomBytes(33));
    expect(b64(share)).toHaveLength(44);
    expect(hex(decodeUnsealKey(b64(share)))).toBe(hex(share));
    // Line breaks are ignored, as by Go's decoder.
    const key = new Uint8Array(randomBytes(32));
    const wrapped = `${b64(key).slice(0, 20)}\r\n${b64(key).slice(20)}\n`;
    expect(hex(decodeUnsealKey(wrapped))).toBe(hex(key));
    expect(decodeUnsealKey('').byteLength).toBe(0);
  });

  it("rejects anything else with Vault's message", () => {
    const key = b64(new Uint8Array(randomBytes(32)));
    for (const input of ['not a key!', 'abc', 'zz', key.slice(0, -1), `${key}=`, ' ' + key, key.replace(/=$/, ''), 'YQ', '-_-_']) {
      let caught: unknown;
      try {
        decodeUnsealKey(input);
      } catch (err) {
        caught = err;
      }
      expect(caught, input).toBeInstanceOf(UserError);
      expect((caught as Error).message).toBe("'key' must be a valid hex or base64 string");
    }
  });
});
