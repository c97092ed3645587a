import { describe, expect, it } from 'vitest';
import { TIDY_IN_PROGRESS_WARNING, TIDY_STARTED_WARNING, type TidyResult } from './index.js';
import { ManualClock, approleBackend, createRole, dataOf, issueSecretId } from './testing.js';

describe('approle tidy/secret-id', () => {
  it('answers 202 at once and removes expired secret IDs with their accessors', async () => {
    const clock = new ManualClock();
    const runs: Promise<TidyResult>[] = [];
    const t = await approleBackend({ clock, onTidy: (run) => runs.push(run) });
    const roleId = await createRole(t, 'app');
    const expiring = await issueSecretId(t, 'app', { ttl: 60 });
    const forever = await issueSecretId(t, 'app');
    await createRole(t, 'loc', { local_secret_ids: true });
    await issueSecretId(t, 'loc', { ttl: 30 });
    clock.advance(61_000);

    expect(await t.request('write', 'tidy/secret-id', {})).toEqual({ warnings: [TIDY_STARTED_WARNING], httpStatus: 202 });
    expect(runs).toHaveLength(1);
    expect(await runs[0]).toEqual({ checked: 3, expired: 2, orphanedSecretIds: 0, danglingAccessors: 0 });

    const keys = dataOf(await t.request('list', 'role/app/secret-id/'))['keys'];
    expect(keys).toEqual([forever.secret_id_accessor]);
    expect(await t.request('list', 'role/loc/secret-id/')).toEqual({ data: {} });
    expect(await t.request('write', 'role/app/secret-id/lookup', { secret_id: expiring.secret_id })).toBeNull();
    expect((await t.login({ role_id: roleId, secret_id: forever.secret_id }))?.login).toBeTruthy();
    const left = [...t.storage.entries.keys()].filter((k) => /^(secret_id|accessor)/.test(k));
    expect(left).toHaveLength(2);
  });

  it('removes dangling accessors and secret IDs without accessors', async () => {
    const runs: Promise<TidyResult>[] = [];
    const t = await approleBackend({ onTidy: (run) => runs.push(run) });
    await createRole(t, 'app');
    await issueSecretId(t, 'app');
    await issueSecretId(t, 'app');
    const accessorKeys = [...t.storage.entries.keys()].filter((k) => k.startsWith('accessor/'));
    const secretKeys = [...t.storage.entries.keys()].filter((k) => k.startsWith('secret_id/'));
    // Break both kinds of pair by hand: one secret ID loses its accessor, another accessor its secret ID.
    const decoded = (k: string) => JSON.parse(new TextDecoder().decode(t.storage.entries.get(k))) as { secret_id_hmac: string };
    const accessorOfFirst = accessorKeys.find((k) => secretKeys[0]?.endsWith(decoded(k).secret_id_hmac)) ?? '';
    await t.storage.delete(accessorOfFirst);
    await t.storage.delete(secretKeys[1] ?? '');
    await t.request('write', 'tidy/secret-id', {});
    expect(await runs[0]).toEqual({ checked: 1, expired: 0, orphanedSecretIds: 1, danglingAccessors: 1 });
    expect([...t.storage.entries.keys()].filter((k) => /^(secret_id|accessor)/.test(k))).toEqual([]);
  });

  it('refuses a second tidy while one runs', async () => {
    const runs: Promise<TidyResult>[] = [];
    const t = await approleBackend({ onTidy: (run) => runs.push(run) });
    await createRole(t, 'app');
    await issueSecretId(t, 'app');
    const first = t.request('write', 'tidy/secret-id', {});
    const second = t.request('write', 'tidy/secret-id', {});
    expect(await first).toEqual({ warnings: [TIDY_STARTED_WARNING], httpStatus: 202 });
    expect(await second).toEqual({ warnings: [TIDY_IN_PROGRESS_WARNING] });
    await runs[0];
    expect(await t.request('write', 'tidy/secret-id', {})).toMatchObject({ httpStatus: 202 });
    await runs[1];
  });

  it('runs periodically until cleanup', async () => {
    const clock = new ManualClock();
    const runs: Promise<TidyResult>[] = [];
    const t = await approleBackend({ clock, tidyIntervalMs: 5, onTidy: (run) => runs.push(run) });
    await createRole(t, 'app');
    await issueSecretId(t, 'app', { ttl: 1 });
    clock.advance(2000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t.backend.spec.cleanup?.();
    await Promise.all(runs);
    const count = runs.length;
    expect(count).toBeGreaterThan(0);
    expect(await t.request('list', 'role/app/secret-id/')).toEqual({ data: {} });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(runs.length).toBe(count);
  });
});
