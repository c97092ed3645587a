import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../../../shared/errors.js';
import { KeyedMutex } from '../../../shared/keyed-mutex.js';
import { effectiveMaxVersions, formatTime, scheduledDeletion, newMetadata, versionsFolder } from './version-store.js';
import { ManualClock, PATCH, v2Backend } from './testing.js';

interface ModelVersion {
  data: Record<string, unknown>;
  created: number;
  deletion: number | null;
  destroyed: boolean;
}

/** A deliberately naive model of one KV v2 key (Vault semantics, no delete_version_after). */
class Model {
  exists = false;
  current = 0;
  oldest = 0;
  keyMax = 0;
  mountMax = 0;
  created = 0;
  updated = 0;
  versions = new Map<number, ModelVersion>();

  ensure(now: number): void {
    if (!this.exists) {
      this.exists = true;
      this.created = now;
      this.updated = now;
    }
  }

  deleted(v: ModelVersion, now: number): boolean {
    return v.deletion !== null && v.deletion <= now;
  }

  add(data: Record<string, unknown>, now: number): number {
    this.ensure(now);
    this.current += 1;
    this.versions.set(this.current, { data, created: now, deletion: null, destroyed: false });
    this.updated = now;
    const max = Math.max(this.keyMax, this.mountMax) || 10;
    if (this.current - this.oldest >= max) {
      const last = this.current - max;
      for (let i = this.oldest; i <= last; i++) this.versions.delete(i);
      this.oldest = last + 1;
    }
    return this.current;
  }

  reset(): void {
    this.exists = false;
    this.current = 0;
    this.oldest = 0;
    this.keyMax = 0;
    this.versions.clear();
  }
}

type Op =
  | { kind: 'write'; value: number; cas: 'none' | 'right' | 'zero' | 'wrong' }
  | { kind: 'patch'; value: number }
  | { kind: 'deleteLatest' }
  | { kind: 'delete'; versions: number[] }
  | { kind: 'undelete'; versions: number[] }
  | { kind: 'destroy'; versions: number[] }
  | { kind: 'keyMax'; n: number }
  | { kind: 'mountMax'; n: number }
  | { kind: 'deleteMetadata' }
  | { kind: 'tick'; ms: number };

const versionList = fc.array(fc.integer({ min: 1, max: 14 }), { minLength: 1, maxLength: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('write' as const), value: fc.nat(99), cas: fc.constantFrom('none', 'right', 'zero', 'wrong') }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('patch' as const), value: fc.nat(99) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'deleteLatest' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), versions: versionList }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('undelete' as const), versions: versionList }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('destroy' as const), versions: versionList }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('keyMax' as const), n: fc.nat(4) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('mountMax' as const), n: fc.nat(4) }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'deleteMetadata' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.nat(3) }), weight: 2 },
);

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return `${err.code}:${err.message}`;
    throw err;
  }
}

describe('KV v2 version bookkeeping vs a model', () => {
  it('agrees on random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), async (ops) => {
        const clock = new ManualClock();
        const kv = await v2Backend({ clock });
        const m = new Model();
        for (const op of ops) {
          const now = clock.t;
          switch (op.kind) {
            case 'write': {
              const cas = { none: undefined, right: m.current, zero: 0, wrong: m.current + 1 }[op.cas];
              const body = { data: { v: op.value }, ...(cas !== undefined ? { options: { cas } } : {}) };
              const got = await outcome(kv.request('write', 'data/k', body));
              const expected = cas === undefined || cas === m.current ? 'ok' : 'ERR_INVALID_REQUEST:check-and-set parameter did not match the current version';
              expect(got).toBe(expected);
              if (expected === 'ok') m.add({ v: op.value }, now);
              break;
            }
            case 'patch': {
              const resp = await kv.request('patch', 'data/k', { data: { [`p${op.value}`]: op.value } }, PATCH).catch((e: unknown) => e);
              const latest = m.versions.get(m.current);
              if (!m.exists || latest === undefined) {
                expect(resp).toBeInstanceOf(AppError);
                expect((resp as AppError).code).toBe('ERR_NOT_FOUND');
              } else if (latest.destroyed || m.deleted(latest, now)) {
                expect((resp as { httpStatus?: number }).httpStatus).toBe(404);
              } else {
                expect((resp as { data: Record<string, unknown> }).data['version']).toBe(m.current + 1);
                m.add({ ...latest.data, [`p${op.value}`]: op.value }, now);
              }
              break;
            }
            case 'deleteLatest': {
              expect(await kv.request('delete', 'data/k')).toBeNull();
              const latest = m.versions.get(m.current);
              if (latest && !latest.destroyed && !m.deleted(latest, now)) latest.deletion = now;
              break;
            }
            case 'delete': {
              expect(await kv.request('write', 'delete/k', { versions: op.versions })).toBeNull();
              for (const n of op.versions) {
                const v = m.versions.get(n);
                if (v && !v.destroyed && !m.deleted(v, now)) v.deletion = now;
              }
              break;
            }
            case 'undelete': {
              expect(await kv.request('write', 'undelete/k', { versions: op.versions })).toBeNull();
              for (const n of op.versions) {
                const v = m.versions.get(n);
                if (v && !v.destroyed) v.deletion = null;
              }
              break;
            }
            case 'destroy': {
              expect(await kv.request('write', 'destroy/k', { versions: op.versions })).toBeNull();
              for (const n of op.versions) {
                const v = m.versions.get(n);
                if (v) v.destroyed = true;
              }
              break;
            }
            case 'keyMax':
              expect(await kv.request('write', 'metadata/k', { max_versions: op.n })).toBeNull();
              m.ensure(now);
              m.keyMax = op.n;
              break;
            case 'mountMax':
              expect(await kv.request('write', 'config', { max_versions: op.n })).toBeNull();
              m.mountMax = op.n;
              break;
            case 'deleteMetadata':
              expect(await kv.request('delete', 'metadata/k')).toBeNull();
              m.reset();
              break;
            case 'tick':
              clock.advance(op.ms);
              break;
          }
          await compare(kv, m, clock.t);
        }
      }),
      { numRuns: 120 },
    );
  });
});

async function compare(kv: Awaited<ReturnType<typeof v2Backend>>, m: Model, now: number): Promise<void> {
  const meta = await kv.request('read', 'metadata/k');
  if (!m.exists) {
    expect(meta).toBeNull();
    expect(await kv.storage.list(versionsFolder('k'))).toEqual([]);
    return;
  }
  const data = meta?.data ?? {};
  expect(data['current_version']).toBe(m.current);
  expect(data['oldest_version']).toBe(m.oldest);
  expect(data['max_versions']).toBe(m.keyMax);
  expect(data['created_time']).toBe(formatTime(m.created));
  expect(data['updated_time']).toBe(formatTime(m.updated));
  const expectedVersions: Record<string, unknown> = {};
  for (const [n, v] of m.versions) {
    expectedVersions[String(n)] = { created_time: formatTime(v.created), deletion_time: formatTime(v.deletion), destroyed: v.destroyed };
  }
  expect(data['versions']).toEqual(expectedVersions);
  // Retention never exceeds the effective limit, and the retained versions are contiguous.
  const nums = [...m.versions.keys()].sort((a, b) => a - b);
  if (nums.length > 0) expect(nums).toEqual(Array.from({ length: nums.length }, (_, i) => m.current - nums.length + 1 + i));
  // Exactly the live (not destroyed, not purged) versions have data in storage.
  const stored = (await kv.storage.list(versionsFolder('k'))).map(Number).sort((a, b) => a - b);
  expect(stored).toEqual(nums.filter((n) => !m.versions.get(n)?.destroyed));
  // Every retained version reads as the model says; purged ones are plain 404s.
  for (let n = 1; n <= m.current; n++) {
    const resp = await kv.request('read', 'data/k', { version: n });
    const v = m.versions.get(n);
    if (v === undefined) expect(resp).toBeNull();
    else if (v.destroyed || m.deleted(v, now)) expect(resp?.httpStatus).toBe(404);
    else expect(resp?.data?.['data']).toEqual(v.data);
  }
}

describe('version-store helpers', () => {
  it('effectiveMaxVersions: larger of key and mount, 10 when both are 0', () => {
    expect(effectiveMaxVersions(0, 0)).toBe(10);
    expect(effectiveMaxVersions(3, 0)).toBe(3);
    expect(effectiveMaxVersions(0, 4)).toBe(4);
    expect(effectiveMaxVersions(2, 5)).toBe(5);
    expect(effectiveMaxVersions(6, 5)).toBe(6);
  });

  it('scheduledDeletion: smaller non-zero setting, disabled by a negative mount value', () => {
    const meta = newMetadata('k', 0);
    const cfg = (dva: number) => ({ max_versions: 0, cas_required: false, delete_version_after: dva });
    expect(scheduledDeletion(1000, cfg(0), meta)).toBeNull();
    expect(scheduledDeletion(1000, cfg(60), meta)).toBe(61_000);
    meta.delete_version_after = 30;
    expect(scheduledDeletion(1000, cfg(60), meta)).toBe(31_000);
    expect(scheduledDeletion(1000, cfg(0), meta)).toBe(31_000);
    meta.delete_version_after = 90;
    expect(scheduledDeletion(1000, cfg(60), meta)).toBe(61_000);
    expect(scheduledDeletion(1000, cfg(-1), meta)).toBeNull();
  });

  it('formatTime renders Go RFC3339Nano', () => {
    expect(formatTime(null)).toBe('');
    expect(formatTime(Date.UTC(2018, 2, 22, 2, 24, 6, 945))).toBe('2018-03-22T02:24:06.945Z');
    expect(formatTime(Date.UTC(2018, 2, 22, 2, 24, 6, 900))).toBe('2018-03-22T02:24:06.9Z');
    expect(formatTime(Date.UTC(2018, 2, 22, 2, 24, 6, 0))).toBe('2018-03-22T02:24:06Z');
  });
});

describe('KeyedMutex', () => {
  it('runs holders of one key one at a time, in order, and frees idle keys', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    const task = (key: string, id: number) =>
      mutex.run(key, async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        log.push(`${key}${id}`);
        await Promise.resolve();
        await Promise.resolve();
        active -= 1;
      });
    await Promise.all([task('a', 1), task('a', 2), task('a', 3)]);
    expect(maxActive).toBe(1);
    expect(log).toEqual(['a1', 'a2', 'a3']);
    expect(mutex.size).toBe(0);
  });

  it('does not block other keys, and releases on failure', async () => {
    const mutex = new KeyedMutex();
    let release!: () => void;
    const blocker = mutex.run('a', () => new Promise<void>((r) => (release = r)));
    expect(await mutex.run('b', async () => 'b ran')).toBe('b ran');
    release();
    await blocker;
    await expect(mutex.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await mutex.run('a', async () => 'after')).toBe('after');
    expect(mutex.size).toBe(0);
  });
});
