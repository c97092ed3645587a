import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MountRouter } from './router.js';

describe('MountRouter', () => {
  const router = new MountRouter<string>();
  router.set('secret/', 'kv');
  router.set('secret/team-a/', 'nested');
  router.set('sys/', 'system');

  it('routes to the longest matching mount', () => {
    expect(router.match('secret/data/foo')).toEqual({ mountPath: 'secret/', relativePath: 'data/foo', value: 'kv' });
    expect(router.match('secret/team-a/x')).toEqual({ mountPath: 'secret/team-a/', relativePath: 'x', value: 'nested' });
    expect(router.match('sys/mounts')?.value).toBe('system');
  });

  it('matches the mount itself with or without a slash', () => {
    expect(router.match('secret')).toMatchObject({ mountPath: 'secret/', relativePath: '' });
    expect(router.match('secret/')).toMatchObject({ mountPath: 'secret/', relativePath: '' });
  });

  it('does not match on partial segments', () => {
    expect(router.match('secretive/data')).toBeNull();
    expect(router.match('nope')).toBeNull();
    expect(router.match('')).toBeNull();
  });

  it('finds conflicts with parents, children and itself', () => {
    expect(router.conflict('secret/')).toBe('secret/');
    expect(router.conflict('secret/x/')).toBe('secret/');
    expect(router.conflict('se/')).toBeNull();
    const r = new MountRouter<number>();
    r.set('a/b/', 1);
    expect(r.conflict('a/')).toBe('a/b/');
  });

  it('agrees with a brute-force longest-prefix search', () => {
    const segment = fc.constantFrom('a', 'b', 'c', 'ab');
    const mountPath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => `${s.join('/')}/`);
    const requestPath = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
    fc.assert(
      fc.property(fc.uniqueArray(mountPath, { maxLength: 6 }), requestPath, (mounts, path) => {
        const r = new MountRouter<string>();
        for (const m of mounts) r.set(m, m);
        const expected = mounts
          .filter((m) => `${path}/`.startsWith(m))
          .sort((x, y) => y.length - x.length)[0];
        expect(r.match(path)?.mountPath ?? null).toBe(expected ?? null);
      }),
    );
  });
});
