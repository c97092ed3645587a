import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/logger.js';
import { applyJsonPatch, applyMergePatch } from '../../../../test/support/kube/patch.js';
import { KubeRequestError, type KubeClient, type KubeObject, type ResourceRef } from '../../runtime/types.js';
import { secretHash } from './hash.js';
import { resolveReloaderOptions, type ReloaderOptions } from './options.js';
import { DEPLOYMENTS, createReloaderReconciler, sourceKey, type SourceObject, type WorkloadObject } from './reconcile.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function deployment(rv: string, env?: { name: string; value: string }[]): WorkloadObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'ns', resourceVersion: rv, annotations: { 'reloader.stakater.com/auto': 'true' } },
    spec: { template: { spec: { containers: [{ name: 'app', envFrom: [{ secretRef: { name: 'db' } }], ...(env ? { env } : {}) }] } } },
  };
}

/** A one-Deployment API: PATCH applies JSON/merge patches with resourceVersion preconditions; `failures` answers the next PATCHes. */
function harness(initial: WorkloadObject, options: ReloaderOptions = {}, failures: number[] = []) {
  let stored = structuredClone(initial);
  let rv = Number(initial.metadata.resourceVersion);
  const calls: string[] = [];
  const events: { type: string; reason: string; message: string }[] = [];
  const client = {
    async list(res: ResourceRef) {
      return { items: res === DEPLOYMENTS ? [structuredClone(initial)] : [], resourceVersion: '1' };
    },
    async get() {
      calls.push('GET');
      return structuredClone(stored);
    },
    async patch(_res: ResourceRef, _ns: string | undefined, _name: string, patch: unknown, type?: 'merge' | 'json') {
      calls.push(`PATCH ${type ?? 'merge'}`);
      const status = failures.shift();
      if (status !== undefined) throw new KubeRequestError(status, `injected ${status}`);
      const next = (type === 'json' ? applyJsonPatch(stored, patch) : applyMergePatch(stored, patch)) as WorkloadObject;
      if (next.metadata.resourceVersion !== stored.metadata.resourceVersion) throw new KubeRequestError(409, 'the object has been modified');
      stored = { ...next, metadata: { ...next.metadata, resourceVersion: String(++rv) } };
      return structuredClone(stored);
    },
  } as unknown as KubeClient;
  const secret: SourceObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'ns' }, data: { password: b64('p2') } };
  const reconciler = createReloaderReconciler({
    client,
    events: { event: (_obj: KubeObject, type, reason, message) => events.push({ type, reason, message }) },
    logger: silentLogger(),
    options: resolveReloaderOptions(options),
    getSource: () => secret,
    tombstones: new Map(),
    namespaceSelected: () => true,
    metrics: { reloadExecuted: () => undefined },
    now: () => 1700000000,
  });
  return {
    run: () => reconciler.reconcile(sourceKey('Secret', 'ns', 'db')),
    calls,
    events,
    stored: () => stored,
    // A write by someone else: the cached copy the reconcile starts from is now stale.
    bump: () => {
      stored = { ...stored, metadata: { ...stored.metadata, resourceVersion: String(++rv) } };
    },
  };
}

const envOf = (w: WorkloadObject) => w.spec?.template?.spec?.containers?.[0]?.env;

describe('reloader reconcile', () => {
  it('re-reads and retries a workload changed since it was cached (409)', async () => {
    const h = harness(deployment('10'));
    h.bump();
    await h.run();
    expect(h.calls).toEqual(['PATCH json', 'GET', 'PATCH json']);
    expect(envOf(h.stored())).toEqual([{ name: 'STAKATER_DB_SECRET', value: secretHash({ password: b64('p2') }) }]);
    expect(h.events.map((e) => e.reason)).toEqual(['Reloaded']);
    expect(h.events[0]?.message).toBe("Changes detected in 'db' of type 'SECRET' in namespace 'ns', Updated 'api' of type 'Deployment' in namespace 'ns'");
  });

  it('gives up after five conflicts with a ReloadFail event and an error (the key is retried)', async () => {
    const h = harness(deployment('10'), {}, [409, 409, 409, 409, 409]);
    await expect(h.run()).rejects.toThrow('injected 409');
    expect(h.calls.filter((c) => c.startsWith('PATCH'))).toHaveLength(5);
    expect(h.events).toEqual([{ type: 'Warning', reason: 'ReloadFail', message: "Update for 'api' of type 'Deployment' in namespace 'ns' failed with error injected 409" }]);
  });

  it('reports a refused write as ReloadFail and leaves the workload as it was', async () => {
    const h = harness(deployment('10'), {}, [422]);
    await expect(h.run()).rejects.toThrow('injected 422');
    expect(envOf(h.stored())).toBeUndefined();
    expect(h.events.map((e) => `${e.type}/${e.reason}`)).toEqual(['Warning/ReloadFail']);
  });

  it('does not write when the workload already records the hash (either algorithm)', async () => {
    for (const value of [secretHash({ password: b64('p2') }), secretHash({ password: b64('p2') }, 'sha512-256')]) {
      const h = harness(deployment('10', [{ name: 'STAKATER_DB_SECRET', value }]));
      await h.run();
      expect(h.calls).toEqual([]);
    }
  });

  it('replaces a stale env var in place and writes the annotation strategy as a merge patch', async () => {
    const h = harness(deployment('10', [{ name: 'A', value: '1' }, { name: 'STAKATER_DB_SECRET', value: 'old' }]));
    await h.run();
    expect(envOf(h.stored())).toEqual([
      { name: 'A', value: '1' },
      { name: 'STAKATER_DB_SECRET', value: secretHash({ password: b64('p2') }) },
    ]);
    const a = harness(deployment('10'), { reloadStrategy: 'annotations' });
    await a.run();
    expect(a.calls).toEqual(['PATCH merge']);
    expect(a.stored().spec?.template?.metadata?.annotations?.['reloader.stakater.com/last-reloaded-from']).toBe(
      `{"type":"SECRET","name":"db","namespace":"ns","hash":"${secretHash({ password: b64('p2') })}","containerRefs":["app"],"observedAt":1700000000}`,
    );
    expect(envOf(a.stored())).toBeUndefined();
  });
});
