/**
 * Test helper (excluded from the build like every `testing.ts`): a real barrier over
 * in-memory physical storage, initialised with a Shamir split and unsealed, plus the deps the
 * generate-root and rekey state machines need, wired the way the core is expected to wire them.
 */
import { randomBytes } from 'node:crypto';
import { createBarrier } from '../barrier/index.js';
import type { Barrier } from '../barrier/index.js';
import { MemoryPhysical } from '../barrier/testing.js';
import { randomBase62 } from '../../shared/random.js';
import type { GenerateRootDeps } from './generate-root.js';
import { rekeyCommitter } from './rekey.js';
import type { RekeyDeps } from './rekey.js';
import { readSealConfig, writeSealConfig } from './seal-config.js';
import { createShamirUnsealer } from './shamir-seal.js';
import { splitRootKey } from './shamir.js';

export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const b64Of = (b: Uint8Array): string => Buffer.from(b).toString('base64');

export interface AdminHarness {
  physical: MemoryPhysical;
  barrier: Barrier;
  /** The unseal key shares handed out at init. */
  shares: Uint8Array[];
  /** Tokens `createRootToken` returned, in order. */
  tokens: string[];
  revoked: string[];
  deps: GenerateRootDeps & RekeyDeps;
}

export async function initUnsealed(
  shares: number,
  threshold: number,
  physical: MemoryPhysical = new MemoryPhysical(),
): Promise<AdminHarness> {
  await writeSealConfig(physical, { type: 'shamir', secret_shares: shares, secret_threshold: threshold, stored_shares: 0 });
  const rootKey = new Uint8Array(randomBytes(32));
  const barrier = createBarrier(physical);
  await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  const parts = await splitRootKey(rootKey, shares, threshold);
  rootKey.fill(0);
  const tokens: string[] = [];
  const revoked: string[] = [];
  const deps: GenerateRootDeps & RekeyDeps = {
    isSealed: () => barrier.sealed,
    readSealConfig: () => readSealConfig(physical),
    verifyRootKey: async (candidate) => barrier.verifyRootKey(candidate),
    createRootToken: async () => {
      const token = `hvs.${randomBase62(24)}`;
      tokens.push(token);
      return token;
    },
    revokeToken: async (token) => {
      revoked.push(token);
    },
    commitRekey: rekeyCommitter(barrier),
  };
  return { physical, barrier, shares: parts, tokens, revoked, deps };
}

/**
 * What a restarted server does on `sys/unseal`: reads the stored seal config, feeds `keys` one by
 * one, and unseals a fresh barrier. Returns the barrier, or the error the barrier raised.
 */
export async function unsealFresh(physical: MemoryPhysical, keys: readonly Uint8Array[]): Promise<Barrier> {
  const config = await readSealConfig(physical);
  if (config === null) throw new Error('not initialised');
  const unsealer = createShamirUnsealer({ shares: config.secret_shares, threshold: config.secret_threshold });
  const barrier = createBarrier(physical);
  for (const key of keys) {
    const { rootKey } = await unsealer.submit(key);
    if (rootKey !== undefined) {
      try {
        await barrier.unseal(rootKey);
      } finally {
        rootKey.fill(0);
      }
      return barrier;
    }
  }
  throw new Error(`not enough keys: ${keys.length} < ${config.secret_threshold}`);
}

export function decodeHex(keys: readonly string[]): Uint8Array[] {
  return keys.map((k) => new Uint8Array(Buffer.from(k, 'hex')));
}

export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error('rejected with a non-Error');
  }
  throw new Error('expected a rejection');
}
