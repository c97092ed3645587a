import { describe, expect, it } from 'vitest';
import { PermissionDeniedError, UserError } from '../../../shared/errors.js';
import { InmemStorage } from '../../sdk/testing.js';
import { DEFAULT_LOCKOUT_CONFIG, listLockedUsers, lockoutConfigFrom, unlockUser } from './index.js';
import { ManualClock, errorOf, userpassBackend } from './testing.js';

const MINUTE = 60_000;

async function setup(lockout: Record<string, unknown> = {}, opts: { storage?: InmemStorage; clock?: ManualClock } = {}) {
  const clock = opts.clock ?? new ManualClock();
  const storage = opts.storage ?? new InmemStorage();
  const up = await userpassBackend({ clock, storage, lockout });
  await up.request('write', 'users/bob', { password: 'right' });
  const login = (password: string, user = 'bob') => up.request('write', `login/${user}`, { password });
  const fail = async (password = 'wrong', user = 'bob') => errorOf(login(password, user));
  return { up, clock, storage, login, fail };
}

describe('lockout config', () => {
  it('falls back to Vault defaults (5, 15m, 15m, enabled)', () => {
    expect(DEFAULT_LOCKOUT_CONFIG).toEqual({ threshold: 5, durationMs: 15 * MINUTE, counterResetMs: 15 * MINUTE, disabled: false });
    for (const raw of [undefined, null, 'x', [], {}, { lockout_threshold: 0, lockout_duration: '0s' }, { lockout_threshold: 'lots' }]) {
      expect(lockoutConfigFrom(raw)).toEqual(DEFAULT_LOCKOUT_CONFIG);
    }
  });

  it('reads numbers, numeric strings and Go durations under the tune, config-file and read names', () => {
    expect(lockoutConfigFrom({ lockout_threshold: '3', lockout_duration: '10m', lockout_counter_reset: 90, lockout_disable: 'true' })).toEqual({
      threshold: 3,
      durationMs: 10 * MINUTE,
      counterResetMs: 90_000,
      disabled: true,
    });
    expect(lockoutConfigFrom({ lockout_threshold: 7, disable_lockout: false, lockout_duration: '1h' })).toMatchObject({
      threshold: 7,
      durationMs: 60 * MINUTE,
      disabled: false,
    });
    expect(
      lockoutConfigFrom({ user_lockout_threshold: 2, user_lockout_duration: '30s', user_lockout_counter_reset_duration: '1m', user_lockout_disable: true }),
    ).toEqual({ threshold: 2, durationMs: 30_000, counterResetMs: MINUTE, disabled: true });
  });
});

describe('user lockout', () => {
  it('locks a user after lockout_threshold failures, refusing even the right password with 403', async () => {
    const { fail, login, storage, clock } = await setup({ lockout_threshold: 3, lockout_duration: '10m' });
    for (let i = 0; i < 3; i++) {
      const err = await fail();
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toBe('invalid username or password');
    }
    const locked = await errorOf(login('right'));
    expect(locked).toBeInstanceOf(PermissionDeniedError);
    expect(locked.message).toBe('permission denied');
    expect(await fail()).toBeInstanceOf(PermissionDeniedError);
    expect(await listLockedUsers(storage, clock.now())).toEqual(['bob']);

    // Locked for lockout_duration from the last failure, then free again.
    clock.advance(10 * MINUTE - 1);
    expect(await errorOf(login('right'))).toBeInstanceOf(PermissionDeniedError);
    clock.advance(1);
    expect(await listLockedUsers(storage, clock.now())).toEqual([]);
    expect((await login('right'))?.login).toBeDefined();
    // A success clears the record.
    expect([...storage.entries.keys()].filter((k) => k.startsWith('lockout/'))).toEqual([]);
  });

  it('uses the defaults when the mount has no user_lockout_config', async () => {
    const clock = new ManualClock();
    const up = await userpassBackend({ clock, config: {} });
    await up.request('write', 'users/bob', { password: 'right' });
    for (let i = 0; i < 5; i++) expect(await errorOf(up.request('write', 'login/bob', { password: 'x' }))).toBeInstanceOf(UserError);
    expect(await errorOf(up.request('write', 'login/bob', { password: 'right' }))).toBeInstanceOf(PermissionDeniedError);
    clock.advance(15 * MINUTE);
    expect((await up.request('write', 'login/bob', { password: 'right' }))?.login).toBeDefined();
  });

  it('restarts the count after lockout_counter_reset without failures', async () => {
    const { fail, login, clock } = await setup({ lockout_threshold: 3, lockout_counter_reset: '5m' });
    await fail();
    await fail();
    clock.advance(5 * MINUTE + 1);
    await fail();
    await fail();
    expect((await login('right'))?.login).toBeDefined();
  });

  it('does not restart the count while failures keep coming within the reset window', async () => {
    const { fail, login, clock } = await setup({ lockout_threshold: 3, lockout_counter_reset: '5m' });
    await fail();
    clock.advance(4 * MINUTE);
    await fail();
    clock.advance(4 * MINUTE);
    await fail();
    expect(await errorOf(login('right'))).toBeInstanceOf(PermissionDeniedError);
  });

  it('clears the count on a successful login', async () => {
    const { fail, login } = await setup({ lockout_threshold: 3 });
    await fail();
    await fail();
    await login('right');
    await fail();
    await fail();
    expect((await login('right'))?.login).toBeDefined();
  });

  it('re-locks at the first failure after a lock expires if the counter has not reset (Vault)', async () => {
    const { fail, login, clock } = await setup({ lockout_threshold: 2, lockout_duration: '1m', lockout_counter_reset: '15m' });
    await fail();
    await fail();
    clock.advance(MINUTE);
    expect(await fail()).toBeInstanceOf(UserError);
    expect(await errorOf(login('right'))).toBeInstanceOf(PermissionDeniedError);
  });

  it('never counts unknown users', async () => {
    const { fail, storage } = await setup({ lockout_threshold: 2 });
    for (let i = 0; i < 6; i++) expect((await fail('x', 'ghost')).message).toBe('invalid username or password');
    expect([...storage.entries.keys()].filter((k) => k.startsWith('lockout/'))).toEqual([]);
  });

  it('does not count a bound-CIDR refusal as a failed password', async () => {
    const clock = new ManualClock();
    const up = await userpassBackend({ clock, lockout: { lockout_threshold: 1 } });
    await up.request('write', 'users/far', { password: 'pw', token_bound_cidrs: '10.0.0.0/8' });
    for (let i = 0; i < 3; i++) expect(await errorOf(up.request('write', 'login/far', { password: 'pw' }))).toBeInstanceOf(PermissionDeniedError);
    expect(await listLockedUsers(up.storage, clock.now())).toEqual([]);
  });

  it('can be disabled on the mount, live', async () => {
    const lockout: Record<string, unknown> = { lockout_threshold: 2, disable_lockout: true };
    const { fail, login } = await setup(lockout);
    for (let i = 0; i < 5; i++) expect(await fail()).toBeInstanceOf(UserError);
    expect((await login('right'))?.login).toBeDefined();
    // The config is read per request, so a tune applies at once.
    lockout['disable_lockout'] = false;
    await fail();
    await fail();
    expect(await errorOf(login('right'))).toBeInstanceOf(PermissionDeniedError);
    lockout['disable_lockout'] = 'true';
    expect((await login('right'))?.login).toBeDefined();
  });

  it('unlocks through unlockUser (sys/locked-users/:accessor/unlock/:name), idempotently', async () => {
    const { fail, login, storage, clock } = await setup({ lockout_threshold: 2 });
    await fail();
    await fail();
    expect(await listLockedUsers(storage, clock.now())).toEqual(['bob']);
    expect(await unlockUser(storage, 'BOB')).toBe(true);
    expect(await unlockUser(storage, 'bob')).toBe(false);
    expect(await listLockedUsers(storage, clock.now())).toEqual([]);
    expect((await login('right'))?.login).toBeDefined();
  });

  it('lists only users locked now, sorted', async () => {
    const clock = new ManualClock();
    const up = await userpassBackend({ clock, lockout: { lockout_threshold: 1, lockout_duration: '10m' } });
    for (const name of ['zoe', 'amy', 'kim']) await up.request('write', `users/${name}`, { password: 'pw' });
    await errorOf(up.request('write', 'login/zoe', { password: 'x' }));
    clock.advance(5 * MINUTE);
    await errorOf(up.request('write', 'login/amy', { password: 'x' }));
    expect(await listLockedUsers(up.storage, clock.now())).toEqual(['amy', 'zoe']);
    expect(await listLockedUsers(up.storage, clock.now() + 5 * MINUTE)).toEqual(['amy']);
    expect(await listLockedUsers(up.storage, clock.now() + 10 * MINUTE)).toEqual([]);
  });

  it('keeps the lock across restarts (storage-backed)', async () => {
    const storage = new InmemStorage();
    const clock = new ManualClock();
    const first = await setup({ lockout_threshold: 2 }, { storage, clock });
    await first.fail();
    await first.fail();
    const restarted = await userpassBackend({ clock, storage, lockout: { lockout_threshold: 2 } });
    expect(await errorOf(restarted.request('write', 'login/bob', { password: 'right' }))).toBeInstanceOf(PermissionDeniedError);
  });

  it('forgets the record when the user is deleted', async () => {
    const { up, fail, storage, clock } = await setup({ lockout_threshold: 2 });
    await fail();
    await fail();
    await up.request('delete', 'users/bob');
    expect(await listLockedUsers(storage, clock.now())).toEqual([]);
    await up.request('write', 'users/bob', { password: 'right' });
    expect((await up.request('write', 'login/bob', { password: 'right' }))?.login).toBeDefined();
  });

  it('cannot be outrun by concurrent guesses: no more than lockout_threshold are checked', async () => {
    const { login } = await setup({ lockout_threshold: 3 });
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => login(`guess-${i}`)));
    const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as Error) : null));
    expect(reasons.filter((e) => e instanceof UserError)).toHaveLength(3);
    expect(reasons.filter((e) => e instanceof PermissionDeniedError)).toHaveLength(9);
  });

  it('lets many concurrent good logins of one user through', async () => {
    const { login } = await setup({ lockout_threshold: 2 });
    const results = await Promise.all(Array.from({ length: 10 }, () => login('right')));
    expect(results.every((r) => r?.login?.displayName === 'bob')).toBe(true);
  });

  it('keeps storing nothing but counts and times', async () => {
    const { fail, storage } = await setup({ lockout_threshold: 5 });
    await fail('hunter2');
    const record = JSON.parse(new TextDecoder().decode(storage.entries.get('lockout/bob')));
    expect(Object.keys(record).sort()).toEqual(['count', 'last_failed_at']);
    expect(record.count).toBe(1);
  });
});
