import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeWatch } from './client.js';
import { start, type KubeTestServer } from './index.js';
import type { KubeObject, WatchEvent } from './types.js';

let kube: KubeTestServer;
const open: KubeWatch[] = [];

beforeAll(async () => {
  kube = await start({ historyLimit: 50, bookmarkIntervalMs: 50 });
});

afterAll(async () => {
  for (const w of open) w.close();
  await kube.close();
});

async function watch(...args: Parameters<KubeTestServer['client']['watch']>): Promise<KubeWatch> {
  const w = await kube.client.watch(...args);
  open.push(w);
  return w;
}

const summary = (e: WatchEvent): string => `${e.type} ${e.object.metadata.name ?? ''}`;

async function expectQuiet(w: KubeWatch, ms = 150): Promise<void> {
  await expect(w.next(ms)).rejects.toThrow(/no watch event/);
}

describe('kube test server: watch', () => {
  it('streams changes after a resourceVersion, with the deletion resourceVersion on DELETED', async () => {
    kube.createNamespace('w1');
    const list = await kube.client.list('configmaps', { namespace: 'w1' });
    const w = await watch('configmaps', { namespace: 'w1', resourceVersion: list.metadata.resourceVersion });
    const created = await kube.client.create('configmaps', { metadata: { name: 'a' }, data: { k: '1' } }, { namespace: 'w1' });
    const updated = await kube.client.update('configmaps', { ...created, data: { k: '2' } });
    await kube.client.delete('configmaps', 'a', { namespace: 'w1' });
    const added = await w.next();
    const modified = await w.next();
    const deleted = await w.next();
    expect([added, modified, deleted].map(summary)).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
    expect(added.object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: created.metadata.resourceVersion } });
    expect((modified.object as KubeObject)['data']).toEqual({ k: '2' });
    expect(Number(deleted.object.metadata.resourceVersion)).toBeGreaterThan(Number(updated.metadata.resourceVersion));
    await expectQuiet(w);
  });

  it('replays history from an older resourceVersion and starts from the current state without one', async () => {
    kube.createNamespace('w2');
    const before = (await kube.client.list('configmaps', { namespace: 'w2' })).metadata.resourceVersion;
    await kube.client.create('configmaps', { metadata: { name: 'x' } }, { namespace: 'w2' });
    await kube.client.create('configmaps', { metadata: { name: 'y' } }, { namespace: 'w2' });
    const replay = await watch('configmaps', { namespace: 'w2', resourceVersion: before });
    expect([await replay.next(), await replay.next()].map(summary)).toEqual(['ADDED x', 'ADDED y']);
    const fresh = await watch('configmaps', { namespace: 'w2' });
    expect([await fresh.next(), await fresh.next()].map(summary)).toEqual(['ADDED x', 'ADDED y']);
    await expectQuiet(fresh);
  });

  it('applies selectors to transitions: leaving the selector is DELETED, entering it is ADDED', async () => {
    kube.createNamespace('w3');
    const c = await kube.client.create('configmaps', { metadata: { name: 'c', labels: { tier: 'web' } } }, { namespace: 'w3' });
    const w = await watch('configmaps', { namespace: 'w3', labelSelector: 'tier=web', resourceVersion: c.metadata.resourceVersion });
    const moved = await kube.client.patch('configmaps', 'c', { metadata: { labels: { tier: 'db' } } }, { namespace: 'w3' });
    const left = await w.next();
    expect(summary(left)).toBe('DELETED c');
    expect(left.object.metadata.resourceVersion).toBe(moved.metadata.resourceVersion);
    expect(left.object.metadata.labels).toEqual({ tier: 'web' });
    await kube.client.patch('configmaps', 'c', { metadata: { labels: { tier: 'web' } } }, { namespace: 'w3' });
    expect(summary(await w.next())).toBe('ADDED c');
    await kube.client.create('configmaps', { metadata: { name: 'other', labels: { tier: 'db' } } }, { namespace: 'w3' });
    await expectQuiet(w);
  });

  it('watches one object through a field selector and across namespaces', async () => {
    kube.createNamespace('w4a');
    kube.createNamespace('w4b');
    const rv = (await kube.client.list('secrets')).metadata.resourceVersion;
    const one = await watch('secrets', { namespace: 'w4a', fieldSelector: 'metadata.name=target', resourceVersion: rv });
    const all = await watch('secrets', { resourceVersion: rv });
    await kube.client.create('secrets', { metadata: { name: 'noise' } }, { namespace: 'w4a' });
    await kube.client.create('secrets', { metadata: { name: 'target' } }, { namespace: 'w4a' });
    await kube.client.create('secrets', { metadata: { name: 'target' } }, { namespace: 'w4b' });
    expect(summary(await one.next())).toBe('ADDED target');
    await expectQuiet(one);
    const seen = [await all.next(), await all.next(), await all.next()].map((e) => `${e.object.metadata.namespace ?? ''}/${e.object.metadata.name ?? ''}`);
    expect(seen).toEqual(['w4a/noise', 'w4a/target', 'w4b/target']);
  });

  it('answers a watch from a compacted resourceVersion with a 410 Expired ERROR event', async () => {
    kube.createNamespace('w5');
    const old = (await kube.client.list('configmaps', { namespace: 'w5' })).metadata.resourceVersion;
    for (let i = 0; i < 60; i++) await kube.client.create('configmaps', { metadata: { name: `c${i}` } }, { namespace: 'w5' });
    const w = await watch('configmaps', { namespace: 'w5', resourceVersion: old });
    const error = await w.next();
    expect(error.type).toBe('ERROR');
    expect(error.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    await expect(w.next(1000)).rejects.toThrow(/watch ended/);
  });

  it('sends bookmarks and the initial-events-end bookmark', async () => {
    kube.createNamespace('w6');
    await kube.client.create('configmaps', { metadata: { name: 'seed' } }, { namespace: 'w6' });
    const w = await watch('configmaps', { namespace: 'w6', sendInitialEvents: true, allowWatchBookmarks: true });
    expect(summary(await w.next())).toBe('ADDED seed');
    const end = await w.next();
    expect(end.type).toBe('BOOKMARK');
    expect(end.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } });
    const periodic = await w.next(2000);
    expect(periodic.type).toBe('BOOKMARK');
    expect(Number(periodic.object.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it('ends the stream after timeoutSeconds', async () => {
    const w = await watch('namespaces', { timeoutSeconds: 1 });
    const events: string[] = [];
    await expect(
      (async () => {
        for (;;) events.push(summary(await w.next(3000)));
      })(),
    ).rejects.toThrow(/watch ended/);
    expect(events).toContain('ADDED default');
  });
});
