/**
 * SecretStore / ClusterSecretStore reconciler (ESO `pkg/controllers/secretstore`): check the
 * store spec (`validateSecretStore`), the provider's own checks (`validateStore`), then a live
 * `validate()` with a fresh client, and report the outcome as the `Ready` condition (reasons
 * `Valid`, `InvalidStoreConfiguration`, `InvalidProviderConfig`, `ValidationFailed`,
 * `ValidationUnknown`) plus `capabilities`. Stores of another controller class are left alone.
 * Re-validated every `spec.refreshInterval` (default 5m).
 */
import { isDeepStrictEqual } from 'node:util';
import { parseDurationSeconds } from '../../../shared/duration.js';
import type { Logger } from '../../../shared/logger.js';
import {
  CONDITION_READY,
  DEFAULT_STORE_REQUEUE_SECONDS,
  MSG_STORE_VALIDATED,
  REASON_STORE_INVALID_CONFIG,
  REASON_STORE_INVALID_PROVIDER_CONFIG,
  REASON_STORE_VALID,
  REASON_STORE_VALIDATION_FAILED,
  REASON_STORE_VALIDATION_UNKNOWN,
  clusterSecretStoresResource,
  secretStoresResource,
  validateSecretStore,
  type GenericStore,
  type SecretStoreStatus,
  type SecretStoreStatusCondition,
} from '../../apis/external-secrets/index.js';
import { providerFor, type Provider, type StoreRef } from '../../providers/index.js';
import type { StoreMetrics } from './metrics.js';
import { KubeRequestError, splitKey, type EventRecorder, type KubeClient, type Reconciler, type ReconcileResult } from '../../runtime/types.js';

export interface StoreReconcilerOptions {
  kind: 'SecretStore' | 'ClusterSecretStore';
  client: KubeClient;
  providers: Readonly<Record<string, Provider>>;
  events: EventRecorder;
  logger: Logger;
  /** `--controller-class` (default `default`). */
  controllerClass?: string;
  now?: () => number;
  /** ESO's `secretstore_*` / `clustersecretstore_*` metrics (the controller passes them). */
  metrics?: StoreMetrics;
}

/** A store is ours when it names no class or ours (ESO `ShouldProcessStore`). */
export function shouldProcessStore(store: GenericStore, controllerClass: string): boolean {
  const cls = store.spec?.controller ?? '';
  return cls === '' || cls === controllerClass;
}

export function storeRefOf(store: GenericStore): StoreRef {
  return {
    kind: store.kind,
    name: store.metadata.name,
    ...(store.kind === 'SecretStore' && store.metadata.namespace !== undefined ? { namespace: store.metadata.namespace } : {}),
    provider: (store.spec?.provider ?? {}) as Record<string, unknown>,
    ...(store.spec?.retrySettings !== undefined ? { retrySettings: store.spec.retrySettings } : {}),
  };
}

/** `spec.refreshInterval` (seconds or a duration) in ms; 0/empty/invalid = the 5m default. */
export function storeRequeueMs(store: GenericStore): number {
  let seconds = 0;
  try {
    seconds = parseDurationSeconds(store.spec?.refreshInterval ?? 0);
  } catch {
    seconds = 0;
  }
  return (seconds > 0 ? seconds : DEFAULT_STORE_REQUEUE_SECONDS) * 1000;
}

export function isStoreReady(store: GenericStore): boolean {
  return store.status?.conditions?.some((c) => c.type === CONDITION_READY && c.status === 'True') === true;
}

export interface StoreVerdict {
  status: 'True' | 'False';
  reason: string;
  message: string;
  /** What the event says when it differs from the condition (ESO keeps error details out of status). */
  eventMessage?: string;
}

/** Runs ESO's three validation stages; never throws. */
export async function validateStore(store: GenericStore, providers: Readonly<Record<string, Provider>>, ctx: { client: KubeClient; logger: Logger }): Promise<StoreVerdict> {
  const specErrs = validateSecretStore(store);
  if (specErrs.length > 0) return { status: 'False', reason: REASON_STORE_INVALID_CONFIG, message: `invalid store: ${specErrs.join('; ')}` };
  const ref = storeRefOf(store);
  let provider: Provider;
  try {
    provider = providerFor(ref, providers);
    provider.validateStore(ref);
  } catch (err) {
    return { status: 'False', reason: REASON_STORE_INVALID_PROVIDER_CONFIG, message: `invalid provider config: ${(err as Error).message}` };
  }
  // As ESO: a client that cannot be made (for vault: the login is refused) is a provider-config
  // problem; a client whose validation fails is a validation failure. Details go to the event.
  let client: Awaited<ReturnType<Provider['newClient']>>;
  try {
    client = await provider.newClient(ref, { kube: ctx.client, namespace: store.metadata.namespace ?? '', logger: ctx.logger });
  } catch (err) {
    return { status: 'False', reason: REASON_STORE_INVALID_PROVIDER_CONFIG, message: 'unable to create client', eventMessage: (err as Error).message };
  }
  try {
    const result = await client.validate();
    if (result === 'Error') return { status: 'False', reason: REASON_STORE_VALIDATION_FAILED, message: 'unable to validate store' };
    if (result === 'Unknown') return { status: 'True', reason: REASON_STORE_VALIDATION_UNKNOWN, message: 'unable to validate store' };
  } catch (err) {
    return { status: 'False', reason: REASON_STORE_VALIDATION_FAILED, message: 'unable to validate store', eventMessage: (err as Error).message };
  } finally {
    await client.close().catch(() => undefined);
  }
  return { status: 'True', reason: REASON_STORE_VALID, message: MSG_STORE_VALIDATED };
}

export function storeStatus(previous: SecretStoreStatus | undefined, verdict: StoreVerdict, capabilities: SecretStoreStatus['capabilities'], nowIso: string): SecretStoreStatus {
  const old = previous?.conditions?.find((c) => c.type === CONDITION_READY);
  const cond: SecretStoreStatusCondition = {
    type: 'Ready',
    status: verdict.status,
    reason: verdict.reason,
    message: verdict.message,
    lastTransitionTime: old !== undefined && old.status === verdict.status && old.lastTransitionTime !== undefined ? old.lastTransitionTime : nowIso,
  };
  return { conditions: [cond], ...(capabilities !== undefined ? { capabilities } : {}) };
}

export function createStoreReconciler(options: StoreReconcilerOptions): Reconciler {
  const res = options.kind === 'SecretStore' ? secretStoresResource : clusterSecretStoresResource;
  const controllerClass = options.controllerClass ?? 'default';
  const now = options.now ?? Date.now;
  return {
    async reconcile(key: string): Promise<ReconcileResult | void> {
      const { namespace, name } = splitKey(key);
      const start = process.hrtime.bigint();
      let gone = false;
      try {
        const store = await options.client.get<GenericStore>(res, namespace, name);
        if (store === null || store.metadata.deletionTimestamp !== undefined) {
          gone = true;
          return;
        }
        return await reconcileStore(store);
      } finally {
        if (gone) options.metrics?.remove(namespace ?? '', name);
        else options.metrics?.reconciled(namespace ?? '', name, Number(process.hrtime.bigint() - start));
      }
    },
  };

  async function reconcileStore(store: GenericStore): Promise<ReconcileResult | void> {
    if (!shouldProcessStore(store, controllerClass)) return;
    const verdict = await validateStore(store, options.providers, { client: options.client, logger: options.logger });
    options.metrics?.condition(store.metadata.namespace ?? '', store.metadata.name, verdict.status);
    let capabilities: SecretStoreStatus['capabilities'];
    try {
      capabilities = providerFor(storeRefOf(store), options.providers).capabilities;
    } catch {
      capabilities = undefined;
    }
    const status = storeStatus(store.status, verdict, capabilities, new Date(now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    if (!isDeepStrictEqual(status, store.status ?? {})) {
      try {
        await options.client.replaceStatus(res, { ...store, status });
      } catch (err) {
        // Someone else wrote it first: the watch brings the new version back to us.
        if (err instanceof KubeRequestError && (err.status === 409 || err.status === 404)) return { requeueAfterMs: 1000 };
        throw err;
      }
      if (verdict.status === 'False') options.events.event(store, 'Warning', verdict.reason, verdict.eventMessage ?? verdict.message);
      else options.events.event(store, 'Normal', verdict.reason, verdict.message);
    }
    return { requeueAfterMs: storeRequeueMs(store) };
  }
}
