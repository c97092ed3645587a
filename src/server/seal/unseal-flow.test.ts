/**
 * The init → seal → unseal flow as the core will drive it (sys/init, sys/unseal), end to end over
 * the seal module and the barrier, with everything read back from physical storage.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidRootKeyError, createBarrier } from '../barrier/index.js';
import type { Barrier } from '../barrier/index.js';
import { MemoryPhysical } from '../barrier/testing.js';
import { createShamirUnsealer, decodeUnsealKey, readSealConfig, splitRootKey, writeSealConfig } from './index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** What sys/init does: seal config, root key, barrier keyring; returns the keys handed out. */
async function init(physical: MemoryPhysical, shares: number, threshold: number): Promise<{ keys: string[]; keysBase64: string[] }> {
  await writeSealConfig(physical, { type: 'shamir', secret_shares: shares, secret_threshold: threshold, stored_shares: 0 });
  const rootKey = new Uint8Array(randomBytes(32));
  const barrier = createBarrier(physical);
  await barrier.initialize(rootKey);
  const parts = await splitRootKey(rootKey, shares, threshold);
  rootKey.fill(0);
  return { keys: parts.map(hex), keysBase64: parts.map(b64) };
}

/** What sys/unseal does with one `key` field; returns the seal-status fields that matter here. */
async function unsealStep(
  barrier: Barrier,
  unsealer: ReturnType<typeof createShamirUnsealer>,
  key: string,
): Promise<{ sealed: boolean; progress: number; error?: string }> {
  const result = await unsealer.submit(decodeUnsealKey(key));
  if (result.rootKey !== undefined) {
    try {
      await barrier.unseal(result.rootKey);
    } catch (err) {
      if (err instanceof InvalidRootKeyError) return { sealed: barrier.sealed, progress: unsealer.progress, error: err.message };
      throw err;
    } finally {
      result.rootKey.fill(0);
    }
  }
  return { sealed: barrier.sealed, progress: unsealer.progress };
}

describe('init and unseal flow', () => {
  it('unseals with any threshold of the shares, hex or base64, and serves data afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }).chain((shares) =>
          fc.record({
            shares: fc.constant(shares),
            threshold: shares === 1 ? fc.constant(1) : fc.integer({ min: 2, max: shares }),
            pick: fc.shuffledSubarray([...Array(shares).keys()], { minLength: shares, maxLength: shares }),
            base64: fc.boolean(),
          }),
        ),
        async ({ shares, threshold, pick, base64 }) => {
          const physical = new MemoryPhysical();
          const { keys, keysBase64 } = await init(physical, shares, threshold);
          if (shares === 1) expect(keys[0]).toHaveLength(64);
          else for (const key of keys) expect(key).toHaveLength(66);

          // After a restart: read t/n from the unencrypted config, unseal share by share.
          const config = await readSealConfig(physical);
          if (config === null) throw new Error('no seal config');
          const barrier = createBarrier(physical);
          const unsealer = createShamirUnsealer({ shares: config.secret_shares, threshold: config.secret_threshold });
          const chosen = pick.slice(0, threshold);
          for (const [i, index] of chosen.entries()) {
            const key = (base64 ? keysBase64 : keys)[index] ?? '';
            const status = await unsealStep(barrier, unsealer, key);
            const last = i === chosen.length - 1;
            expect(status).toEqual({ sealed: !last, progress: last ? 0 : i + 1 });
          }
          await barrier.put('secret/x', new TextEncoder().encode('ok'));
          expect(new TextDecoder().decode((await barrier.get('secret/x')) ?? new Uint8Array())).toBe('ok');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('shares from another initialisation combine to a wrong key that the barrier refuses', async () => {
    const physical = new MemoryPhysical();
    const { keys } = await init(physical, 5, 3);
    const { keys: foreign } = await init(new MemoryPhysical(), 5, 3);
    const barrier = createBarrier(physical);
    const unsealer = createShamirUnsealer({ shares: 5, threshold: 3 });

    expect(await unsealStep(barrier, unsealer, keys[0] ?? '')).toEqual({ sealed: true, progress: 1 });
    expect(await unsealStep(barrier, unsealer, keys[1] ?? '')).toEqual({ sealed: true, progress: 2 });
    expect(await unsealStep(barrier, unsealer, foreign[2] ?? '')).toEqual({
      sealed: true,
      progress: 0,
      error: 'Unseal failed, invalid key',
    });

    // A fresh round with the right shares works.
    for (const key of keys.slice(2)) await unsealStep(barrier, unsealer, key);
    expect(barrier.sealed).toBe(false);
  });

  it('a duplicate share does not count toward the threshold', async () => {
    const physical = new MemoryPhysical();
    const { keys, keysBase64 } = await init(physical, 3, 2);
    const barrier = createBarrier(physical);
    const unsealer = createShamirUnsealer({ shares: 3, threshold: 2 });
    expect(await unsealStep(barrier, unsealer, keys[1] ?? '')).toEqual({ sealed: true, progress: 1 });
    // The same share again, this time in base64.
    expect(await unsealStep(barrier, unsealer, keysBase64[1] ?? '')).toEqual({ sealed: true, progress: 1 });
    expect(await unsealStep(barrier, unsealer, keys[0] ?? '')).toEqual({ sealed: false, progress: 0 });
  });
});
