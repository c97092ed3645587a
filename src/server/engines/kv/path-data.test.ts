import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NotFoundError, UserError } from '../../../shared/errors.js';
import { mergePatch } from './merge-patch.js';
import { metadataKey, versionKey } from './version-store.js';
import {
  FaultyStorage,
  ManualClock,
  PATCH,
  RFC3339_NANO,
  dataOf,
  expectAppError,
  expectUserError,
  put,
  v2Backend,
} from './testing.js';

describe('KV v2 data/', () => {
  it('answers a write with the version metadata', async () => {
    const clock = new ManualClock();
    const kv = await v2Backend({ clock });
    const resp = await kv.request('write', 'data/my-secret', { data: { foo: 'bar' } });
    expect(resp).toEqual({
      data: {
        created_time: '2024-01-01T00:00:00.123Z',
        custom_metadata: null,
        deletion_time: '',
        destroyed: false,
        version: 1,
      },
    });
  });

  it('reads the latest version, or the one asked for', async () => {
    const clock = new ManualClock();
    const kv = await v2Backend({ clock });
    await put(kv, 'a/b', { v: 1 });
    clock.advance(1000);
    await put(kv, 'a/b', { v: 2, nested: { x: [1, 'y'] } });
    const latest = await kv.request('read', 'data/a/b');
    expect(latest).toEqual({
      data: {
        data: { v: 2, nested: { x: [1, 'y'] } },
        metadata: {
          created_time: '2024-01-01T00:00:01.123Z',
          custom_metadata: null,
          deletion_time: '',
          destroyed: false,
          version: 2,
        },
      },
    });
    // Query parameters arrive as strings.
    const first = dataOf(await kv.request('read', 'data/a/b', { version: '1' }));
    expect(first['data']).toEqual({ v: 1 });
    expect((first['metadata'] as Record<string, unknown>)['version']).toBe(1);
    // version=0 means "latest".
    expect((dataOf(await kv.request('read', 'data/a/b', { version: 0 }))['data'] as Record<string, unknown>)['v']).toBe(2);
  });

  it('answers null (plain 404) for an unknown key or version', async () => {
    const kv = await v2Backend();
    expect(await kv.request('read', 'data/nope')).toBeNull();
    await put(kv, 'k', { a: 1 });
    expect(await kv.request('read', 'data/k', { version: 7 })).toBeNull();
  });

  it('rejects a bad version parameter with a field validation error', async () => {
    const kv = await v2Backend();
    await put(kv, 'k', { a: 1 });
    const err = await kv.request('read', 'data/k', { version: 'two' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/^Field validation failed: error converting input for field "version"/);
  });

  it('requires data on writes ("no data provided"), also for v1-style bodies', async () => {
    const kv = await v2Backend();
    await expectUserError(kv.request('write', 'data/k', {}), 'no data provided');
    await expectUserError(kv.request('write', 'data/k', { foo: 'bar' }), 'no data provided');
    await expectUserError(kv.request('write', 'data/k', { data: null }), 'no data provided');
    expect(await kv.request('read', 'metadata/k')).toBeNull();
  });

  it('accepts an empty data map as a version', async () => {
    const kv = await v2Backend();
    expect((await put(kv, 'k', {}))['version']).toBe(1);
    expect(dataOf(await kv.request('read', 'data/k'))['data']).toEqual({});
  });

  it('renders times as RFC3339Nano with trailing zeros trimmed', async () => {
    const clock = new ManualClock();
    clock.t = Date.UTC(2024, 5, 1, 12, 0, 0, 500);
    const kv = await v2Backend({ clock });
    expect((await put(kv, 'k', { a: 1 }))['created_time']).toBe('2024-06-01T12:00:00.5Z');
    clock.t = Date.UTC(2024, 5, 1, 12, 0, 0, 0);
    expect((await put(kv, 'k', { a: 1 }))['created_time']).toBe('2024-06-01T12:00:00Z');
    clock.t = Date.UTC(2024, 5, 1, 12, 0, 0, 10);
    const created = (await put(kv, 'k', { a: 1 }))['created_time'];
    expect(created).toBe('2024-06-01T12:00:00.01Z');
    expect(created).toMatch(RFC3339_NANO);
  });

  describe('check-and-set', () => {
    it('cas 0 writes only a key without versions', async () => {
      const kv = await v2Backend();
      expect((await put(kv, 'k', { a: 1 }, { cas: 0 }))['version']).toBe(1);
      await expectUserError(
        kv.request('write', 'data/k', { data: { a: 2 }, options: { cas: 0 } }),
        'check-and-set parameter did not match the current version',
      );
    });

    it('cas N must equal current_version', async () => {
      const kv = await v2Backend();
      await put(kv, 'k', { a: 1 });
      await expectUserError(
        kv.request('write', 'data/k', { data: { a: 2 }, options: { cas: 2 } }),
        'check-and-set parameter did not match the current version',
      );
      expect((await put(kv, 'k', { a: 2 }, { cas: 1 }))['version']).toBe(2);
      // Strings and null are decoded weakly, as mapstructure does: "2" = 2, null = 0.
      expect((await put(kv, 'k', { a: 3 }, { cas: '2' }))['version']).toBe(3);
      await expectUserError(
        kv.request('write', 'data/k', { data: { a: 4 }, options: { cas: null } }),
        'check-and-set parameter did not match the current version',
      );
      await expectUserError(
        kv.request('write', 'data/k', { data: { a: 4 }, options: { cas: 'three' } }),
        'error parsing check-and-set parameter',
      );
    });

    it('a soft delete keeps current_version for CAS', async () => {
      const kv = await v2Backend();
      await put(kv, 'k', { a: 1 });
      await kv.request('delete', 'data/k');
      await expectUserError(
        kv.request('write', 'data/k', { data: { a: 2 }, options: { cas: 0 } }),
        'check-and-set parameter did not match the current version',
      );
      expect((await put(kv, 'k', { a: 2 }, { cas: 1 }))['version']).toBe(2);
    });

    it('is required when the mount config says so', async () => {
      const kv = await v2Backend();
      await kv.request('write', 'config', { cas_required: true });
      await expectUserError(kv.request('write', 'data/k', { data: { a: 1 } }), 'check-and-set parameter required for this call');
      expect((await put(kv, 'k', { a: 1 }, { cas: 0 }))['version']).toBe(1);
    });

    it('is required when the key metadata says so', async () => {
      const kv = await v2Backend();
      await put(kv, 'k', { a: 1 });
      await kv.request('write', 'metadata/k', { cas_required: true });
      await expectUserError(kv.request('write', 'data/k', { data: { a: 2 } }), 'check-and-set parameter required for this call');
      await put(kv, 'other', { a: 1 }); // other keys are unaffected
      expect((await put(kv, 'k', { a: 2 }, { cas: 1 }))['version']).toBe(2);
    });

    it('metadata-only keys have current_version 0: cas 0 succeeds, cas 1 fails (ESO PushSecret)', async () => {
      const kv = await v2Backend();
      expect(await kv.request('write', 'metadata/pushed', { custom_metadata: { 'managed-by': 'external-secrets' } })).toBeNull();
      const meta = dataOf(await kv.request('read', 'metadata/pushed'));
      expect(meta['current_version']).toBe(0);
      expect(meta['versions']).toEqual({});
      expect(await kv.request('read', 'data/pushed')).toBeNull();
      await expectUserError(
        kv.request('write', 'data/pushed', { data: { a: 1 }, options: { cas: 1 } }),
        'check-and-set parameter did not match the current version',
      );
      const written = await put(kv, 'pushed', { a: 1 }, { cas: 0 });
      expect(written).toMatchObject({ version: 1, custom_metadata: { 'managed-by': 'external-secrets' } });
      const read = dataOf(await kv.request('read', 'data/pushed'));
      expect(read['metadata']).toMatchObject({ version: 1, custom_metadata: { 'managed-by': 'external-secrets' } });
    });
  });

  describe('max_versions', () => {
    it('keeps 10 versions by default and purges the data of older ones', async () => {
      const kv = await v2Backend();
      for (let i = 1; i <= 12; i++) await put(kv, 'k', { i });
      const meta = dataOf(await kv.request('read', 'metadata/k'));
      expect(meta['current_version']).toBe(12);
      expect(meta['oldest_version']).toBe(3);
      expect(Object.keys(meta['versions'] as object)).toEqual(['3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
      expect(await kv.request('read', 'data/k', { version: 2 })).toBeNull();
      expect(await kv.storage.get(versionKey('k', 1))).toBeNull();
      expect(await kv.storage.get(versionKey('k', 2))).toBeNull();
      expect(await kv.storage.get(versionKey('k', 3))).not.toBeNull();
    });

    it('reports oldest_version 0 until the window first slides', async () => {
      const kv = await v2Backend();
      await kv.request('write', 'config', { max_versions: 3 });
      await put(kv, 'k', { i: 1 });
      await put(kv, 'k', { i: 2 });
      expect(dataOf(await kv.request('read', 'metadata/k'))['oldest_version']).toBe(0);
      await put(kv, 'k', { i: 3 });
      expect(dataOf(await kv.request('read', 'metadata/k'))['oldest_version']).toBe(1);
      await put(kv, 'k', { i: 4 });
      await put(kv, 'k', { i: 5 });
      const meta = dataOf(await kv.request('read', 'metadata/k'));
      expect(meta['oldest_version']).toBe(3);
      expect(Object.keys(meta['versions'] as object)).toEqual(['3', '4', '5']);
    });

    it('uses the larger of the key and mount settings (Vault ≥1.19 plugin rule)', async () => {
      const kv = await v2Backend();
      await kv.request('write', 'config', { max_versions: 2 });
      await kv.request('write', 'metadata/big', { max_versions: 4 });
      await kv.request('write', 'metadata/small', { max_versions: 1 });
      for (let i = 1; i <= 6; i++) {
        await put(kv, 'big', { i });
        await put(kv, 'small', { i });
        await put(kv, 'plain', { i });
      }
      const count = async (k: string) => Object.keys(dataOf(await kv.request('read', `metadata/${k}`))['versions'] as object).length;
      expect(await count('big')).toBe(4);
      expect(await count('small')).toBe(2);
      expect(await count('plain')).toBe(2);
    });

    it('lowering max_versions purges the surplus on the next write', async () => {
      const kv = await v2Backend();
      for (let i = 1; i <= 6; i++) await put(kv, 'k', { i });
      await kv.request('write', 'metadata/k', { max_versions: 0 });
      await kv.request('write', 'config', { max_versions: 2 });
      // Nothing is purged by the settings change itself.
      expect(Object.keys(dataOf(await kv.request('read', 'metadata/k'))['versions'] as object)).toHaveLength(6);
      await put(kv, 'k', { i: 7 });
      const meta = dataOf(await kv.request('read', 'metadata/k'));
      expect(Object.keys(meta['versions'] as object)).toEqual(['6', '7']);
      expect(meta['oldest_version']).toBe(6);
      for (let v = 1; v <= 5; v++) expect(await kv.storage.get(versionKey('k', v))).toBeNull();
    });
  });

  describe('deleted and destroyed versions', () => {
    it('a soft-deleted version reads as 404 with the full envelope', async () => {
      const clock = new ManualClock();
      const kv = await v2Backend({ clock });
      await put(kv, 'k', { a: 1 });
      clock.advance(5000);
      expect(await kv.request('delete', 'data/k')).toBeNull();
      const resp = await kv.request('read', 'data/k');
      expect(resp).toEqual({
        httpStatus: 404,
        data: {
          data: null,
          metadata: {
            created_time: '2024-01-01T00:00:00.123Z',
            custom_metadata: null,
            deletion_time: '2024-01-01T00:00:05.123Z',
            destroyed: false,
            version: 1,
          },
        },
      });
    });

    it('DELETE data/ soft-deletes only the latest version, once', async () => {
      const clock = new ManualClock();
      const kv = await v2Backend({ clock });
      await put(kv, 'k', { a: 1 });
      await put(kv, 'k', { a: 2 });
      await kv.request('delete', 'data/k');
      clock.advance(1000);
      await kv.request('delete', 'data/k'); // already deleted: unchanged
      const versions = dataOf(await kv.request('read', 'metadata/k'))['versions'] as Record<string, Record<string, unknown>>;
      expect(versions['1']?.['deletion_time']).toBe('');
      expect(versions['2']?.['deletion_time']).toBe('2024-01-01T00:00:00.123Z');
      expect(dataOf(await kv.request('read', 'data/k', { version: 1 }))['data']).toEqual({ a: 1 });
      // Deleting a missing key is a no-op 204.
      expect(await kv.request('delete', 'data/missing')).toBeNull();
    });

    it('a destroyed version reads as 404 with destroyed: true', async () => {
      const kv = await v2Backend();
      await put(kv, 'k', { a: 1 });
      await kv.request('write', 'destroy/k', { versions: [1] });
      const resp = await kv.request('read', 'data/k');
      expect(resp?.httpStatus).toBe(404);
      expect(resp?.data).toMatchObject({ data: null, metadata: { version: 1, destroyed: true, deletion_time: '' } });
    });
  });

  describe('delete_version_after', () => {
    it('schedules deletion; a future deletion_time reads normally, a past one as deleted', async () => {
      const clock = new ManualClock();
      const kv = await v2Backend({ clock });
      await kv.request('write', 'config', { delete_version_after: '1h' });
      const written = await put(kv, 'k', { a: 1 });
      expect(written['deletion_time']).toBe('2024-01-01T01:00:00.123Z');
      clock.advance(3600_000 - 1);
      const live = await kv.request('read', 'data/k');
      expect(live?.httpStatus).toBeUndefined();
      expect(dataOf(live)['metadata']).toMatchObject({ deletion_time: '2024-01-01T01:00:00.123Z' });
      clock.advance(1);
      const gone = await kv.request('read', 'data/k');
      expect(gone?.httpStatus).toBe(404);
      expect(gone?.data).toMatchObject({ data: null });
    });

    it('uses the smaller non-zero of the key and mount settings', async () => {
      const clock = new ManualClock();
      const kv = await v2Backend({ clock });
      await kv.request('write', 'config', { delete_version_after: '1h' });
      await kv.request('write', 'metadata/short', { delete_version_after: '30m' });
      await kv.request('write', 'metadata/long', { delete_version_after: '2h' });
      expect((await put(kv, 'short', { a: 1 }))['deletion_time']).toBe('2024-01-01T00:30:00.123Z');
      expect((await put(kv, 'long', { a: 1 }))['deletion_time']).toBe('2024-01-01T01:00:00.123Z');
      await kv.request('write', 'config', { delete_version_after: 0 });
      expect((await put(kv, 'long', { a: 1 }))['deletion_time']).toBe('2024-01-01T02:00:00.123Z');
    });

    it('a negative mount setting disables it for every key', async () => {
      const kv = await v2Backend();
      await kv.request('write', 'metadata/k', { delete_version_after: '30m' });
      await kv.request('write', 'config', { delete_version_after: '-1s' });
      expect((await put(kv, 'k', { a: 1 }))['deletion_time']).toBe('');
    });

    it('a soft delete replaces a scheduled deletion with now', async () => {
      const clock = new ManualClock();
      const kv = await v2Backend({ clock });
      await kv.request('write', 'config', { delete_version_after: '1h' });
      await put(kv, 'k', { a: 1 });
      clock.advance(1000);
      await kv.request('delete', 'data/k');
      expect(dataOf(await kv.request('read', 'metadata/k'))['versions']).toMatchObject({
        '1': { deletion_time: '2024-01-01T00:00:01.123Z' },
      });
    });
  });

  describe('patch', () => {
    it('merges into a new version (null deletes, objects merge, arrays replace)', async () => {
      const kv = await v2Backend();
      await put(kv, 'k', { keep: 1, drop: 2, nested: { a: 1, b: { c: 1 } }, list: [1, 2] });
      const resp = await kv.request(
        'patch',
        'data/k',
        { data: { drop: null, nested: { b: { d: 2 } }, list: [3], added: 'x' }, options: { cas: 1 } },
        PATCH,
      );
      expect(dataOf(resp)).toMatchObject({ version: 2, deletion_time: '', destroyed: false, custom_metadata: null });
      expect(dataOf(await kv.request('read', 'data/k'))['data']).toEqual({
        keep: 1,
        nested: { a: 1, b: { c: 1, d: 2 } },
        list: [3],
        added: 'x',
      });
      // The previous version is untouched.
      expect(dataOf(await kv.request('read', 'data/k', { version: 1 }))['data']).toMatchObject({ drop: 2 });
    });

    it('needs data, an existing key and a live latest version', async () => {
      const kv = await v2Backend();
      await expectUserError(kv.request('patch', 'data/k', {}, PATCH), 'no data provided');
      await expectAppError(kv.request('patch', 'data/k', { data: { a: 1 } }, PATCH), 'ERR_NOT_FOUND');
      await kv.request('write', 'metadata/k', { max_versions: 3 });
      const err = await kv.request('patch', 'data/k', { data: { a: 1 } }, PATCH).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      await put(kv, 'k', { a: 1 });
      await kv.request('delete', 'data/k');
      const resp = await kv.request('patch', 'data/k', { data: { a: 2 } }, PATCH);
      expect(resp?.httpStatus).toBe(404);
      expect(resp?.data).toMatchObject({ version: 1, destroyed: false });
      expect((resp?.data as Record<string, unknown>)['deletion_time']).toMatch(RFC3339_NANO);
      expect(dataOf(await kv.request('read', 'metadata/k'))['current_version']).toBe(1);
    });

    it('honours check-and-set like a write', async () => {
      const kv = await v2Backend();
      await put(kv, 'k', { a: 1 });
      await expectUserError(
        kv.request('patch', 'data/k', { data: { a: 2 }, options: { cas: 0 } }, PATCH),
        'check-and-set parameter did not match the current version',
      );
      await kv.request('write', 'config', { cas_required: true });
      await expectUserError(kv.request('patch', 'data/k', { data: { a: 2 } }, PATCH), 'check-and-set parameter required for this call');
      expect(dataOf(await kv.request('patch', 'data/k', { data: { a: 2 }, options: { cas: 1 } }, PATCH))['version']).toBe(2);
    });

    it('matches an RFC 7396 model on random documents', async () => {
      const json = fc.letrec((tie) => ({
        value: fc.oneof(
          { depthSize: 'small' },
          fc.constantFrom(null, true, false, 0, 1.5, 'x', ''),
          fc.string({ maxLength: 4 }),
          fc.array(tie('value'), { maxLength: 3 }),
          tie('object'),
        ),
        object: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', '__proto__'), tie('value'), { maxKeys: 4 }),
      }));
      const doc = json.object.map((o) => stripNulls(o) as Record<string, unknown>);
      await fc.assert(
        fc.asyncProperty(doc, json.object, async (base, patch) => {
          const kv = await v2Backend();
          await put(kv, 'k', base);
          await kv.request('patch', 'data/k', { data: patch }, PATCH);
          const stored = dataOf(await kv.request('read', 'data/k'))['data'];
          expect(stored).toEqual(modelMergePatch(base, patch));
          // Applying the same patch again changes nothing (merge patch is idempotent).
          expect(mergePatch(stored, patch)).toEqual(stored);
        }),
        { numRuns: 150 },
      );
    });
  });

  describe('concurrency', () => {
    it('100 parallel writes to one key get versions 1..100', async () => {
      const kv = await v2Backend();
      await kv.request('write', 'config', { max_versions: 200 });
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => put(kv, 'hot', { i })));
      const versions = results.map((r) => r['version']).sort((a, b) => Number(a) - Number(b));
      expect(versions).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      const meta = dataOf(await kv.request('read', 'metadata/hot'));
      expect(meta['current_version']).toBe(100);
      expect(Object.keys(meta['versions'] as object)).toHaveLength(100);
      // Every version holds the data of the write that got that number.
      for (const r of results) {
        const i = results.indexOf(r);
        const read = dataOf(await kv.request('read', 'data/hot', { version: r['version'] }));
        expect(read['data']).toEqual({ i });
      }
    });

    it('parallel patches never lose an update', async () => {
      const kv = await v2Backend();
      await kv.request('write', 'config', { max_versions: 100 });
      await put(kv, 'k', {});
      await Promise.all(Array.from({ length: 40 }, (_, i) => kv.request('patch', 'data/k', { data: { [`k${i}`]: i } }, PATCH)));
      const data = dataOf(await kv.request('read', 'data/k'))['data'] as Record<string, unknown>;
      expect(Object.keys(data)).toHaveLength(40);
      expect(dataOf(await kv.request('read', 'metadata/k'))['current_version']).toBe(41);
    });
  });

  it('a failed storage transaction leaves the previous version and the metadata intact', async () => {
    const storage = new FaultyStorage();
    const kv = await v2Backend({ storage });
    await put(kv, 'k', { a: 1 });
    const metaBefore = await kv.storage.get(metadataKey('k'));
    storage.failTransactions = new Error('disk full');
    await expect(kv.request('write', 'data/k', { data: { a: 2 } })).rejects.toThrow('disk full');
    await expect(kv.request('patch', 'data/k', { data: { a: 3 } }, PATCH)).rejects.toThrow('disk full');
    storage.failTransactions = null;
    expect(await kv.storage.get(metadataKey('k'))).toEqual(metaBefore);
    expect(await kv.storage.get(versionKey('k', 2))).toBeNull();
    expect(dataOf(await kv.request('read', 'data/k'))['data']).toEqual({ a: 1 });
    // The next write takes version 2: nothing was half-written.
    expect((await put(kv, 'k', { a: 2 }))['version']).toBe(2);
  });

  it('decides create vs update by whether the key exists (metadata-only counts)', async () => {
    const kv = await v2Backend();
    const check = (path: string) =>
      kv.backend.existenceCheck({
        id: '1',
        operation: 'update',
        path,
        data: {},
        headers: {},
        remoteAddr: '',
        storage: kv.storage,
        mount: kv.mount,
      });
    expect(await check('data/k')).toEqual({ checked: true, exists: false });
    await kv.request('write', 'metadata/k', { max_versions: 2 });
    expect(await check('data/k')).toEqual({ checked: true, exists: true });
    expect(await check('metadata/k')).toEqual({ checked: true, exists: true });
    expect(await check('metadata/other')).toEqual({ checked: true, exists: false });
  });
});

/** Independent RFC 7396 reference (section 2 pseudo-code). */
function modelMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out = new Map<string, unknown>(
    typeof target === 'object' && target !== null && !Array.isArray(target) ? Object.entries(target) : [],
  );
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) out.delete(k);
    else out.set(k, modelMergePatch(out.get(k), v));
  }
  const obj: Record<string, unknown> = {};
  for (const [k, v] of out) Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  return obj;
}

function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x !== null) Object.defineProperty(out, k, { value: stripNulls(x), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}
