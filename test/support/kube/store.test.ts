import { beforeEach, describe, expect, it } from 'vitest';
import { CORE_RESOURCE_TYPES, configMapsType, namespacesType, podsType, secretsType } from './resources.js';
import { KubeStatusError } from './status.js';
import { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';
import type { StoreEvent } from './watch.js';

function statusOf(fn: () => unknown): { code: number; reason: string | undefined; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof KubeStatusError) return { code: err.code, reason: err.reason, message: err.message };
    throw err;
  }
  throw new Error('expected a KubeStatusError');
}

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

describe('ObjectStore', () => {
  let store: ObjectStore;
  let events: StoreEvent[];

  beforeEach(() => {
    store = new ObjectStore({ now: () => Date.UTC(2030, 0, 2, 3, 4, 5, 678) });
    for (const t of CORE_RESOURCE_TYPES) store.register(t);
    store.create(namespacesType, undefined, { metadata: { name: 'app' } });
    events = [];
    store.log.subscribe((e) => events.push(e));
  });

  it('creates objects with uid, creationTimestamp, generation and a monotonic resourceVersion', () => {
    const a = store.create(configMapsType, 'app', cm('a'));
    const b = store.create(configMapsType, 'app', cm('b'));
    expect(a.apiVersion).toBe('v1');
    expect(a.kind).toBe('ConfigMap');
    expect(a.metadata.namespace).toBe('app');
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).toBe('2030-01-02T03:04:05Z');
    expect(a.metadata.generation).toBe(1);
    expect(typeof a.metadata.resourceVersion).toBe('string');
    expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    expect(store.get(configMapsType, 'app', 'a')).toEqual(a);
    expect(events.map((e) => [e.type, e.name])).toEqual([
      ['ADDED', 'a'],
      ['ADDED', 'b'],
    ]);
  });

  it('answers 409 AlreadyExists, 404 NotFound and 404 for a missing namespace', () => {
    store.create(configMapsType, 'app', cm('a'));
    expect(statusOf(() => store.create(configMapsType, 'app', cm('a')))).toEqual({ code: 409, reason: 'AlreadyExists', message: 'configmaps "a" already exists' });
    expect(statusOf(() => store.get(configMapsType, 'app', 'nope'))).toEqual({ code: 404, reason: 'NotFound', message: 'configmaps "nope" not found' });
    expect(statusOf(() => store.create(configMapsType, 'ghost', cm('a')))).toEqual({ code: 404, reason: 'NotFound', message: 'namespaces "ghost" not found' });
  });

  it('validates names and generates them from generateName', () => {
    expect(statusOf(() => store.create(configMapsType, 'app', cm('Bad_Name'))).code).toBe(422);
    expect(statusOf(() => store.create(configMapsType, 'app', { metadata: {} })).code).toBe(422);
    const generated = store.create(configMapsType, 'app', { metadata: { generateName: 'gen-' } });
    expect(generated.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(statusOf(() => store.create(configMapsType, 'app', { metadata: { name: 'x', namespace: 'other' } })).code).toBe(400);
    expect(statusOf(() => store.create(configMapsType, 'app', { apiVersion: 'v2', metadata: { name: 'x' } })).code).toBe(400);
  });

  it('rejects stale updates with 409 Conflict and accepts unconditional ones', () => {
    const created = store.create(configMapsType, 'app', cm('a', { k: '1' }));
    const first = store.update(configMapsType, 'app', 'a', { ...created, data: { k: '2' } });
    expect(Number(first.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const stale = statusOf(() => store.update(configMapsType, 'app', 'a', { ...created, data: { k: '3' } }));
    expect(stale).toEqual({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
    });
    const { resourceVersion: _rv, ...meta } = first.metadata;
    const unconditional = store.update(configMapsType, 'app', 'a', { ...first, metadata: meta, data: { k: '4' } });
    expect(unconditional.data).toEqual({ k: '4' });
    expect(unconditional.metadata.uid).toBe(created.metadata.uid);
    expect(unconditional.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
  });

  it('keeps the resourceVersion on a no-op update and bumps generation only for spec changes', () => {
    const created = store.create(configMapsType, 'app', cm('a', { k: '1' }));
    const same = store.update(configMapsType, 'app', 'a', created);
    expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(events.filter((e) => e.type === 'MODIFIED')).toHaveLength(0);
    const relabelled = store.update(configMapsType, 'app', 'a', { ...same, metadata: { ...same.metadata, labels: { x: 'y' } } });
    expect(relabelled.metadata.generation).toBe(1);
    const changed = store.update(configMapsType, 'app', 'a', { ...relabelled, data: { k: '2' } });
    expect(changed.metadata.generation).toBe(2);
  });

  it('separates status from the main resource when a status subresource exists', () => {
    const pod = store.create(podsType, 'app', { metadata: { name: 'p' }, spec: { containers: [] }, status: { phase: 'Running' } });
    expect(pod.status).toEqual({ phase: 'Pending' });
    expect((pod.spec as Record<string, unknown>)['serviceAccountName']).toBe('default');
    const ignored = store.update(podsType, 'app', 'p', { ...pod, status: { phase: 'Failed' } });
    expect(ignored.status).toEqual({ phase: 'Pending' });
    const status = store.update(podsType, 'app', 'p', { ...pod, status: { phase: 'Running' } }, { subresource: 'status' });
    expect(status.status).toEqual({ phase: 'Running' });
    expect(status.metadata.generation).toBe(1);
  });

  it('lists sorted with label and field selectors and paginates', () => {
    store.create(namespacesType, undefined, { metadata: { name: 'other' } });
    store.create(configMapsType, 'app', cm('c', {}, { tier: 'web', env: 'prod' }));
    store.create(configMapsType, 'app', cm('a', {}, { tier: 'db', env: 'prod' }));
    store.create(configMapsType, 'other', cm('b', {}, { tier: 'web' }));
    const names = (r: { items: KubeObject[] }): string[] => r.items.map((i) => `${i.metadata.namespace ?? ''}/${i.metadata.name ?? ''}`);
    expect(names(store.list(configMapsType, undefined))).toEqual(['app/a', 'app/c', 'other/b']);
    expect(names(store.list(configMapsType, 'app'))).toEqual(['app/a', 'app/c']);
    expect(names(store.list(configMapsType, undefined, { labelSelector: 'tier=web' }))).toEqual(['app/c', 'other/b']);
    expect(names(store.list(configMapsType, undefined, { labelSelector: 'env notin (prod)' }))).toEqual(['other/b']);
    expect(names(store.list(configMapsType, undefined, { labelSelector: '!env' }))).toEqual(['other/b']);
    expect(names(store.list(configMapsType, undefined, { fieldSelector: 'metadata.namespace!=app' }))).toEqual(['other/b']);
    expect(names(store.list(configMapsType, undefined, { fieldSelector: 'metadata.name=c' }))).toEqual(['app/c']);
    expect(statusOf(() => store.list(configMapsType, undefined, { fieldSelector: 'spec.x=1' }))).toMatchObject({ code: 400, message: 'field label not supported: spec.x' });
    expect(statusOf(() => store.list(configMapsType, undefined, { labelSelector: 'a in (' })).code).toBe(400);
    const page1 = store.list(configMapsType, undefined, { limit: 2 });
    expect(names(page1)).toEqual(['app/a', 'app/c']);
    expect(page1.remainingItemCount).toBe(1);
    expect(page1.items[0]?.kind).toBeUndefined();
    const page2 = store.list(configMapsType, undefined, { limit: 2, ...(page1.continue ? { continue: page1.continue } : {}) });
    expect(names(page2)).toEqual(['other/b']);
    expect(page2.continue).toBeUndefined();
  });

  it('converts Secret stringData to data, defaults the type and validates typed secrets', () => {
    const s = store.create(secretsType, 'app', { metadata: { name: 's' }, stringData: { password: 'hunter2' }, data: { user: Buffer.from('bob').toString('base64') } });
    expect(s['type']).toBe('Opaque');
    expect(s['stringData']).toBeUndefined();
    expect(s['data']).toEqual({ user: 'Ym9i', password: Buffer.from('hunter2').toString('base64') });
    expect(statusOf(() => store.create(secretsType, 'app', { metadata: { name: 't' }, type: 'kubernetes.io/tls', data: {} })).code).toBe(422);
    expect(statusOf(() => store.update(secretsType, 'app', 's', { ...s, type: 'kubernetes.io/basic-auth' })).code).toBe(422);
    expect(statusOf(() => store.create(secretsType, 'app', { metadata: { name: 'u' }, data: { k: 'not base64!' } })).code).toBe(400);
    expect(store.list(secretsType, 'app', { fieldSelector: 'type=Opaque' }).items).toHaveLength(1);
  });

  it('refuses changes to immutable ConfigMaps', () => {
    const c = store.create(configMapsType, 'app', { ...cm('i', { k: 'v' }), immutable: true });
    expect(statusOf(() => store.update(configMapsType, 'app', 'i', { ...c, data: { k: 'w' } })).code).toBe(422);
  });

  it('deletes, honours preconditions and answers with a Status', () => {
    const c = store.create(configMapsType, 'app', cm('d'));
    expect(statusOf(() => store.delete(configMapsType, 'app', 'd', { preconditions: { uid: 'nope' } })).code).toBe(409);
    const result = store.delete(configMapsType, 'app', 'd', { preconditions: { uid: c.metadata.uid ?? '' } });
    expect(result.removed).toBe(true);
    expect(store.deleteResponse(configMapsType, result)).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'd', kind: 'configmaps', uid: c.metadata.uid } });
    expect(store.tryGet(configMapsType, 'app', 'd')).toBeUndefined();
    const deleted = events.find((e) => e.type === 'DELETED');
    expect(Number(deleted?.object.metadata.resourceVersion)).toBeGreaterThan(Number(c.metadata.resourceVersion));
  });

  it('keeps objects with finalizers until the finalizers are removed', () => {
    const c = store.create(configMapsType, 'app', { ...cm('f'), metadata: { name: 'f', finalizers: ['example.com/hold'] } });
    const result = store.delete(configMapsType, 'app', 'f');
    expect(result.removed).toBe(false);
    expect(result.object.metadata.deletionTimestamp).toBeDefined();
    const held = store.get(configMapsType, 'app', 'f');
    expect(statusOf(() => store.update(configMapsType, 'app', 'f', { ...held, metadata: { ...held.metadata, finalizers: ['example.com/hold', 'new'] } })).code).toBe(422);
    store.update(configMapsType, 'app', 'f', { ...held, metadata: { ...held.metadata, finalizers: [] } });
    expect(store.tryGet(configMapsType, 'app', 'f')).toBeUndefined();
    expect(events.filter((e) => e.name === 'f').map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
    expect(c.metadata.finalizers).toEqual(['example.com/hold']);
  });

  it('terminates a namespace: its contents go, then the namespace', () => {
    store.create(configMapsType, 'app', cm('x'));
    const ns = store.get(namespacesType, undefined, 'app');
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'app' });
    expect(ns.status).toEqual({ phase: 'Active' });
    const result = store.delete(namespacesType, undefined, 'app');
    expect(result.object.status).toEqual({ phase: 'Terminating' });
    expect(result.removed).toBe(true);
    expect(store.tryGet(configMapsType, 'app', 'x')).toBeUndefined();
    expect(store.tryGet(namespacesType, undefined, 'app')).toBeUndefined();
    expect(events.map((e) => `${e.type} ${e.groupResource}/${e.name}`)).toEqual([
      'ADDED configmaps/x',
      'MODIFIED namespaces/app',
      'DELETED configmaps/x',
      'DELETED namespaces/app',
    ]);
  });

  it('refuses new content in a terminating namespace', () => {
    store.create(configMapsType, 'app', { ...cm('held'), metadata: { name: 'held', finalizers: ['x/y'] } });
    const result = store.delete(namespacesType, undefined, 'app');
    expect(result.removed).toBe(false);
    expect(statusOf(() => store.create(configMapsType, 'app', cm('new')))).toMatchObject({ code: 403, reason: 'Forbidden' });
    const held = store.get(configMapsType, 'app', 'held');
    store.update(configMapsType, 'app', 'held', { ...held, metadata: { ...held.metadata, finalizers: [] } });
    expect(store.tryGet(namespacesType, undefined, 'app')).toBeUndefined();
  });
});
