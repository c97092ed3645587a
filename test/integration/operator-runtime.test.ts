/**
 * The operator runtime against the in-process Kubernetes API server: informers over real
 * list+watch, a toy controller (copies a ConfigMap's data into `<name>-copy`) run by
 * `runOperator`, retries on 409, events, leader election between two operators, and the
 * probe/metrics listeners.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  InformerFactory,
  createKubeClient,
  kubeConfigFor,
  objectKey,
  runOperator,
  splitKey,
  type Informer,
  type KubeObject,
  type OperatorContext,
  type OperatorController,
  type ResourceRef,
  type RunningOperator,
  type WorkQueue,
} from '../../src/operator/runtime/index.js';
import { silentLogger } from '../../src/shared/logger.js';
import { start, type KubeTestServer } from '../support/kube/index.js';
import { registerOperatorResources } from '../support/kube/operator-resources.js';

const configMaps: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const COPY_SUFFIX = '-copy';

/** Copies `data` of every ConfigMap not named `*-copy` into `<name>-copy`; deletes the copy with it. */
class CopyController implements OperatorController {
  readonly name = 'configmap-copy';
  private queue: WorkQueue | undefined;
  private informer: Informer<KubeObject> | undefined;
  private workers: Promise<void> | undefined;
  reconciles = 0;
  stoppedCleanly = false;

  async start(ctx: OperatorContext): Promise<void> {
    const informer = ctx.informer<KubeObject>(configMaps, ctx.namespace !== undefined ? { namespace: ctx.namespace } : {});
    const queue = ctx.newQueue(this.name);
    const enqueue = (obj: KubeObject): void => {
      if (!obj.metadata.name.endsWith(COPY_SUFFIX)) queue.add(objectKey(obj));
    };
    informer.on('add', enqueue);
    informer.on('update', enqueue);
    informer.on('delete', enqueue);
    await informer.start();
    this.informer = informer;
    this.queue = queue;
    this.workers = ctx.runWorkers(this.name, queue, { reconcile: (key) => this.reconcile(ctx, informer, key) }, ctx.concurrency);
  }

  private async reconcile(ctx: OperatorContext, informer: Informer<KubeObject>, key: string): Promise<void> {
    this.reconciles++;
    const { namespace, name } = splitKey(key);
    const source = informer.get(namespace, name);
    const copyName = `${name}${COPY_SUFFIX}`;
    if (source === undefined) {
      await ctx.client.delete(configMaps, namespace, copyName);
      return;
    }
    const data = (source['data'] as Record<string, string> | undefined) ?? {};
    const existing = await ctx.client.get<KubeObject>(configMaps, namespace, copyName);
    if (existing === null) {
      await ctx.client.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: copyName, ...(namespace !== undefined ? { namespace } : {}) }, data });
    } else {
      // A PUT with the resourceVersion just read: 409 if someone wrote in between, and the runtime retries.
      await ctx.client.replace(configMaps, { ...existing, data });
    }
    ctx.events.event(source, 'Normal', 'Copied', `copied ${Object.keys(data).length} keys to ${copyName}`);
  }

  async stop(): Promise<void> {
    this.queue?.shutDown();
    await this.workers;
    this.informer?.stop();
    this.stoppedCleanly = true;
  }
}

/** Retries an assertion until it holds (generous: the suite may share the machine). */
function eventually<T>(check: () => T | Promise<T>): Promise<T> {
  return vi.waitFor(check, { timeout: 15_000, interval: 20 });
}

let kube: KubeTestServer;
const running: RunningOperator[] = [];

beforeEach(async () => {
  kube = await start({ bookmarkIntervalMs: 200 });
  registerOperatorResources(kube);
  kube.createNamespace('team-a');
});

afterEach(async () => {
  for (const op of running.splice(0)) await op.stop();
  await kube.close();
});

function kc() {
  return kubeConfigFor({ server: kube.url, caPem: kube.caPem, token: kube.adminToken });
}

async function operator(controllers: OperatorController[], extra: Partial<Parameters<typeof runOperator>[0]> = {}): Promise<RunningOperator> {
  const op = await runOperator({
    kubeconfig: kc(),
    concurrent: 2,
    metricsAddr: '127.0.0.1:0',
    liveAddr: '127.0.0.1:0',
    leaderElection: false,
    leaderElectionId: 'coffer-operator-test',
    controllers,
    logger: silentLogger(),
    ...extra,
  });
  running.push(op);
  return op;
}

function cm(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'team-a' }, data };
}

async function getData(name: string): Promise<Record<string, string> | undefined | null> {
  const obj = await createKubeClient(kc()).get<KubeObject>(configMaps, 'team-a', name);
  return obj === null ? null : (obj['data'] as Record<string, string> | undefined);
}

describe('informer against the API server', () => {
  it('sees creates, updates and deletes through list+watch', async () => {
    const client = createKubeClient(kc());
    await client.create(configMaps, cm('before', { a: '1' }));
    const factory = new InformerFactory(client, { logger: silentLogger() });
    const informer = factory.informer<KubeObject>(configMaps, { namespace: 'team-a' });
    const seen: string[] = [];
    informer.on('add', (o) => seen.push(`add ${o.metadata.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata.name} ${JSON.stringify(o['data'])}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata.name}`));
    await informer.start();
    expect(informer.get('team-a', 'before')?.['data']).toEqual({ a: '1' });

    const created = await client.create(configMaps, cm('during', { b: '2' }));
    await client.replace(configMaps, { ...created, data: { b: '3' } });
    await client.delete(configMaps, 'team-a', 'before');
    // Another namespace is outside this informer.
    await client.create(configMaps, { ...cm('elsewhere', {}), metadata: { name: 'elsewhere', namespace: 'default' } });
    await eventually(() => expect(seen).toContain('delete before'));
    factory.stopAll();
    expect(seen).toEqual(['add before', 'add during', 'update during {"b":"3"}', 'delete before']);
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['during']);
  });
});

describe('runOperator with a toy controller', () => {
  it('reconciles creates, updates and deletes, retries a 409, records events, and stops cleanly', async () => {
    const client = createKubeClient(kc());
    await client.create(configMaps, cm('settings', { colour: 'blue' }));
    const controller = new CopyController();
    const op = await operator([controller], { namespace: 'team-a' });
    expect(op.isLeader()).toBe(true);

    await eventually(() => expect(getData('settings-copy')).resolves.toEqual({ colour: 'blue' }));
    await eventually(() => expect(op.ready()).toBe(true));

    // The next PUT of the copy answers 409 once: the runtime must retry until it lands.
    let conflicts = 0;
    kube.injectFault(({ method, path }) => {
      if (method === 'PUT' && path.endsWith('/configmaps/settings-copy') && conflicts === 0) {
        conflicts++;
        return { status: 409, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409, message: 'Operation cannot be fulfilled on configmaps "settings-copy": the object has been modified' } };
      }
      return undefined;
    });
    const current = await client.get<KubeObject>(configMaps, 'team-a', 'settings');
    await client.replace(configMaps, { ...(current as KubeObject), data: { colour: 'green' } });
    await eventually(() => expect(getData('settings-copy')).resolves.toEqual({ colour: 'green' }));
    expect(conflicts).toBe(1);
    kube.injectFault(undefined);

    const metrics = await (await fetch(`${op.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/controller_runtime_reconcile_errors_total\{controller="configmap-copy"\} 1/);
    expect(metrics).toMatch(/workqueue_retries_total\{name="configmap-copy"\} 1/);

    await client.delete(configMaps, 'team-a', 'settings');
    await eventually(() => expect(getData('settings-copy')).resolves.toBeNull());

    // Events: one per distinct message, aggregated by count.
    const events = await client.list<KubeObject>({ group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true }, { namespace: 'team-a' });
    const copied = events.items.filter((e) => e['reason'] === 'Copied');
    expect(copied.length).toBeGreaterThan(0);
    for (const e of copied) {
      expect(e['involvedObject']).toMatchObject({ kind: 'ConfigMap', name: 'settings', namespace: 'team-a' });
      expect(e['source']).toMatchObject({ component: 'coffer-operator' });
      expect(e['type']).toBe('Normal');
    }

    await op.stop();
    await op.done;
    expect(controller.stoppedCleanly).toBe(true);
    expect(op.ready()).toBe(false);
    // Its listeners are gone.
    await expect(fetch(`${op.liveUrl}/healthz`)).rejects.toThrow();
  });

  it('aggregates a repeated event into one Event with a count', async () => {
    const client = createKubeClient(kc());
    await client.create(configMaps, cm('twice', { k: 'v' }));
    const controller = new CopyController();
    const op = await operator([controller], { namespace: 'team-a' });
    await eventually(() => expect(getData('twice-copy')).resolves.toEqual({ k: 'v' }));
    // Same data, same message: touch the source so it reconciles again.
    const source = await client.get<KubeObject>(configMaps, 'team-a', 'twice');
    await client.replace(configMaps, { ...(source as KubeObject), metadata: { ...(source as KubeObject).metadata, labels: { touched: 'yes' } } });
    const events = { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };
    await eventually(async () => {
      const list = await client.list<KubeObject>(events, { namespace: 'team-a' });
      const copied = list.items.filter((e) => e['reason'] === 'Copied');
      expect(copied.length).toBe(1);
      expect(copied[0]?.['count']).toBe(2);
    });
    await op.stop();
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const op = await operator([new CopyController()]);
    expect(op.liveUrl).toBeDefined();
    expect(op.metricsUrl).toBeDefined();
    expect(op.liveUrl).not.toBe(op.metricsUrl);
    const health = await fetch(`${op.liveUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');
    await eventually(async () => expect((await fetch(`${op.liveUrl}/readyz`)).status).toBe(200));
    const metrics = await fetch(`${op.metricsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await metrics.text();
    for (const name of ['controller_runtime_reconcile_total', 'controller_runtime_reconcile_errors_total', 'controller_runtime_reconcile_time_seconds', 'workqueue_depth', 'workqueue_adds_total', 'workqueue_retries_total']) {
      expect(body).toContain(`# TYPE ${name} `);
    }
    expect((await fetch(`${op.metricsUrl}/healthz`)).status).toBe(404);
    expect((await fetch(`${op.liveUrl}/nope`)).status).toBe(404);
  });

  it('fails to start with a clear error when a controller cannot start, closing its listeners', async () => {
    const broken: OperatorController = {
      name: 'broken',
      start: async () => {
        throw new Error('missing CRD');
      },
      stop: async () => undefined,
    };
    await expect(operator([broken])).rejects.toThrow('missing CRD');
  });
});

describe('leader election between two operators', () => {
  it('only one leads and reconciles; when it stops the other takes over', async () => {
    const client = createKubeClient(kc());
    await client.create(configMaps, cm('shared', { v: '1' }));
    const first = new CopyController();
    const second = new CopyController();
    const timings = { leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 100 };
    const a = await operator([first], { leaderElection: true, leaderElectionNamespace: 'kube-system', identity: 'op-a', ...timings });
    const b = await operator([second], { leaderElection: true, leaderElectionNamespace: 'kube-system', identity: 'op-b', ...timings });
    await eventually(() => expect([a.isLeader(), b.isLeader()].filter(Boolean).length).toBe(1));
    const [leader, standby, leaderCtl, standbyCtl] = a.isLeader() ? [a, b, first, second] : [b, a, second, first];
    await eventually(() => expect(getData('shared-copy')).resolves.toEqual({ v: '1' }));
    expect(standbyCtl.reconciles).toBe(0);
    // A standby is ready (it is healthy and waiting), as controller-runtime reports it.
    expect((await fetch(`${standby.liveUrl}/readyz`)).status).toBe(200);
    const lease = await client.get<KubeObject>({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true }, 'kube-system', 'coffer-operator-test');
    expect((lease?.['spec'] as { holderIdentity?: string }).holderIdentity).toBe(leader.identity);
    const leaderMetrics = await (await fetch(`${leader.metricsUrl}/metrics`)).text();
    expect(leaderMetrics).toMatch(/leader_election_master_status\{name="coffer-operator-test"\} 1/);

    await leader.stop();
    expect(leaderCtl.stoppedCleanly).toBe(true);
    await eventually(() => expect(standby.isLeader()).toBe(true));
    await client.create(configMaps, cm('later', { v: '2' }));
    await eventually(() => expect(getData('later-copy')).resolves.toEqual({ v: '2' }));
    expect(standbyCtl.reconciles).toBeGreaterThan(0);
  });
});
