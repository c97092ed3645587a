/**
 * Reloading the workloads of one changed Secret/ConfigMap (Reloader's `PerformAction` /
 * `upgradeResource`): every Deployment, StatefulSet and DaemonSet of its namespace that opts in
 * (`ShouldReload`) gets the new hash, as the `STAKATER_<NAME>_<TYPE>` env var of the chosen
 * container (`env-vars`) or as the pod-template annotation `reloader.stakater.com/last-reloaded-from`
 * (`annotations`) — a pod-template change, so Kubernetes rolls the pods.
 *
 * Writes are PATCHes carrying the resourceVersion they were computed from, so a concurrent
 * change answers 409 and the workload is re-read and re-evaluated (Reloader's
 * `retryOnConflict`). A workload that already records the current hash is left alone, which
 * makes the reconcile idempotent: a retry, or Reloader itself still running during a switch,
 * never causes a second rollout for the same data.
 */
import type { Logger } from '../../../shared/logger.js';
import { KubeRequestError, type EventRecorder, type KubeClient, type KubeObject, type Reconciler, type ResourceRef } from '../../runtime/types.js';
import { HASH_ALGORITHMS, configMapHash, emptyHash, secretHash, type ReloaderHashAlgorithm } from './hash.js';
import { containerUsingSource, envVarName, lastReloadedFrom, recordedHash, shouldReload, sourceType, type PodTemplate, type ReloadSource, type SourceKind } from './match.js';
import { LAST_RELOADED_FROM_ANNOTATION, type ResolvedReloaderOptions } from './options.js';

export const SECRETS: ResourceRef = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
export const CONFIGMAPS: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
export const NAMESPACES: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
export const DEPLOYMENTS: ResourceRef = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };
export const STATEFULSETS: ResourceRef = { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true };
export const DAEMONSETS: ResourceRef = { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true };
export const WORKLOAD_RESOURCES: readonly ResourceRef[] = [DEPLOYMENTS, STATEFULSETS, DAEMONSETS];

/** Reloader's event reasons (`upgrade.go`). */
export const REASON_RELOADED = 'Reloaded';
export const REASON_RELOAD_FAIL = 'ReloadFail';

/** `retry.DefaultRetry`: 5 attempts. */
const MAX_ATTEMPTS = 5;

export interface SourceObject extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface WorkloadObject extends KubeObject {
  spec?: { template?: PodTemplate; [field: string]: unknown };
  status?: Record<string, unknown>;
}

/** The queue key of a source: `secrets/<ns>/<name>` or `configmaps/<ns>/<name>`. */
export function sourceKey(kind: SourceKind, namespace: string, name: string): string {
  return `${kind === 'Secret' ? 'secrets' : 'configmaps'}/${namespace}/${name}`;
}

export function parseSourceKey(key: string): { kind: SourceKind; namespace: string; name: string } | undefined {
  const [plural, namespace, name, ...rest] = key.split('/');
  if (rest.length > 0 || namespace === undefined || name === undefined) return undefined;
  if (plural === 'secrets') return { kind: 'Secret', namespace, name };
  if (plural === 'configmaps') return { kind: 'ConfigMap', namespace, name };
  return undefined;
}

/** The data hash of a Secret or ConfigMap under `algorithm`. */
export function sourceHash(kind: SourceKind, obj: SourceObject, algorithm: ReloaderHashAlgorithm): string {
  return kind === 'Secret' ? secretHash(obj.data, algorithm) : configMapHash(obj.data, obj.binaryData, algorithm);
}

export interface ReloadedWorkload {
  ref: ResourceRef;
  workload: WorkloadObject;
  source: ReloadSource;
}

export interface ReloadMetrics {
  /** `reloader_reload_executed_total{success}`. */
  reloadExecuted(success: boolean): void;
}

export interface ReloaderReconcilerDeps {
  client: KubeClient;
  events: EventRecorder;
  logger: Logger;
  options: ResolvedReloaderOptions;
  /** The cached Secret/ConfigMap, or undefined when it is gone. */
  getSource(kind: SourceKind, namespace: string, name: string): SourceObject | undefined;
  /** The last state of deleted sources by key (for `reloadOnDelete`); the reconcile clears an entry once handled. */
  tombstones: Map<string, SourceObject>;
  /** Whether the namespace is watched (`namespacesToIgnore`, `namespaceSelector`). */
  namespaceSelected(namespace: string): boolean;
  metrics: ReloadMetrics;
  /** Called after a successful write (rollout tracking). */
  onReloaded?(reloaded: ReloadedWorkload): void;
  /** Unix seconds for `observedAt` (tests). */
  now?: () => number;
}

type Plan = { kind: 'skip' } | { kind: 'patch'; patch: unknown; type: 'merge' | 'json' };

function asWorkload(ref: ResourceRef, obj: WorkloadObject): WorkloadObject {
  // List items may come without kind/apiVersion; Events need them.
  return { ...obj, apiVersion: ref.group === '' ? ref.version : `${ref.group}/${ref.version}`, kind: ref.kind };
}

export function createReloaderReconciler(deps: ReloaderReconcilerDeps): Reconciler {
  const { client, events, logger, options } = deps;
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));

  /** What to write to `workload` for `source` whose data now hashes to `hash` (undefined = deleted). */
  function plan(workload: WorkloadObject, source: ReloadSource, hash: string | undefined, accepted: ReadonlySet<string>): Plan {
    const decision = shouldReload(source, workload.metadata.annotations, workload.spec?.template?.metadata?.annotations, options.annotations, options.autoReloadAll);
    if (!decision.shouldReload) return { kind: 'skip' };
    const template = workload.spec?.template ?? {};
    const index = containerUsingSource(template, source, decision.autoReload);
    const containers = template.spec?.containers ?? [];
    const container = index === undefined ? undefined : containers[index];
    if (index === undefined || container === undefined) return { kind: 'skip' };
    const rv = workload.metadata.resourceVersion ?? '';

    if (options.reloadStrategy === 'annotations') {
      const current = recordedHash(template.metadata?.annotations?.[LAST_RELOADED_FROM_ANNOTATION], source);
      if (current !== undefined && accepted.has(current)) return { kind: 'skip' };
      const value = lastReloadedFrom(source, hash ?? emptyHash(options.hashAlgorithm), [container.name], now());
      return { kind: 'patch', type: 'merge', patch: { metadata: { resourceVersion: rv }, spec: { template: { metadata: { annotations: { [LAST_RELOADED_FROM_ANNOTATION]: value } } } } } };
    }

    const name = envVarName(source);
    // The resourceVersion makes the index-based JSON patch safe: a concurrent change is a 409.
    const guard = { op: 'replace', path: '/metadata/resourceVersion', value: rv };
    if (hash === undefined) {
      // `removeContainerEnvVars`: the first container carrying the variable loses it.
      for (const [ci, c] of containers.entries()) {
        const ei = (c.env ?? []).findIndex((e) => e.name === name);
        if (ei >= 0) return { kind: 'patch', type: 'json', patch: [guard, { op: 'remove', path: `/spec/template/spec/containers/${ci}/env/${ei}` }] };
      }
      return { kind: 'skip' };
    }
    const env = container.env;
    const ei = (env ?? []).findIndex((e) => e.name === name);
    const base = `/spec/template/spec/containers/${index}/env`;
    if (ei >= 0) {
      const existing = env?.[ei];
      if (existing?.value !== undefined && accepted.has(existing.value)) return { kind: 'skip' };
      return { kind: 'patch', type: 'json', patch: [guard, { op: 'replace', path: `${base}/${ei}`, value: { name, value: hash } }] };
    }
    const op = env === undefined ? { op: 'add', path: base, value: [{ name, value: hash }] } : { op: 'add', path: `${base}/-`, value: { name, value: hash } };
    return { kind: 'patch', type: 'json', patch: [guard, op] };
  }

  async function reloadWorkload(ref: ResourceRef, cached: WorkloadObject, source: ReloadSource, hash: string | undefined, accepted: ReadonlySet<string>): Promise<void> {
    let workload = cached;
    const name = workload.metadata.name;
    const type = sourceType(source.kind);
    for (let attempt = 1; ; attempt++) {
      const p = plan(workload, source, hash, accepted);
      if (p.kind === 'skip') return;
      try {
        const updated = await client.patch<WorkloadObject>(ref, source.namespace, name, p.patch, p.type);
        deps.metrics.reloadExecuted(true);
        events.event(
          asWorkload(ref, updated),
          'Normal',
          REASON_RELOADED,
          `Changes detected in '${source.name}' of type '${type}' in namespace '${source.namespace}', Updated '${name}' of type '${ref.kind}' in namespace '${source.namespace}'`,
        );
        logger.info({ source: `${type}/${source.namespace}/${source.name}`, workload: `${ref.kind}/${name}` }, 'reloaded workload');
        deps.onReloaded?.({ ref, workload: updated, source });
        return;
      } catch (err) {
        if (err instanceof KubeRequestError && err.status === 404) return;
        if (err instanceof KubeRequestError && err.status === 409 && attempt < MAX_ATTEMPTS) {
          const fresh = await client.get<WorkloadObject>(ref, source.namespace, name);
          if (fresh === null) return;
          workload = fresh;
          continue;
        }
        const why = err instanceof Error ? err.message : String(err);
        deps.metrics.reloadExecuted(false);
        events.event(asWorkload(ref, workload), 'Warning', REASON_RELOAD_FAIL, `Update for '${name}' of type '${ref.kind}' in namespace '${source.namespace}' failed with error ${why}`);
        throw err;
      }
    }
  }

  return {
    async reconcile(key: string) {
      const parsed = parseSourceKey(key);
      if (parsed === undefined) {
        logger.warn({ object: key }, 'ignoring malformed reloader key');
        return;
      }
      const { kind, namespace, name } = parsed;
      if (!deps.namespaceSelected(namespace)) return;
      let obj = deps.getSource(kind, namespace, name);
      let deleted = false;
      if (obj === undefined) {
        const tombstone = deps.tombstones.get(key);
        if (!options.reloadOnDelete || tombstone === undefined) return;
        obj = tombstone;
        deleted = true;
      } else {
        // A tombstone left by an earlier delete is stale once the object exists again.
        deps.tombstones.delete(key);
      }
      const source: ReloadSource = { kind, namespace, name, annotations: obj.metadata.annotations ?? {} };
      // Any algorithm's hash of the current data counts as "already reloaded": Reloader may
      // have written it (older or newer release) before Coffer took over.
      const accepted = new Set(HASH_ALGORITHMS.map((a) => (deleted ? emptyHash(a) : sourceHash(kind, obj, a))));
      const hash = deleted ? undefined : sourceHash(kind, obj, options.hashAlgorithm);
      const failures: unknown[] = [];
      for (const ref of WORKLOAD_RESOURCES) {
        // A live list, as Reloader's ItemsFunc: a workload created a moment before the change
        // may not have reached a watch cache yet, and missing it would skip its rollout.
        const { items } = await client.list<WorkloadObject>(ref, { namespace });
        for (const workload of items) {
          try {
            await reloadWorkload(ref, workload, source, hash, accepted);
          } catch (err) {
            failures.push(err);
          }
        }
      }
      // One failing workload must not hold back the others; the key is retried for the rest.
      if (failures.length > 0) throw failures[0];
      if (deleted) deps.tombstones.delete(key);
    },
  };
}
