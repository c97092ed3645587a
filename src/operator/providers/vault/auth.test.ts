import { describe, expect, it } from 'vitest';
import type { StoreRef } from '../types.js';
import { VaultTokenCache, authMethodOf, isReferentAuth, refNamespace, type LoginResult } from './auth.js';
import type { VaultHttp, VaultResponse } from './http.js';

/** A Vault that answers renew-self from a script and records the calls. */
function scriptedHttp(renew: () => VaultResponse): VaultHttp & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    request(method, path) {
      calls.push(`${method} ${path}`);
      return Promise.resolve(renew());
    },
    close() {},
  };
}

const renewed = (ttl: number, token = 'tok-1'): VaultResponse => ({ status: 200, body: { auth: { client_token: token, lease_duration: ttl, renewable: true } } });

function counter(ttl: number): { login: () => Promise<LoginResult>; count: () => number } {
  let n = 0;
  return {
    login: () => {
      n++;
      return Promise.resolve({ token: `tok-${n}`, leaseDuration: ttl, renewable: true });
    },
    count: () => n,
  };
}

describe('VaultTokenCache', () => {
  it('logs in once for many (and concurrent) requests of one key', async () => {
    const cache = new VaultTokenCache(() => 0);
    const http = scriptedHttp(() => renewed(60));
    const l = counter(60);
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => cache.token('k', http, l.login)));
    expect(new Set(tokens)).toEqual(new Set(['tok-1']));
    await cache.token('k', http, l.login);
    expect(l.count()).toBe(1);
    expect(cache.logins).toBe(1);
    expect(http.calls).toEqual([]);
  });

  it('different keys log in separately', async () => {
    const cache = new VaultTokenCache(() => 0);
    const l = counter(60);
    const http = scriptedHttp(() => renewed(60));
    expect(await cache.token('a', http, l.login)).toBe('tok-1');
    expect(await cache.token('b', http, l.login)).toBe('tok-2');
  });

  it('renews after two thirds of the TTL instead of logging in again', async () => {
    let now = 0;
    const cache = new VaultTokenCache(() => now);
    const http = scriptedHttp(() => renewed(60));
    const l = counter(60);
    await cache.token('k', http, l.login);
    now = 30_000;
    await cache.token('k', http, l.login);
    expect(http.calls).toEqual([]);
    now = 45_000;
    expect(await cache.token('k', http, l.login)).toBe('tok-1');
    expect(http.calls).toEqual(['POST auth/token/renew-self']);
    expect(cache.renewals).toBe(1);
    expect(l.count()).toBe(1);
    // Renewed for another 60 s from 45 s.
    now = 80_000;
    await cache.token('k', http, l.login);
    expect(http.calls).toHaveLength(1);
  });

  it('logs in again when renewal fails, when it cannot extend the token, or after expiry', async () => {
    let now = 0;
    let answer: VaultResponse = { status: 403, body: { errors: ['permission denied'] } };
    const cache = new VaultTokenCache(() => now);
    const http = scriptedHttp(() => answer);
    const l = counter(60);
    await cache.token('k', http, l.login);
    now = 50_000;
    expect(await cache.token('k', http, l.login)).toBe('tok-2');
    expect(l.count()).toBe(2);
    // At max TTL the renewal answers a short lease: a fresh login is cheaper than churn.
    answer = renewed(5, 'tok-2');
    now = 100_000;
    expect(await cache.token('k', http, l.login)).toBe('tok-3');
    // Expired tokens cannot be renewed at all.
    now = 1_000_000;
    const before = http.calls.length;
    expect(await cache.token('k', http, l.login)).toBe('tok-4');
    expect(http.calls).toHaveLength(before);
  });

  it('a non-expiring token is never renewed; invalidate forces a login', async () => {
    let now = 0;
    const cache = new VaultTokenCache(() => now);
    const http = scriptedHttp(() => renewed(60));
    const l = counter(0);
    await cache.token('k', http, l.login);
    now = 10 ** 12;
    await cache.token('k', http, l.login);
    expect(l.count()).toBe(1);
    cache.invalidate('k');
    expect(await cache.token('k', http, l.login)).toBe('tok-2');
  });

  it('a failed login is not cached', async () => {
    const cache = new VaultTokenCache(() => 0);
    const http = scriptedHttp(() => renewed(60));
    await expect(cache.token('k', http, () => Promise.reject(new Error('denied')))).rejects.toThrow('denied');
    expect(await cache.token('k', http, counter(60).login)).toBe('tok-1');
  });
});

describe('auth spec helpers', () => {
  const cluster: StoreRef = { kind: 'ClusterSecretStore', name: 'c', provider: {} };
  const namespaced: StoreRef = { kind: 'SecretStore', name: 's', namespace: 'team', provider: {} };

  it('exactly one auth method', () => {
    expect(authMethodOf({ userPass: { username: 'u', secretRef: { name: 's', key: 'p' } } })).toBe('userPass');
    expect(() => authMethodOf({})).toThrow('no auth method set in vault.auth');
    expect(() => authMethodOf({ tokenSecretRef: { name: 'a' }, cert: { clientCert: { name: 'c' }, secretRef: { name: 'k' } } })).toThrow(
      'only one auth method may be set in vault.auth, got tokenSecretRef, cert',
    );
  });

  it('resolves ref namespaces (referent for ClusterSecretStores)', () => {
    expect(refNamespace(namespaced, {}, 'es-ns')).toBe('team');
    expect(refNamespace(cluster, { namespace: 'x' }, 'es-ns')).toBe('x');
    expect(refNamespace(cluster, {}, 'es-ns')).toBe('es-ns');
    expect(isReferentAuth(cluster, { tokenSecretRef: { name: 't' } })).toBe(true);
    expect(isReferentAuth(cluster, { tokenSecretRef: { name: 't', namespace: 'x' } })).toBe(false);
    expect(isReferentAuth(namespaced, { tokenSecretRef: { name: 't' } })).toBe(false);
  });
});
