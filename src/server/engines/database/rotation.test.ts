import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../../shared/errors.js';
import { getJson } from '../../sdk/index.js';
import { RETRY_BASE_MS, RotationScheduler } from './rotation.js';
import type { StaticRoleEntry } from './store.js';
import {
  ManualRotationClock,
  RecordingLogger,
  configureConnection,
  createDatabaseTestBackend,
  type DatabaseTestBackend,
} from './testing.js';

async function setup(body: Record<string, unknown> = { rotation_period: '1h' }): Promise<DatabaseTestBackend> {
  const tb = await createDatabaseTestBackend();
  await configureConnection(tb);
  tb.server.addUser('app', 'initial-password');
  await tb.request('write', 'static-roles/app', { db_name: 'my-postgres', username: 'app', ...body });
  return tb;
}

const passwordOf = (tb: DatabaseTestBackend): string | undefined => tb.server.users.get('app')?.password;

describe('static role rotation', () => {
  it('rotates each role when its period is up', async () => {
    const tb = await setup();
    const first = passwordOf(tb);
    await tb.clock.advance(3599_000);
    expect(passwordOf(tb)).toBe(first);
    await tb.clock.advance(1_000);
    const second = passwordOf(tb);
    expect(second).not.toBe(first);
    expect((await tb.request('read', 'static-creds/app'))?.data).toMatchObject({
      password: second,
      ttl: 3600,
      last_vault_rotation: '2024-01-01T01:00:00Z',
    });
    await tb.clock.advance(3600_000);
    expect(passwordOf(tb)).not.toBe(second);
    expect(tb.server.callsOf('updateUser')).toHaveLength(3);
  });

  it('rotates on a cron schedule', async () => {
    const tb = await setup({ rotation_schedule: '0 */6 * * *' });
    const first = passwordOf(tb);
    expect((await tb.request('read', 'static-creds/app'))?.data?.['ttl']).toBe(6 * 3600);
    // The timer wakes at least hourly; nothing happens before the slot.
    await tb.clock.advance(6 * 3600_000 - 1_000);
    expect(passwordOf(tb)).toBe(first);
    await tb.clock.advance(1_000);
    expect(passwordOf(tb)).not.toBe(first);
    expect((await tb.request('read', 'static-creds/app'))?.data).toMatchObject({ ttl: 6 * 3600, last_vault_rotation: '2024-01-01T06:00:00Z' });
  });

  it('keeps one timer for the earliest role', async () => {
    const tb = await setup({ rotation_period: '1h' });
    tb.server.addUser('other', 'x');
    await tb.request('write', 'static-roles/other', { db_name: 'my-postgres', username: 'other', rotation_period: '10m' });
    expect(tb.clock.timerAt).toBe(tb.clock.t + 600_000);
    await tb.request('delete', 'static-roles/other');
    expect(tb.clock.timerAt).toBe(tb.clock.t + 3600_000);
  });

  it('retries a failed rotation after 10 s, then backs off, and logs without secrets', async () => {
    const tb = await setup({ rotation_period: '1h' });
    const first = passwordOf(tb);
    tb.server.failNext('updateUser', new UnavailableError('dial tcp 127.0.0.1:5432: connect: connection refused'), 2);
    await tb.clock.advance(3600_000);
    expect(passwordOf(tb)).toBe(first);
    expect(tb.clock.timerAt).toBe(tb.clock.t + RETRY_BASE_MS);
    await tb.clock.advance(RETRY_BASE_MS);
    expect(passwordOf(tb)).toBe(first);
    expect(tb.clock.timerAt).toBe(tb.clock.t + 2 * RETRY_BASE_MS);
    await tb.clock.advance(2 * RETRY_BASE_MS);
    const rotated = passwordOf(tb);
    expect(rotated).not.toBe(first);
    // Every attempt set the same new password (rolled forward), so a lost answer loses nothing.
    const attempts = tb.server.callsOf('updateUser').slice(1).map((c) => (c.request as { password: { newPassword: string } }).password.newPassword);
    expect(new Set(attempts)).toEqual(new Set([rotated]));
    const stored = await getJson<StaticRoleEntry>(tb.storage, 'static-role/app');
    expect(stored?.pending_password).toBeUndefined();
    expect(stored?.password).toBe(rotated);
    const warnings = tb.logger.entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]?.obj).toMatchObject({ role: 'app', database: 'my-postgres', retry_in_ms: RETRY_BASE_MS });
    const logged = JSON.stringify(tb.logger.entries);
    expect(logged).not.toContain(rotated);
    expect(logged).not.toContain(first);
    // The next regular rotation is a period after the successful one.
    expect(tb.clock.timerAt).toBe(tb.clock.t + 3600_000);
  });

  it('finishes an interrupted rotation after a restart, and keeps schedules across restarts', async () => {
    const tb = await setup({ rotation_period: '1h' });
    tb.server.failNext('updateUser');
    await tb.clock.advance(3600_000);
    const pending = (await getJson<StaticRoleEntry>(tb.storage, 'static-role/app'))?.pending_password;
    expect(pending).toMatch(/^[A-Za-z0-9-]{20}$/);
    await tb.backend.spec.cleanup?.();

    const clock = new ManualRotationClock();
    clock.t = tb.clock.t + 1_000;
    const restarted = await createDatabaseTestBackend({ server: tb.server, storage: tb.storage, clock });
    expect(clock.timerAt).toBe(clock.t);
    await clock.advance(0);
    expect(passwordOf(restarted)).toBe(pending);
    expect((await restarted.request('read', 'static-creds/app'))?.data?.['password']).toBe(pending);
    expect(clock.timerAt).toBe(clock.t + 3600_000);
  });

  it('skips a slot whose rotation_window has passed and waits for the next one', async () => {
    const tb = await setup({ rotation_schedule: '0 0 * * *', rotation_window: '1h' });
    const first = passwordOf(tb);
    await tb.backend.spec.cleanup?.();
    // The server was down over the next midnight and comes back after the window closed.
    const clock = new ManualRotationClock();
    clock.t = Date.UTC(2024, 0, 2, 2);
    const restarted = await createDatabaseTestBackend({ server: tb.server, storage: tb.storage, clock });
    await clock.advance(0);
    expect(passwordOf(restarted)).toBe(first);
    expect((await restarted.request('read', 'static-creds/app'))?.data?.['ttl']).toBe(22 * 3600);
    await clock.advance(22 * 3600_000 - 1_000);
    expect(passwordOf(restarted)).toBe(first);
    await clock.advance(1_000);
    expect(passwordOf(restarted)).not.toBe(first);
    expect(restarted.logger.entries.map((e) => e.msg)).toContain('static role missed its rotation window; rotating at the next scheduled time');
  });

  it('cleanup stops the timer', async () => {
    const tb = await setup({ rotation_period: '1h' });
    await tb.backend.spec.cleanup?.();
    expect(tb.clock.timerAt).toBeNull();
  });
});

describe('RotationScheduler', () => {
  it('a rotation that throws is retried rather than dropped', async () => {
    const clock = new ManualRotationClock();
    const logger = new RecordingLogger();
    let calls = 0;
    const scheduler = new RotationScheduler(clock.now, clock.tick, async () => {
      calls += 1;
      throw new Error('storage unavailable');
    }, logger);
    scheduler.set('r', clock.t + 1000);
    await clock.advance(1000);
    expect(calls).toBe(1);
    expect(scheduler.dueAt('r')).toBe(clock.t + RETRY_BASE_MS);
    expect(logger.entries[0]?.msg).toBe('static role rotation failed unexpectedly');
    await scheduler.stop();
    expect(clock.timerAt).toBeNull();
  });
});
