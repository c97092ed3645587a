/**
 * The reload controller (Stakater Reloader's behaviour, built in): informers on Secrets and
 * ConfigMaps feed a queue of `secrets/<ns>/<name>` / `configmaps/<ns>/<name>` keys; a key is
 * queued only when the object's data hash changed (labels, annotations or resourceVersion alone
 * do not count), on create with `reloadOnCreate` and on delete with `reloadOnDelete`. The
 * reconcile (reconcile.ts) lists the namespace's Deployments, StatefulSets and DaemonSets and
 * patches the opted-in ones.
 *
 * A Deployment we patched is watched until its rollout settles: `Progressing=False` with reason
 * `ProgressDeadlineExceeded` at (or after) our generation is reported as a `ReloadFail`
 * Warning Event on the Deployment. StatefulSets and DaemonSets have no progress deadline.
 */
import { Counter, type Registry } from 'prom-client';
import { objectKey, type Informer, type OperatorContext, type OperatorController, type ResourceRef, type WorkQueue } from '../../runtime/types.js';
import type { SourceKind } from './match.js';
import { resolveReloaderOptions, type ReloaderOptions } from './options.js';
import {
  CONFIGMAPS,
  DEPLOYMENTS,
  NAMESPACES,
  REASON_RELOAD_FAIL,
  SECRETS,
  createReloaderReconciler,
  sourceHash,
  sourceKey,
  type ReloadMetrics,
  type SourceObject,
  type WorkloadObject,
} from './reconcile.js';

export const RELOADER_CONTROLLER_NAME = 'reloader';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface PendingRollout {
  generation: number;
  source: string;
}

/** `reloader_reload_executed_total{success}` under Reloader's name, reused across leadership terms. */
function reloadMetrics(registry: Registry): ReloadMetrics {
  const name = 'reloader_reload_executed_total';
  const counter =
    (registry.getSingleMetric(name) as Counter<'success'> | undefined) ??
    new Counter({ name, help: 'Counter of reloads executed by Reloader.', labelNames: ['success'], registers: [registry] });
  counter.inc({ success: 'true' }, 0);
  counter.inc({ success: 'false' }, 0);
  return { reloadExecuted: (success) => counter.inc({ success: String(success) }) };
}

/** The rollout verdict of a Deployment status for a change at `generation`. */
export function rolloutState(deployment: WorkloadObject, generation: number): 'pending' | 'failed' | 'complete' {
  const status = deployment.status ?? {};
  const observed = typeof status['observedGeneration'] === 'number' ? status['observedGeneration'] : 0;
  if (observed < generation) return 'pending';
  const conditions = Array.isArray(status['conditions']) ? (status['conditions'] as Condition[]) : [];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') return 'failed';
  if (progressing?.status === 'True' && progressing.reason === 'NewReplicaSetAvailable') return 'complete';
  return 'pending';
}

export function createReloaderController(options: ReloaderOptions = {}): OperatorController {
  // Validate now, so a bad flag fails `coffer operator run` before it starts leading.
  const resolved = resolveReloaderOptions(options);
  let queue: WorkQueue | undefined;
  let workers: Promise<void> | undefined;
  return {
    name: RELOADER_CONTROLLER_NAME,
    async start(ctx: OperatorContext) {
      const logger = ctx.logger.child({ controller: RELOADER_CONTROLLER_NAME });
      const q = ctx.newQueue(RELOADER_CONTROLLER_NAME);
      queue = q;
      const scope = ctx.namespace !== undefined ? { namespace: ctx.namespace } : {};
      const selector = resolved.resourceLabelSelector !== undefined ? { labelSelector: resolved.resourceLabelSelector } : {};
      let initialized = false;
      const tombstones = new Map<string, SourceObject>();
      const pending = new Map<string, PendingRollout>();

      const namespaces =
        resolved.namespaceSelector !== undefined ? ctx.informer<SourceObject>(NAMESPACES, { labelSelector: resolved.namespaceSelector }) : undefined;
      const namespaceSelected = (ns: string): boolean => !resolved.namespacesToIgnore.has(ns) && (namespaces === undefined || namespaces.get(undefined, ns) !== undefined);

      const sources = new Map<SourceKind, Informer<SourceObject>>();
      const watch = (kind: SourceKind, ref: ResourceRef): Informer<SourceObject> => {
        const informer = ctx.informer<SourceObject>(ref, { ...scope, ...selector });
        const enqueue = (obj: SourceObject): void => {
          const ns = obj.metadata.namespace ?? '';
          if (namespaceSelected(ns)) q.add(sourceKey(kind, ns, obj.metadata.name));
        };
        informer.on('add', (obj) => {
          if (resolved.reloadOnCreate && (initialized || resolved.syncAfterRestart)) enqueue(obj);
        });
        informer.on('update', (obj, old) => {
          // Only a data change reloads; SHA-1 suffices to tell (the written hash is chosen later).
          if (old === undefined || sourceHash(kind, obj, 'sha1') !== sourceHash(kind, old, 'sha1')) enqueue(obj);
        });
        informer.on('delete', (obj) => {
          if (!resolved.reloadOnDelete) return;
          tombstones.set(sourceKey(kind, obj.metadata.namespace ?? '', obj.metadata.name), obj);
          enqueue(obj);
        });
        sources.set(kind, informer);
        return informer;
      };
      const toStart: Informer<SourceObject>[] = [];
      if (resolved.watchSecrets) toStart.push(watch('Secret', SECRETS));
      if (resolved.watchConfigMaps) toStart.push(watch('ConfigMap', CONFIGMAPS));

      // Deployments are watched for rollout failures only; the reconcile lists workloads live.
      const deployments = ctx.informer<WorkloadObject>(DEPLOYMENTS, scope);
      const checkRollout = (deployment: WorkloadObject): void => {
        const key = objectKey(deployment);
        const p = pending.get(key);
        if (p === undefined) return;
        const state = rolloutState(deployment, p.generation);
        if (state === 'pending') return;
        pending.delete(key);
        if (state === 'complete') return;
        const cond = ((deployment.status?.['conditions'] as Condition[] | undefined) ?? []).find((c) => c.type === 'Progressing');
        ctx.events.event(
          { ...deployment, apiVersion: 'apps/v1', kind: 'Deployment' },
          'Warning',
          REASON_RELOAD_FAIL,
          `Rollout of '${deployment.metadata.name}' of type 'Deployment' in namespace '${deployment.metadata.namespace ?? ''}' after changes in ${p.source} failed: ProgressDeadlineExceeded${cond?.message ? `: ${cond.message}` : ''}`,
        );
        logger.warn({ workload: `Deployment/${key}`, source: p.source }, 'rollout after reload failed');
      };
      deployments.on('update', (obj) => checkRollout(obj));
      deployments.on('delete', (obj) => pending.delete(objectKey(obj)));

      await Promise.all([...toStart.map((i) => i.start()), deployments.start(), ...(namespaces ? [namespaces.start()] : [])]);
      initialized = true;

      const reconciler = createReloaderReconciler({
        client: ctx.client,
        events: ctx.events,
        logger,
        options: resolved,
        getSource: (kind, ns, name) => sources.get(kind)?.get(ns, name),
        tombstones,
        namespaceSelected,
        metrics: reloadMetrics(ctx.metrics),
        onReloaded: ({ ref, workload, source }) => {
          const generation = workload.metadata.generation;
          if (ref.plural !== DEPLOYMENTS.plural || generation === undefined) return;
          pending.set(objectKey(workload), { generation, source: `'${source.name}' of type '${source.kind === 'Secret' ? 'SECRET' : 'CONFIGMAP'}'` });
          // The status may already be final in the cache (fast controllers, tests).
          const cached = deployments.get(workload.metadata.namespace, workload.metadata.name);
          if (cached !== undefined && (cached.metadata.generation ?? 0) >= generation) checkRollout(cached);
        },
      });
      workers = ctx.runWorkers(RELOADER_CONTROLLER_NAME, q, reconciler, ctx.concurrency);
      workers.catch((err: unknown) => logger.error({ err: (err as Error).message }, 'reloader workers stopped'));
    },
    async stop() {
      queue?.shutDown();
      await workers?.catch(() => undefined);
      queue = undefined;
      workers = undefined;
    },
  };
}
