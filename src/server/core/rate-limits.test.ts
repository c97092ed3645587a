import { describe, expect, it } from 'vitest';
import { InmemStorage } from '../sdk/testing.js';
import { RateLimiter } from './rate-limits.js';

function limiter() {
  let now = 1_000_000;
  const rl = new RateLimiter(new InmemStorage(), () => now);
  return { rl, advance: (ms: number) => (now += ms) };
}

const req = (path: string, role?: string, clientAddr = '10.0.0.1') => ({ path, mountPath: `${path.split('/').slice(0, 2).join('/')}/`, role, clientAddr });

describe('rate-limit quotas', () => {
  it('allows `rate` requests per interval per client, then refuses until tokens refill', async () => {
    const { rl, advance } = limiter();
    await rl.put({ name: 'login', path: 'auth/approle/login', role: '', rate: 2, interval: 1, block_interval: 0 });
    rl.check(req('auth/approle/login'));
    rl.check(req('auth/approle/login'));
    expect(() => rl.check(req('auth/approle/login'))).toThrow('rate limit quota exceeded');
    // Another client has its own bucket; other paths are not covered.
    rl.check(req('auth/approle/login', undefined, '10.0.0.2'));
    rl.check(req('auth/approle/role/x'));
    advance(500);
    rl.check(req('auth/approle/login'));
    expect(() => rl.check(req('auth/approle/login'))).toThrow();
  });

  it('applies the most specific quota: path and role, then path, then mount, then global', async () => {
    const { rl } = limiter();
    await rl.put({ name: 'global', path: '', role: '', rate: 100, interval: 1, block_interval: 0 });
    await rl.put({ name: 'mount', path: 'auth/k8s/', role: '', rate: 50, interval: 1, block_interval: 0 });
    await rl.put({ name: 'tenant-a', path: 'auth/k8s/login', role: 'tenant-a', rate: 1, interval: 60, block_interval: 0 });
    rl.check(req('auth/k8s/login', 'tenant-a'));
    expect(() => rl.check(req('auth/k8s/login', 'tenant-a'))).toThrow();
    // tenant-b is only under the mount quota.
    for (let i = 0; i < 50; i++) rl.check(req('auth/k8s/login', 'tenant-b'));
    expect(() => rl.check(req('auth/k8s/login', 'tenant-b'))).toThrow();
    await expect(rl.put({ name: 'dup', path: 'auth/k8s/', role: '', rate: 1, interval: 1, block_interval: 0 })).rejects.toThrow('already covers');
  });

  it('blocks an offender for block_interval and survives reload from storage', async () => {
    const storage = new InmemStorage();
    let now = 0;
    const rl = new RateLimiter(storage, () => now);
    await rl.put({ name: 'q', path: 'auth/up/', role: '', rate: 1, interval: 1, block_interval: 30 });
    rl.check(req('auth/up/login/bob'));
    expect(() => rl.check(req('auth/up/login/bob'))).toThrow();
    now += 5_000; // tokens have refilled, but the block holds
    expect(() => rl.check(req('auth/up/login/bob'))).toThrow();
    now += 30_000;
    rl.check(req('auth/up/login/bob'));
    const reloaded = new RateLimiter(storage, () => now);
    await reloaded.load();
    expect(reloaded.list()).toEqual(['q']);
  });
});
