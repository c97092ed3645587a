/**
 * `apps/v1` Deployments, StatefulSets and DaemonSets for the test server, with the part of
 * their registry strategies a client can trip over: `spec.selector` required, valid and
 * matching `spec.template.metadata.labels`, immutable after create; at least one container,
 * each with a name and an image; defaulting of `replicas`; `metadata.generation` bumped on spec
 * changes (by the store) and a `status` subresource. No pods are scheduled.
 *
 * `registerAppsResources(kube, { rollout: true })` (or a predicate) also plays the workload controllers'
 * bookkeeping: every new generation is observed at once (`status.observedGeneration`, replica
 * counts, Deployment conditions `Available` and `Progressing=True/NewReplicaSetAvailable`).
 * `failRollout` writes what the Deployment controller writes when `progressDeadlineSeconds`
 * passes (`Progressing=False`, reason `ProgressDeadlineExceeded`).
 *
 * ```ts
 * const kube = await start();
 * registerAppsResources(kube, { rollout: true });
 * kube.store.create(deploymentsType, 'team-a', deployment('api', { app: 'api' }, [{ name: 'app', image: 'x' }]));
 * ```
 */
import type { KubeTestServer } from './server.js';
import { kubeTime } from './store.js';
import { labelSelectorFromObject, matchLabels, type LabelSelectorObject } from './selectors.js';
import { statusErrors, type StatusCause } from './status.js';
import type { KubeObject, ResourceType } from './types.js';

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function checkContainers(field: string, value: unknown, required: boolean, causes: StatusCause[]): void {
  if (value === undefined && !required) return;
  if (!Array.isArray(value) || (required && value.length === 0)) {
    causes.push({ reason: 'FieldValueRequired', field, message: 'Required value' });
    return;
  }
  const names = new Set<string>();
  value.forEach((raw, i) => {
    const c = asRecord(raw);
    const name = c['name'];
    if (typeof name !== 'string' || name === '') causes.push({ reason: 'FieldValueRequired', field: `${field}[${i}].name`, message: 'Required value' });
    else if (names.has(name)) causes.push({ reason: 'FieldValueDuplicate', field: `${field}[${i}].name`, message: `Duplicate value: "${name}"` });
    else names.add(name);
    if (typeof c['image'] !== 'string' || c['image'] === '') causes.push({ reason: 'FieldValueRequired', field: `${field}[${i}].image`, message: 'Required value' });
    const env = c['env'];
    if (env !== undefined && !Array.isArray(env)) causes.push({ reason: 'FieldValueInvalid', field: `${field}[${i}].env`, message: 'Invalid value: must be a list' });
    if (Array.isArray(env)) {
      env.forEach((e, j) => {
        if (typeof asRecord(e)['name'] !== 'string' || asRecord(e)['name'] === '') causes.push({ reason: 'FieldValueRequired', field: `${field}[${i}].env[${j}].name`, message: 'Required value' });
      });
    }
  });
}

function workloadType(resource: string, kind: string): ResourceType {
  return {
    group: 'apps',
    version: 'v1',
    resource,
    kind,
    namespaced: true,
    statusSubresource: true,
    prepare(obj: KubeObject, old: KubeObject | undefined) {
      const spec = asRecord(obj['spec']);
      const causes: StatusCause[] = [];
      const selector = spec['selector'];
      const template = asRecord(spec['template']);
      const labels = asRecord(asRecord(template['metadata'])['labels']) as Record<string, string>;
      if (selector === undefined || selector === null) {
        causes.push({ reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });
      } else {
        try {
          const reqs = labelSelectorFromObject(selector as LabelSelectorObject);
          if (reqs.length === 0) causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: empty selector is invalid for deployment' });
          else if (!matchLabels(reqs, labels)) {
            causes.push({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\`` });
          }
        } catch (err) {
          causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${(err as Error).message}` });
        }
        if (old !== undefined && JSON.stringify(asRecord(old['spec'])['selector']) !== JSON.stringify(selector)) {
          causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: field is immutable' });
        }
      }
      const podSpec = asRecord(template['spec']);
      checkContainers('spec.template.spec.containers', podSpec['containers'], true, causes);
      checkContainers('spec.template.spec.initContainers', podSpec['initContainers'], false, causes);
      const replicas = spec['replicas'];
      if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
        causes.push({ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: must be greater than or equal to 0' });
      }
      if (causes.length > 0) throw statusErrors.invalid(kind, 'apps', obj.metadata.name ?? '', causes);
      if (kind !== 'DaemonSet' && replicas === undefined) obj['spec'] = { ...spec, replicas: 1 };
    },
  };
}

export const deploymentsType = workloadType('deployments', 'Deployment');
export const statefulSetsType = workloadType('statefulsets', 'StatefulSet');
export const daemonSetsType = workloadType('daemonsets', 'DaemonSet');
export const APPS_RESOURCE_TYPES: readonly ResourceType[] = [deploymentsType, statefulSetsType, daemonSetsType];

function condition(type: string, status: string, reason: string, message: string, now: string): Record<string, string> {
  return { type, status, reason, message, lastUpdateTime: now, lastTransitionTime: now };
}

/** The status a healthy, fully rolled-out workload reports for its current generation. */
function settledStatus(type: ResourceType, obj: KubeObject): Record<string, unknown> {
  const generation = obj.metadata.generation ?? 1;
  const replicas = type.kind === 'DaemonSet' ? 1 : Number(asRecord(obj['spec'])['replicas'] ?? 1);
  const now = kubeTime(Date.now());
  if (type.kind === 'Deployment') {
    return {
      observedGeneration: generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.', now),
        condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${obj.metadata.name ?? ''}" has successfully progressed.`, now),
      ],
    };
  }
  if (type.kind === 'StatefulSet') return { observedGeneration: generation, replicas, readyReplicas: replicas, currentReplicas: replicas, updatedReplicas: replicas, availableReplicas: replicas };
  return { observedGeneration: generation, currentNumberScheduled: 1, desiredNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1 };
}

export interface AppsResourcesOptions {
  /**
   * Settle every new generation at once (default false: status stays as clients write it);
   * a function picks the workloads that settle (the others keep their status, e.g. for
   * `failRollout`).
   */
  rollout?: boolean | ((obj: KubeObject) => boolean);
}

/** Serves Deployments, StatefulSets and DaemonSets on the test server (idempotent). */
export function registerAppsResources(kube: KubeTestServer, options: AppsResourcesOptions = {}): void {
  for (const t of APPS_RESOURCE_TYPES) if (kube.store.resolve('apps', 'v1', t.resource) === undefined) kube.store.register(t);
  const rollout = options.rollout;
  if (rollout === undefined || rollout === false) return;
  const settle = (type: ResourceType, obj: KubeObject): void => {
    if (!APPS_RESOURCE_TYPES.includes(type) || (typeof rollout === 'function' && !rollout(obj))) return;
    const observed = asRecord(obj['status'])['observedGeneration'];
    if (observed === obj.metadata.generation) return;
    kube.store.update(type, obj.metadata.namespace, obj.metadata.name ?? '', { ...obj, status: settledStatus(type, obj) }, { subresource: 'status' });
  };
  kube.store.addHooks({ afterCreate: settle, afterUpdate: settle });
}

/** Marks a Deployment's current rollout as failed, as the Deployment controller does after `progressDeadlineSeconds`. */
export function failRollout(kube: KubeTestServer, namespace: string, name: string, message?: string): KubeObject {
  const obj = kube.store.get(deploymentsType, namespace, name);
  const now = kubeTime(Date.now());
  const status = {
    ...asRecord(obj['status']),
    observedGeneration: obj.metadata.generation ?? 1,
    conditions: [
      condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.', now),
      condition('Progressing', 'False', 'ProgressDeadlineExceeded', message ?? `ReplicaSet "${name}" has timed out progressing.`, now),
    ],
  };
  return kube.store.update(deploymentsType, namespace, name, { ...obj, status }, { subresource: 'status' });
}
