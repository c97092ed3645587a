import { describe, expect, it } from 'vitest';
import { UserError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/logger.js';
import type { KubeClient } from '../../runtime/types.js';
import { runProviderConformance } from '../conformance.js';
import { NoSecretError, type ProviderContext, type StoreRef } from '../types.js';
import { createFakeProvider, type FakeData } from './provider.js';

// The fake provider never talks to Kubernetes.
const ctx: ProviderContext = { kube: {} as KubeClient, namespace: 'default', logger: silentLogger() };
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function store(data: FakeData[], extra: Record<string, unknown> = {}): StoreRef {
  return { kind: 'SecretStore', name: 'fake-store', namespace: 'default', provider: { fake: { data, ...extra } } };
}

runProviderConformance('fake', async () => {
  const provider = createFakeProvider();
  const data: FakeData[] = [];
  let client = await provider.newClient(store(data), ctx);
  return {
    rawStrings: true,
    get client() {
      return client;
    },
    async seed(key, value) {
      data.push({ key, value: typeof value === 'string' ? value : JSON.stringify(value) });
      client = await provider.newClient(store(data), ctx);
    },
    cleanup: () => Promise.resolve(),
  };
});

describe('fake provider (ESO semantics)', () => {
  it('validateStore rejects entries without key or value (ESO messages)', () => {
    const p = createFakeProvider();
    expect(() => p.validateStore(store([{ key: '', value: 'x' }]))).toThrow(new UserError('key must be set in data 0'));
    expect(() => p.validateStore(store([{ key: 'a', value: 'x' }, { key: 'b', value: '' }]))).toThrow('at least one value must be set in data 1');
    expect(() => p.validateStore({ kind: 'SecretStore', name: 's', provider: {} })).toThrow('missing store provider fake');
    expect(p.validateStore(store([{ key: 'a', value: 'x' }]))).toEqual({ warnings: [] });
  });

  it('versions are distinct entries; a versioned ref needs the exact version', async () => {
    const c = await createFakeProvider().newClient(
      store([
        { key: 'k', value: 'latest' },
        { key: 'k', value: 'old', version: 'v1' },
        { key: 'k', value: 'newer', version: 'v2' },
      ]),
      ctx,
    );
    expect(text(await c.getSecret({ key: 'k' }))).toBe('latest');
    expect(text(await c.getSecret({ key: 'k', version: 'v1' }))).toBe('old');
    await expect(c.getSecret({ key: 'k', version: 'v3' })).rejects.toBeInstanceOf(NoSecretError);
    // getAllSecrets keeps the highest version per key.
    expect(text((await c.getAllSecrets({ name: { regexp: '^k$' } }))['k'] ?? new Uint8Array())).toBe('newer');
  });

  it('a missing property is a NoSecretError, as in ESO', async () => {
    const c = await createFakeProvider().newClient(store([{ key: 'k', value: '{"a":"1"}' }]), ctx);
    await expect(c.getSecret({ key: 'k', property: 'b' })).rejects.toBeInstanceOf(NoSecretError);
  });

  it('getSecretMap of a non-JSON value fails without echoing it', async () => {
    const c = await createFakeProvider().newClient(store([{ key: 'k', value: 'top-secret-text' }]), ctx);
    const err = await c.getSecretMap({ key: 'k' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).not.toContain('top-secret-text');
  });

  it('getAllSecrets needs a name matcher', async () => {
    const c = await createFakeProvider().newClient(store([{ key: 'k', value: 'v' }]), ctx);
    await expect(c.getAllSecrets({ tags: { a: 'b' } })).rejects.toThrow('unsupported find operator');
  });

  it('pushed values survive a new client; spec entries cannot be overwritten', async () => {
    const p = createFakeProvider();
    const c1 = await p.newClient(store([{ key: 'spec', value: 'v' }]), ctx);
    const secret = { data: { token: new TextEncoder().encode('pushed') } };
    await c1.pushSecret?.(secret, { secretKey: 'token', remoteRef: { remoteKey: 'pushed-key' } });
    await expect(c1.pushSecret?.(secret, { secretKey: 'token', remoteRef: { remoteKey: 'spec' } })).rejects.toThrow('key already exists');
    const c2 = await p.newClient(store([]), ctx);
    expect(text(await c2.getSecret({ key: 'pushed-key' }))).toBe('pushed');
    await expect(c2.secretExists?.({ remoteKey: 'spec' })).resolves.toBe(false);
  });

  it("takes validationResult as ESO's CRD carries it (0 Ready, 1 Unknown, 2 Error)", async () => {
    expect(await (await createFakeProvider().newClient(store([], { validationResult: 2 }), ctx)).validate()).toBe('Error');
    expect(await (await createFakeProvider().newClient(store([], { validationResult: 1 }), ctx)).validate()).toBe('Unknown');
    await expect(createFakeProvider().newClient(store([], { validationResult: 7 }), ctx)).rejects.toThrow(/validationResult/);
  });

  it('validate reports the configured validationResult', async () => {
    const c = await createFakeProvider().newClient(store([], { validationResult: 'Error' }), ctx);
    await expect(c.validate()).resolves.toBe('Error');
  });
});
