/**
 * ownerReference garbage collection through the HTTP API: Background (default), Orphan and
 * Foreground propagation, dependents with other owners or their own finalizers, owners that
 * never existed, and invalid DeleteOptions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError, type KubeWatch } from './client.js';
import { start, type KubeTestServer } from './index.js';
import type { KubeObject, OwnerReference } from './types.js';

let kube: KubeTestServer;
let ns = 0;

beforeAll(async () => {
  kube = await start({ garbageCollection: true });
});

afterAll(async () => {
  await kube.close();
});

function newNamespace(): string {
  const name = `gc-${++ns}`;
  kube.createNamespace(name);
  return name;
}

function ownerRef(owner: KubeObject, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', ...extra };
}

const configMap = (namespace: string, name: string, owners: OwnerReference[] = [], finalizers?: string[]): Promise<KubeObject> =>
  kube.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ownerReferences: owners, ...(finalizers ? { finalizers } : {}) } });

const exists = (namespace: string, name: string): boolean => kube.store.tryGet(kube.store.type('configmaps'), namespace, name) !== undefined;
const current = (namespace: string, name: string): KubeObject | undefined => kube.store.tryGet(kube.store.type('configmaps'), namespace, name);

function del(namespace: string, name: string, options: { body?: Record<string, unknown>; query?: Record<string, string> } = {}): Promise<unknown> {
  return kube.client.request('DELETE', `/api/v1/namespaces/${namespace}/configmaps/${name}`, {
    ...(options.body ? { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...options.body } } : {}),
    ...(options.query ? { query: options.query } : {}),
  });
}

async function readUntil(watch: KubeWatch, wanted: string[]): Promise<string[]> {
  const seen: string[] = [];
  while (!wanted.every((w) => seen.includes(w))) {
    const e = await watch.next();
    seen.push(`${e.type} ${(e.object as KubeObject).metadata.name ?? ''}`);
  }
  return seen;
}

describe('Background (the default)', () => {
  it('deletes the owner at once and its dependents afterwards; a watch sees the DELETED events in that order', async () => {
    const n = newNamespace();
    const owner = await configMap(n, 'owner');
    await configMap(n, 'dep-a', [ownerRef(owner)]);
    await configMap(n, 'dep-b', [ownerRef(owner)]);
    const grandchild = await configMap(n, 'grandchild', [ownerRef(await kube.client.get('configmaps', 'dep-a', { namespace: n }))]);
    const watch = await kube.client.watch('configmaps', { namespace: n, resourceVersion: grandchild.metadata.resourceVersion });
    await del(n, 'owner');
    // Dependents are collected after the owner's DELETE has been answered.
    expect(exists(n, 'owner')).toBe(false);
    const events = await readUntil(watch, ['DELETED owner', 'DELETED dep-a', 'DELETED dep-b', 'DELETED grandchild']);
    expect(events[0]).toBe('DELETED owner');
    expect(events.indexOf('DELETED grandchild')).toBeGreaterThan(events.indexOf('DELETED dep-a'));
    watch.close();
  });

  it('keeps a dependent that has another live owner, dropping the dead reference', async () => {
    const n = newNamespace();
    const a = await configMap(n, 'a');
    const b = await configMap(n, 'b');
    await configMap(n, 'shared', [ownerRef(a), ownerRef(b)]);
    await del(n, 'a', { query: { propagationPolicy: 'Background' } });
    await kube.gc.idle();
    expect(current(n, 'shared')?.metadata.ownerReferences).toEqual([ownerRef(b)]);
  });

  it('gives a dependent with its own finalizer a deletionTimestamp and lets it wait', async () => {
    const n = newNamespace();
    const owner = await configMap(n, 'owner');
    await configMap(n, 'held', [ownerRef(owner)], ['example.com/keep']);
    await del(n, 'owner');
    await kube.gc.idle();
    expect(current(n, 'held')?.metadata.deletionTimestamp).toBeDefined();
    await kube.client.patch('configmaps', 'held', { metadata: { finalizers: null } }, { namespace: n });
    expect(exists(n, 'held')).toBe(false);
  });

  it('collects an object created with an ownerReference to an owner that does not exist', async () => {
    const n = newNamespace();
    const real = await configMap(n, 'real');
    await configMap(n, 'orphaned', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '4f6a0c1e-0000-4000-8000-000000000000' }]);
    // Same name, different uid: that owner is gone too.
    await configMap(n, 'stale', [ownerRef(real, { uid: '4f6a0c1e-0000-4000-8000-000000000001' })]);
    await configMap(n, 'owned', [ownerRef(real)]);
    await kube.gc.idle();
    expect(exists(n, 'orphaned')).toBe(false);
    expect(exists(n, 'stale')).toBe(false);
    expect(exists(n, 'owned')).toBe(true);
  });

  it('leaves owners of unknown kinds and cluster-scoped dependents of namespaced owners alone', async () => {
    const n = newNamespace();
    await configMap(n, 'unknown-kind', [{ apiVersion: 'example.com/v1', kind: 'Gizmo', name: 'g', uid: '4f6a0c1e-0000-4000-8000-000000000002' }]);
    const owner = await configMap(n, 'ns-owner');
    await kube.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${n}-child`, ownerReferences: [ownerRef(owner)] } });
    await del(n, 'ns-owner');
    await kube.gc.idle();
    expect(exists(n, 'unknown-kind')).toBe(true);
    expect(await kube.client.get('namespaces', `${n}-child`)).toBeDefined();
  });
});

describe('Orphan', () => {
  it('removes the owner and strips the reference from its dependents', async () => {
    const n = newNamespace();
    const owner = await configMap(n, 'owner');
    const other = await configMap(n, 'other');
    await configMap(n, 'dep', [ownerRef(owner), ownerRef(other)]);
    await configMap(n, 'only', [ownerRef(owner)]);
    const answer = (await del(n, 'owner', { body: { propagationPolicy: 'Orphan' } })) as { status?: string; metadata: { finalizers?: string[] } };
    // The owner waits on the `orphan` finalizer until the collector has released its dependents.
    expect(answer.metadata.finalizers).toEqual(['orphan']);
    await kube.gc.idle();
    expect(exists(n, 'owner')).toBe(false);
    expect(current(n, 'dep')?.metadata.ownerReferences).toEqual([ownerRef(other)]);
    expect(current(n, 'only')?.metadata.ownerReferences).toEqual([]);
  });

  it('is what orphanDependents=true asks for', async () => {
    const n = newNamespace();
    const owner = await configMap(n, 'owner');
    await configMap(n, 'dep', [ownerRef(owner)]);
    await del(n, 'owner', { body: { orphanDependents: true } });
    await kube.gc.idle();
    expect(exists(n, 'dep')).toBe(true);
  });
});

describe('Foreground', () => {
  it('keeps the owner (deletionTimestamp + foregroundDeletion) until blocking dependents are gone', async () => {
    const n = newNamespace();
    const owner = await configMap(n, 'owner');
    await configMap(n, 'blocker', [ownerRef(owner, { blockOwnerDeletion: true })], ['example.com/slow']);
    await configMap(n, 'non-blocking', [ownerRef(owner)]);
    const watch = await kube.client.watch('configmaps', { namespace: n, resourceVersion: String(kube.store.currentResourceVersion()) });
    const answer = (await del(n, 'owner', { body: { propagationPolicy: 'Foreground' } })) as KubeObject;
    expect(answer.metadata.deletionTimestamp).toBeDefined();
    expect(answer.metadata.finalizers).toEqual(['foregroundDeletion']);
    await readUntil(watch, ['DELETED non-blocking']);
    await kube.gc.idle();
    expect(current(n, 'owner')?.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(current(n, 'blocker')?.metadata.deletionTimestamp).toBeDefined();

    await kube.client.patch('configmaps', 'blocker', { metadata: { finalizers: null } }, { namespace: n });
    const events = await readUntil(watch, ['DELETED blocker', 'DELETED owner']);
    expect(events.indexOf('DELETED owner')).toBeGreaterThan(events.indexOf('DELETED blocker'));
    watch.close();
  });

  it('deletes an owner without dependents once the collector has looked', async () => {
    const n = newNamespace();
    await configMap(n, 'lonely');
    await del(n, 'lonely', { query: { propagationPolicy: 'Foreground' } });
    await kube.gc.idle();
    expect(exists(n, 'lonely')).toBe(false);
  });

  it('cascades through a dependent that has dependents of its own', async () => {
    const n = newNamespace();
    const top = await configMap(n, 'top');
    const mid = await configMap(n, 'mid', [ownerRef(top, { blockOwnerDeletion: true })]);
    await configMap(n, 'leaf', [ownerRef(mid, { blockOwnerDeletion: true })], ['example.com/slow']);
    await del(n, 'top', { body: { propagationPolicy: 'Foreground' } });
    await kube.gc.idle();
    expect(current(n, 'mid')?.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(exists(n, 'top')).toBe(true);
    await kube.client.patch('configmaps', 'leaf', { metadata: { finalizers: null } }, { namespace: n });
    await kube.gc.idle();
    expect([exists(n, 'top'), exists(n, 'mid'), exists(n, 'leaf')]).toEqual([false, false, false]);
  });
});

describe('DeleteOptions', () => {
  it('refuses an unknown propagationPolicy and conflicting options with 422', async () => {
    const n = newNamespace();
    await configMap(n, 'x');
    const attempt = async (options: Parameters<typeof del>[2]): Promise<KubeApiError> => {
      try {
        await del(n, 'x', options);
      } catch (err) {
        if (err instanceof KubeApiError) return err;
      }
      throw new Error('expected a failure');
    };
    const unknown = await attempt({ query: { propagationPolicy: 'Sideways' } });
    expect(unknown.status).toBe(422);
    expect(unknown.message).toBe('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan"');
    const both = await attempt({ body: { propagationPolicy: 'Orphan', orphanDependents: true } });
    expect(both.status).toBe(422);
    expect(exists(n, 'x')).toBe(true);
  });

  it('can be held off (garbageCollection: false), and started later collects what is already stored', async () => {
    const quiet = await start({ garbageCollection: false });
    try {
      const dangling = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dangling', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '4f6a0c1e-0000-4000-8000-000000000003' }] } };
      await quiet.client.create('configmaps', dangling);
      await quiet.gc.idle();
      expect(await quiet.client.get('configmaps', 'dangling', { namespace: 'default' })).toBeDefined();
      quiet.gc.start();
      await quiet.gc.idle();
      expect(quiet.store.tryGet(quiet.store.type('configmaps'), 'default', 'dangling')).toBeUndefined();
    } finally {
      await quiet.close();
    }
  });
});
