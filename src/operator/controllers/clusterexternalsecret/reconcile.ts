/**
 * The ClusterExternalSecret reconciler (ESO `pkg/controllers/clusterexternalsecret`): one
 * ExternalSecret per selected Namespace, named `externalSecretName` (default: the CES name),
 * carrying `externalSecretMetadata` and `externalSecretSpec`, controlled by the CES through an
 * ownerReference (a cluster-scoped owner may own namespaced objects). ExternalSecrets are
 * deleted from namespaces that stop matching, under the old name after a rename, and on CES
 * deletion (finalizer `clusterexternalsecret-cleanup`). An ExternalSecret of that name that the
 * CES does not control is never taken over: the namespace is reported as failed with ESO's
 * reason. Status: `externalSecretName`, sorted `provisionedNamespaces` and `failedNamespaces`,
 * and `Ready` (True, or False with "one or more namespaces failed").
 */
import { isDeepStrictEqual } from 'node:util';
import { parseDurationSeconds } from '../../../shared/duration.js';
import type { Logger } from '../../../shared/logger.js';
import {
  ANNOTATION_FORCE_SYNC,
  DEFAULT_CES_REFRESH_TIME,
  ESO_API_VERSION,
  FINALIZER_CLUSTER_EXTERNAL_SECRET_CLEANUP,
  KIND_CLUSTER_EXTERNAL_SECRET,
  KIND_EXTERNAL_SECRET,
  MSG_CES_ES_EXISTS,
  MSG_CES_NAMESPACES_FAILED,
  NAMESPACE_FINALIZER_PREFIX,
  cesExternalSecretName,
  cesSelectsNamespace,
  clusterExternalSecretsResource,
  externalSecretsResource,
  validateClusterExternalSecret,
  type ClusterExternalSecret,
  type ClusterExternalSecretStatus,
  type ExternalSecret,
  type ExternalSecretSpec,
} from '../../apis/external-secrets/index.js';
import { KubeRequestError, type EventRecorder, type KubeClient, type KubeObject, type OwnerReference, type Reconciler, type ReconcileResult, type ResourceRef } from '../../runtime/types.js';

export const NAMESPACES_RESOURCE: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };

export interface ClusterExternalSecretReconcilerOptions {
  client: KubeClient;
  events: EventRecorder;
  logger: Logger;
  /** The Namespaces to choose from (the controller passes its informer cache). */
  listNamespaces: () => KubeObject[];
  /** `--namespace`: provision only there (undefined = everywhere). */
  watchNamespace?: string;
}

/** `spec.refreshTime` in ms (default 1h); invalid or 0 falls back to the default. */
export function cesRefreshMs(ces: ClusterExternalSecret): number {
  let seconds = 0;
  try {
    seconds = parseDurationSeconds(ces.spec?.refreshTime ?? DEFAULT_CES_REFRESH_TIME);
  } catch {
    seconds = 0;
  }
  return (seconds > 0 ? seconds : parseDurationSeconds(DEFAULT_CES_REFRESH_TIME)) * 1000;
}

/** ESO `isExternalSecretOwnedBy`: its controller is a ClusterExternalSecret of that name. */
export function isOwnedByCes(es: { metadata: { ownerReferences?: OwnerReference[] } }, cesName: string): boolean {
  const owner = (es.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (owner === undefined) return false;
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.slice(0, owner.apiVersion.indexOf('/')) : '';
  return owner.kind === KIND_CLUSTER_EXTERNAL_SECRET && group === 'external-secrets.io' && owner.name === cesName;
}

/**
 * The ExternalSecret CRD's schema defaults, applied to both sides before comparing, so an
 * unchanged spec is not written again only because the API server filled in defaults.
 */
function withEsDefaults(spec: ExternalSecretSpec | undefined): unknown {
  const s = structuredClone(spec ?? {}) as ExternalSecretSpec & Record<string, unknown>;
  s.refreshInterval ??= '1h';
  if (s.secretStoreRef !== undefined) s.secretStoreRef.kind ??= 'SecretStore';
  s.target ??= {};
  s.target.creationPolicy ??= 'Owner';
  s.target.deletionPolicy ??= 'Retain';
  if (s.target.template !== undefined) {
    s.target.template.engineVersion ??= 'v2';
    s.target.template.mergePolicy ??= 'Replace';
  }
  for (const d of s.data ?? []) if (d.sourceRef?.storeRef !== undefined) d.sourceRef.storeRef.kind ??= 'SecretStore';
  for (const d of s.dataFrom ?? []) if (d.sourceRef?.storeRef !== undefined) d.sourceRef.storeRef.kind ??= 'SecretStore';
  return s;
}

const emptyToUndefined = (m: Record<string, string> | undefined): Record<string, string> | undefined => (m === undefined || Object.keys(m).length === 0 ? undefined : m);

/** ESO's mutate function: labels and annotations replaced by externalSecretMetadata, force-sync mirrored. */
export function desiredMetadata(ces: ClusterExternalSecret): { labels?: Record<string, string>; annotations?: Record<string, string> } {
  const meta = ces.spec.externalSecretMetadata ?? {};
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}) };
  const force = ces.metadata.annotations?.[ANNOTATION_FORCE_SYNC];
  if (force !== undefined) annotations[ANNOTATION_FORCE_SYNC] = force;
  else delete annotations[ANNOTATION_FORCE_SYNC];
  const labels = emptyToUndefined(meta.labels === undefined ? undefined : { ...meta.labels });
  const ann = emptyToUndefined(annotations);
  return { ...(labels !== undefined ? { labels } : {}), ...(ann !== undefined ? { annotations: ann } : {}) };
}

function ownerRef(ces: ClusterExternalSecret): OwnerReference {
  return { apiVersion: ESO_API_VERSION, kind: KIND_CLUSTER_EXTERNAL_SECRET, name: ces.metadata.name, uid: ces.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** controller-runtime `SetControllerReference`: replace our own entry, keep the others. */
function withOwner(refs: readonly OwnerReference[] | undefined, ours: OwnerReference): OwnerReference[] {
  const out = (refs ?? []).filter((r) => !(r.kind === ours.kind && r.name === ours.name && r.apiVersion.split('/')[0] === ours.apiVersion.split('/')[0]));
  return [...out, ours];
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function cesStatus(esName: string, provisioned: string[], failed: Map<string, string>): ClusterExternalSecretStatus {
  const failures = [...failed.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([namespace, reason]) => ({ namespace, reason }));
  return {
    externalSecretName: esName,
    ...(failures.length > 0 ? { failedNamespaces: failures } : {}),
    ...(provisioned.length > 0 ? { provisionedNamespaces: [...provisioned].sort() } : {}),
    conditions: [failures.length === 0 ? { type: 'Ready', status: 'True' } : { type: 'Ready', status: 'False', message: MSG_CES_NAMESPACES_FAILED }],
  };
}

export function createClusterExternalSecretReconciler(options: ClusterExternalSecretReconcilerOptions): Reconciler {
  const { client, logger } = options;

  async function writeStatus(ces: ClusterExternalSecret, status: ClusterExternalSecretStatus): Promise<void> {
    if (isDeepStrictEqual(status, ces.status ?? {})) return;
    try {
      await client.replaceStatus(clusterExternalSecretsResource, { ...ces, status });
    } catch (err) {
      // A newer version is on its way through the watch and will be reconciled.
      if (err instanceof KubeRequestError && (err.status === 409 || err.status === 404)) return;
      throw err;
    }
  }

  async function setFinalizers(ces: ClusterExternalSecret, finalizers: string[]): Promise<ClusterExternalSecret> {
    return client.patch<ClusterExternalSecret>(clusterExternalSecretsResource, undefined, ces.metadata.name, { metadata: { finalizers, resourceVersion: ces.metadata.resourceVersion } }, 'merge');
  }

  /** Deletes the ExternalSecret `esName` in `namespace` if this CES controls it. */
  async function deleteOwned(namespace: string, esName: string, cesName: string): Promise<void> {
    const es = await client.get<ExternalSecret>(externalSecretsResource, namespace, esName);
    if (es === null || !isOwnedByCes(es, cesName)) return;
    try {
      await client.delete(externalSecretsResource, namespace, esName);
    } catch (err) {
      throw new Error(`external secret in non matching namespace could not be deleted: ${describe(err)}`, { cause: err });
    }
  }

  /** Removes ESO's per-CES namespace finalizer if an earlier ESO install left it there. */
  async function dropEsoNamespaceFinalizer(ns: KubeObject, cesName: string): Promise<void> {
    const finalizer = NAMESPACE_FINALIZER_PREFIX + cesName;
    const finalizers = ns.metadata.finalizers ?? [];
    if (!finalizers.includes(finalizer)) return;
    try {
      await client.patch(NAMESPACES_RESOURCE, undefined, ns.metadata.name, { metadata: { finalizers: finalizers.filter((f) => f !== finalizer), resourceVersion: ns.metadata.resourceVersion } }, 'merge');
    } catch (err) {
      logger.warn({ namespace: ns.metadata.name, err: describe(err) }, 'could not remove the ESO namespace finalizer');
    }
  }

  async function createOrUpdate(ces: ClusterExternalSecret, namespace: string, esName: string, existing: ExternalSecret | null): Promise<void> {
    const meta = desiredMetadata(ces);
    const spec = structuredClone(ces.spec.externalSecretSpec);
    if (existing === null) {
      const es: ExternalSecret = {
        apiVersion: ESO_API_VERSION,
        kind: KIND_EXTERNAL_SECRET,
        metadata: { name: esName, namespace, ...meta, ownerReferences: [ownerRef(ces)] },
        spec,
      };
      await client.create(externalSecretsResource, es);
      return;
    }
    const ownerReferences = withOwner(existing.metadata.ownerReferences, ownerRef(ces));
    const same =
      isDeepStrictEqual(emptyToUndefined(existing.metadata.labels), meta.labels) &&
      isDeepStrictEqual(emptyToUndefined(existing.metadata.annotations), meta.annotations) &&
      isDeepStrictEqual(existing.metadata.ownerReferences ?? [], ownerReferences) &&
      isDeepStrictEqual(withEsDefaults(existing.spec), withEsDefaults(spec));
    if (same) return;
    const { labels: _l, annotations: _a, ...rest } = existing.metadata;
    await client.replace(externalSecretsResource, { ...existing, metadata: { ...rest, ...meta, ownerReferences }, spec });
  }

  async function cleanup(ces: ClusterExternalSecret): Promise<void> {
    const esName = ces.status?.externalSecretName ?? ces.metadata.name;
    const errors: string[] = [];
    const namespaces = new Map(options.listNamespaces().map((ns) => [ns.metadata.name, ns]));
    for (const namespace of ces.status?.provisionedNamespaces ?? []) {
      try {
        await deleteOwned(namespace, esName, ces.metadata.name);
      } catch (err) {
        errors.push(`${namespace}: ${describe(err)}`);
      }
    }
    for (const ns of namespaces.values()) await dropEsoNamespaceFinalizer(ns, ces.metadata.name);
    if (errors.length > 0) throw new Error(`failed to cleanup ExternalSecrets: ${errors.join('; ')}`);
    const finalizers = ces.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER_CLUSTER_EXTERNAL_SECRET_CLEANUP)) {
      await setFinalizers(ces, finalizers.filter((f) => f !== FINALIZER_CLUSTER_EXTERNAL_SECRET_CLEANUP));
    }
  }

  return {
    async reconcile(key: string): Promise<ReconcileResult | void> {
      let ces = await client.get<ClusterExternalSecret>(clusterExternalSecretsResource, undefined, key);
      if (ces === null) return;
      if (ces.metadata.deletionTimestamp !== undefined) return cleanup(ces);

      const finalizers = ces.metadata.finalizers ?? [];
      if (!finalizers.includes(FINALIZER_CLUSTER_EXTERNAL_SECRET_CLEANUP)) {
        ces = await setFinalizers(ces, [...finalizers, FINALIZER_CLUSTER_EXTERNAL_SECRET_CLEANUP]);
      }
      const refresh = { requeueAfterMs: cesRefreshMs(ces) };
      const esName = cesExternalSecretName(ces);

      const invalid = validateClusterExternalSecret(ces);
      if (invalid.length > 0) {
        // Nothing is created from a spec the ExternalSecret controller would reject anyway.
        const message = `invalid ClusterExternalSecret: ${invalid.join('; ')}`;
        const status = cesStatus(esName, ces.status?.provisionedNamespaces ?? [], new Map([['unknown', message]]));
        if (!isDeepStrictEqual(status, ces.status ?? {})) options.events.event(ces, 'Warning', 'InvalidSpec', message);
        await writeStatus(ces, status);
        return refresh;
      }

      const failed = new Map<string, string>();
      let conflict = false;
      const noteFailure = (namespace: string, err: unknown): void => {
        failed.set(namespace, describe(err));
        if (err instanceof KubeRequestError && err.status === 409) conflict = true;
      };

      // A rename: the ExternalSecrets under the previous name go first.
      const prevName = ces.status?.externalSecretName;
      if (prevName !== undefined && prevName !== '' && prevName !== esName) {
        for (const namespace of ces.status?.provisionedNamespaces ?? []) {
          try {
            await deleteOwned(namespace, prevName, ces.metadata.name);
          } catch (err) {
            noteFailure(namespace, err);
          }
        }
        if (failed.size > 0) {
          await writeStatus(ces, { ...cesStatus(prevName, ces.status?.provisionedNamespaces ?? [], failed) });
          throw new Error(`could not delete the ExternalSecrets named ${JSON.stringify(prevName)}`);
        }
      }

      const all = options.listNamespaces();
      const targets = all.filter(
        (ns) => (options.watchNamespace === undefined || ns.metadata.name === options.watchNamespace) && cesSelectsNamespace(ces, ns.metadata.name, ns.metadata.labels),
      );
      const targetNames = new Set(targets.map((ns) => ns.metadata.name));

      // Namespaces that stopped matching (or are gone) lose the ExternalSecret.
      for (const namespace of ces.status?.provisionedNamespaces ?? []) {
        if (targetNames.has(namespace)) continue;
        try {
          await deleteOwned(namespace, esName, ces.metadata.name);
        } catch (err) {
          noteFailure(namespace, err);
        }
      }
      for (const ns of all) await dropEsoNamespaceFinalizer(ns, ces.metadata.name);

      const provisioned: string[] = [];
      for (const ns of targets) {
        const namespace = ns.metadata.name;
        // Nothing new goes into a namespace being deleted (ESO skips them too).
        if (ns.metadata.deletionTimestamp !== undefined) continue;
        try {
          const existing = await client.get<ExternalSecret>(externalSecretsResource, namespace, esName);
          if (existing !== null && !isOwnedByCes(existing, ces.metadata.name)) {
            failed.set(namespace, MSG_CES_ES_EXISTS);
            continue;
          }
          await createOrUpdate(ces, namespace, esName, existing);
          provisioned.push(namespace);
        } catch (err) {
          noteFailure(namespace, err);
        }
      }

      await writeStatus(ces, cesStatus(esName, provisioned, failed));
      // Someone else changed an ExternalSecret meanwhile: retry soon rather than at refreshTime.
      if (conflict) throw new Error('conflict detected, will retry');
      return refresh;
    },
  };
}
