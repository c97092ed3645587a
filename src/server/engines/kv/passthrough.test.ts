import { describe, expect, it } from 'vitest';
import { V2_PREFIX } from './version-store.js';
import { dataOf, expectUserError, v1Backend } from './testing.js';

describe('KV v1 (passthrough)', () => {
  it('reads back exactly the map written, with the mount default TTL as lease_duration', async () => {
    const kv = await v1Backend();
    const body = { foo: 'bar', n: 1, nested: { a: [1, 2] }, flag: true };
    expect(await kv.request('write', 'app/config', body)).toBeNull();
    const resp = await kv.request('read', 'app/config');
    expect(resp).toEqual({ data: body, leaseDuration: 2764800 });
  });

  it('uses the tuned mount default TTL', async () => {
    const kv = await v1Backend({ defaultLeaseTtl: 600 });
    await kv.request('write', 'a', { x: '1' });
    expect((await kv.request('read', 'a'))?.leaseDuration).toBe(600);
  });

  it.each([
    [{ ttl: '1h' }, 3600],
    [{ ttl: 90 }, 90],
    [{ ttl: '90' }, 90],
    [{ lease: '30m' }, 1800],
    [{ ttl: '2m', lease: '1h' }, 120],
    [{ ttl: 'soon' }, 2764800],
  ])('derives lease_duration from %j', async (body, expected) => {
    const kv = await v1Backend();
    await kv.request('write', 'k', { v: 'x', ...body });
    const resp = await kv.request('read', 'k');
    expect(resp?.leaseDuration).toBe(expected);
    expect(dataOf(resp)).toEqual({ v: 'x', ...body });
  });

  it('rejects an empty write with "missing data fields"', async () => {
    const kv = await v1Backend();
    await expectUserError(kv.request('write', 'k', {}), 'missing data fields');
  });

  it("rejects writes to a path ending in '/'", async () => {
    const kv = await v1Backend();
    await expectUserError(kv.request('write', 'folder/', { a: 1 }), "cannot write to a path ending in '/'");
  });

  it('answers null (404) for a missing key and after a delete', async () => {
    const kv = await v1Backend();
    expect(await kv.request('read', 'nope')).toBeNull();
    await kv.request('write', 'k', { a: 1 });
    expect(await kv.request('delete', 'k')).toBeNull();
    expect(await kv.request('read', 'k')).toBeNull();
    // Deleting again is fine.
    expect(await kv.request('delete', 'k')).toBeNull();
  });

  it('overwrites the whole map on a second write', async () => {
    const kv = await v1Backend();
    await kv.request('write', 'k', { a: 1, b: 2 });
    await kv.request('write', 'k', { c: 3 });
    expect(dataOf(await kv.request('read', 'k'))).toEqual({ c: 3 });
  });

  it('lists direct children with folders suffixed by /', async () => {
    const kv = await v1Backend();
    await kv.request('write', 'foo', { a: 1 });
    await kv.request('write', 'foo/bar', { a: 1 });
    await kv.request('write', 'foo/baz/qux', { a: 1 });
    expect(dataOf(await kv.request('list', ''))).toEqual({ keys: ['foo', 'foo/'] });
    expect(dataOf(await kv.request('list', 'foo/'))).toEqual({ keys: ['bar', 'baz/'] });
    // Without the trailing slash (the core normally adds it) the folder is still listed.
    expect(dataOf(await kv.request('list', 'foo'))).toEqual({ keys: ['bar', 'baz/'] });
    // Nothing there: no keys, which the core turns into a 404.
    expect(dataOf(await kv.request('list', 'empty/'))).toEqual({});
  });

  it('decides create vs update with an existence check', async () => {
    const kv = await v1Backend();
    const req = (path: string) => ({
      id: '1',
      operation: 'update' as const,
      path,
      data: { a: 1 },
      headers: {},
      remoteAddr: '',
      storage: kv.storage,
      mount: kv.mount,
    });
    expect(await kv.backend.existenceCheck(req('k'))).toEqual({ checked: true, exists: false });
    await kv.request('write', 'k', { a: 1 });
    expect(await kv.backend.existenceCheck(req('k'))).toEqual({ checked: true, exists: true });
  });

  it('accepts arbitrary keys without an "unrecognized parameters" warning', async () => {
    const kv = await v1Backend();
    await kv.request('write', 'k', { anything: 1, path: 'stored too' });
    const resp = await kv.request('read', 'k', { unknown_query: '1' });
    expect(resp?.warnings).toBeUndefined();
    expect(dataOf(resp)).toEqual({ anything: 1, path: 'stored too' });
  });

  it('keeps the reserved v2 folder out of reach', async () => {
    const kv = await v1Backend();
    await expectUserError(
      kv.request('write', `${V2_PREFIX}x`, { a: 1 }),
      `paths below "${V2_PREFIX}" are reserved for versioned K/V data`,
    );
    // Even if v2 data is present (e.g. storage shared with a v2 mount), v1 never shows it.
    await kv.storage.put(`${V2_PREFIX}config`, new TextEncoder().encode('{}'));
    await kv.request('write', 'visible', { a: 1 });
    expect(dataOf(await kv.request('list', ''))).toEqual({ keys: ['visible'] });
    expect(await kv.request('read', `${V2_PREFIX}config`)).toBeNull();
  });
});
