import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryPhysical } from '../barrier/testing.js';
import { InternalError, UserError } from '../../shared/errors.js';
import {
  RECOVERY_CONFIG_PATH,
  SEAL_CONFIG_PATH,
  decodeSealConfig,
  encodeSealConfig,
  readSealConfig,
  sealConfigOp,
  writeSealConfig,
} from './seal-config.js';
import type { SealConfig } from './seal-config.js';

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const shamir = (secret_shares: number, secret_threshold: number): SealConfig => ({
  type: 'shamir',
  secret_shares,
  secret_threshold,
  stored_shares: 0,
});

describe('seal config', () => {
  it('is absent before init, then reads back what was written, as plain JSON at core/seal-config', async () => {
    const physical = new MemoryPhysical();
    expect(await readSealConfig(physical)).toBeNull();
    await writeSealConfig(physical, shamir(5, 3));
    expect(await readSealConfig(physical)).toEqual(shamir(5, 3));
    const raw = physical.entries.get(SEAL_CONFIG_PATH);
    expect(JSON.parse(text(raw ?? new Uint8Array()))).toEqual({
      type: 'shamir',
      secret_shares: 5,
      secret_threshold: 3,
      stored_shares: 0,
    });
    expect(await readSealConfig(physical, 'recovery')).toBeNull();
  });

  it('keeps the recovery config separately at core/recovery-config', async () => {
    const physical = new MemoryPhysical();
    await writeSealConfig(physical, { type: 'transit', secret_shares: 1, secret_threshold: 1, stored_shares: 1 });
    await writeSealConfig(physical, shamir(3, 2), 'recovery');
    expect([...physical.entries.keys()].sort()).toEqual([SEAL_CONFIG_PATH, RECOVERY_CONFIG_PATH].sort());
    expect(await readSealConfig(physical, 'recovery')).toEqual(shamir(3, 2));
    expect((await readSealConfig(physical))?.type).toBe('transit');
  });

  it('round-trips every valid configuration', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 255 }).chain((n) =>
          fc.record({
            type: fc.constantFrom('shamir' as const, 'transit' as const, 'pkcs11' as const),
            secret_shares: fc.constant(n),
            secret_threshold: n === 1 ? fc.constant(1) : fc.integer({ min: 2, max: n }),
            stored_shares: fc.integer({ min: 0, max: Math.min(n, 1) }),
          }),
        ),
        (config) => {
          expect(decodeSealConfig(encodeSealConfig(config))).toEqual(config);
        },
      ),
    );
  });

  it('refuses to write an invalid configuration, with Vault wording', async () => {
    const physical = new MemoryPhysical();
    await expect(writeSealConfig(physical, shamir(3, 1))).rejects.toThrow(
      'invalid seal configuration: threshold must be greater than one for multiple shares',
    );
    await expect(writeSealConfig(physical, shamir(0, 0))).rejects.toThrow(UserError);
    await expect(writeSealConfig(physical, { ...shamir(2, 2), stored_shares: 3 })).rejects.toThrow(
      'invalid seal configuration: stored keys cannot be larger than shares',
    );
    await expect(
      writeSealConfig(physical, { ...shamir(2, 2), type: 'aws' as unknown as SealConfig['type'] }),
    ).rejects.toThrow(/unknown seal type/);
    expect(physical.entries.size).toBe(0);
  });

  it('reads a config without stored_shares as 0 and treats corruption as internal', () => {
    expect(decodeSealConfig(utf8('{"type":"shamir","secret_shares":1,"secret_threshold":1}'))).toEqual(shamir(1, 1));
    for (const bad of [
      'nope',
      '[]',
      'null',
      '{"type":"shamir"}',
      '{"type":"magic","secret_shares":1,"secret_threshold":1}',
      '{"type":"shamir","secret_shares":"5","secret_threshold":3}',
      '{"type":"shamir","secret_shares":5,"secret_threshold":1}',
    ]) {
      expect(() => decodeSealConfig(utf8(bad)), bad).toThrow(InternalError);
    }
  });

  it('offers the write as a transaction op', async () => {
    const physical = new MemoryPhysical();
    const op = sealConfigOp(shamir(4, 2));
    expect(op.op).toBe('put');
    expect(op.key).toBe(SEAL_CONFIG_PATH);
    await physical.transaction([op]);
    expect(await readSealConfig(physical)).toEqual(shamir(4, 2));
    expect(sealConfigOp(shamir(4, 2), 'recovery').key).toBe(RECOVERY_CONFIG_PATH);
  });
});
