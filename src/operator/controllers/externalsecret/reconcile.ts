/**
 * The ExternalSecret reconciler (ESO `pkg/controllers/externalsecret`): decide whether a refresh
 * is due (refreshPolicy/refreshInterval, metadata changes such as `force-sync`, a missing or
 * tampered target), fetch the data through the store's provider, render the template, write
 * the Secret per creationPolicy (with ESO's labels, `data-hash` annotation and ownerReference)
 * and report it as the `Ready` condition, `refreshTime`, `syncedResourceVersion` and events.
 *
 * Errors the user must fix (invalid spec, a store refusing the namespace, a Secret owned by
 * another ExternalSecret) are reported and retried only at the next refresh; provider and API
 * failures are thrown, so the key is retried with backoff.
 */
import { isDeepStrictEqual } from 'node:util';
import { UserError } from '../../../shared/errors.js';
import { parseRefreshIntervalMs } from '../../../shared/duration.js';
import type { Logger } from '../../../shared/logger.js';
import {
  ANNOTATION_DATA_HASH,
  CONDITION_READY,
  DEFAULT_REFRESH_INTERVAL,
  ESO_API_VERSION,
  EVENT_CREATED,
  EVENT_DELETED,
  EVENT_MISSING_PROVIDER_SECRET,
  EVENT_UPDATED,
  EVENT_UPDATE_FAILED,
  FINALIZER_EXTERNAL_SECRET_CLEANUP,
  KIND_EXTERNAL_SECRET,
  LABEL_MANAGED,
  LABEL_MANAGED_VALUE,
  LABEL_OWNER,
  MSG_OWNED_BY_OTHER,
  MSG_PROVIDER_ERROR,
  MSG_SECRET_DELETED,
  MSG_SECRET_MERGE_MISSING,
  MSG_SECRET_RETAINED,
  MSG_SECRET_SYNCED,
  MSG_TARGET_IMMUTABLE,
  REASON_SECRET_DELETED,
  REASON_SECRET_MISSING,
  REASON_SECRET_SYNCED,
  REASON_SECRET_SYNCED_ERROR,
  clusterSecretStoresResource,
  externalSecretsResource,
  secretStoresResource,
  validateExternalSecret,
  type ClusterSecretStoreCondition,
  type ExternalSecret,
  type ExternalSecretStatus,
  type ExternalSecretStatusCondition,
  type GeneratorRef,
  type GenericStore,
  type LabelSelector,
  type SecretStoreRef,
} from '../../apis/external-secrets/index.js';
import { providerFor, type Provider, type SecretsClient } from '../../providers/index.js';
import { KubeRequestError, objectKey, splitKey, type EventRecorder, type KubeClient, type KubeObject, type OwnerReference, type Reconciler, type ReconcileResult, type ResourceRef } from '../../runtime/types.js';
import { isStoreReady, shouldProcessStore, storeRefOf } from '../secretstore/index.js';
import { gatherData } from './data.js';
import { EventRefresh, ReadRecorder } from './event-refresh.js';
import { GeneratedData } from './generated-data.js';
import type { GeneratorRegistry } from '../../generators/index.js';
import type { ExternalSecretMetrics } from './metrics.js';
import { retryPolicyOf, wrapSecretsClient } from './provider-client.js';
import { createdByHash, dataHash, secretDataBase64, secretDataBytes, syncedResourceVersion } from './hash.js';
import { applyTemplate, type DesiredSecret } from './template.js';

export const SECRETS_RESOURCE: ResourceRef = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
export const CONFIGMAPS_RESOURCE: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
export const NAMESPACES_RESOURCE: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };

export const EVENT_MSG_CREATED = 'secret created';
export const EVENT_MSG_UPDATED = 'secret updated';
export const EVENT_MSG_DELETED_ORPHANED = 'secret deleted because it was orphaned';
/** Coffer's reason (ESO has no such event) for generator problems that do not fail the sync. */
export const EVENT_GENERATOR_WARNING = 'GeneratorWarning';

export interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  immutable?: boolean;
}

export interface ExternalSecretReconcilerOptions {
  client: KubeClient;
  providers: Readonly<Record<string, Provider>>;
  events: EventRecorder;
  logger: Logger;
  controllerClass?: string;
  now?: () => number;
  /** ESO's `externalsecret_*` metrics (the controller passes them; absent in unit tests). */
  metrics?: ExternalSecretMetrics;
  /** Waits between provider retries (`retrySettings`); tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
  /** Serves `dataFrom[].sourceRef.generatorRef` (absent: generators are refused). */
  generators?: GeneratorRegistry;
  /** Read deduplication and event-driven refresh (the controller passes one; absent in unit tests). */
  refresh?: EventRefresh;
  /**
   * The controller's informer caches: ExternalSecrets and stores are read from them, as
   * controller-runtime's cached client does, saving two GETs per sync; a miss falls back to a GET.
   */
  cache?: ReconcilerCache;
}

export interface ReconcilerCache {
  externalSecret(namespace: string | undefined, name: string): ExternalSecret | undefined;
  store(kind: 'SecretStore' | 'ClusterSecretStore', namespace: string, name: string): GenericStore | undefined;
}

/** `spec.refreshInterval` in ms (CRD default 1h); 0 = sync once. */
export function refreshIntervalMs(es: ExternalSecret): number {
  return parseRefreshIntervalMs(es.spec.refreshInterval ?? DEFAULT_REFRESH_INTERVAL);
}

/** ESO `shouldRefresh`, per refreshPolicy. */
export function shouldRefresh(es: ExternalSecret, nowMs: number): boolean {
  const status = es.status ?? {};
  const synced = status.syncedResourceVersion ?? '';
  const refreshTime = status.refreshTime ? Date.parse(status.refreshTime) : Number.NaN;
  switch (es.spec.refreshPolicy ?? 'Periodic') {
    case 'CreatedOnce':
      return synced === '' || Number.isNaN(refreshTime);
    case 'OnChange':
      return synced !== syncedResourceVersion(es.metadata);
    default: {
      const interval = refreshIntervalMs(es);
      if (interval <= 0 && synced !== '') return false;
      if (synced !== syncedResourceVersion(es.metadata)) return true;
      if (Number.isNaN(refreshTime)) return true;
      return refreshTime + interval < nowMs;
    }
  }
}

/** ESO `isSecretValid`: present, labelled managed, data-hash matching its data, and (Owner) our created-by label. */
export function isSecretValid(secret: SecretObject | null, es: ExternalSecret): boolean {
  if (secret === null) return false;
  if (secret.metadata.labels?.[LABEL_MANAGED] !== LABEL_MANAGED_VALUE) return false;
  if (secret.metadata.annotations?.[ANNOTATION_DATA_HASH] !== dataHash(secretDataBytes(secret.data))) return false;
  if ((es.spec.target?.creationPolicy ?? 'Owner') === 'Owner' && secret.metadata.labels?.[LABEL_OWNER] !== createdByHash(es.metadata.namespace ?? '', es.metadata.name)) return false;
  return true;
}

function matchSelector(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** ClusterSecretStore `conditions`: OR-ed; empty = every namespace (ESO `validateStoreNamespaceConditions`). */
export function namespaceAllowed(conditions: readonly ClusterSecretStoreCondition[] | undefined, namespace: string, nsLabels: Record<string, string>): boolean {
  if (conditions === undefined || conditions.length === 0) return true;
  return conditions.some((c) => {
    if (c.namespaceSelector !== undefined && matchSelector(c.namespaceSelector, nsLabels)) return true;
    if ((c.namespaces ?? []).includes(namespace)) return true;
    return (c.namespaceRegexes ?? []).some((re) => {
      try {
        return new RegExp(re).test(namespace);
      } catch {
        return false;
      }
    });
  });
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** ESO `SetExternalSecretCondition`: lastTransitionTime only moves when the status flips. */
export function readyCondition(previous: ExternalSecretStatus | undefined, status: 'True' | 'False', reason: string, message: string, nowIso: string): ExternalSecretStatusCondition {
  const old = previous?.conditions?.find((c) => c.type === CONDITION_READY);
  const same = old !== undefined && old.status === status;
  return { type: 'Ready', status, reason, message, lastTransitionTime: same && old.lastTransitionTime !== undefined ? old.lastTransitionTime : nowIso };
}

/**
 * The data keys this ExternalSecret is known to manage without managedFields (which ESO reads
 * and Coffer's client does not write): `data[].secretKey` and the `template.data` keys. With
 * creationPolicy Merge/CreateOrMerge these are removed before the new data is merged in, so a
 * key whose remote secret vanished (deletionPolicy Delete/Merge) leaves the Secret, as in ESO.
 */
export function staticManagedKeys(es: ExternalSecret): string[] {
  return [...(es.spec.data ?? []).map((d) => d.secretKey), ...Object.keys(es.spec.target?.template?.data ?? {})];
}

/** A problem to report without hot retries (the user must change something). */
class TerminalError extends Error {}
/** Already reported in status and events; only retried with backoff. */
class ReportedError extends Error {}

function isControlledBy(secret: SecretObject, es: ExternalSecret): boolean {
  return (secret.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === es.metadata.uid);
}

export function createExternalSecretReconciler(options: ExternalSecretReconcilerOptions): Reconciler {
  const { client, events, logger, metrics } = options;
  const controllerClass = options.controllerClass ?? 'default';
  const now = options.now ?? Date.now;
  // Keys whose reconcile reported a failure (a key is never reconciled by two workers at once).
  const failed = new Set<string>();
  // Generated credentials (leases) held per ExternalSecret between reconciles.
  const generated = options.generators !== undefined ? new GeneratedData({ registry: options.generators, now }) : undefined;

  async function writeStatus(es: ExternalSecret, status: ExternalSecretStatus): Promise<void> {
    const next = status.conditions?.find((c) => c.type === CONDITION_READY);
    if (metrics !== undefined && next !== undefined) {
      const previous = es.status?.conditions?.find((c) => c.type === CONDITION_READY);
      metrics.setCondition({ namespace: es.metadata.namespace ?? '', name: es.metadata.name }, previous, next);
    }
    if (isDeepStrictEqual(status, es.status ?? {})) return;
    const conflictOrGone = (err: unknown): boolean => err instanceof KubeRequestError && (err.status === 409 || err.status === 404);
    try {
      await client.replaceStatus(externalSecretsResource, { ...es, status });
    } catch (err) {
      if (!conflictOrGone(err)) throw err;
      // The object came from the informer cache and someone (often our own previous status
      // write) moved it on. A status-only change wakes nobody, so write this sync's status onto
      // the current version — unless the spec changed, which queues a fresh reconcile anyway.
      if ((err as KubeRequestError).status === 404) return;
      const current = await client.get<ExternalSecret>(externalSecretsResource, es.metadata.namespace, es.metadata.name);
      if (current === null || current.metadata.generation !== es.metadata.generation) return;
      await client.replaceStatus(externalSecretsResource, { ...current, status }).catch((again: unknown) => {
        if (!conflictOrGone(again)) throw again;
      });
    }
  }

  async function fail(es: ExternalSecret, message: string, eventMessage: string): Promise<void> {
    failed.add(objectKey(es));
    const nowIso = rfc3339(now());
    const status: ExternalSecretStatus = { ...(es.status ?? {}), conditions: [readyCondition(es.status, 'False', REASON_SECRET_SYNCED_ERROR, message, nowIso)] };
    await writeStatus(es, status);
    events.event(es, 'Warning', EVENT_UPDATE_FAILED, eventMessage);
  }

  async function setFinalizers(es: ExternalSecret, finalizers: string[]): Promise<ExternalSecret> {
    return client.patch<ExternalSecret>(externalSecretsResource, es.metadata.namespace, es.metadata.name, { metadata: { finalizers, resourceVersion: es.metadata.resourceVersion } }, 'merge');
  }

  async function cleanup(es: ExternalSecret): Promise<void> {
    const finalizers = es.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER_EXTERNAL_SECRET_CLEANUP)) return;
    if (es.spec.target?.deletionPolicy === 'Delete') {
      const name = es.spec.target.name ?? es.metadata.name;
      const secret = await client.get<SecretObject>(SECRETS_RESOURCE, es.metadata.namespace, name);
      if (secret !== null && isControlledBy(secret, es)) await client.delete(SECRETS_RESOURCE, es.metadata.namespace, name);
    }
    await setFinalizers(es, finalizers.filter((f) => f !== FINALIZER_EXTERNAL_SECRET_CLEANUP));
  }

  async function getStore(es: ExternalSecret, ref: SecretStoreRef | undefined): Promise<GenericStore> {
    const kind = ref?.kind ?? 'SecretStore';
    const name = ref?.name ?? '';
    const ns = es.metadata.namespace ?? '';
    const cached = options.cache?.store(kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore', ns, name);
    const store =
      cached ??
      (kind === 'ClusterSecretStore'
        ? await client.get<GenericStore>(clusterSecretStoresResource, undefined, name)
        : await client.get<GenericStore>(secretStoresResource, ns, name));
    if (store === null) throw new UserError(`could not get store: ${kind} ${JSON.stringify(name)} not found`);
    if (kind === 'ClusterSecretStore' && (store.spec?.conditions ?? []).length > 0) {
      const nsObj = await client.get<KubeObject>(NAMESPACES_RESOURCE, undefined, ns);
      if (!namespaceAllowed(store.spec.conditions, ns, nsObj?.metadata.labels ?? {})) {
        throw new TerminalError(`using cluster store ${JSON.stringify(name)} is not allowed from namespace ${JSON.stringify(ns)}: denied by spec.condition`);
      }
    }
    return store;
  }

  async function readTemplateSource(ns: string, kind: 'ConfigMap' | 'Secret', name: string): Promise<Record<string, string>> {
    const obj = await client.get<KubeObject>(kind === 'Secret' ? SECRETS_RESOURCE : CONFIGMAPS_RESOURCE, ns, name);
    if (obj === null) throw new UserError(`could not get ${kind} ${JSON.stringify(name)} for the template`);
    if (kind === 'ConfigMap') return { ...((obj['data'] as Record<string, string> | undefined) ?? {}) };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(secretDataBytes(obj['data'] as Record<string, string> | undefined))) out[k] = new TextDecoder().decode(v);
    return out;
  }

  async function sync(es: ExternalSecret): Promise<ReconcileResult | void> {
    const ns = es.metadata.namespace ?? '';
    const target = es.spec.target ?? {};
    const creationPolicy = target.creationPolicy ?? 'Owner';
    const deletionPolicy = target.deletionPolicy ?? 'Retain';
    const targetName = target.name ?? es.metadata.name;
    const interval = refreshIntervalMs(es);
    const periodic = (es.spec.refreshPolicy ?? 'Periodic') === 'Periodic' && interval > 0;
    const later: ReconcileResult = periodic ? { requeueAfterMs: interval } : {};

    // As in ESO, an ExternalSecret whose data all comes from generators needs no store.
    const generatorsOnly = es.spec.secretStoreRef === undefined && (es.spec.data ?? []).length === 0 && (es.spec.dataFrom ?? []).every((f) => f.sourceRef?.generatorRef !== undefined);
    const store = generatorsOnly ? undefined : await getStore(es, es.spec.secretStoreRef);
    if (store !== undefined && !shouldProcessStore(store, controllerClass)) return;
    // ESO's flood gate: a store that is not Ready would only make every ExternalSecret fail slowly.
    if (store !== undefined && !isStoreReady(store)) throw new UserError(`the desired SecretStore ${store.metadata.name} is not ready`);

    const existing = await client.get<SecretObject>(SECRETS_RESOURCE, ns, targetName);
    const valid = creationPolicy === 'Orphan' || isSecretValid(existing, es);
    // A generated lease due for renewal forces a refresh (the requeue time comes from reconcileObject).
    const generatorDue = (generated?.dueAtMs(objectKey(es)) ?? Number.POSITIVE_INFINITY) <= now();
    // Told of a change to a key it reads (a store event): refresh now, whatever the interval says.
    const changed = options.refresh?.takeChanged(objectKey(es)) === true;
    if (!changed && !shouldRefresh(es, now()) && valid && !generatorDue) {
      if (!periodic) return;
      const last = es.status?.refreshTime ? Date.parse(es.status.refreshTime) : now();
      return { requeueAfterMs: Math.max(1000, last + interval - now()) };
    }
    if (target.immutable === true && existing?.immutable === true && isSecretValid(existing, es)) return later;

    // Provider clients live for one reconcile (ESO's client manager), one per store.
    const clients = new Map<string, Promise<SecretsClient>>();
    const recorder = new ReadRecorder();
    // A spec change (or a first sync) takes a read at most a second old — ExternalSecrets created
    // together share it; a periodic refresh accepts a read another ExternalSecret made within its
    // own interval. Change events drop changed keys from the cache either way.
    // A metadata-only change at the synced generation is a manual refresh (`force-sync`): as in
    // ESO it reads the provider, so a value written just before it arrives.
    const lastSynced = es.status?.syncedResourceVersion;
    const currentVersion = syncedResourceVersion(es.metadata);
    const forced = lastSynced !== undefined && lastSynced !== currentVersion && lastSynced.startsWith(`${es.metadata.generation ?? 0}-`);
    const maxAgeMs = forced ? 0 : lastSynced !== currentVersion ? Math.min(1000, interval) : interval;
    const clientFor = (ref: SecretStoreRef | undefined): Promise<SecretsClient> => {
      const id = `${ref?.kind ?? es.spec.secretStoreRef?.kind ?? 'SecretStore'}/${ref?.name ?? es.spec.secretStoreRef?.name ?? ''}`;
      let c = clients.get(id);
      if (c === undefined) {
        c = (async () => {
          const s = ref === undefined && store !== undefined ? store : await getStore(es, ref);
          const sref = storeRefOf(s);
          const provider = providerFor(sref, options.providers);
          const providerCtx = { kube: client, namespace: ns, logger };
          const connect = async (): Promise<SecretsClient> => {
            const retry = retryPolicyOf(sref.retrySettings);
            const providerName = Object.keys(sref.provider).find((k) => sref.provider[k] !== undefined && sref.provider[k] !== null) ?? '';
            const raw = await provider.newClient(sref, providerCtx);
            return wrapSecretsClient(raw, {
              providerName,
              retry,
              ...(metrics !== undefined ? { observe: metrics.providerCall } : {}),
              ...(options.sleep !== undefined ? { sleep: options.sleep } : {}),
            });
          };
          if (options.refresh === undefined) return connect();
          const subscribe = provider.subscribe !== undefined ? provider.subscribe.bind(provider, sref, providerCtx) : undefined;
          return options.refresh.client(EventRefresh.scopeOf(s, ns), maxAgeMs, connect, recorder, subscribe);
        })();
        clients.set(id, c);
      }
      return c;
    };
    let dataMap: Record<string, Uint8Array>;
    try {
      const generate =
        generated === undefined
          ? undefined
          : async (index: number, ref: GeneratorRef): Promise<Record<string, Uint8Array>> =>
              (await generated.get(objectKey(es), index, ref, { kube: client, namespace: ns, logger, refreshIntervalMs: periodic ? interval : 0 })).data;
      dataMap = await gatherData(es, clientFor, (message) => events.event(es, 'Normal', EVENT_MISSING_PROVIDER_SECRET, message), generate);
      options.refresh?.synced(objectKey(es), recorder);
    } catch (err) {
      if (err instanceof TerminalError) throw err;
      await fail(es, MSG_PROVIDER_ERROR, `${MSG_PROVIDER_ERROR}: ${(err as Error).message}`);
      throw new ReportedError((err as Error).message, { cause: err });
    } finally {
      await Promise.all([...clients.values()].map((c) => c.then((x) => x.close()).catch(() => undefined)));
      for (const warning of generated?.takeWarnings(objectKey(es)) ?? []) events.event(es, 'Warning', EVENT_GENERATOR_WARNING, warning);
    }

    const nowIso = rfc3339(now());
    // ESO sets `binding` only when it creates or updates the target; otherwise it keeps the old one.
    const synced = (reason: string, message: string, bound = false): ExternalSecretStatus => ({
      refreshTime: nowIso,
      syncedResourceVersion: syncedResourceVersion(es.metadata),
      conditions: [readyCondition(es.status, 'True', reason, message, nowIso)],
      ...(bound ? { binding: { name: targetName } } : es.status?.binding !== undefined ? { binding: es.status.binding } : {}),
    });

    if (Object.keys(dataMap).length === 0 && (deletionPolicy === 'Delete' || deletionPolicy === 'Retain')) {
      if (deletionPolicy === 'Retain') {
        await writeStatus(es, synced(REASON_SECRET_SYNCED, MSG_SECRET_RETAINED));
        return later;
      }
      // ESO's safeguard: only an owned target is deleted (its webhook lets Orphan × Delete through).
      if (creationPolicy !== 'Owner') {
        await fail(es, 'could not delete secret', `unable to delete secret ${targetName}: creationPolicy=${creationPolicy} is not Owner`);
        return later;
      }
      if (existing !== null && isControlledBy(existing, es)) {
        await client.delete(SECRETS_RESOURCE, ns, targetName);
        events.event(es, 'Normal', EVENT_DELETED, MSG_SECRET_DELETED);
      }
      await writeStatus(es, synced(REASON_SECRET_DELETED, MSG_SECRET_DELETED));
      return later;
    }

    if (creationPolicy === 'None') {
      await writeStatus(es, synced(REASON_SECRET_SYNCED, MSG_SECRET_SYNCED));
      return later;
    }
    if (creationPolicy === 'Merge' && existing === null) {
      await writeStatus(es, synced(REASON_SECRET_MISSING, MSG_SECRET_MERGE_MISSING));
      return later;
    }

    const controller = (existing?.metadata.ownerReferences ?? []).find((r) => r.controller === true);
    if (creationPolicy === 'Owner' && controller !== undefined && controller.uid !== es.metadata.uid && controller.kind === KIND_EXTERNAL_SECRET) {
      throw new TerminalError(MSG_OWNED_BY_OTHER);
    }

    const existingData = secretDataBytes(existing?.data);
    for (const key of staticManagedKeys(es)) delete existingData[key];
    const desired: DesiredSecret = {
      ...(existing?.type !== undefined ? { type: existing.type } : {}),
      labels: { ...(existing?.metadata.labels ?? {}) },
      annotations: { ...(existing?.metadata.annotations ?? {}) },
      data: {},
    };
    await applyTemplate(es, desired, dataMap, (kind, name) => readTemplateSource(ns, kind, name));
    // Merge (and CreateOrMerge) keep the keys someone else put there.
    if (creationPolicy === 'Merge' || creationPolicy === 'CreateOrMerge') desired.data = { ...existingData, ...desired.data };
    desired.labels[LABEL_MANAGED] = LABEL_MANAGED_VALUE;
    if (creationPolicy === 'Owner') desired.labels[LABEL_OWNER] = createdByHash(ns, es.metadata.name);
    else delete desired.labels[LABEL_OWNER];
    desired.annotations[ANNOTATION_DATA_HASH] = dataHash(desired.data);

    let ownerReferences = existing?.metadata.ownerReferences ?? [];
    if (creationPolicy === 'Owner') {
      const ours: OwnerReference = { apiVersion: ESO_API_VERSION, kind: KIND_EXTERNAL_SECRET, name: es.metadata.name, uid: es.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
      ownerReferences = [...ownerReferences.filter((r) => r.controller !== true), ours];
    }
    const data = secretDataBase64(desired.data);
    if (existing?.immutable === true && !isDeepStrictEqual(data, existing.data ?? {})) throw new TerminalError(MSG_TARGET_IMMUTABLE);

    const next: SecretObject = {
      ...(existing ?? {}),
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: targetName,
        namespace: ns,
        labels: desired.labels,
        annotations: desired.annotations,
        ...(ownerReferences.length > 0 ? { ownerReferences } : {}),
      },
      ...(desired.type !== undefined ? { type: desired.type } : {}),
      data,
      ...(target.immutable === true ? { immutable: true } : {}),
    };
    if (existing === null) {
      await client.create(SECRETS_RESOURCE, next);
      events.event(es, 'Normal', EVENT_CREATED, EVENT_MSG_CREATED);
    } else if (!isDeepStrictEqual(next, existing)) {
      await client.replace(SECRETS_RESOURCE, next);
      events.event(es, 'Normal', EVENT_UPDATED, EVENT_MSG_UPDATED);
    }
    // The new generated credentials are in the Secret: revoke the ones they replaced.
    await generated?.commit(objectKey(es));
    // Only after a rename (the last bound name differs): a LIST per sync costs more than the
    // sync itself at 10,000 ExternalSecrets.
    const previousTarget = es.status?.binding?.name;
    if (creationPolicy === 'Owner' && previousTarget !== undefined && previousTarget !== targetName) await collectRenamed(es, targetName);
    await writeStatus(es, synced(REASON_SECRET_SYNCED, MSG_SECRET_SYNCED, true));
    return later;
  }

  /** Owner policy: Secrets this ExternalSecret created under an earlier target name go away. */
  async function collectRenamed(es: ExternalSecret, targetName: string): Promise<void> {
    const ns = es.metadata.namespace ?? '';
    const { items } = await client.list<SecretObject>(SECRETS_RESOURCE, { namespace: ns, labelSelector: `${LABEL_OWNER}=${createdByHash(ns, es.metadata.name)}` });
    for (const old of items) {
      if (old.metadata.name !== targetName && isControlledBy(old, es)) {
        await client.delete(SECRETS_RESOURCE, ns, old.metadata.name);
        events.event(es, 'Normal', EVENT_DELETED, EVENT_MSG_DELETED_ORPHANED);
      }
    }
  }

  return {
    async reconcile(key: string): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const start = process.hrtime.bigint();
      let gone = false;
      let threw = false;
      try {
        const es = options.cache?.externalSecret(namespace, name) ?? (await client.get<ExternalSecret>(externalSecretsResource, namespace, name));
        if (es === null) {
          gone = true;
          options.refresh?.forget(key);
          await generated?.release(key);
          return;
        }
        return await reconcileObject(es);
      } catch (err) {
        threw = true;
        throw err;
      } finally {
        const wasFailed = failed.delete(key);
        if (metrics !== undefined) {
          if (gone) metrics.deleted(namespace ?? '', name);
          if (threw || wasFailed) metrics.syncError(namespace ?? '', name);
          metrics.reconciled(namespace ?? '', name, Number(process.hrtime.bigint() - start));
        }
      }
    },
  };

  /** Requeues no later than the next generated lease is due (renewal or re-issue). */
  function soonerForGenerators(key: string, result: ReconcileResult | void): ReconcileResult | void {
    const due = generated?.dueAtMs(key);
    // Past due after a sync means the sync did not use it (e.g. an immutable target): no hot loop.
    if (due === undefined || due <= now()) return result;
    const afterMs = Math.max(1000, due - now());
    const current = result?.requeueAfterMs;
    return { ...(result ?? {}), requeueAfterMs: current === undefined ? afterMs : Math.min(current, afterMs) };
  }

  async function reconcileObject(found: ExternalSecret): Promise<ReconcileResult | void> {
    let es = found;
    if (es.metadata.deletionTimestamp !== undefined) {
      await generated?.release(objectKey(es));
      return cleanup(es);
    }

    const errs = validateExternalSecret(es);
    if (errs.length > 0) {
      const message = `invalid ExternalSecret: ${errs.join('; ')}`;
      await fail(es, message, message);
      return;
    }
    // The cleanup finalizer is only needed (and only kept) with deletionPolicy Delete.
    const finalizers = es.metadata.finalizers ?? [];
    const wantFinalizer = es.spec.target?.deletionPolicy === 'Delete';
    if (wantFinalizer !== finalizers.includes(FINALIZER_EXTERNAL_SECRET_CLEANUP)) {
      es = await setFinalizers(es, wantFinalizer ? [...finalizers, FINALIZER_EXTERNAL_SECRET_CLEANUP] : finalizers.filter((f) => f !== FINALIZER_EXTERNAL_SECRET_CLEANUP));
    }
    try {
      return soonerForGenerators(objectKey(es), await sync(es));
    } catch (err) {
      if (err instanceof TerminalError) {
        await fail(es, err.message, err.message);
        const interval = refreshIntervalMs(es);
        return interval > 0 ? { requeueAfterMs: interval } : undefined;
      }
      if (err instanceof UserError && !(es.status?.conditions ?? []).some((c) => c.reason === REASON_SECRET_SYNCED_ERROR && c.message === err.message)) {
        await fail(es, err.message, err.message);
      }
      throw err;
    }
  }
}
