import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { InformerFactory, ListWatchInformer } from './informer.js';
import type { RuntimeKubeClient, WatchEvent, WatchOptions } from './kube-client.js';
import { KubeRequestError, type KubeObject, type ResourceRef } from './types.js';

const cm: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

function obj(name: string, rv: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv }, data };
}

type WatchScript = (options: WatchOptions, emit: (e: WatchEvent) => void, signal?: AbortSignal) => Promise<void>;

/** A client whose lists and watches follow a script (one entry per call; the last repeats). */
function scriptedClient(lists: { items: KubeObject[]; resourceVersion: string }[], watches: WatchScript[]) {
  const calls = { lists: 0, watches: [] as WatchOptions[] };
  const hang: WatchScript = (_o, _e, signal) => new Promise((resolve) => signal?.addEventListener('abort', () => resolve()));
  const client = {
    list: async () => {
      const answer = lists[Math.min(calls.lists, lists.length - 1)];
      calls.lists++;
      return answer;
    },
    watch: async (_res: ResourceRef, options: WatchOptions, onEvent: (e: WatchEvent) => void, signal?: AbortSignal) => {
      const script = watches[calls.watches.length] ?? hang;
      calls.watches.push(options);
      await script(options, onEvent, signal);
    },
  } as unknown as RuntimeKubeClient;
  return { client, calls };
}

describe('ListWatchInformer', () => {
  it('lists, then applies watch events to the cache and handlers', async () => {
    const { client, calls } = scriptedClient(
      [{ items: [obj('a', '1')], resourceVersion: '5' }],
      [
        async (_o, emit) => {
          emit({ type: 'ADDED', object: obj('b', '6') });
          emit({ type: 'MODIFIED', object: obj('a', '7', { x: 'y' }) });
          emit({ type: 'DELETED', object: obj('b', '8') });
          emit({ type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '', resourceVersion: '9' } } });
        },
      ],
    );
    const inf = new ListWatchInformer<KubeObject>(client, cm, { logger: silentLogger(), initialBackoffMs: 1 });
    const seen: string[] = [];
    inf.on('add', (o) => seen.push(`add ${o.metadata.name}`));
    inf.on('update', (o, old) => seen.push(`update ${o.metadata.name} ${old?.metadata.resourceVersion}->${o.metadata.resourceVersion}`));
    inf.on('delete', (o) => seen.push(`delete ${o.metadata.name}`));
    await inf.start();
    expect(inf.hasSynced()).toBe(true);
    await vi.waitFor(() => expect(calls.watches.length).toBe(2));
    inf.stop();
    expect(seen).toEqual(['add a', 'add b', 'update a 1->7', 'delete b']);
    expect(inf.get('ns', 'a')?.['data']).toEqual({ x: 'y' });
    expect(inf.list('ns').map((o) => o.metadata.name)).toEqual(['a']);
    // Watched from the list's resourceVersion, then resumed from the bookmark's.
    expect(calls.watches[0]?.resourceVersion).toBe('5');
    expect(calls.watches[1]?.resourceVersion).toBe('9');
    expect(calls.lists).toBe(1);
  });

  it('re-lists on 410 Gone and reports what changed meanwhile', async () => {
    const { client, calls } = scriptedClient(
      [
        { items: [obj('a', '1'), obj('b', '2')], resourceVersion: '2' },
        { items: [obj('a', '1'), obj('c', '40')], resourceVersion: '41' },
      ],
      [
        async () => {
          throw new KubeRequestError(410, 'too old resource version: 2 (30)', 'Expired');
        },
      ],
    );
    const inf = new ListWatchInformer<KubeObject>(client, cm, { logger: silentLogger(), initialBackoffMs: 1 });
    const seen: string[] = [];
    inf.on('add', (o) => seen.push(`add ${o.metadata.name}`));
    inf.on('update', (o) => seen.push(`update ${o.metadata.name}`));
    inf.on('delete', (o) => seen.push(`delete ${o.metadata.name}`));
    await inf.start();
    await vi.waitFor(() => expect(calls.watches.length).toBe(2));
    inf.stop();
    expect(calls.lists).toBe(2);
    expect(seen).toEqual(['add a', 'add b', 'add c', 'delete b']);
    expect(calls.watches[1]?.resourceVersion).toBe('41');
  });

  it('backs off and re-lists after a failed list', async () => {
    let failures = 1;
    const { client, calls } = scriptedClient([{ items: [obj('a', '1')], resourceVersion: '1' }], []);
    const list = client.list.bind(client);
    (client as { list: unknown }).list = async (...args: Parameters<typeof list>) => {
      if (failures-- > 0) throw new KubeRequestError(503, 'unavailable');
      return list(...args);
    };
    const inf = new ListWatchInformer<KubeObject>(client, cm, { logger: silentLogger(), initialBackoffMs: 1 });
    await inf.start();
    inf.stop();
    expect(inf.hasSynced()).toBe(true);
    expect(calls.lists).toBe(1);
    expect(inf.list().length).toBe(1);
  });

  it('a handler added after sync sees the cached objects; a throwing handler does not stop others', async () => {
    const { client } = scriptedClient([{ items: [obj('a', '1'), obj('b', '1')], resourceVersion: '1' }], []);
    const inf = new ListWatchInformer<KubeObject>(client, cm, { logger: silentLogger() });
    inf.on('add', () => {
      throw new Error('boom');
    });
    await inf.start();
    const late: string[] = [];
    inf.on('add', (o) => late.push(o.metadata.name));
    inf.stop();
    expect(late.sort()).toEqual(['a', 'b']);
  });
});

describe('InformerFactory', () => {
  it('shares one informer per resource and selector, and keeps it while any user holds it', async () => {
    const { client, calls } = scriptedClient([{ items: [obj('a', '1')], resourceVersion: '1' }], []);
    const factory = new InformerFactory(client, { logger: silentLogger() });
    const one = factory.informer(cm);
    const two = factory.informer(cm);
    const other = factory.informer(cm, { labelSelector: 'x=y' });
    await Promise.all([one.start(), two.start()]);
    expect(calls.lists).toBe(1);
    expect(factory.allSynced()).toBe(true);
    one.stop();
    await vi.waitFor(() => expect(calls.watches.length).toBe(1));
    expect(two.hasSynced()).toBe(true);
    await other.start();
    expect(calls.lists).toBe(2);
    factory.stopAll();
  });
});

describe('ListWatchInformer start', () => {
  it('fails when the resource is not served (404 on the first list) instead of waiting forever', async () => {
    const { client } = scriptedClient([{ items: [], resourceVersion: '1' }], []);
    (client as { list: unknown }).list = async () => {
      throw new KubeRequestError(404, 'the server could not find the requested resource', 'NotFound');
    };
    const inf = new ListWatchInformer<KubeObject>(client, cm, { logger: silentLogger(), initialBackoffMs: 1 });
    await expect(inf.start()).rejects.toThrow(/ConfigMap \(v1, configmaps\) is not served by the API server/);
    expect(inf.hasSynced()).toBe(false);
  });
});
