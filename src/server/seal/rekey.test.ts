/**
 * `sys/rekey` state machine over a real barrier (in-memory physical storage): new shares replace
 * the old ones, checked by unsealing a fresh barrier from storage afterwards.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InternalError, SealedError, UserError } from '../../shared/errors.js';
import { InvalidRootKeyError } from '../barrier/index.js';
import { MemoryPhysical } from '../barrier/testing.js';
import type { PhysicalOp } from '../storage/physical.js';
import { createRekeyOperation } from './rekey.js';
import type { RekeyOperation, RekeyStatus, RekeyUpdateResponse } from './rekey.js';
import { readSealConfig } from './seal-config.js';
import { splitRootKey } from './shamir.js';
import { b64Of, decodeHex, hexOf, initUnsealed, rejection, unsealFresh } from './testing.js';

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function isComplete(result: RekeyUpdateResponse | RekeyStatus): result is RekeyUpdateResponse {
  return 'complete' in result && result.complete;
}

/** Feeds `shares` to `update` and returns the final response (which must complete). */
async function runRekey(rekey: RekeyOperation, nonce: string, shares: readonly Uint8Array[]): Promise<RekeyUpdateResponse> {
  let last: RekeyUpdateResponse | RekeyStatus | undefined;
  for (const share of shares) last = await rekey.update(share, nonce);
  if (last === undefined || !isComplete(last)) throw new Error('rekey did not complete');
  return last;
}

class FlakyPhysical extends MemoryPhysical {
  fail = false;
  override async transaction(ops: readonly PhysicalOp[]): Promise<void> {
    if (this.fail) throw new Error('storage unavailable');
    await super.transaction(ops);
  }
}

describe('rekey: status and start', () => {
  it('reports no rekey with every Vault field (no verification_nonce)', async () => {
    const { deps } = await initUnsealed(3, 2);
    const rekey = createRekeyOperation(deps);
    const status = await rekey.status();
    expect(status).toEqual({
      nonce: '',
      started: false,
      t: 0,
      n: 0,
      progress: 0,
      required: 2,
      pgp_fingerprints: null,
      backup: false,
      verification_required: false,
    });
    expect('verification_nonce' in status).toBe(false);
  });

  it('start records the new config under a fresh nonce; required stays the CURRENT threshold', async () => {
    const { deps } = await initUnsealed(3, 2);
    const rekey = createRekeyOperation(deps);
    const status = await rekey.start({ secretShares: 5, secretThreshold: 3 });
    expect(status.nonce).toMatch(UUID);
    expect(status).toMatchObject({ started: true, t: 3, n: 5, progress: 0, required: 2, verification_required: false });
    expect(await rekey.status()).toEqual(status);
    await expect(rekey.start({ secretShares: 5, secretThreshold: 3 })).rejects.toThrow('rekey already in progress');
  });

  it('validates the new config with Vault’s messages', async () => {
    const { deps } = await initUnsealed(3, 2);
    const rekey = createRekeyOperation(deps);
    const cases: [Parameters<RekeyOperation['start']>[0], string][] = [
      [{ secretShares: 3, secretThreshold: 4 }, 'provided threshold greater than the total shares'],
      [{ secretShares: 3, secretThreshold: 1 }, 'invalid rekey seal configuration: threshold must be greater than one for multiple shares'],
      [{ secretShares: 0, secretThreshold: 0 }, 'invalid rekey seal configuration: shares must be at least one'],
      [{ secretShares: 256, secretThreshold: 2 }, 'invalid rekey seal configuration: shares must be less than 256'],
      [{ secretShares: 3, secretThreshold: 2, backup: true }, 'cannot request a backup of the new keys without providing PGP keys for encryption'],
      [{ secretShares: 1, secretThreshold: 1, pgpKeys: ['mQENBF'] }, 'PGP-encrypted key shares are not supported'],
    ];
    for (const [input, message] of cases) {
      const err = await rejection(rekey.start(input));
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toBe(message);
    }
    expect(rekey.started).toBe(false);
  });
});

describe('rekey: the full flow', () => {
  it('3/2 → 5/3: the new shares unseal, the old ones no longer do, data intact', async () => {
    const h = await initUnsealed(3, 2);
    await h.barrier.put('secret/app', utf8('s3cr3t'));
    const rekey = createRekeyOperation(h.deps);
    const { nonce } = await rekey.start({ secretShares: 5, secretThreshold: 3 });

    const partial = await rekey.update(h.shares[2] ?? new Uint8Array(), nonce);
    expect(partial).toMatchObject({ nonce, started: true, t: 3, n: 5, progress: 1, required: 2 });
    const done = await rekey.update(h.shares[0] ?? new Uint8Array(), nonce);
    if (!isComplete(done)) throw new Error('expected completion');
    expect(Object.keys(done).sort()).toEqual(['backup', 'complete', 'keys', 'keys_base64', 'nonce', 'pgp_fingerprints', 'verification_required']);
    expect(done).toMatchObject({ nonce, complete: true, pgp_fingerprints: null, backup: false, verification_required: false });
    expect(done.keys).toHaveLength(5);
    for (const [i, key] of done.keys.entries()) {
      expect(key).toMatch(/^[0-9a-f]{66}$/);
      expect(Buffer.from(done.keys_base64[i] ?? '', 'base64').toString('hex')).toBe(key);
    }
    expect(await readSealConfig(h.physical)).toEqual({ type: 'shamir', secret_shares: 5, secret_threshold: 3, stored_shares: 0 });
    expect(await rekey.status()).toMatchObject({ started: false, nonce: '', required: 3 });

    // The running server keeps serving.
    expect(text(await h.barrier.get('secret/app'))).toBe('s3cr3t');

    // After a restart: 3 of the new shares unseal; the old shares (any number) do not.
    const fresh = decodeHex(done.keys);
    const reopened = await unsealFresh(h.physical, [fresh[4], fresh[0], fresh[2]].map((k) => k ?? new Uint8Array()));
    expect(text(await reopened.get('secret/app'))).toBe('s3cr3t');
    await expect(unsealFresh(h.physical, h.shares)).rejects.toBeInstanceOf(InvalidRootKeyError);
    await expect(unsealFresh(h.physical, [fresh[0] ?? new Uint8Array(), fresh[1] ?? new Uint8Array(), h.shares[0] ?? new Uint8Array()])).rejects.toBeInstanceOf(
      InvalidRootKeyError,
    );
  });

  it('to a single key: the raw 32-byte root key', async () => {
    const h = await initUnsealed(3, 2);
    const rekey = createRekeyOperation(h.deps);
    const { nonce } = await rekey.start({ secretShares: 1, secretThreshold: 1 });
    const done = await runRekey(rekey, nonce, h.shares.slice(0, 2));
    expect(done.keys).toHaveLength(1);
    expect(done.keys[0]).toMatch(/^[0-9a-f]{64}$/);
    await unsealFresh(h.physical, decodeHex(done.keys));
  });

  it('any old and new configs, any threshold subset (property)', async () => {
    const config = fc.integer({ min: 1, max: 6 }).chain((n) =>
      fc.record({ n: fc.constant(n), t: n === 1 ? fc.constant(1) : fc.integer({ min: 2, max: n }), seed: fc.integer() }),
    );
    await fc.assert(
      fc.asyncProperty(config, config, async (from, to) => {
        const h = await initUnsealed(from.n, from.t);
        await h.barrier.put('k', utf8('v'));
        const rekey = createRekeyOperation(h.deps);
        const { nonce } = await rekey.start({ secretShares: to.n, secretThreshold: to.t });
        const rotateBy = (list: readonly Uint8Array[], by: number): Uint8Array[] =>
          list.map((_, i) => list[(i + Math.abs(by)) % list.length] ?? new Uint8Array());
        const done = await runRekey(rekey, nonce, rotateBy(h.shares, from.seed).slice(0, from.t));
        const fresh = rotateBy(decodeHex(done.keys), to.seed);
        const reopened = await unsealFresh(h.physical, fresh.slice(0, to.t));
        expect(text(await reopened.get('k'))).toBe('v');
        // The old shares, as many as the new threshold asks for, never open it.
        if (h.shares.length >= to.t) {
          await expect(unsealFresh(h.physical, h.shares.slice(0, to.t))).rejects.toBeInstanceOf(InvalidRootKeyError);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('rekey: refusals', () => {
  it('wrong nonce, repeated share, wrong key length: 400, progress unchanged', async () => {
    const h = await initUnsealed(5, 3);
    const rekey = createRekeyOperation(h.deps);
    const { nonce } = await rekey.start({ secretShares: 3, secretThreshold: 2 });
    await rekey.update(h.shares[0] ?? new Uint8Array(), nonce);
    await expect(rekey.update(h.shares[1] ?? new Uint8Array(), 'nope')).rejects.toThrow(
      `incorrect nonce supplied; nonce for this rekey operation is "${nonce}"`,
    );
    await expect(rekey.update(new Uint8Array(h.shares[0] ?? new Uint8Array()), nonce)).rejects.toThrow(
      'given key has already been provided during this generation operation',
    );
    await expect(rekey.update(new Uint8Array(8), nonce)).rejects.toThrow('key is shorter than minimum 16 bytes');
    expect((await rekey.status()).progress).toBe(1);
  });

  it('update without a rekey: 400', async () => {
    const h = await initUnsealed(3, 2);
    const rekey = createRekeyOperation(h.deps);
    await expect(rekey.update(h.shares[0] ?? new Uint8Array(), 'x')).rejects.toThrow('no barrier rekey in progress');
  });

  it('wrong shares: 400 at the threshold, progress reset, nothing written, the attempt continues', async () => {
    const h = await initUnsealed(3, 2);
    const foreign = await splitRootKey(new Uint8Array(randomBytes(32)), 3, 2);
    const rekey = createRekeyOperation(h.deps);
    const { nonce } = await rekey.start({ secretShares: 4, secretThreshold: 2 });
    await rekey.update(foreign[0] ?? new Uint8Array(), nonce);
    const err = await rejection(rekey.update(foreign[1] ?? new Uint8Array(), nonce));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('root key verification failed: Unseal failed, invalid key');
    expect(await rekey.status()).toMatchObject({ started: true, nonce, progress: 0 });
    expect(await readSealConfig(h.physical)).toMatchObject({ secret_shares: 3, secret_threshold: 2 });
    await unsealFresh(h.physical, h.shares.slice(1));
    // The right shares still complete it.
    const done = await runRekey(rekey, nonce, h.shares.slice(0, 2));
    await unsealFresh(h.physical, decodeHex(done.keys).slice(2));
  });

  it('a failed commit leaves the old shares valid and the attempt open for a retry', async () => {
    const physical = new FlakyPhysical();
    const h = await initUnsealed(3, 2, physical);
    const rekey = createRekeyOperation(h.deps);
    const { nonce } = await rekey.start({ secretShares: 2, secretThreshold: 2 });
    physical.fail = true;
    await rekey.update(h.shares[0] ?? new Uint8Array(), nonce);
    const err = await rejection(rekey.update(h.shares[1] ?? new Uint8Array(), nonce));
    expect(err).toBeInstanceOf(InternalError);
    expect(err.message).toMatch(/^failed to perform barrier rekey: /);
    physical.fail = false;
    expect(await readSealConfig(physical)).toMatchObject({ secret_shares: 3, secret_threshold: 2 });
    await unsealFresh(physical, h.shares.slice(0, 2));
    expect(await rekey.status()).toMatchObject({ started: true, nonce, progress: 0 });
    const done = await runRekey(rekey, nonce, h.shares.slice(1, 3));
    await unsealFresh(physical, decodeHex(done.keys));
  });

  it('cancel: needs the nonce for 10 minutes (current Vault), then anyone may cancel', async () => {
    const h = await initUnsealed(3, 2);
    let clock = 1_000_000;
    const rekey = createRekeyOperation(h.deps, { now: () => clock });
    await rekey.cancel(); // nothing to cancel
    const { nonce } = await rekey.start({ secretShares: 3, secretThreshold: 2 });
    await rekey.update(h.shares[0] ?? new Uint8Array(), nonce);
    await expect(rekey.cancel()).rejects.toThrow(new UserError('invalid request'));
    await expect(rekey.cancel('wrong')).rejects.toThrow('invalid request');
    expect(rekey.started).toBe(true);
    await rekey.cancel(nonce);
    expect(await rekey.status()).toMatchObject({ started: false, progress: 0 });

    await rekey.start({ secretShares: 3, secretThreshold: 2 });
    clock += 10 * 60 * 1000;
    await rekey.cancel();
    expect(rekey.started).toBe(false);

    const lenient = createRekeyOperation(h.deps, { cancelNonceGraceMs: 0 });
    await lenient.start({ secretShares: 3, secretThreshold: 2 });
    await lenient.cancel();
    expect(lenient.started).toBe(false);
  });

  it('sealed: 503 everywhere', async () => {
    const h = await initUnsealed(3, 2);
    const rekey = createRekeyOperation(h.deps);
    const { nonce } = await rekey.start({ secretShares: 3, secretThreshold: 2 });
    h.barrier.seal();
    rekey.reset();
    for (const call of [
      () => rekey.status(),
      () => rekey.start({ secretShares: 3, secretThreshold: 2 }),
      () => rekey.update(h.shares[0] ?? new Uint8Array(), nonce),
      () => rekey.cancel(nonce),
      () => rekey.verifyStatus(),
      () => rekey.verifyUpdate(h.shares[0] ?? new Uint8Array(), nonce),
      () => rekey.verifyRestart(),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(SealedError);
    }
  });

  it('no error message carries a share', async () => {
    const h = await initUnsealed(3, 2);
    const rekey = createRekeyOperation(h.deps);
    const { nonce } = await rekey.start({ secretShares: 3, secretThreshold: 2 });
    const secrets = h.shares.flatMap((s) => [hexOf(s), b64Of(s)]);
    await rekey.update(h.shares[0] ?? new Uint8Array(), nonce);
    const errors = [
      await rejection(rekey.update(h.shares[0] ?? new Uint8Array(), nonce)),
      await rejection(rekey.update(h.shares[1] ?? new Uint8Array(), 'x')),
      await rejection(rekey.update(new Uint8Array(randomBytes(33)), nonce)),
    ];
    for (const err of errors) for (const secret of secrets) expect(err.message).not.toContain(secret);
  });
});

describe('rekey: verification (require_verification)', () => {
  it('the new key takes effect only once a threshold of the NEW shares comes back', async () => {
    const h = await initUnsealed(3, 2);
    await h.barrier.put('x', utf8('y'));
    const rekey = createRekeyOperation(h.deps);
    const started = await rekey.start({ secretShares: 4, secretThreshold: 3, requireVerification: true });
    expect(started.verification_required).toBe(true);
    expect(await rekey.verifyStatus()).toEqual({ nonce: '', started: false, t: 3, n: 4, progress: 0 });

    const done = await runRekey(rekey, started.nonce, h.shares.slice(0, 2));
    expect(done.verification_required).toBe(true);
    expect(done.verification_nonce).toMatch(UUID);
    expect(done.keys).toHaveLength(4);
    const vnonce = done.verification_nonce ?? '';

    // Nothing changed yet: old shares still unseal, the config is the old one.
    expect(await readSealConfig(h.physical)).toMatchObject({ secret_shares: 3, secret_threshold: 2 });
    await unsealFresh(h.physical, h.shares.slice(0, 2));
    expect(await rekey.status()).toMatchObject({ started: true, verification_required: true, verification_nonce: vnonce, progress: 0 });
    await expect(rekey.update(h.shares[0] ?? new Uint8Array(), started.nonce)).rejects.toThrow(
      `rekey operation already finished; verification must be performed; nonce for the verification operation is "${vnonce}"`,
    );

    const fresh = decodeHex(done.keys);
    expect(await rekey.verifyUpdate(fresh[3] ?? new Uint8Array(), vnonce)).toEqual({ nonce: vnonce, started: true, t: 3, n: 4, progress: 1 });
    await expect(rekey.verifyUpdate(fresh[3] ?? new Uint8Array(), vnonce)).rejects.toThrow(
      'given key has already been provided during this verify operation',
    );
    await expect(rekey.verifyUpdate(fresh[1] ?? new Uint8Array(), 'nope')).rejects.toThrow(
      `incorrect nonce supplied; nonce for this verify operation is "${vnonce}"`,
    );
    await rekey.verifyUpdate(fresh[1] ?? new Uint8Array(), vnonce);
    const complete = await rekey.verifyUpdate(fresh[0] ?? new Uint8Array(), vnonce);
    expect(complete).toEqual({ nonce: vnonce, complete: true });

    expect(rekey.started).toBe(false);
    expect(await readSealConfig(h.physical)).toMatchObject({ secret_shares: 4, secret_threshold: 3 });
    const reopened = await unsealFresh(h.physical, fresh.slice(1));
    expect(text(await reopened.get('x'))).toBe('y');
    await expect(unsealFresh(h.physical, [...h.shares])).rejects.toBeInstanceOf(InvalidRootKeyError);
  });

  it('wrong new shares: 400, progress cleared and the verification nonce rotated', async () => {
    const h = await initUnsealed(3, 2);
    const rekey = createRekeyOperation(h.deps);
    const { nonce } = await rekey.start({ secretShares: 3, secretThreshold: 2, requireVerification: true });
    const done = await runRekey(rekey, nonce, h.shares.slice(0, 2));
    const vnonce = done.verification_nonce ?? '';
    // The OLD shares are not the new ones.
    await rekey.verifyUpdate(h.shares[0] ?? new Uint8Array(), vnonce);
    const err = await rejection(rekey.verifyUpdate(h.shares[1] ?? new Uint8Array(), vnonce));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('rekey verification failed; incorrect key shares supplied');
    const status = await rekey.verifyStatus();
    expect(status).toMatchObject({ started: true, progress: 0 });
    expect(status.nonce).not.toBe(vnonce);
    expect(status.nonce).toMatch(UUID);
    await unsealFresh(h.physical, h.shares.slice(0, 2));

    // Restart rotates again and clears progress; then the right shares complete it.
    const fresh = decodeHex(done.keys);
    await rekey.verifyUpdate(fresh[0] ?? new Uint8Array(), status.nonce);
    const restarted = await rekey.verifyRestart();
    expect(restarted).toMatchObject({ started: true, progress: 0 });
    expect(restarted.nonce).not.toBe(status.nonce);
    await rekey.verifyUpdate(fresh[0] ?? new Uint8Array(), restarted.nonce);
    expect(await rekey.verifyUpdate(fresh[2] ?? new Uint8Array(), restarted.nonce)).toEqual({ nonce: restarted.nonce, complete: true });
    await unsealFresh(h.physical, fresh.slice(1));
  });

  it('cancelling during verification keeps the current shares', async () => {
    const h = await initUnsealed(3, 2);
    const rekey = createRekeyOperation(h.deps);
    const { nonce } = await rekey.start({ secretShares: 3, secretThreshold: 2, requireVerification: true });
    const done = await runRekey(rekey, nonce, h.shares.slice(0, 2));
    await rekey.cancel(nonce);
    await expect(rekey.verifyUpdate(decodeHex(done.keys)[0] ?? new Uint8Array(), done.verification_nonce ?? '')).rejects.toThrow(
      'no rekey in progress',
    );
    await expect(rekey.verifyStatus()).rejects.toThrow('no rekey configuration found');
    await unsealFresh(h.physical, h.shares.slice(0, 2));
    await expect(unsealFresh(h.physical, decodeHex(done.keys))).rejects.toBeInstanceOf(InvalidRootKeyError);
  });

  it('verify before the shares are in: 400', async () => {
    const h = await initUnsealed(3, 2);
    const rekey = createRekeyOperation(h.deps);
    await rekey.start({ secretShares: 3, secretThreshold: 2, requireVerification: true });
    await expect(rekey.verifyUpdate(h.shares[0] ?? new Uint8Array(), '')).rejects.toThrow('no rekey verification in progress');
    expect(await rekey.verifyRestart()).toEqual({ nonce: '', started: false, t: 2, n: 3, progress: 0 });
  });
});
