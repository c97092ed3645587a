import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { NoSecretError, type SecretsClient } from '../../providers/index.js';
import { parseGoDurationMs, retryDelayMs, retryPolicyOf, wrapSecretsClient } from './provider-client.js';

/** A client whose getSecret fails `failures` times with `error`, then answers. */
function flaky(failures: number, error: () => Error): SecretsClient & { calls: number } {
  const c = {
    calls: 0,
    getSecret: () => {
      c.calls++;
      return c.calls <= failures ? Promise.reject(error()) : Promise.resolve(new TextEncoder().encode('v'));
    },
    getSecretMap: () => Promise.reject(new NoSecretError()),
    getAllSecrets: () => Promise.resolve({}),
    validate: () => Promise.resolve('Ready' as const),
    close: () => Promise.resolve(),
  };
  return c;
}

describe('retrySettings', () => {
  it('parses ESO retrySettings (maxRetries default 0, Go durations)', () => {
    expect(retryPolicyOf(undefined)).toBeUndefined();
    expect(retryPolicyOf({})).toEqual({ maxRetries: 0, intervalMs: undefined });
    expect(retryPolicyOf({ maxRetries: 3, retryInterval: '1m30s' })).toEqual({ maxRetries: 3, intervalMs: 90_000 });
    expect(parseGoDurationMs('500ms')).toBe(500);
    expect(parseGoDurationMs('1.5s')).toBe(1500);
    expect(parseGoDurationMs('10')).toBeUndefined();
    expect(() => retryPolicyOf({ retryInterval: '5 minutes' })).toThrow(/invalid retrySettings.retryInterval/);
    expect(() => retryPolicyOf({ maxRetries: -1 })).toThrow(/invalid retrySettings.maxRetries/);
  });

  it('waits n × retryInterval before the n-th retry, or Vault’s jittered 1–1.5 s × n', () => {
    expect([1, 2, 3].map((n) => retryDelayMs({ maxRetries: 3, intervalMs: 200 }, n))).toEqual([200, 400, 600]);
    expect(retryDelayMs({ maxRetries: 3, intervalMs: undefined }, 2, () => 0)).toBe(2000);
    expect(retryDelayMs({ maxRetries: 3, intervalMs: undefined }, 2, () => 0.999)).toBeLessThan(3000);
  });

  it('retries failing calls up to maxRetries, then gives up with the last error', async () => {
    const waits: number[] = [];
    const sleep = (ms: number): Promise<void> => {
      waits.push(ms);
      return Promise.resolve();
    };
    const ok = flaky(2, () => new Error('connection refused'));
    const wrapped = wrapSecretsClient(ok, { providerName: 'vault', retry: { maxRetries: 2, intervalMs: 100 }, sleep });
    expect(new TextDecoder().decode(await wrapped.getSecret({ key: 'k' }))).toBe('v');
    expect(ok.calls).toBe(3);
    expect(waits).toEqual([100, 200]);

    const bad = flaky(5, () => new Error('HTTP 503'));
    await expect(wrapSecretsClient(bad, { providerName: 'vault', retry: { maxRetries: 2, intervalMs: 1 }, sleep }).getSecret({ key: 'k' })).rejects.toThrow('HTTP 503');
    expect(bad.calls).toBe(3);

    const none = flaky(1, () => new Error('down'));
    await expect(wrapSecretsClient(none, { providerName: 'vault', sleep }).getSecret({ key: 'k' })).rejects.toThrow('down');
    expect(none.calls).toBe(1);
  });

  it('never retries a missing secret or a user error', async () => {
    const sleep = (): Promise<void> => Promise.resolve();
    for (const error of [() => new NoSecretError(), () => new UserError('bad property')]) {
      const c = flaky(1, error);
      await expect(wrapSecretsClient(c, { providerName: 'vault', retry: { maxRetries: 3, intervalMs: 1 }, sleep }).getSecret({ key: 'k' })).rejects.toBeInstanceOf(Error);
      expect(c.calls).toBe(1);
    }
  });

  it('reports calls with ESO provider and call names (a missing secret is a successful read)', async () => {
    const seen: string[] = [];
    const observe = (p: string, call: string, ok: boolean): void => void seen.push(`${p} ${call} ${ok ? 'success' : 'error'}`);
    const c = wrapSecretsClient(flaky(1, () => new Error('x')), { providerName: 'vault', observe });
    await c.getSecret({ key: 'k' }).catch(() => undefined);
    await c.getSecret({ key: 'k' });
    await c.getSecretMap({ key: 'k' }).catch(() => undefined);
    await c.getAllSecrets({ name: { regexp: '.' } });
    const k = wrapSecretsClient(flaky(0, () => new Error('x')), { providerName: 'kubernetes', observe });
    await k.getSecret({ key: 'k' });
    const f = wrapSecretsClient(flaky(0, () => new Error('x')), { providerName: 'fake', observe });
    await f.getSecret({ key: 'k' });
    expect(seen).toEqual([
      'HashiCorp/Vault ReadSecretData error',
      'HashiCorp/Vault ReadSecretData success',
      'HashiCorp/Vault ReadSecretData success',
      'HashiCorp/Vault ListSecrets success',
      'Kubernetes GetSecret success',
    ]);
  });
});
