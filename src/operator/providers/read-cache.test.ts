import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadCache, cachingClient } from './read-cache.js';
import { NoSecretError, toBytes, type RemoteRef, type SecretsClient } from './types.js';

/** A client over a path → value map that counts its reads. */
function countingClient(values: Map<string, string>): SecretsClient & { reads: number } {
  const client = {
    reads: 0,
    getSecret(ref: RemoteRef) {
      client.reads++;
      const v = values.get(ref.key);
      return v === undefined ? Promise.reject(new NoSecretError()) : Promise.resolve(toBytes(v));
    },
    getSecretMap(ref: RemoteRef) {
      client.reads++;
      return Promise.resolve({ value: toBytes(values.get(ref.key) ?? '') });
    },
    getAllSecrets() {
      client.reads++;
      return Promise.resolve(Object.fromEntries([...values].map(([k, v]) => [k.replaceAll('/', '_'), toBytes(v)])));
    },
    validate: () => Promise.resolve('Ready' as const),
    close: () => Promise.resolve(),
    canonicalPath: (key: string) => `kv/data/${key}`,
  };
  return client;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString();
let connects = 0;
const conn = (c: SecretsClient) => (): Promise<SecretsClient> => {
  connects++;
  return Promise.resolve(c);
};

describe('ReadCache', () => {
  it('serves N readers of one key with one read per interval', async () => {
    let now = 0;
    const cache = new ReadCache({ now: () => now });
    const backend = countingClient(new Map([['app/db', 'v1']]));
    const readAll = async (): Promise<string[]> =>
      Promise.all(Array.from({ length: 100 }, () => cachingClient(conn(backend), cache, 'store-a', 60_000).getSecret({ key: 'app/db' }).then(text)));
    connects = 0;
    expect(await readAll()).toEqual(Array(100).fill('v1'));
    expect(backend.reads).toBe(1);
    // Cache hits never make a real client (no login, no CA lookup).
    expect(connects).toBe(1);
    now = 30_000;
    await readAll();
    expect(backend.reads).toBe(1);
    now = 60_000;
    await readAll();
    expect(backend.reads).toBe(2);
  });

  it('never shares entries between scopes (store identities)', async () => {
    const cache = new ReadCache();
    const a = countingClient(new Map([['k', 'tenant-a']]));
    const b = countingClient(new Map([['k', 'tenant-b']]));
    expect(text(await cachingClient(conn(a), cache, 'css/ns-a', 60_000).getSecret({ key: 'k' }))).toBe('tenant-a');
    expect(text(await cachingClient(conn(b), cache, 'css/ns-b', 60_000).getSecret({ key: 'k' }))).toBe('tenant-b');
  });

  it('reads again when the caller accepts no cached value (maxAge 0), and keeps the fresh value', async () => {
    const values = new Map([['k', 'old']]);
    const cache = new ReadCache();
    const backend = countingClient(values);
    await cachingClient(conn(backend), cache, 's', 60_000).getSecret({ key: 'k' });
    values.set('k', 'new');
    expect(text(await cachingClient(conn(backend), cache, 's', 0).getSecret({ key: 'k' }))).toBe('new');
    expect(text(await cachingClient(conn(backend), cache, 's', 60_000).getSecret({ key: 'k' }))).toBe('new');
    expect(backend.reads).toBe(2);
  });

  it('does not cache failures', async () => {
    const values = new Map<string, string>();
    const cache = new ReadCache();
    const backend = countingClient(values);
    const c = cachingClient(conn(backend), cache, 's', 60_000);
    await expect(c.getSecret({ key: 'k' })).rejects.toBeInstanceOf(NoSecretError);
    values.set('k', 'now');
    expect(text(await c.getSecret({ key: 'k' }))).toBe('now');
  });

  it('drops entries by the path an event names, including finds under a prefix', async () => {
    const values = new Map([
      ['app/db', 'v1'],
      ['app/api', 'a1'],
    ]);
    const cache = new ReadCache();
    const backend = countingClient(values);
    const seen: string[] = [];
    const c = cachingClient(conn(backend), cache, 's', 60_000, (p) => seen.push(p.exact ?? `${p.prefix ?? ''}*`));
    await c.getSecret({ key: 'app/db' });
    await c.getSecret({ key: 'app/api' });
    await c.getAllSecrets({ path: 'app/' });
    expect(seen).toEqual(['kv/data/app/db', 'kv/data/app/api', 'kv/data/app/*']);
    values.set('app/db', 'v2');
    expect(cache.invalidatePath('s', 'kv/data/app/db')).toBe(2);
    expect(text(await c.getSecret({ key: 'app/db' }))).toBe('v2');
    expect(text(await c.getSecret({ key: 'app/api' }))).toBe('a1');
    expect(backend.reads).toBe(4);
  });

  it('drops a read still in flight when an event names any path of its scope, and only its scope', async () => {
    const cache = new ReadCache();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let loads = 0;
    const load = async (): Promise<{ value: string; paths: { exact: string } }> => {
      loads++;
      await gate;
      return { value: `v${loads}`, paths: { exact: 'kv/data/a' } };
    };
    const first = cache.read('s', 'a', 60_000, load);
    const other = cache.read('t', 'a', 60_000, load);
    expect(cache.invalidatePath('s', 'kv/data/unrelated')).toBe(1);
    release();
    await Promise.all([first, other]);
    // The dropped entry reloads; the other scope's entry survived.
    await cache.read('s', 'a', 60_000, load);
    await cache.read('t', 'a', 60_000, load);
    expect(loads).toBe(3);
    expect(cache.invalidatePath('t', 'kv/data/a')).toBe(1);
    expect(cache.invalidateScope('s')).toBe(1);
    expect(cache.size).toBe(0);
  });

  it('never returns a value older than the reader allows (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ advance: fc.integer({ min: 0, max: 50 }), maxAge: fc.integer({ min: 0, max: 100 }), write: fc.boolean() }), { maxLength: 40 }), async (steps) => {
        let now = 0;
        let version = 0;
        let writtenAt = 0;
        const cache = new ReadCache({ now: () => now });
        const backend = countingClient(new Map([['k', '0']]));
        const values = new Map([['k', '0']]);
        backend.getSecret = () => Promise.resolve(toBytes(values.get('k') ?? ''));
        for (const step of steps) {
          now += step.advance;
          if (step.write) {
            version++;
            writtenAt = now;
            values.set('k', String(version));
          }
          const got = Number(text(await cachingClient(conn(backend), cache, 's', step.maxAge).getSecret({ key: 'k' })));
          // Either the current version, or an older one only while the write is younger than maxAge.
          if (got !== version) expect(now - writtenAt).toBeLessThan(step.maxAge);
        }
      }),
    );
  });
});
