/**
 * The behaviour every PhysicalStorage must show, after Vault's `physical.ExerciseBackend` and
 * `ExerciseTransactionalBackend`. Each implementation's test file runs it:
 *
 *   runStorageConformance('sqlite', async () => ({ storage, cleanup }));
 *
 * Every test gets a fresh, empty storage from `make` and closes it afterwards.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PhysicalOp, PhysicalStorage } from './physical.js';

export type StorageFactory = () => Promise<{ storage: PhysicalStorage; cleanup?: () => Promise<void> }>;

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Compares as plain byte arrays, so a Buffer and a Uint8Array with equal bytes are equal. */
function expectBytes(got: Uint8Array | null, want: Uint8Array): void {
  expect(got).toBeInstanceOf(Uint8Array);
  if (got === null) return;
  if (want.byteLength > 4096) {
    expect(got.byteLength).toBe(want.byteLength);
    expect(Buffer.compare(Buffer.from(got), Buffer.from(want))).toBe(0);
  } else {
    expect(Array.from(got)).toEqual(Array.from(want));
  }
}

/** Vault's order: UTF-8 bytes (Go's sort.Strings), computed independently of the implementations. */
const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

function modelList(model: ReadonlyMap<string, Uint8Array>, prefix: string): string[] {
  const children = new Set<string>();
  for (const key of model.keys()) {
    if (!key.startsWith(prefix) || key === prefix) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    children.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return [...children].sort(byUtf8);
}

export function runStorageConformance(name: string, make: StorageFactory): void {
  const withStorage = async (fn: (storage: PhysicalStorage) => Promise<void>): Promise<void> => {
    const { storage, cleanup } = await make();
    try {
      await fn(storage);
    } finally {
      await storage.close();
      await cleanup?.();
    }
  };
  const putAll = async (storage: PhysicalStorage, keys: readonly string[]): Promise<void> => {
    for (const key of keys) await storage.put(key, text(key));
  };

  describe(`${name} storage conformance`, () => {
    describe('get, put, delete', () => {
      it('returns null for a missing key', () =>
        withStorage(async (s) => {
          expect(await s.get('missing')).toBeNull();
          expect(await s.get('')).toBeNull();
        }));

      it('round-trips every byte value', () =>
        withStorage(async (s) => {
          const all = new Uint8Array(256).map((_, i) => i);
          await s.put('bytes', all);
          expectBytes(await s.get('bytes'), all);
        }));

      it('round-trips an empty value as empty, not missing', () =>
        withStorage(async (s) => {
          await s.put('empty', new Uint8Array(0));
          const got = await s.get('empty');
          expect(got).not.toBeNull();
          expect(got?.byteLength).toBe(0);
        }));

      it('round-trips a 1 MiB value', () =>
        withStorage(async (s) => {
          const big = new Uint8Array(randomBytes(1024 * 1024));
          await s.put('big', big);
          expectBytes(await s.get('big'), big);
        }));

      it('accepts a Buffer as a value', () =>
        withStorage(async (s) => {
          await s.put('buf', Buffer.from('buffer value'));
          expectBytes(await s.get('buf'), text('buffer value'));
        }));

      it('overwrites', () =>
        withStorage(async (s) => {
          await s.put('k', bytes(1));
          await s.put('k', bytes(2, 2));
          expectBytes(await s.get('k'), bytes(2, 2));
        }));

      it('deletes, and deleting a missing key is not an error', () =>
        withStorage(async (s) => {
          await s.put('k', bytes(1));
          await s.delete('k');
          expect(await s.get('k')).toBeNull();
          await s.delete('k');
          await s.delete('never/existed');
          expect(await s.list('')).toEqual([]);
        }));

      it('keeps keys that differ only in special characters apart', () =>
        withStorage(async (s) => {
          const keys = ['a_b', 'axb', 'a%b', 'a b', 'a\\b', "a'b", 'é', 'e\u0301', '😀', 'k/ключ/日本'];
          await putAll(s, keys);
          for (const key of keys) expectBytes(await s.get(key), text(key));
        }));
    });

    describe('list', () => {
      it('lists nothing in an empty storage', () =>
        withStorage(async (s) => {
          expect(await s.list('')).toEqual([]);
          expect(await s.list('any/')).toEqual([]);
        }));

      it('lists direct children, each folder once with a trailing slash', () =>
        withStorage(async (s) => {
          await putAll(s, ['b/e/f', 'a', 'b/d', 'b/c', 'b/e/g/h', 'c/x']);
          expect(await s.list('')).toEqual(['a', 'b/', 'c/']);
          expect(await s.list('b/')).toEqual(['c', 'd', 'e/']);
          expect(await s.list('b/e/')).toEqual(['f', 'g/']);
          expect(await s.list('b/e/g/')).toEqual(['h']);
        }));

      it('lists a leaf and a folder of the same name both', () =>
        withStorage(async (s) => {
          await putAll(s, ['foo', 'foo/bar', 'foo/baz/qux']);
          expect(await s.list('')).toEqual(['foo', 'foo/']);
          expect(await s.list('foo/')).toEqual(['bar', 'baz/']);
        }));

      it('lists nothing below a leaf that is not also a folder', () =>
        withStorage(async (s) => {
          await putAll(s, ['foo', 'foobar/x']);
          expect(await s.list('foo/')).toEqual([]);
          expect(await s.list('missing/')).toEqual([]);
        }));

      it('sorts, including around the characters next to "/"', () =>
        withStorage(async (s) => {
          await putAll(s, ['x0', 'x/2', 'x', 'x/1/deep', 'x.', 'w', 'x!', 'y', 'x/3']);
          expect(await s.list('')).toEqual(['w', 'x', 'x!', 'x.', 'x/', 'x0', 'y']);
          expect(await s.list('x/')).toEqual(['1/', '2', '3']);
        }));

      it('sorts by code point (UTF-8 byte order), as Vault does', () =>
        withStorage(async (s) => {
          // UTF-16 order would put the emoji (a surrogate pair) before U+FF01.
          await putAll(s, ['😀', '！', 'é', 'z', 'ключ', '日本/x', 'Z']);
          expect(await s.list('')).toEqual(['Z', 'z', 'é', 'ключ', '日本/', '！', '😀']);
        }));

      it('treats %, _ and spaces literally in prefixes', () =>
        withStorage(async (s) => {
          await putAll(s, ['a_/1', 'ab/2', 'a%/3', 'a%x/4', 'a b/5', 'a  b/6', '100%', '_']);
          expect(await s.list('a_/')).toEqual(['1']);
          expect(await s.list('a%/')).toEqual(['3']);
          expect(await s.list('a b/')).toEqual(['5']);
          expect(await s.list('')).toEqual(['100%', '_', 'a  b/', 'a b/', 'a%/', 'a%x/', 'a_/', 'ab/']);
        }));

      it('lists unicode folders', () =>
        withStorage(async (s) => {
          await putAll(s, ['日本/東京', '日本/大阪/梅田', 'ключ/значение']);
          expect(await s.list('日本/')).toEqual(['大阪/', '東京']);
          expect(await s.list('ключ/')).toEqual(['значение']);
        }));

      it('lists a folder whose subfolders hold many keys', () =>
        withStorage(async (s) => {
          const ops: PhysicalOp[] = [];
          for (let f = 0; f < 20; f++) {
            for (let k = 0; k < 25; k++) ops.push({ op: 'put', key: `big/f${f}/k${k}`, value: bytes(f, k) });
          }
          ops.push({ op: 'put', key: 'big/leaf', value: bytes(1) });
          await s.transaction(ops);
          const expected = [...Array.from({ length: 20 }, (_, f) => `f${f}/`), 'leaf'].sort(byUtf8);
          expect(await s.list('big/')).toEqual(expected);
          expect(await s.list('big/f7/')).toHaveLength(25);
        }));

      it('drops a folder once its last key is deleted', () =>
        withStorage(async (s) => {
          await putAll(s, ['d/1', 'd/2']);
          await s.delete('d/1');
          expect(await s.list('')).toEqual(['d/']);
          await s.delete('d/2');
          expect(await s.list('')).toEqual([]);
        }));
    });

    describe('transaction', () => {
      it('applies a mixed put/delete transaction', () =>
        withStorage(async (s) => {
          await putAll(s, ['keep', 'drop1', 'drop2']);
          await s.transaction([
            { op: 'put', key: 'new/1', value: bytes(1) },
            { op: 'delete', key: 'drop1' },
            { op: 'put', key: 'keep', value: bytes(9) },
            { op: 'delete', key: 'drop2' },
            { op: 'delete', key: 'never-existed' },
          ]);
          expect(await s.get('drop1')).toBeNull();
          expect(await s.get('drop2')).toBeNull();
          expectBytes(await s.get('keep'), bytes(9));
          expectBytes(await s.get('new/1'), bytes(1));
          expect(await s.list('')).toEqual(['keep', 'new/']);
        }));

      it('applies ops in order', () =>
        withStorage(async (s) => {
          await s.transaction([
            { op: 'put', key: 'a', value: bytes(1) },
            { op: 'delete', key: 'a' },
            { op: 'delete', key: 'b' },
            { op: 'put', key: 'b', value: bytes(2) },
            { op: 'put', key: 'c', value: bytes(3) },
            { op: 'put', key: 'c', value: bytes(4) },
          ]);
          expect(await s.get('a')).toBeNull();
          expectBytes(await s.get('b'), bytes(2));
          expectBytes(await s.get('c'), bytes(4));
        }));

      it('accepts an empty transaction', () =>
        withStorage(async (s) => {
          await s.transaction([]);
          expect(await s.list('')).toEqual([]);
        }));

      it('applies nothing when one op is invalid', () =>
        withStorage(async (s) => {
          await s.put('a', bytes(1));
          const ops = [
            { op: 'put', key: 'a', value: bytes(2) },
            { op: 'delete', key: 'a' },
            { op: 'put', key: 'b', value: 'not bytes' },
          ] as unknown as PhysicalOp[];
          await expect(s.transaction(ops)).rejects.toThrow(Error);
          expectBytes(await s.get('a'), bytes(1));
          expect(await s.get('b')).toBeNull();
        }));
    });

    describe('argument checks', () => {
      it('rejects (never throws synchronously) on values and keys of the wrong type', () =>
        withStorage(async (s) => {
          const put = s.put.bind(s) as (key: unknown, value: unknown) => Promise<void>;
          await expect(put('k', 'string')).rejects.toThrow(Error);
          await expect(put('k', null)).rejects.toThrow(Error);
          await expect(put(42, bytes(1))).rejects.toThrow(Error);
          await expect(s.get(undefined as unknown as string)).rejects.toThrow(Error);
          await expect(s.transaction([{ op: 'nope', key: 'k' }] as unknown as PhysicalOp[])).rejects.toThrow(Error);
          expect(await s.get('k')).toBeNull();
        }));

      it('rejects keys with lone surrogates, which could not be stored faithfully', () =>
        withStorage(async (s) => {
          await expect(s.put('bad\ud800', bytes(1))).rejects.toThrow(Error);
          expect(await s.list('')).toEqual([]);
        }));
    });

    describe('concurrency', () => {
      it('keeps every one of 500 parallel puts', () =>
        withStorage(async (s) => {
          const keys = Array.from({ length: 500 }, (_, i) => `p/${String(i).padStart(3, '0')}`);
          await Promise.all(keys.map((key) => s.put(key, text(key))));
          const got = await Promise.all(keys.map((key) => s.get(key)));
          got.forEach((value, i) => expectBytes(value, text(keys[i] ?? '')));
          expect(await s.list('p/')).toEqual(keys.map((k) => k.slice(2)));
        }));

      it('keeps every one of many parallel transactions and deletes', () =>
        withStorage(async (s) => {
          await putAll(s, ['gone/1', 'gone/2', 'gone/3']);
          await Promise.all([
            ...Array.from({ length: 50 }, (_, i) =>
              s.transaction([
                { op: 'put', key: `t/${i}/a`, value: bytes(i) },
                { op: 'put', key: `t/${i}/b`, value: bytes(i, i) },
              ]),
            ),
            s.delete('gone/1'),
            s.delete('gone/2'),
            s.transaction([{ op: 'delete', key: 'gone/3' }]),
          ]);
          for (let i = 0; i < 50; i++) {
            expectBytes(await s.get(`t/${i}/a`), bytes(i));
            expectBytes(await s.get(`t/${i}/b`), bytes(i, i));
          }
          expect(await s.list('t/')).toHaveLength(50);
          expect(await s.list('gone/')).toEqual([]);
        }));

      it('ends with one of the written values when writers race on one key', () =>
        withStorage(async (s) => {
          await Promise.all(Array.from({ length: 20 }, (_, i) => s.put('race', bytes(i))));
          const got = await s.get('race');
          expect(got?.byteLength).toBe(1);
          expect(got?.[0]).toBeLessThan(20);
        }));

      it('sees a write once its promise resolved', () =>
        withStorage(async (s) => {
          for (let i = 0; i < 20; i++) {
            await s.put('ryw', bytes(i));
            expectBytes(await s.get('ryw'), bytes(i));
          }
        }));
    });

    describe('byte ownership', () => {
      it('is not changed by mutating bytes it returned', () =>
        withStorage(async (s) => {
          await s.put('k', bytes(1, 2, 3));
          const first = await s.get('k');
          first?.fill(0);
          expectBytes(await s.get('k'), bytes(1, 2, 3));
        }));

      it('is not changed by mutating bytes after passing them in', () =>
        withStorage(async (s) => {
          const value = bytes(1, 2, 3);
          const pending = s.put('k', value);
          value.fill(7); // before the write completes
          await pending;
          value.fill(8);
          expectBytes(await s.get('k'), bytes(1, 2, 3));

          const txValue = bytes(4, 5);
          const tx = s.transaction([{ op: 'put', key: 't', value: txValue }]);
          txValue.fill(0);
          await tx;
          expectBytes(await s.get('t'), bytes(4, 5));
        }));
    });

    describe('close', () => {
      it('rejects calls after close, and closing twice is fine', async () => {
        const { storage, cleanup } = await make();
        try {
          await storage.put('k', bytes(1));
          await storage.close();
          await expect(storage.get('k')).rejects.toThrow(Error);
          await expect(storage.put('k', bytes(2))).rejects.toThrow(Error);
          await expect(storage.list('')).rejects.toThrow(Error);
          await expect(storage.transaction([])).rejects.toThrow(Error);
          await storage.close();
        } finally {
          await cleanup?.();
        }
      });
    });

    it('behaves like a Map under random sequences of writes (property)', async () => {
      const segment = fc.constantFrom('a', 'b', 'a b', '%', '_', 'é', '😀', '！', 'x0');
      const key = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
      const value = fc.uint8Array({ maxLength: 8 });
      const putOp = fc.record({ op: fc.constant('put' as const), key, value });
      const deleteOp = fc.record({ op: fc.constant('delete' as const), key });
      const step = fc.oneof(
        putOp,
        deleteOp,
        fc.record({ op: fc.constant('transaction' as const), ops: fc.array(fc.oneof(putOp, deleteOp), { maxLength: 6 }) }),
      );

      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
          const model = new Map<string, Uint8Array>();
          const touched = new Set<string>();
          const applyToModel = (op: PhysicalOp): void => {
            touched.add(op.key);
            if (op.op === 'put') model.set(op.key, op.value);
            else model.delete(op.key);
          };
          await withStorage(async (s) => {
            for (const st of steps) {
              if (st.op === 'transaction') {
                await s.transaction(st.ops);
                st.ops.forEach(applyToModel);
              } else if (st.op === 'put') {
                await s.put(st.key, st.value);
                applyToModel(st);
              } else {
                await s.delete(st.key);
                applyToModel(st);
              }
            }
            const prefixes = new Set<string>(['']);
            for (const k of touched) {
              const parts = k.split('/');
              for (let i = 1; i < parts.length; i++) prefixes.add(parts.slice(0, i).join('/') + '/');
              const want = model.get(k);
              const got = await s.get(k);
              if (want === undefined) expect(got).toBeNull();
              else expectBytes(got, want);
            }
            for (const p of prefixes) expect(await s.list(p)).toEqual(modelList(model, p));
          });
        }),
        { numRuns: 40 },
      );
    });
  });
}
