import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { listRecursive } from '../../sdk/index.js';
import { CAS_MANDATED_WARNING } from './path-metadata.js';
import { V2_PREFIX, metadataKey } from './version-store.js';
import { ManualClock, PATCH, dataOf, expectAppError, expectUserError, put, v2Backend } from './testing.js';

const cmPrefix = 'custom_metadata validation failed';

describe('KV v2 metadata/', () => {
  it('reads the key settings and the version history', async () => {
    const clock = new ManualClock();
    const kv = await v2Backend({ clock });
    await put(kv, 'my-secret', { a: 1 });
    clock.advance(1000);
    await put(kv, 'my-secret', { a: 2 });
    clock.advance(1000);
    await kv.request('delete', 'data/my-secret');
    expect(await kv.request('read', 'metadata/my-secret')).toEqual({
      data: {
        cas_required: false,
        created_time: '2024-01-01T00:00:00.123Z',
        current_version: 2,
        custom_metadata: null,
        delete_version_after: '0s',
        max_versions: 0,
        oldest_version: 0,
        updated_time: '2024-01-01T00:00:01.123Z',
        versions: {
          '1': { created_time: '2024-01-01T00:00:00.123Z', deletion_time: '', destroyed: false },
          '2': { created_time: '2024-01-01T00:00:01.123Z', deletion_time: '2024-01-01T00:00:02.123Z', destroyed: false },
        },
      },
    });
    expect(await kv.request('read', 'metadata/missing')).toBeNull();
  });

  it('a write creates a key without versions and changes only the fields sent', async () => {
    const clock = new ManualClock();
    const kv = await v2Backend({ clock });
    expect(
      await kv.request('write', 'metadata/k', {
        max_versions: 5,
        cas_required: true,
        delete_version_after: '3h25m19s',
        custom_metadata: { foo: 'abc', bar: 123, ok: true },
      }),
    ).toBeNull();
    expect(dataOf(await kv.request('read', 'metadata/k'))).toEqual({
      cas_required: true,
      created_time: '2024-01-01T00:00:00.123Z',
      current_version: 0,
      custom_metadata: { foo: 'abc', bar: '123', ok: '1' },
      delete_version_after: '3h25m19s',
      max_versions: 5,
      oldest_version: 0,
      updated_time: '2024-01-01T00:00:00.123Z',
      versions: {},
    });
    clock.advance(1000);
    await kv.request('write', 'metadata/k', { max_versions: 7 });
    const meta = dataOf(await kv.request('read', 'metadata/k'));
    expect(meta).toMatchObject({ max_versions: 7, cas_required: true, delete_version_after: '3h25m19s' });
    expect(meta['custom_metadata']).toEqual({ foo: 'abc', bar: '123', ok: '1' });
    // A settings write does not count as an update of the secret.
    expect(meta['updated_time']).toBe('2024-01-01T00:00:00.123Z');
  });

  it('a write with nothing to change creates nothing', async () => {
    const kv = await v2Backend();
    expect(await kv.request('write', 'metadata/k', {})).toBeNull();
    expect(await kv.request('read', 'metadata/k')).toBeNull();
  });

  it('custom_metadata replaces the whole map on write; null clears it to {}', async () => {
    const kv = await v2Backend();
    await kv.request('write', 'metadata/k', { custom_metadata: { a: '1', b: '2' } });
    await kv.request('write', 'metadata/k', { custom_metadata: { c: '3' } });
    expect(dataOf(await kv.request('read', 'metadata/k'))['custom_metadata']).toEqual({ c: '3' });
    await kv.request('write', 'metadata/k', { custom_metadata: null });
    expect(dataOf(await kv.request('read', 'metadata/k'))['custom_metadata']).toEqual({});
  });

  it('custom_metadata shows up in data reads and write responses', async () => {
    const kv = await v2Backend();
    await kv.request('write', 'metadata/k', { custom_metadata: { owner: 'jdoe' } });
    expect((await put(kv, 'k', { a: 1 }))['custom_metadata']).toEqual({ owner: 'jdoe' });
    expect(dataOf(await kv.request('read', 'data/k'))['metadata']).toMatchObject({ custom_metadata: { owner: 'jdoe' } });
  });

  describe('custom_metadata limits', () => {
    it('at most 64 keys', async () => {
      const kv = await v2Backend();
      const ok = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v']));
      expect(await kv.request('write', 'metadata/k', { custom_metadata: ok })).toBeNull();
      const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
      await expectUserError(
        kv.request('write', 'metadata/k', { custom_metadata: tooMany }),
        `1 error occurred:\n\t* ${cmPrefix}: payload must contain at most 64 keys, provided 65\n\n`,
      );
    });

    it('keys up to 128 bytes, values up to 512 bytes, neither empty', async () => {
      const kv = await v2Backend();
      expect(await kv.request('write', 'metadata/k', { custom_metadata: { ['k'.repeat(128)]: 'v'.repeat(512) } })).toBeNull();
      await expectUserError(
        kv.request('write', 'metadata/k', { custom_metadata: { ['k'.repeat(129)]: 'v' } }),
        `1 error occurred:\n\t* ${cmPrefix}: length of key "${'k'.repeat(129)}" is 129 but must be 0 < len(key) <= 128\n\n`,
      );
      await expectUserError(
        kv.request('write', 'metadata/k', { custom_metadata: { big: 'v'.repeat(513) } }),
        `1 error occurred:\n\t* ${cmPrefix}: length of value for key "big" is 513 but must be 0 < len(value) <= 512\n\n`,
      );
      // Lengths are UTF-8 bytes, as in Go.
      await expectUserError(
        kv.request('write', 'metadata/k', { custom_metadata: { e: 'é'.repeat(257) } }),
        `1 error occurred:\n\t* ${cmPrefix}: length of value for key "e" is 514 but must be 0 < len(value) <= 512\n\n`,
      );
      await expectUserError(
        kv.request('write', 'metadata/k', { custom_metadata: { '': 'x', empty: '' } }),
        `2 errors occurred:\n\t* ${cmPrefix}: length of key "" is 0 but must be 0 < len(key) <= 128\n\t* ${cmPrefix}: length of value for key "empty" is 0 but must be 0 < len(value) <= 512\n\n`,
      );
    });

    it('printable characters only', async () => {
      const kv = await v2Backend();
      await expectUserError(
        kv.request('write', 'metadata/k', { custom_metadata: { 'a\nb': 'x\u0001' } }),
        `2 errors occurred:\n\t* ${cmPrefix}: key "a\\nb" (a\nb) contains unprintable characters\n\t* ${cmPrefix}: value for key "a\\nb" contains unprintable characters\n\n`,
      );
      expect(await kv.request('write', 'metadata/k', { custom_metadata: { 'ключ ✓': 'значение 🔑' } })).toBeNull();
    });

    it('nested values are refused', async () => {
      const kv = await v2Backend();
      await expectUserError(
        kv.request('write', 'metadata/k', { custom_metadata: { a: { b: 1 } } }),
        `${cmPrefix}: '' expected type 'string', got unconvertible type 'map[string]interface {}'`,
      );
    });

    it('a refused write changes nothing', async () => {
      const kv = await v2Backend();
      await kv.request('write', 'metadata/k', { custom_metadata: { a: '1' } });
      await kv.request('write', 'metadata/k', { max_versions: 3, custom_metadata: { '': '' } }).catch(() => undefined);
      expect(dataOf(await kv.request('read', 'metadata/k'))).toMatchObject({ max_versions: 0, custom_metadata: { a: '1' } });
    });
  });

  it('warns when cas_required=false is overridden by the mount config', async () => {
    const kv = await v2Backend();
    await kv.request('write', 'config', { cas_required: true });
    expect(await kv.request('write', 'metadata/k', { cas_required: false })).toEqual({ warnings: [CAS_MANDATED_WARNING] });
    await put(kv, 'k', { a: 1 }, { cas: 0 });
    expect(await kv.request('patch', 'metadata/k', { cas_required: false }, PATCH)).toEqual({ warnings: [CAS_MANDATED_WARNING] });
  });

  it('refuses a negative delete_version_after and max_versions', async () => {
    const kv = await v2Backend();
    const err = await kv.request('write', 'metadata/k', { delete_version_after: '-5s' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(
      'Field validation failed: error converting input for field "delete_version_after": cannot provide negative value \'-5\'',
    );
    await expectUserError(kv.request('write', 'metadata/k', { max_versions: -1 }), 'max_versions cannot be negative');
  });

  describe('patch', () => {
    it('merges custom_metadata (null removes a key) and sets only the fields sent', async () => {
      const kv = await v2Backend();
      await kv.request('write', 'metadata/k', { max_versions: 4, custom_metadata: { a: '1', b: '2' } });
      expect(await kv.request('patch', 'metadata/k', { custom_metadata: { b: null, c: 3 } }, PATCH)).toBeNull();
      let meta = dataOf(await kv.request('read', 'metadata/k'));
      expect(meta['custom_metadata']).toEqual({ a: '1', c: '3' });
      expect(meta['max_versions']).toBe(4);
      await kv.request('patch', 'metadata/k', { delete_version_after: '1h', cas_required: true }, PATCH);
      meta = dataOf(await kv.request('read', 'metadata/k'));
      expect(meta).toMatchObject({ delete_version_after: '1h0m0s', cas_required: true, max_versions: 4 });
      await kv.request('patch', 'metadata/k', { delete_version_after: '0s' }, PATCH);
      expect(dataOf(await kv.request('read', 'metadata/k'))['delete_version_after']).toBe('0s');
      await kv.request('patch', 'metadata/k', { custom_metadata: null }, PATCH);
      expect(dataOf(await kv.request('read', 'metadata/k'))['custom_metadata']).toBeNull();
    });

    it('needs an existing key', async () => {
      const kv = await v2Backend();
      await expectAppError(kv.request('patch', 'metadata/k', { max_versions: 2 }, PATCH), 'ERR_NOT_FOUND');
      expect(await kv.request('read', 'metadata/k')).toBeNull();
    });

    it('validates the patch and keeps the merged map within the limits', async () => {
      const kv = await v2Backend();
      const sixty = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, 'v']));
      await kv.request('write', 'metadata/k', { custom_metadata: sixty });
      await expectUserError(
        kv.request('patch', 'metadata/k', { custom_metadata: { x: 'v'.repeat(513) } }, PATCH),
        `1 error occurred:\n\t* ${cmPrefix}: length of value for key "x" is 513 but must be 0 < len(value) <= 512\n\n`,
      );
      const five = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`new${i}`, 'v']));
      await expectUserError(
        kv.request('patch', 'metadata/k', { custom_metadata: five }, PATCH),
        `1 error occurred:\n\t* ${cmPrefix}: payload must contain at most 64 keys, provided 65\n\n`,
      );
      // Removing keys in the same patch makes room.
      expect(await kv.request('patch', 'metadata/k', { custom_metadata: { ...five, k0: null } }, PATCH)).toBeNull();
      expect(Object.keys(dataOf(await kv.request('read', 'metadata/k'))['custom_metadata'] as object)).toHaveLength(64);
    });
  });

  it('DELETE removes every version and the metadata', async () => {
    const kv = await v2Backend();
    for (let i = 0; i < 3; i++) await put(kv, 'a/k', { i });
    await put(kv, 'a/other', { keep: true });
    await kv.request('write', 'destroy/a/k', { versions: [2] });
    expect(await kv.request('delete', 'metadata/a/k')).toBeNull();
    expect(await kv.request('read', 'metadata/a/k')).toBeNull();
    expect(await kv.request('read', 'data/a/k', { version: 1 })).toBeNull();
    const left = await listRecursive(kv.storage, V2_PREFIX);
    expect(left.filter((k) => k.startsWith(`${V2_PREFIX}versions/`))).toHaveLength(1);
    expect(left).toContain(metadataKey('a/other'));
    expect(left).not.toContain(metadataKey('a/k'));
    // The key starts over.
    expect((await put(kv, 'a/k', { fresh: 1 }, { cas: 0 }))['version']).toBe(1);
    // Deleting a missing key is a 204.
    expect(await kv.request('delete', 'metadata/nope')).toBeNull();
  });

  it('LIST gives the logical key tree', async () => {
    const kv = await v2Backend();
    await put(kv, 'foo', { a: 1 });
    await put(kv, 'foo/bar', { a: 1 });
    await put(kv, 'foo/baz/qux', { a: 1 });
    await kv.request('write', 'metadata/meta-only', { max_versions: 1 });
    expect(dataOf(await kv.request('list', 'metadata/'))).toEqual({ keys: ['foo', 'foo/', 'meta-only'] });
    expect(dataOf(await kv.request('list', 'metadata/foo/'))).toEqual({ keys: ['bar', 'baz/'] });
    expect(dataOf(await kv.request('list', 'metadata/foo/baz/'))).toEqual({ keys: ['qux'] });
    expect(dataOf(await kv.request('list', 'metadata/nothing/'))).toEqual({});
    await kv.request('delete', 'metadata/foo/baz/qux');
    expect(dataOf(await kv.request('list', 'metadata/foo/'))).toEqual({ keys: ['bar'] });
    // Soft-deleted and destroyed keys are still listed (their metadata exists).
    await kv.request('delete', 'data/foo/bar');
    expect(dataOf(await kv.request('list', 'metadata/foo/'))).toEqual({ keys: ['bar'] });
  });
});

describe('KV v2 metadata/ folders', () => {
  it("refuses writes to a folder path ending in '/'", async () => {
    const kv = await v2Backend();
    await expectUserError(kv.request('write', 'metadata/folder/', { max_versions: 1 }), "cannot write to a path ending in '/'");
    await expectUserError(kv.request('patch', 'metadata/folder/', { max_versions: 1 }, PATCH), "cannot write to a path ending in '/'");
  });
});
