/**
 * The reload controller against the in-process Kubernetes API server with apps/v1 workloads:
 * a Secret/ConfigMap data change rolls the annotated Deployments, StatefulSets and DaemonSets
 * (env-vars and annotations strategies), metadata-only changes and unannotated workloads are
 * left alone, ignore/exclude/search/match, namespace scoping (`--namespace`,
 * namespaces-to-ignore, namespace-selector), reload-on-create/delete, conflicts, and a failed
 * rollout reported as a Warning Event.
 *
 * Each controller runs in its own namespace (`ctx.namespace`) so their options do not meet.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReloaderController, type ReloaderOptions } from '../../src/operator/controllers/reloader/index.js';
import type { OperatorController } from '../../src/operator/runtime/index.js';
import { daemonSetsType, deploymentsType, failRollout, registerAppsResources, statefulSetsType } from '../support/kube/apps-resources.js';
import { KubeStatusError, configMapsType, secretsType, startKubeTestServer, type KubeObject, type KubeTestServer, type ResourceType } from '../support/kube/index.js';
import { createTestOperatorContext, type TestOperatorContext } from './sealedsecret-controller-context.js';

let kube: KubeTestServer;
const running: { ctx: TestOperatorContext; controller: OperatorController }[] = [];

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const LAST = 'reloader.stakater.com/last-reloaded-from';

interface ContainerSpec {
  name: string;
  image?: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: unknown[];
  volumeMounts?: { name: string; mountPath: string }[];
}

interface WorkloadSpec {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  podAnnotations?: Record<string, string>;
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: unknown[];
}

function workload(type: ResourceType, namespace: string, name: string, spec: WorkloadSpec): KubeObject {
  const labels = { app: name };
  const withImage = (cs: ContainerSpec[]) => cs.map((c) => ({ image: 'registry.example/app:1', ...c }));
  kube.store.create(type, namespace, {
    apiVersion: 'apps/v1',
    kind: type.kind,
    metadata: { name, ...(spec.annotations ? { annotations: spec.annotations } : {}), ...(spec.labels ? { labels: spec.labels } : {}) },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, ...(spec.podAnnotations ? { annotations: spec.podAnnotations } : {}) },
        spec: {
          containers: withImage(spec.containers),
          ...(spec.initContainers ? { initContainers: withImage(spec.initContainers) } : {}),
          ...(spec.volumes ? { volumes: spec.volumes } : {}),
        },
      },
    },
  });
  // As the test server's workload controller left it (status settled).
  return get(type, namespace, name);
}

function get(type: ResourceType, namespace: string, name: string): KubeObject {
  return kube.store.get(type, namespace, name);
}

interface Template {
  metadata?: { annotations?: Record<string, string> };
  spec: { containers: ContainerSpec[] };
}
const template = (obj: KubeObject): Template => (obj['spec'] as { template: Template }).template;
const envOf = (obj: KubeObject, container = 0) => template(obj).spec.containers[container]?.env;
const stakater = (obj: KubeObject, name: string, container = 0) => envOf(obj, container)?.find((e) => e.name === name)?.value;

function putSecret(namespace: string, name: string, data: Record<string, string>, meta: { annotations?: Record<string, string>; labels?: Record<string, string> } = {}): KubeObject {
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name, ...meta }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
  const existing = kube.store.tryGet(secretsType, namespace, name);
  if (existing === undefined) return kube.store.create(secretsType, namespace, body);
  return kube.store.update(secretsType, namespace, name, { ...body, metadata: { ...existing.metadata, ...meta, name } });
}

function putConfigMap(namespace: string, name: string, data: Record<string, string>): KubeObject {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
  const existing = kube.store.tryGet(configMapsType, namespace, name);
  if (existing === undefined) return kube.store.create(configMapsType, namespace, body);
  return kube.store.update(configMapsType, namespace, name, { ...body, metadata: existing.metadata });
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function startController(namespace: string, options: ReloaderOptions, scope: 'namespace' | 'cluster' = 'namespace'): Promise<TestOperatorContext> {
  // One worker keeps the queue FIFO, so a later "probe" change proves earlier ones were seen.
  const ctx = createTestOperatorContext(kube, { concurrency: 1, ...(scope === 'namespace' ? { namespace } : {}) });
  const controller = createReloaderController(options);
  await controller.start(ctx);
  running.push({ ctx, controller });
  return ctx;
}

/** Changes a probe Secret that an annotated Deployment uses and waits for its reload: everything queued before it is done. */
async function barrier(namespace: string): Promise<void> {
  const name = 'probe';
  if (kube.store.tryGet(deploymentsType, namespace, name) === undefined) {
    putSecret(namespace, name, { v: '0' });
    workload(deploymentsType, namespace, name, { annotations: { 'reloader.stakater.com/auto': 'true' }, containers: [{ name: 'app', envFrom: [{ secretRef: { name } }] }] });
  }
  const before = get(deploymentsType, namespace, name).metadata.generation;
  putSecret(namespace, name, { v: String(Date.now()) + Math.random() });
  await waitFor('the probe reload', () => get(deploymentsType, namespace, name).metadata.generation !== before);
}

beforeAll(async () => {
  kube = await startKubeTestServer();
  // Workloads labelled rollout=manual keep their status, so a test can fail their rollout.
  registerAppsResources(kube, { rollout: (obj) => obj.metadata.labels?.['rollout'] !== 'manual' });
  for (const ns of ['ev', 'an', 'life', 'other', 'sel-on', 'sel-off', 'sel-ignored']) {
    kube.createNamespace(ns, ns === 'sel-on' || ns === 'sel-ignored' ? { reload: 'enabled' } : {});
  }
  await startController('ev', {});
  await startController('an', { reloadStrategy: 'annotations' });
  await startController('life', { reloadOnCreate: true, reloadOnDelete: true, autoReloadAll: true });
  await startController('sel', { namespaceSelector: ['reload:enabled'], namespacesToIgnore: ['sel-ignored'] }, 'cluster');
});

afterAll(async () => {
  for (const { ctx, controller } of running) {
    await controller.stop();
    ctx.close();
  }
  await kube.close();
});

describe('env-vars strategy', () => {
  it('rolls an annotated Deployment when its Secret’s data changes, with Reloader’s env var, hash and event', async () => {
    putSecret('ev', 'db-creds', { password: 'p1' });
    const created = workload(deploymentsType, 'ev', 'api', {
      annotations: { 'reloader.stakater.com/auto': 'true' },
      containers: [{ name: 'app', envFrom: [{ secretRef: { name: 'db-creds' } }] }, { name: 'sidecar' }],
    });
    putSecret('ev', 'db-creds', { password: 'p2', user: 'app' });
    const rolled = await waitFor('the reload', () => {
      const d = get(deploymentsType, 'ev', 'api');
      return stakater(d, 'STAKATER_DB_CREDS_SECRET') !== undefined ? d : undefined;
    });
    expect(stakater(rolled, 'STAKATER_DB_CREDS_SECRET')).toBe(sha1('password=p2;user=app'));
    expect(envOf(rolled, 1)).toBeUndefined();
    expect(rolled.metadata.generation).toBe((created.metadata.generation ?? 0) + 1);
    expect(kube.requests.some((r) => r.method === 'PATCH' && r.path === '/apis/apps/v1/namespaces/ev/deployments/api')).toBe(true);
    expect(kube.requests.some((r) => r.method === 'PUT' && r.path.startsWith('/apis/apps/v1/'))).toBe(false);
    const ctx = running[0]?.ctx;
    await waitFor('the Reloaded event', () => ctx?.recorded.find((e) => e.key === 'ev/api' && e.reason === 'Reloaded'));
    expect(ctx?.recorded.find((e) => e.key === 'ev/api')?.message).toBe(
      "Changes detected in 'db-creds' of type 'SECRET' in namespace 'ev', Updated 'api' of type 'Deployment' in namespace 'ev'",
    );

    // A second change replaces the value rather than adding a variable.
    putSecret('ev', 'db-creds', { password: 'p3', user: 'app' });
    await waitFor('the second reload', () => stakater(get(deploymentsType, 'ev', 'api'), 'STAKATER_DB_CREDS_SECRET') === sha1('password=p3;user=app'));
    expect(envOf(get(deploymentsType, 'ev', 'api'))?.filter((e) => e.name === 'STAKATER_DB_CREDS_SECRET')).toHaveLength(1);
  });

  it('rolls a StatefulSet named in secret.reloader.stakater.com/reload and a DaemonSet mounting the Secret', async () => {
    putSecret('ev', 'tls', { 'tls.crt': 'a' });
    workload(statefulSetsType, 'ev', 'db', { annotations: { 'secret.reloader.stakater.com/reload': 'other,tls' }, containers: [{ name: 'db' }, { name: 'exporter' }] });
    workload(daemonSetsType, 'ev', 'agent', {
      annotations: { 'secret.reloader.stakater.com/auto': 'true' },
      containers: [{ name: 'agent' }, { name: 'proxy', volumeMounts: [{ name: 'certs', mountPath: '/certs' }] }],
      volumes: [{ name: 'certs', projected: { sources: [{ secret: { name: 'tls' } }] } }],
    });
    putSecret('ev', 'tls', { 'tls.crt': 'b' });
    const hash = sha1('tls.crt=b');
    // An explicit reload list falls back to the first container; auto picks the one mounting it.
    await waitFor('the StatefulSet reload', () => stakater(get(statefulSetsType, 'ev', 'db'), 'STAKATER_TLS_SECRET') === hash);
    await waitFor('the DaemonSet reload', () => stakater(get(daemonSetsType, 'ev', 'agent'), 'STAKATER_TLS_SECRET', 1) === hash);
    expect(envOf(get(statefulSetsType, 'ev', 'db'), 1)).toBeUndefined();
    expect(envOf(get(daemonSetsType, 'ev', 'agent'), 0)).toBeUndefined();
  });

  it('leaves workloads alone on metadata-only changes, without annotations, when ignored, excluded or unreferenced', async () => {
    putSecret('ev', 'shared', { k: 'v1' });
    const ref = [{ name: 'app', envFrom: [{ secretRef: { name: 'shared' } }] }];
    const plain = workload(deploymentsType, 'ev', 'plain', { containers: ref });
    const excluded = workload(deploymentsType, 'ev', 'excluded', { annotations: { 'reloader.stakater.com/auto': 'true', 'secrets.exclude.reloader.stakater.com/reload': 'x, shared' }, containers: ref });
    const unreferenced = workload(deploymentsType, 'ev', 'unreferenced', { annotations: { 'reloader.stakater.com/auto': 'true' }, containers: [{ name: 'app' }] });
    const watcher = workload(deploymentsType, 'ev', 'watcher', { annotations: { 'reloader.stakater.com/auto': 'true' }, containers: ref });
    await barrier('ev');
    const ctx = running[0]?.ctx;
    const reconcilesBefore = ctx?.reconciles.get('secrets/ev/shared') ?? 0;

    // Labels and annotations only: not even queued.
    putSecret('ev', 'shared', { k: 'v1' }, { labels: { team: 'a' }, annotations: { note: 'x' } });
    await barrier('ev');
    expect(ctx?.reconciles.get('secrets/ev/shared') ?? 0).toBe(reconcilesBefore);
    expect(get(deploymentsType, 'ev', 'watcher').metadata.resourceVersion).toBe(watcher.metadata.resourceVersion);

    // The ignore annotation on the Secret: a data change does nothing.
    putSecret('ev', 'shared', { k: 'v2' }, { annotations: { 'reloader.stakater.com/ignore': 'true' } });
    await barrier('ev');
    expect(get(deploymentsType, 'ev', 'watcher').metadata.resourceVersion).toBe(watcher.metadata.resourceVersion);

    // Without it, only the opted-in, referencing, non-excluded workload rolls.
    putSecret('ev', 'shared', { k: 'v3' }, { annotations: { 'reloader.stakater.com/ignore': 'false' } });
    await waitFor('the watcher reload', () => stakater(get(deploymentsType, 'ev', 'watcher'), 'STAKATER_SHARED_SECRET') === sha1('k=v3'));
    await barrier('ev');
    for (const w of [plain, excluded, unreferenced]) {
      expect(get(deploymentsType, 'ev', w.metadata.name ?? '').metadata.resourceVersion).toBe(w.metadata.resourceVersion);
    }
  });

  it('reads annotations from the pod template and matches search/match', async () => {
    putSecret('ev', 'searched', { k: '1' }, { annotations: { 'reloader.stakater.com/match': 'true' } });
    putSecret('ev', 'unmatched', { k: '1' });
    const ref = (name: string) => [{ name: 'app', env: [{ name: 'K', valueFrom: { secretKeyRef: { name, key: 'k' } } }] }];
    workload(deploymentsType, 'ev', 'pod-annotated', { podAnnotations: { 'reloader.stakater.com/auto': 'true' }, containers: ref('searched') });
    workload(deploymentsType, 'ev', 'searcher', { annotations: { 'reloader.stakater.com/search': 'true' }, containers: [...ref('searched'), { name: 'b', envFrom: [{ secretRef: { name: 'unmatched' } }] }] });
    putSecret('ev', 'searched', { k: '2' }, { annotations: { 'reloader.stakater.com/match': 'true' } });
    putSecret('ev', 'unmatched', { k: '2' });
    await waitFor('the pod-annotated reload', () => stakater(get(deploymentsType, 'ev', 'pod-annotated'), 'STAKATER_SEARCHED_SECRET') === sha1('k=2'));
    await waitFor('the search reload', () => stakater(get(deploymentsType, 'ev', 'searcher'), 'STAKATER_SEARCHED_SECRET') === sha1('k=2'));
    await barrier('ev');
    expect(stakater(get(deploymentsType, 'ev', 'searcher'), 'STAKATER_UNMATCHED_SECRET', 1)).toBeUndefined();
  });

  it('does not roll again what Reloader already rolled for the same data (SHA-1 or SHA-512/256)', async () => {
    putSecret('ev', 'switch', { k: 'old' });
    const ref = [{ name: 'app', envFrom: [{ secretRef: { name: 'switch' } }] }];
    const sha512 = createHash('sha512-256').update('k=new').digest('hex');
    const a = workload(deploymentsType, 'ev', 'by-reloader-1', { annotations: { 'reloader.stakater.com/auto': 'true' }, containers: [{ ...ref[0], name: 'app', env: [{ name: 'STAKATER_SWITCH_SECRET', value: sha1('k=new') }] }] });
    const b = workload(deploymentsType, 'ev', 'by-reloader-2', { annotations: { 'reloader.stakater.com/auto': 'true' }, containers: [{ ...ref[0], name: 'app', env: [{ name: 'STAKATER_SWITCH_SECRET', value: sha512 }] }] });
    workload(deploymentsType, 'ev', 'not-yet', { annotations: { 'reloader.stakater.com/auto': 'true' }, containers: ref });
    putSecret('ev', 'switch', { k: 'new' });
    await waitFor('the other reload', () => stakater(get(deploymentsType, 'ev', 'not-yet'), 'STAKATER_SWITCH_SECRET') === sha1('k=new'));
    await barrier('ev');
    expect(get(deploymentsType, 'ev', 'by-reloader-1').metadata.resourceVersion).toBe(a.metadata.resourceVersion);
    expect(get(deploymentsType, 'ev', 'by-reloader-2').metadata.resourceVersion).toBe(b.metadata.resourceVersion);
  });

  it('retries a conflicting write and reports a failed rollout as a ReloadFail Warning', async () => {
    putSecret('ev', 'rollout', { k: '1' });
    workload(deploymentsType, 'ev', 'fragile', { labels: { rollout: 'manual' }, annotations: { 'reloader.stakater.com/auto': 'true' }, containers: [{ name: 'app', envFrom: [{ secretRef: { name: 'rollout' } }] }] });
    let conflicts = 0;
    kube.injectFault(({ method, path }) => {
      if (method !== 'PATCH' || path !== '/apis/apps/v1/namespaces/ev/deployments/fragile' || conflicts > 0) return undefined;
      conflicts++;
      return { status: 409, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409, message: 'Operation cannot be fulfilled on deployments.apps "fragile": the object has been modified' } };
    });
    try {
      putSecret('ev', 'rollout', { k: '2' });
      await waitFor('the reload after a conflict', () => stakater(get(deploymentsType, 'ev', 'fragile'), 'STAKATER_ROLLOUT_SECRET') === sha1('k=2'));
    } finally {
      kube.injectFault(undefined);
    }
    expect(conflicts).toBe(1);
    const ctx = running[0]?.ctx;
    expect(ctx?.recorded.filter((e) => e.key === 'ev/fragile' && e.reason === 'ReloadFail')).toEqual([]);

    failRollout(kube, 'ev', 'fragile', 'ReplicaSet "fragile-5d4f" has timed out progressing.');
    const warning = await waitFor('the rollout failure event', () => ctx?.recorded.find((e) => e.key === 'ev/fragile' && e.reason === 'ReloadFail'));
    expect(warning.type).toBe('Warning');
    expect(warning.message).toBe(
      "Rollout of 'fragile' of type 'Deployment' in namespace 'ev' after changes in 'rollout' of type 'SECRET' failed: ProgressDeadlineExceeded: ReplicaSet \"fragile-5d4f\" has timed out progressing.",
    );
    // A Deployment that rolled out (settled by the test server) gets no such warning.
    expect(ctx?.recorded.filter((e) => e.key === 'ev/api' && e.type === 'Warning')).toEqual([]);
  });
});

describe('annotations strategy', () => {
  it('writes reloader.stakater.com/last-reloaded-from on the pod template, for Secrets and ConfigMaps', async () => {
    putSecret('an', 'db-creds', { password: 'p1' });
    putConfigMap('an', 'settings', { 'app.yaml': 'a: 1' });
    workload(deploymentsType, 'an', 'api', {
      annotations: { 'reloader.stakater.com/auto': 'true' },
      containers: [{ name: 'init-free' }, { name: 'app', envFrom: [{ secretRef: { name: 'db-creds' } }] }],
    });
    workload(deploymentsType, 'an', 'web', { annotations: { 'configmap.reloader.stakater.com/reload': 'settings' }, containers: [{ name: 'web' }, { name: 'other' }] });
    const before = Math.floor(Date.now() / 1000);
    putSecret('an', 'db-creds', { password: 'p2' });
    const rolled = await waitFor('the annotation', () => template(get(deploymentsType, 'an', 'api')).metadata?.annotations?.[LAST]);
    const parsed = JSON.parse(rolled) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['type', 'name', 'namespace', 'hash', 'containerRefs', 'observedAt']);
    expect(parsed).toMatchObject({ type: 'SECRET', name: 'db-creds', namespace: 'an', hash: sha1('password=p2'), containerRefs: ['app'] });
    expect(parsed['observedAt']).toBeGreaterThanOrEqual(before);
    expect(envOf(get(deploymentsType, 'an', 'api'), 1)?.some((e) => e.name.startsWith('STAKATER_'))).toBeFalsy();

    // An explicit reload list needs no reference: the first container is recorded.
    putConfigMap('an', 'settings', { 'app.yaml': 'a: 2' });
    const value = await waitFor('the ConfigMap annotation', () => template(get(deploymentsType, 'an', 'web')).metadata?.annotations?.[LAST]);
    expect(JSON.parse(value)).toMatchObject({ type: 'CONFIGMAP', name: 'settings', namespace: 'an', hash: sha1('app.yaml=a: 2'), containerRefs: ['web'] });
  });
});

describe('namespace scoping and lifecycle options', () => {
  it('never touches namespaces outside --namespace, ignored namespaces or unselected ones', async () => {
    for (const ns of ['other', 'sel-off', 'sel-ignored', 'sel-on']) {
      putSecret(ns, 'db-creds', { k: '1' });
      workload(deploymentsType, ns, 'api', { annotations: { 'reloader.stakater.com/auto': 'true' }, containers: [{ name: 'app', envFrom: [{ secretRef: { name: 'db-creds' } }] }] });
    }
    const before = Object.fromEntries(['other', 'sel-off', 'sel-ignored'].map((ns) => [ns, get(deploymentsType, ns, 'api').metadata.resourceVersion]));
    for (const ns of ['other', 'sel-off', 'sel-ignored', 'sel-on']) putSecret(ns, 'db-creds', { k: '2' });
    // The selector controller handles sel-on; once it has, the earlier events were seen too.
    await waitFor('the selected namespace reload', () => stakater(get(deploymentsType, 'sel-on', 'api'), 'STAKATER_DB_CREDS_SECRET') === sha1('k=2'));
    await barrier('ev');
    await barrier('an');
    for (const [ns, rv] of Object.entries(before)) expect(get(deploymentsType, ns, 'api').metadata.resourceVersion).toBe(rv);
  });

  it('reloads on create and delete, and reloads unannotated workloads with auto-reload-all', async () => {
    const ref = [{ name: 'app', envFrom: [{ secretRef: { name: 'late' } }] }];
    workload(deploymentsType, 'life', 'all', { containers: ref });
    const optedOut = workload(deploymentsType, 'life', 'opted-out', { annotations: { 'reloader.stakater.com/auto': 'false' }, containers: ref });
    putSecret('life', 'late', { k: 'v' });
    await waitFor('the reload on create', () => stakater(get(deploymentsType, 'life', 'all'), 'STAKATER_LATE_SECRET') === sha1('k=v'));
    kube.store.delete(secretsType, 'life', 'late');
    await waitFor('the reload on delete', () => envOf(get(deploymentsType, 'life', 'all'))?.length === 0);
    expect(get(deploymentsType, 'life', 'opted-out').metadata.resourceVersion).toBe(optedOut.metadata.resourceVersion);
  });
});

describe('the test server’s apps/v1 workloads', () => {
  const base = (labels: Record<string, string>, selector?: unknown): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: { ...(selector !== undefined ? { selector } : {}), template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  });
  const refusal = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      if (err instanceof KubeStatusError) return `${err.status.code} ${err.status.message}`;
      throw err;
    }
    return 'accepted';
  };

  it('refuses a missing or mismatched selector and bumps generation only on spec changes', () => {
    expect(refusal(() => kube.store.create(deploymentsType, 'other', base({ app: 'x' })))).toMatch(/^422 .*spec\.selector: Required value/);
    expect(refusal(() => kube.store.create(deploymentsType, 'other', base({ app: 'y' }, { matchLabels: { app: 'x' } })))).toMatch(/^422 .*`selector` does not match template `labels`/);
    const created = kube.store.create(deploymentsType, 'other', base({ app: 'x' }, { matchLabels: { app: 'x' } }));
    expect(created.metadata.generation).toBe(1);
    const settled = get(deploymentsType, 'other', 'x');
    expect((settled['status'] as { observedGeneration: number }).observedGeneration).toBe(1);
    const relabelled = kube.store.update(deploymentsType, 'other', 'x', { ...settled, metadata: { ...settled.metadata, labels: { a: 'b' } } });
    expect(relabelled.metadata.generation).toBe(1);
    const spec = settled['spec'] as { replicas: number };
    const scaled = kube.store.update(deploymentsType, 'other', 'x', { ...relabelled, spec: { ...spec, replicas: 3 } });
    expect(scaled.metadata.generation).toBe(2);
    expect(refusal(() => kube.store.update(deploymentsType, 'other', 'x', { ...get(deploymentsType, 'other', 'x'), spec: { ...spec, selector: { matchLabels: { app: 'z' } } } }))).toMatch(/^422 /);
  });
});
