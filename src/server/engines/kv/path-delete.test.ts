import { describe, expect, it } from 'vitest';
import { versionKey } from './version-store.js';
import { ManualClock, dataOf, expectUserError, put, v2Backend } from './testing.js';

async function versionsOf(kv: Awaited<ReturnType<typeof v2Backend>>, path: string) {
  return dataOf(await kv.request('read', `metadata/${path}`))['versions'] as Record<string, Record<string, unknown>>;
}

describe('KV v2 delete/, undelete/, destroy/', () => {
  it('delete/ soft-deletes the given versions only', async () => {
    const clock = new ManualClock();
    const kv = await v2Backend({ clock });
    for (let i = 1; i <= 3; i++) await put(kv, 'k', { i });
    clock.advance(1000);
    expect(await kv.request('write', 'delete/k', { versions: [1, 2, 9] })).toBeNull();
    const versions = await versionsOf(kv, 'k');
    expect(versions['1']?.['deletion_time']).toBe('2024-01-01T00:00:01.123Z');
    expect(versions['2']?.['deletion_time']).toBe('2024-01-01T00:00:01.123Z');
    expect(versions['3']?.['deletion_time']).toBe('');
    expect((await kv.request('read', 'data/k', { version: 1 }))?.httpStatus).toBe(404);
    expect(dataOf(await kv.request('read', 'data/k'))['data']).toEqual({ i: 3 });
    // The data is still stored.
    expect(await kv.storage.get(versionKey('k', 1))).not.toBeNull();
  });

  it('accepts versions as a comma-separated string', async () => {
    const kv = await v2Backend();
    for (let i = 1; i <= 3; i++) await put(kv, 'k', { i });
    await kv.request('write', 'delete/k', { versions: '1,3' });
    const versions = await versionsOf(kv, 'k');
    expect(versions['1']?.['deletion_time']).not.toBe('');
    expect(versions['2']?.['deletion_time']).toBe('');
    expect(versions['3']?.['deletion_time']).not.toBe('');
  });

  it('needs versions (exact messages differ in case, as in Vault)', async () => {
    const kv = await v2Backend();
    await put(kv, 'k', { a: 1 });
    await expectUserError(kv.request('write', 'delete/k', {}), 'No version number provided');
    await expectUserError(kv.request('write', 'undelete/k', { versions: [] }), 'No version number provided');
    await expectUserError(kv.request('write', 'destroy/k', {}), 'no version number provided');
  });

  it('is a no-op 204 for a missing key', async () => {
    const kv = await v2Backend();
    expect(await kv.request('write', 'delete/nope', { versions: [1] })).toBeNull();
    expect(await kv.request('write', 'undelete/nope', { versions: [1] })).toBeNull();
    expect(await kv.request('write', 'destroy/nope', { versions: [1] })).toBeNull();
    expect(await kv.request('read', 'metadata/nope')).toBeNull();
  });

  it('undelete/ restores soft-deleted versions', async () => {
    const kv = await v2Backend();
    await put(kv, 'k', { a: 1 });
    await put(kv, 'k', { a: 2 });
    await kv.request('delete', 'data/k');
    await kv.request('write', 'delete/k', { versions: [1] });
    expect(await kv.request('write', 'undelete/k', { versions: [1, 2] })).toBeNull();
    expect(dataOf(await kv.request('read', 'data/k'))['data']).toEqual({ a: 2 });
    expect(dataOf(await kv.request('read', 'data/k', { version: 1 }))['data']).toEqual({ a: 1 });
    const versions = await versionsOf(kv, 'k');
    expect(versions['1']?.['deletion_time']).toBe('');
    expect(versions['2']?.['deletion_time']).toBe('');
  });

  it('undelete/ restarts the delete_version_after window from now', async () => {
    const clock = new ManualClock();
    const kv = await v2Backend({ clock });
    await kv.request('write', 'metadata/k', { delete_version_after: '10m' });
    await put(kv, 'k', { a: 1 });
    clock.advance(20 * 60_000);
    expect((await kv.request('read', 'data/k'))?.httpStatus).toBe(404);
    await kv.request('write', 'undelete/k', { versions: [1] });
    expect(dataOf(await kv.request('read', 'data/k'))['metadata']).toMatchObject({ deletion_time: '2024-01-01T00:30:00.123Z' });
    clock.advance(10 * 60_000);
    expect((await kv.request('read', 'data/k'))?.httpStatus).toBe(404);
  });

  it('destroy/ wipes the data for good; undelete cannot bring it back', async () => {
    const kv = await v2Backend();
    await put(kv, 'k', { a: 1 });
    await put(kv, 'k', { a: 2 });
    expect(await kv.request('write', 'destroy/k', { versions: [1] })).toBeNull();
    expect(await kv.storage.get(versionKey('k', 1))).toBeNull();
    expect(await kv.storage.get(versionKey('k', 2))).not.toBeNull();
    const versions = await versionsOf(kv, 'k');
    expect(versions['1']).toMatchObject({ destroyed: true, deletion_time: '' });
    await kv.request('write', 'undelete/k', { versions: [1] });
    const resp = await kv.request('read', 'data/k', { version: 1 });
    expect(resp?.httpStatus).toBe(404);
    expect(resp?.data).toMatchObject({ data: null, metadata: { destroyed: true, version: 1 } });
    // Destroying again, or destroying a soft-deleted version, is fine.
    await kv.request('delete', 'data/k');
    expect(await kv.request('write', 'destroy/k', { versions: [1, 2] })).toBeNull();
    expect((await versionsOf(kv, 'k'))['2']).toMatchObject({ destroyed: true });
    expect(await kv.storage.get(versionKey('k', 2))).toBeNull();
    // current_version is unaffected.
    expect(dataOf(await kv.request('read', 'metadata/k'))['current_version']).toBe(2);
  });

  it('delete/ skips destroyed versions and keeps an earlier deletion time', async () => {
    const clock = new ManualClock();
    const kv = await v2Backend({ clock });
    await put(kv, 'k', { a: 1 });
    await put(kv, 'k', { a: 2 });
    await kv.request('write', 'destroy/k', { versions: [1] });
    await kv.request('write', 'delete/k', { versions: [2] });
    clock.advance(5000);
    await kv.request('write', 'delete/k', { versions: [1, 2] });
    const versions = await versionsOf(kv, 'k');
    expect(versions['1']).toMatchObject({ destroyed: true, deletion_time: '' });
    expect(versions['2']).toMatchObject({ destroyed: false, deletion_time: '2024-01-01T00:00:00.123Z' });
  });
});
