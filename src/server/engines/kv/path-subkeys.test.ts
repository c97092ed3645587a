import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { removeValues } from './path-subkeys.js';
import { ManualClock, dataOf, put, v2Backend } from './testing.js';

const SAMPLE = { foo: 'abc', bar: { baz: 'def', deep: { x: 1, y: [1, 2] } }, quux: {}, list: [{ a: 1 }] };

describe('KV v2 subkeys/', () => {
  it('replaces every leaf with null (Vault docs example)', async () => {
    const kv = await v2Backend({ clock: new ManualClock() });
    await put(kv, 'my-secret', { foo: 'abc', bar: { baz: 'def' }, quux: {} });
    expect(await kv.request('read', 'subkeys/my-secret')).toEqual({
      data: {
        subkeys: { foo: null, bar: { baz: null }, quux: null },
        metadata: {
          created_time: '2024-01-01T00:00:00.123Z',
          custom_metadata: null,
          deletion_time: '',
          destroyed: false,
          version: 1,
        },
      },
    });
  });

  it.each([
    [0, { foo: null, bar: { baz: null, deep: { x: null, y: null } }, quux: null, list: null }],
    [1, { foo: null, bar: null, quux: null, list: null }],
    [2, { foo: null, bar: { baz: null, deep: null }, quux: null, list: null }],
    [3, { foo: null, bar: { baz: null, deep: { x: null, y: null } }, quux: null, list: null }],
  ])('stops at depth %i', async (depth, expected) => {
    const kv = await v2Backend();
    await put(kv, 'k', SAMPLE);
    expect(dataOf(await kv.request('read', 'subkeys/k', { depth: String(depth) }))['subkeys']).toEqual(expected);
  });

  it('reads the version asked for', async () => {
    const kv = await v2Backend();
    await put(kv, 'k', { old: 1 });
    await put(kv, 'k', { new: 1 });
    const resp = dataOf(await kv.request('read', 'subkeys/k', { version: '1' }));
    expect(resp['subkeys']).toEqual({ old: null });
    expect(resp['metadata']).toMatchObject({ version: 1 });
  });

  it('answers 404 with metadata for deleted or destroyed versions, plain 404 when missing', async () => {
    const kv = await v2Backend();
    expect(await kv.request('read', 'subkeys/k')).toBeNull();
    await put(kv, 'k', { a: 1 });
    expect(await kv.request('read', 'subkeys/k', { version: 3 })).toBeNull();
    await kv.request('delete', 'data/k');
    const deleted = await kv.request('read', 'subkeys/k');
    expect(deleted?.httpStatus).toBe(404);
    expect(deleted?.data).toMatchObject({ subkeys: null, metadata: { version: 1, destroyed: false } });
    await kv.request('write', 'destroy/k', { versions: [1] });
    expect((await kv.request('read', 'subkeys/k'))?.data).toMatchObject({ subkeys: null, metadata: { destroyed: true } });
  });

  it('never leaks a value and keeps the key structure (property)', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
        tie('obj'),
      ),
      obj: fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), tie('node'), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(value.obj, fc.nat({ max: 5 }), (input, depth) => {
        const out = removeValues(input as Record<string, unknown>, depth);
        const check = (src: Record<string, unknown>, dst: Record<string, unknown>, level: number): void => {
          expect(Object.keys(dst).sort()).toEqual(Object.keys(src).sort());
          for (const [k, v] of Object.entries(src)) {
            const d = dst[k];
            const expandable = typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0;
            if (expandable && (depth === 0 || level + 1 <= depth)) {
              check(v as Record<string, unknown>, d as Record<string, unknown>, level + 1);
            } else {
              expect(d).toBeNull();
            }
          }
        };
        check(input as Record<string, unknown>, out, 1);
      }),
      { numRuns: 200 },
    );
  });
});
