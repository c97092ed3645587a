/**
 * `sys/generate-root` state machine over a real barrier (in-memory physical storage).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InternalError, SealedError, UserError } from '../../shared/errors.js';
import { createGenerateRootAttempt } from './generate-root.js';
import type { GenerateRootStatus } from './generate-root.js';
import { decodeGeneratedToken } from './root-token-otp.js';
import { decodeUnsealKey } from './shamir-seal.js';
import { splitRootKey } from './shamir.js';
import { b64Of, hexOf, initUnsealed, rejection } from './testing.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STATUS_KEYS = [
  'complete',
  'encoded_root_token',
  'encoded_token',
  'nonce',
  'otp',
  'otp_length',
  'pgp_fingerprint',
  'progress',
  'required',
  'started',
];

describe('generate-root: status and start', () => {
  it('reports no attempt with every Vault field', async () => {
    const { deps } = await initUnsealed(5, 3);
    const gen = createGenerateRootAttempt(deps);
    const status = await gen.status();
    expect(Object.keys(status).sort()).toEqual(STATUS_KEYS);
    expect(status).toEqual({
      nonce: '',
      started: false,
      progress: 0,
      required: 3,
      complete: false,
      encoded_token: '',
      encoded_root_token: '',
      pgp_fingerprint: '',
      otp: '',
      otp_length: 28,
    });
  });

  it('start without an OTP generates one and shows it only in that response', async () => {
    const { deps } = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt(deps);
    const started = await gen.start();
    expect(started.otp).toMatch(/^[0-9A-Za-z]{28}$/);
    expect(started.nonce).toMatch(UUID);
    expect(started).toMatchObject({ started: true, progress: 0, required: 2, complete: false, otp_length: 28 });
    expect(gen.started).toBe(true);
    const later = await gen.status();
    expect(later).toMatchObject({ started: true, nonce: started.nonce, otp: '', otp_length: 28 });
  });

  it('accepts a client OTP of the right length (not echoed) and refuses any other length', async () => {
    const { deps } = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt(deps);
    await expect(gen.start({ otp: 'short' })).rejects.toThrow(new UserError('OTP string is wrong length'));
    await expect(gen.start({ otp: 'x'.repeat(29) })).rejects.toThrow('OTP string is wrong length');
    const status = await gen.start({ otp: 'A'.repeat(28) });
    expect(status.otp).toBe('');
    expect(status.started).toBe(true);
  });

  it('refuses PGP keys and a second attempt', async () => {
    const { deps } = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt(deps);
    const pgp = await rejection(gen.start({ pgpKey: 'mQENBF...' }));
    expect(pgp).toBeInstanceOf(UserError);
    expect(pgp.message).toMatch(/PGP/);
    expect(gen.started).toBe(false);
    await gen.start();
    await expect(gen.start()).rejects.toThrow('root generation already in progress');
  });
});

describe('generate-root: the full flow', () => {
  it('collects a threshold of shares and returns the new root token XOR the OTP', async () => {
    const { deps, shares, tokens, barrier } = await initUnsealed(5, 3);
    const gen = createGenerateRootAttempt(deps);
    const { otp, nonce } = await gen.start();

    const first = await gen.update(decodeUnsealKey(hexOf(shares[4] ?? new Uint8Array())), nonce);
    expect(first).toEqual({
      nonce,
      started: true,
      progress: 1,
      required: 3,
      complete: false,
      encoded_token: '',
      encoded_root_token: '',
      pgp_fingerprint: '',
      otp: '',
      otp_length: 0,
    });
    expect((await gen.status()).progress).toBe(1);
    expect((await gen.update(decodeUnsealKey(b64Of(shares[1] ?? new Uint8Array())), nonce)).progress).toBe(2);
    const done = await gen.update(decodeUnsealKey(hexOf(shares[2] ?? new Uint8Array())), nonce);

    expect(done).toMatchObject({ nonce, started: true, progress: 3, required: 3, complete: true, pgp_fingerprint: '' });
    expect(done.encoded_token).toBe(done.encoded_root_token);
    expect(done.encoded_token).toMatch(/^[A-Za-z0-9+/]{38}$/);
    expect(tokens).toHaveLength(1);
    expect(decodeGeneratedToken(done.encoded_token, otp)).toBe(tokens[0]);
    expect(Object.keys(done).sort()).toEqual(STATUS_KEYS);

    // The attempt is over; the barrier is untouched.
    expect(await gen.status()).toMatchObject({ started: false, nonce: '', progress: 0 });
    expect(gen.started).toBe(false);
    expect(barrier.sealed).toBe(false);
  });

  it('works with a client-supplied OTP and with a single unseal key', async () => {
    const { deps, shares, tokens } = await initUnsealed(1, 1);
    const gen = createGenerateRootAttempt(deps);
    const otp = 'Z'.repeat(28);
    const { nonce } = await gen.start({ otp });
    const done = await gen.update(new Uint8Array(shares[0] ?? new Uint8Array()), nonce);
    expect(done.complete).toBe(true);
    expect(decodeGeneratedToken(done.encoded_token, otp)).toBe(tokens[0]);
  });

  it('any threshold subset, in any order, produces the token (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            t: n === 1 ? fc.constant(1) : fc.integer({ min: 2, max: n }),
            order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
          }),
        ),
        async ({ n, t, order }) => {
          const { deps, shares, tokens } = await initUnsealed(n, t);
          const gen = createGenerateRootAttempt(deps);
          const { otp, nonce } = await gen.start();
          let last: GenerateRootStatus | undefined;
          for (const index of order.slice(0, t)) last = await gen.update(shares[index] ?? new Uint8Array(), nonce);
          expect(last?.complete).toBe(true);
          expect(decodeGeneratedToken(last?.encoded_token ?? '', otp)).toBe(tokens[0]);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('generate-root: refusals', () => {
  it('a wrong nonce is a 400 that names the right one; progress is unchanged', async () => {
    const { deps, shares } = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt(deps);
    const { nonce } = await gen.start();
    await gen.update(shares[0] ?? new Uint8Array(), nonce);
    const err = await rejection(gen.update(shares[1] ?? new Uint8Array(), 'not-the-nonce'));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(`incorrect nonce supplied; nonce for this root generation operation is "${nonce}"`);
    expect((await gen.status()).progress).toBe(1);
  });

  it('a repeated share is a 400 and does not count', async () => {
    const { deps, shares, tokens } = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt(deps);
    const { nonce, otp } = await gen.start();
    await gen.update(shares[0] ?? new Uint8Array(), nonce);
    const err = await rejection(gen.update(new Uint8Array(shares[0] ?? new Uint8Array()), nonce));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('given key has already been provided during this generation operation');
    expect((await gen.status()).progress).toBe(1);
    const done = await gen.update(shares[2] ?? new Uint8Array(), nonce);
    expect(decodeGeneratedToken(done.encoded_token, otp)).toBe(tokens[0]);
  });

  it('wrong shares: 400 at the threshold, progress reset, no token, the attempt continues', async () => {
    const { deps, shares, tokens } = await initUnsealed(3, 2);
    const foreign = await splitRootKey(new Uint8Array(randomBytes(32)), 3, 2);
    const gen = createGenerateRootAttempt(deps);
    const { nonce, otp } = await gen.start();
    await gen.update(foreign[0] ?? new Uint8Array(), nonce);
    const err = await rejection(gen.update(foreign[1] ?? new Uint8Array(), nonce));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('root generation aborted: root key verification failed: Unseal failed, invalid key');
    expect(tokens).toHaveLength(0);
    expect(await gen.status()).toMatchObject({ started: true, nonce, progress: 0 });
    // A share mixed from both sets fails too (as a wrong key, or — when the two random
    // x-coordinates collide — as shares that cannot be combined); then the right shares still
    // work with the same OTP.
    await gen.update(shares[0] ?? new Uint8Array(), nonce);
    await expect(gen.update(foreign[2] ?? new Uint8Array(), nonce)).rejects.toThrow(/root key verification failed|failed to compute root key/);
    await gen.update(shares[0] ?? new Uint8Array(), nonce);
    const done = await gen.update(shares[1] ?? new Uint8Array(), nonce);
    expect(decodeGeneratedToken(done.encoded_token, otp)).toBe(tokens[0]);
  });

  it('shares that cannot be combined: 400, progress reset', async () => {
    const { deps, shares } = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt(deps);
    const { nonce } = await gen.start();
    await gen.update(shares[0] ?? new Uint8Array(), nonce);
    const sameX = new Uint8Array(shares[1] ?? new Uint8Array());
    sameX[32] = shares[0]?.[32] ?? 0; // same x-coordinate as the first share
    const err = await rejection(gen.update(sameX, nonce));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/^failed to compute root key: /);
    expect((await gen.status()).progress).toBe(0);
  });

  it('key lengths outside 16–33 bytes are refused before anything else', async () => {
    const { deps } = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt(deps);
    const { nonce } = await gen.start();
    await expect(gen.update(new Uint8Array(15), nonce)).rejects.toThrow('invalid key: key is shorter than minimum 16 bytes');
    await expect(gen.update(new Uint8Array(34), nonce)).rejects.toThrow('invalid key: key is longer than maximum 33 bytes');
    expect((await gen.status()).progress).toBe(0);
  });

  it('cancel drops the attempt and its shares; cancelling nothing is fine', async () => {
    const { deps, shares } = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt(deps);
    await gen.cancel();
    const { nonce } = await gen.start();
    await gen.update(shares[0] ?? new Uint8Array(), nonce);
    await gen.cancel();
    expect(await gen.status()).toMatchObject({ started: false, nonce: '', progress: 0 });
    await expect(gen.update(shares[1] ?? new Uint8Array(), nonce)).rejects.toThrow('no root generation in progress');
    // A new attempt gets a new nonce and starts from zero.
    const again = await gen.start();
    expect(again.nonce).not.toBe(nonce);
    expect(again.progress).toBe(0);
  });

  it('sealed: 503 everywhere; not initialised: 400', async () => {
    const { deps, barrier, shares } = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt(deps);
    const { nonce } = await gen.start();
    barrier.seal();
    gen.reset();
    await expect(gen.status()).rejects.toBeInstanceOf(SealedError);
    await expect(gen.start()).rejects.toBeInstanceOf(SealedError);
    await expect(gen.update(shares[0] ?? new Uint8Array(), nonce)).rejects.toBeInstanceOf(SealedError);
    await expect(gen.cancel()).rejects.toBeInstanceOf(SealedError);

    const uninit = createGenerateRootAttempt({ ...deps, readSealConfig: async () => null, isSealed: () => true });
    await expect(uninit.status()).rejects.toThrow('server is not yet initialized');
    await expect(uninit.update(shares[0] ?? new Uint8Array(), nonce)).rejects.toThrow('Vault is not initialized');
  });

  it('a token whose length does not match the OTP is revoked, not handed out', async () => {
    const h = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt({ ...h.deps, createRootToken: async () => 'custom-root-token-id' });
    const { nonce } = await gen.start();
    await gen.update(h.shares[0] ?? new Uint8Array(), nonce);
    const err = await rejection(gen.update(h.shares[1] ?? new Uint8Array(), nonce));
    expect(err).toBeInstanceOf(InternalError);
    expect(err.message).not.toContain('custom-root-token-id');
    expect(h.revoked).toEqual(['custom-root-token-id']);
  });

  it('parallel updates are serialised: exactly one completes', async () => {
    const { deps, shares, tokens } = await initUnsealed(5, 3);
    const gen = createGenerateRootAttempt(deps);
    const { nonce, otp } = await gen.start();
    await gen.update(shares[0] ?? new Uint8Array(), nonce);
    const results = await Promise.all([gen.update(shares[1] ?? new Uint8Array(), nonce), gen.update(shares[2] ?? new Uint8Array(), nonce)]);
    expect(results.map((r) => r.progress)).toEqual([2, 3]);
    expect(results.filter((r) => r.complete)).toHaveLength(1);
    expect(decodeGeneratedToken(results[1]?.encoded_token ?? '', otp)).toBe(tokens[0]);
  });

  it('no error message carries a share, the OTP or a token', async () => {
    const { deps, shares } = await initUnsealed(3, 2);
    const gen = createGenerateRootAttempt(deps);
    const { nonce, otp } = await gen.start();
    const secrets = [otp, ...shares.flatMap((s) => [hexOf(s), b64Of(s)])];
    const errors: Error[] = [];
    await gen.update(shares[0] ?? new Uint8Array(), nonce);
    errors.push(await rejection(gen.update(shares[0] ?? new Uint8Array(), nonce)));
    errors.push(await rejection(gen.update(shares[1] ?? new Uint8Array(), 'x')));
    errors.push(await rejection(gen.update(new Uint8Array(randomBytes(33)), nonce)));
    for (const err of errors) for (const secret of secrets) expect(err.message).not.toContain(secret);
  });
});
